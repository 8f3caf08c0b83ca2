//! Sampling-turn benchmark (issue 6, benchmark 5; `cargo bench -p leoma-sampler --bench turn`).
//!
//! The simulated miners (FakeChutes) run in a child process so that the peak RSS read from
//! `/proc/self/status` (`VmHWM`) is the sampler's alone; each scenario also runs in its own
//! child process, so each peak is its own.
//!
//! * (a) 192 miners answering at once with 2 MB videos: wall time of one `poll` (which is all
//!   overhead, the miners take no time) and peak RSS. Video checks use a stub `VideoProbe`
//!   (fixed probe facts, synthetic frames): the turn's own machinery is measured — clip
//!   preparation with the real ffmpeg, HTTP fan-out, streaming to disk, uploads, judging
//!   (LocalJudge), signing, dual report.
//! * (a-real) the same with the real ffprobe/ffmpeg checks (near-copy, frozen, metrics) on
//!   every video, to show what the checks cost on this machine.
//! * (b) time-scaled realistic latencies (1/100): miners 0.6–1.2 s, judge 0.1–0.3 s, window
//!   12 s; the judge concurrency and miner concurrency used are printed.

#![allow(
    missing_docs,
    unreachable_pub,
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

#[path = "../tests/turn_support/mod.rs"]
mod turn_support;

use std::io::{BufRead, Read};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use leoma_eval::{
    EvalError, FfmpegProbe, GrayFrame, Judge, JudgeOutcome, JudgeRequest, LocalJudge, VideoInfo,
    VideoProbe,
};
use leoma_sampler::endpoint::{
    ChutesGenerate, Delivery, EndpointError, GenerateRequest, MinerEndpoint,
};
use leoma_sampler::roster::ChutesHttp;
use leoma_sampler::turn::{
    PollOutcome, Rotation, RotationRules, Sampler, TurnServices, TurnSettings,
};
use leoma_storage::{Bucket, ObjectBucket};
use leoma_testkit::video::{VideoSpec, source_clip};
use leoma_testkit::{ChuteScript, FakeChutes, FakeGemini, GeminiReply, GenerateScript};
use turn_support::{Harness, RecordingReporter, key};

const MINERS: usize = 192;
const VIDEO_BYTES: usize = 2 * 1024 * 1024;
const ROLE: &str = "LEOMA_TURN_BENCH_ROLE";
const CHUTES: &str = "LEOMA_TURN_BENCH_CHUTES";

fn main() {
    match std::env::var(ROLE).as_deref() {
        Ok("miners") => serve_miners(),
        Ok(scenario) => run_scenario(scenario),
        Err(_) => parent(),
    }
}

fn parent() {
    let exe = std::env::current_exe().unwrap();
    let mut miners = Command::new(&exe)
        .env(ROLE, "miners")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(miners.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line.trim().to_owned();
    println!("sampling turn, {MINERS} miners, 2 MB videos (figures from separate processes)");
    let only = std::env::var("LEOMA_TURN_BENCH_ONLY").ok();
    for scenario in ["a", "a-real", "b"] {
        if only.as_deref().is_some_and(|o| o != scenario) {
            continue;
        }
        let out = Command::new(&exe)
            .env(ROLE, scenario)
            .env(CHUTES, &base)
            .output()
            .unwrap();
        print!("{}", String::from_utf8_lossy(&out.stdout));
        eprint!("{}", String::from_utf8_lossy(&out.stderr));
    }
    drop(miners.stdin.take());
    let _ = miners.wait();
}

/// FakeChutes with `a-<i>` (instant 2 MB), `r-<i>` (instant real video) and `b-<i>` (0.6–1.2 s)
/// chutes; prints its base URL, serves until stdin closes.
fn serve_miners() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let chutes = FakeChutes::start().await.unwrap();
        chutes.record_generate_bodies(false);
        let blob: Vec<u8> = (0..VIDEO_BYTES).map(|i| (i * 131 % 251) as u8).collect();
        let dir = tempfile::tempdir().unwrap();
        let real = real_video(&dir.path().join("real.mp4"));
        for i in 0..MINERS {
            for (prefix, script) in [
                ("a", GenerateScript::Video(blob.clone())),
                ("r", GenerateScript::Video(real.clone())),
                (
                    "b",
                    GenerateScript::Slow(
                        Duration::from_millis(600 + (600 * i as u64) / (MINERS as u64 - 1)),
                        Box::new(GenerateScript::Video(blob.clone())),
                    ),
                ),
            ] {
                let slug = format!("{prefix}-{i}");
                chutes.set_chute(&format!("chute-{slug}"), ChuteScript::hot(&slug, "m", "r"));
                chutes.set_generate(&slug, script);
            }
        }
        println!("{}", chutes.base_url());
        tokio::task::spawn_blocking(|| {
            let mut sink = Vec::new();
            let _ = std::io::stdin().read_to_end(&mut sink);
        })
        .await
        .unwrap();
    });
}

