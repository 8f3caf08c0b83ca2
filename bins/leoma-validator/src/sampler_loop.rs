//! The sampler loop (SPEC §7.1, §4.2): every poll interval, read the best head, the rotation
//! from the owner's allowlist ([`AllowlistSource`]) and the newest roster snapshot, and hand
//! them to [`Sampler::poll`]. Turn outcomes, miner calls and failures go to [`Metrics`].

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use leoma_api_types::Hotkey;
use leoma_chain::{At, ChainReader};
use leoma_sampler::endpoint::{Delivery, EndpointError, GenerateRequest, MinerEndpoint};
use leoma_sampler::roster::RosterSnapshot;
use leoma_sampler::turn::{PollOutcome, Rotation, RotationRules, Sampler};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::allowlist::{AllowlistSource, RotationView};
use crate::audit::Rules;
use crate::metrics::Metrics;

/// A [`MinerEndpoint`] that counts calls and records latencies.
pub struct MeteredEndpoint {
    /// The real endpoint.
    pub inner: Arc<dyn MinerEndpoint>,
    /// Where to record.
    pub metrics: Metrics,
}

#[async_trait]
impl MinerEndpoint for MeteredEndpoint {
    async fn generate(
        &self,
        request: &GenerateRequest<'_>,
        dest: &Path,
        max_bytes: u64,
        timeout: Duration,
    ) -> Result<Delivery, EndpointError> {
        let r = self.inner.generate(request, dest, max_bytes, timeout).await;
        match &r {
            Ok(d) => {
                self.metrics
                    .inc("leoma_miner_calls_total", &[("result", "delivered")]);
                self.metrics.observe_latency(d.latency);
            }
            Err(e) => {
                let reason = e.reason();
                self.metrics
                    .inc("leoma_miner_calls_total", &[("result", &reason.as_wire())]);
            }
        }
        r
    }
}

/// Settings of the loop that are not the turn's.
#[derive(Debug, Clone)]
pub struct SamplerLoopSettings {
    /// `SAMPLER_POLL_INTERVAL`.
    pub poll_interval: Duration,
    /// `SAMPLER_FAILOVER_GRACE_BLOCKS` (v1; v2 takes the allowlist's).
    pub v1_grace: i64,
    /// `ALLOWLIST_REFRESH_BLOCKS` (v1 cache).
    pub allowlist_refresh_blocks: u64,
}

/// The sampler loop of one validator.
pub struct SamplerLoop {
    /// The turn.
    pub sampler: Sampler,
    /// Chain reads (best head).
    pub chain: Arc<dyn ChainReader>,
    /// The allowlist.
    pub allowlist: AllowlistSource,
    /// The newest roster snapshot.
    pub roster: watch::Receiver<Arc<RosterSnapshot>>,
    /// Loop settings.
    pub settings: SamplerLoopSettings,
    /// Metrics.
    pub metrics: Metrics,
    cached: Option<(u64, RotationView)>,
}

impl SamplerLoop {
    /// A loop with an empty allowlist cache.
    pub fn new(
        sampler: Sampler,
        chain: Arc<dyn ChainReader>,
        allowlist: AllowlistSource,
        roster: watch::Receiver<Arc<RosterSnapshot>>,
        settings: SamplerLoopSettings,
        metrics: Metrics,
    ) -> Self {
        SamplerLoop {
            sampler,
            chain,
            allowlist,
            roster,
            settings,
            metrics,
            cached: None,
        }
    }

