//! The dashboard's derived views (SPEC §9.8): the dashboard window, `OverviewResponse`,
//! `ActiveMinerEntry`, `ValidatorCard` and the per-task summaries. Aggregation uses the same
//! `leoma-scoring` v1 functions the validators run.

use std::collections::{BTreeMap, BTreeSet};

use leoma_api_types::owner_api::{
    ActiveMinerEntry, MinerTaskEntry, OverviewResponse, ValidatorCard,
};
use leoma_scoring::v1::{MinerAggregate, VerdictMap, aggregate};

use crate::error::ApiResult;
use crate::routes::MAX_LIST_ROWS;
use crate::state::AppState;
use crate::store::{MinerRow, SampleRow, StoreResult, ValidatorRow};

/// The `sampling_state` key of the dashboard rotation interval.
pub const ROTATION_INTERVAL_KEY: &str = "rotation_interval";

/// The dashboard window: distinct task ids newest first, slice `[margin .. margin + N]`,
/// returned ascending.
pub async fn window_ids(state: &AppState) -> StoreResult<Vec<i64>> {
    let s = state.settings();
    let mut ids = state
        .store()
        .task_ids_desc(s.settle_margin as i64, s.window as i64)
        .await?;
    ids.reverse();
    Ok(ids)
}

/// The window's samples that count (no `not_evaluated`), and the window ids.
pub async fn window_samples(state: &AppState) -> StoreResult<(Vec<i64>, Vec<SampleRow>)> {
    let ids = window_ids(state).await?;
    let rows = state.store().samples_in_tasks(&ids).await?;
    Ok((ids, rows.into_iter().filter(SampleRow::counts).collect()))
}

/// Aggregates window samples with the v1 rules (no validity filter).
pub fn aggregate_window(
    ids: &[i64],
    rows: &[SampleRow],
    blocks: &BTreeMap<String, i64>,
) -> Vec<MinerAggregate> {
    let mut verdicts = VerdictMap::new();
    for r in rows {
        verdicts.insert(&r.validator_hotkey, r.task_id, &r.miner_hotkey, r.passed);
    }
    aggregate(&verdicts, ids, blocks)
}

/// `valid_miners` hotkey → block (0 → none).
pub fn blocks_of(miners: &[MinerRow]) -> BTreeMap<String, i64> {
    miners
        .iter()
        .filter_map(|m| {
            m.block
                .filter(|b| *b != 0)
                .map(|b| (m.miner_hotkey.clone(), b))
        })
        .collect()
}

/// The dashboard rotation interval: `sampling_state` if a positive integer, else the default.
pub async fn rotation_interval(state: &AppState) -> ApiResult<i64> {
    let stored = state.store().state(ROTATION_INTERVAL_KEY).await?;
    Ok(stored
        .and_then(|v| v.trim().parse::<i64>().ok())
        .filter(|v| *v > 0)
        .unwrap_or(state.settings().rotation_interval as i64))
}

/// `GET /overview`.
pub async fn overview(state: &AppState) -> ApiResult<OverviewResponse> {
    let miners = state.store().miners(MAX_LIST_ROWS).await?;
    let validators = state.store().validators(MAX_LIST_ROWS).await?.len() as i64;
    let hot = hot_chutes(state, &miners).await;
    let valid = miners.iter().filter(|m| m.is_valid).count() as i64;
    let active = miners.iter().filter(|m| is_active(m, &hot)).count() as i64;
    let latest = state.store().task_ids_desc(0, 1).await?.first().copied();
    let current_sampler = match latest {
        Some(t) => state
            .store()
            .samples(crate::store::SampleFilter::Task(t), 1)
            .await?
            .first()
            .map(|s| s.validator_hotkey.clone()),
        None => None,
    };
    let ids = window_ids(state).await?;
    Ok(OverviewResponse {
        active_miners: active,
        valid_miners: valid,
        total_miners: miners.len() as i64,
        total_validators: validators,
        permissioned_validators: validators,
        rotation_interval: rotation_interval(state).await?,
        current_sampler,
        latest_task_id: latest,
        window_start: ids.first().copied(),
        window_end: ids.last().copied(),
    })
}

async fn hot_chutes(state: &AppState, miners: &[MinerRow]) -> BTreeSet<String> {
    let ids: Vec<String> = miners
        .iter()
        .filter(|m| m.is_valid)
        .filter_map(|m| m.chute_id.clone())
        .collect();
    state.chutes().hot(&ids).await
}

