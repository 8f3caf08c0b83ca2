//! The `ChuteDirectory` port (chute info, SPEC §6.4), its reqwest adapter `ChutesHttp` and the
//! caching wrapper `CachedChutes`.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use leoma_api_types::json::{PyValue, parse_py};
use leoma_api_types::keys::Secret;
use leoma_api_types::python::py_str_of_value;

use super::cache::TtlCache;
use super::error::RosterError;
use super::http::{encode_segment, read_body};

const SERVICE: &str = "chutes";

/// What the roster needs from `GET /chutes/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ChuteInfo {
    /// `slug` as a string (`None` when absent or not a string).
    pub slug: Option<String>,
    /// Python truthiness of `hot`.
    pub hot: bool,
    /// `revision` as Python `str()` when truthy (`None` when falsy or absent).
    pub revision: Option<String>,
    /// `name`, `tagline` and `readme`, where they are strings.
    pub names: Vec<String>,
}

impl ChuteInfo {
    /// Reads a chute-info JSON body (any JSON object; other fields ignored).
    pub fn from_json(body: &[u8]) -> Result<Self, RosterError> {
        let malformed = |reason: String| RosterError::Malformed {
            service: SERVICE,
            reason,
        };
        let value = parse_py(body).map_err(|e| malformed(e.to_string()))?;
        let PyValue::Object(obj) = value else {
            return Err(malformed("chute info is not an object".into()));
        };
        let string = |k: &str| obj.get(k).and_then(PyValue::as_str).map(str::to_owned);
        Ok(ChuteInfo {
            slug: string("slug"),
            hot: obj.get("hot").is_some_and(PyValue::is_truthy),
            revision: obj
                .get("revision")
                .filter(|v| v.is_truthy())
                .and_then(py_str_of_value),
            names: ["name", "tagline", "readme"]
                .iter()
                .filter_map(|k| string(k))
                .collect(),
        })
    }
}

/// Reads chute info from the Chutes API.
#[async_trait]
pub trait ChuteDirectory: Send + Sync {
    /// `GET {CHUTES_API_URL}/chutes/{chute_id}`.
    async fn chute_info(&self, chute_id: &str) -> Result<ChuteInfo, RosterError>;
}

/// The reqwest adapter: raw key in `Authorization` (no `Bearer`, M7), omitted without a key.
#[derive(Debug, Clone)]
pub struct ChutesHttp {
    client: reqwest::Client,
    base_url: String,
    api_key: Option<Secret>,
}

impl ChutesHttp {
    /// A client with a total per-request timeout (SPEC: 10 s).
    pub fn new(
        base_url: &str,
        api_key: Option<Secret>,
        timeout: Duration,
    ) -> Result<Self, RosterError> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|e| RosterError::Transport {
                service: SERVICE,
                reason: e.to_string(),
            })?;
        Ok(ChutesHttp {
            client,
            base_url: base_url.trim_end_matches('/').to_owned(),
            api_key: api_key.filter(|k| !k.expose().is_empty()),
        })
    }
}

#[async_trait]
impl ChuteDirectory for ChutesHttp {
    async fn chute_info(&self, chute_id: &str) -> Result<ChuteInfo, RosterError> {
        let url = format!("{}/chutes/{}", self.base_url, encode_segment(chute_id));
        let mut request = self.client.get(url);
        if let Some(key) = &self.api_key {
            request = request.header("Authorization", key.expose());
        }
        let body = read_body(SERVICE, request.send().await).await?;
        ChuteInfo::from_json(&body)
    }
}

/// Caches successful chute info per id for `CHUTE_CACHE_TTL`; failures are not kept; concurrent
/// lookups of one id share one request.
pub struct CachedChutes {
    inner: Arc<dyn ChuteDirectory>,
    cache: TtlCache<String, ChuteInfo, RosterError>,
}

impl CachedChutes {
    /// Wraps `inner` with a success TTL.
    pub fn new(inner: Arc<dyn ChuteDirectory>, ttl: Duration) -> Self {
        CachedChutes {
            inner,
            cache: TtlCache::new(ttl, Duration::ZERO, 4096),
        }
    }
}

#[async_trait]
impl ChuteDirectory for CachedChutes {
    async fn chute_info(&self, chute_id: &str) -> Result<ChuteInfo, RosterError> {
        self.cache
            .get_or_fetch(&chute_id.to_owned(), || self.inner.chute_info(chute_id))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_python_truthiness() {
        let i = ChuteInfo::from_json(
            br#"{"slug": "s", "hot": 1, "revision": "", "name": "a/leoma-x", "tagline": 3}"#,
        )
        .unwrap();
        assert_eq!(i.slug.as_deref(), Some("s"));
        assert!(i.hot);
        assert_eq!(i.revision, None);
        assert_eq!(i.names, vec!["a/leoma-x".to_owned()]);
        let cold = ChuteInfo::from_json(br#"{"hot": [], "revision": 12}"#).unwrap();
        assert!(!cold.hot);
        assert_eq!(cold.revision.as_deref(), Some("12"));
        assert!(ChuteInfo::from_json(b"[1]").is_err());
        assert!(ChuteInfo::from_json(b"nope").is_err());
    }
}
