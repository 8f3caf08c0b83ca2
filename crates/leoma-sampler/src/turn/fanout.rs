//! The miner fan-out (SPEC §7.5–§7.7): per miner, chute lookup, the call (bounded by
//! `MAX_CONCURRENT_MINERS`, streamed to the turn's directory under the byte cap), the video
//! checks (bounded, they run ffmpeg), then the judge (bounded by `EVALUATION_CONCURRENCY`).
//! The stages overlap across miners: a miner that answers early is judged while others are
//! still generating.

use std::future::Future;
use std::path::{Path, PathBuf};

use futures::StreamExt;
use futures::stream::FuturesUnordered;
use leoma_api_types::reason::VerdictReason;
use leoma_eval::{
    Judge, JudgeOutcome, JudgeRequest, JudgeResult, PreparedSource, VideoAssessor, VideoMetrics,
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
    /// The conditioning frame and clip hashes, read once per turn.
    pub source: &'a PreparedSource,
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
    ///
    /// Once every miner has been called and checked, `after_checks` receives the checked
    /// miners (`(index, hotkey, checked)`) and its future runs alongside the judging still in
    /// flight: the turn uploads its artifacts there while the judge works.
    pub async fn run<S, Fut>(
        &self,
        targets: &[MinerTarget],
        after_checks: S,
    ) -> (Vec<(String, Checked, MinerResult)>, Fut::Output)
    where
        S: FnOnce(Vec<(usize, String, Checked)>) -> Fut,
        Fut: Future,
    {
        let calls = Semaphore::new(self.settings.max_concurrent_miners.max(1));
        let checks = Semaphore::new(self.settings.check_concurrency.max(1));
        let judges = Semaphore::new(self.settings.evaluation_concurrency.max(1));
        let (calls, checks, judges) = (&calls, &checks, &judges);
        let judge = |i: usize, c: Checked| async move {
            let result = self.judge_one(&c, judges).await;
            (i, result)
        };
        let mut checking: FuturesUnordered<_> = targets
            .iter()
            .enumerate()
            .map(|(i, t)| async move { (i, self.call_and_check(i, t, calls, checks).await) })
            .collect();
        let mut judging = FuturesUnordered::new();
        let mut checked: Vec<Option<Checked>> = vec![None; targets.len()];
        let mut results: Vec<Option<MinerResult>> = vec![None; targets.len()];
        while !checking.is_empty() {
            tokio::select! {
                Some((i, c)) = checking.next() => {
                    judging.push(judge(i, c.clone()));
                    if let Some(slot) = checked.get_mut(i) {
                        *slot = Some(c);
                    }
                }
                Some((i, r)) = judging.next() => {
                    if let Some(slot) = results.get_mut(i) {
                        *slot = Some(r);
                    }
                }
                else => break,
            }
        }
        let listed = listing(targets.iter().map(|t| t.hotkey.as_str()), &checked);
        let side = after_checks(listed);
        let drain = async {
            while let Some((i, r)) = judging.next().await {
                if let Some(slot) = results.get_mut(i) {
                    *slot = Some(r);
                }
            }
        };
        let (side, ()) = tokio::join!(side, drain);
        (
            assemble(targets.iter().map(|t| t.hotkey.as_str()), checked, results),
            side,
        )
    }

    /// Judges already checked miners again (a retried attempt reuses the videos);
    /// `after_checks` runs alongside, as in [`Fanout::run`].
    pub async fn rejudge<S, Fut>(
        &self,
        previous: &[(String, Checked)],
        after_checks: S,
    ) -> (Vec<(String, Checked, MinerResult)>, Fut::Output)
    where
        S: FnOnce(Vec<(usize, String, Checked)>) -> Fut,
        Fut: Future,
    {
        let judges = Semaphore::new(self.settings.evaluation_concurrency.max(1));
        let judges = &judges;
        let checked: Vec<Option<Checked>> = previous.iter().map(|(_, c)| Some(c.clone())).collect();
        let hotkeys = || previous.iter().map(|(hk, _)| hk.as_str());
        let side = after_checks(listing(hotkeys(), &checked));
        let judged = futures::future::join_all(
            previous
                .iter()
                .map(|(_, c)| async move { Some(self.judge_one(c, judges).await) }),
        );
        let (side, results) = tokio::join!(side, judged);
        (assemble(hotkeys(), checked, results), side)
    }
}

/// `(index, hotkey, checked)` of every miner that has been checked.
fn listing<'h>(
    hotkeys: impl Iterator<Item = &'h str>,
    checked: &[Option<Checked>],
) -> Vec<(usize, String, Checked)> {
    hotkeys
        .zip(checked)
        .enumerate()
        .filter_map(|(i, (hk, c))| c.clone().map(|c| (i, hk.to_owned(), c)))
        .collect()
}

/// Joins hotkeys, checks and results in order; a miner missing either is left out.
fn assemble<'h>(
    hotkeys: impl Iterator<Item = &'h str>,
    checked: Vec<Option<Checked>>,
    results: Vec<Option<MinerResult>>,
) -> Vec<(String, Checked, MinerResult)> {
    hotkeys
        .zip(checked.into_iter().zip(results))
        .filter_map(|(hk, pair)| match pair {
            (Some(c), Some(r)) => Some((hk.to_owned(), c, r)),
            _ => None,
        })
        .collect()
}