fn is_active(m: &MinerRow, hot: &BTreeSet<String>) -> bool {
    m.is_valid && m.chute_id.as_ref().is_some_and(|c| hot.contains(c))
}

/// Integer part of the mean of the present latencies.
fn mean_latency<'a>(values: impl Iterator<Item = &'a SampleRow>) -> Option<i64> {
    let lat: Vec<i64> = values.filter_map(|r| r.latency_ms).collect();
    (!lat.is_empty())
        .then(|| (lat.iter().map(|v| *v as f64).sum::<f64>() / lat.len() as f64) as i64)
}

/// `GET /miners/active`.
pub async fn active_miners(state: &AppState) -> ApiResult<Vec<ActiveMinerEntry>> {
    let miners = state.store().miners(MAX_LIST_ROWS).await?;
    let hot = hot_chutes(state, &miners).await;
    let active: Vec<&MinerRow> = miners.iter().filter(|m| is_active(m, &hot)).collect();
    if active.is_empty() {
        return Ok(Vec::new());
    }
    let (ids, rows) = window_samples(state).await?;
    let aggs: BTreeMap<String, MinerAggregate> = aggregate_window(&ids, &rows, &blocks_of(&miners))
        .into_iter()
        .map(|a| (a.miner_hotkey.clone(), a))
        .collect();
    let ranks = state.store().miner_ranks(MAX_LIST_ROWS).await?;
    let threshold = state.settings().completeness_threshold;
    let mut by_miner: BTreeMap<&str, Vec<&SampleRow>> = BTreeMap::new();
    for r in &rows {
        by_miner.entry(r.miner_hotkey.as_str()).or_default().push(r);
    }
    let mut out: Vec<ActiveMinerEntry> = active
        .into_iter()
        .map(|m| {
            let mine: &[&SampleRow] = by_miner
                .get(m.miner_hotkey.as_str())
                .map_or(&[], Vec::as_slice);
            let agg = aggs.get(&m.miner_hotkey);
            let rank = ranks.iter().find(|r| r.miner_hotkey == m.miner_hotkey);
            let mut per_validator: BTreeMap<&str, (u32, u32)> = BTreeMap::new();
            for r in mine {
                let e = per_validator
                    .entry(r.validator_hotkey.as_str())
                    .or_default();
                e.0 += u32::from(r.passed);
                e.1 += 1;
            }
            let mut validator_scores: Vec<f64> = per_validator
                .values()
                .map(|(p, n)| f64::from(*p) / f64::from(*n))
                .collect();
            validator_scores.sort_by(f64::total_cmp);
            ActiveMinerEntry {
                uid: m.uid,
                hotkey: m.miner_hotkey.clone(),
                model_name: m.model_name.clone(),
                model_revision: m.model_revision.clone(),
                chute_slug: m.chute_slug.clone(),
                block: m.block,
                active: true,
                eligible: agg.is_some_and(|a| a.completeness >= threshold - 1e-9),
                rank: rank.map(|r| r.rank),
                weight: if rank.is_some_and(|r| r.rank == 1) {
                    1.0
                } else {
                    0.0
                },
                score: rank
                    .map(|r| r.pass_rate)
                    .or(agg.map(|a| a.avg_rate))
                    .unwrap_or(0.0),
                tasks_passed: mine.iter().filter(|r| r.passed).count() as i64,
                tasks_evaluated: mine
                    .iter()
                    .map(|r| r.task_id)
                    .collect::<BTreeSet<_>>()
                    .len() as i64,
                validators_evaluating: per_validator.len() as i64,
                last_evaluated_at: mine.iter().filter_map(|r| r.evaluated_at.clone()).max(),
                avg_latency_ms: mean_latency(mine.iter().copied()),
                validator_scores,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        a.rank
            .unwrap_or(1_000_000_000)
            .cmp(&b.rank.unwrap_or(1_000_000_000))
            .then(b.score.total_cmp(&a.score))
    });
    Ok(out)
}

/// One validator's card over the window (§9.8).
pub fn validator_card(
    v: &ValidatorRow,
    ordered: &[String],
    ids: &[i64],
    rows: &[SampleRow],
    now: chrono::DateTime<chrono::Utc>,
) -> ValidatorCard {
    let mine: Vec<&SampleRow> = rows
        .iter()
        .filter(|r| r.validator_hotkey == v.hotkey)
        .collect();
    let n = ordered.len() as i64;
    let expected = if n == 0 {
        0
    } else {
        ids.iter()
            .filter(|t| {
                usize::try_from(t.rem_euclid(n))
                    .ok()
                    .and_then(|i| ordered.get(i))
                    .is_some_and(|h| *h == v.hotkey)
            })
            .count() as i64
    };
    let tasks: BTreeSet<i64> = mine.iter().map(|r| r.task_id).collect();
    let sampled = tasks.len() as i64;
    let participation = if expected > 0 {
        (sampled as f64 / expected as f64).min(1.0)
    } else if sampled > 0 {
        1.0
    } else {
        0.0
    };
    let online = v
        .last_seen_at
        .as_deref()
        .and_then(crate::clock::parse)
        .is_some_and(|t| now.signed_duration_since(t) <= chrono::Duration::minutes(15));
    ValidatorCard {
        uid: v.uid,
        hotkey: v.hotkey.clone(),
        stake: v.stake,
        permissioned: true,
        online,
        last_sampled_task_id: tasks.last().copied(),
        last_sampled_at: mine.iter().filter_map(|r| r.evaluated_at.clone()).max(),
        tasks_sampled: sampled,
        expected_turns: expected,
        participation_rate: participation,
        evaluations: mine.len() as i64,
        avg_latency_ms: mean_latency(mine.iter().copied()),
    }
}

/// `GET /validators`: cards sorted by participation descending, stable over uid order.
pub async fn validator_cards(state: &AppState) -> ApiResult<Vec<ValidatorCard>> {
    let validators = state.store().validators(MAX_LIST_ROWS).await?;
    let (ids, rows) = window_samples(state).await?;
    let mut ordered: Vec<String> = validators.iter().map(|v| v.hotkey.clone()).collect();
    ordered.sort();
    let now = chrono::Utc::now();
    let mut cards: Vec<ValidatorCard> = validators
        .iter()
        .map(|v| validator_card(v, &ordered, &ids, &rows, now))
        .collect();
    cards.sort_by(|a, b| b.participation_rate.total_cmp(&a.participation_rate));
    Ok(cards)
}

/// `aspect_scores` and `overall_score` of a sample's `generated_artifacts` (§9.8).
pub fn parse_artifacts(artifacts: Option<&str>) -> (Option<BTreeMap<String, i64>>, Option<i64>) {
    let Some(v) = artifacts.and_then(|a| serde_json::from_str::<serde_json::Value>(a).ok()) else {
        return (None, None);
    };
    let aspects = v.get("aspect_scores").and_then(|a| a.as_object()).map(|o| {
        o.iter()
            .filter_map(|(k, v)| v.as_f64().map(|f| (k.clone(), f as i64)))
            .collect()
    });
    let overall = v
        .get("overall_score")
        .and_then(|o| o.as_f64())
        .map(|f| f as i64);
    (aspects, overall)
}

/// The representative of a group: latest `evaluated_at` among rows that have one, else the
/// first row.
pub fn representative<'a>(group: &[&'a SampleRow]) -> Option<&'a SampleRow> {
    let mut best: Option<&'a SampleRow> = None;
    for r in group {
        if let Some(at) = &r.evaluated_at
            && best.is_none_or(|b| b.evaluated_at.as_ref().is_none_or(|bat| at > bat))
        {
            best = Some(r);
        }
    }
    best.or(group.first().copied())
}

/// `[MinerTaskEntry]` of one miner's samples, task id descending.
pub fn miner_task_entries(rows: &[SampleRow]) -> Vec<MinerTaskEntry> {
    let mut groups: BTreeMap<i64, Vec<&SampleRow>> = BTreeMap::new();
    for r in rows {
        groups.entry(r.task_id).or_default().push(r);
    }
    groups
        .into_iter()
        .rev()
        .filter_map(|(task_id, group)| {
            let rep = representative(&group)?;
            Some(MinerTaskEntry {
                task_id,
                passed: rep.passed,
                validator_hotkey: Some(rep.validator_hotkey.clone()),
                overall_score: parse_artifacts(rep.generated_artifacts.as_deref()).1,
                latency_ms: group.iter().find_map(|r| r.latency_ms),
                updated: rep.evaluated_at.clone(),
            })
        })
        .collect()
}
