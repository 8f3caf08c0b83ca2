//! One attempt at a turn (SPEC §7.1 steps 4–5): prepare the clip (kept across attempts), fan
//! out to the miners (videos kept across attempts, judging redone), upload in §7.8 order with
//! the verdict file last, then the dual report. The artifacts go up as soon as every miner has
//! been called and checked, while the judge is still working: with real judge latencies the
//! uploads then cost the turn nothing.

use std::path::PathBuf;

use leoma_api_types::TaskId;
use leoma_api_types::json::{self, PyObject, PyValue, Style};
use leoma_api_types::metadata::{PromptInfo, SourceInfo, TaskMetadata};
use leoma_api_types::samples::SampleContext;
use leoma_eval::{Description, PreparedSource, SourceMedia, VideoAssessor};
use leoma_storage::layout::{put_first_frame, put_metadata, put_original_clip};

use super::clock::now_text;
use super::draw::Draw;
use super::error::TurnError;
use super::fanout::{Checked, Fanout, MinerTarget};
use super::media::MediaTools;
use super::oneshot::ClipChoice;
use super::publish::{self, SignedVerdict};
use super::source::{order_candidates, pick};
use super::state::push_history;
use super::{Sampler, entries::MinerResult};
use crate::endpoint::generate_body;

/// The clip of a turn, reused by every attempt.
#[derive(Debug, Clone)]
pub(super) struct Prepared {
    key: String,
    choice: ClipChoice,
    clip: PathBuf,
    frame_png: Vec<u8>,
    description: Description,
    /// The conditioning frame and clip hashes the video checks compare against.
    checks: PreparedSource,
    /// `(block, hash)` that seeded a v2 choice.
    seed: Option<(u64, [u8; 32])>,
}

/// State of the turn in progress, kept across its attempts.
#[derive(Debug)]
pub(super) struct Work {
    pub(super) rid: i64,
    pub(super) dir: tempfile::TempDir,
    prepared: Option<Prepared>,
    checked: Option<Vec<(String, Checked)>>,
}

impl Work {
    pub(super) fn new(rid: i64, dir: tempfile::TempDir) -> Self {
        Work {
            rid,
            dir,
            prepared: None,
            checked: None,
        }
    }
}

/// How an attempt ended without an error.
#[derive(Debug)]
pub(super) enum Attempt {
    /// Nothing to sample or publish (the task is remembered as done).
    NoTask(String),
    /// The verdict file was published.
    Produced { entries: usize, passed: usize },
}

impl Sampler {
    fn assessor(&self) -> VideoAssessor {
        VideoAssessor::new(self.services.probe.clone(), self.settings.assess.clone())
    }

    fn tools(&self) -> MediaTools {
        MediaTools {
            ffmpeg: self.settings.ffmpeg.clone(),
            ffprobe: self.settings.ffprobe.clone(),
            timeout: self.settings.tool_timeout,
        }
    }

