//! Weight submission (SPEC §2.5 steps 2–6): read the weight parameters at the best head, wait
//! out the rate limit, submit, and retry transient failures with backoff until success or until
//! a newer boundary starts.

use std::time::Duration;

use leoma_chain::{At, ChainError, WeightSetter, WeightVector};

use super::WeightEpoch;
use crate::audit::AuditReport;

/// Backoff between submission attempts: `delays` in order, then the last one forever.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmitPolicy {
    /// Waits after the 1st, 2nd, ... failure (SPEC: 12 s, 24 s, 48 s, then every 120 s).
    pub delays: Vec<Duration>,
    /// How often to re-read the head while waiting for the rate limit.
    pub rate_limit_poll: Duration,
}

impl Default for SubmitPolicy {
    fn default() -> Self {
        SubmitPolicy {
            delays: [12, 24, 48, 120].map(Duration::from_secs).to_vec(),
            rate_limit_poll: Duration::from_secs(12),
        }
    }
}

/// How a submission ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubmitOutcome {
    /// Included at this block after `attempts` attempts.
    Included {
        /// Inclusion block.
        block: u32,
        /// Attempts made.
        attempts: u32,
    },
    /// A permanent failure ended the job.
    Failed(String),
    /// A newer boundary started before the submission succeeded.
    Superseded,
}

async fn newer_boundary_started(epoch: &WeightEpoch, boundary: i64) -> bool {
    match epoch.chain.finalized_block().await {
        Ok(b) => {
            let len = epoch.config.epoch_len.max(1);
            leoma_rotation::epoch::epoch_boundary(i64::from(b.number), len) > boundary
        }
        Err(_) => false,
    }
}

pub(super) async fn submit(
    epoch: &WeightEpoch,
    setter: &dyn WeightSetter,
    boundary: i64,
    report: &AuditReport,
) -> SubmitOutcome {
    let netuid = epoch.config.netuid;
    let policy = &epoch.config.submit;
    let mut attempts = 0u32;
    loop {
        let result: Result<_, ChainError> = async {
            let params = epoch
                .chain
                .weight_params(netuid, setter.hotkey(), At::Best)
                .await?;
            loop {
                let best = u64::from(epoch.chain.best_block().await?.number);
                if best.saturating_add(1) >= params.next_allowed_block() {
                    break;
                }
                tokio::time::sleep(policy.rate_limit_poll).await;
            }
            let vector = WeightVector {
                uids: report.weights.uids.clone(),
                values: report.weights.values.clone(),
                version_key: params.version_key,
            };
            attempts += 1;
            setter.set_weights(netuid, &vector).await
        }
        .await;
        match result {
            Ok(inclusion) => {
                tracing::info!(epoch = boundary, block = inclusion.block.number, attempts, uids = ?report.weights.uids, "weights set");
                return SubmitOutcome::Included {
                    block: inclusion.block.number,
                    attempts,
                };
            }
            Err(e) if e.is_transient() => {
                let i = usize::try_from(attempts.saturating_sub(1)).unwrap_or(usize::MAX);
                let delay = policy
                    .delays
                    .get(i)
                    .or(policy.delays.last())
                    .copied()
                    .unwrap_or(Duration::from_secs(120));
                tracing::warn!(epoch = boundary, error = %e, attempts, retry_in_s = delay.as_secs(), "weight submission failed, retrying");
                tokio::time::sleep(delay).await;
                if newer_boundary_started(epoch, boundary).await {
                    tracing::warn!(
                        epoch = boundary,
                        "a newer epoch started; submission abandoned"
                    );
                    return SubmitOutcome::Superseded;
                }
            }
            Err(e) => {
                tracing::error!(epoch = boundary, error = %e, "weight submission failed permanently");
                return SubmitOutcome::Failed(e.to_string());
            }
        }
    }
}
