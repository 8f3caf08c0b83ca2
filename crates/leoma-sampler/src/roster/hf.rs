//! The `ModelRegistry` port (HuggingFace revision info, SPEC §6.5), its reqwest adapter
//! `HfHttp`, the weight hash, and the caching wrapper `CachedRegistry` (success TTL
//! `MODEL_HASH_CACHE_TTL`, failure TTL `MODEL_HASH_NEGATIVE_TTL`, M4).

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use leoma_api_types::json::{PyValue, parse_py};
use leoma_api_types::keys::Secret;
use sha2::{Digest, Sha256};

use super::cache::TtlCache;
use super::error::RosterError;
use super::http::{encode_segment, read_body};

const SERVICE: &str = "huggingface";

/// File suffixes whose LFS hashes make up the model hash (kept exactly, M2).
pub const WEIGHT_SUFFIXES: [&str; 5] = [".safetensors", ".bin", ".pt", ".pth", ".ckpt"];

/// What the roster needs from a model revision.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ModelInfo {
    /// The resolved commit SHA (`None` when the response has none).
    pub sha: Option<String>,
    /// `lfs.sha256` of every weight file with LFS info, in response order.
    pub weight_sha256s: Vec<String>,
}

impl ModelInfo {
    /// Reads the Hub's model-info JSON.
    pub fn from_json(body: &[u8]) -> Result<Self, RosterError> {
        let malformed = |reason: String| RosterError::Malformed {
            service: SERVICE,
            reason,
        };
        let value = parse_py(body).map_err(|e| malformed(e.to_string()))?;
        let PyValue::Object(obj) = value else {
            return Err(malformed("model info is not an object".into()));
        };
        let siblings = obj
            .get("siblings")
            .and_then(PyValue::as_array)
            .unwrap_or_default();
        let weight_sha256s = siblings
            .iter()
            .filter_map(PyValue::as_object)
            .filter(|s| {
                s.get("rfilename")
                    .and_then(PyValue::as_str)
                    .is_some_and(|n| WEIGHT_SUFFIXES.iter().any(|x| n.ends_with(x)))
            })
            .filter_map(|s| s.get("lfs")?.as_object()?.get("sha256")?.as_str())
            .filter(|h| !h.is_empty())
            .map(str::to_owned)
            .collect();
        Ok(ModelInfo {
            sha: obj
                .get("sha")
                .and_then(PyValue::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
            weight_sha256s,
        })
    }

    /// `sha256hex(concatenation of the sorted distinct weight hashes)`; `None` when there are no
    /// weight files.
    pub fn model_hash(&self) -> Option<String> {
        model_hash(&self.weight_sha256s)
    }
}

/// The §6.5 model hash of a list of LFS sha256 strings (`None` for an empty list).
pub fn model_hash(hashes: &[String]) -> Option<String> {
    let distinct: BTreeSet<&str> = hashes.iter().map(String::as_str).collect();
    if distinct.is_empty() {
        return None;
    }
    let mut h = Sha256::new();
    for s in distinct {
        h.update(s.as_bytes());
    }
    Some(hex::encode(h.finalize()))
}

/// Reads model revisions from the HuggingFace Hub.
#[async_trait]
pub trait ModelRegistry: Send + Sync {
    /// `GET {HF_ENDPOINT}/api/models/{repo}/revision/{revision}?blobs=true`.
    async fn model_info(&self, repo: &str, revision: &str) -> Result<ModelInfo, RosterError>;
}

/// `huggingface_hub.validate_repo_id`: one or two parts of `[A-Za-z0-9_.-]`, each starting and
/// ending with a word character, no `--` or `..`, not ending in `.git`, at most 96 characters.
pub fn validate_repo_id(repo: &str) -> Result<(), String> {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let parts: Vec<&str> = repo.split('/').collect();
    let parts_ok = (1..=2).contains(&parts.len())
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.chars().all(|c| word(c) || c == '-' || c == '.')
                && p.starts_with(word)
                && p.ends_with(word)
        });
    if repo.len() > 96
        || !parts_ok
        || repo.contains("--")
        || repo.contains("..")
        || repo.ends_with(".git")
    {
        return Err(format!("invalid repository id {repo:?}"));
    }
    Ok(())
}

