//! The audit's output document (printed as JSON on stdout; documented in `docs/score-audit.md`).

use std::collections::BTreeMap;

use serde::Serialize;

/// One epoch's recomputed outcome.
#[derive(Debug, Clone, Serialize)]
pub struct AuditReport {
    /// `"v1"` or `"v2"`.
    pub rules: &'static str,
    /// The epoch's boundary block.
    pub epoch_block: i64,
    /// The allowlist the epoch ran on, or why it could not be used.
    pub allowlist: AllowlistSummary,
    /// The scoring window.
    pub window: WindowSummary,
    /// Distinct canonical producers of the window's tasks, sorted.
    pub active_validators: Vec<String>,
    /// How many distinct validators a miner needs to be eligible.
    pub min_distinct_validators: usize,
    /// Per-miner aggregates, sorted by hotkey.
    pub miners: Vec<MinerSummary>,
    /// Rank entries (rank 1 is the winner), in rank order.
    pub ranks: Vec<RankSummary>,
    /// The winner before the uid lookup, if any miner was eligible.
    pub winner: Option<WinnerSummary>,
    /// The weight vector a validator submits (uid 0 = burn).
    pub weights: WeightsSummary,
    /// Why the epoch burns, when it does.
    pub burn_reason: Option<String>,
    /// Files that were read and refused, with the reason (also logged on stderr).
    pub rejected_files: Vec<Rejection>,
    /// Facts an auditor should know about this run (skipped gates, fail-open acceptances, ...).
    pub notes: Vec<String>,
}

/// The allowlist in force.
#[derive(Debug, Clone, Serialize, Default)]
pub struct AllowlistSummary {
    /// 1 or 2 (absent when the file could not be read as either).
    pub version: Option<u8>,
    /// `sha256hex` of the file bytes.
    pub digest: String,
    /// Whether a `--commitment` string was checked against the digest.
    pub commitment_checked: bool,
    /// Rotation interval (blocks).
    pub interval: Option<i64>,
    /// Allowlisted validators, sorted.
    pub validators: Vec<String>,
    /// Why the allowlist was refused, if it was.
    pub error: Option<String>,
}

/// The window and how it was derived.
#[derive(Debug, Clone, Serialize, Default)]
pub struct WindowSummary {
    /// `epoch_block div interval`.
    pub epoch_task_id: Option<i64>,
    /// Window task ids, ascending.
    pub task_ids: Vec<i64>,
    /// Canonical producer of each window task (decimal task id -> validator).
    pub producers: BTreeMap<String, String>,
    /// Tasks discovered as produced (v1: distinct task ids across peers).
    pub produced_tasks_seen: usize,
}

/// One miner's aggregate.
#[derive(Debug, Clone, Serialize)]
pub struct MinerSummary {
    /// Miner hotkey as written in verdict files.
    pub hotkey: String,
    /// Uid from the miners file, if registered.
    pub uid: Option<u16>,
    /// Seniority block, if known.
    pub block: Option<i64>,
    /// Mean of per-validator pass rates (v1: the f64 the reference computes; v2: the exact
    /// rational's nearest f64).
    pub avg_rate: f64,
    /// v2 only: the exact score as `numerator/denominator`.
    pub exact_score: Option<String>,
    /// Passed verdicts in the window.
    pub passed: u64,
    /// Judged verdicts in the window.
    pub evaluated: u64,
    /// Share of the window's tasks that cover this miner.
    pub completeness: f64,
    /// Pass rate per producing validator.
    pub per_validator_rate: BTreeMap<String, f64>,
    /// Whether the miner passed every gate.
    pub eligible: bool,
}

/// One rank entry.
#[derive(Debug, Clone, Serialize)]
pub struct RankSummary {
    /// Miner hotkey.
    pub miner_hotkey: String,
    /// 1 for the winner.
    pub rank: u32,
    /// Passed verdicts.
    pub passed_count: u64,
    /// Pass rate used for dominance.
    pub pass_rate: f64,
    /// Seniority block.
    pub block: Option<i64>,
}

/// The epoch's winner.
#[derive(Debug, Clone, Serialize)]
pub struct WinnerSummary {
    /// Miner hotkey.
    pub hotkey: String,
    /// Its uid, if registered (none burns).
    pub uid: Option<u16>,
}

/// The submitted weight vector.
#[derive(Debug, Clone, Serialize, Default)]
pub struct WeightsSummary {
    /// Destination uids.
    pub uids: Vec<u16>,
    /// u16 weights, max-upscaled.
    pub values: Vec<u16>,
}

/// A refused input file.
#[derive(Debug, Clone, Serialize)]
pub struct Rejection {
    /// Path of the file in the mirror.
    pub path: String,
    /// Why it was refused.
    pub reason: String,
}
