//! `GeminiHttp`: the Gemini REST adapter for [`Judge`] and [`Describer`] (SPEC §8.1, §8.6).
//!
//! Media goes inline (`inlineData`) while the request stays under `inline_limit_bytes`;
//! larger videos go through the resumable File API upload and are referenced by `fileData`.
//! Retries with backoff live here (ARCHITECTURE §5.10); the callers see one outcome.

use std::time::Duration;

use async_trait::async_trait;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use leoma_api_types::keys::Secret;
use serde_json::{Value, json};

use super::parse::{PassRule, parse_reply};
use super::prompt::{
    CONDITIONING_FRAME_LABEL, DESCRIPTION_PROMPT, GENERATED_VIDEO_LABEL, JUDGE_SYSTEM_INSTRUCTION,
    SOURCE_CLIP_LABEL, judge_instruction,
};
use super::result::JudgeResult;
use super::retry::RetryPolicy;
use super::{Describer, Description, Judge, JudgeOutcome, JudgeRequest};
use crate::EvalError;
use crate::error::truncate;

const SERVICE: &str = "gemini";

/// `EVALUATION_MEDIA_RESOLUTION` / `DESCRIPTION_MEDIA_RESOLUTION`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MediaResolution {
    /// `low`.
    Low,
    /// `medium`.
    Medium,
    /// `high` (also any unknown value).
    #[default]
    High,
}

impl MediaResolution {
    /// Parses a setting value; unknown values give `High` (SPEC §8.1).
    pub fn parse_setting(s: &str) -> Self {
        match s.trim().to_ascii_lowercase().as_str() {
            "low" => MediaResolution::Low,
            "medium" => MediaResolution::Medium,
            _ => MediaResolution::High,
        }
    }

    /// The REST enum value.
    pub fn wire(self) -> &'static str {
        match self {
            MediaResolution::Low => "MEDIA_RESOLUTION_LOW",
            MediaResolution::Medium => "MEDIA_RESOLUTION_MEDIUM",
            MediaResolution::High => "MEDIA_RESOLUTION_HIGH",
        }
    }
}

/// Settings of one kind of call (judge or description).
#[derive(Debug, Clone, PartialEq)]
pub struct CallSettings {
    /// Model id (`EVALUATION_MODEL` / `DESCRIPTION_MODEL`).
    pub model: String,
    /// Sampling temperature.
    pub temperature: f64,
    /// `maxOutputTokens`.
    pub max_output_tokens: u32,
    /// `videoMetadata.fps` of the video part.
    pub video_fps: u32,
    /// Media resolution.
    pub media_resolution: MediaResolution,
    /// Attempts and backoff.
    pub retry: RetryPolicy,
}

/// Configuration of [`GeminiHttp`].
#[derive(Debug, Clone)]
pub struct GeminiConfig {
    /// `GEMINI_API_BASE` (no trailing slash needed).
    pub base_url: String,
    /// `GEMINI_API_KEY`, sent as `x-goog-api-key`.
    pub api_key: Secret,
    /// Judge calls (SPEC §8.1 defaults).
    pub judge: CallSettings,
    /// Description calls (SPEC §8.6 defaults).
    pub describe: CallSettings,
    /// Pass thresholds.
    pub pass_rule: PassRule,
    /// Timeout of each HTTP request.
    pub request_timeout: Duration,
    /// Requests whose inline body would exceed this use the File API instead (Gemini caps
    /// inline requests at 20 MB, base64 included).
    pub inline_limit_bytes: usize,
    /// How often an uploaded file's state is polled until `ACTIVE`.
    pub upload_poll_interval: Duration,
    /// Give up waiting for an uploaded file after this long.
    pub upload_active_timeout: Duration,
}

impl CallSettings {
    /// The judge call of SPEC §8.1 (`EVALUATION_*` defaults; temperature 0.1).
    pub fn judge_default() -> Self {
        CallSettings {
            model: "gemini-3.1-flash-lite".to_owned(),
            temperature: 0.1,
            max_output_tokens: 1024,
            video_fps: 16,
            media_resolution: MediaResolution::High,
            retry: RetryPolicy::judge_default(),
        }
    }

    /// The description call of SPEC §8.6 (`DESCRIPTION_*` defaults; temperature 0.2, 400
    /// output tokens).
    pub fn describe_default() -> Self {
        CallSettings {
            model: "gemini-3.1-flash-lite".to_owned(),
            temperature: 0.2,
            max_output_tokens: 400,
            video_fps: 16,
            media_resolution: MediaResolution::High,
            retry: RetryPolicy::describe_default(),
        }
    }
}

