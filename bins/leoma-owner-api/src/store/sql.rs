//! The SQL adapter of [`Store`]: one implementation over sqlx's runtime `Any` driver with two
//! backends, PostgreSQL (production) and SQLite (embedded default), each with its own migration
//! history under `migrations/<backend>/`.
//!
//! The SQL is shared; the two places the dialects differ are isolated in [`Backend`]: reading a
//! timestamp (PostgreSQL renders `timestamptz` into the API format, SQLite stores that text) and
//! binding one (a cast on PostgreSQL). SQLite booleans are 0/1 integers, so booleans are read
//! through [`get_bool`].

use std::borrow::Cow;

use async_trait::async_trait;
use leoma_api_types::owner_api::BlacklistEntry;
use leoma_api_types::report::MinerReportEntry;
use leoma_api_types::samples::SampleSubmission;
use leoma_scoring::tally::{MinerConsensus, ReportRow};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{AnyPool, Row};

use super::{
    MinerRankRow, MinerRow, RankScoreRow, SampleFilter, SampleRow, Store, StoreError, StoreResult,
    TaskRankRow, ValidatorRow,
};
use crate::clock;

/// Which database a [`SqlStore`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// PostgreSQL (`postgres://`, `postgresql://`).
    Postgres,
    /// SQLite (`sqlite:`).
    Sqlite,
}

impl Backend {
    /// The backend a database URL names.
    pub fn of_url(url: &str) -> StoreResult<Self> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else {
            Err(StoreError::UnsupportedUrl(redact(url)))
        }
    }

    /// An expression reading timestamp column `col` as API-format text.
    fn ts(self, col: &str) -> String {
        match self {
            Backend::Postgres => format!(
                "to_char({col} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"')"
            ),
            Backend::Sqlite => col.to_owned(),
        }
    }

    /// A placeholder binding an API-format timestamp.
    fn tp(self, n: usize) -> String {
        match self {
            Backend::Postgres => format!("CAST(${n} AS timestamptz)"),
            Backend::Sqlite => format!("${n}"),
        }
    }

    fn migrations(self) -> Vec<Migration> {
        let files: [(i64, &str, &'static str); 2] = match self {
            Backend::Postgres => [
                (
                    1,
                    "reference schema",
                    include_str!("../../migrations/postgres/0001_reference_schema.sql"),
                ),
                (
                    2,
                    "rust additions",
                    include_str!("../../migrations/postgres/0002_rust_additions.sql"),
                ),
            ],
            Backend::Sqlite => [
                (
                    1,
                    "reference schema",
                    include_str!("../../migrations/sqlite/0001_schema.sql"),
                ),
                (
                    2,
                    "rust additions",
                    include_str!("../../migrations/sqlite/0002_rust_additions.sql"),
                ),
            ],
        };
        files
            .into_iter()
            .map(|(v, d, sql)| {
                Migration::new(
                    v,
                    Cow::Borrowed(d),
                    MigrationType::Simple,
                    Cow::Borrowed(sql),
                    false,
                )
            })
            .collect()
    }
}

/// The URL without its password, for error messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://***{}", &url[..s], &url[at..]),
        _ => url.to_owned(),
    }
}

/// A [`Store`] on PostgreSQL or SQLite.
#[derive(Debug, Clone)]
pub struct SqlStore {
    pool: AnyPool,
    backend: Backend,
    sample_cols: String,
}

/// Reads a boolean column stored as `BOOLEAN` (PostgreSQL) or 0/1 (SQLite).
fn get_bool(row: &AnyRow, col: &str) -> Result<bool, sqlx::Error> {
    match row.try_get::<bool, _>(col) {
        Ok(v) => Ok(v),
        Err(_) => Ok(row.try_get::<i64, _>(col)? != 0),
    }
}

fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(",")
}

