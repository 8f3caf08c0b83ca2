//! `MinerFarm`: simulated miners behind one local server speaking the Chutes invocation API
//! (`POST /invoke/{slug}/generate`, SPEC §3.13; use [`MinerFarm::invoke_template`] as
//! `CHUTES_INVOKE_URL_TEMPLATE`). Each slug renders a real MP4 from the request's first frame
//! with ffmpeg, in its own style: a faithful animation, a blurred one, a flickering one, or a
//! frozen still.

use std::collections::BTreeMap;
use std::path::{Path as FsPath, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine;
use serde_json::{Value, json};

use crate::server::{FakeError, FakeServer};
use crate::video::VideoSpec;

/// What a simulated miner renders from the conditioning frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rendering {
    /// Starts exactly at the frame and rotates smoothly away from it (the best model).
    Faithful,
    /// Like `Faithful` but heavily blurred, so the opening frame loses its detail.
    Blurred,
    /// Like `Faithful` with the brightness strobing every other frame.
    Flickering,
    /// The frame held still for the whole video.
    Frozen,
}

impl Rendering {
    fn filter(self, spec: &VideoSpec) -> String {
        let scale = format!("scale={}:{}", spec.width, spec.height);
        let rotate = "rotate=a='0.6*t':fillcolor=gray";
        match self {
            Rendering::Faithful => format!("{scale},{rotate},format=yuv420p"),
            Rendering::Blurred => format!("{scale},boxblur=6:3,{rotate},format=yuv420p"),
            Rendering::Flickering => {
                format!("{scale},{rotate},eq=brightness='0.35*mod(n,2)':eval=frame,format=yuv420p")
            }
            Rendering::Frozen => format!("{scale},format=yuv420p"),
        }
    }
}

/// One simulated miner.
#[derive(Debug, Clone, PartialEq)]
pub struct SimMiner {
    /// The chute slug it answers under.
    pub slug: String,
    /// What it renders.
    pub rendering: Rendering,
}

#[derive(Debug, Default)]
struct FarmState {
    miners: BTreeMap<String, Rendering>,
    calls: BTreeMap<String, u32>,
}

#[derive(Clone)]
struct Farm {
    state: Arc<Mutex<FarmState>>,
    spec: VideoSpec,
    work: PathBuf,
}

fn lock(s: &Mutex<FarmState>) -> MutexGuard<'_, FarmState> {
    s.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn detail(code: StatusCode, text: &str) -> Response {
    (code, axum::Json(json!({ "detail": text }))).into_response()
}

async fn render(
    rendering: Rendering,
    png: &[u8],
    spec: &VideoSpec,
    dir: &FsPath,
) -> Result<Vec<u8>, String> {
    let job = tempfile::Builder::new()
        .prefix("gen-")
        .tempdir_in(dir)
        .map_err(|e| e.to_string())?;
    let input = job.path().join("frame.png");
    let output = job.path().join("out.mp4");
    tokio::fs::write(&input, png)
        .await
        .map_err(|e| e.to_string())?;
    let (Some(i), Some(o)) = (input.to_str(), output.to_str()) else {
        return Err("non-UTF-8 temporary path".into());
    };
    let seconds = format!("{:.4}", spec.seconds);
    let fps = spec.fps.to_string();
    let filter = rendering.filter(spec);
    let out = tokio::process::Command::new("ffmpeg")
        .args([
            "-hide_banner",
            "-loglevel",
            "error",
            "-nostdin",
            "-y",
            "-loop",
            "1",
            "-i",
            i,
        ])
        .args([
            "-vf", &filter, "-t", &seconds, "-r", &fps, "-c:v", "libx264",
        ])
        .args([
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            "-movflags",
            "+faststart",
            o,
        ])
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .output()
        .await
        .map_err(|e| format!("ffmpeg is required (apt-get install -y ffmpeg): {e}"))?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).trim().to_owned());
    }
    tokio::fs::read(&output).await.map_err(|e| e.to_string())
}

