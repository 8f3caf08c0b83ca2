//! `FakeGemini`: the Gemini REST surface the validator uses. `POST
//! /v1beta/models/{model}:generateContent` (key in `x-goog-api-key`), the resumable File API
//! (`POST /upload/v1beta/files` with `X-Goog-Upload-Command: start`, then `upload, finalize` on
//! the returned `x-goog-upload-url`), `GET`/`DELETE /v1beta/files/{id}`. Replies are scripted
//! per call; every generateContent body is recorded.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

use crate::server::{FakeError, FakeServer};

/// One scripted answer to a generateContent call.
#[derive(Debug, Clone, PartialEq)]
pub enum GeminiReply {
    /// 200 with one candidate whose single text part is this.
    Text(String),
    /// 200 with a candidate split into several text parts (concatenated by clients).
    Parts(Vec<String>),
    /// 200 with a candidate that has no text.
    Empty,
    /// An error status with Google's error JSON.
    Status(u16),
    /// 200 with a body that is not JSON.
    Malformed,
    /// Waits, then answers as the inner reply.
    Slow(Duration, Box<GeminiReply>),
}

/// A recorded generateContent call.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedCall {
    /// The model id from the path.
    pub model: String,
    /// The JSON body.
    pub body: Value,
}

#[derive(Debug)]
struct FileEntry {
    mime: String,
    bytes: usize,
    polls_until_active: u32,
    deleted: bool,
}

#[derive(Debug)]
struct GeminiState {
    api_key: String,
    base: String,
    replies: VecDeque<GeminiReply>,
    fallback: GeminiReply,
    calls: Vec<RecordedCall>,
    sessions: BTreeMap<u64, (usize, String)>,
    files: BTreeMap<u64, FileEntry>,
    next_id: u64,
    polls_until_active: u32,
}

type Shared = Arc<Mutex<GeminiState>>;

/// Largest request body accepted (inline media and uploads).
const BODY_LIMIT: usize = 64 * 1024 * 1024;

fn lock(s: &Shared) -> MutexGuard<'_, GeminiState> {
    s.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The fake Gemini API.
#[derive(Debug)]
pub struct FakeGemini {
    server: FakeServer,
    state: Shared,
}

