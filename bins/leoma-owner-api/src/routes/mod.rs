//! The HTTP surface (SPEC §9.5): one router per resource, merged by [`crate::app()`], plus the
//! request helpers every handler shares (JSON bodies, path and query parsing with the FastAPI 422
//! shape, SS58 checks, cached public responses).

pub(crate) mod blacklist;
pub(crate) mod miners;
pub(crate) mod samples;
pub(crate) mod scores;
pub(crate) mod tasks;
pub(crate) mod validators;

use std::collections::HashMap;
use std::future::Future;

use axum::body::Bytes;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use leoma_api_types::Hotkey;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Most rows a list endpoint returns (S11).
pub const MAX_LIST_ROWS: i64 = 10_000;

/// Routes that authenticate their caller (scheme A or B); every other route is public and
/// rate-limited per client IP.
pub const AUTHENTICATED: &[(&str, &str)] = &[
    ("GET", "/miners/valid"),
    ("GET", "/miners/all"),
    ("POST", "/miners/report"),
    ("GET", "/miners/{miner_hotkey}"),
    ("POST", "/samples"),
    ("POST", "/samples/batch"),
    ("GET", "/samples/task"),
    ("GET", "/samples/validator/{validator_hotkey}"),
    ("GET", "/samples/miner/{miner_hotkey}"),
    ("POST", "/rotation/interval"),
    ("POST", "/validators"),
    ("DELETE", "/validators/{validator_hotkey}"),
    ("POST", "/blacklist"),
    ("DELETE", "/blacklist/{hotkey}"),
];

/// Parses a JSON body; failures are 422 in the FastAPI shape.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> ApiResult<T> {
    serde_json::from_slice(body).map_err(|e| {
        let kind = if e.is_syntax() || e.is_eof() {
            "json_invalid"
        } else {
            "model_attributes_type"
        };
        ApiError::invalid(&["body"], &e.to_string(), kind)
    })
}

/// A hotkey from a path, query or body: 400 `Invalid SS58 address format` unless valid.
pub fn ss58(s: &str) -> ApiResult<Hotkey> {
    Hotkey::parse(s).map_err(|_| ApiError::invalid_ss58())
}

/// An integer path segment (422 otherwise).
pub fn path_int(value: &str, name: &str) -> ApiResult<i64> {
    value.parse::<i64>().map_err(|_| {
        ApiError::invalid(
            &["path", name],
            "Input should be a valid integer, unable to parse string as an integer",
            "int_parsing",
        )
    })
}

/// An integer query parameter within `[min, max]`, `default` when absent (422 otherwise).
pub fn query_int(
    q: &HashMap<String, String>,
    name: &str,
    default: Option<i64>,
    min: i64,
    max: i64,
) -> ApiResult<i64> {
    let Some(raw) = q.get(name) else {
        return default
            .ok_or_else(|| ApiError::invalid(&["query", name], "Field required", "missing"));
    };
    let v = raw.parse::<i64>().map_err(|_| {
        ApiError::invalid(
            &["query", name],
            "Input should be a valid integer, unable to parse string as an integer",
            "int_parsing",
        )
    })?;
    if v < min {
        return Err(ApiError::invalid(
            &["query", name],
            &format!("Input should be greater than or equal to {min}"),
            "greater_than_equal",
        ));
    }
    if v > max {
        return Err(ApiError::invalid(
            &["query", name],
            &format!("Input should be less than or equal to {max}"),
            "less_than_equal",
        ));
    }
    Ok(v)
}

/// A required string query parameter (422 when absent).
pub fn query_str<'a>(q: &'a HashMap<String, String>, name: &str) -> ApiResult<&'a str> {
    q.get(name)
        .map(String::as_str)
        .ok_or_else(|| ApiError::invalid(&["query", name], "Field required", "missing"))
}

/// A JSON response from already-encoded bytes.
pub fn json_bytes(body: Bytes) -> Response {
    ([(CONTENT_TYPE, "application/json")], body).into_response()
}

/// Serializes `value` as a JSON response.
pub fn json<T: Serialize>(value: &T) -> ApiResult<Response> {
    let bytes = serde_json::to_vec(value).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(json_bytes(Bytes::from(bytes)))
}

/// A public response computed at most once per cache TTL (writes clear the cache). On expiry
/// one request triggers a background refresh and every request keeps the previous body until it
/// lands, so no request waits for a recomputation once the cache is warm.
pub async fn cached<T, F, Fut>(
    state: &AppState,
    key: &'static str,
    compute: F,
) -> ApiResult<Response>
where
    T: Serialize + Send + 'static,
    F: FnOnce(AppState) -> Fut + Send + 'static,
    Fut: Future<Output = ApiResult<T>> + Send + 'static,
{
    match state.lookup_response(key) {
        crate::state::Cached::Fresh(body) => Ok(json_bytes(body)),
        crate::state::Cached::Stale(body) => {
            let state = state.clone();
            tokio::spawn(async move {
                match compute(state.clone()).await.and_then(|v| encode(&v)) {
                    Ok(bytes) => state.store_response(key, bytes),
                    Err(e) => {
                        tracing::warn!(key, error = ?e, "refresh failed; keeping the cached response")
                    }
                }
            });
            Ok(json_bytes(body))
        }
        crate::state::Cached::Miss => {
            let bytes = encode(&compute(state.clone()).await?)?;
            state.store_response(key, bytes.clone());
            Ok(json_bytes(bytes))
        }
    }
}

fn encode<T: Serialize>(value: &T) -> ApiResult<Bytes> {
    serde_json::to_vec(value)
        .map(Bytes::from)
        .map_err(|e| ApiError::Internal(e.to_string()))
}