/// A real miner-shaped MP4 of about 2 MB: 832×480, 16 fps, 81 frames of a moving pattern with
/// temporal noise, so the decoder does a realistic amount of work.
fn real_video(out: &Path) -> Vec<u8> {
    let spec = VideoSpec::default();
    let status = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi", "-i"])
        .arg(format!(
            "testsrc2=size={}x{}:rate={}",
            spec.width, spec.height, spec.fps
        ))
        .args(["-frames:v", "81", "-vf", "noise=alls=10:allf=t"])
        .args(["-c:v", "libx264", "-b:v", "3000k", "-maxrate", "3000k"])
        .args(["-bufsize", "6000k", "-pix_fmt", "yuv420p"])
        .arg(out)
        .status()
        .unwrap();
    assert!(status.success(), "ffmpeg could not make the real video");
    std::fs::read(out).unwrap()
}

/// The miner endpoint, remembering when the first miner was called: the turn's clip
/// preparation ends there and the fan-out begins.
struct TimedEndpoint {
    inner: ChutesGenerate,
    first_call: std::sync::OnceLock<Instant>,
}

#[async_trait]
impl MinerEndpoint for TimedEndpoint {
    async fn generate(
        &self,
        request: &GenerateRequest<'_>,
        dest: &Path,
        max_bytes: u64,
        timeout: Duration,
    ) -> Result<Delivery, EndpointError> {
        let _ = self.first_call.set(Instant::now());
        self.inner.generate(request, dest, max_bytes, timeout).await
    }
}

/// Probe facts of a miner-shaped video and synthetic frames that move (not frozen) and differ
/// from the clip's (not a near-copy).
#[derive(Debug)]
struct StubProbe;

#[async_trait]
impl VideoProbe for StubProbe {
    async fn probe(&self, _: &Path) -> Result<VideoInfo, EvalError> {
        Ok(VideoInfo {
            container: "mov,mp4,m4a,3gp,3g2,mj2".into(),
            codec: "h264".into(),
            width: 832,
            height: 480,
            duration_s: 81.0 / 16.0,
            fps: 16.0,
            frame_count: 81,
        })
    }
    async fn gray_frames(
        &self,
        path: &Path,
        start_s: f64,
        width: u32,
        height: u32,
        max_frames: u32,
    ) -> Result<Vec<GrayFrame>, EvalError> {
        let clip = path.to_string_lossy().contains("original_clip");
        let n = max_frames.min(81);
        Ok((0..n)
            .map(|f| {
                let shift = (f as f64 + start_s * 16.0) as u32 * 3;
                let px = (0..width * height)
                    .map(|i| {
                        let x = i % width;
                        let v = if clip { 255 - x * 4 } else { x * 4 + shift };
                        (v % 200) as u8
                    })
                    .collect();
                GrayFrame::new(width, height, px).unwrap()
            })
            .collect())
    }
}

/// LocalJudge after a 0.1–0.3 s sleep (time-scaled Gemini latency).
struct SleepyJudge {
    inner: LocalJudge,
    calls: AtomicU64,
}

#[async_trait]
impl Judge for SleepyJudge {
    async fn judge(&self, r: &JudgeRequest<'_>) -> Result<JudgeOutcome, EvalError> {
        let i = self.calls.fetch_add(1, Ordering::SeqCst);
        let ms = 100 + (i * 7919) % 201;
        tokio::time::sleep(Duration::from_millis(ms)).await;
        self.inner.judge(r).await
    }
}

