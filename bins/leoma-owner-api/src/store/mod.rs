//! The owner-api's persistence port (SPEC §9.6): the [`Store`] trait the routes and background
//! tasks use, its row types, and the SQL adapter behind it ([`SqlStore`], PostgreSQL in production,
//! SQLite embedded).
//!
//! Timestamps cross this boundary as ISO-8601 UTC strings in one fixed format ([`crate::clock`]);
//! callers pass "now" in, so the store never reads a clock.

mod rows;
mod sql;

pub use rows::{
    MinerRankRow, MinerRow, RankScoreRow, SampleFilter, SampleRow, TaskRankRow, ValidatorRow,
};
pub use sql::{Backend, SqlStore};

use async_trait::async_trait;
use leoma_api_types::owner_api::BlacklistEntry;
use leoma_api_types::report::MinerReportEntry;
use leoma_api_types::samples::SampleSubmission;
use leoma_scoring::tally::{MinerConsensus, ReportRow};

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database refused or could not be reached.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A migration failed.
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A unique key is already held by another row (for example a hotkey under another uid).
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// The database URL names no supported backend.
    #[error("unsupported database URL scheme in {0:?} (postgres://, postgresql:// or sqlite:)")]
    UnsupportedUrl(String),
}

/// Result alias of the store.
pub type StoreResult<T> = Result<T, StoreError>;

/// Everything the owner-api reads and writes (SPEC §9.6 tables). Every list is bounded by the
/// caller's `limit` (S11); multi-statement writes are one transaction.
#[async_trait]
pub trait Store: Send + Sync {
    /// `SELECT 1`.
    async fn ping(&self) -> StoreResult<()>;
    /// Applies the pending migrations.
    async fn migrate(&self) -> StoreResult<()>;

    /// `valid_miners` ordered by uid, at most `limit`.
    async fn miners(&self, limit: i64) -> StoreResult<Vec<MinerRow>>;
    /// `(total rows, valid rows)` of `valid_miners`.
    async fn miner_counts(&self) -> StoreResult<(u64, u64)>;
    /// One miner by uid.
    async fn miner_by_uid(&self, uid: i64) -> StoreResult<Option<MinerRow>>;
    /// One miner by hotkey.
    async fn miner_by_hotkey(&self, hotkey: &str) -> StoreResult<Option<MinerRow>>;
    /// Writes a consensus tally (§9.7): removes rows holding a result's hotkey under another uid,
    /// upserts every result by uid, deletes uids not in `results` (nothing when empty).
    async fn apply_consensus(&self, results: &[MinerConsensus], now: &str) -> StoreResult<()>;

    /// Atomically replaces `validator`'s report rows with `entries`.
    async fn replace_reports(
        &self,
        validator: &str,
        entries: &[MinerReportEntry],
        now: &str,
    ) -> StoreResult<u64>;
    /// Report rows with `reported_at ≥ since`, in a stable order (validator, miner).
    async fn reports_since(&self, since: &str, limit: i64) -> StoreResult<Vec<ReportRow>>;

    /// Upserts one sample by (validator, task, miner) with the §9.5 overwrite rule.
    async fn upsert_sample(
        &self,
        validator: &str,
        sample: &SampleSubmission,
        now: &str,
    ) -> StoreResult<SampleRow>;
    /// Upserts a batch of samples and, when given, the batch signature, in one transaction.
    async fn upsert_batch(
        &self,
        validator: &str,
        samples: &[SampleSubmission],
        signature: Option<(&str, bool, Option<i64>)>,
        now: &str,
    ) -> StoreResult<Vec<SampleRow>>;
    /// Stores `evaluation_signatures(task_id, validator)`: the signature, whether it verified and
    /// under which scheme (1 or 2).
    async fn put_evaluation_signature(
        &self,
        task_id: i64,
        validator: &str,
        signature: &str,
        verified: bool,
        scheme: Option<i64>,
        now: &str,
    ) -> StoreResult<()>;
    /// Samples matching `filter`, in the filter's order, at most `limit`.
    async fn samples(&self, filter: SampleFilter, limit: i64) -> StoreResult<Vec<SampleRow>>;
    /// Distinct task ids, newest first, skipping `offset`, at most `limit`.
    async fn task_ids_desc(&self, offset: i64, limit: i64) -> StoreResult<Vec<i64>>;
    /// Every sample of the given tasks (the caller bounds the id list).
    async fn samples_in_tasks(&self, task_ids: &[i64]) -> StoreResult<Vec<SampleRow>>;
    /// Rows of `validator_samples`.
    async fn sample_count(&self) -> StoreResult<u64>;
    /// `(passed, total)` per `(validator, miner)` over every sample, excluding `not_evaluated`.
    async fn lifetime_pair_stats(&self) -> StoreResult<Vec<(String, String, i64, i64)>>;

