//! `FakeOwnerApi`: the three owner-api endpoints a validator calls (SPEC §9.5), with the real
//! wire format and the real `X-*` authentication (SPEC §9.2): `GET /blacklist/miners`
//! (unauthenticated), and signed `POST /miners/report` and `POST /samples/batch`, whose
//! signature is verified over the raw body bytes within the past-biased timestamp window, with
//! a replay cache. Bodies are checked as the owner-api checks them and accepted ones are
//! recorded. Scriptable: blacklist contents, registered validators, and one-shot faults per
//! endpoint (an error status, a delay).

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use leoma_api_types::Hotkey;
use leoma_api_types::owner_api::auth::{X_SIGNATURE, X_TIMESTAMP, X_VALIDATOR_HOTKEY, x_message};
use leoma_api_types::owner_api::{BodyRejection, detail};
use leoma_api_types::report::MinerReport;
use leoma_api_types::samples::SampleBatch;
use leoma_api_types::signature::{decode_signature_lenient, verify_sr25519_form};
use serde_json::{Value, json};

use crate::server::{FakeError, FakeServer};

/// `SIGNATURE_EXPIRY_SECONDS`: how old a timestamp may be.
pub const SIGNATURE_EXPIRY_SECONDS: i64 = 300;
/// `SIGNATURE_FUTURE_SKEW_SECONDS`: how far in the future a timestamp may be.
pub const SIGNATURE_FUTURE_SKEW_SECONDS: i64 = 30;

/// The endpoints the fake serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Endpoint {
    /// `GET /blacklist/miners`.
    Blacklist,
    /// `POST /miners/report`.
    MinersReport,
    /// `POST /samples/batch`.
    SamplesBatch,
}

/// A one-shot fault: the next request to the endpoint gets it instead of normal handling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Answer with this status and `{"detail": "scripted failure"}`.
    Status(u16),
    /// Authenticate the request (its signature enters the replay cache), then answer with
    /// this status: a server that failed after checking the signature.
    StatusAfterAuth(u16),
    /// Answer 200 with this raw body, whatever the request.
    Body(String),
    /// Wait this long, then handle the request normally.
    Delay(Duration),
}

/// One accepted signed request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// `X-Validator-Hotkey`.
    pub hotkey: String,
    /// `X-Timestamp`, as sent.
    pub timestamp: String,
    /// `X-Signature`, as sent.
    pub signature: String,
    /// The raw body bytes.
    pub body: Vec<u8>,
}

/// One refused request (after faults): status and `detail`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    /// Endpoint.
    pub endpoint: Endpoint,
    /// Status code.
    pub status: u16,
    /// The `detail` string (or the JSON text of a 422 detail list).
    pub detail: String,
}

#[derive(Debug, Default)]
struct ApiState {
    blacklist: Vec<String>,
    validators: Option<BTreeSet<String>>,
    faults: BTreeMap<Endpoint, VecDeque<Fault>>,
    attempts: BTreeMap<Endpoint, usize>,
    seen: BTreeMap<(String, [u8; 64]), i64>,
    accepted: BTreeMap<Endpoint, Vec<Accepted>>,
    refused: Vec<Refused>,
}

type Shared = Arc<Mutex<ApiState>>;

fn lock(s: &Shared) -> MutexGuard<'_, ApiState> {
    s.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn detail_response(status: u16, detail: &str) -> Response {
    (
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        axum::Json(json!({ "detail": detail })),
    )
        .into_response()
}

/// Counts the attempt and applies a scripted fault: `Err` is the response to send at once,
/// `Ok(Some(status))` the status to answer after authentication.
async fn fault(state: &Shared, endpoint: Endpoint) -> Result<Option<u16>, Response> {
    let next = {
        let mut s = lock(state);
        *s.attempts.entry(endpoint).or_default() += 1;
        s.faults.get_mut(&endpoint).and_then(VecDeque::pop_front)
    };
    match next {
        None => Ok(None),
        Some(Fault::Status(status)) => Err(detail_response(status, "scripted failure")),
        Some(Fault::StatusAfterAuth(status)) => Ok(Some(status)),
        Some(Fault::Body(body)) => Err((StatusCode::OK, body).into_response()),
        Some(Fault::Delay(d)) => {
            tokio::time::sleep(d).await;
            Ok(None)
        }
    }
}

fn refuse(state: &Shared, endpoint: Endpoint, status: u16, detail: &str) -> Response {
    lock(state).refused.push(Refused {
        endpoint,
        status,
        detail: detail.to_owned(),
    });
    detail_response(status, detail)
}

