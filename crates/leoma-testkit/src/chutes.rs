//! `FakeChutes`: the Chutes API (`GET /chutes/{id}`, raw key in `Authorization`) and miner
//! invocation (`POST /invoke/{slug}/generate` returning MP4 bytes; use
//! `{base}/invoke/{slug}/generate` as `CHUTES_INVOKE_URL_TEMPLATE`). Each chute is scripted.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use crate::server::{FakeError, FakeServer};

/// How `GET /chutes/{id}` answers.
#[derive(Debug, Clone, PartialEq)]
pub enum ChuteScript {
    /// 200 with this chute info.
    Info {
        /// `slug`.
        slug: String,
        /// `hot`.
        hot: bool,
        /// `revision` (`None` leaves the key out).
        revision: Option<String>,
        /// `name`, `tagline` and `readme`.
        name: String,
    },
    /// 200 with this exact JSON.
    Raw(Value),
    /// This status with a `{"detail": ...}` body.
    Status(u16),
    /// 200 with a body that is not JSON.
    Malformed,
    /// Waits, then answers as the inner script.
    Slow(Duration, Box<ChuteScript>),
}

impl ChuteScript {
    /// A hot chute serving `model_name` at `revision`.
    pub fn hot(slug: &str, model_name: &str, revision: &str) -> Self {
        ChuteScript::Info {
            slug: slug.to_owned(),
            hot: true,
            revision: Some(revision.to_owned()),
            name: model_name.to_owned(),
        }
    }
}

/// Makes a response video from the request body (the §3.13 JSON: `prompt`, base64 `image`,
/// ...), like a real model conditioned on the first frame. Runs on a blocking thread.
#[derive(Clone)]
pub struct Renderer(pub Arc<RenderFn>);

/// The function behind a [`Renderer`]: request JSON → MP4 bytes, or why not.
pub type RenderFn = dyn Fn(&Value) -> Result<Vec<u8>, String> + Send + Sync;

impl Renderer {
    /// Wraps a render function.
    pub fn new(f: impl Fn(&Value) -> Result<Vec<u8>, String> + Send + Sync + 'static) -> Self {
        Renderer(Arc::new(f))
    }
}

impl std::fmt::Debug for Renderer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Renderer(..)")
    }
}

