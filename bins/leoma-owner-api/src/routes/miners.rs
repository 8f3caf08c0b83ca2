//! `/health` and `/miners/*` (SPEC §9.5 "Health", "Miners").

use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use leoma_api_types::owner_api::{
    HealthResponse, HealthStatus, MinerListResponse, MinerResponse, ReportResponse, detail,
};
use leoma_api_types::report::MinerReport;

use super::{MAX_LIST_ROWS, cached, json, parse_json, path_int, ss58};
use crate::auth::Signed;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::{MinerRow, SampleFilter};
use crate::views;

/// Most samples read for one miner's task list.
const MINER_TASK_ROWS: i64 = 5000;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/health", get(health))
        .route("/miners/uid/{uid}", get(by_uid))
        .route("/miners/list", get(list))
        .route("/miners/valid", get(valid))
        .route("/miners/all", get(all))
        .route("/miners/active", get(active))
        .route("/miners/report", post(report))
        .route("/miners/info/{miner_hotkey}", get(info))
        .route("/miners/{miner_hotkey}/tasks", get(tasks))
        .route("/miners/{miner_hotkey}", get(by_hotkey))
}

/// A `valid_miners` row as `MinerResponse`.
pub(crate) fn miner_response(m: MinerRow) -> MinerResponse {
    MinerResponse {
        uid: m.uid,
        hotkey: m.miner_hotkey,
        model_name: m.model_name,
        model_revision: m.model_revision,
        model_hash: m.model_hash,
        chute_id: m.chute_id,
        chute_slug: m.chute_slug,
        is_valid: m.is_valid,
        invalid_reason: m.invalid_reason,
        block: m.block,
        last_validated_at: m.last_validated_at,
    }
}

async fn health(State(state): State<AppState>) -> ApiResult<Response> {
    let database = state.store().ping().await.is_ok();
    let last_sync = state.last_sync();
    json(&HealthResponse {
        status: if database {
            HealthStatus::Healthy
        } else {
            HealthStatus::Degraded
        },
        version: env!("CARGO_PKG_VERSION").to_owned(),
        database,
        metagraph_synced: last_sync.is_some(),
        last_sync,
    })
}

async fn by_uid(State(state): State<AppState>, Path(uid): Path<String>) -> ApiResult<Response> {
    let uid = path_int(&uid, "uid")?;
    match state.store().miner_by_uid(uid).await? {
        Some(m) => json(&miner_response(m)),
        None => Err(ApiError::not_found(detail::MINER_NOT_FOUND)),
    }
}

async fn miner_list(state: &AppState, valid_only: bool) -> ApiResult<MinerListResponse> {
    let rows = state.store().miners(MAX_LIST_ROWS).await?;
    let (total, valid_count) = state.store().miner_counts().await?;
    Ok(MinerListResponse {
        miners: rows
            .into_iter()
            .filter(|m| !valid_only || m.is_valid)
            .map(miner_response)
            .collect(),
        total,
        valid_count,
    })
}

async fn list(State(state): State<AppState>) -> ApiResult<Response> {
    json(&miner_list(&state, false).await?)
}

async fn valid(State(state): State<AppState>, _who: Signed) -> ApiResult<Response> {
    json(&miner_list(&state, true).await?)
}

async fn all(State(state): State<AppState>, _who: Signed) -> ApiResult<Response> {
    json(&miner_list(&state, false).await?)
}

async fn active(State(state): State<AppState>) -> ApiResult<Response> {
    cached(&state, "/miners/active", |s| async move {
        views::active_miners(&s).await
    })
    .await
}

async fn report(State(state): State<AppState>, signed: Signed) -> ApiResult<Response> {
    signed.require_permissioned(&state).await?;
    let report: MinerReport = parse_json(&signed.body)?;
    report.validate()?;
    let n = state
        .store()
        .replace_reports(
            signed.who.hotkey.as_str(),
            &report.miners,
            &crate::clock::now_iso(),
        )
        .await?;
    json(&ReportResponse { reported: n })
}

async fn info(State(state): State<AppState>, Path(hk): Path<String>) -> ApiResult<Response> {
    ss58(&hk)?;
    match state.store().miner_by_hotkey(&hk).await? {
        Some(m) => json(&miner_response(m)),
        None => Err(ApiError::not_found(detail::MINER_NOT_FOUND)),
    }
}

async fn by_hotkey(
    State(state): State<AppState>,
    Path(hk): Path<String>,
    _who: Signed,
) -> ApiResult<Response> {
    ss58(&hk)?;
    match state.store().miner_by_hotkey(&hk).await? {
        Some(m) => json(&miner_response(m)),
        None => Err(ApiError::not_found(detail::MINER_NOT_FOUND)),
    }
}

/// `[MinerTaskEntry]` of a miner (shared with `GET /tasks?miner_hotkey=`).
pub(crate) async fn miner_tasks(state: &AppState, hk: &str) -> ApiResult<Response> {
    ss58(hk)?;
    let rows = state
        .store()
        .samples(SampleFilter::Miner(hk.to_owned()), MINER_TASK_ROWS)
        .await?;
    let rows: Vec<_> = rows.into_iter().filter(|r| r.counts()).collect();
    json(&views::miner_task_entries(&rows))
}

async fn tasks(State(state): State<AppState>, Path(hk): Path<String>) -> ApiResult<Response> {
    miner_tasks(&state, &hk).await
}
