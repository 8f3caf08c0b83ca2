//! The miner fan-out (SPEC §7.5–§7.7): per miner, chute lookup, the call (bounded by
//! `MAX_CONCURRENT_MINERS`, streamed to the turn's directory under the byte cap), the video
//! checks (bounded, they run ffmpeg), then the judge (bounded by `EVALUATION_CONCURRENCY`).
//! The stages overlap across miners: a miner that answers early is judged while others are
//! still generating.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures::StreamExt;
use futures::stream::FuturesUnordered;
use leoma_api_types::reason::VerdictReason;
use leoma_eval::{
    Judge, JudgeOutcome, JudgeRequest, JudgeResult, SourceMedia, VideoAssessor, VideoMetrics,
    VideoRejection,
};
use tokio::sync::Semaphore;

use super::entries::{MinerResult, frozen_result};
use super::settings::TurnSettings;
use crate::endpoint::{GenerateRequest, MinerEndpoint};
use crate::roster::ChuteDirectory;

/// A miner to call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MinerTarget {
    /// Its hotkey.
    pub hotkey: String,
    /// Its committed chute id.
    pub chute_id: Option<String>,
}

/// A miner's state after its call and the video checks (kept across attempts of one turn).
#[derive(Debug, Clone, PartialEq)]
pub enum Checked {
    /// A video that passed the acceptance checks of §7.5 (it is uploaded).
    Video {
        /// The file in the turn's directory.
        path: PathBuf,
        /// Call latency.
        latency_ms: i64,
        /// `None`: goes to the judge with these measurements. `Some`: decided without the
        /// judge (near-copy, frozen).
        decided: Option<MinerResult>,
        /// Measurements for the judge.
        metrics: Option<VideoMetrics>,
    },
    /// No acceptable video.
    Failed(MinerResult),
}

/// What the fan-out needs, borrowed for one turn.
pub struct Fanout<'a> {
    /// Miner endpoint.
    pub miners: &'a dyn MinerEndpoint,
    /// Chute info.
    pub chutes: &'a dyn ChuteDirectory,
    /// Video checks.
    pub assessor: &'a VideoAssessor,
    /// Judge.
    pub judge: &'a dyn Judge,
    /// Settings.
    pub settings: &'a TurnSettings,
    /// The §3.13 request body.
    pub body: &'a [u8],
    /// The description.
    pub prompt: &'a str,
    /// First frame PNG bytes.
    pub first_frame_png: &'a [u8],
    /// First frame file and clip file with its duration.
    pub source: SourceMedia<'a>,
    /// Directory for the miners' videos.
    pub dir: &'a Path,
}

fn unscored(reason: VerdictReason, latency_ms: Option<i64>, detail: impl Into<String>) -> Checked {
    Checked::Failed(MinerResult::Unscored {
        reason,
        latency_ms,
        detail: detail.into(),
    })
}

