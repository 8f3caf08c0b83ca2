//! `/scores/*`, `/weights` and `/overview` (SPEC §9.5 "Scores", "Weights", "Overview").

use std::collections::{BTreeMap, BTreeSet};

use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use leoma_api_types::owner_api::{
    AggregatedScore, MinerScoreSummary, MinerScoresResponse, MinerValidatorScore, RankEntry,
    RankResponse, ScoreStatsResponse, ScoresResponse, ValidatorMinerScore, ValidatorScoreSummary,
    ValidatorScoresResponse, WeightEntry, WeightsResponse,
};

use super::{MAX_LIST_ROWS, cached, json, ss58};
use crate::error::ApiResult;
use crate::state::AppState;
use crate::store::RankScoreRow;
use crate::views;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/scores", get(scores))
        .route("/scores/validators", get(by_validators))
        .route("/scores/miner/{miner_hotkey}", get(miner))
        .route("/scores/validator/{validator_hotkey}", get(validator))
        .route("/scores/rank", get(rank))
        .route("/scores/stats", get(stats))
        .route("/weights", get(weights))
        .route("/overview", get(overview))
}

fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let v: Vec<f64> = values.collect();
    if v.is_empty() {
        0.0
    } else {
        v.iter().sum::<f64>() / v.len() as f64
    }
}

fn pooled(rows: &[&RankScoreRow]) -> (i64, i64, f64) {
    let samples: i64 = rows.iter().map(|r| r.total_samples).sum();
    let passed: i64 = rows.iter().map(|r| r.total_passed).sum();
    let rate = if samples > 0 {
        passed as f64 / samples as f64
    } else {
        0.0
    };
    (samples, passed, rate)
}

async fn scores(State(state): State<AppState>) -> ApiResult<Response> {
    cached(&state, "/scores", |state| async move {
        let rows = state
            .store()
            .rank_scores(None, None, MAX_LIST_ROWS * 10)
            .await?;
        let mut by_miner: BTreeMap<&str, Vec<&RankScoreRow>> = BTreeMap::new();
        for r in &rows {
            by_miner.entry(&r.miner_hotkey).or_default().push(r);
        }
        let scores = by_miner
            .into_iter()
            .map(|(m, rs)| {
                let (samples, passed, rate) = pooled(&rs);
                (
                    m.to_owned(),
                    MinerScoreSummary {
                        avg_score: mean(rs.iter().map(|r| r.score)),
                        total_samples: samples,
                        total_passed: passed,
                        pass_rate: rate,
                        validator_count: rs.len() as i64,
                    },
                )
            })
            .collect();
        let validators: BTreeSet<&str> = rows.iter().map(|r| r.validator_hotkey.as_str()).collect();
        let updated_at = rows
            .iter()
            .filter_map(|r| r.updated_at.clone())
            .max()
            .unwrap_or_else(crate::clock::now_iso);
        Ok(ScoresResponse {
            scores,
            total_validators: validators.len() as u64,
            updated_at,
        })
    })
    .await
}

async fn by_validators(State(state): State<AppState>) -> ApiResult<Response> {
    cached(&state, "/scores/validators", |state| async move {
        let rows = state
            .store()
            .rank_scores(None, None, MAX_LIST_ROWS * 10)
            .await?;
        let mut by_validator: BTreeMap<&str, Vec<&RankScoreRow>> = BTreeMap::new();
        for r in &rows {
            by_validator.entry(&r.validator_hotkey).or_default().push(r);
        }
        Ok(by_validator
            .into_iter()
            .map(|(v, rs)| {
                let (samples, passed, rate) = pooled(&rs);
                ValidatorScoreSummary {
                    validator_hotkey: v.to_owned(),
                    total_samples: samples,
                    total_passed: passed,
                    avg_score: mean(rs.iter().map(|r| r.score)),
                    pass_rate: rate,
                    last_updated: rs.iter().filter_map(|r| r.updated_at.clone()).max(),
                }
            })
            .collect::<Vec<_>>())
    })
    .await
}

async fn miner(State(state): State<AppState>, Path(hk): Path<String>) -> ApiResult<Response> {
    ss58(&hk)?;
    let rows = state
        .store()
        .rank_scores(Some(&hk), None, MAX_LIST_ROWS)
        .await?;
    let refs: Vec<&RankScoreRow> = rows.iter().collect();
    let (samples, passed, rate) = pooled(&refs);
    json(&MinerScoresResponse {
        miner_hotkey: hk.clone(),
        aggregated: AggregatedScore {
            total_samples: samples,
            total_passed: passed,
            avg_score: mean(rows.iter().map(|r| r.score)),
            pass_rate: rate,
            validator_count: rows.len() as i64,
        },
        by_validator: rows
            .into_iter()
            .map(|r| MinerValidatorScore {
                validator_hotkey: r.validator_hotkey,
                score: r.score,
                total_samples: r.total_samples,
                total_passed: r.total_passed,
                pass_rate: r.pass_rate,
                updated_at: r.updated_at,
            })
            .collect(),
    })
}