    async fn prepare(
        &mut self,
        work_dir: PathBuf,
        v2: bool,
        seed: (u64, [u8; 32]),
        task: TaskId,
    ) -> Result<Option<Prepared>, TurnError> {
        let s = self.settings.source.clone();
        let candidates = self
            .catalog
            .candidates(self.services.source.as_ref(), &s)
            .await?;
        let mut draw = if v2 {
            Draw::seeded(seed.1, task.0)
        } else {
            Draw::Os
        };
        let mut used = self.state.used_videos();
        let order = order_candidates(&candidates, &mut used, &mut draw, v2);
        let tools = self.tools();
        let Some(picked) = pick(
            self.services.source.as_ref(),
            &order,
            &work_dir,
            &tools,
            &s,
            &mut draw,
        )
        .await
        else {
            return Ok(None);
        };
        push_history(&mut used, &picked.key, s.max_video_history);
        if let Err(e) = self.state.set_used_videos(&used) {
            tracing::warn!(error = %e, "cannot persist the used-source history");
        }
        let clip = work_dir.join("original_clip.mp4");
        let frame = work_dir.join("first_frame.png");
        tools
            .cut_clip(&picked.path, picked.choice.start, s.clip_duration_s, &clip)
            .await?;
        let _ = tokio::fs::remove_file(&picked.path).await;
        let clip_bytes = tokio::fs::read(&clip)
            .await
            .map_err(|e| TurnError::io(&clip, e))?;
        // The description is a network call (10-30 s with Gemini); the first frame and the
        // source side of the video checks are local work done meanwhile.
        let local = async {
            tools.first_frame(&clip, &frame).await?;
            let frame_png = tokio::fs::read(&frame)
                .await
                .map_err(|e| TurnError::io(&frame, e))?;
            let checks = self
                .assessor()
                .prepare(SourceMedia {
                    first_frame: &frame,
                    clip: Some((&clip, s.clip_duration_s)),
                })
                .await?;
            Ok::<_, TurnError>((frame_png, checks))
        };
        let describe = async {
            self.services
                .describer
                .describe(&clip_bytes)
                .await
                .map_err(TurnError::Describe)
        };
        let ((frame_png, checks), description) = tokio::try_join!(local, describe)?;
        Ok(Some(Prepared {
            key: picked.key,
            choice: picked.choice,
            clip,
            frame_png,
            description,
            checks,
            seed: v2.then_some(seed),
        }))
    }

    /// One attempt. `work` belongs to `task`.
    pub(super) async fn attempt(
        &mut self,
        work: &mut Work,
        v2: bool,
        seed: (u64, [u8; 32]),
        targets: &[MinerTarget],
    ) -> Result<Attempt, TurnError> {
        let task = TaskId(u64::try_from(work.rid).unwrap_or(0));
        let dir = work.dir.path().to_path_buf();
        let started = std::time::Instant::now();
        if work.prepared.is_none() {
            work.prepared = self.prepare(dir.clone(), v2, seed, task).await?;
            tracing::info!(
                task_id = task.0,
                elapsed_ms = ms(started),
                "clip prepared and described"
            );
        }
        let Some(prep) = work.prepared.clone() else {
            return Ok(Attempt::NoTask("no usable source clip".into()));
        };
        let body = generate_body(&prep.description.text, &prep.frame_png);
        let assessor = self.assessor();
        let fanout = Fanout {
            miners: self.services.miners.as_ref(),
            chutes: self.services.chutes.as_ref(),
            assessor: &assessor,
            judge: self.services.judge.as_ref(),
            settings: &self.settings,
            body: &body,
            prompt: &prep.description.text,
            first_frame_png: &prep.frame_png,
            source: &prep.checks,
            dir: &dir,
        };
        let this = &*self;
        let upload = |checked: Vec<(usize, String, Checked)>| {
            this.upload_artifacts(task, v2, &prep, accepted(checked))
        };
        let (judged, uploaded) = match &work.checked {
            Some(checked) => fanout.rejudge(checked, upload).await,
            None => fanout.run(targets, upload).await,
        };
        drop(body);
        tracing::info!(
            task_id = task.0,
            miners = judged.len(),
            elapsed_ms = ms(started),
            "miners called, checked and judged; artifacts uploaded"
        );
        work.checked = Some(
            judged
                .iter()
                .map(|(hk, c, _)| (hk.clone(), c.clone()))
                .collect(),
        );
        let Some(upload_failures) = uploaded? else {
            return Ok(Attempt::NoTask("no accepted video".into()));
        };
        let mut results: Vec<(String, MinerResult)> =
            judged.into_iter().map(|(hk, _, r)| (hk, r)).collect();
        publish::mark_upload_failures(task, &mut results, upload_failures);
        let own = self.services.own.as_ref();

        let signer = self.services.signer.as_ref();
        let Some(file) = publish::sign(v2, task, &self.services.hotkey, &results, signer)? else {
            return Ok(Attempt::NoTask("no entry to publish".into()));
        };
        publish::publish(own, task, &self.services.hotkey, &file).await?;
        let (entries, passed) = file.counts();
        tracing::info!(
            task_id = task.0,
            entries,
            passed,
            elapsed_ms = ms(started),
            "verdict file published"
        );
        self.dual_report(task, &prep, &file).await;
        Ok(Attempt::Produced { entries, passed })
    }