fn ms(d: std::time::Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

impl Fanout<'_> {
    /// Calls and checks one miner.
    async fn call_and_check(
        &self,
        index: usize,
        target: &MinerTarget,
        calls: &Semaphore,
        checks: &Semaphore,
    ) -> Checked {
        let Some(chute_id) = target.chute_id.as_deref().filter(|c| !c.is_empty()) else {
            return unscored(VerdictReason::ChuteNotHot, None, "no chute id");
        };
        let info = match self.chutes.chute_info(chute_id).await {
            Ok(info) => info,
            Err(e) => {
                return unscored(
                    VerdictReason::ChuteInfoUnavailable,
                    None,
                    format!("chute info unavailable: {e}"),
                );
            }
        };
        let slug = match info.slug.filter(|s| !s.is_empty()) {
            Some(slug) if info.hot => slug,
            Some(_) => return unscored(VerdictReason::ChuteNotHot, None, "chute is not hot"),
            None => return unscored(VerdictReason::ChuteNotHot, None, "chute has no slug"),
        };
        let path = self.dir.join(format!("miner-{index}.mp4"));
        let request = GenerateRequest {
            slug: &slug,
            body: self.body,
        };
        let delivered = {
            let Ok(_permit) = calls.acquire().await else {
                return unscored(VerdictReason::InternalError, None, "call limiter closed");
            };
            self.miners
                .generate(
                    &request,
                    &path,
                    self.settings.assess.limits.max_bytes,
                    self.settings.request_timeout,
                )
                .await
        };
        let delivery = match delivered {
            Ok(d) => d,
            Err(e) => {
                let _ = tokio::fs::remove_file(&path).await;
                return unscored(e.reason(), None, e.to_string());
            }
        };
        let latency_ms = ms(delivery.latency);
        let assessment = {
            let Ok(_permit) = checks.acquire().await else {
                return unscored(
                    VerdictReason::InternalError,
                    Some(latency_ms),
                    "check limiter closed",
                );
            };
            self.assessor.assess(&path, self.source).await
        };
        let assessment = match assessment {
            Ok(a) => a,
            Err(e) => {
                let _ = tokio::fs::remove_file(&path).await;
                return unscored(
                    VerdictReason::InternalError,
                    Some(latency_ms),
                    format!("video check failed on our side: {e}"),
                );
            }
        };
        let decided = match assessment.verdict {
            Ok(()) => None,
            Err(VideoRejection::NearCopy { .. }) => Some(MinerResult::Scored {
                result: JudgeResult::near_copy(),
                latency_ms,
                reason: Some(VerdictReason::NearCopyOfSource),
            }),
            Err(VideoRejection::Frozen { .. }) => Some(MinerResult::Scored {
                result: frozen_result(),
                latency_ms,
                reason: Some(VerdictReason::FrozenVideo),
            }),
            Err(rejection) => {
                let _ = tokio::fs::remove_file(&path).await;
                return unscored(rejection.code(), Some(latency_ms), rejection.to_string());
            }
        };
        Checked::Video {
            path,
            latency_ms,
            decided,
            metrics: assessment.metrics,
        }
    }

    /// Judges one checked miner (or returns its decided result).
    pub async fn judge_one(&self, checked: &Checked, judges: &Semaphore) -> MinerResult {
        let (path, latency_ms, metrics) = match checked {
            Checked::Failed(r) => return r.clone(),
            Checked::Video {
                decided: Some(r), ..
            } => return r.clone(),
            Checked::Video {
                path,
                latency_ms,
                metrics,
                decided: None,
            } => (path, *latency_ms, metrics.as_ref()),
        };
        let internal = |detail: String| MinerResult::Unscored {
            reason: VerdictReason::InternalError,
            latency_ms: Some(latency_ms),
            detail,
        };
        let Ok(_permit) = judges.acquire().await else {
            return internal("judge limiter closed".into());
        };
        let video = match tokio::fs::read(path).await {
            Ok(v) => v,
            Err(e) => return internal(format!("cannot read the video: {e}")),
        };
        let request = JudgeRequest {
            prompt: self.prompt,
            first_frame_png: self.first_frame_png,
            video_mp4: &video,
            metrics,
        };
        match self.judge.judge(&request).await {
            Ok(JudgeOutcome::Judged(result)) => MinerResult::Scored {
                result,
                latency_ms,
                reason: None,
            },
            Ok(JudgeOutcome::Unparseable { fail_safe, .. }) => MinerResult::Scored {
                result: fail_safe,
                latency_ms,
                reason: Some(VerdictReason::JudgeUnparseable),
            },
            Err(e) => MinerResult::Unscored {
                reason: VerdictReason::JudgeError,
                latency_ms: Some(latency_ms),
                detail: format!("judge failed: {e}"),
            },
        }
    }

    /// Calls, checks and judges every miner; results in `targets` order.
    pub async fn run(&self, targets: &[MinerTarget]) -> Vec<(String, Checked, MinerResult)> {
        let calls = Arc::new(Semaphore::new(self.settings.max_concurrent_miners.max(1)));
        let checks = Semaphore::new(self.settings.check_concurrency.max(1));
        let judges = Semaphore::new(self.settings.evaluation_concurrency.max(1));
        let mut pending: FuturesUnordered<_> = targets
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let (calls, checks, judges) = (&calls, &checks, &judges);
                async move {
                    let checked = self.call_and_check(i, t, calls, checks).await;
                    let result = self.judge_one(&checked, judges).await;
                    (i, checked, result)
                }
            })
            .collect();
        let mut out: Vec<Option<(String, Checked, MinerResult)>> = vec![None; targets.len()];
        while let Some((i, checked, result)) = pending.next().await {
            if let (Some(slot), Some(t)) = (out.get_mut(i), targets.get(i)) {
                *slot = Some((t.hotkey.clone(), checked, result));
            }
        }
        out.into_iter().flatten().collect()
    }

    /// Judges already checked miners again (a retried attempt reuses the videos).
    pub async fn rejudge(
        &self,
        checked: &[(String, Checked)],
    ) -> Vec<(String, Checked, MinerResult)> {
        let judges = Semaphore::new(self.settings.evaluation_concurrency.max(1));
        let judges = &judges;
        futures::future::join_all(
            checked.iter().map(|(hk, c)| async move {
                (hk.clone(), c.clone(), self.judge_one(c, judges).await)
            }),
        )
        .await
    }
}
