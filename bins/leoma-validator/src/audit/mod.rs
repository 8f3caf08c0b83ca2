//! The epoch procedure, shared by the offline audit (`leoma-validator score`) and the live weight
//! epoch (`leoma-validator weights`).
//!
//! Everything a validator needs to set its weights for an epoch is public: the allowlist file,
//! the epoch's boundary block, the miners' uids and seniority blocks on chain, and the verdict
//! files in the validators' buckets. This module computes the window, the aggregates, the
//! ranking, the winner and the weight vector from those inputs. Peer buckets are reached through
//! a [`PeerSource`]: a directory mirroring the buckets ([`MirrorPeers`], for `score`) or the real
//! S3/R2 buckets (for `weights`), so both run the same code.
//!
//! Peer files are untrusted: a file that is unreadable, malformed, oversized or badly signed is
//! recorded as a [`report::Rejection`] and treated exactly as SPEC §5.1 / §5.6 say; nothing in
//! the inputs can make the audit panic.

mod discovery;
mod fetch;
mod miners;
mod mirror;
pub mod report;
mod v1;
mod v2;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use leoma_api_types::allowlist::AllowlistV2;
use leoma_storage::BucketReader;

pub use fetch::RetryPolicy;
pub use miners::{MinerOnChain, MinerTable, MinersFileError};
pub use mirror::MirrorPeers;
pub use report::AuditReport;

use sha2::{Digest, Sha256};

/// Which consensus rules to apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Rules {
    /// The reference protocol, reproduced exactly (SPEC D2).
    V1,
    /// The hardened protocol (SPEC D3).
    V2,
}

/// Consensus parameters that v1 takes from configuration (v2 takes them from the allowlist).
#[derive(Debug, Clone, PartialEq)]
pub struct V1Config {
    /// `SCORER_TASK_WINDOW`.
    pub window_size: i64,
    /// `SCORER_SETTLE_MARGIN`.
    pub settle_margin: i64,
    /// `SCORER_MAX_LOOKBACK_BLOCKS` (0 disables the floor).
    pub max_lookback_blocks: i64,
    /// `WINDOW_DISCOVERY_MAX_TASKS`.
    pub discovery_max_tasks: usize,
    /// `SCORER_COMPLETENESS_THRESHOLD`.
    pub completeness_threshold: f64,
    /// `SCORER_MIN_DISTINCT_VALIDATORS_RATIO`.
    pub min_distinct_ratio: f64,
    /// `DOMINANCE_THRESHOLD`.
    pub dominance_threshold: f64,
}

impl Default for V1Config {
    /// The reference defaults (SPEC §1.5, §10.2).
    fn default() -> Self {
        Self {
            window_size: 100,
            settle_margin: 2,
            max_lookback_blocks: 30_000,
            discovery_max_tasks: 500,
            completeness_threshold: 0.8,
            min_distinct_ratio: 0.5,
            dominance_threshold: 0.05,
        }
    }
}

/// The peers' buckets an epoch can read, by validator hotkey.
#[derive(Debug, Clone, Default)]
pub struct PeerReaders {
    /// Readable buckets.
    pub readers: BTreeMap<String, Arc<dyn BucketReader>>,
    /// Validators whose bucket cannot be read, with the reason.
    pub unreadable: BTreeMap<String, String>,
}

/// Where the epoch finds each validator's bucket, once the allowlist is known.
pub trait PeerSource: Send + Sync {
    /// v1: buckets of the allowlisted `validators` that have a registry entry (SPEC §4.3).
    fn v1_peers(&self, validators: &[String]) -> PeerReaders;
    /// v2: buckets named by the allowlist, with the registry's read credentials (SPEC §3.4).
    fn v2_peers(&self, allowlist: &AllowlistV2) -> PeerReaders;
}

/// Everything one epoch computation needs besides the buckets.
#[derive(Debug, Clone)]
pub struct AuditRequest {
    /// The allowlist file's bytes.
    pub allowlist: Vec<u8>,
    /// The owner's on-chain commitment string, when the caller wants the digest checked.
    pub commitment: Option<String>,
    /// The epoch's boundary block.
    pub epoch_block: i64,
    /// Uids and seniority blocks, when known.
    pub miners: Option<MinerTable>,
    /// Forced rules (default: as the allowlist version says).
    pub rules: Option<Rules>,
    /// v1 consensus parameters.
    pub v1: V1Config,
    /// `MinAllowedWeights` of the subnet (pads the weight vector with zeros, SPEC §2.5 step 3).
    pub min_allowed_weights: u16,
    /// Bucket reads in flight at once (`AGGREGATION_READ_CONCURRENCY`).
    pub concurrency: usize,
    /// Retries of transient bucket failures.
    pub retry: RetryPolicy,
}

/// Why the audit could not run at all (as opposed to an epoch that burns).
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// The mirror directory cannot be read.
    #[error("cannot read bucket mirror {path}: {source}")]
    Mirror {
        /// The directory.
        path: PathBuf,
        /// The file-system error.
        source: std::io::Error,
    },
    /// The inputs contradict each other (for example a block that is not an epoch boundary).
    #[error("{0}")]
    Inconsistent(String),
}

