//! `VideoAssessor`: one miner video through every deterministic check, in order: byte cap,
//! probe, stream rules, decoding, near-copy, frozen; with the measurements taken on the way.
//!
//! The source side (conditioning frame, clip hashes) is read once per turn by
//! [`VideoAssessor::prepare`]; each miner video then costs one probe and one decode, because a
//! turn checks up to 192 videos on a small machine.

use std::path::Path;
use std::sync::Arc;

use super::accept::{VideoRejection, check_size, check_stream};
use super::metrics::VideoMetrics;
use super::near_copy::{NearCopyReport, compare};
use super::settings::{AssessSettings, FIDELITY_HEIGHT, FIDELITY_WIDTH};
use super::{FrameHashes, GrayFrame, VideoInfo, VideoProbe};
use crate::EvalError;

/// The source material a video is checked against.
#[derive(Debug, Clone, Copy)]
pub struct SourceMedia<'a> {
    /// The conditioning first frame (PNG).
    pub first_frame: &'a Path,
    /// The original clip (MP4), and the duration in seconds to assume when its probe reports
    /// none.
    pub clip: Option<(&'a Path, f64)>,
}

/// The source material as the checks use it, read once per turn.
#[derive(Debug, Clone, PartialEq)]
pub struct PreparedSource {
    /// The conditioning frame at the fidelity size.
    conditioning: GrayFrame,
    /// The clip's per-frame hashes and its duration in seconds.
    clip: Option<(FrameHashes, f64)>,
}

/// Frames needed to cover `seconds` at `fps`, with a bound against absurd probe values.
fn frames_for(seconds: f64, fps: f64) -> u32 {
    const CAP: f64 = 100_000.0;
    let n = (seconds * fps).ceil() + 1.0;
    if n.is_finite() && n > 0.0 {
        n.min(CAP) as u32
    } else {
        1
    }
}

/// Everything the checks found out about one video.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    /// Probe facts, when the container was readable.
    pub info: Option<VideoInfo>,
    /// Measurements, when the frames decoded.
    pub metrics: Option<VideoMetrics>,
    /// The near-copy comparison, when a clip was given and the video got that far.
    pub near_copy: Option<NearCopyReport>,
    /// `Ok` when the video goes to the judge.
    pub verdict: Result<(), VideoRejection>,
}

impl Assessment {
    fn rejected(rejection: VideoRejection) -> Self {
        Assessment {
            info: None,
            metrics: None,
            near_copy: None,
            verdict: Err(rejection),
        }
    }
}

/// Runs the checks with a [`VideoProbe`].
#[derive(Clone)]
pub struct VideoAssessor {
    probe: Arc<dyn VideoProbe>,
    settings: AssessSettings,
}

/// Errors that come from the file's content make it unreadable; host errors propagate.
fn content_error(e: EvalError) -> Result<VideoRejection, EvalError> {
    match e {
        EvalError::ToolFailed { .. }
        | EvalError::ToolTimeout { .. }
        | EvalError::Malformed { .. }
        | EvalError::InvalidInput(_) => Ok(VideoRejection::Unreadable {
            detail: e.to_string(),
        }),
        other => Err(other),
    }
}

impl VideoAssessor {
    /// A new assessor.
    pub fn new(probe: Arc<dyn VideoProbe>, settings: AssessSettings) -> Self {
        VideoAssessor { probe, settings }
    }

    /// The settings in force.
    pub fn settings(&self) -> &AssessSettings {
        &self.settings
    }

    /// Reads the source material once: the conditioning frame and, when a clip is given, its
    /// per-frame hashes. Every error here is the host's (our own files), never a miner's.
    pub async fn prepare(&self, source: SourceMedia<'_>) -> Result<PreparedSource, EvalError> {
        // Two independent decodes: run them side by side.
        let conditioning = async {
            self.probe
                .gray_frames(source.first_frame, 0.0, FIDELITY_WIDTH, FIDELITY_HEIGHT, 1)
                .await?
                .into_iter()
                .next()
                .ok_or_else(|| EvalError::InvalidInput("conditioning frame does not decode".into()))
        };
        let clip = async {
            let Some((path, fallback_s)) = source.clip else {
                return Ok(None);
            };
            let info = self.probe.probe(path).await?;
            let clip_s = if info.duration_s > 0.0 {
                info.duration_s
            } else {
                fallback_s
            };
            let hashes = self
                .probe
                .frame_hashes(path, frames_for(clip_s, info.fps), info.fps)
                .await?;
            if hashes.hashes.is_empty() {
                return Err(EvalError::InvalidInput(
                    "source clip: no frame decodes for near-copy detection".into(),
                ));
            }
            Ok(Some((hashes, clip_s)))
        };
        let (conditioning, clip) = tokio::try_join!(conditioning, clip)?;
        Ok(PreparedSource { conditioning, clip })
    }

    /// Assesses the video at `video` against a [`PreparedSource`]. An `Err` is a host-side
    /// failure (tool missing, file system), never a verdict on the miner.
    pub async fn assess(
        &self,
        video: &Path,
        source: &PreparedSource,
    ) -> Result<Assessment, EvalError> {
        let limits = &self.settings.limits;
        let bytes = tokio::fs::metadata(video)
            .await
            .map_err(|source| EvalError::Io {
                path: video.display().to_string(),
                source,
            })?
            .len();
        if let Err(r) = check_size(bytes, limits) {
            return Ok(Assessment::rejected(r));
        }
        let info = match self.probe.probe(video).await {
            Ok(info) => info,
            Err(e) => return Ok(Assessment::rejected(content_error(e)?)),
        };
        let mut out = Assessment {
            info: Some(info.clone()),
            metrics: None,
            near_copy: None,
            verdict: Ok(()),
        };
        if let Err(r) = check_stream(&info, limits) {
            out.verdict = Err(r);
            return Ok(out);
        }
        let max_frames = u32::try_from(limits.max_frames).unwrap_or(u32::MAX);
        let decoded = match self.probe.check_frames(video, max_frames, info.fps).await {
            Ok(d) => d,
            Err(e) => {
                out.verdict = Err(content_error(e)?);
                return Ok(out);
            }
        };
        if decoded.analysis.len() < 2 {
            out.verdict = Err(VideoRejection::Unreadable {
                detail: format!("only {} frame(s) decoded", decoded.analysis.len()),
            });
            return Ok(out);
        }
        let Some(first) = decoded.first.as_ref() else {
            out.verdict = Err(VideoRejection::Unreadable {
                detail: "first frame does not decode".into(),
            });
            return Ok(out);
        };
        let metrics = VideoMetrics::compute(&decoded.analysis, first, &source.conditioning);
        let max_deviation = metrics.max_deviation_from_first;
        out.metrics = Some(metrics);
        if let Some((clip, clip_s)) = &source.clip {
            match compare(
                &decoded.hashes,
                info.duration_s,
                clip,
                *clip_s,
                &self.settings.near_copy,
            ) {
                Ok(report) => {
                    let copy = report.is_copy;
                    let (matching, sampled) = (report.matching, report.sampled);
                    out.near_copy = Some(report);
                    if copy {
                        out.verdict = Err(VideoRejection::NearCopy { matching, sampled });
                        return Ok(out);
                    }
                }
                Err(e) => {
                    out.verdict = Err(content_error(e)?);
                    return Ok(out);
                }
            }
        }
        if max_deviation <= self.settings.frozen.max_mean_abs_diff {
            out.verdict = Err(VideoRejection::Frozen { max_deviation });
        }
        Ok(out)
    }
}
