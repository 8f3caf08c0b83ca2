//! `/tasks/*` (SPEC §9.5 "Tasks", §9.8 task helpers and media presigning).

use std::collections::{BTreeMap, HashMap};

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use leoma_api_types::TaskId;
use leoma_api_types::keys::{first_frame_key, generated_video_key, original_clip_key};
use leoma_api_types::owner_api::{
    TaskDetail, TaskDetailMinerEntry, TaskMinerDetail, TaskValidatorEvaluation, detail,
};

use super::{path_int, query_str, ss58};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::{SampleFilter, SampleRow};
use crate::views::{parse_artifacts, representative};

/// Most samples read for one task.
const TASK_ROWS: i64 = 10_000;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/tasks", get(by_miner))
        .route("/tasks/{task_id}", get(task))
        .route("/tasks/{task_id}/miner/{miner_hotkey}", get(task_miner))
}

async fn by_miner(
    State(state): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    let hk = query_str(&q, "miner_hotkey")?.to_owned();
    super::miners::miner_tasks(&state, &hk).await
}

async fn presign(state: &AppState, sampler: &str, key: &str) -> Option<String> {
    match state.media() {
        Some(m) => m.presign(sampler, key).await,
        None => None,
    }
}

fn task_key(id: i64) -> Option<TaskId> {
    u64::try_from(id).ok().map(TaskId)
}

async fn task(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    let id = path_int(&id, "task_id")?;
    let rows: Vec<SampleRow> = state
        .store()
        .samples(SampleFilter::Task(id), TASK_ROWS)
        .await?;
    let Some(first) = rows.first() else {
        return Err(ApiError::not_found(detail::TASK_NOT_FOUND));
    };
    let sampler = first.validator_hotkey.clone();
    let mut groups: BTreeMap<&str, Vec<&SampleRow>> = BTreeMap::new();
    for r in &rows {
        groups.entry(&r.miner_hotkey).or_default().push(r);
    }
    let mut miners: Vec<TaskDetailMinerEntry> = groups
        .iter()
        .filter_map(|(m, g)| {
            let rep = representative(g)?;
            Some(TaskDetailMinerEntry {
                miner_hotkey: (*m).to_owned(),
                passed: rep.passed,
                latency_ms: g.iter().find_map(|r| r.latency_ms),
                updated: rep.evaluated_at.clone(),
            })
        })
        .collect();
    miners.sort_by(|a, b| (!a.passed, &a.miner_hotkey).cmp(&(!b.passed, &b.miner_hotkey)));
    let (ff, oc) = match task_key(id) {
        Some(t) => (
            presign(&state, &sampler, &first_frame_key(t)).await,
            presign(&state, &sampler, &original_clip_key(t)).await,
        ),
        None => (None, None),
    };
    super::json(&TaskDetail {
        task_id: id,
        description: first.prompt.clone(),
        s3_prefix: id.to_string(),
        first_frame_path: format!("{id}/first_frame.png"),
        original_clip_path: format!("{id}/original_clip.mp4"),
        first_frame_url: ff,
        original_clip_url: oc,
        miner_count: miners.len() as u64,
        sampler_hotkey: sampler,
        miners,
    })
}

async fn task_miner(
    State(state): State<AppState>,
    Path((id, hk)): Path<(String, String)>,
) -> ApiResult<Response> {
    let id = path_int(&id, "task_id")?;
    ss58(&hk)?;
    let rows = state
        .store()
        .samples(SampleFilter::TaskMiner(id, hk.clone()), TASK_ROWS)
        .await?;
    let group: Vec<&SampleRow> = rows.iter().collect();
    let Some(rep) = representative(&group) else {
        return Err(ApiError::not_found(detail::NO_EVALUATIONS));
    };
    let sampler = state
        .store()
        .samples(SampleFilter::Task(id), 1)
        .await?
        .first()
        .map(|s| s.validator_hotkey.clone())
        .unwrap_or_default();
    let (ff, oc, gv) = match task_key(id) {
        Some(t) => (
            presign(&state, &sampler, &first_frame_key(t)).await,
            presign(&state, &sampler, &original_clip_key(t)).await,
            presign(&state, &sampler, &generated_video_key(t, &hk)).await,
        ),
        None => (None, None, None),
    };
    let generated_video_path = match task_key(id) {
        Some(t) => generated_video_key(t, &hk),
        None => format!("{id}/generated_videos/{hk}.mp4"),
    };
    super::json(&TaskMinerDetail {
        task_id: id,
        miner_hotkey: hk.clone(),
        description: rows.first().and_then(|r| r.prompt.clone()),
        s3_prefix: id.to_string(),
        first_frame_path: format!("{id}/first_frame.png"),
        original_clip_path: format!("{id}/original_clip.mp4"),
        generated_video_path,
        first_frame_url: ff,
        original_clip_url: oc,
        generated_video_url: gv,
        validators: rows
            .iter()
            .map(|r| {
                let (aspect_scores, overall_score) =
                    parse_artifacts(r.generated_artifacts.as_deref());
                TaskValidatorEvaluation {
                    validator_hotkey: r.validator_hotkey.clone(),
                    passed: r.passed,
                    evaluated_at: r.evaluated_at.clone(),
                    confidence: r.confidence,
                    reasoning: r.reasoning.clone(),
                    aspect_scores,
                    overall_score,
                }
            })
            .collect(),
        final_passed: rep.passed,
        latency_ms: rows.iter().find_map(|r| r.latency_ms),
    })
}