impl SqlStore {
    /// Connects to `url` with a pool of `max_connections` (SPEC §9.6: 30). SQLite files are
    /// created when missing.
    pub async fn connect(url: &str, max_connections: u32) -> StoreResult<Self> {
        sqlx::any::install_default_drivers();
        let backend = Backend::of_url(url)?;
        let url = match backend {
            Backend::Sqlite if !url.contains("mode=") => {
                let sep = if url.contains('?') { '&' } else { '?' };
                format!("{url}{sep}mode=rwc")
            }
            _ => url.to_owned(),
        };
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(std::time::Duration::from_secs(10))
            .connect(&url)
            .await?;
        let sample_cols = format!(
            "id, validator_hotkey, task_id, miner_hotkey, prompt, s3_bucket, s3_prefix, passed, \
             confidence, reasoning, latency_ms, original_artifacts, generated_artifacts, \
             presentation_order, {} AS evaluated_at, status, reason",
            backend.ts("evaluated_at")
        );
        Ok(SqlStore {
            pool,
            backend,
            sample_cols,
        })
    }

    /// Which backend this store uses.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Runs one SQL statement as is (tooling and tests: `CREATE DATABASE`, seeding).
    pub async fn execute_raw(&self, sql: &str) -> StoreResult<u64> {
        Ok(sqlx::raw_sql(sql)
            .execute(&self.pool)
            .await?
            .rows_affected())
    }

    /// Closes the pool.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    fn miner_cols(&self) -> String {
        format!(
            "uid, miner_hotkey, block, model_name, model_revision, model_hash, chute_id, \
             chute_slug, is_valid, invalid_reason, {} AS last_validated_at",
            self.backend.ts("last_validated_at")
        )
    }
}

fn miner_row(r: &AnyRow) -> Result<MinerRow, sqlx::Error> {
    Ok(MinerRow {
        uid: r.try_get("uid")?,
        miner_hotkey: r.try_get("miner_hotkey")?,
        block: r.try_get("block")?,
        model_name: r.try_get("model_name")?,
        model_revision: r.try_get("model_revision")?,
        model_hash: r.try_get("model_hash")?,
        chute_id: r.try_get("chute_id")?,
        chute_slug: r.try_get("chute_slug")?,
        is_valid: get_bool(r, "is_valid")?,
        invalid_reason: r.try_get("invalid_reason")?,
        last_validated_at: r.try_get("last_validated_at")?,
    })
}

fn sample_row(r: &AnyRow) -> Result<SampleRow, sqlx::Error> {
    Ok(SampleRow {
        id: r.try_get("id")?,
        validator_hotkey: r.try_get("validator_hotkey")?,
        task_id: r.try_get("task_id")?,
        miner_hotkey: r.try_get("miner_hotkey")?,
        prompt: r.try_get("prompt")?,
        s3_bucket: r.try_get("s3_bucket")?,
        s3_prefix: r.try_get("s3_prefix")?,
        passed: get_bool(r, "passed")?,
        confidence: r.try_get("confidence")?,
        reasoning: r.try_get("reasoning")?,
        latency_ms: r.try_get("latency_ms")?,
        original_artifacts: r.try_get("original_artifacts")?,
        generated_artifacts: r.try_get("generated_artifacts")?,
        presentation_order: r.try_get("presentation_order")?,
        evaluated_at: r.try_get("evaluated_at")?,
        status: r.try_get("status")?,
        reason: r.try_get("reason")?,
    })
}

fn blacklist_row(r: &AnyRow) -> Result<BlacklistEntry, sqlx::Error> {
    Ok(BlacklistEntry {
        hotkey: r.try_get("hotkey")?,
        reason: r.try_get("reason")?,
        added_by: r.try_get("added_by")?,
        created_at: r.try_get("created_at")?,
    })
}

fn validator_row(r: &AnyRow) -> Result<ValidatorRow, sqlx::Error> {
    Ok(ValidatorRow {
        uid: r.try_get("uid")?,
        hotkey: r.try_get("hotkey")?,
        stake: r.try_get("stake")?,
        last_seen_at: r.try_get("last_seen_at")?,
    })
}

fn rank_score_row(r: &AnyRow) -> Result<RankScoreRow, sqlx::Error> {
    Ok(RankScoreRow {
        miner_hotkey: r.try_get("miner_hotkey")?,
        validator_hotkey: r.try_get("validator_hotkey")?,
        score: r.try_get("score")?,
        total_samples: r.try_get("total_samples")?,
        total_passed: r.try_get("total_passed")?,
        pass_rate: r.try_get("pass_rate")?,
        updated_at: r.try_get("updated_at")?,
    })
}

