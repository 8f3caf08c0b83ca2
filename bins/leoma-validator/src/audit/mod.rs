//! Offline audit of one epoch (`leoma-validator score`).
//!
//! Everything a validator needs to set its weights for an epoch is public: the allowlist file,
//! the epoch's boundary block, the miners' uids and seniority blocks on chain, and the verdict
//! files in the validators' buckets. Given a directory mirroring those buckets, this module
//! recomputes the window, the aggregates, the ranking, the winner and the weight vector with the
//! same crates the live validator uses, so anyone can check any validator's weights.
//!
//! Peer files are untrusted: a file that is unreadable, malformed, oversized or badly signed is
//! recorded as a [`report::Rejection`] and treated exactly as SPEC §5.1 / §5.6 say; nothing in
//! the inputs can make the audit panic.

mod miners;
mod mirror;
mod parallel;
pub mod report;
mod v1;
mod v2;

use std::path::PathBuf;

pub use miners::{MinerOnChain, MinerTable, MinersFileError};
pub use mirror::{BucketMirror, MirrorError};
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

/// Everything one audit needs.
#[derive(Debug, Clone)]
pub struct AuditRequest {
    /// The bucket-mirror directory.
    pub dir: PathBuf,
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
    /// Worker threads for reading and checking files (at least 1).
    pub threads: usize,
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

/// Runs the audit.
pub fn run(req: &AuditRequest) -> Result<AuditReport, AuditError> {
    let mirror = BucketMirror::open(&req.dir).map_err(|source| AuditError::Mirror {
        path: req.dir.clone(),
        source,
    })?;
    let rules = req.rules.unwrap_or_else(|| detect_rules(&req.allowlist));
    match rules {
        Rules::V1 => Ok(v1::run(req, &mirror)),
        Rules::V2 => v2::run(req, &mirror),
    }
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
