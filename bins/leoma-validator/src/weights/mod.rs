//! The weight epoch (`leoma-validator weights`, SPEC §2.5, §5.4, §5.9).
//!
//! On every poll it reads the finalized head H, computes the boundary `B = H − (H mod L)` and,
//! if B is newer than the last processed boundary, runs the epoch job for B: read the allowlist
//! through the owner's commitment and the source bucket, run the shared epoch procedure
//! ([`crate::audit`]) over the peers' real buckets, apply the last-winner fallback, and submit
//! winner-take-all weights through [`WeightSetter`] with retries. The boundary and the winner
//! are persisted atomically in the state directory, so waking late never skips an epoch and a
//! restart never resubmits one.

mod cli;
mod peers;
mod state;
mod submit;

use std::sync::Arc;
use std::time::Duration;

use leoma_api_types::Hotkey;
use leoma_api_types::allowlist::AllowlistCommitment;
use leoma_chain::{At, ChainError, ChainReader, WeightSetter};
use leoma_storage::{BucketReader, PeerRegistry};
use tokio_util::sync::CancellationToken;

use crate::allowlist::AllowlistSource;
use crate::audit::{
    self, AuditError, AuditReport, AuditRequest, MinerOnChain, MinerTable, PeerSource, RetryPolicy,
    Rules, V1Config,
};

pub use cli::{WeightsArgs, build_epoch, run};
pub use peers::S3Peers;
pub use state::{LastWinner, StateDir};
pub use submit::{SubmitOutcome, SubmitPolicy};

/// Configuration of the weight epoch (parsed once by the binary).
#[derive(Debug, Clone)]
pub struct WeightsConfig {
    /// `NETUID`.
    pub netuid: u16,
    /// `EPOCH_LEN` (v1; v2 takes `epoch_length` from the allowlist).
    pub epoch_len: i64,
    /// v1 consensus parameters.
    pub v1: V1Config,
    /// `ALLOW_INSECURE_S3`.
    pub allow_http: bool,
    /// `AGGREGATION_READ_CONCURRENCY`.
    pub concurrency: usize,
    /// Retries of transient bucket failures while computing an epoch.
    pub read_retry: RetryPolicy,
    /// Retries of weight submissions.
    pub submit: SubmitPolicy,
    /// How often the loop polls the finalized head.
    pub poll_interval: Duration,
}