fn collect<T>(
    rows: Vec<AnyRow>,
    f: impl Fn(&AnyRow) -> Result<T, sqlx::Error>,
) -> StoreResult<Vec<T>> {
    rows.iter()
        .map(|r| f(r).map_err(StoreError::from))
        .collect()
}

#[async_trait]
impl Store for SqlStore {
    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn migrate(&self) -> StoreResult<()> {
        let migrator = Migrator {
            migrations: Cow::Owned(self.backend.migrations()),
            ignore_missing: false,
            locking: true,
            no_tx: false,
        };
        migrator.run(&self.pool).await?;
        Ok(())
    }

    async fn miners(&self, limit: i64) -> StoreResult<Vec<MinerRow>> {
        let sql = format!(
            "SELECT {} FROM valid_miners ORDER BY uid LIMIT $1",
            self.miner_cols()
        );
        collect(
            sqlx::query(&sql).bind(limit).fetch_all(&self.pool).await?,
            miner_row,
        )
    }

    async fn miner_counts(&self) -> StoreResult<(u64, u64)> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS total, COALESCE(SUM(CASE WHEN is_valid THEN 1 ELSE 0 END), 0) AS valid \
             FROM valid_miners",
        )
        .fetch_one(&self.pool)
        .await?;
        let total: i64 = row.try_get("total")?;
        let valid: i64 = row.try_get("valid")?;
        Ok((total.max(0) as u64, valid.max(0) as u64))
    }

    async fn miner_by_uid(&self, uid: i64) -> StoreResult<Option<MinerRow>> {
        let sql = format!(
            "SELECT {} FROM valid_miners WHERE uid = $1",
            self.miner_cols()
        );
        let row = sqlx::query(&sql)
            .bind(uid)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(miner_row).transpose()?)
    }

    async fn miner_by_hotkey(&self, hotkey: &str) -> StoreResult<Option<MinerRow>> {
        let sql = format!(
            "SELECT {} FROM valid_miners WHERE miner_hotkey = $1",
            self.miner_cols()
        );
        let row = sqlx::query(&sql)
            .bind(hotkey)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(miner_row).transpose()?)
    }

    async fn apply_consensus(&self, results: &[MinerConsensus], now: &str) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        let upsert = format!(
            "INSERT INTO valid_miners (uid, miner_hotkey, block, model_name, model_revision, \
             model_hash, chute_id, chute_slug, is_valid, invalid_reason, last_validated_at, \
             created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,{t},{t},{t}) \
             ON CONFLICT (uid) DO UPDATE SET miner_hotkey = excluded.miner_hotkey, \
             block = excluded.block, model_name = excluded.model_name, \
             model_revision = excluded.model_revision, model_hash = excluded.model_hash, \
             chute_id = excluded.chute_id, chute_slug = excluded.chute_slug, \
             is_valid = excluded.is_valid, invalid_reason = excluded.invalid_reason, \
             last_validated_at = excluded.last_validated_at, updated_at = excluded.updated_at",
            t = self.backend.tp(11)
        );
        for r in results {
            sqlx::query("DELETE FROM valid_miners WHERE miner_hotkey = $1 AND uid <> $2")
                .bind(r.miner_hotkey.as_str())
                .bind(r.uid)
                .execute(&mut *tx)
                .await?;
            sqlx::query(&upsert)
                .bind(r.uid)
                .bind(r.miner_hotkey.as_str())
                .bind(r.block)
                .bind(r.model_name.as_deref())
                .bind(r.model_revision.as_deref())
                .bind(r.model_hash.as_deref())
                .bind(r.chute_id.as_deref())
                .bind(r.chute_slug.as_deref())
                .bind(r.is_valid)
                .bind(r.invalid_reason.as_deref())
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        if !results.is_empty() {
            let sql = format!(
                "DELETE FROM valid_miners WHERE uid NOT IN ({})",
                placeholders(1, results.len())
            );
            let mut q = sqlx::query(&sql);
            for r in results {
                q = q.bind(r.uid);
            }
            q.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn replace_reports(
        &self,
        validator: &str,
        entries: &[MinerReportEntry],
        now: &str,
    ) -> StoreResult<u64> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM validator_miner_reports WHERE validator_hotkey = $1")
            .bind(validator)
            .execute(&mut *tx)
            .await?;
        let insert = format!(
            "INSERT INTO validator_miner_reports (validator_hotkey, miner_hotkey, uid, block, \
             model_name, model_revision, model_hash, chute_id, chute_slug, is_valid, \
             invalid_reason, reported_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,{})",
            self.backend.tp(12)
        );
        for e in entries {
            sqlx::query(&insert)
                .bind(validator)
                .bind(e.miner_hotkey.as_str())
                .bind(e.uid)
                .bind(e.block)
                .bind(e.model_name.as_deref())
                .bind(e.model_revision.as_deref())
                .bind(e.model_hash.as_deref())
                .bind(e.chute_id.as_deref())
                .bind(e.chute_slug.as_deref())
                .bind(e.is_valid)
                .bind(e.invalid_reason.as_deref())
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(entries.len() as u64)
    }

    async fn reports_since(&self, since: &str, limit: i64) -> StoreResult<Vec<ReportRow>> {
        let sql = format!(
            "SELECT validator_hotkey, miner_hotkey, uid, block, model_name, model_revision, \
             model_hash, chute_id, chute_slug, is_valid, invalid_reason, {} AS reported_at \
             FROM validator_miner_reports WHERE reported_at >= {} \
             ORDER BY validator_hotkey, miner_hotkey LIMIT $2",
            self.backend.ts("reported_at"),
            self.backend.tp(1)
        );
        let rows = sqlx::query(&sql)
            .bind(since)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        collect(rows, |r| {
            let at: String = r.try_get("reported_at")?;
            Ok(ReportRow {
                validator_hotkey: r.try_get("validator_hotkey")?,
                miner_hotkey: r.try_get("miner_hotkey")?,
                uid: r.try_get("uid")?,
                block: r.try_get("block")?,
                model_name: r.try_get("model_name")?,
                model_revision: r.try_get("model_revision")?,
                model_hash: r.try_get("model_hash")?,
                chute_id: r.try_get("chute_id")?,
                chute_slug: r.try_get("chute_slug")?,
                is_valid: get_bool(r, "is_valid")?,
                invalid_reason: r.try_get("invalid_reason")?,
                reported_at: clock::micros(&at),
            })
        })
    }

    async fn upsert_sample(
        &self,
        validator: &str,
        sample: &SampleSubmission,
        now: &str,
    ) -> StoreResult<SampleRow> {
        let mut rows = self
            .upsert_batch(validator, std::slice::from_ref(sample), None, now)
            .await?;
        rows.pop()
            .ok_or(StoreError::Database(sqlx::Error::RowNotFound))
    }

    async fn upsert_batch(
        &self,
        validator: &str,
        samples: &[SampleSubmission],
        signature: Option<(&str, bool, Option<i64>)>,
        now: &str,
    ) -> StoreResult<Vec<SampleRow>> {
        let sql = format!(
            "INSERT INTO validator_samples (validator_hotkey, task_id, miner_hotkey, prompt, \
             s3_bucket, s3_prefix, passed, confidence, reasoning, latency_ms, original_artifacts, \
             generated_artifacts, presentation_order, evaluated_at, status, reason) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,{},$15,$16) \
             ON CONFLICT (validator_hotkey, task_id, miner_hotkey) DO UPDATE SET \
             s3_bucket = excluded.s3_bucket, s3_prefix = excluded.s3_prefix, \
             passed = excluded.passed, prompt = excluded.prompt, \
             confidence = excluded.confidence, reasoning = excluded.reasoning, \
             evaluated_at = excluded.evaluated_at, status = excluded.status, \
             reason = excluded.reason, \
             latency_ms = COALESCE(excluded.latency_ms, validator_samples.latency_ms), \
             original_artifacts = COALESCE(excluded.original_artifacts, validator_samples.original_artifacts), \
             generated_artifacts = COALESCE(excluded.generated_artifacts, validator_samples.generated_artifacts), \
             presentation_order = COALESCE(excluded.presentation_order, validator_samples.presentation_order) \
             RETURNING {}",
            self.backend.tp(14),
            self.sample_cols
        );
        let mut tx = self.pool.begin().await?;
        let mut out = Vec::with_capacity(samples.len());
        for s in samples {
            let row = sqlx::query(&sql)
                .bind(validator)
                .bind(s.task_id)
                .bind(s.miner_hotkey.as_str())
                .bind(s.prompt.as_str())
                .bind(s.s3_bucket.as_str())
                .bind(s.s3_prefix.as_str())
                .bind(s.passed)
                .bind(s.confidence)
                .bind(s.reasoning.as_deref())
                .bind(s.latency_ms)
                .bind(s.original_artifacts.as_deref())
                .bind(s.generated_artifacts.as_deref())
                .bind(s.presentation_order.as_deref())
                .bind(now)
                .bind(s.status.as_deref())
                .bind(s.reason.as_deref())
                .fetch_one(&mut *tx)
                .await?;
            out.push(sample_row(&row)?);
        }
        if let (Some((sig, verified, scheme)), Some(first)) = (signature, samples.first()) {
            self.put_signature_in(
                &mut tx,
                first.task_id,
                validator,
                sig,
                verified,
                scheme,
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(out)
    }

    async fn put_evaluation_signature(
        &self,
        task_id: i64,
        validator: &str,
        signature: &str,
        verified: bool,
        scheme: Option<i64>,
        now: &str,
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        self.put_signature_in(
            &mut tx, task_id, validator, signature, verified, scheme, now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn samples(&self, filter: SampleFilter, limit: i64) -> StoreResult<Vec<SampleRow>> {
        let cols = &self.sample_cols;
        let newest = "ORDER BY evaluated_at DESC NULLS LAST, id DESC";
        let (sql, binds): (String, Vec<Bind>) = match filter {
            SampleFilter::Recent => (
                format!("SELECT {cols} FROM validator_samples {newest} LIMIT $1"),
                vec![],
            ),
            SampleFilter::Validator(v) => (
                format!(
                    "SELECT {cols} FROM validator_samples WHERE validator_hotkey = $2 {newest} LIMIT $1"
                ),
                vec![Bind::S(v)],
            ),
            SampleFilter::Miner(m) => (
                format!(
                    "SELECT {cols} FROM validator_samples WHERE miner_hotkey = $2 {newest} LIMIT $1"
                ),
                vec![Bind::S(m)],
            ),
            SampleFilter::Task(t) => (
                format!(
                    "SELECT {cols} FROM validator_samples WHERE task_id = $2 ORDER BY miner_hotkey, evaluated_at, id LIMIT $1"
                ),
                vec![Bind::I(t)],
            ),
            SampleFilter::TaskValidator(t, v) => (
                format!(
                    "SELECT {cols} FROM validator_samples WHERE task_id = $2 AND validator_hotkey = $3 ORDER BY miner_hotkey, id LIMIT $1"
                ),
                vec![Bind::I(t), Bind::S(v)],
            ),
            SampleFilter::TaskMiner(t, m) => (
                format!(
                    "SELECT {cols} FROM validator_samples WHERE task_id = $2 AND miner_hotkey = $3 ORDER BY evaluated_at, id LIMIT $1"
                ),
                vec![Bind::I(t), Bind::S(m)],
            ),
        };
        let mut q = sqlx::query(&sql).bind(limit);
        for b in binds {
            q = match b {
                Bind::S(s) => q.bind(s),
                Bind::I(i) => q.bind(i),
            };
        }
        collect(q.fetch_all(&self.pool).await?, sample_row)
    }

    async fn task_ids_desc(&self, offset: i64, limit: i64) -> StoreResult<Vec<i64>> {
        let rows = sqlx::query(
            "SELECT DISTINCT task_id FROM validator_samples ORDER BY task_id DESC LIMIT $1 OFFSET $2",
        )
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        collect(rows, |r| r.try_get::<i64, _>("task_id"))
    }

    async fn samples_in_tasks(&self, task_ids: &[i64]) -> StoreResult<Vec<SampleRow>> {
        if task_ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {} FROM validator_samples WHERE task_id IN ({}) ORDER BY task_id, id",
            self.sample_cols,
            placeholders(1, task_ids.len())
        );
        let mut q = sqlx::query(&sql);
        for id in task_ids {
            q = q.bind(*id);
        }
        collect(q.fetch_all(&self.pool).await?, sample_row)
    }

    async fn sample_count(&self) -> StoreResult<u64> {
        let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM validator_samples")
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?;
        Ok(n.max(0) as u64)
    }

    async fn lifetime_pair_stats(&self) -> StoreResult<Vec<(String, String, i64, i64)>> {
        let rows = sqlx::query(
            "SELECT validator_hotkey, miner_hotkey, \
             COALESCE(SUM(CASE WHEN passed THEN 1 ELSE 0 END), 0) AS passed, COUNT(*) AS total \
             FROM validator_samples WHERE status IS NULL OR status <> 'not_evaluated' \
             GROUP BY validator_hotkey, miner_hotkey ORDER BY validator_hotkey, miner_hotkey \
             LIMIT 1000000",
        )
        .fetch_all(&self.pool)
        .await?;
        collect(rows, |r| {
            Ok((
                r.try_get("validator_hotkey")?,
                r.try_get("miner_hotkey")?,
                r.try_get("passed")?,
                r.try_get("total")?,
            ))
        })
    }

    async fn rank_scores(
        &self,
        miner: Option<&str>,
        validator: Option<&str>,
        limit: i64,
    ) -> StoreResult<Vec<RankScoreRow>> {
        let sql = format!(
            "SELECT miner_hotkey, validator_hotkey, score, total_samples, total_passed, pass_rate, \
             {} AS updated_at FROM rank_scores \
             WHERE ($2 IS NULL OR miner_hotkey = $2) AND ($3 IS NULL OR validator_hotkey = $3) \
             ORDER BY miner_hotkey, validator_hotkey LIMIT $1",
            self.backend.ts("updated_at")
        );
        let rows = sqlx::query(&sql)
            .bind(limit)
            .bind(miner)
            .bind(validator)
            .fetch_all(&self.pool)
            .await?;
        collect(rows, rank_score_row)
    }

    async fn replace_rank_scores(
        &self,
        valid: &[String],
        rows: &[RankScoreRow],
        now: &str,
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        if valid.is_empty() {
            sqlx::query("DELETE FROM rank_scores")
                .execute(&mut *tx)
                .await?;
        } else {
            let sql = format!(
                "DELETE FROM rank_scores WHERE miner_hotkey NOT IN ({})",
                placeholders(1, valid.len())
            );
            let mut q = sqlx::query(&sql);
            for v in valid {
                q = q.bind(v.as_str());
            }
            q.execute(&mut *tx).await?;
        }
        let upsert = format!(
            "INSERT INTO rank_scores (miner_hotkey, validator_hotkey, score, total_samples, \
             total_passed, pass_rate, updated_at) VALUES ($1,$2,$3,$4,$5,$6,{}) \
             ON CONFLICT (miner_hotkey, validator_hotkey) DO UPDATE SET score = excluded.score, \
             total_samples = excluded.total_samples, total_passed = excluded.total_passed, \
             pass_rate = excluded.pass_rate, updated_at = excluded.updated_at",
            self.backend.tp(7)
        );
        for r in rows {
            sqlx::query(&upsert)
                .bind(r.miner_hotkey.as_str())
                .bind(r.validator_hotkey.as_str())
                .bind(r.score)
                .bind(r.total_samples)
                .bind(r.total_passed)
                .bind(r.pass_rate)
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn miner_ranks(&self, limit: i64) -> StoreResult<Vec<MinerRankRow>> {
        let rows = sqlx::query(
            "SELECT miner_hotkey, rank, passed_count, pass_rate, block FROM miner_ranks \
             ORDER BY rank, miner_hotkey LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        collect(rows, |r| {
            Ok(MinerRankRow {
                miner_hotkey: r.try_get("miner_hotkey")?,
                rank: r.try_get("rank")?,
                passed_count: r.try_get("passed_count")?,
                pass_rate: r.try_get("pass_rate")?,
                block: r.try_get("block")?,
            })
        })
    }

    async fn task_ranks(&self, limit: i64) -> StoreResult<Vec<TaskRankRow>> {
        let rows = sqlx::query(
            "SELECT miner_hotkey, task_passed_count, tasks_evaluated, completeness, rank \
             FROM miner_task_ranks ORDER BY miner_hotkey LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        collect(rows, |r| {
            Ok(TaskRankRow {
                miner_hotkey: r.try_get("miner_hotkey")?,
                task_passed_count: r.try_get("task_passed_count")?,
                tasks_evaluated: r.try_get("tasks_evaluated")?,
                completeness: r.try_get("completeness")?,
                rank: r.try_get("rank")?,
            })
        })
    }

    async fn replace_ranks(
        &self,
        ranks: &[MinerRankRow],
        task_ranks: &[TaskRankRow],
        now: &str,
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM miner_ranks")
            .execute(&mut *tx)
            .await?;
        let insert = format!(
            "INSERT INTO miner_ranks (miner_hotkey, rank, passed_count, pass_rate, block, updated_at) \
             VALUES ($1,$2,$3,$4,$5,{})",
            self.backend.tp(6)
        );
        for r in ranks {
            sqlx::query(&insert)
                .bind(r.miner_hotkey.as_str())
                .bind(r.rank)
                .bind(r.passed_count)
                .bind(r.pass_rate)
                .bind(r.block)
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        if task_ranks.is_empty() {
            sqlx::query("DELETE FROM miner_task_ranks")
                .execute(&mut *tx)
                .await?;
        } else {
            let sql = format!(
                "DELETE FROM miner_task_ranks WHERE miner_hotkey NOT IN ({})",
                placeholders(1, task_ranks.len())
            );
            let mut q = sqlx::query(&sql);
            for t in task_ranks {
                q = q.bind(t.miner_hotkey.as_str());
            }
            q.execute(&mut *tx).await?;
        }
        let upsert = format!(
            "INSERT INTO miner_task_ranks (miner_hotkey, task_passed_count, tasks_evaluated, \
             completeness, rank, updated_at) VALUES ($1,$2,$3,$4,$5,{}) \
             ON CONFLICT (miner_hotkey) DO UPDATE SET task_passed_count = excluded.task_passed_count, \
             tasks_evaluated = excluded.tasks_evaluated, completeness = excluded.completeness, \
             rank = excluded.rank, updated_at = excluded.updated_at",
            self.backend.tp(6)
        );
        for t in task_ranks {
            sqlx::query(&upsert)
                .bind(t.miner_hotkey.as_str())
                .bind(t.task_passed_count)
                .bind(t.tasks_evaluated)
                .bind(t.completeness)
                .bind(t.rank)
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn blacklist(&self, limit: i64) -> StoreResult<Vec<BlacklistEntry>> {
        let sql = format!(
            "SELECT hotkey, reason, added_by, {} AS created_at FROM blacklist ORDER BY id LIMIT $1",
            self.backend.ts("created_at")
        );
        collect(
            sqlx::query(&sql).bind(limit).fetch_all(&self.pool).await?,
            blacklist_row,
        )
    }

    async fn blacklist_entry(&self, hotkey: &str) -> StoreResult<Option<BlacklistEntry>> {
        let sql = format!(
            "SELECT hotkey, reason, added_by, {} AS created_at FROM blacklist WHERE hotkey = $1",
            self.backend.ts("created_at")
        );
        let row = sqlx::query(&sql)
            .bind(hotkey)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(blacklist_row).transpose()?)
    }

    async fn upsert_blacklist(
        &self,
        hotkey: &str,
        reason: Option<&str>,
        added_by: Option<&str>,
        now: &str,
    ) -> StoreResult<BlacklistEntry> {
        let sql = format!(
            "INSERT INTO blacklist (hotkey, reason, added_by, created_at) VALUES ($1,$2,$3,{}) \
             ON CONFLICT (hotkey) DO UPDATE SET reason = excluded.reason, added_by = excluded.added_by \
             RETURNING hotkey, reason, added_by, {} AS created_at",
            self.backend.tp(4),
            self.backend.ts("created_at")
        );
        let row = sqlx::query(&sql)
            .bind(hotkey)
            .bind(reason)
            .bind(added_by)
            .bind(now)
            .fetch_one(&self.pool)
            .await?;
        Ok(blacklist_row(&row)?)
    }

    async fn delete_blacklist(&self, hotkey: &str) -> StoreResult<bool> {
        let r = sqlx::query("DELETE FROM blacklist WHERE hotkey = $1")
            .bind(hotkey)
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected() > 0)
    }

    async fn validators(&self, limit: i64) -> StoreResult<Vec<ValidatorRow>> {
        let sql = format!(
            "SELECT uid, hotkey, stake, {} AS last_seen_at FROM validators ORDER BY uid LIMIT $1",
            self.backend.ts("last_seen_at")
        );
        collect(
            sqlx::query(&sql).bind(limit).fetch_all(&self.pool).await?,
            validator_row,
        )
    }

    async fn validator(&self, hotkey: &str) -> StoreResult<Option<ValidatorRow>> {
        let sql = format!(
            "SELECT uid, hotkey, stake, {} AS last_seen_at FROM validators WHERE hotkey = $1",
            self.backend.ts("last_seen_at")
        );
        let row = sqlx::query(&sql)
            .bind(hotkey)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(validator_row).transpose()?)
    }

    async fn upsert_validator(
        &self,
        uid: i64,
        hotkey: &str,
        stake: f64,
        now: &str,
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        let holder = sqlx::query("SELECT uid FROM validators WHERE hotkey = $1")
            .bind(hotkey)
            .fetch_optional(&mut *tx)
            .await?;
        if let Some(row) = holder {
            let held: i64 = row.try_get("uid")?;
            if held != uid {
                return Err(StoreError::Conflict("hotkey held by another uid"));
            }
        }
        let sql = format!(
            "INSERT INTO validators (uid, hotkey, stake, created_at) VALUES ($1,$2,$3,{}) \
             ON CONFLICT (uid) DO UPDATE SET hotkey = excluded.hotkey, stake = excluded.stake",
            self.backend.tp(4)
        );
        sqlx::query(&sql)
            .bind(uid)
            .bind(hotkey)
            .bind(stake)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn delete_validator(&self, hotkey: &str) -> StoreResult<bool> {
        let r = sqlx::query("DELETE FROM validators WHERE hotkey = $1")
            .bind(hotkey)
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected() > 0)
    }

    async fn touch_validator(&self, hotkey: &str, now: &str) -> StoreResult<()> {
        let sql = format!(
            "UPDATE validators SET last_seen_at = {} WHERE hotkey = $2",
            self.backend.tp(1)
        );
        sqlx::query(&sql)
            .bind(now)
            .bind(hotkey)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn set_validator_stake(&self, hotkey: &str, stake: f64) -> StoreResult<()> {
        sqlx::query("UPDATE validators SET stake = $1 WHERE hotkey = $2")
            .bind(stake)
            .bind(hotkey)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn state(&self, key: &str) -> StoreResult<Option<String>> {
        let row = sqlx::query("SELECT value FROM sampling_state WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.try_get("value")).transpose()?.flatten())
    }

    async fn set_state(&self, key: &str, value: &str, now: &str) -> StoreResult<()> {
        let sql = format!(
            "INSERT INTO sampling_state (key, value, updated_at) VALUES ($1,$2,{}) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            self.backend.tp(3)
        );
        sqlx::query(&sql)
            .bind(key)
            .bind(value)
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

enum Bind {
    S(String),
    I(i64),
}

impl SqlStore {
    #[allow(clippy::too_many_arguments)]
    async fn put_signature_in(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        task_id: i64,
        validator: &str,
        signature: &str,
        verified: bool,
        scheme: Option<i64>,
        now: &str,
    ) -> StoreResult<()> {
        let sql = format!(
            "INSERT INTO evaluation_signatures (task_id, validator_hotkey, signature, verified, \
             scheme, created_at) VALUES ($1,$2,$3,$4,$5,{}) \
             ON CONFLICT (task_id, validator_hotkey) DO UPDATE SET signature = excluded.signature, \
             verified = excluded.verified, scheme = excluded.scheme",
            self.backend.tp(6)
        );
        sqlx::query(&sql)
            .bind(task_id)
            .bind(validator)
            .bind(signature)
            .bind(verified)
            .bind(scheme)
            .bind(now)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }
}
