//! `OwnerApiHttp`: the [`Reporter`] over the owner-api's HTTP API (SPEC §9.2, §9.4, §9.5).
//!
//! `GET /blacklist/miners` is sent unsigned; `POST /miners/report` and `POST /samples/batch` are
//! signed over the exact body bytes with the `X-*` scheme or, when [`AuthScheme::Epistula`] is
//! chosen (`API_AUTH_SCHEME=epistula`), with Epistula v2; every attempt is signed afresh (new
//! timestamp, new uuid) so the server's replay cache never refuses a retry. Only transient
//! failures are retried (a connection that could not be made, 429 and 5xx), a few times with
//! short sleeps; a timed-out attempt is not retried (the request may have been processed) and
//! 4xx never is.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use leoma_api_types::Hotkey;
use leoma_api_types::hotkey::BITTENSOR_SS58_PREFIX;
use leoma_api_types::owner_api::auth::{
    EPISTULA_REQUEST_SIGNATURE, EPISTULA_SIGNED_BY, EPISTULA_SIGNED_FOR, EPISTULA_TIMESTAMP,
    EPISTULA_UUID, EPISTULA_VERSION, X_SIGNATURE, X_TIMESTAMP, X_VALIDATOR_HOTKEY,
    epistula_message, signature_header, x_message,
};
use leoma_api_types::report::MinerReport;
use leoma_api_types::samples::{MAX_BATCH_SAMPLES, SampleBatch};
use leoma_api_types::signature::Signer;
use serde_json::Value;

use super::{ReportError, Reporter};

/// Largest owner-api response body read (the blacklist is capped at 10 000 rows server-side).
const MAX_RESPONSE_BYTES: usize = 4 * 1024 * 1024;

/// Longest excerpt of an error body kept in a [`ReportError::Http`].
const DETAIL_MAX_CHARS: usize = 200;

/// A signer usable across tasks.
pub type SharedSigner = Arc<dyn Signer + Send + Sync>;

/// How signed requests are authenticated (SPEC §10.2 `API_AUTH_SCHEME`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum AuthScheme {
    /// Scheme A, `X-Validator-Hotkey` / `X-Signature` / `X-Timestamp` (SPEC §9.2): what the
    /// reference owner-api understands.
    #[default]
    XLeoma,
    /// Scheme B, Epistula v2 (SPEC §9.3): millisecond timestamps and single-use uuids.
    Epistula {
        /// The owner-api's SS58 hotkey sent as `Epistula-Signed-For` (binds each request to
        /// that server); `None` sends no receiver binding.
        signed_for: Option<String>,
    },
}

/// Client settings (SPEC §10.2 `API_REQUEST_TIMEOUT`, `API_MAX_RETRIES`, `API_AUTH_SCHEME`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnerApiSettings {
    /// Total time one attempt may take (30 s).
    pub timeout: Duration,
    /// Attempts per call, first included (3).
    pub max_attempts: u32,
    /// Sleep before the second, third, … attempt; the last value repeats (1 s, 2 s).
    pub backoff: Vec<Duration>,
    /// Request signing scheme.
    pub auth: AuthScheme,
}

impl Default for OwnerApiSettings {
    fn default() -> Self {
        OwnerApiSettings {
            timeout: Duration::from_secs(30),
            max_attempts: 3,
            backoff: vec![Duration::from_secs(1), Duration::from_secs(2)],
            auth: AuthScheme::XLeoma,
        }
    }
}

impl OwnerApiSettings {
    fn sleep_before(&self, attempt: u32) -> Duration {
        let i = usize::try_from(attempt.saturating_sub(1)).unwrap_or(usize::MAX);
        self.backoff
            .get(i)
            .or(self.backoff.last())
            .copied()
            .unwrap_or_default()
    }
}

/// The owner-api client of a validator.
pub struct OwnerApiHttp {
    base: String,
    client: reqwest::Client,
    signer: SharedSigner,
    hotkey: Hotkey,
    settings: OwnerApiSettings,
}

impl std::fmt::Debug for OwnerApiHttp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OwnerApiHttp")
            .field("base", &self.base)
            .field("hotkey", &self.hotkey.as_str())
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

/// One failed attempt, and whether another may succeed.
struct Failure {
    error: ReportError,
    retry: bool,
}