/// Errors that stop one epoch attempt (retried at the next poll).
#[derive(Debug, thiserror::Error)]
pub enum EpochError {
    /// A chain read failed.
    #[error("chain: {0}")]
    Chain(#[from] ChainError),
    /// The state directory could not be written.
    #[error("state directory: {0}")]
    State(#[from] std::io::Error),
    /// The epoch's inputs are inconsistent (for example a v2 boundary that is not one).
    #[error("{0}")]
    Audit(#[from] AuditError),
}

/// An epoch's computed outcome: the report `score` would print, after the fallbacks.
#[derive(Debug, Clone)]
pub struct EpochOutcome {
    /// The boundary block.
    pub epoch_block: i64,
    /// The report (weights included).
    pub report: AuditReport,
    /// The submission, when one was made.
    pub submitted: Option<SubmitOutcome>,
}

/// Sees every processed epoch and every failed attempt (metrics, devnet progress).
pub type EpochObserver = dyn Fn(Result<&EpochOutcome, &EpochError>) + Send + Sync;

/// The weight epoch's dependencies.
pub struct WeightEpoch {
    /// Configuration.
    pub config: WeightsConfig,
    /// Chain reads.
    pub chain: Arc<dyn ChainReader>,
    /// Weight submission (`None`: dry run).
    pub setter: Option<Arc<dyn WeightSetter>>,
    /// Our hotkey (for `weight_params`).
    pub hotkey: Hotkey,
    /// The source bucket (allowlist files), if configured.
    pub source: Option<Arc<dyn BucketReader>>,
    /// `PEER_VALIDATORS`.
    pub registry: PeerRegistry,
    /// Where the peers' buckets are read (`None`: S3/R2 through [`Self::registry`]; devnet
    /// passes local-directory buckets).
    pub peers: Option<Arc<dyn PeerSource>>,
    /// The state directory.
    pub state: StateDir,
}

fn to_u32(b: i64) -> u32 {
    u32::try_from(b.max(0)).unwrap_or(u32::MAX)
}

impl WeightEpoch {
    /// One poll: processes the newest boundary if it has not been processed yet.
    pub async fn tick(&self) -> Result<Option<EpochOutcome>, EpochError> {
        let head = i64::from(self.chain.finalized_block().await?.number);
        let len = self.epoch_length(head).await?;
        let boundary = leoma_rotation::epoch::epoch_boundary(head, len);
        let last = self.state.last_epoch_block();
        if last.is_some_and(|l| boundary <= l) {
            return Ok(None);
        }
        if let Some(l) = last
            && boundary - l > len
        {
            tracing::warn!(
                last = l,
                epoch = boundary,
                "epoch boundaries between the last processed one and this one were missed"
            );
        }
        let outcome = self.process(boundary, true).await?;
        Ok(Some(outcome))
    }

    /// Runs the epoch job for `boundary`: compute, then (unless a dry run) submit and persist.
    pub async fn process(&self, boundary: i64, persist: bool) -> Result<EpochOutcome, EpochError> {
        let report = match self.compute(boundary).await {
            Ok(r) => r,
            Err(EpochError::Audit(AuditError::Inconsistent(reason))) => {
                tracing::warn!(epoch = boundary, %reason, "epoch skipped");
                if persist {
                    self.state.set_last_epoch_block(boundary)?;
                }
                return Err(EpochError::Audit(AuditError::Inconsistent(reason)));
            }
            Err(e) => return Err(e),
        };
        let mut submitted = None;
        if let Some(setter) = &self.setter {
            let s = submit::submit(self, setter.as_ref(), boundary, &report).await;
            submitted = Some(s);
        }
        if persist {
            if let Some(w) = &report.winner
                && let Some(uid) = w.uid.filter(|u| *u != 0)
                && report.burn_reason.is_none()
            {
                self.state.set_last_winner(&LastWinner {
                    uid,
                    hotkey: w.hotkey.clone(),
                    epoch_block: Some(boundary),
                })?;
            }
            self.state.set_last_epoch_block(boundary)?;
        }
        Ok(EpochOutcome {
            epoch_block: boundary,
            report,
            submitted,
        })
    }

    /// The epoch length in force at `head` (v2: from the allowlist the commitment names).
    async fn epoch_length(&self, head: i64) -> Result<i64, EpochError> {
        let at = At::Number(to_u32(head));
        // A chain failure here must fail the tick, not silently pick the v1 length.
        self.allowlist().owner_commitment(at).await?;
        if let Some(a) = self.allowlist().v2_at(at).await {
            return Ok(i64::try_from(a.params().epoch_length)
                .unwrap_or(i64::MAX)
                .max(1));
        }
        Ok(self.config.epoch_len.max(1))
    }

    /// The allowlist as this epoch's chain and source bucket see it.
    pub fn allowlist(&self) -> AllowlistSource {
        AllowlistSource {
            chain: self.chain.clone(),
            netuid: self.config.netuid,
            source: self.source.clone(),
        }
    }

    async fn owner_commitment(&self, at: At) -> Result<Option<String>, ChainError> {
        self.allowlist().owner_commitment(at).await
    }

    /// Computes the epoch's report for `boundary` (SPEC §5.4 / §5.9), fallbacks applied.
    pub async fn compute(&self, boundary: i64) -> Result<AuditReport, EpochError> {
        let netuid = self.config.netuid;
        let at_b = At::Number(to_u32(boundary));
        let classified =
            AllowlistCommitment::classify(self.owner_commitment(at_b).await?.as_deref());
        let rules = if classified.is_v2_rules() {
            Rules::V2
        } else {
            Rules::V1
        };
        // v1 reads "latest" state at the best head; v2 reads everything at B.
        let at = if rules == Rules::V2 { at_b } else { At::Best };
        let commitment = match rules {
            Rules::V2 => self.owner_commitment(at_b).await?,
            Rules::V1 => self.owner_commitment(At::Best).await?,
        };
        let params = self
            .chain
            .weight_params(netuid, &self.hotkey, At::Best)
            .await?;
        let miners = self.miner_table(at, rules).await?;
        let mut req = AuditRequest {
            allowlist: Vec::new(),
            commitment: commitment.clone(),
            epoch_block: boundary,
            miners: Some(miners),
            rules: Some(rules),
            v1: self.config.v1.clone(),
            min_allowed_weights: params.min_allowed_weights,
            concurrency: self.config.concurrency,
            retry: self.config.read_retry,
        };
        if rules == Rules::V1 && self.registry.is_empty() {
            let mut r = audit::no_allowlist(&req, rules, "not read");
            r.allowlist.error = None;
            r.burn_reason = Some("PEER_VALIDATORS is empty".into());
            tracing::warn!(epoch = boundary, "burn: PEER_VALIDATORS is empty");
            return Ok(r);
        }
        match self.allowlist().fetch(&classified, rules).await {
            Ok(bytes) => req.allowlist = bytes,
            Err(reason) => {
                let r = audit::no_allowlist(&req, rules, &reason);
                return Ok(self.fallback(r, &req, boundary));
            }
        }
        let report = match &self.peers {
            Some(peers) => audit::run(&req, peers.as_ref()).await?,
            None => {
                let source = S3Peers {
                    registry: self.registry.clone(),
                    allow_http: self.config.allow_http,
                };
                audit::run(&req, &source).await?
            }
        };
        let report = if report.allowlist.error.is_some() {
            self.fallback(report, &req, boundary)
        } else {
            report
        };
        if let Some(reason) = &report.burn_reason {
            tracing::warn!(epoch = boundary, %reason, "epoch burns");
        }
        for r in &report.rejected_files {
            tracing::warn!(epoch = boundary, path = %r.path, reason = %r.reason, "verdict input refused");
        }
        Ok(report)
    }

    /// SPEC §5.4 step 2: without an allowlist, the last winner (uid > 0) keeps its weight.
    fn fallback(&self, mut report: AuditReport, req: &AuditRequest, boundary: i64) -> AuditReport {
        match self
            .state
            .last_winner()
            .filter(|w| w.uid > 0 && !w.hotkey.is_empty())
        {
            Some(w) => {
                let n = req.miners.as_ref().map_or(1, MinerTable::subnet_n);
                let v = leoma_scoring::weights::winner_take_all(
                    Some(w.uid),
                    req.min_allowed_weights,
                    n,
                );
                report.weights.uids = v.uids;
                report.weights.values = v.values;
                let reason = format!(
                    "no usable allowlist: weights go to the last winner {} (uid {})",
                    w.hotkey, w.uid
                );
                tracing::warn!(epoch = boundary, "{reason}");
                report.notes.push(reason);
                report.burn_reason = None;
            }
            None => {
                tracing::warn!(
                    epoch = boundary,
                    "no usable allowlist and no last winner: burn"
                );
            }
        }
        report
    }

    /// Uids from the metagraph and seniority blocks from revealed commitments at `at`. Under v1
    /// a blacklisted hotkey (cached blacklist) has no seniority block (SPEC §5.4 step 5); v2
    /// never consults the blacklist (§5.8).
    async fn miner_table(&self, at: At, rules: Rules) -> Result<MinerTable, ChainError> {
        let netuid = self.config.netuid;
        let metagraph = self.chain.metagraph(netuid, at).await?;
        let revealed = self.chain.revealed_commitments(netuid, at).await?;
        let blacklist = match rules {
            Rules::V1 => self.state.cached_blacklist(),
            Rules::V2 => Default::default(),
        };
        let mut table = MinerTable::default();
        let block_of = |h: &Hotkey| {
            if blacklist.contains(h.as_str()) {
                return None;
            }
            revealed
                .get(h)
                .and_then(|r| r.as_ref().ok())
                .and_then(|hist| hist.last())
                .and_then(|c| i64::try_from(c.reveal_block).ok())
        };
        for n in &metagraph.neurons {
            table.by_hotkey.insert(
                n.hotkey.as_str().to_owned(),
                MinerOnChain {
                    uid: n.uid,
                    block: block_of(&n.hotkey),
                },
            );
        }
        for h in revealed.keys() {
            if !table.by_hotkey.contains_key(h.as_str())
                && let Some(b) = block_of(h)
            {
                table.unregistered_blocks.insert(h.as_str().to_owned(), b);
            }
        }
        Ok(table)
    }

    /// Polls until `cancel` fires, processing each new boundary once; `observe` sees every
    /// processed epoch and every failed attempt (metrics, devnet progress).
    pub async fn run_loop(&self, cancel: &CancellationToken, observe: &EpochObserver) {
        loop {
            let tick = tokio::select! {
                t = self.tick() => t,
                _ = cancel.cancelled() => return,
            };
            match &tick {
                Ok(Some(o)) => {
                    tracing::info!(
                        epoch = o.epoch_block,
                        uids = ?o.report.weights.uids,
                        "epoch processed"
                    );
                    observe(Ok(o));
                }
                Ok(None) => {}
                Err(e) => {
                    tracing::error!(error = %e, "epoch attempt failed; retrying at the next poll");
                    observe(Err(e));
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(self.config.poll_interval) => {}
                _ = cancel.cancelled() => return,
            }
        }
    }

    /// Runs [`Self::run_loop`] on a thread of its own with a single-threaded runtime, so a
    /// supervisor can run it beside the other loops (the epoch's future borrows across awaits
    /// in ways the compiler cannot prove `Send`, so it cannot go to `tokio::spawn`).
    pub fn spawn_on_thread(
        self,
        cancel: CancellationToken,
        observe: Arc<EpochObserver>,
    ) -> std::io::Result<std::thread::JoinHandle<()>> {
        std::thread::Builder::new()
            .name("weight-epoch".into())
            .spawn(move || {
                match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt.block_on(self.run_loop(&cancel, observe.as_ref())),
                    Err(e) => tracing::error!(error = %e, "cannot start the weight-epoch runtime"),
                }
            })
    }
}
