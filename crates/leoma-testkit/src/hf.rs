//! `FakeHub`: the HuggingFace Hub endpoint `GET /api/models/{repo}/revision/{rev}?blobs=true`
//! with the Hub's error headers (`X-Error-Code: RepoNotFound` with 401 for an unknown repo,
//! `RevisionNotFound` with 404 for an unknown revision). Scripted per (repo, revision).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

use crate::server::{FakeError, FakeServer};

/// One repository file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sibling {
    /// Path in the repository.
    pub rfilename: String,
    /// LFS sha256, for LFS files.
    pub lfs_sha256: Option<String>,
}

impl Sibling {
    /// An LFS file.
    pub fn lfs(name: &str, sha256: &str) -> Self {
        Sibling {
            rfilename: name.to_owned(),
            lfs_sha256: Some(sha256.to_owned()),
        }
    }

    /// A plain git file.
    pub fn plain(name: &str) -> Self {
        Sibling {
            rfilename: name.to_owned(),
            lfs_sha256: None,
        }
    }
}

/// How one (repo, revision) answers.
#[derive(Debug, Clone, PartialEq)]
pub enum HubScript {
    /// 200 with model info.
    Model {
        /// Resolved commit (`None` leaves `sha` out).
        sha: Option<String>,
        /// Files.
        siblings: Vec<Sibling>,
    },
    /// An error status with the Hub's headers.
    Error {
        /// Status.
        status: u16,
        /// `X-Error-Code`, if any.
        code: Option<String>,
        /// `X-Error-Message` and the body's `error`.
        message: String,
    },
    /// 200 with a body that is not JSON.
    Malformed,
    /// Waits, then answers as the inner script.
    Slow(Duration, Box<HubScript>),
}

impl HubScript {
    /// A model at commit `sha` with these LFS weight files `(name, sha256)` and a README.
    pub fn weights(sha: &str, files: &[(&str, &str)]) -> Self {
        let mut siblings: Vec<Sibling> = files.iter().map(|(n, h)| Sibling::lfs(n, h)).collect();
        siblings.push(Sibling::plain("README.md"));
        HubScript::Model {
            sha: Some(sha.to_owned()),
            siblings,
        }
    }
}

#[derive(Debug, Default)]
struct HubState {
    models: BTreeMap<String, BTreeMap<String, HubScript>>,
    requests: Vec<(String, Option<String>)>,
}

type Shared = Arc<Mutex<HubState>>;

fn lock(s: &Shared) -> MutexGuard<'_, HubState> {
    s.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn hub_error(status: u16, code: Option<&str>, message: &str) -> Response {
    let mut r = (
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        axum::Json(json!({ "error": message })),
    )
        .into_response();
    let headers = r.headers_mut();
    if let Some(Ok(v)) = code.map(axum::http::HeaderValue::from_str) {
        headers.insert("x-error-code", v);
    }
    if let Ok(v) = axum::http::HeaderValue::from_str(message) {
        headers.insert("x-error-message", v);
    }
    r
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (b, hex) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn model_json(repo: &str, sha: Option<&str>, siblings: &[Sibling]) -> Value {
    let files: Vec<Value> = siblings
        .iter()
        .map(|s| {
            let mut v = json!({"rfilename": s.rfilename, "blobId": "0".repeat(40), "size": 1234});
            if let (Some(h), Some(o)) = (&s.lfs_sha256, v.as_object_mut()) {
                o.insert(
                    "lfs".into(),
                    json!({"sha256": h, "size": 1234, "pointerSize": 134}),
                );
            }
            v
        })
        .collect();
    let mut v = json!({
        "_id": "0", "id": repo, "modelId": repo, "private": false, "disabled": false,
        "gated": false, "downloads": 0, "likes": 0, "tags": [], "siblings": files,
    });
    if let (Some(sha), Some(o)) = (sha, v.as_object_mut()) {
        o.insert("sha".into(), json!(sha));
    }
    v
}

async fn model_info(State(state): State<Shared>, uri: Uri, headers: HeaderMap) -> Response {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let raw = uri
        .path_and_query()
        .map(|p| p.to_string())
        .unwrap_or_default();
    lock(&state).requests.push((raw, auth));
    let Some(rest) = uri.path().strip_prefix("/api/models/") else {
        return hub_error(404, None, "Not Found");
    };
    // The revision is one percent-encoded segment, so the last `/revision/` splits them.
    let Some((repo, rev)) = rest.rsplit_once("/revision/") else {
        return hub_error(404, None, "Not Found");
    };
    let (repo, rev) = (percent_decode(repo), percent_decode(rev));
    let script = {
        let s = lock(&state);
        s.models.get(&repo).map(|revs| revs.get(&rev).cloned())
    };
    let mut script = match script {
        None => {
            return hub_error(401, Some("RepoNotFound"), "Repository not found");
        }
        Some(None) => {
            return hub_error(
                404,
                Some("RevisionNotFound"),
                &format!("Invalid rev id: {rev}"),
            );
        }
        Some(Some(s)) => s,
    };
    while let HubScript::Slow(d, inner) = script {
        tokio::time::sleep(d).await;
        script = *inner;
    }
    match script {
        HubScript::Model { sha, siblings } => {
            axum::Json(model_json(&repo, sha.as_deref(), &siblings)).into_response()
        }
        HubScript::Error {
            status,
            code,
            message,
        } => hub_error(status, code.as_deref(), &message),
        HubScript::Malformed => (StatusCode::OK, "{\"sha\": ").into_response(),
        HubScript::Slow(..) => hub_error(500, None, "unreachable"),
    }
}

/// The fake Hub.
#[derive(Debug)]
pub struct FakeHub {
    server: FakeServer,
    state: Shared,
}

impl FakeHub {
    /// Starts an empty fake (every repo unknown).
    pub async fn start() -> Result<Self, FakeError> {
        let state: Shared = Arc::default();
        let router = Router::new()
            .route("/api/models/{*rest}", get(model_info))
            .with_state(state.clone());
        Ok(FakeHub {
            server: FakeServer::start(router).await?,
            state,
        })
    }

    /// Base URL for `HF_ENDPOINT`.
    pub fn base_url(&self) -> String {
        self.server.base_url()
    }

    /// Scripts `repo` at `revision`.
    pub fn set_model(&self, repo: &str, revision: &str, script: HubScript) {
        lock(&self.state)
            .models
            .entry(repo.to_owned())
            .or_default()
            .insert(revision.to_owned(), script);
    }

    /// Raw request paths (with query) and `Authorization` headers, in arrival order.
    pub fn requests(&self) -> Vec<(String, Option<String>)> {
        lock(&self.state).requests.clone()
    }
}
