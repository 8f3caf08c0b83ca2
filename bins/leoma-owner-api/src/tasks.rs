//! The owner-api's background tasks (SPEC §9.7): the miner-report consensus tally, the
//! dashboard scores (with the same `leoma-scoring` v1 functions validators use) and the
//! validator stake refresh through [`leoma_chain::ChainReader`]. Each has a `*_once` step, which
//! tests call directly, and [`spawn`] runs all three until the cancellation token fires.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use leoma_chain::At;
use leoma_scoring::tally::tally;
use leoma_scoring::v1::{is_eligible, rank, required_distinct};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::clock;
use crate::routes::MAX_LIST_ROWS;
use crate::state::AppState;
use crate::store::{MinerRankRow, RankScoreRow, StoreError, TaskRankRow};
use crate::views;

/// Most report rows one tally reads (2048 miners × 256 validators).
const MAX_REPORT_ROWS: i64 = 2048 * 256;

/// Periods of the background tasks (SPEC §10.3).
#[derive(Debug, Clone)]
pub struct TaskSettings {
    /// `MINER_VALIDATION_INTERVAL`: consensus period.
    pub validation_interval: Duration,
    /// `MINER_REPORT_STALE_INTERVALS`.
    pub stale_intervals: u32,
    /// `MINER_CONSENSUS_MIN_REPORTERS`.
    pub min_reporters: usize,
    /// `SCORE_CALCULATION_INTERVAL`.
    pub score_interval: Duration,
    /// `SCORER_INTERVAL`.
    pub scorer_interval: Duration,
    /// `VALIDATOR_SYNC_INTERVAL`.
    pub validator_sync_interval: Duration,
}

impl Default for TaskSettings {
    fn default() -> Self {
        TaskSettings {
            validation_interval: Duration::from_secs(300),
            stale_intervals: 3,
            min_reporters: 1,
            score_interval: Duration::from_secs(300),
            scorer_interval: Duration::from_secs(1800),
            validator_sync_interval: Duration::from_secs(600),
        }
    }
}

/// Why a background step failed (logged by the loop, which carries on).
#[derive(Debug, thiserror::Error)]
pub enum TaskError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The chain failed.
    #[error("chain: {0}")]
    Chain(#[from] leoma_chain::ChainError),
}

/// Stake in TAO from a rao amount.
pub fn stake_tao(rao: u64) -> f64 {
    rao as f64 / 1e9
}

/// One consensus tally. Returns the number of miners written, or `None` when there were no
/// recent reports (the table is left untouched).
pub async fn consensus_once(
    state: &AppState,
    t: &TaskSettings,
) -> Result<Option<usize>, TaskError> {
    let window = t.validation_interval.as_secs() * u64::from(t.stale_intervals);
    let rows = state
        .store()
        .reports_since(&clock::seconds_ago_iso(window), MAX_REPORT_ROWS)
        .await?;
    if rows.is_empty() {
        return Ok(None);
    }
    let mut results = tally(&rows, t.min_reporters.max(1));
    if let Some(chain) = state.chain() {
        let mg = chain.metagraph(state.settings().netuid, At::Best).await?;
        results.retain(|r| {
            let matches = u16::try_from(r.uid)
                .ok()
                .and_then(|uid| mg.neuron(uid))
                .is_some_and(|n| n.hotkey.as_str() == r.miner_hotkey);
            if !matches {
                tracing::warn!(uid = r.uid, miner = %r.miner_hotkey, "consensus result does not match the metagraph; dropped");
            }
            matches
        });
    }
    state
        .store()
        .apply_consensus(&results, &clock::now_iso())
        .await?;
    state.mark_synced(clock::now_iso());
    state.invalidate();
    Ok(Some(results.len()))
}

/// Dashboard scores step 1 (lifetime `rank_scores`), and step 2 (the scorer) when `run_scorer`.
pub async fn dashboard_scores_once(state: &AppState, run_scorer: bool) -> Result<(), TaskError> {
    let store = state.store();
    let miners = store.miners(MAX_LIST_ROWS).await?;
    let valid: Vec<String> = miners
        .iter()
        .filter(|m| m.is_valid)
        .map(|m| m.miner_hotkey.clone())
        .collect();
    if valid.is_empty() {
        return Ok(());
    }
    let valid_set: BTreeSet<&str> = valid.iter().map(String::as_str).collect();
    let validators: BTreeSet<String> = store
        .validators(MAX_LIST_ROWS)
        .await?
        .into_iter()
        .map(|v| v.hotkey)
        .collect();
    let rows: Vec<RankScoreRow> = store
        .lifetime_pair_stats()
        .await?
        .into_iter()
        .filter(|(v, m, _, total)| {
            validators.contains(v) && valid_set.contains(m.as_str()) && *total > 0
        })
        .map(|(v, m, passed, total)| {
            let rate = passed as f64 / total as f64;
            RankScoreRow {
                miner_hotkey: m,
                validator_hotkey: v,
                score: rate,
                total_samples: total,
                total_passed: passed,
                pass_rate: rate,
                updated_at: None,
            }
        })
        .collect();
    let now = clock::now_iso();
    store.replace_rank_scores(&valid, &rows, &now).await?;
    if run_scorer {
        scorer_once(state, &miners).await?;
    }
    state.invalidate();
    Ok(())
}

