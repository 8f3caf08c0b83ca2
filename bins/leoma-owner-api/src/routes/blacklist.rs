//! `/blacklist/*` (SPEC §9.5 "Blacklist").

use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use leoma_api_types::owner_api::{BlacklistAddRequest, RemovedResponse, detail};

use super::{MAX_LIST_ROWS, json, parse_json, ss58};
use crate::auth::Signed;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/blacklist", get(list).post(add))
        .route("/blacklist/miners", get(hotkeys))
        .route("/blacklist/{hotkey}", get(entry).delete(remove))
}

async fn list(State(state): State<AppState>) -> ApiResult<Response> {
    json(&state.store().blacklist(MAX_LIST_ROWS).await?)
}

async fn hotkeys(State(state): State<AppState>) -> ApiResult<Response> {
    let rows = state.store().blacklist(MAX_LIST_ROWS).await?;
    json(&rows.into_iter().map(|e| e.hotkey).collect::<Vec<_>>())
}

async fn entry(State(state): State<AppState>, Path(hk): Path<String>) -> ApiResult<Response> {
    ss58(&hk)?;
    match state.store().blacklist_entry(&hk).await? {
        Some(e) => json(&e),
        None => Err(ApiError::not_found(detail::MINER_NOT_BLACKLISTED)),
    }
}

async fn add(State(state): State<AppState>, signed: Signed) -> ApiResult<Response> {
    signed.require_admin()?;
    let req: BlacklistAddRequest = parse_json(&signed.body)?;
    let hotkey = req.validate()?;
    let entry = state
        .store()
        .upsert_blacklist(
            hotkey.as_str(),
            req.reason.as_deref(),
            Some(signed.who.hotkey.as_str()),
            &crate::clock::now_iso(),
        )
        .await?;
    state.invalidate();
    json(&entry)
}

async fn remove(
    State(state): State<AppState>,
    Path(hk): Path<String>,
    signed: Signed,
) -> ApiResult<Response> {
    signed.require_admin()?;
    if !state.store().delete_blacklist(&hk).await? {
        return Err(ApiError::not_found(detail::MINER_NOT_BLACKLISTED));
    }
    state.invalidate();
    json(&RemovedResponse::blacklisted_miner(
        &hk,
        signed.who.hotkey.as_str(),
    ))
}
