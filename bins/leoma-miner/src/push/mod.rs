//! `push`: write the Chute definition for one model revision, deploy it with the official
//! `chutes` CLI, find the new chute's id in the Chutes API listing, and optionally wait until
//! it is hot (SPEC §3.13.1).

pub mod deploy;
pub mod template;

use std::path::{Path, PathBuf};
use std::time::Duration;

use leoma_api_types::keys::Secret;
use leoma_sampler::roster::ChuteDirectory;
use serde::Serialize;
use serde_json::Value;

use crate::error::MinerError;
pub use template::{CHUTE_IMAGE, ChuteTemplate};

const SERVICE: &str = "chutes";

/// What `push` produced, printed as JSON with `--json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PushResult {
    /// Whether every requested step succeeded.
    pub success: bool,
    /// The definition file written.
    pub definition: String,
    /// The model.
    pub model_name: String,
    /// The revision.
    pub model_revision: String,
    /// Only the file was written.
    pub dry_run: bool,
    /// The deployed chute's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chute_id: Option<String>,
    /// Its slug.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slug: Option<String>,
    /// Whether it was seen hot (only with `--wait`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hot: Option<bool>,
}

/// Writes the definition of `template` into `dir`; returns the file path.
pub fn write_definition(dir: &Path, template: &ChuteTemplate) -> Result<PathBuf, MinerError> {
    let path = dir.join(format!("{}.py", template.module_name()));
    std::fs::write(&path, template.render()).map_err(|e| MinerError::Io {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?;
    Ok(path)
}

/// A chute as the listing shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedChute {
    /// `chute_id`.
    pub chute_id: String,
    /// `slug`, when a string.
    pub slug: Option<String>,
}

/// Finds, in a `GET /chutes/` body (`items` or the body itself), the last chute whose
/// `tagline`, `readme` or `name` equals `model_name`.
pub fn find_in_listing(body: &Value, model_name: &str) -> Option<ListedChute> {
    let items = match body {
        Value::Object(o) => o.get("items")?.as_array()?,
        Value::Array(a) => a,
        _ => return None,
    };
    items.iter().rev().find_map(|item| {
        let text = |k: &str| item.get(k).and_then(Value::as_str);
        let named = ["tagline", "readme", "name"]
            .iter()
            .any(|k| text(k) == Some(model_name));
        if !named {
            return None;
        }
        Some(ListedChute {
            chute_id: text("chute_id")?.to_owned(),
            slug: text("slug").map(str::to_owned),
        })
    })
}

/// `GET {CHUTES_API_URL}/chutes/` with `Authorization: Bearer <key>`, then
/// [`find_in_listing`].
pub async fn find_chute(
    base_url: &str,
    api_key: Option<&Secret>,
    model_name: &str,
    timeout: Duration,
) -> Result<ListedChute, MinerError> {
    let client = reqwest::Client::builder()
        .timeout(timeout)
        .build()
        .map_err(|e| MinerError::http(SERVICE, e))?;
    let url = format!("{}/chutes/", base_url.trim_end_matches('/'));
    let mut request = client.get(&url);
    if let Some(key) = api_key.filter(|k| !k.expose().is_empty()) {
        request = request.header("Authorization", format!("Bearer {}", key.expose()));
    }
    let body = crate::owner_api::fetch(SERVICE, &url, request)
        .await?
        .ok_or_else(|| MinerError::http(SERVICE, format!("GET {url}: HTTP 404")))?;
    let value: Value = serde_json::from_slice(&body)
        .map_err(|e| MinerError::http(SERVICE, format!("GET {url}: not JSON: {e}")))?;
    find_in_listing(&value, model_name).ok_or_else(|| MinerError::ChuteNotListed {
        model_name: model_name.to_owned(),
    })
}

/// Polls chute info every `poll` until the chute is hot, for at most `timeout`; `tick` is
/// called before each poll with the seconds waited so far (the spinner). Read failures are
/// retried until the deadline.
pub async fn wait_hot(
    chutes: &dyn ChuteDirectory,
    chute_id: &str,
    poll: Duration,
    timeout: Duration,
    tick: &mut (dyn FnMut(u64) + Send),
) -> Result<(), MinerError> {
    let start = tokio::time::Instant::now();
    loop {
        tick(start.elapsed().as_secs());
        if let Ok(info) = chutes.chute_info(chute_id).await
            && info.hot
        {
            return Ok(());
        }
        if start.elapsed() + poll > timeout {
            return Err(MinerError::WaitTimeout {
                chute_id: chute_id.to_owned(),
                seconds: timeout.as_secs(),
            });
        }
        tokio::time::sleep(poll).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn listing_takes_the_last_chute_naming_the_model() {
        let body = json!({"items": [
            {"chute_id": "a", "slug": "s-a", "name": "alice/leoma-x"},
            {"chute_id": "b", "slug": "s-b", "tagline": "other"},
            {"chute_id": "c", "slug": "s-c", "readme": "alice/leoma-x"},
            {"chute_id": "d", "slug": "s-d", "name": "zzz"}
        ]});
        let found = find_in_listing(&body, "alice/leoma-x");
        assert_eq!(
            found,
            Some(ListedChute {
                chute_id: "c".into(),
                slug: Some("s-c".into())
            })
        );
        assert_eq!(find_in_listing(&body, "nobody"), None);
    }

    #[test]
    fn listing_may_be_a_bare_array() {
        let body = json!([{"chute_id": "a", "tagline": "m"}]);
        assert_eq!(
            find_in_listing(&body, "m").map(|c| c.chute_id),
            Some("a".into())
        );
        assert_eq!(find_in_listing(&json!("x"), "m"), None);
        assert_eq!(find_in_listing(&json!({"items": 3}), "m"), None);
    }
}