async fn scorer_once(state: &AppState, miners: &[crate::store::MinerRow]) -> Result<(), TaskError> {
    let s = state.settings();
    let now = clock::now_iso();
    let (ids, rows) = views::window_samples(state).await?;
    if ids.is_empty() {
        state.store().replace_ranks(&[], &[], &now).await?;
        return Ok(());
    }
    let active: BTreeSet<&str> = rows.iter().map(|r| r.validator_hotkey.as_str()).collect();
    let min_distinct = required_distinct(active.len(), s.min_distinct_ratio);
    let aggs = views::aggregate_window(&ids, &rows, &views::blocks_of(miners));
    let eligible: Vec<_> = aggs
        .iter()
        .filter(|a| is_eligible(a, s.completeness_threshold, min_distinct))
        .collect();
    let ranking = rank(&eligible, s.dominance_threshold);
    let by_miner: BTreeMap<&str, _> = aggs.iter().map(|a| (a.miner_hotkey.as_str(), a)).collect();
    let ranks: Vec<MinerRankRow> = ranking
        .entries
        .iter()
        .map(|e| MinerRankRow {
            miner_hotkey: e.miner_hotkey.clone(),
            rank: i64::from(e.rank),
            passed_count: e.passed_count as i64,
            pass_rate: e.pass_rate,
            block: e.block,
        })
        .collect();
    let task_ranks: Vec<TaskRankRow> = ranking
        .entries
        .iter()
        .filter_map(|e| {
            let a = by_miner.get(e.miner_hotkey.as_str())?;
            Some(TaskRankRow {
                miner_hotkey: e.miner_hotkey.clone(),
                task_passed_count: a.total_passed as i64,
                tasks_evaluated: a.total_evaluated as i64,
                completeness: a.completeness,
                rank: Some(i64::from(e.rank)),
            })
        })
        .collect();
    if let Some(winner) = &ranking.winner {
        tracing::info!(miner = %winner, "dashboard leader");
    }
    state
        .store()
        .replace_ranks(&ranks, &task_ranks, &now)
        .await?;
    Ok(())
}

/// One stake refresh: each registered validator found in the metagraph gets its stake.
/// Returns how many were updated; no chain → 0.
pub async fn stake_refresh_once(state: &AppState) -> Result<usize, TaskError> {
    let Some(chain) = state.chain() else {
        return Ok(0);
    };
    let mg = chain.metagraph(state.settings().netuid, At::Best).await?;
    let mut updated = 0;
    for v in state.store().validators(MAX_LIST_ROWS).await? {
        let Ok(hotkey) = leoma_api_types::Hotkey::parse(&v.hotkey) else {
            continue;
        };
        if let Some(uid) = mg.uid_of(&hotkey) {
            let stake = mg
                .neuron(uid)
                .map(|n| stake_tao(n.total_stake))
                .unwrap_or(0.0);
            state.store().set_validator_stake(&v.hotkey, stake).await?;
            updated += 1;
        }
    }
    Ok(updated)
}

async fn sleep_or_cancel(d: Duration, cancel: &CancellationToken) -> bool {
    tokio::select! {
        () = tokio::time::sleep(d) => true,
        () = cancel.cancelled() => false,
    }
}

/// Runs the three tasks until `cancel` fires: consensus after 5 s then every validation
/// interval; scores after 10 s then every score interval (the scorer at most every scorer
/// interval, first run immediately); stake refresh every sync interval.
pub fn spawn(state: AppState, t: TaskSettings, cancel: CancellationToken) -> Vec<JoinHandle<()>> {
    let consensus = {
        let (state, t, cancel) = (state.clone(), t.clone(), cancel.clone());
        tokio::spawn(async move {
            let mut wait = Duration::from_secs(5);
            while sleep_or_cancel(wait, &cancel).await {
                match consensus_once(&state, &t).await {
                    Ok(n) => tracing::info!(miners = ?n, "miner consensus tally"),
                    Err(e) => tracing::warn!(error = %e, "miner consensus failed"),
                }
                wait = t.validation_interval;
            }
        })
    };
    let scores = {
        let (state, t, cancel) = (state.clone(), t.clone(), cancel.clone());
        tokio::spawn(async move {
            let mut wait = Duration::from_secs(10);
            let mut last_scorer: Option<Instant> = None;
            while sleep_or_cancel(wait, &cancel).await {
                let due = last_scorer.is_none_or(|at| at.elapsed() >= t.scorer_interval);
                match dashboard_scores_once(&state, due).await {
                    Ok(()) if due => last_scorer = Some(Instant::now()),
                    Ok(()) => {}
                    Err(e) => tracing::warn!(error = %e, "dashboard scores failed"),
                }
                wait = t.score_interval;
            }
        })
    };
    let stake = tokio::spawn(async move {
        while sleep_or_cancel(t.validator_sync_interval, &cancel).await {
            match stake_refresh_once(&state).await {
                Ok(n) => tracing::info!(validators = n, "validator stake refresh"),
                Err(e) => tracing::warn!(error = %e, "validator stake refresh failed"),
            }
        }
    });
    vec![consensus, scores, stake]
}
