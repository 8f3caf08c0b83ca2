//! `ChutesGenerate`: `POST https://<slug>.chutes.ai/generate` (SPEC §3.13) over reqwest, with
//! the body streamed to disk under a byte cap.

use std::path::Path;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use base64::Engine;
use leoma_api_types::json::{self, PyObject, PyValue, Style};
use leoma_api_types::keys::Secret;
use tokio::io::AsyncWriteExt;

use super::{Delivery, EndpointError, GenerateRequest, MinerEndpoint};

/// The request body of §3.13: `PyDefault` of `{"prompt", "image" (base64 of the PNG, no
/// data-URI prefix), "fps": 16, "frames": 81, "resolution": "480p", "fast": true}`.
pub fn generate_body(prompt: &str, first_frame_png: &[u8]) -> Vec<u8> {
    let mut o = PyObject::new();
    o.insert("prompt", prompt);
    o.insert(
        "image",
        base64::engine::general_purpose::STANDARD.encode(first_frame_png),
    );
    o.insert("fps", 16i64);
    o.insert("frames", 81i64);
    o.insert("resolution", "480p");
    o.insert("fast", PyValue::Bool(true));
    json::encode(&PyValue::Object(o), Style::Default).into_bytes()
}

/// The Chutes invocation client. One instance (one connection pool) serves a whole turn.
#[derive(Debug, Clone)]
pub struct ChutesGenerate {
    client: reqwest::Client,
    template: String,
    api_key: Option<Secret>,
}

impl ChutesGenerate {
    /// A client for `CHUTES_INVOKE_URL_TEMPLATE` (`{slug}` is replaced), sending
    /// `Authorization: Bearer <CHUTES_API_KEY>` when a key is given. Connecting is bounded by
    /// `connect_timeout` (a failure there is a transport error, not the miner's timeout).
    pub fn new(
        template: &str,
        api_key: Option<Secret>,
        connect_timeout: Duration,
    ) -> Result<Self, EndpointError> {
        let client = reqwest::Client::builder()
            .connect_timeout(connect_timeout)
            .pool_max_idle_per_host(4)
            .build()
            .map_err(|e| EndpointError::Transport(e.to_string()))?;
        Ok(ChutesGenerate {
            client,
            template: template.to_owned(),
            api_key: api_key.filter(|k| !k.expose().is_empty()),
        })
    }

    /// The invoke URL of `slug`.
    pub fn url(&self, slug: &str) -> String {
        self.template.replace("{slug}", slug)
    }

    async fn call(
        &self,
        request: &GenerateRequest<'_>,
        dest: &Path,
        max_bytes: u64,
    ) -> Result<u64, EndpointError> {
        let mut builder = self
            .client
            .post(self.url(request.slug))
            .header("Content-Type", "application/json")
            .body(request.body.to_vec());
        if let Some(key) = &self.api_key {
            builder = builder.header("Authorization", format!("Bearer {}", key.expose()));
        }
        let mut response = builder.send().await.map_err(classify)?;
        let status = response.status().as_u16();
        if status != 200 {
            return Err(EndpointError::Http { status });
        }
        if response.content_length().is_some_and(|n| n > max_bytes) {
            return Err(EndpointError::TooLarge { max: max_bytes });
        }
        let io = |e: std::io::Error| EndpointError::Io {
            path: dest.display().to_string(),
            reason: e.to_string(),
        };
        let mut file = private_file(dest).await.map_err(io)?;
        let mut written = 0u64;
        while let Some(chunk) = response.chunk().await.map_err(classify)? {
            written += chunk.len() as u64;
            if written > max_bytes {
                return Err(EndpointError::TooLarge { max: max_bytes });
            }
            file.write_all(&chunk).await.map_err(io)?;
        }
        file.flush().await.map_err(io)?;
        Ok(written)
    }
}

/// Creates (or truncates) `path` readable by the owner only.
async fn private_file(path: &Path) -> std::io::Result<tokio::fs::File> {
    let mut options = tokio::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    options.mode(0o600);
    options.open(path).await
}

/// A reqwest error during the exchange: connecting failed (no response at all) or the body
/// broke off. Timeouts are handled by the caller's deadline.
fn classify(e: reqwest::Error) -> EndpointError {
    EndpointError::Transport(e.without_url().to_string())
}

#[async_trait]
impl MinerEndpoint for ChutesGenerate {
    async fn generate(
        &self,
        request: &GenerateRequest<'_>,
        dest: &Path,
        max_bytes: u64,
        timeout: Duration,
    ) -> Result<Delivery, EndpointError> {
        let started = Instant::now();
        match tokio::time::timeout(timeout, self.call(request, dest, max_bytes)).await {
            Ok(result) => result.map(|bytes| Delivery {
                bytes,
                latency: started.elapsed(),
            }),
            Err(_) => Err(EndpointError::Timeout { after: timeout }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_is_py_default_in_section_3_13_order() {
        let body = String::from_utf8(generate_body("a cat", b"\x89PNG")).unwrap();
        assert_eq!(
            body,
            r#"{"prompt": "a cat", "image": "iVBORw==", "fps": 16, "frames": 81, "resolution": "480p", "fast": true}"#
        );
    }

    #[test]
    fn template_substitutes_the_slug() {
        let c = ChutesGenerate::new(
            "https://{slug}.chutes.ai/generate",
            Some(Secret::new("")),
            Duration::from_secs(1),
        )
        .unwrap();
        assert_eq!(c.url("abc-def"), "https://abc-def.chutes.ai/generate");
        assert!(c.api_key.is_none());
    }
}
