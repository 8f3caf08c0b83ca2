//! `/samples/*` (SPEC §9.5 "Samples", §9.5.1, S7).

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use leoma_api_types::owner_api::{SampleResponse, detail};
use leoma_api_types::samples::{BatchScheme, SampleBatch, SampleSubmission};

use super::{json, parse_json, query_int, query_str, ss58};
use crate::auth::Signed;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::{SampleFilter, SampleRow};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/samples", post(submit))
        .route("/samples/batch", post(batch))
        .route("/samples/list", get(list))
        .route("/samples/task", get(task))
        .route("/samples/validator/{validator_hotkey}", get(by_validator))
        .route("/samples/miner/{miner_hotkey}", get(by_miner))
}

fn response(r: SampleRow) -> SampleResponse {
    SampleResponse {
        id: r.id,
        task_id: r.task_id,
        validator_hotkey: r.validator_hotkey,
        miner_hotkey: r.miner_hotkey,
        prompt: r.prompt,
        passed: r.passed,
        confidence: r.confidence,
        reasoning: r.reasoning,
        evaluated_at: r.evaluated_at,
        latency_ms: r.latency_ms,
    }
}

/// The current rotation index for the S7 task-id check: the chain's best block over the
/// dashboard interval when a chain is configured, else no upper bound beyond 2^31 − 1.
async fn current_rotation_index(state: &AppState) -> ApiResult<u64> {
    let interval = crate::views::rotation_interval(state).await?.max(1) as u64;
    match state.chain() {
        Some(chain) => match chain.best_block().await {
            Ok(b) => Ok(u64::from(b.number) / interval),
            Err(e) => Err(ApiError::Internal(format!("best block: {e}"))),
        },
        None => Ok(leoma_api_types::samples::MAX_TASK_ID as u64),
    }
}

async fn submit(State(state): State<AppState>, signed: Signed) -> ApiResult<Response> {
    let sample: SampleSubmission = parse_json(&signed.body)?;
    sample.validate()?;
    sample.check_task_id(current_rotation_index(&state).await?)?;
    let now = crate::clock::now_iso();
    let validator = signed.who.hotkey.as_str();
    let row = state
        .store()
        .upsert_sample(validator, &sample, &now)
        .await?;
    if let Some(sig) = &sample.evaluation_signature {
        state
            .store()
            .put_evaluation_signature(sample.task_id, validator, sig, false, None, &now)
            .await?;
    }
    state.invalidate();
    json(&response(row))
}

async fn batch(State(state): State<AppState>, signed: Signed) -> ApiResult<Response> {
    let batch: SampleBatch = parse_json(&signed.body)?;
    batch.validate()?;
    if batch.samples.is_empty() {
        return json(&Vec::<SampleResponse>::new());
    }
    batch.check_task_ids(current_rotation_index(&state).await?)?;
    let signature = match &batch.signature {
        Some(sig) => {
            let scheme = batch
                .verify_signature(&signed.who.hotkey)
                .ok_or_else(|| ApiError::bad_request(detail::INVALID_EVALUATION_SIGNATURE))?;
            let scheme = match scheme {
                BatchScheme::V1 => 1,
                BatchScheme::V2 => 2,
            };
            Some((sig.as_str(), true, Some(scheme)))
        }
        None => None,
    };
    let rows = state
        .store()
        .upsert_batch(
            signed.who.hotkey.as_str(),
            &batch.samples,
            signature,
            &crate::clock::now_iso(),
        )
        .await?;
    state.invalidate();
    json(&rows.into_iter().map(response).collect::<Vec<_>>())
}

async fn list(
    State(state): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    let limit = query_int(&q, "limit", Some(200), 1, 500)?;
    let rows = state.store().samples(SampleFilter::Recent, limit).await?;
    json(&rows.into_iter().map(response).collect::<Vec<_>>())
}

async fn task(
    State(state): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
    _who: Signed,
) -> ApiResult<Response> {
    let validator = query_str(&q, "validator_hotkey")?.to_owned();
    let task_id = query_int(&q, "task_id", None, i64::MIN, i64::MAX)?;
    ss58(&validator)?;
    let rows = state
        .store()
        .samples(SampleFilter::TaskValidator(task_id, validator), 10_000)
        .await?;
    json(&rows.into_iter().map(response).collect::<Vec<_>>())
}

async fn by_validator(
    State(state): State<AppState>,
    Path(hk): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    _who: Signed,
) -> ApiResult<Response> {
    let limit = query_int(&q, "limit", Some(100), 1, 500)?;
    ss58(&hk)?;
    let rows = state
        .store()
        .samples(SampleFilter::Validator(hk), limit)
        .await?;
    json(&rows.into_iter().map(response).collect::<Vec<_>>())
}

async fn by_miner(
    State(state): State<AppState>,
    Path(hk): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    _who: Signed,
) -> ApiResult<Response> {
    let limit = query_int(&q, "limit", Some(100), 1, 500)?;
    ss58(&hk)?;
    let rows = state
        .store()
        .samples(SampleFilter::Miner(hk), limit)
        .await?;
    json(&rows.into_iter().map(response).collect::<Vec<_>>())
}