fn error(status: u16, message: &str) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let name = match status {
        400 => "INVALID_ARGUMENT",
        403 => "PERMISSION_DENIED",
        404 => "NOT_FOUND",
        429 => "RESOURCE_EXHAUSTED",
        503 => "UNAVAILABLE",
        _ => "INTERNAL",
    };
    let body = json!({"error": {"code": status, "message": message, "status": name}});
    (
        code,
        [("content-type", "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn key_ok(state: &Shared, headers: &HeaderMap) -> bool {
    let expected = lock(state).api_key.clone();
    headers.get("x-goog-api-key").and_then(|v| v.to_str().ok()) == Some(expected.as_str())
}

fn candidate(parts: Vec<Value>) -> Value {
    json!({
        "candidates": [{"content": {"role": "model", "parts": parts}, "finishReason": "STOP", "index": 0}],
        "usageMetadata": {"promptTokenCount": 1, "candidatesTokenCount": 1, "totalTokenCount": 2},
        "modelVersion": "fake"
    })
}

fn render(reply: &GeminiReply) -> Response {
    match reply {
        GeminiReply::Text(t) => axum::Json(candidate(vec![json!({"text": t})])).into_response(),
        GeminiReply::Parts(ps) => {
            axum::Json(candidate(ps.iter().map(|t| json!({"text": t})).collect())).into_response()
        }
        GeminiReply::Empty => axum::Json(candidate(Vec::new())).into_response(),
        GeminiReply::Status(s) => error(*s, "scripted failure"),
        GeminiReply::Malformed => (StatusCode::OK, "<html>oops").into_response(),
        GeminiReply::Slow(_, inner) => render(inner),
    }
}

/// Checks the parts of a generateContent body: inline data carries a MIME type and base64,
/// file references point at an ACTIVE uploaded file.
fn check_parts(state: &GeminiState, body: &Value) -> Result<(), String> {
    let contents = body
        .get("contents")
        .and_then(Value::as_array)
        .ok_or("contents missing")?;
    for part in contents
        .iter()
        .filter_map(|c| c.get("parts").and_then(Value::as_array))
        .flatten()
    {
        if let Some(inline) = part.get("inlineData") {
            let mime = inline.get("mimeType").and_then(Value::as_str).unwrap_or("");
            let data = inline.get("data").and_then(Value::as_str).unwrap_or("");
            if mime.is_empty() || data.is_empty() {
                return Err("inlineData needs mimeType and data".into());
            }
        }
        if let Some(file) = part.get("fileData") {
            let uri = file.get("fileUri").and_then(Value::as_str).unwrap_or("");
            let id = uri.rsplit('/').next().and_then(|i| i.parse::<u64>().ok());
            match id.and_then(|i| state.files.get(&i)) {
                Some(f) if !f.deleted && f.polls_until_active == 0 => {}
                _ => return Err(format!("file {uri} is not ACTIVE")),
            }
        }
    }
    Ok(())
}

async fn generate(
    State(state): State<Shared>,
    Path(call): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !key_ok(&state, &headers) {
        return error(400, "API key not valid. Please pass a valid API key.");
    }
    let Some(model) = call.strip_suffix(":generateContent") else {
        return error(404, "unknown method");
    };
    let Ok(json) = serde_json::from_slice::<Value>(&body) else {
        return error(400, "Invalid JSON payload received.");
    };
    let reply = {
        let mut s = lock(&state);
        if let Err(e) = check_parts(&s, &json) {
            return error(400, &e);
        }
        s.calls.push(RecordedCall {
            model: model.to_owned(),
            body: json,
        });
        let fallback = s.fallback.clone();
        s.replies.pop_front().unwrap_or(fallback)
    };
    let mut r = &reply;
    while let GeminiReply::Slow(d, inner) = r {
        tokio::time::sleep(*d).await;
        r = inner;
    }
    render(r)
}

fn file_json(base: &str, id: u64, f: &FileEntry) -> Value {
    let state = if f.polls_until_active == 0 {
        "ACTIVE"
    } else {
        "PROCESSING"
    };
    json!({
        "name": format!("files/{id}"),
        "displayName": "leoma-media",
        "mimeType": f.mime,
        "sizeBytes": f.bytes.to_string(),
        "uri": format!("{base}/v1beta/files/{id}"),
        "state": state,
    })
}

async fn upload_start(State(state): State<Shared>, headers: HeaderMap) -> Response {
    if !key_ok(&state, &headers) {
        return error(400, "API key not valid. Please pass a valid API key.");
    }
    let h = |k: &str| {
        headers
            .get(k)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    if h("x-goog-upload-protocol").as_deref() != Some("resumable")
        || h("x-goog-upload-command").as_deref() != Some("start")
    {
        return error(400, "expected a resumable upload start");
    }
    let Some(len) = h("x-goog-upload-header-content-length").and_then(|l| l.parse().ok()) else {
        return error(400, "missing X-Goog-Upload-Header-Content-Length");
    };
    let mime = h("x-goog-upload-header-content-type").unwrap_or_default();
    let mut s = lock(&state);
    let id = s.next_id;
    s.next_id += 1;
    s.sessions.insert(id, (len, mime));
    let url = format!("{}/upload/v1beta/files/session/{id}", s.base);
    let mut response = StatusCode::OK.into_response();
    if let Ok(v) = HeaderValue::from_str(&url) {
        response.headers_mut().insert("x-goog-upload-url", v);
        response
            .headers_mut()
            .insert("x-goog-upload-status", HeaderValue::from_static("active"));
    }
    response
}

async fn upload_finalize(
    State(state): State<Shared>,
    Path(id): Path<u64>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let command = headers
        .get("x-goog-upload-command")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let offset = headers
        .get("x-goog-upload-offset")
        .and_then(|v| v.to_str().ok());
    if command.replace(' ', "") != "upload,finalize" || offset != Some("0") {
        return error(400, "expected 'upload, finalize' at offset 0");
    }
    let mut s = lock(&state);
    let Some((len, mime)) = s.sessions.remove(&id) else {
        return error(404, "unknown upload session");
    };
    if len != body.len() {
        return error(400, "upload length differs from the announced length");
    }
    let entry = FileEntry {
        mime,
        bytes: len,
        polls_until_active: s.polls_until_active,
        deleted: false,
    };
    let json = file_json(&s.base, id, &entry);
    s.files.insert(id, entry);
    axum::Json(json!({ "file": json })).into_response()
}

async fn get_file(
    State(state): State<Shared>,
    Path(id): Path<u64>,
    headers: HeaderMap,
) -> Response {
    if !key_ok(&state, &headers) {
        return error(400, "API key not valid. Please pass a valid API key.");
    }
    let mut s = lock(&state);
    let base = s.base.clone();
    match s.files.get_mut(&id) {
        Some(f) if !f.deleted => {
            f.polls_until_active = f.polls_until_active.saturating_sub(1);
            axum::Json(file_json(&base, id, f)).into_response()
        }
        _ => error(404, "file not found"),
    }
}

async fn delete_file(
    State(state): State<Shared>,
    Path(id): Path<u64>,
    headers: HeaderMap,
) -> Response {
    if !key_ok(&state, &headers) {
        return error(400, "API key not valid. Please pass a valid API key.");
    }
    match lock(&state).files.get_mut(&id) {
        Some(f) => {
            f.deleted = true;
            axum::Json(json!({})).into_response()
        }
        None => error(404, "file not found"),
    }
}

impl FakeGemini {
    /// Starts a fake that accepts `api_key`; unscripted calls answer `fallback`.
    pub async fn start(api_key: &str, fallback: GeminiReply) -> Result<Self, FakeError> {
        let state: Shared = Arc::new(Mutex::new(GeminiState {
            api_key: api_key.to_owned(),
            base: String::new(),
            replies: VecDeque::new(),
            fallback,
            calls: Vec::new(),
            sessions: BTreeMap::new(),
            files: BTreeMap::new(),
            next_id: 1,
            polls_until_active: 1,
        }));
        let router = Router::new()
            .route("/v1beta/models/{call}", post(generate))
            .route("/upload/v1beta/files", post(upload_start))
            .route("/upload/v1beta/files/session/{id}", post(upload_finalize))
            .route(
                "/v1beta/files/{id}",
                axum::routing::get(get_file).delete(delete_file),
            )
            .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT))
            .with_state(state.clone());
        let server = FakeServer::start(router).await?;
        lock(&state).base = server.base_url();
        Ok(FakeGemini { server, state })
    }

    /// Base URL for `GEMINI_API_BASE`.
    pub fn base_url(&self) -> String {
        self.server.base_url()
    }

    /// Queues replies for the next calls, in order.
    pub fn push_replies(&self, replies: impl IntoIterator<Item = GeminiReply>) {
        lock(&self.state).replies.extend(replies);
    }

    /// How many `GET` polls an uploaded file stays `PROCESSING` (default 1).
    pub fn set_polls_until_active(&self, polls: u32) {
        lock(&self.state).polls_until_active = polls;
    }

    /// Every generateContent call so far.
    pub fn calls(&self) -> Vec<RecordedCall> {
        lock(&self.state).calls.clone()
    }

    /// Uploaded files as `(mime, bytes, deleted)`.
    pub fn uploads(&self) -> Vec<(String, usize, bool)> {
        lock(&self.state)
            .files
            .values()
            .map(|f| (f.mime.clone(), f.bytes, f.deleted))
            .collect()
    }
}
