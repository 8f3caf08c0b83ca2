//! Row types of the owner-api tables, as the store hands them out.

/// A `valid_miners` row.
#[derive(Debug, Clone, PartialEq)]
pub struct MinerRow {
    /// Metagraph uid.
    pub uid: i64,
    /// Miner hotkey.
    pub miner_hotkey: String,
    /// Commitment block.
    pub block: Option<i64>,
    /// Committed repo.
    pub model_name: Option<String>,
    /// Committed revision.
    pub model_revision: Option<String>,
    /// Weight hash.
    pub model_hash: Option<String>,
    /// Chute id.
    pub chute_id: Option<String>,
    /// Chute slug.
    pub chute_slug: Option<String>,
    /// Consensus validity.
    pub is_valid: bool,
    /// Consensus reason.
    pub invalid_reason: Option<String>,
    /// Last consensus write.
    pub last_validated_at: Option<String>,
}

/// A `validator_samples` row.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleRow {
    /// Row id.
    pub id: i64,
    /// Producer.
    pub validator_hotkey: String,
    /// Task id.
    pub task_id: i64,
    /// Miner.
    pub miner_hotkey: String,
    /// Description.
    pub prompt: Option<String>,
    /// Producer's bucket.
    pub s3_bucket: String,
    /// Task prefix.
    pub s3_prefix: String,
    /// Verdict.
    pub passed: bool,
    /// Judge confidence.
    pub confidence: Option<i64>,
    /// Reasoning.
    pub reasoning: Option<String>,
    /// Miner latency.
    pub latency_ms: Option<i64>,
    /// Original-clip artifacts.
    pub original_artifacts: Option<String>,
    /// Generated-video artifacts (aspect scores).
    pub generated_artifacts: Option<String>,
    /// Presentation order.
    pub presentation_order: Option<String>,
    /// Upsert time.
    pub evaluated_at: Option<String>,
    /// v2 status.
    pub status: Option<String>,
    /// v2 reason.
    pub reason: Option<String>,
}

impl SampleRow {
    /// Rust rule (§9.6): `not_evaluated` samples count in no dashboard statistic.
    pub fn counts(&self) -> bool {
        self.status.as_deref() != Some("not_evaluated")
    }
}

/// Which samples to read, and in which order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SampleFilter {
    /// Every sample, newest `evaluated_at` first (nulls last).
    Recent,
    /// One validator's samples, newest first.
    Validator(String),
    /// One miner's samples, newest first.
    Miner(String),
    /// One task's samples by (miner, evaluated_at) ascending.
    Task(i64),
    /// One validator's rows of one task, by miner ascending.
    TaskValidator(i64, String),
    /// One task/miner pair's rows by evaluated_at ascending.
    TaskMiner(i64, String),
}

/// A `rank_scores` row.
#[derive(Debug, Clone, PartialEq)]
pub struct RankScoreRow {
    /// Miner.
    pub miner_hotkey: String,
    /// Validator.
    pub validator_hotkey: String,
    /// Score (= pass rate).
    pub score: f64,
    /// Samples.
    pub total_samples: i64,
    /// Passed.
    pub total_passed: i64,
    /// Pass rate.
    pub pass_rate: f64,
    /// Last update.
    pub updated_at: Option<String>,
}

/// A `validators` row.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidatorRow {
    /// uid.
    pub uid: i64,
    /// Hotkey.
    pub hotkey: String,
    /// Informational stake.
    pub stake: f64,
    /// Last authenticated request.
    pub last_seen_at: Option<String>,
}

/// A `miner_ranks` row.
#[derive(Debug, Clone, PartialEq)]
pub struct MinerRankRow {
    /// Miner.
    pub miner_hotkey: String,
    /// 1 = winner.
    pub rank: i64,
    /// Passed verdicts in the window.
    pub passed_count: i64,
    /// Average rate.
    pub pass_rate: f64,
    /// Commitment block.
    pub block: Option<i64>,
}

/// A `miner_task_ranks` row.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskRankRow {
    /// Miner.
    pub miner_hotkey: String,
    /// Passed verdicts.
    pub task_passed_count: i64,
    /// Verdicts.
    pub tasks_evaluated: i64,
    /// Window completeness.
    pub completeness: f64,
    /// Rank, if ranked.
    pub rank: Option<i64>,
}
