//! Request and response bodies of the owner-api (SPEC §9.1, §9.5, §9.8), shape-exact: the same
//! field names, `null` for unknown optional values (`Option` fields always serialize), and the
//! exact error strings ([`detail`]).
//!
//! Timestamps are ISO-8601 strings with a UTC offset; the server formats them, clients accept `Z`
//! and `+00:00`. The request bodies that carry validation rules live beside their wire format:
//! [`crate::report`] and [`crate::samples`].

mod admin;
pub mod auth;
pub mod detail;
mod errors;
mod miners;
mod scores;

pub use admin::{
    AddValidatorRequest, AddValidatorResponse, BlacklistAddRequest, BlacklistEntry,
    OverviewResponse, RemovedResponse, RotationIntervalRequest, RotationIntervalResponse,
    ValidatorCard, ValidatorDetailResponse, ValidatorMinerPassRate,
};
pub use errors::{BodyRejection, ErrorBody, LocItem, ValidationErrorBody, ValidationIssue};
pub use miners::{
    ActiveMinerEntry, HealthResponse, HealthStatus, MinerListResponse, MinerResponse,
    MinerTaskEntry, ReportResponse, SampleResponse, TaskDetail, TaskDetailMinerEntry,
    TaskMinerDetail, TaskValidatorEvaluation,
};
pub use scores::{
    AggregatedScore, MinerScoreSummary, MinerScoresResponse, MinerValidatorScore, RankEntry,
    RankResponse, ScoreStatsResponse, ScoresResponse, ValidatorMinerScore, ValidatorScoreSummary,
    ValidatorScoresResponse, WeightEntry, WeightsResponse,
};