fn vm_hwm_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn run_scenario(scenario: &str) {
    // RUST_LOG=info shows the turn's phases with their elapsed times on stderr.
    if std::env::var_os("RUST_LOG").is_some() {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_writer(std::io::stderr)
            .init();
    }
    let base = std::env::var(CHUTES).unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("src.mp4");
        source_clip(
            &src,
            &VideoSpec {
                seconds: 7.0,
                ..VideoSpec::default()
            },
        )
        .unwrap();
        let source = Arc::new(ObjectBucket::memory("source"));
        source
            .put("2026/01/src.mp4", std::fs::read(&src).unwrap(), "video/mp4")
            .await
            .unwrap();
        std::fs::create_dir_all(dir.path().join("own")).unwrap();
        let own = Arc::new(ObjectBucket::local(&dir.path().join("own")).unwrap());
        let description = GeminiReply::Text("A pattern scrolls.".into());
        // (b) scales the description call too: 10-30 s → 0.2 s.
        let description = if scenario == "b" {
            GeminiReply::Slow(Duration::from_millis(200), Box::new(description))
        } else {
            description
        };
        let gemini = FakeGemini::start("k", description).await.unwrap();
        let mut config = leoma_eval::GeminiConfig::new(
            gemini.base_url(),
            leoma_api_types::keys::Secret::new("k"),
        );
        config.describe.retry = leoma_eval::RetryPolicy::immediate(1);
        let describer = Arc::new(leoma_eval::GeminiHttp::new(config).unwrap());
        let me = key("bench-validator");
        let prefix = match scenario {
            "a" => "a",
            "a-real" => "r",
            _ => "b",
        };
        let probe: Arc<dyn VideoProbe> = if scenario == "a-real" {
            Arc::new(FfmpegProbe::default())
        } else {
            Arc::new(StubProbe)
        };
        let judge: Arc<dyn Judge> = if scenario == "b" {
            Arc::new(SleepyJudge {
                inner: LocalJudge::default(),
                calls: AtomicU64::new(0),
            })
        } else {
            Arc::new(LocalJudge::default())
        };
        let reporter = Arc::new(RecordingReporter::default());
        let endpoint = Arc::new(TimedEndpoint {
            inner: ChutesGenerate::new(
                &format!("{base}/invoke/{{slug}}/generate"),
                None,
                Duration::from_secs(5),
            )
            .unwrap(),
            first_call: std::sync::OnceLock::new(),
        });
        let services = TurnServices {
            source,
            own,
            own_bucket_name: "bench".into(),
            miners: endpoint.clone(),
            chutes: Arc::new(ChutesHttp::new(&base, None, Duration::from_secs(10)).unwrap()),
            probe,
            judge,
            describer,
            reporter: reporter.clone(),
            signer: Arc::new(me.clone()),
            hotkey: me.hotkey().clone(),
        };
        let mut settings = TurnSettings::default();
        settings.source.min_video_size = 1_000;
        settings.temp_root = Some(dir.path().join("turns"));
        // As the validator's default VIDEO_CHECK_CONCURRENCY: one check per core.
        settings.check_concurrency = std::thread::available_parallelism().map_or(1, usize::from);
        if scenario == "b" {
            settings.max_concurrent_miners = MINERS;
            settings.evaluation_concurrency = 32;
        }
        let mut sampler = Sampler::new(services, settings.clone(), dir.path().join("state")).unwrap();
        // Roster: miners named by their chute slug.
        let h_miners: Vec<_> = (0..MINERS)
            .map(|i| leoma_sampler::roster::MinerInfo {
                uid: u16::try_from(i + 1).unwrap(),
                hotkey: key(&format!("bench-miner-{i}")).ss58().to_owned(),
                model_name: None,
                model_revision: None,
                model_hash: None,
                chute_id: Some(format!("chute-{prefix}-{i}")),
                chute_slug: None,
                block: Some(1),
                invalid_reason: None,
            })
            .collect();
        let roster = leoma_sampler::roster::RosterSnapshot {
            block: 1,
            uid_by_hotkey: Default::default(),
            block_by_hotkey: Default::default(),
            miners: h_miners,
            at: std::time::SystemTime::now(),
        };
        let rotation = Rotation {
            rules: RotationRules::V2,
            validators: vec![me.hotkey().clone()],
            interval: 100,
            grace: 0,
        };
        let rss_before = vm_hwm_mb();
        let t0 = Instant::now();
        let out = sampler.poll(1_000, [5; 32], &rotation, &roster).await.unwrap();
        let wall = t0.elapsed().as_secs_f64();
        let PollOutcome::Produced { entries, passed, .. } = out else {
            panic!("no verdict file: {out:?}");
        };
        let rss = vm_hwm_mb();
        let chunks = reporter.batches().len();
        let prep = endpoint
            .first_call
            .get()
            .map_or(f64::NAN, |t| t.duration_since(t0).as_secs_f64());
        let fanout = wall - prep;
        let (m, e, c) = (
            settings.max_concurrent_miners,
            settings.evaluation_concurrency,
            settings.check_concurrency,
        );
        match scenario {
            "b" => println!(
                "(b) scaled 1/100: wall {wall:.2} s of a 12 s window = clip preparation {prep:.2} s \
                 (ffmpeg at real speed, plus the 0.2 s scaled description) + fan-out {fanout:.2} s \
                 (miners 0.6-1.2 s, judge 0.1-0.3 s, scaled); in real time about \
                 {real:.0} s of the 1200 s window ({share:.0} %; target < 25 %); \
                 MAX_CONCURRENT_MINERS={m} EVALUATION_CONCURRENCY={e} VIDEO_CHECK_CONCURRENCY={c}; \
                 entries {entries}, passed {passed}, report chunks {chunks}; peak RSS {rss:.0} MB",
                real = (prep - 0.2) + 0.2 * 100.0 + fanout * 100.0,
                share = ((prep - 0.2) + 0.2 * 100.0 + fanout * 100.0) / 12.0,
            ),
            s => println!(
                "({s}) instant miners: turn wall {wall:.2} s = overhead (target < 3 s): clip \
                 preparation {prep:.2} s + fan-out {fanout:.2} s; MAX_CONCURRENT_MINERS={m} \
                 EVALUATION_CONCURRENCY={e} VIDEO_CHECK_CONCURRENCY={c}; entries {entries}, \
                 passed {passed}, report chunks {chunks}; peak RSS {rss:.0} MB (before the turn \
                 {rss_before:.0} MB)"
            ),
        }
        drop(gemini);
        let _ = Harness::rotation;
    });
}