impl OwnerApiHttp {
    /// A client for `base_url` (`API_URL`, `http://` or `https://`, a trailing `/` is ignored)
    /// signing as `signer`.
    pub fn new(
        base_url: &str,
        signer: SharedSigner,
        settings: OwnerApiSettings,
    ) -> Result<Self, ReportError> {
        let base = base_url.trim().trim_end_matches('/').to_owned();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(ReportError::InvalidRequest(format!(
                "API_URL must start with http:// or https://, got {base:?}"
            )));
        }
        if settings.max_attempts == 0 {
            return Err(ReportError::InvalidRequest(
                "API_MAX_RETRIES must be at least 1".into(),
            ));
        }
        let client = reqwest::Client::builder()
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout.min(Duration::from_secs(10)))
            .build()
            .map_err(|e| ReportError::InvalidRequest(format!("HTTP client: {e}")))?;
        let hotkey = Hotkey::from_public(signer.public_key(), BITTENSOR_SS58_PREFIX);
        Ok(OwnerApiHttp {
            base,
            client,
            signer,
            hotkey,
            settings,
        })
    }

    /// The SS58 hotkey requests are signed with (`X-Validator-Hotkey`).
    pub fn hotkey(&self) -> &str {
        self.hotkey.as_str()
    }

    /// Runs `attempt` up to `max_attempts` times while it fails transiently.
    async fn with_retries<F, Fut>(&self, what: &str, mut attempt: F) -> Result<Vec<u8>, ReportError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<Vec<u8>, Failure>>,
    {
        let mut n = 1;
        loop {
            match attempt().await {
                Ok(body) => return Ok(body),
                Err(f) if f.retry && n < self.settings.max_attempts => {
                    tracing::debug!(call = what, attempt = n, error = %f.error, "owner-api retry");
                    tokio::time::sleep(self.settings.sleep_before(n)).await;
                    n += 1;
                }
                Err(f) => return Err(f.error),
            }
        }
    }

    /// The authentication headers of one attempt to send `body`, signed now.
    fn auth_headers(&self, body: &[u8]) -> Vec<(&'static str, String)> {
        match &self.settings.auth {
            AuthScheme::XLeoma => {
                let timestamp = unix_millis().div_euclid(1000).to_string();
                let message = x_message(body, &timestamp);
                let signature = signature_header(&self.signer.sign(message.as_bytes()));
                vec![
                    (X_VALIDATOR_HOTKEY, self.hotkey.as_str().to_owned()),
                    (X_SIGNATURE, signature),
                    (X_TIMESTAMP, timestamp),
                ]
            }
            AuthScheme::Epistula { signed_for } => {
                let timestamp = unix_millis().to_string();
                let uuid = uuid_v4(rand::random());
                let message = epistula_message(body, &uuid, &timestamp, signed_for.as_deref());
                let signature = signature_header(&self.signer.sign(message.as_bytes()));
                let mut headers = vec![
                    (EPISTULA_VERSION, "2".to_owned()),
                    (EPISTULA_TIMESTAMP, timestamp),
                    (EPISTULA_UUID, uuid),
                    (EPISTULA_SIGNED_BY, self.hotkey.as_str().to_owned()),
                    (EPISTULA_REQUEST_SIGNATURE, signature),
                ];
                if let Some(receiver) = signed_for {
                    headers.push((EPISTULA_SIGNED_FOR, receiver.clone()));
                }
                headers
            }
        }
    }

    /// One signed POST of `body` to `path`; the signature is computed now, for this attempt.
    async fn post_signed(&self, path: &str, body: &[u8]) -> Result<Vec<u8>, Failure> {
        let mut request = self.client.post(format!("{}{path}", self.base));
        for (name, value) in self.auth_headers(body) {
            request = request.header(name, value);
        }
        let response = request
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_vec())
            .send()
            .await;
        read_response(response).await
    }

    async fn get(&self, path: &str) -> Result<Vec<u8>, Failure> {
        let response = self.client.get(format!("{}{path}", self.base)).send().await;
        read_response(response).await
    }
}

fn unix_millis() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0)
}

/// A random (version 4, RFC 4122 variant) UUID in its textual form, from 16 random bytes.
fn uuid_v4(mut b: [u8; 16]) -> String {
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

fn transport(e: &reqwest::Error) -> Failure {
    // A timed-out request may have been processed: only a connection that never happened is
    // retried (SPEC §9.4).
    let retry = e.is_connect() && !e.is_timeout();
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "cannot connect"
    } else {
        "request failed"
    };
    Failure {
        error: ReportError::Transport(format!("{kind}: {}", without_url(e))),
        retry,
    }
}

