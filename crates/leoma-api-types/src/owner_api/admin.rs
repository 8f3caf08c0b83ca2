//! Rotation, validators, overview and blacklist bodies (SPEC §9.5, §9.8), with the admin
//! request checks.

use serde::{Deserialize, Serialize};

use super::detail;
use super::errors::{BodyRejection, ValidationIssue};
use crate::Hotkey;

/// `POST /rotation/interval` body (and response).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RotationIntervalRequest {
    /// Interval in blocks, > 0.
    pub interval: i64,
}

impl RotationIntervalRequest {
    /// `interval > 0` (422 otherwise).
    pub fn validate(&self) -> Result<(), BodyRejection> {
        match ValidationIssue::not_above(&["body"], None, "interval", self.interval as f64, 0.0) {
            Some(issue) => Err(BodyRejection::Unprocessable(vec![issue])),
            None => Ok(()),
        }
    }
}

/// `POST /rotation/interval` response.
pub type RotationIntervalResponse = RotationIntervalRequest;

/// `GET /validators` element (§9.8).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidatorCard {
    /// uid, −1 for an unregistered hotkey's detail page.
    pub uid: i64,
    /// Validator hotkey.
    pub hotkey: String,
    /// Informational stake.
    pub stake: f64,
    /// True for registered validators.
    pub permissioned: bool,
    /// Seen within 15 minutes.
    pub online: bool,
    /// Highest task id sampled in the window.
    pub last_sampled_task_id: Option<i64>,
    /// Latest evaluation time.
    pub last_sampled_at: Option<String>,
    /// Distinct tasks sampled.
    pub tasks_sampled: i64,
    /// Turns it should have had.
    pub expected_turns: i64,
    /// `min(1, sampled / expected)` and the §9.8 edge cases.
    pub participation_rate: f64,
    /// Row count.
    pub evaluations: i64,
    /// Mean latency, truncated.
    pub avg_latency_ms: Option<i64>,
}

/// `GET /validators/{hk}`: the card plus lifetime miner scores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidatorDetailResponse {
    /// The card fields, flattened.
    #[serde(flatten)]
    pub card: ValidatorCard,
    /// From `rank_scores`.
    pub miner_scores: Vec<ValidatorMinerPassRate>,
}

/// `ValidatorDetailResponse.miner_scores` element.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidatorMinerPassRate {
    /// Miner.
    pub miner_hotkey: String,
    /// Pass rate.
    pub pass_rate: f64,
    /// Samples.
    pub total_samples: i64,
    /// Passed.
    pub total_passed: i64,
}

/// `POST /validators` body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AddValidatorRequest {
    /// 1–48 characters, SS58.
    pub hotkey: String,
    /// ≥ 0; absent → metagraph lookup.
    #[serde(default)]
    pub uid: Option<i64>,
    /// ≥ 0.
    #[serde(default)]
    pub stake: Option<f64>,
}

impl AddValidatorRequest {
    /// Schema limits (422), then the SS58 check (400 `Invalid SS58 address format`).
    pub fn validate(&self) -> Result<Hotkey, BodyRejection> {
        let p = &["body"];
        let issues: Vec<ValidationIssue> = [
            ValidationIssue::too_short(p, None, "hotkey", &self.hotkey, 1),
            ValidationIssue::too_long(p, None, "hotkey", &self.hotkey, 48),
            self.uid
                .and_then(|u| ValidationIssue::below(p, None, "uid", u as f64, 0.0)),
            self.stake
                .and_then(|s| ValidationIssue::below(p, None, "stake", s, 0.0)),
        ]
        .into_iter()
        .flatten()
        .collect();
        if !issues.is_empty() {
            return Err(BodyRejection::Unprocessable(issues));
        }
        Hotkey::parse(&self.hotkey).map_err(|_| BodyRejection::BadRequest(detail::INVALID_SS58))
    }
}

/// `POST /validators` response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AddValidatorResponse {
    /// Always true.
    pub success: bool,
    /// Stored uid.
    pub uid: i64,
    /// Stored hotkey.
    pub hotkey: String,
    /// Stored stake.
    pub stake: f64,
    /// Admin who added it.
    pub added_by: String,
}

/// `DELETE /validators/{hk}` and `DELETE /blacklist/{hk}` response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemovedResponse {
    /// Always true.
    pub success: bool,
    /// `Removed validator 5Abcdefg... from allowlist` / `Removed miner 5Abcdefg... from blacklist`.
    pub message: String,
    /// Admin who removed it.
    pub removed_by: String,
}

fn first_8(hotkey: &str) -> String {
    hotkey.chars().take(8).collect()
}

impl RemovedResponse {
    /// The response to removing a validator.
    pub fn validator(hotkey: &str, admin: &str) -> Self {
        RemovedResponse {
            success: true,
            message: format!("Removed validator {}... from allowlist", first_8(hotkey)),
            removed_by: admin.to_owned(),
        }
    }

    /// The response to removing a blacklist entry.
    pub fn blacklisted_miner(hotkey: &str, admin: &str) -> Self {
        RemovedResponse {
            success: true,
            message: format!("Removed miner {}... from blacklist", first_8(hotkey)),
            removed_by: admin.to_owned(),
        }
    }
}

/// `GET /overview` (§9.8).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverviewResponse {
    /// Valid rows with a hot chute.
    pub active_miners: i64,
    /// Valid rows.
    pub valid_miners: i64,
    /// All rows.
    pub total_miners: i64,
    /// Rows in `validators`.
    pub total_validators: i64,
    /// Same as `total_validators`.
    pub permissioned_validators: i64,
    /// Dashboard rotation interval.
    pub rotation_interval: i64,
    /// Validator of the last produced task.
    pub current_sampler: Option<String>,
    /// Highest task id with samples.
    pub latest_task_id: Option<i64>,
    /// First id of the dashboard window.
    pub window_start: Option<i64>,
    /// Last id of the dashboard window.
    pub window_end: Option<i64>,
}

/// `GET /blacklist` element and `GET /blacklist/{hk}`, `POST /blacklist` response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlacklistEntry {
    /// Miner hotkey.
    pub hotkey: String,
    /// Why.
    pub reason: Option<String>,
    /// Admin who added it.
    pub added_by: Option<String>,
    /// When.
    pub created_at: Option<String>,
}

/// `POST /blacklist` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlacklistAddRequest {
    /// SS58, ≤ 48 characters.
    pub hotkey: String,
    /// ≤ 255 characters.
    #[serde(default)]
    pub reason: Option<String>,
}

impl BlacklistAddRequest {
    /// Schema limits (422), then the SS58 check (400).
    pub fn validate(&self) -> Result<Hotkey, BodyRejection> {
        let p = &["body"];
        let issues: Vec<ValidationIssue> = [
            ValidationIssue::too_long(p, None, "hotkey", &self.hotkey, 48),
            self.reason
                .as_deref()
                .and_then(|r| ValidationIssue::too_long(p, None, "reason", r, 255)),
        ]
        .into_iter()
        .flatten()
        .collect();
        if !issues.is_empty() {
            return Err(BodyRejection::Unprocessable(issues));
        }
        Hotkey::parse(&self.hotkey).map_err(|_| BodyRejection::BadRequest(detail::INVALID_SS58))
    }
}