impl GeminiConfig {
    /// The SPEC defaults for `base_url` and `api_key`.
    pub fn new(base_url: impl Into<String>, api_key: Secret) -> Self {
        GeminiConfig {
            base_url: base_url.into(),
            api_key,
            judge: CallSettings::judge_default(),
            describe: CallSettings::describe_default(),
            pass_rule: PassRule::default(),
            request_timeout: Duration::from_secs(180),
            inline_limit_bytes: 20_000_000,
            upload_poll_interval: Duration::from_secs(2),
            upload_active_timeout: Duration::from_secs(120),
        }
    }
}

/// The Gemini REST client (judge and describer).
#[derive(Debug, Clone)]
pub struct GeminiHttp {
    client: reqwest::Client,
    config: GeminiConfig,
}

/// A media part: inline bytes or an uploaded file.
enum Media {
    Inline {
        mime: &'static str,
        data: String,
    },
    File {
        mime: &'static str,
        uri: String,
        name: String,
    },
}

impl Media {
    fn part(&self, video_fps: Option<u32>) -> Value {
        let mut part = match self {
            Media::Inline { mime, data } => json!({"inlineData": {"mimeType": mime, "data": data}}),
            Media::File { mime, uri, .. } => {
                json!({"fileData": {"mimeType": mime, "fileUri": uri}})
            }
        };
        if let (Some(fps), Some(obj)) = (video_fps, part.as_object_mut()) {
            obj.insert("videoMetadata".to_owned(), json!({ "fps": fps }));
        }
        part
    }
}

fn transport(e: &reqwest::Error) -> EvalError {
    EvalError::Transport {
        service: SERVICE,
        reason: e.to_string(),
    }
}

fn malformed(reason: impl Into<String>) -> EvalError {
    EvalError::Malformed {
        service: SERVICE,
        reason: reason.into(),
    }
}

impl GeminiHttp {
    /// Builds the client (rustls; every request bounded by `request_timeout`).
    pub fn new(config: GeminiConfig) -> Result<Self, EvalError> {
        let client = reqwest::Client::builder()
            .timeout(config.request_timeout)
            .build()
            .map_err(|e| transport(&e))?;
        Ok(GeminiHttp { client, config })
    }

    fn base(&self) -> &str {
        self.config.base_url.trim_end_matches('/')
    }

    /// Posts `body` to `models/{model}:generateContent` and returns the reply text (the text
    /// parts of the first candidate, thoughts excluded).
    async fn generate(&self, model: &str, body: &Value) -> Result<String, EvalError> {
        let url = format!("{}/v1beta/models/{model}:generateContent", self.base());
        let response = self
            .client
            .post(url)
            .header("x-goog-api-key", self.config.api_key.expose())
            .json_body(body)?
            .send()
            .await
            .map_err(|e| transport(&e))?;
        let value = read_json(response).await?;
        let text = reply_text(&value);
        if text.trim().is_empty() {
            return Err(EvalError::EmptyReply { service: SERVICE });
        }
        Ok(text)
    }

    /// Inline when the base64 body fits the inline limit, else uploaded.
    async fn media(
        &self,
        bytes: &[u8],
        mime: &'static str,
        other_inline: usize,
    ) -> Result<Media, EvalError> {
        let encoded_len = bytes.len().div_ceil(3) * 4;
        if encoded_len + other_inline <= self.config.inline_limit_bytes {
            return Ok(Media::Inline {
                mime,
                data: BASE64.encode(bytes),
            });
        }
        self.upload(bytes, mime).await
    }