/// The error text without the URL (which could carry credentials in its userinfo).
fn without_url(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    if let Some(url) = e.url() {
        text = text.replace(url.as_str(), "<owner-api>");
    }
    text
}

async fn read_response(
    response: Result<reqwest::Response, reqwest::Error>,
) -> Result<Vec<u8>, Failure> {
    let mut response = response.map_err(|e| transport(&e))?;
    let status = response.status().as_u16();
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| transport(&e))? {
        if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
            return Err(Failure {
                error: ReportError::Malformed(format!(
                    "response larger than {MAX_RESPONSE_BYTES} bytes"
                )),
                retry: false,
            });
        }
        body.extend_from_slice(&chunk);
    }
    if status == 200 || status == 201 {
        return Ok(body);
    }
    let error = ReportError::Http {
        status,
        detail: error_detail(&body),
    };
    let retry = error.is_transient();
    Err(Failure { error, retry })
}

/// The `detail` string of a `{"detail": …}` body, else a short excerpt of the body.
fn error_detail(body: &[u8]) -> String {
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    let text = match parsed.as_ref().and_then(|v| v.get("detail")) {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => String::from_utf8_lossy(body).into_owned(),
    };
    text.chars().take(DETAIL_MAX_CHARS).collect()
}

fn json_body(what: &str, body: &[u8]) -> Result<Value, ReportError> {
    serde_json::from_slice(body)
        .map_err(|e| ReportError::Malformed(format!("{what}: response is not JSON: {e}")))
}