impl PartialEq for Renderer {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// How `POST /invoke/{slug}/generate` answers.
#[derive(Debug, Clone, PartialEq)]
pub enum GenerateScript {
    /// 200 `video/mp4` with these bytes.
    Video(Vec<u8>),
    /// 200 `video/mp4` rendered from the request (500 when the renderer fails).
    Render(Renderer),
    /// This status.
    Status(u16),
    /// Waits, then answers as the inner script.
    Slow(Duration, Box<GenerateScript>),
}

#[derive(Debug, Default)]
struct ChutesState {
    chutes: BTreeMap<String, ChuteScript>,
    generate: BTreeMap<String, GenerateScript>,
    info_requests: BTreeMap<String, u32>,
    auth_headers: Vec<Option<String>>,
    generate_bodies: Vec<(String, Value)>,
    generate_calls: BTreeMap<String, u32>,
    record_bodies: bool,
}

type Shared = Arc<Mutex<ChutesState>>;

fn lock(s: &Shared) -> MutexGuard<'_, ChutesState> {
    s.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn status(code: u16, detail: &str) -> Response {
    let code = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (code, axum::Json(json!({ "detail": detail }))).into_response()
}

fn info_json(script: &ChuteScript) -> Option<Value> {
    match script {
        ChuteScript::Info {
            slug,
            hot,
            revision,
            name,
        } => {
            let mut v = json!({
                "chute_id": "", "slug": slug, "hot": hot, "name": name, "tagline": name,
                "readme": name, "image": {"name": "leoma/video-gen", "tag": "1.0"},
            });
            if let (Some(r), Some(o)) = (revision, v.as_object_mut()) {
                o.insert("revision".into(), json!(r));
            }
            Some(v)
        }
        ChuteScript::Raw(v) => Some(v.clone()),
        _ => None,
    }
}

async fn chute_info(
    State(state): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let script = {
        let mut s = lock(&state);
        *s.info_requests.entry(id.clone()).or_default() += 1;
        let auth = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        s.auth_headers.push(auth);
        s.chutes.get(&id).cloned()
    };
    let Some(mut script) = script else {
        return status(404, "Chute not found, or does not belong to you");
    };
    while let ChuteScript::Slow(d, inner) = script {
        tokio::time::sleep(d).await;
        script = *inner;
    }
    match script {
        ChuteScript::Status(code) => status(code, "scripted failure"),
        ChuteScript::Malformed => (StatusCode::OK, "not json").into_response(),
        other => match info_json(&other) {
            Some(mut v) => {
                if let Some(o) = v.as_object_mut() {
                    o.entry("chute_id").and_modify(|c| {
                        if c.as_str() == Some("") {
                            *c = json!(id);
                        }
                    });
                }
                axum::Json(v).into_response()
            }
            None => status(500, "unscriptable"),
        },
    }
}

async fn generate(State(state): State<Shared>, Path(slug): Path<String>, body: Bytes) -> Response {
    let json: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let script = {
        let mut s = lock(&state);
        if s.record_bodies {
            s.generate_bodies.push((slug.clone(), json.clone()));
        }
        *s.generate_calls.entry(slug.clone()).or_default() += 1;
        s.generate.get(&slug).cloned()
    };
    let Some(mut script) = script else {
        return status(404, "no such chute");
    };
    while let GenerateScript::Slow(d, inner) = script {
        tokio::time::sleep(d).await;
        script = *inner;
    }
    match script {
        GenerateScript::Video(bytes) => {
            (StatusCode::OK, [("content-type", "video/mp4")], bytes).into_response()
        }
        GenerateScript::Render(renderer) => {
            match tokio::task::spawn_blocking(move || (renderer.0)(&json)).await {
                Ok(Ok(bytes)) => {
                    (StatusCode::OK, [("content-type", "video/mp4")], bytes).into_response()
                }
                Ok(Err(e)) => status(500, &e),
                Err(e) => status(500, &e.to_string()),
            }
        }
        GenerateScript::Status(code) => status(code, "scripted failure"),
        GenerateScript::Slow(..) => status(500, "unreachable"),
    }
}

/// The fake Chutes API and chute endpoints.
#[derive(Debug)]
pub struct FakeChutes {
    server: FakeServer,
    state: Shared,
}

impl FakeChutes {
    /// Starts an empty fake (every chute unknown → 404).
    pub async fn start() -> Result<Self, FakeError> {
        let state: Shared = Arc::new(Mutex::new(ChutesState {
            record_bodies: true,
            ..ChutesState::default()
        }));
        let router = Router::new()
            .route("/chutes/{id}", get(chute_info))
            .route("/invoke/{slug}/generate", post(generate))
            .layer(axum::extract::DefaultBodyLimit::max(32 * 1024 * 1024))
            .with_state(state.clone());
        Ok(FakeChutes {
            server: FakeServer::start(router).await?,
            state,
        })
    }

    /// Base URL for `CHUTES_API_URL`.
    pub fn base_url(&self) -> String {
        self.server.base_url()
    }

    /// `CHUTES_INVOKE_URL_TEMPLATE` pointing at this fake.
    pub fn invoke_template(&self) -> String {
        format!("{}/invoke/{{slug}}/generate", self.server.base_url())
    }

    /// Scripts `GET /chutes/{id}`.
    pub fn set_chute(&self, id: &str, script: ChuteScript) {
        lock(&self.state).chutes.insert(id.to_owned(), script);
    }

    /// Scripts `POST /invoke/{slug}/generate`.
    pub fn set_generate(&self, slug: &str, script: GenerateScript) {
        lock(&self.state).generate.insert(slug.to_owned(), script);
    }

    /// How many info requests `id` received.
    pub fn info_requests(&self, id: &str) -> u32 {
        lock(&self.state)
            .info_requests
            .get(id)
            .copied()
            .unwrap_or(0)
    }

    /// `Authorization` headers of every info request, in arrival order.
    pub fn auth_headers(&self) -> Vec<Option<String>> {
        lock(&self.state).auth_headers.clone()
    }

    /// How many generate calls `slug` received.
    pub fn generate_calls(&self, slug: &str) -> u32 {
        lock(&self.state)
            .generate_calls
            .get(slug)
            .copied()
            .unwrap_or(0)
    }

    /// Generate calls received in total.
    pub fn total_generate_calls(&self) -> u32 {
        lock(&self.state).generate_calls.values().sum()
    }

    /// Whether generate bodies are kept for [`FakeChutes::generate_bodies`] (default on; turn
    /// it off in benchmarks, where every body holds a base64 image).
    pub fn record_generate_bodies(&self, on: bool) {
        lock(&self.state).record_bodies = on;
    }

    /// Bodies of every generate call as `(slug, json)`.
    pub fn generate_bodies(&self) -> Vec<(String, Value)> {
        lock(&self.state).generate_bodies.clone()
    }
}