    /// The rotation at `block`: v2 is re-read whenever the commitment changes (it is
    /// content-addressed); v1 is refreshed every `ALLOWLIST_REFRESH_BLOCKS` and a failed
    /// refresh keeps the previous snapshot (SPEC §4.2 step 2).
    async fn rotation(&mut self, block: u64) -> Result<Rotation, String> {
        let commitment = self
            .allowlist
            .owner_commitment(At::Number(u32::try_from(block).unwrap_or(u32::MAX)))
            .await
            .map_err(|e| format!("chain: {e}"))?;
        let fresh = match &self.cached {
            Some((at, view)) => {
                commitment.as_deref() == Some(view.commitment.as_str())
                    && (view.rules == Rules::V2
                        || block.saturating_sub(*at) < self.settings.allowlist_refresh_blocks)
            }
            None => false,
        };
        if !fresh {
            match self
                .allowlist
                .rotation_at(At::Number(u32::try_from(block).unwrap_or(u32::MAX)))
                .await
            {
                Ok(view) => self.cached = Some((block, view)),
                Err(e) => match &self.cached {
                    Some((_, v)) if v.rules == Rules::V1 => {
                        tracing::warn!(error = %e, "allowlist refresh failed; keeping the previous one");
                    }
                    _ => return Err(e),
                },
            }
        }
        let Some((_, view)) = &self.cached else {
            return Err("no allowlist".into());
        };
        Ok(Rotation {
            rules: match view.rules {
                Rules::V1 => RotationRules::V1,
                Rules::V2 => RotationRules::V2,
            },
            validators: view
                .validators
                .iter()
                .filter_map(|v| Hotkey::parse(v).ok())
                .collect(),
            interval: view.interval,
            grace: view.grace.unwrap_or(self.settings.v1_grace),
        })
    }

    /// One poll; returns what it did (`None`: idle because an input was missing).
    pub async fn poll_once(&mut self) -> Option<PollOutcome> {
        let head = match self.chain.best_block().await {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(error = %e, "sampler: cannot read the best head");
                self.metrics.inc(
                    "leoma_errors_total",
                    &[("loop", "sampler"), ("kind", "chain")],
                );
                return None;
            }
        };
        let block = u64::from(head.number);
        let rotation = match self.rotation(block).await {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(block, error = %e, "sampler idle: no usable allowlist");
                self.metrics.inc(
                    "leoma_errors_total",
                    &[("loop", "sampler"), ("kind", "allowlist")],
                );
                return None;
            }
        };
        let roster = self.roster.borrow().clone();
        if roster.block == 0 && roster.miners.is_empty() {
            // No pass finished yet and nothing persisted: a turn now would skip every miner.
            return None;
        }
        match self
            .sampler
            .poll(block, head.hash, &rotation, &roster)
            .await
        {
            Ok(outcome) => {
                self.record(&outcome);
                Some(outcome)
            }
            Err(e) => {
                tracing::error!(block, error = %e, "sampling turn attempt failed");
                self.metrics.inc(
                    "leoma_errors_total",
                    &[("loop", "sampler"), ("kind", "turn")],
                );
                None
            }
        }
    }

    fn record(&self, outcome: &PollOutcome) {
        match outcome {
            PollOutcome::Produced {
                rid,
                entries,
                passed,
            } => {
                tracing::info!(task_id = rid, entries, passed, "verdict file published");
                self.metrics
                    .inc("leoma_turns_total", &[("outcome", "produced")]);
                let e = u64::try_from(*entries).unwrap_or(0);
                let p = u64::try_from(*passed).unwrap_or(0);
                self.metrics
                    .add("leoma_verdicts_total", &[("status", "passed")], p);
                self.metrics.add(
                    "leoma_verdicts_total",
                    &[("status", "failed")],
                    e.saturating_sub(p),
                );
            }
            PollOutcome::Skipped { rid, reason } => {
                tracing::warn!(task_id = rid, %reason, "turn skipped");
                self.metrics
                    .inc("leoma_turns_total", &[("outcome", "skipped")]);
            }
            PollOutcome::NotMyTurn { .. } | PollOutcome::AlreadyDone { .. } => {}
        }
    }

    /// Polls until `cancel` fires; `observe` sees every outcome (devnet progress).
    pub async fn run(
        mut self,
        cancel: CancellationToken,
        mut observe: impl FnMut(&PollOutcome) + Send,
    ) {
        loop {
            let polled = tokio::select! {
                o = self.poll_once() => o,
                _ = cancel.cancelled() => return,
            };
            if let Some(o) = &polled {
                observe(o);
            }
            tokio::select! {
                _ = tokio::time::sleep(self.settings.poll_interval) => {}
                _ = cancel.cancelled() => return,
            }
        }
    }
}