/// Reads the `GET /blacklist/miners` body: a JSON array of hotkey strings.
pub fn parse_blacklist(body: &[u8]) -> Result<Vec<String>, ReportError> {
    let Value::Array(items) = json_body("blacklist", body)? else {
        return Err(ReportError::Malformed(
            "blacklist: response is not a JSON array".into(),
        ));
    };
    items
        .into_iter()
        .enumerate()
        .map(|(i, v)| match v {
            Value::String(s) => Ok(s),
            other => Err(ReportError::Malformed(format!(
                "blacklist: item {i} is not a string: {}",
                kind_of(&other)
            ))),
        })
        .collect()
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[async_trait]
impl Reporter for OwnerApiHttp {
    async fn blacklist(&self) -> Result<Vec<String>, ReportError> {
        let body = self
            .with_retries("GET /blacklist/miners", || self.get("/blacklist/miners"))
            .await?;
        parse_blacklist(&body)
    }

    async fn report_miners(&self, report: &MinerReport) -> Result<(), ReportError> {
        let bytes = report
            .to_bytes()
            .map_err(|e| ReportError::InvalidRequest(e.to_string()))?;
        let body = self
            .with_retries("POST /miners/report", || {
                self.post_signed("/miners/report", &bytes)
            })
            .await?;
        match json_body("miner report", &body)?.get("reported") {
            Some(Value::Number(n)) if n.is_u64() => Ok(()),
            _ => Err(ReportError::Malformed(
                "miner report: response has no integer \"reported\"".into(),
            )),
        }
    }

    async fn report_samples(&self, batch: &SampleBatch) -> Result<(), ReportError> {
        if batch.samples.len() > MAX_BATCH_SAMPLES {
            return Err(ReportError::InvalidRequest(format!(
                "sample batch of {} samples, at most {MAX_BATCH_SAMPLES} per chunk",
                batch.samples.len()
            )));
        }
        let bytes = batch.to_bytes();
        let body = self
            .with_retries("POST /samples/batch", || {
                self.post_signed("/samples/batch", &bytes)
            })
            .await?;
        match json_body("sample batch", &body)? {
            Value::Array(_) => Ok(()),
            _ => Err(ReportError::Malformed(
                "sample batch: response is not a JSON array".into(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_repeats_its_last_step() {
        let s = OwnerApiSettings::default();
        assert_eq!(s.sleep_before(1), Duration::from_secs(1));
        assert_eq!(s.sleep_before(2), Duration::from_secs(2));
        assert_eq!(s.sleep_before(7), Duration::from_secs(2));
        let none = OwnerApiSettings {
            backoff: vec![],
            ..OwnerApiSettings::default()
        };
        assert_eq!(none.sleep_before(1), Duration::ZERO);
    }

    #[test]
    fn uuids_are_version_4_in_textual_form() {
        let u = uuid_v4([0xff; 16]);
        assert_eq!(u, "ffffffff-ffff-4fff-bfff-ffffffffffff");
        let z = uuid_v4([0; 16]);
        assert_eq!(z, "00000000-0000-4000-8000-000000000000");
        assert_ne!(uuid_v4(rand::random()), uuid_v4(rand::random()));
    }

    #[test]
    fn epistula_headers_sign_the_spec_message() {
        use leoma_api_types::signature::verify_sr25519_form;
        let key = leoma_chain::Keypair::from_seed(&[7; 32]).unwrap();
        let body = br#"{"miners":[]}"#;
        for signed_for in [
            None,
            Some("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"),
        ] {
            let client = OwnerApiHttp::new(
                "http://127.0.0.1:9",
                Arc::new(key.clone()),
                OwnerApiSettings {
                    auth: AuthScheme::Epistula {
                        signed_for: signed_for.map(str::to_owned),
                    },
                    ..OwnerApiSettings::default()
                },
            )
            .unwrap();
            let h: std::collections::BTreeMap<&str, String> =
                client.auth_headers(body).into_iter().collect();
            assert_eq!(h[EPISTULA_VERSION], "2");
            assert_eq!(h[EPISTULA_SIGNED_BY], client.hotkey());
            assert_eq!(h.get(EPISTULA_SIGNED_FOR).map(String::as_str), signed_for);
            assert!(!h.contains_key(X_SIGNATURE));
            let ts: u128 = h[EPISTULA_TIMESTAMP].parse().unwrap();
            assert!(ts.abs_diff(unix_millis()) < 60_000, "milliseconds: {ts}");
            let message =
                epistula_message(body, &h[EPISTULA_UUID], &h[EPISTULA_TIMESTAMP], signed_for);
            let sig: [u8; 64] = hex::decode(h[EPISTULA_REQUEST_SIGNATURE].trim_start_matches("0x"))
                .unwrap()
                .try_into()
                .unwrap();
            assert!(verify_sr25519_form(&key.public_key(), message.as_bytes(), &sig).is_some());
            // A retry is signed afresh with a new uuid.
            let again: std::collections::BTreeMap<&str, String> =
                client.auth_headers(body).into_iter().collect();
            assert_ne!(again[EPISTULA_UUID], h[EPISTULA_UUID]);
        }
    }

    #[test]
    fn x_leoma_headers_use_seconds() {
        let key = leoma_chain::Keypair::from_seed(&[7; 32]).unwrap();
        let client = OwnerApiHttp::new(
            "http://127.0.0.1:9",
            Arc::new(key),
            OwnerApiSettings::default(),
        )
        .unwrap();
        let h: std::collections::BTreeMap<&str, String> =
            client.auth_headers(b"{}").into_iter().collect();
        let ts: u128 = h[X_TIMESTAMP].parse().unwrap();
        assert!(ts.abs_diff(unix_millis() / 1000) < 60, "seconds: {ts}");
        assert!(!h.contains_key(EPISTULA_VERSION));
    }

    #[test]
    fn error_detail_prefers_the_detail_string() {
        assert_eq!(
            error_detail(br#"{"detail":"Invalid signature"}"#),
            "Invalid signature"
        );
        assert_eq!(
            error_detail(br#"{"detail":[{"loc":["header"]}]}"#),
            r#"[{"loc":["header"]}]"#
        );
        assert_eq!(error_detail(b"bad gateway"), "bad gateway");
        assert_eq!(error_detail(&[b'x'; 500]).len(), DETAIL_MAX_CHARS);
    }

    #[test]
    fn blacklist_body_must_be_an_array_of_strings() {
        assert_eq!(parse_blacklist(b"[]"), Ok(vec![]));
        assert_eq!(
            parse_blacklist(br#"["a","b"]"#),
            Ok(vec!["a".into(), "b".into()])
        );
        for bad in [&b"{}"[..], b"[1]", b"[\"a\", null]", b"not json", b""] {
            assert!(
                matches!(parse_blacklist(bad), Err(ReportError::Malformed(_))),
                "{bad:?}"
            );
        }
    }
}
