//! Scores, ranks and weights responses (SPEC §9.5).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// `GET /scores`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoresResponse {
    /// Per miner.
    pub scores: BTreeMap<String, MinerScoreSummary>,
    /// Distinct validators in `rank_scores`.
    pub total_validators: u64,
    /// Max `updated_at`, or now.
    pub updated_at: String,
}

/// `ScoresResponse.scores` value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MinerScoreSummary {
    /// Mean of per-validator scores.
    pub avg_score: f64,
    /// Σ samples.
    pub total_samples: i64,
    /// Σ passed.
    pub total_passed: i64,
    /// Σpassed / Σsamples.
    pub pass_rate: f64,
    /// Validators with a score.
    pub validator_count: i64,
}

/// `GET /scores/validators` element.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidatorScoreSummary {
    /// Validator.
    pub validator_hotkey: String,
    /// Σ samples.
    pub total_samples: i64,
    /// Σ passed.
    pub total_passed: i64,
    /// Mean score.
    pub avg_score: f64,
    /// Pooled pass rate.
    pub pass_rate: f64,
    /// Latest update.
    pub last_updated: Option<String>,
}

/// `GET /scores/miner/{hk}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MinerScoresResponse {
    /// Miner.
    pub miner_hotkey: String,
    /// One row per validator.
    pub by_validator: Vec<MinerValidatorScore>,
    /// Totals.
    pub aggregated: AggregatedScore,
}

/// `MinerScoresResponse.by_validator` element.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MinerValidatorScore {
    /// Validator.
    pub validator_hotkey: String,
    /// Score.
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

/// `MinerScoresResponse.aggregated`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AggregatedScore {
    /// Σ samples.
    pub total_samples: i64,
    /// Σ passed.
    pub total_passed: i64,
    /// Mean of scores.
    pub avg_score: f64,
    /// Pooled pass rate.
    pub pass_rate: f64,
    /// Validators.
    pub validator_count: i64,
}

/// `GET /scores/validator/{hk}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidatorScoresResponse {
    /// Validator.
    pub validator_hotkey: String,
    /// One row per miner.
    pub scores: Vec<ValidatorMinerScore>,
    /// Number of rows.
    pub total_miners: u64,
}

/// `ValidatorScoresResponse.scores` element.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidatorMinerScore {
    /// Miner.
    pub miner_hotkey: String,
    /// Score.
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

/// `GET /scores/rank`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RankResponse {
    /// Ordered by rank.
    pub ranks: Vec<RankEntry>,
}

/// `RankResponse.ranks` element.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RankEntry {
    /// Miner.
    pub miner_hotkey: String,
    /// Metagraph uid, if known.
    pub uid: Option<i64>,
    /// 1 = winner.
    pub rank: i64,
    /// Passed verdicts in the window.
    pub passed_count: i64,
    /// Average rate.
    pub pass_rate: f64,
    /// Commitment block.
    pub block: Option<i64>,
    /// Completeness passes the threshold.
    pub eligible: bool,
}

/// `GET /scores/stats`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreStatsResponse {
    /// Distinct validators.
    pub total_validators: u64,
    /// Distinct miners in `rank_scores`.
    pub total_miners: u64,
    /// Rows of `validator_samples`.
    pub total_samples: u64,
    /// Rows of `rank_scores`.
    pub total_score_entries: u64,
    /// Pooled pass rate.
    pub overall_pass_rate: f64,
}

/// `GET /weights`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeightsResponse {
    /// uid of the valid rank-1 miner, else 0.
    pub winner_uid: i64,
    /// One row per ranked miner.
    pub miners: Vec<WeightEntry>,
}

/// `WeightsResponse.miners` element.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeightEntry {
    /// Miner.
    pub miner_hotkey: String,
    /// uid, 0 if unknown.
    pub uid: i64,
    /// Pass rate.
    pub pass_rate: f64,
    /// 1.0 for the winner row.
    pub weight: f64,
}