async fn generate(State(farm): State<Farm>, Path(slug): Path<String>, body: Bytes) -> Response {
    let rendering = {
        let mut s = lock(&farm.state);
        let Some(r) = s.miners.get(&slug).copied() else {
            return detail(StatusCode::NOT_FOUND, "no such chute");
        };
        *s.calls.entry(slug.clone()).or_default() += 1;
        r
    };
    let request: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(_) => return detail(StatusCode::UNPROCESSABLE_ENTITY, "body is not JSON"),
    };
    let Some(image) = request.get("image").and_then(Value::as_str) else {
        return detail(StatusCode::UNPROCESSABLE_ENTITY, "missing image");
    };
    let Ok(png) = base64::engine::general_purpose::STANDARD.decode(image) else {
        return detail(StatusCode::UNPROCESSABLE_ENTITY, "image is not base64");
    };
    match render(rendering, &png, &farm.spec, &farm.work).await {
        Ok(mp4) => (StatusCode::OK, [("content-type", "video/mp4")], mp4).into_response(),
        Err(e) => {
            tracing::warn!(miner = %slug, error = %e, "simulated miner failed to render");
            detail(StatusCode::INTERNAL_SERVER_ERROR, "generation failed")
        }
    }
}

/// The running farm; it stops when dropped.
#[derive(Debug)]
pub struct MinerFarm {
    server: FakeServer,
    state: Arc<Mutex<FarmState>>,
}

impl std::fmt::Debug for Farm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Farm").field("spec", &self.spec).finish()
    }
}

impl MinerFarm {
    /// Serves `miners`, rendering videos of shape `spec` in temporary folders under `work`.
    pub async fn start(
        miners: &[SimMiner],
        spec: VideoSpec,
        work: &FsPath,
    ) -> Result<Self, FakeError> {
        std::fs::create_dir_all(work)?;
        let state = Arc::new(Mutex::new(FarmState {
            miners: miners
                .iter()
                .map(|m| (m.slug.clone(), m.rendering))
                .collect(),
            calls: BTreeMap::new(),
        }));
        let farm = Farm {
            state: state.clone(),
            spec,
            work: work.to_path_buf(),
        };
        let router = Router::new()
            .route("/invoke/{slug}/generate", post(generate))
            .layer(axum::extract::DefaultBodyLimit::max(32 * 1024 * 1024))
            .with_state(farm);
        Ok(MinerFarm {
            server: FakeServer::start(router).await?,
            state,
        })
    }

    /// `CHUTES_INVOKE_URL_TEMPLATE` pointing at the farm.
    pub fn invoke_template(&self) -> String {
        format!("{}/invoke/{{slug}}/generate", self.server.base_url())
    }

    /// Generate calls each slug received.
    pub fn calls(&self) -> BTreeMap<String, u32> {
        lock(&self.state).calls.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn renders_each_style_from_the_posted_frame() {
        let dir = tempfile::tempdir().unwrap();
        let spec = VideoSpec {
            width: 96,
            height: 64,
            fps: 8,
            seconds: 2.5,
        };
        let src = dir.path().join("src.mp4");
        crate::video::source_clip(&src, &spec).unwrap();
        let png = dir.path().join("f.png");
        crate::video::first_frame_png(&src, &png).unwrap();
        let image = base64::engine::general_purpose::STANDARD.encode(std::fs::read(&png).unwrap());
        let miners: Vec<SimMiner> = [Rendering::Faithful, Rendering::Frozen]
            .iter()
            .enumerate()
            .map(|(i, r)| SimMiner {
                slug: format!("m{i}"),
                rendering: *r,
            })
            .collect();
        let farm = MinerFarm::start(&miners, spec, dir.path()).await.unwrap();
        let client = reqwest::Client::new();
        let body = json!({"prompt": "p", "image": image}).to_string();
        let mut videos = Vec::new();
        for slug in ["m0", "m1"] {
            let url = farm.invoke_template().replace("{slug}", slug);
            let r = client.post(&url).body(body.clone()).send().await.unwrap();
            assert_eq!(r.status(), 200);
            let bytes = r.bytes().await.unwrap();
            assert_eq!(&bytes[4..8], b"ftyp", "an MP4");
            videos.push(bytes);
        }
        assert_ne!(videos[0], videos[1]);
        let url = farm.invoke_template().replace("{slug}", "nope");
        assert_eq!(
            client.post(&url).body(body).send().await.unwrap().status(),
            404
        );
        assert_eq!(farm.calls().get("m0"), Some(&1));
    }
}
