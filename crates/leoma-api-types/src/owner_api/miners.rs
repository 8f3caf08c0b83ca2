//! Health, miners, samples and tasks responses (SPEC §9.5, §9.8).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// `GET /health`'s `status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HealthStatus {
    /// Database reachable.
    Healthy,
    /// Database unreachable.
    Degraded,
}

/// `GET /health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthResponse {
    /// `healthy` or `degraded`.
    pub status: HealthStatus,
    /// Crate version.
    pub version: String,
    /// `SELECT 1` succeeded.
    pub database: bool,
    /// The miner-consensus task has completed a tally.
    pub metagraph_synced: bool,
    /// When it last did.
    pub last_sync: Option<String>,
}

/// A row of `valid_miners` (`GET /miners/...`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MinerResponse {
    /// Metagraph uid.
    pub uid: i64,
    /// Miner hotkey.
    pub hotkey: String,
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
    /// Consensus invalid reason.
    pub invalid_reason: Option<String>,
    /// Commitment reveal block.
    pub block: Option<i64>,
    /// Last consensus update.
    pub last_validated_at: Option<String>,
}

/// `GET /miners/list`, `/miners/valid`, `/miners/all`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MinerListResponse {
    /// Rows ordered by uid.
    pub miners: Vec<MinerResponse>,
    /// Number of rows in the table.
    pub total: u64,
    /// Number of valid rows.
    pub valid_count: u64,
}

/// `POST /miners/report` response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportResponse {
    /// Entries stored.
    pub reported: u64,
}

/// `GET /miners/active` element (§9.8).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActiveMinerEntry {
    /// Metagraph uid.
    pub uid: i64,
    /// Miner hotkey.
    pub hotkey: String,
    /// Committed repo.
    pub model_name: Option<String>,
    /// Committed revision.
    pub model_revision: Option<String>,
    /// Chute slug.
    pub chute_slug: Option<String>,
    /// Commitment block.
    pub block: Option<i64>,
    /// Always true.
    pub active: bool,
    /// Completeness passes the threshold.
    pub eligible: bool,
    /// Rank from `miner_ranks`.
    pub rank: Option<i64>,
    /// 1.0 for the rank-1 hotkey, else 0.0.
    pub weight: f64,
    /// Pass rate used for display.
    pub score: f64,
    /// Passed rows.
    pub tasks_passed: i64,
    /// Distinct task ids.
    pub tasks_evaluated: i64,
    /// Distinct validators.
    pub validators_evaluating: i64,
    /// Latest evaluation time.
    pub last_evaluated_at: Option<String>,
    /// Mean latency, truncated.
    pub avg_latency_ms: Option<i64>,
    /// Per-validator rates, ascending.
    pub validator_scores: Vec<f64>,
}

/// `GET /miners/{hk}/tasks` and `GET /tasks?miner_hotkey=` element (§9.8).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MinerTaskEntry {
    /// Task id.
    pub task_id: i64,
    /// Representative verdict.
    pub passed: bool,
    /// Representative validator.
    pub validator_hotkey: Option<String>,
    /// From the representative's artifacts.
    pub overall_score: Option<i64>,
    /// First non-null latency in the group.
    pub latency_ms: Option<i64>,
    /// Representative's evaluation time.
    pub updated: Option<String>,
}

/// A stored sample (`SampleResponse`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SampleResponse {
    /// Row id.
    pub id: i64,
    /// Task id.
    pub task_id: i64,
    /// Producer.
    pub validator_hotkey: String,
    /// Miner.
    pub miner_hotkey: String,
    /// Description.
    pub prompt: Option<String>,
    /// Verdict.
    pub passed: bool,
    /// Judge confidence.
    pub confidence: Option<i64>,
    /// Reasoning.
    pub reasoning: Option<String>,
    /// Upsert time.
    pub evaluated_at: Option<String>,
    /// Miner latency.
    pub latency_ms: Option<i64>,
}

/// `GET /tasks/{task_id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskDetail {
    /// Task id.
    pub task_id: i64,
    /// First sample's prompt.
    pub description: Option<String>,
    /// `"<id>"`.
    pub s3_prefix: String,
    /// `"<id>/first_frame.png"`.
    pub first_frame_path: String,
    /// `"<id>/original_clip.mp4"`.
    pub original_clip_path: String,
    /// Presigned URL, when the sampler's bucket is readable.
    pub first_frame_url: Option<String>,
    /// Presigned URL, when the sampler's bucket is readable.
    pub original_clip_url: Option<String>,
    /// Number of `miners` entries.
    pub miner_count: u64,
    /// First sample's validator.
    pub sampler_hotkey: String,
    /// Per-miner summary.
    pub miners: Vec<TaskDetailMinerEntry>,
}

/// `TaskDetail.miners` element.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskDetailMinerEntry {
    /// Miner.
    pub miner_hotkey: String,
    /// Representative verdict.
    pub passed: bool,
    /// First non-null latency.
    pub latency_ms: Option<i64>,
    /// Representative's evaluation time.
    pub updated: Option<String>,
}

/// `GET /tasks/{task_id}/miner/{miner_hotkey}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskMinerDetail {
    /// Task id.
    pub task_id: i64,
    /// Miner.
    pub miner_hotkey: String,
    /// Description.
    pub description: Option<String>,
    /// `"<id>"`.
    pub s3_prefix: String,
    /// `"<id>/first_frame.png"`.
    pub first_frame_path: String,
    /// `"<id>/original_clip.mp4"`.
    pub original_clip_path: String,
    /// `"<id>/generated_videos/<safe(hk)>.mp4"`.
    pub generated_video_path: String,
    /// Presigned URL or null.
    pub first_frame_url: Option<String>,
    /// Presigned URL or null.
    pub original_clip_url: Option<String>,
    /// Presigned URL or null.
    pub generated_video_url: Option<String>,
    /// One element per evaluating validator.
    pub validators: Vec<TaskValidatorEvaluation>,
    /// The representative's verdict.
    pub final_passed: bool,
    /// First non-null latency.
    pub latency_ms: Option<i64>,
}

/// `TaskMinerDetail.validators` element.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskValidatorEvaluation {
    /// Producer.
    pub validator_hotkey: String,
    /// Verdict.
    pub passed: bool,
    /// Evaluation time.
    pub evaluated_at: Option<String>,
    /// Judge confidence.
    pub confidence: Option<i64>,
    /// Reasoning.
    pub reasoning: Option<String>,
    /// Parsed from `generated_artifacts`.
    pub aspect_scores: Option<BTreeMap<String, i64>>,
    /// Parsed from `generated_artifacts`.
    pub overall_score: Option<i64>,
}
