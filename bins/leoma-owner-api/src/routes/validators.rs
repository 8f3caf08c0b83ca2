//! `/validators/*` and `/rotation/interval` (SPEC §9.5 "Validators", "Rotation").

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use leoma_api_types::owner_api::{
    AddValidatorRequest, AddValidatorResponse, RemovedResponse, RotationIntervalRequest,
    RotationIntervalResponse, ValidatorCard, ValidatorDetailResponse, ValidatorMinerPassRate,
    detail,
};
use leoma_chain::At;

use super::{MAX_LIST_ROWS, cached, json, parse_json, ss58};
use crate::auth::Signed;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::StoreError;
use crate::views;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/validators", get(list).post(add))
        .route(
            "/validators/{validator_hotkey}",
            get(detail_of).delete(remove),
        )
        .route("/rotation/interval", post(set_interval))
}

async fn list(State(state): State<AppState>) -> ApiResult<Response> {
    cached(&state, "/validators", |s| async move {
        views::validator_cards(&s).await
    })
    .await
}

async fn add(State(state): State<AppState>, signed: Signed) -> ApiResult<Response> {
    signed.require_admin()?;
    let req: AddValidatorRequest = parse_json(&signed.body)?;
    let hotkey = req.validate()?;
    let (uid, metagraph_stake) = match req.uid {
        Some(uid) => (uid, None),
        None => {
            let not_found = || ApiError::not_found(detail::HOTKEY_NOT_ON_METAGRAPH);
            let chain = state.chain().ok_or_else(not_found)?;
            let mg = chain
                .metagraph(state.settings().netuid, At::Best)
                .await
                .map_err(|e| ApiError::Internal(format!("metagraph: {e}")))?;
            let uid = mg.uid_of(&hotkey).ok_or_else(not_found)?;
            let stake = mg
                .neuron(uid)
                .map(|n| crate::tasks::stake_tao(n.total_stake));
            (i64::from(uid), stake)
        }
    };
    let stake = req.stake.or(metagraph_stake).unwrap_or(0.0).max(0.0);
    match state
        .store()
        .upsert_validator(uid, hotkey.as_str(), stake, &crate::clock::now_iso())
        .await
    {
        Ok(()) => {}
        Err(StoreError::Conflict(_)) => {
            return Err(ApiError::detail(
                StatusCode::CONFLICT,
                detail::HOTKEY_UNDER_ANOTHER_UID,
            ));
        }
        Err(e) => return Err(e.into()),
    }
    state.invalidate();
    json(&AddValidatorResponse {
        success: true,
        uid,
        hotkey: hotkey.as_str().to_owned(),
        stake,
        added_by: signed.who.hotkey.as_str().to_owned(),
    })
}

async fn remove(
    State(state): State<AppState>,
    Path(hk): Path<String>,
    signed: Signed,
) -> ApiResult<Response> {
    signed.require_admin()?;
    if !state.store().delete_validator(&hk).await? {
        return Err(ApiError::not_found(detail::VALIDATOR_NOT_REGISTERED));
    }
    state.invalidate();
    json(&RemovedResponse::validator(&hk, signed.who.hotkey.as_str()))
}

async fn detail_of(State(state): State<AppState>, Path(hk): Path<String>) -> ApiResult<Response> {
    ss58(&hk)?;
    let validators = state.store().validators(MAX_LIST_ROWS).await?;
    let (ids, rows) = views::window_samples(&state).await?;
    let mut ordered: Vec<String> = validators.iter().map(|v| v.hotkey.clone()).collect();
    ordered.sort();
    let card = match validators.iter().find(|v| v.hotkey == hk) {
        Some(v) => views::validator_card(v, &ordered, &ids, &rows, chrono::Utc::now()),
        None => ValidatorCard {
            uid: -1,
            hotkey: hk.clone(),
            stake: 0.0,
            permissioned: false,
            online: false,
            last_sampled_task_id: None,
            last_sampled_at: None,
            tasks_sampled: 0,
            expected_turns: 0,
            participation_rate: 0.0,
            evaluations: 0,
            avg_latency_ms: None,
        },
    };
    let scores = state
        .store()
        .rank_scores(None, Some(&hk), MAX_LIST_ROWS)
        .await?;
    let miner_scores: BTreeMap<String, ValidatorMinerPassRate> = scores
        .into_iter()
        .map(|r| {
            (
                r.miner_hotkey.clone(),
                ValidatorMinerPassRate {
                    miner_hotkey: r.miner_hotkey,
                    pass_rate: r.pass_rate,
                    total_samples: r.total_samples,
                    total_passed: r.total_passed,
                },
            )
        })
        .collect();
    json(&ValidatorDetailResponse {
        card,
        miner_scores: miner_scores.into_values().collect(),
    })
}

async fn set_interval(State(state): State<AppState>, signed: Signed) -> ApiResult<Response> {
    signed.require_admin()?;
    let req: RotationIntervalRequest = parse_json(&signed.body)?;
    req.validate()?;
    state
        .store()
        .set_state(
            views::ROTATION_INTERVAL_KEY,
            &req.interval.to_string(),
            &crate::clock::now_iso(),
        )
        .await?;
    state.invalidate();
    json(&RotationIntervalResponse {
        interval: req.interval,
    })
}