    async fn dual_report(&self, task: TaskId, prep: &Prepared, file: &SignedVerdict) {
        let ctx = SampleContext {
            task_id: task,
            s3_bucket: &self.services.own_bucket_name,
            prompt: &prep.description.text,
        };
        let batches = publish::batches(&ctx, file, self.services.signer.as_ref());
        publish::report(
            self.services.reporter.as_ref(),
            task,
            &batches,
            self.settings.report_timeout,
        )
        .await;
    }

    /// Everything of the turn but the verdict file, in SPEC §7.8 order: the clip, the first
    /// frame, the metadata, then each accepted video. `Ok(None)`: nothing to publish (v1
    /// without an accepted video); otherwise the miners whose video upload failed.
    async fn upload_artifacts(
        &self,
        task: TaskId,
        v2: bool,
        prep: &Prepared,
        videos: Vec<Accepted>,
    ) -> Result<Option<Vec<(String, String)>>, TurnError> {
        if !v2 && videos.is_empty() {
            return Ok(None);
        }
        let own = self.services.own.as_ref();
        put_original_clip(own, task, read(&prep.clip).await?).await?;
        put_first_frame(own, task, prep.frame_png.clone()).await?;
        put_metadata(own, task, self.metadata(task, prep, &videos)).await?;
        let files = videos.into_iter().map(|v| (v.hotkey, v.path)).collect();
        Ok(Some(
            publish::upload_videos(own, task, files, self.settings.upload_concurrency).await,
        ))
    }

    fn metadata(&self, task: TaskId, prep: &Prepared, videos: &[Accepted]) -> Vec<u8> {
        let s = &self.settings.source;
        let meta = TaskMetadata {
            task_id: task,
            created_at: now_text(),
            source: SourceInfo {
                bucket: self.services.source.name().to_owned(),
                key: prep.key.clone(),
                full_duration_seconds: prep.choice.duration,
                clip_start_seconds: prep.choice.start,
                clip_duration_seconds: s.clip_duration_s,
                one_shot_segment_start_seconds: prep.choice.segment.start,
                one_shot_segment_end_seconds: prep.choice.segment.end,
                scene_cut_count: i64::try_from(prep.choice.cuts.len()).unwrap_or(i64::MAX),
                scene_detection_threshold: s.scene_threshold,
            },
            prompt: PromptInfo {
                model: prep.description.model.clone(),
                text: prep.description.text.clone(),
                description_source: "full_clip_video".to_owned(),
            },
            miners: videos.iter().map(|v| v.hotkey.clone()).collect(),
            miner_latencies_ms: videos
                .iter()
                .map(|v| (v.hotkey.clone(), v.latency_ms))
                .collect(),
        };
        let mut doc = meta.to_py();
        if let (PyValue::Object(o), Some((block, hash))) = (&mut doc, prep.seed) {
            let mut sel = PyObject::new();
            sel.insert("rule", "leoma-v2-block-hash");
            sel.insert("seed_block", block);
            sel.insert("seed_block_hash", format!("0x{}", hex::encode(hash)));
            o.insert("clip_selection", sel);
        }
        json::encode(&doc, Style::Pretty).into_bytes()
    }
}

/// A miner whose video passed the acceptance checks (it is uploaded and listed in the metadata).
#[derive(Debug)]
struct Accepted {
    hotkey: String,
    path: PathBuf,
    latency_ms: i64,
}

fn accepted(checked: Vec<(usize, String, Checked)>) -> Vec<Accepted> {
    checked
        .into_iter()
        .filter_map(|(_, hotkey, c)| match c {
            Checked::Video {
                path, latency_ms, ..
            } => Some(Accepted {
                hotkey,
                path,
                latency_ms,
            }),
            Checked::Failed(_) => None,
        })
        .collect()
}

fn ms(since: std::time::Instant) -> u64 {
    u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX)
}

async fn read(path: &std::path::Path) -> Result<Vec<u8>, TurnError> {
    tokio::fs::read(path)
        .await
        .map_err(|e| TurnError::io(path, e))
}