impl AuditError {
    /// The process exit code for this error (documented in `docs/score-audit.md`).
    pub fn exit_code(&self) -> u8 {
        match self {
            AuditError::Inconsistent(_) => 2,
            AuditError::Mirror { .. } => 3,
        }
    }
}

/// Runs the audit over a bucket-mirror directory (`leoma-validator score`).
pub async fn run_mirror(
    dir: &std::path::Path,
    req: &AuditRequest,
) -> Result<AuditReport, AuditError> {
    let mirror = MirrorPeers::open(dir).map_err(|source| AuditError::Mirror {
        path: dir.to_path_buf(),
        source,
    })?;
    run(req, &mirror).await
}

/// Runs the epoch procedure with the rules in force over the buckets `source` gives.
pub async fn run(req: &AuditRequest, source: &dyn PeerSource) -> Result<AuditReport, AuditError> {
    let rules = req.rules.unwrap_or_else(|| detect_rules(&req.allowlist));
    match rules {
        Rules::V1 => Ok(v1::run(req, source).await),
        Rules::V2 => v2::run(req, source).await,
    }
}

/// The report of an epoch whose allowlist could not be read at all (no commitment, no file):
/// the caller applies the last-winner fallback (SPEC §5.4 step 2).
pub fn no_allowlist(req: &AuditRequest, rules: Rules, reason: &str) -> AuditReport {
    let summary = report::AllowlistSummary {
        version: None,
        error: Some(reason.to_owned()),
        commitment_checked: req.commitment.is_some(),
        ..report::AllowlistSummary::default()
    };
    let name = match rules {
        Rules::V1 => "v1",
        Rules::V2 => "v2",
    };
    burned(
        name,
        req,
        summary,
        format!("allowlist unusable ({reason}); falls back to the last winner, else burns"),
    )
}

/// v2 when the file says `"version": 2` at its top level, else v1 (the reference reader ignores
/// the version field, so anything that is not clearly v2 is read as v1).
pub fn detect_rules(allowlist: &[u8]) -> Rules {
    let is_v2 = leoma_api_types::json::parse_py(allowlist)
        .ok()
        .and_then(|v| {
            v.as_object()
                .and_then(|o| o.get("version"))
                .and_then(|v| v.as_i64())
        })
        == Some(2);
    if is_v2 { Rules::V2 } else { Rules::V1 }
}

fn sha256hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The weight vector for a winner uid (`None` burns to uid 0).
fn weights_for(uid: Option<u16>, req: &AuditRequest) -> report::WeightsSummary {
    let n = req.miners.as_ref().map_or(1, MinerTable::subnet_n);
    let w = leoma_scoring::weights::winner_take_all(uid, req.min_allowed_weights, n);
    report::WeightsSummary {
        uids: w.uids,
        values: w.values,
    }
}

/// A report for an epoch that burns before any scoring happened.
fn burned(
    rules: &'static str,
    req: &AuditRequest,
    allowlist: report::AllowlistSummary,
    reason: String,
) -> AuditReport {
    AuditReport {
        rules,
        epoch_block: req.epoch_block,
        allowlist,
        window: report::WindowSummary::default(),
        active_validators: Vec::new(),
        min_distinct_validators: 0,
        miners: Vec::new(),
        ranks: Vec::new(),
        winner: None,
        weights: weights_for(None, req),
        burn_reason: Some(reason),
        rejected_files: Vec::new(),
        notes: Vec::new(),
    }
}

/// Rank entries, the winner with its uid, the uid to weight (`None` burns) and why the epoch
/// burns, from a ranking: shared by both rule sets so their outcomes are reported identically.
fn settle(
    ranking: &leoma_scoring::Ranking,
    uid_of: impl Fn(&str) -> Option<u16>,
) -> (
    Vec<report::RankSummary>,
    Option<report::WinnerSummary>,
    Option<u16>,
    Option<String>,
) {
    let ranks = ranking
        .entries
        .iter()
        .map(|e| report::RankSummary {
            miner_hotkey: e.miner_hotkey.clone(),
            rank: e.rank,
            passed_count: e.passed_count,
            pass_rate: e.pass_rate,
            block: e.block,
        })
        .collect();
    let winner = ranking.winner.as_ref().map(|h| report::WinnerSummary {
        hotkey: h.clone(),
        uid: uid_of(h),
    });
    let (uid, burn_reason) = match &winner {
        None => (None, Some("no eligible miner".to_owned())),
        // uid 0 is the burn uid itself.
        Some(report::WinnerSummary { uid: Some(0), .. }) => (None, None),
        Some(report::WinnerSummary { uid: Some(u), .. }) => (Some(*u), None),
        Some(report::WinnerSummary { hotkey, uid: None }) => (
            None,
            Some(format!(
                "winner {hotkey} holds no uid (deregistered or unknown)"
            )),
        ),
    };
    (ranks, winner, uid, burn_reason)
}
