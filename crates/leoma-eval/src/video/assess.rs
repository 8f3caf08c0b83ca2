//! `VideoAssessor`: one miner video through every deterministic check, in order: byte cap,
//! probe, stream rules, decoding, near-copy, frozen; with the measurements taken on the way.

use std::path::Path;
use std::sync::Arc;

use super::accept::{VideoRejection, check_size, check_stream};
use super::metrics::VideoMetrics;
use super::near_copy::{NearCopyReport, compare};
use super::settings::{
    ANALYSIS_HEIGHT, ANALYSIS_WIDTH, AssessSettings, FIDELITY_HEIGHT, FIDELITY_WIDTH,
};
use super::{VideoInfo, VideoProbe};
use crate::EvalError;

/// The source material a video is checked against.
#[derive(Debug, Clone, Copy)]
pub struct SourceMedia<'a> {
    /// The conditioning first frame (PNG).
    pub first_frame: &'a Path,
    /// The original clip (MP4) and its duration in seconds, when available.
    pub clip: Option<(&'a Path, f64)>,
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

    /// Assesses the video at `video`. An `Err` is a host-side failure (tool missing, our own
    /// first frame unreadable), never a verdict on the miner.
    pub async fn assess(
        &self,
        video: &Path,
        source: SourceMedia<'_>,
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
        let frames = match self
            .probe
            .gray_frames(video, 0.0, ANALYSIS_WIDTH, ANALYSIS_HEIGHT, max_frames)
            .await
        {
            Ok(f) if f.len() >= 2 => f,
            Ok(f) => {
                out.verdict = Err(VideoRejection::Unreadable {
                    detail: format!("only {} frame(s) decoded", f.len()),
                });
                return Ok(out);
            }
            Err(e) => {
                out.verdict = Err(content_error(e)?);
                return Ok(out);
            }
        };
        let first = match self
            .probe
            .gray_frames(video, 0.0, FIDELITY_WIDTH, FIDELITY_HEIGHT, 1)
            .await
        {
            Ok(mut f) if !f.is_empty() => f.swap_remove(0),
            Ok(_) => {
                out.verdict = Err(VideoRejection::Unreadable {
                    detail: "first frame does not decode".into(),
                });
                return Ok(out);
            }
            Err(e) => {
                out.verdict = Err(content_error(e)?);
                return Ok(out);
            }
        };
        // Our own conditioning frame failing to decode is a host problem, not the miner's.
        let conditioning = self
            .probe
            .gray_frames(source.first_frame, 0.0, FIDELITY_WIDTH, FIDELITY_HEIGHT, 1)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| EvalError::InvalidInput("conditioning frame does not decode".into()))?;
        let metrics = VideoMetrics::compute(&frames, &first, &conditioning);
        let max_deviation = metrics.max_deviation_from_first;
        out.metrics = Some(metrics);
        if let Some((clip, clip_s)) = source.clip {
            match compare(
                self.probe.as_ref(),
                video,
                info.duration_s,
                clip,
                clip_s,
                &self.settings.near_copy,
            )
            .await
            {
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