fn missing_header(state: &Shared, endpoint: Endpoint, name: &str) -> Response {
    let body = json!({"detail": [{
        "loc": ["header", name.to_ascii_lowercase()],
        "msg": "Field required",
        "type": "missing",
    }]});
    lock(state).refused.push(Refused {
        endpoint,
        status: 422,
        detail: body.to_string(),
    });
    (StatusCode::UNPROCESSABLE_ENTITY, axum::Json(body)).into_response()
}

fn rejection(state: &Shared, endpoint: Endpoint, r: &BodyRejection) -> Response {
    match r {
        BodyRejection::BadRequest(d) => refuse(state, endpoint, 400, d),
        BodyRejection::Unprocessable(_) => {
            let body = r.body();
            lock(state).refused.push(Refused {
                endpoint,
                status: 422,
                detail: body.to_string(),
            });
            (StatusCode::UNPROCESSABLE_ENTITY, axum::Json(body)).into_response()
        }
    }
}

/// SPEC §9.2 server steps 1–6 (the blacklist step against the scripted blacklist).
fn authenticate(
    state: &Shared,
    endpoint: Endpoint,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Accepted, Box<Response>> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .ok_or_else(|| Box::new(missing_header(state, endpoint, name)))
    };
    let (hotkey, signature, timestamp) = (
        header(X_VALIDATOR_HOTKEY)?,
        header(X_SIGNATURE)?,
        header(X_TIMESTAMP)?,
    );
    let Ok(ts) = timestamp.trim().parse::<i64>() else {
        return Err(Box::new(refuse(
            state,
            endpoint,
            401,
            detail::INVALID_TIMESTAMP,
        )));
    };
    let now = now_secs();
    if now.saturating_sub(ts) > SIGNATURE_EXPIRY_SECONDS
        || ts.saturating_sub(now) > SIGNATURE_FUTURE_SKEW_SECONDS
    {
        return Err(Box::new(refuse(
            state,
            endpoint,
            401,
            &format!("Timestamp expired (max {SIGNATURE_EXPIRY_SECONDS}s)"),
        )));
    }
    let (Ok(key), Ok(sig)) = (Hotkey::parse(&hotkey), decode_signature_lenient(&signature)) else {
        return Err(Box::new(refuse(
            state,
            endpoint,
            401,
            detail::SIGNATURE_VERIFICATION_FAILED,
        )));
    };
    let message = x_message(body, &timestamp);
    if verify_sr25519_form(key.public_key(), message.as_bytes(), &sig).is_none() {
        return Err(Box::new(refuse(
            state,
            endpoint,
            401,
            detail::INVALID_SIGNATURE,
        )));
    }
    {
        let mut s = lock(state);
        let window = SIGNATURE_EXPIRY_SECONDS + SIGNATURE_FUTURE_SKEW_SECONDS;
        s.seen.retain(|_, at| now.saturating_sub(*at) <= window);
        if s.seen.insert((hotkey.clone(), sig), now).is_some() {
            drop(s);
            return Err(Box::new(refuse(
                state,
                endpoint,
                401,
                detail::SIGNATURE_ALREADY_USED,
            )));
        }
    }
    let (blacklisted, registered) = {
        let s = lock(state);
        (
            s.blacklist.contains(&hotkey),
            s.validators.as_ref().is_none_or(|v| v.contains(&hotkey)),
        )
    };
    if blacklisted {
        return Err(Box::new(refuse(
            state,
            endpoint,
            401,
            detail::HOTKEY_BLACKLISTED,
        )));
    }
    if !registered {
        return Err(Box::new(refuse(
            state,
            endpoint,
            401,
            &format!(
                "{} Ask the subnet owner to add your hotkey.",
                detail::VALIDATOR_NOT_REGISTERED_PREFIX
            ),
        )));
    }
    Ok(Accepted {
        hotkey,
        timestamp,
        signature,
        body: body.to_vec(),
    })
}

fn record(state: &Shared, endpoint: Endpoint, accepted: Accepted) {
    lock(state)
        .accepted
        .entry(endpoint)
        .or_default()
        .push(accepted);
}

async fn blacklist(State(state): State<Shared>) -> Response {
    match fault(&state, Endpoint::Blacklist).await {
        Err(r) => return r,
        Ok(Some(status)) => return detail_response(status, "scripted failure"),
        Ok(None) => {}
    }
    let list = lock(&state).blacklist.clone();
    axum::Json(Value::from(list)).into_response()
}

fn malformed_json(state: &Shared, endpoint: Endpoint, e: &serde_json::Error) -> Response {
    let body = json!({"detail": [{
        "loc": ["body"],
        "msg": format!("JSON decode error: {e}"),
        "type": "json_invalid",
    }]});
    lock(state).refused.push(Refused {
        endpoint,
        status: 422,
        detail: body.to_string(),
    });
    (StatusCode::UNPROCESSABLE_ENTITY, axum::Json(body)).into_response()
}