/// The reqwest adapter (`Authorization: Bearer <HF_TOKEN>` when a token is set).
#[derive(Debug, Clone)]
pub struct HfHttp {
    client: reqwest::Client,
    endpoint: String,
    token: Option<Secret>,
}

impl HfHttp {
    /// A client with a total per-request timeout.
    pub fn new(
        endpoint: &str,
        token: Option<Secret>,
        timeout: Duration,
    ) -> Result<Self, RosterError> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|e| RosterError::Transport {
                service: SERVICE,
                reason: e.to_string(),
            })?;
        Ok(HfHttp {
            client,
            endpoint: endpoint.trim_end_matches('/').to_owned(),
            token: token.filter(|t| !t.expose().is_empty()),
        })
    }
}

#[async_trait]
impl ModelRegistry for HfHttp {
    async fn model_info(&self, repo: &str, revision: &str) -> Result<ModelInfo, RosterError> {
        validate_repo_id(repo).map_err(|reason| RosterError::InvalidRequest {
            service: SERVICE,
            reason,
        })?;
        let url = format!(
            "{}/api/models/{repo}/revision/{}?blobs=true",
            self.endpoint,
            encode_segment(revision)
        );
        let mut request = self.client.get(url);
        if let Some(token) = &self.token {
            request = request.header("Authorization", format!("Bearer {}", token.expose()));
        }
        let body = read_body(SERVICE, request.send().await).await?;
        ModelInfo::from_json(&body)
    }
}

/// Caches model info per (repo, revision): successes for the positive TTL, failures for the
/// short negative TTL, one request per key at a time.
pub struct CachedRegistry {
    inner: Arc<dyn ModelRegistry>,
    cache: TtlCache<(String, String), ModelInfo, RosterError>,
}

impl CachedRegistry {
    /// Wraps `inner`.
    pub fn new(inner: Arc<dyn ModelRegistry>, ok_ttl: Duration, err_ttl: Duration) -> Self {
        CachedRegistry {
            inner,
            cache: TtlCache::new(ok_ttl, err_ttl, 4096),
        }
    }
}

#[async_trait]
impl ModelRegistry for CachedRegistry {
    async fn model_info(&self, repo: &str, revision: &str) -> Result<ModelInfo, RosterError> {
        let key = (repo.to_owned(), revision.to_owned());
        self.cache
            .get_or_fetch(&key, || self.inner.model_info(repo, revision))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_is_over_sorted_distinct_strings() {
        let a = model_hash(&["bb".into(), "aa".into(), "bb".into()]).unwrap();
        assert_eq!(a, hex::encode(Sha256::digest(b"aabb")));
        assert_eq!(model_hash(&[]), None);
    }

    #[test]
    fn reads_weight_files_with_lfs_only() {
        let info = ModelInfo::from_json(
            br#"{"sha": "abc", "siblings": [
                {"rfilename": "model.safetensors", "lfs": {"sha256": "h1"}},
                {"rfilename": "unet/diffusion.bin", "lfs": {"sha256": "h2"}},
                {"rfilename": "x.pt"},
                {"rfilename": "config.json", "lfs": {"sha256": "h3"}},
                {"rfilename": "a.ckpt", "lfs": {"sha256": "h4"}},
                {"rfilename": "b.pth", "lfs": {"sha256": "h5"}},
                {"rfilename": "c.onnx", "lfs": {"sha256": "h6"}}
            ]}"#,
        )
        .unwrap();
        assert_eq!(info.sha.as_deref(), Some("abc"));
        assert_eq!(info.weight_sha256s, ["h1", "h2", "h4", "h5"]);
        let none = ModelInfo::from_json(br#"{"siblings": []}"#).unwrap();
        assert_eq!((none.sha.clone(), none.model_hash()), (None, None));
    }

    #[test]
    fn repo_ids_follow_the_hub_rules() {
        for ok in ["alice/leoma-5F", "leoma-x", "a.b_c/d-e.f", "A1/B2"] {
            assert!(validate_repo_id(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            " alice/leoma",
            "a/b/c",
            "-a/b",
            "a/b-",
            "a--b/c",
            "a/b..c",
            "a/b.git",
            "a b/c",
            "a/",
            &"x".repeat(97),
        ] {
            assert!(validate_repo_id(bad).is_err(), "{bad:?}");
        }
    }
}