    /// The resumable File API upload: start, upload+finalize, then poll until `ACTIVE`.
    async fn upload(&self, bytes: &[u8], mime: &'static str) -> Result<Media, EvalError> {
        let start = self
            .client
            .post(format!("{}/upload/v1beta/files", self.base()))
            .header("x-goog-api-key", self.config.api_key.expose())
            .header("X-Goog-Upload-Protocol", "resumable")
            .header("X-Goog-Upload-Command", "start")
            .header(
                "X-Goog-Upload-Header-Content-Length",
                bytes.len().to_string(),
            )
            .header("X-Goog-Upload-Header-Content-Type", mime)
            .json_body(&json!({"file": {"display_name": "leoma-media"}}))?
            .send()
            .await
            .map_err(|e| transport(&e))?;
        let status = start.status().as_u16();
        if status != 200 {
            let body = start.text().await.unwrap_or_default();
            return Err(http_error(status, &body));
        }
        let upload_url = start
            .headers()
            .get("x-goog-upload-url")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .ok_or_else(|| malformed("upload start without x-goog-upload-url"))?;
        let finalize = self
            .client
            .post(upload_url)
            .header("X-Goog-Upload-Offset", "0")
            .header("X-Goog-Upload-Command", "upload, finalize")
            .body(bytes.to_vec())
            .send()
            .await
            .map_err(|e| transport(&e))?;
        let mut file = read_json(finalize)
            .await?
            .get("file")
            .cloned()
            .unwrap_or(Value::Null);
        let deadline = tokio::time::Instant::now() + self.config.upload_active_timeout;
        loop {
            let name = file_field(&file, "name")?;
            match file.get("state").and_then(Value::as_str) {
                Some("ACTIVE") | None => {
                    let uri = file_field(&file, "uri")?;
                    return Ok(Media::File { mime, uri, name });
                }
                Some("FAILED") => return Err(malformed(format!("uploaded file {name} FAILED"))),
                Some(_) if tokio::time::Instant::now() >= deadline => {
                    return Err(EvalError::Transport {
                        service: SERVICE,
                        reason: format!("uploaded file {name} not ACTIVE in time"),
                    });
                }
                Some(_) => {
                    tokio::time::sleep(self.config.upload_poll_interval).await;
                    let r = self
                        .client
                        .get(format!("{}/v1beta/{name}", self.base()))
                        .header("x-goog-api-key", self.config.api_key.expose())
                        .send()
                        .await
                        .map_err(|e| transport(&e))?;
                    file = read_json(r).await?;
                }
            }
        }
    }

    /// Best-effort removal of an uploaded file.
    async fn forget(&self, media: &Media) {
        if let Media::File { name, .. } = media {
            let result = self
                .client
                .delete(format!("{}/v1beta/{name}", self.base()))
                .header("x-goog-api-key", self.config.api_key.expose())
                .send()
                .await;
            if let Err(e) = result {
                tracing::debug!(error = %e, "deleting uploaded gemini file failed");
            }
        }
    }

    fn generation_config(settings: &CallSettings, json_reply: bool) -> Value {
        let mut config = json!({
            "temperature": settings.temperature,
            "maxOutputTokens": settings.max_output_tokens,
            "mediaResolution": settings.media_resolution.wire(),
        });
        if let (true, Some(obj)) = (json_reply, config.as_object_mut()) {
            obj.insert("responseMimeType".to_owned(), json!("application/json"));
        }
        config
    }

    /// The §8.1 request body.
    fn judge_body(&self, request: &JudgeRequest<'_>, frame: &Media, video: &Media) -> Value {
        let settings = &self.config.judge;
        json!({
            "systemInstruction": {"parts": [{"text": JUDGE_SYSTEM_INSTRUCTION}]},
            "contents": [{
                "role": "user",
                "parts": [
                    {"text": judge_instruction(request.prompt)},
                    {"text": CONDITIONING_FRAME_LABEL},
                    frame.part(None),
                    {"text": GENERATED_VIDEO_LABEL},
                    video.part(Some(settings.video_fps)),
                ],
            }],
            "generationConfig": Self::generation_config(settings, true),
        })
    }

    async fn judge_once(
        &self,
        request: &JudgeRequest<'_>,
        video: &Media,
    ) -> Result<String, EvalError> {
        let frame = Media::Inline {
            mime: "image/png",
            data: BASE64.encode(request.first_frame_png),
        };
        let body = self.judge_body(request, &frame, video);
        self.generate(&self.config.judge.model, &body).await
    }
}

