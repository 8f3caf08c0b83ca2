//! Harness of the turn tests and benchmark: buckets that record their writes, a recording
//! reporter, FakeChutes miners with ffmpeg-made videos, and a sampler wired to all of it.

#![allow(
    dead_code,
    unreachable_pub,
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use base64::Engine;
use leoma_api_types::Hotkey;
use leoma_api_types::keys::Secret;
use leoma_api_types::report::MinerReport;
use leoma_api_types::samples::SampleBatch;
use leoma_chain::Keypair;
use leoma_eval::{
    FfmpegProbe, GeminiConfig, GeminiHttp, Judge, LocalJudge, RetryPolicy, VideoProbe,
};
use leoma_sampler::endpoint::ChutesGenerate;
use leoma_sampler::report::{ReportError, Reporter};
use leoma_sampler::roster::{ChutesHttp, MinerInfo, RosterSnapshot};
use leoma_sampler::turn::state::StateDir;
use leoma_sampler::turn::{Rotation, RotationRules, Sampler, TurnServices, TurnSettings};
use leoma_storage::{Bucket, BucketReader, ObjectBucket, ObjectInfo, StorageError};
use leoma_testkit::corpus::{ShotKind, multi_shot};
use leoma_testkit::video::{
    VideoSpec, animate_from_frame, first_frame_png, garbage, pattern, source_clip, still_from_frame,
};
use leoma_testkit::{ChuteScript, FakeChutes, FakeGemini, GeminiReply, GenerateScript, Renderer};

/// The own bucket: memory, recording every `put` key in order, optionally failing puts.
#[derive(Debug)]
pub struct RecordingBucket {
    inner: ObjectBucket,
    puts: Mutex<Vec<String>>,
    fail: AtomicBool,
}

impl RecordingBucket {
    pub fn new(name: &str) -> Self {
        RecordingBucket {
            inner: ObjectBucket::memory(name),
            puts: Mutex::new(Vec::new()),
            fail: AtomicBool::new(false),
        }
    }
    pub fn puts(&self) -> Vec<String> {
        self.puts.lock().unwrap().clone()
    }
    pub fn fail_puts(&self, on: bool) {
        self.fail.store(on, Ordering::SeqCst);
    }
}

#[async_trait]
impl BucketReader for RecordingBucket {
    fn name(&self) -> &str {
        self.inner.name()
    }
    async fn get(&self, key: &str, max: usize) -> Result<Option<Vec<u8>>, StorageError> {
        self.inner.get(key, max).await
    }
    async fn exists(&self, key: &str) -> Result<bool, StorageError> {
        self.inner.exists(key).await
    }
    async fn list_folders(&self, prefix: &str) -> Result<Vec<String>, StorageError> {
        self.inner.list_folders(prefix).await
    }
    async fn list_objects(&self, prefix: &str) -> Result<Vec<ObjectInfo>, StorageError> {
        self.inner.list_objects(prefix).await
    }
    async fn presign_get(&self, key: &str, e: Duration) -> Result<String, StorageError> {
        self.inner.presign_get(key, e).await
    }
}

#[async_trait]
impl Bucket for RecordingBucket {
    async fn put(&self, key: &str, body: Vec<u8>, ct: &str) -> Result<(), StorageError> {
        if self.fail.load(Ordering::SeqCst) {
            return Err(StorageError::InvalidKey {
                key: key.to_owned(),
                reason: "scripted failure".into(),
            });
        }
        self.puts.lock().unwrap().push(key.to_owned());
        self.inner.put(key, body, ct).await
    }
    async fn delete(&self, key: &str) -> Result<(), StorageError> {
        self.inner.delete(key).await
    }
}

/// Records every sample batch.
#[derive(Debug, Default)]
pub struct RecordingReporter {
    batches: Mutex<Vec<SampleBatch>>,
}

impl RecordingReporter {
    pub fn batches(&self) -> Vec<SampleBatch> {
        self.batches.lock().unwrap().clone()
    }
}

#[async_trait]
impl Reporter for RecordingReporter {
    async fn blacklist(&self) -> Result<Vec<String>, ReportError> {
        Ok(Vec::new())
    }
    async fn report_miners(&self, _: &MinerReport) -> Result<(), ReportError> {
        Ok(())
    }
    async fn report_samples(&self, batch: &SampleBatch) -> Result<(), ReportError> {
        self.batches.lock().unwrap().push(batch.clone());
        Ok(())
    }
}

fn seed_of(name: &str) -> [u8; 32] {
    let mut seed = [7u8; 32];
    for (i, b) in name.bytes().enumerate().take(32) {
        seed[i] = b;
    }
    seed
}