async fn validator(State(state): State<AppState>, Path(hk): Path<String>) -> ApiResult<Response> {
    ss58(&hk)?;
    let rows = state
        .store()
        .rank_scores(None, Some(&hk), MAX_LIST_ROWS)
        .await?;
    json(&ValidatorScoresResponse {
        validator_hotkey: hk.clone(),
        total_miners: rows.len() as u64,
        scores: rows
            .into_iter()
            .map(|r| ValidatorMinerScore {
                miner_hotkey: r.miner_hotkey,
                score: r.score,
                total_samples: r.total_samples,
                total_passed: r.total_passed,
                pass_rate: r.pass_rate,
                updated_at: r.updated_at,
            })
            .collect(),
    })
}

/// `GET /scores/rank` body.
pub(crate) async fn rank_response(state: &AppState) -> ApiResult<RankResponse> {
    let ranks = state.store().miner_ranks(MAX_LIST_ROWS).await?;
    let task_ranks = state.store().task_ranks(MAX_LIST_ROWS).await?;
    let miners = state.store().miners(MAX_LIST_ROWS).await?;
    let uids: BTreeMap<&str, i64> = miners
        .iter()
        .map(|m| (m.miner_hotkey.as_str(), m.uid))
        .collect();
    let threshold = state.settings().completeness_threshold;
    let eligible: BTreeSet<&str> = task_ranks
        .iter()
        .filter(|t| t.completeness >= threshold - 1e-9)
        .map(|t| t.miner_hotkey.as_str())
        .collect();
    Ok(RankResponse {
        ranks: ranks
            .iter()
            .map(|r| RankEntry {
                miner_hotkey: r.miner_hotkey.clone(),
                uid: uids.get(r.miner_hotkey.as_str()).copied(),
                rank: r.rank,
                passed_count: r.passed_count,
                pass_rate: r.pass_rate,
                block: r.block,
                eligible: eligible.contains(r.miner_hotkey.as_str()),
            })
            .collect(),
    })
}

async fn rank(State(state): State<AppState>) -> ApiResult<Response> {
    cached(&state, "/scores/rank", |s| async move {
        rank_response(&s).await
    })
    .await
}

async fn stats(State(state): State<AppState>) -> ApiResult<Response> {
    cached(&state, "/scores/stats", |state| async move {
        let rows = state
            .store()
            .rank_scores(None, None, MAX_LIST_ROWS * 10)
            .await?;
        let refs: Vec<&RankScoreRow> = rows.iter().collect();
        let (_, _, rate) = pooled(&refs);
        Ok(ScoreStatsResponse {
            total_validators: rows
                .iter()
                .map(|r| &r.validator_hotkey)
                .collect::<BTreeSet<_>>()
                .len() as u64,
            total_miners: rows
                .iter()
                .map(|r| &r.miner_hotkey)
                .collect::<BTreeSet<_>>()
                .len() as u64,
            total_samples: state.store().sample_count().await?,
            total_score_entries: rows.len() as u64,
            overall_pass_rate: rate,
        })
    })
    .await
}

/// `GET /weights` body.
pub(crate) async fn weights_response(state: &AppState) -> ApiResult<WeightsResponse> {
    let ranks = state.store().miner_ranks(MAX_LIST_ROWS).await?;
    let miners = state.store().miners(MAX_LIST_ROWS).await?;
    let by_hotkey: BTreeMap<&str, (i64, bool)> = miners
        .iter()
        .map(|m| (m.miner_hotkey.as_str(), (m.uid, m.is_valid)))
        .collect();
    let winner_uid = ranks
        .iter()
        .find(|r| r.rank == 1)
        .and_then(|r| by_hotkey.get(r.miner_hotkey.as_str()))
        .filter(|(_, valid)| *valid)
        .map(|(uid, _)| *uid)
        .unwrap_or(0);
    Ok(WeightsResponse {
        winner_uid,
        miners: ranks
            .iter()
            .map(|r| {
                let known = by_hotkey.get(r.miner_hotkey.as_str());
                let uid = known.map(|(u, _)| *u).unwrap_or(0);
                let wins =
                    r.rank == 1 && known.is_some_and(|(u, valid)| *valid && *u == winner_uid);
                WeightEntry {
                    miner_hotkey: r.miner_hotkey.clone(),
                    uid,
                    pass_rate: r.pass_rate,
                    weight: if wins { 1.0 } else { 0.0 },
                }
            })
            .collect(),
    })
}

async fn weights(State(state): State<AppState>) -> ApiResult<Response> {
    cached(
        &state,
        "/weights",
        |s| async move { weights_response(&s).await },
    )
    .await
}

async fn overview(State(state): State<AppState>) -> ApiResult<Response> {
    cached(
        &state,
        "/overview",
        |s| async move { views::overview(&s).await },
    )
    .await
}