#[async_trait]
impl Judge for GeminiHttp {
    async fn judge(&self, request: &JudgeRequest<'_>) -> Result<JudgeOutcome, EvalError> {
        if request.first_frame_png.is_empty() || request.video_mp4.is_empty() {
            return Err(EvalError::InvalidInput("empty first frame or video".into()));
        }
        let policy = &self.config.judge.retry;
        let frame_inline = request.first_frame_png.len().div_ceil(3) * 4 + 16_384;
        let mut video: Option<Media> = None;
        let mut last: Option<Result<(String, String), EvalError>> = None;
        for attempt in 0..policy.max_attempts.max(1) {
            if attempt > 0 {
                tokio::time::sleep(policy.delay(attempt - 1)).await;
            }
            let media = match &video {
                Some(m) => m,
                None => match self
                    .media(request.video_mp4, "video/mp4", frame_inline)
                    .await
                {
                    Ok(m) => video.insert(m),
                    Err(e) if e.is_transient() => {
                        last = Some(Err(e));
                        continue;
                    }
                    Err(e) => return Err(e),
                },
            };
            match self.judge_once(request, media).await {
                Ok(text) => match parse_reply(&text, &self.config.pass_rule) {
                    Ok(result) => {
                        self.forget(media).await;
                        return Ok(JudgeOutcome::Judged(result));
                    }
                    Err(why) => {
                        tracing::warn!(attempt, error = %why, "judge reply unparseable");
                        last = Some(Ok((text, why.to_string())));
                    }
                },
                Err(e) if e.is_transient() => {
                    tracing::warn!(attempt, error = %e, "judge call failed");
                    last = Some(Err(e));
                }
                Err(e) => {
                    self.forget(media).await;
                    return Err(e);
                }
            }
        }
        if let Some(media) = &video {
            self.forget(media).await;
        }
        match last {
            Some(Ok((text, detail))) => Ok(JudgeOutcome::Unparseable {
                fail_safe: JudgeResult::fail_safe(&text),
                detail,
            }),
            Some(Err(e)) => Err(e),
            None => Err(EvalError::EmptyReply { service: SERVICE }),
        }
    }
}

#[async_trait]
impl Describer for GeminiHttp {
    async fn describe(&self, clip_mp4: &[u8]) -> Result<Description, EvalError> {
        if clip_mp4.is_empty() {
            return Err(EvalError::InvalidInput("empty clip".into()));
        }
        let settings = &self.config.describe;
        let mut last = EvalError::EmptyReply { service: SERVICE };
        for attempt in 0..settings.retry.max_attempts.max(1) {
            if attempt > 0 {
                tokio::time::sleep(settings.retry.delay(attempt - 1)).await;
            }
            let result = async {
                let clip = self.media(clip_mp4, "video/mp4", 16_384).await?;
                let body = json!({
                    "contents": [{
                        "role": "user",
                        "parts": [
                            {"text": DESCRIPTION_PROMPT},
                            {"text": SOURCE_CLIP_LABEL},
                            clip.part(Some(settings.video_fps)),
                        ],
                    }],
                    "generationConfig": Self::generation_config(settings, false),
                });
                let text = self.generate(&settings.model, &body).await;
                self.forget(&clip).await;
                text
            }
            .await;
            match result {
                Ok(text) => {
                    return Ok(Description {
                        text: text.trim().to_owned(),
                        model: settings.model.clone(),
                    });
                }
                Err(e) if e.is_transient() => {
                    tracing::warn!(attempt, error = %e, "description failed");
                    last = e;
                }
                Err(e) => return Err(e),
            }
        }
        Err(last)
    }
}

/// JSON request bodies without reqwest's `json` feature.
trait JsonBody: Sized {
    fn json_body(self, body: &Value) -> Result<Self, EvalError>;
}

impl JsonBody for reqwest::RequestBuilder {
    fn json_body(self, body: &Value) -> Result<Self, EvalError> {
        let bytes = serde_json::to_vec(body).map_err(|e| EvalError::InvalidInput(e.to_string()))?;
        Ok(self.header("content-type", "application/json").body(bytes))
    }
}

fn http_error(status: u16, body: &str) -> EvalError {
    EvalError::Http {
        service: SERVICE,
        status,
        body: truncate(body, 200),
    }
}

async fn read_json(response: reqwest::Response) -> Result<Value, EvalError> {
    let status = response.status().as_u16();
    let body = response.bytes().await.map_err(|e| transport(&e))?;
    if status != 200 {
        return Err(http_error(status, &String::from_utf8_lossy(&body)));
    }
    serde_json::from_slice(&body).map_err(|e| malformed(format!("body is not JSON: {e}")))
}

fn file_field(file: &Value, key: &str) -> Result<String, EvalError> {
    file.get(key)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| malformed(format!("uploaded file without {key}")))
}

/// The concatenated text parts of the first candidate (parts marked `thought` skipped).
pub fn reply_text(response: &Value) -> String {
    let parts = response
        .pointer("/candidates/0/content/parts")
        .and_then(Value::as_array);
    parts
        .into_iter()
        .flatten()
        .filter(|p| p.get("thought").and_then(Value::as_bool) != Some(true))
        .filter_map(|p| p.get("text").and_then(Value::as_str))
        .collect()
}