/// A keypair per name.
pub fn key(name: &str) -> Keypair {
    Keypair::from_seed(&seed_of(name)).unwrap()
}

/// Pre-made videos served by the standard miners.
#[derive(Debug, Clone)]
pub struct Assets {
    pub good: Vec<u8>,
    pub frozen: Vec<u8>,
    pub copycat: Vec<u8>,
    pub wrong_resolution: Vec<u8>,
    pub garbage: Vec<u8>,
}

fn ffmpeg(args: &[&str]) {
    let out = std::process::Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-nostdin", "-y"])
        .args(args)
        .output()
        .expect("ffmpeg is required for these tests: apt-get install -y ffmpeg");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

pub struct Harness {
    pub dir: Arc<tempfile::TempDir>,
    pub source: Arc<ObjectBucket>,
    pub own: Arc<RecordingBucket>,
    pub chutes: Arc<FakeChutes>,
    pub gemini: Arc<FakeGemini>,
    pub reporter: Arc<RecordingReporter>,
    pub me: Keypair,
    pub other: Keypair,
    pub rules: RotationRules,
    pub state_dir: PathBuf,
    pub temp_root: PathBuf,
    pub assets: Option<Assets>,
    pub names: Arc<Mutex<BTreeMap<String, String>>>,
    pub gemini_judge: bool,
    pub settings: TurnSettings,
}

fn validators() -> (Keypair, Keypair) {
    let (a, b) = (key("validator-a"), key("validator-b"));
    if a.hotkey() > b.hotkey() {
        (a, b)
    } else {
        (b, a)
    }
}

/// The standard single-shot source: 7 s of a scrolling pattern, so the clip always starts at
/// 2.0 s (segment [0, 7], safe start 0 + 2.0 = 7 − 5).
fn single_shot_source(dir: &Path) -> PathBuf {
    let path = dir.join("single.mp4");
    let spec = VideoSpec {
        seconds: 7.0,
        ..VideoSpec::default()
    };
    source_clip(&path, &spec).unwrap();
    path
}

fn make_assets(dir: &Path, source: &Path) -> Assets {
    // The clip the sampler will cut (§7.3 command) and its first frame.
    let clip = dir.join("clip.mp4");
    let png = dir.join("frame.png");
    ffmpeg(&[
        "-ss",
        "2",
        "-i",
        source.to_str().unwrap(),
        "-t",
        "5",
        "-c:v",
        "libx264",
        "-crf",
        "23",
        "-an",
        clip.to_str().unwrap(),
    ]);
    first_frame_png(&clip, &png).unwrap();
    let good = dir.join("good.mp4");
    animate_from_frame(&png, &good, &VideoSpec::default()).unwrap();
    let frozen = dir.join("frozen.mp4");
    still_from_frame(&png, &frozen, &VideoSpec::default()).unwrap();
    let wrong = dir.join("wrong.mp4");
    pattern(
        &wrong,
        &VideoSpec {
            width: 640,
            height: 360,
            ..VideoSpec::default()
        },
    )
    .unwrap();
    let junk = dir.join("junk.mp4");
    garbage(&junk, 50_000).unwrap();
    let read = |p: &Path| std::fs::read(p).unwrap();
    Assets {
        good: read(&good),
        frozen: read(&frozen),
        copycat: read(&clip),
        wrong_resolution: read(&wrong),
        garbage: read(&junk),
    }
}

impl Harness {
    async fn build(rules: RotationRules, gemini_judge: bool) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let (me, other) = validators();
        let state_dir = dir.path().join("state");
        let temp_root = dir.path().join("turns");
        std::fs::create_dir_all(&temp_root).unwrap();
        let mut settings = TurnSettings::default();
        settings.source.min_video_size = 1_000;
        settings.request_timeout = Duration::from_secs(if gemini_judge { 30 } else { 3 });
        settings.assess.limits.max_bytes = 8 * 1024 * 1024;
        settings.temp_root = Some(temp_root.clone());
        let fallback = GeminiReply::Text("A test pattern scrolls sideways.".into());
        Harness {
            dir: Arc::new(dir),
            source: Arc::new(ObjectBucket::memory("source")),
            own: Arc::new(RecordingBucket::new("own")),
            chutes: Arc::new(FakeChutes::start().await.unwrap()),
            gemini: Arc::new(FakeGemini::start("gem-key", fallback).await.unwrap()),
            reporter: Arc::default(),
            me,
            other,
            rules,
            state_dir,
            temp_root,
            assets: None,
            names: Arc::default(),
            gemini_judge,
            settings,
        }
    }

    /// One 7 s single-shot source video, with the standard miners' videos made from its clip.
    pub async fn single_shot(rules: RotationRules) -> Self {
        let mut h = Self::build(rules, false).await;
        let src = single_shot_source(h.dir.path());
        h.source
            .put(
                "2026/01/single.mp4",
                std::fs::read(&src).unwrap(),
                "video/mp4",
            )
            .await
            .unwrap();
        h.assets = Some(make_assets(h.dir.path(), &src));
        h
    }

    /// As [`Harness::single_shot`], judged by Gemini (FakeGemini) instead of LocalJudge.
    pub async fn single_shot_with_gemini(rules: RotationRules) -> Self {
        let h = Self::build(rules, true).await;
        let src = single_shot_source(h.dir.path());
        h.source
            .put(
                "2026/01/single.mp4",
                std::fs::read(&src).unwrap(),
                "video/mp4",
            )
            .await
            .unwrap();
        h
    }

    /// Three multi-shot sources (cuts at 3 s and 11 s).
    pub async fn multi_shot(rules: RotationRules) -> Self {
        let h = Self::build(rules, false).await;
        let kinds = [
            [
                ShotKind::Bars,
                ShotKind::ScrollingPattern,
                ShotKind::Fractal,
            ],
            [
                ShotKind::Fractal,
                ShotKind::ScrollingPattern,
                ShotKind::Bars,
            ],
            [
                ShotKind::Bars,
                ShotKind::Fractal,
                ShotKind::ScrollingPattern,
            ],
        ];
        for (i, k) in kinds.iter().enumerate() {
            let path = h.dir.path().join(format!("shots-{i}.mp4"));
            multi_shot(
                &path,
                &[(k[0], 3.0), (k[1], 8.0), (k[2], 3.0)],
                &VideoSpec::default(),
            )
            .unwrap();
            h.source
                .put(
                    &format!("2026/01/shots-{i}.mp4"),
                    std::fs::read(&path).unwrap(),
                    "video/mp4",
                )
                .await
                .unwrap();
        }
        h
    }

    /// Another validator process with the same key and source, its own bucket and state.
    pub async fn sibling(&self) -> Self {
        let mut h = Self::build(self.rules, self.gemini_judge).await;
        h.source = self.source.clone();
        h.chutes = self.chutes.clone();
        h.names = self.names.clone();
        h
    }

    pub fn hotkey(&self) -> &Hotkey {
        self.me.hotkey()
    }

    pub fn rotation(&self) -> Rotation {
        Rotation {
            rules: self.rules,
            validators: vec![self.me.hotkey().clone(), self.other.hotkey().clone()],
            interval: 100,
            grace: 0,
        }
    }

    pub fn services(&self) -> TurnServices {
        let probe: Arc<dyn VideoProbe> = Arc::new(FfmpegProbe::default());
        let mut config = GeminiConfig::new(self.gemini.base_url(), Secret::new("gem-key"));
        config.judge.retry = RetryPolicy::immediate(3);
        config.describe.retry = RetryPolicy::immediate(3);
        let gemini = Arc::new(GeminiHttp::new(config).unwrap());
        let judge: Arc<dyn Judge> = if self.gemini_judge {
            gemini.clone()
        } else {
            Arc::new(LocalJudge::default())
        };
        TurnServices {
            source: self.source.clone(),
            own: self.own.clone(),
            own_bucket_name: "own-results".into(),
            miners: Arc::new(
                ChutesGenerate::new(&self.chutes.invoke_template(), None, Duration::from_secs(5))
                    .unwrap(),
            ),
            chutes: Arc::new(
                ChutesHttp::new(&self.chutes.base_url(), None, Duration::from_secs(10)).unwrap(),
            ),
            probe,
            judge,
            describer: gemini,
            reporter: self.reporter.clone(),
            signer: Arc::new(self.me.clone()),
            hotkey: self.me.hotkey().clone(),
        }
    }

    pub fn sampler(&self) -> Sampler {
        Sampler::new(
            self.services(),
            self.settings.clone(),
            self.state_dir.clone(),
        )
        .unwrap()
    }

    pub fn state_history(&self, keys: &[&str]) {
        let keys: Vec<String> = keys.iter().map(|k| (*k).to_owned()).collect();
        StateDir::open(self.state_dir.clone())
            .unwrap()
            .set_used_videos(&keys)
            .unwrap();
    }

    /// A valid miner named `name`, its chute and generate endpoint scripted.
    pub fn miner(&self, name: &str, chute: ChuteScript, generate: GenerateScript) -> MinerInfo {
        let chute_id = format!("chute-{name}");
        if let ChuteScript::Info { slug, .. } = &chute {
            self.chutes.set_generate(slug, generate);
        }
        self.chutes.set_chute(&chute_id, chute);
        let hotkey = key(&format!("miner-{name}")).ss58().to_owned();
        self.names
            .lock()
            .unwrap()
            .insert(hotkey.clone(), name.to_owned());
        MinerInfo {
            uid: 0,
            hotkey,
            model_name: Some(format!("someone/leoma-{name}")),
            model_revision: Some("rev".into()),
            model_hash: None,
            chute_id: Some(chute_id),
            chute_slug: None,
            block: Some(1),
            invalid_reason: None,
        }
    }

    pub fn miner_name(&self, hotkey: &str) -> String {
        self.names
            .lock()
            .unwrap()
            .get(hotkey)
            .cloned()
            .unwrap_or_else(|| hotkey.to_owned())
    }

    pub fn roster(&self, miners: &[MinerInfo]) -> RosterSnapshot {
        let mut miners = miners.to_vec();
        for (i, m) in miners.iter_mut().enumerate() {
            m.uid = u16::try_from(i + 1).unwrap();
        }
        RosterSnapshot {
            block: 1,
            uid_by_hotkey: miners.iter().map(|m| (m.hotkey.clone(), m.uid)).collect(),
            block_by_hotkey: BTreeMap::new(),
            miners,
            at: SystemTime::now(),
        }
    }

    /// good, wrong_resolution, too_large, undecodable, frozen, copycat, http500, slow, cold,
    /// no_info.
    pub fn standard_miners(&self) -> Vec<MinerInfo> {
        let a = self.assets.clone().expect("single-shot assets");
        let hot = |n: &str| ChuteScript::hot(&format!("slug-{n}"), "m", "r");
        vec![
            self.miner("good", hot("good"), GenerateScript::Video(a.good)),
            self.miner(
                "wrong_resolution",
                hot("wrong_resolution"),
                GenerateScript::Video(a.wrong_resolution),
            ),
            self.miner(
                "too_large",
                hot("too_large"),
                GenerateScript::Video(vec![0; 9 * 1024 * 1024]),
            ),
            self.miner(
                "undecodable",
                hot("undecodable"),
                GenerateScript::Video(a.garbage),
            ),
            self.miner("frozen", hot("frozen"), GenerateScript::Video(a.frozen)),
            self.miner("copycat", hot("copycat"), GenerateScript::Video(a.copycat)),
            self.miner("http500", hot("http500"), GenerateScript::Status(500)),
            self.miner(
                "slow",
                hot("slow"),
                GenerateScript::Slow(
                    Duration::from_secs(6),
                    Box::new(GenerateScript::Status(200)),
                ),
            ),
            self.miner(
                "cold",
                ChuteScript::Info {
                    slug: "slug-cold".into(),
                    hot: false,
                    revision: Some("r".into()),
                    name: "m".into(),
                },
                GenerateScript::Status(500),
            ),
            self.miner(
                "no_info",
                ChuteScript::Status(500),
                GenerateScript::Status(500),
            ),
        ]
    }

    /// A miner that animates the request's first frame with ffmpeg, as a real model would.
    pub fn good_renderer(&self) -> GenerateScript {
        GenerateScript::Render(Renderer::new(|body| {
            let b64 = body["image"].as_str().ok_or("no image")?;
            let png = base64::engine::general_purpose::STANDARD
                .decode(b64)
                .map_err(|e| e.to_string())?;
            let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
            let (frame, out) = (dir.path().join("f.png"), dir.path().join("o.mp4"));
            std::fs::write(&frame, png).map_err(|e| e.to_string())?;
            animate_from_frame(&frame, &out, &VideoSpec::default()).map_err(|e| e.to_string())?;
            std::fs::read(&out).map_err(|e| e.to_string())
        }))
    }

    pub fn gemini_push(&self, texts: &[&str]) {
        self.gemini
            .push_replies(texts.iter().map(|t| GeminiReply::Text((*t).to_owned())));
    }

    pub async fn own_object(&self, key: &str) -> Vec<u8> {
        self.own
            .get(key, 64 * 1024 * 1024)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("{key} missing; puts: {:?}", self.own.puts()))
    }

    pub fn temp_root_is_empty(&self) -> bool {
        std::fs::read_dir(&self.temp_root).unwrap().next().is_none()
    }
}