    /// `rank_scores`, optionally for one miner or one validator, at most `limit`.
    async fn rank_scores(
        &self,
        miner: Option<&str>,
        validator: Option<&str>,
        limit: i64,
    ) -> StoreResult<Vec<RankScoreRow>>;
    /// Deletes `rank_scores` of miners outside `valid`, then upserts `rows` per (miner, validator).
    async fn replace_rank_scores(
        &self,
        valid: &[String],
        rows: &[RankScoreRow],
        now: &str,
    ) -> StoreResult<()>;
    /// `miner_ranks` ordered by rank.
    async fn miner_ranks(&self, limit: i64) -> StoreResult<Vec<MinerRankRow>>;
    /// `miner_task_ranks`.
    async fn task_ranks(&self, limit: i64) -> StoreResult<Vec<TaskRankRow>>;
    /// Replaces `miner_ranks` whole and `miner_task_ranks` (upsert kept, delete others).
    async fn replace_ranks(
        &self,
        ranks: &[MinerRankRow],
        task_ranks: &[TaskRankRow],
        now: &str,
    ) -> StoreResult<()>;

    /// `blacklist`, oldest first, at most `limit`.
    async fn blacklist(&self, limit: i64) -> StoreResult<Vec<BlacklistEntry>>;
    /// One blacklist entry.
    async fn blacklist_entry(&self, hotkey: &str) -> StoreResult<Option<BlacklistEntry>>;
    /// Upserts an entry (reason and `added_by` overwritten).
    async fn upsert_blacklist(
        &self,
        hotkey: &str,
        reason: Option<&str>,
        added_by: Option<&str>,
        now: &str,
    ) -> StoreResult<BlacklistEntry>;
    /// Deletes an entry; false when there was none.
    async fn delete_blacklist(&self, hotkey: &str) -> StoreResult<bool>;

    /// `validators` ordered by uid, at most `limit`.
    async fn validators(&self, limit: i64) -> StoreResult<Vec<ValidatorRow>>;
    /// One validator by hotkey.
    async fn validator(&self, hotkey: &str) -> StoreResult<Option<ValidatorRow>>;
    /// Upserts by uid; [`StoreError::Conflict`] when another uid holds the hotkey.
    async fn upsert_validator(
        &self,
        uid: i64,
        hotkey: &str,
        stake: f64,
        now: &str,
    ) -> StoreResult<()>;
    /// Deletes a validator; false when there was none.
    async fn delete_validator(&self, hotkey: &str) -> StoreResult<bool>;
    /// Sets `last_seen_at`.
    async fn touch_validator(&self, hotkey: &str, now: &str) -> StoreResult<()>;
    /// Sets `stake`.
    async fn set_validator_stake(&self, hotkey: &str, stake: f64) -> StoreResult<()>;

    /// `sampling_state[key]`.
    async fn state(&self, key: &str) -> StoreResult<Option<String>>;
    /// Sets `sampling_state[key]`.
    async fn set_state(&self, key: &str, value: &str, now: &str) -> StoreResult<()>;
}