/// A signed endpoint's common part: the scripted fault, then authentication.
async fn admit(
    state: &Shared,
    endpoint: Endpoint,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Accepted, Box<Response>> {
    let after_auth = fault(state, endpoint).await.map_err(Box::new)?;
    let accepted = authenticate(state, endpoint, headers, body)?;
    match after_auth {
        Some(status) => Err(Box::new(detail_response(status, "scripted failure"))),
        None => Ok(accepted),
    }
}

async fn miners_report(State(state): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let endpoint = Endpoint::MinersReport;
    let accepted = match admit(&state, endpoint, &headers, &body).await {
        Ok(a) => a,
        Err(r) => return *r,
    };
    let report: MinerReport = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return malformed_json(&state, endpoint, &e),
    };
    if let Err(r) = report.validate() {
        return rejection(&state, endpoint, &r);
    }
    let n = report.miners.len();
    record(&state, endpoint, accepted);
    axum::Json(json!({ "reported": n })).into_response()
}

async fn samples_batch(State(state): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let endpoint = Endpoint::SamplesBatch;
    let accepted = match admit(&state, endpoint, &headers, &body).await {
        Ok(a) => a,
        Err(r) => return *r,
    };
    let batch: SampleBatch = match serde_json::from_slice(&body) {
        Ok(b) => b,
        Err(e) => return malformed_json(&state, endpoint, &e),
    };
    if let Err(r) = batch.validate() {
        return rejection(&state, endpoint, &r);
    }
    if batch.signature.is_some() && !batch.samples.is_empty() {
        let verified = Hotkey::parse(&accepted.hotkey)
            .ok()
            .and_then(|hk| batch.verify_signature(&hk));
        if verified.is_none() {
            return refuse(&state, endpoint, 400, detail::INVALID_EVALUATION_SIGNATURE);
        }
    }
    let rows: Vec<Value> = batch
        .samples
        .iter()
        .enumerate()
        .map(|(i, s)| {
            json!({
                "id": i + 1, "task_id": s.task_id, "validator_hotkey": accepted.hotkey,
                "miner_hotkey": s.miner_hotkey, "prompt": s.prompt, "passed": s.passed,
                "confidence": s.confidence, "reasoning": s.reasoning,
                "evaluated_at": "2026-01-01T00:00:00+00:00", "latency_ms": s.latency_ms,
            })
        })
        .collect();
    record(&state, endpoint, accepted);
    axum::Json(Value::Array(rows)).into_response()
}

/// The fake owner-api.
#[derive(Debug)]
pub struct FakeOwnerApi {
    server: FakeServer,
    state: Shared,
}

impl FakeOwnerApi {
    /// Starts a fake with an empty blacklist that accepts any correctly signed hotkey.
    pub async fn start() -> Result<Self, FakeError> {
        let state: Shared = Arc::default();
        let router = Router::new()
            .route("/blacklist/miners", get(blacklist))
            .route("/miners/report", post(miners_report))
            .route("/samples/batch", post(samples_batch))
            .with_state(state.clone());
        Ok(FakeOwnerApi {
            server: FakeServer::start(router).await?,
            state,
        })
    }

    /// Base URL for `API_URL`.
    pub fn base_url(&self) -> String {
        self.server.base_url()
    }

    /// Replaces the blacklist (served in this order by `GET /blacklist/miners`).
    pub fn set_blacklist(&self, hotkeys: &[&str]) {
        lock(&self.state).blacklist = hotkeys.iter().map(|h| (*h).to_owned()).collect();
    }

    /// Accepts signed requests only from these hotkeys (default: any hotkey).
    pub fn set_validators(&self, hotkeys: &[&str]) {
        lock(&self.state).validators = Some(hotkeys.iter().map(|h| (*h).to_owned()).collect());
    }

    /// Queues `fault` for the next request to `endpoint` (faults apply in queue order).
    pub fn push_fault(&self, endpoint: Endpoint, fault: Fault) {
        lock(&self.state)
            .faults
            .entry(endpoint)
            .or_default()
            .push_back(fault);
    }

    /// Requests that reached `endpoint`, faulted ones included.
    pub fn attempts(&self, endpoint: Endpoint) -> usize {
        lock(&self.state)
            .attempts
            .get(&endpoint)
            .copied()
            .unwrap_or(0)
    }

    /// Accepted signed requests to `endpoint`, in arrival order.
    pub fn accepted(&self, endpoint: Endpoint) -> Vec<Accepted> {
        lock(&self.state)
            .accepted
            .get(&endpoint)
            .cloned()
            .unwrap_or_default()
    }

    /// Refused requests (authentication or body checks), in arrival order.
    pub fn refused(&self) -> Vec<Refused> {
        lock(&self.state).refused.clone()
    }
}
