//! The owner-api reads a miner needs (SPEC §9.5), all unauthenticated: the leaderboard
//! (`GET /scores/rank`), the consensus view of one miner (`GET /miners/info/{hotkey}`) and the
//! blacklist validators apply (`GET /blacklist/miners`).

use std::collections::BTreeSet;
use std::time::Duration;

use leoma_api_types::owner_api::{MinerResponse, RankResponse};
use leoma_sampler::report::http::parse_blacklist;
use leoma_sampler::roster::http::encode_segment;
use serde::de::DeserializeOwned;

use crate::error::MinerError;

const SERVICE: &str = "owner-api";

/// A read-only owner-api client.
#[derive(Debug, Clone)]
pub struct OwnerApi {
    client: reqwest::Client,
    base_url: String,
}

impl OwnerApi {
    /// A client for `base_url` (`API_URL`) with a total per-request timeout.
    pub fn new(base_url: &str, timeout: Duration) -> Result<Self, MinerError> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|e| MinerError::http(SERVICE, e))?;
        Ok(OwnerApi {
            client,
            base_url: base_url.trim_end_matches('/').to_owned(),
        })
    }

    /// The base URL.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// `GET /scores/rank`.
    pub async fn rank(&self) -> Result<RankResponse, MinerError> {
        let body = self
            .get("/scores/rank")
            .await?
            .ok_or_else(|| MinerError::http(SERVICE, "GET /scores/rank answered 404"))?;
        json(&body)
    }

    /// `GET /miners/info/{hotkey}`; `None` when the owner-api does not know the miner (404).
    pub async fn miner(&self, hotkey: &str) -> Result<Option<MinerResponse>, MinerError> {
        match self
            .get(&format!("/miners/info/{}", encode_segment(hotkey)))
            .await?
        {
            Some(body) => json(&body).map(Some),
            None => Ok(None),
        }
    }

    /// `GET /blacklist/miners`.
    pub async fn blacklist(&self) -> Result<BTreeSet<String>, MinerError> {
        let body = self
            .get("/blacklist/miners")
            .await?
            .ok_or_else(|| MinerError::http(SERVICE, "GET /blacklist/miners answered 404"))?;
        let list = parse_blacklist(&body).map_err(|e| MinerError::http(SERVICE, e))?;
        Ok(list.into_iter().collect())
    }

    /// The body of a 200, `None` for a 404, an error otherwise.
    async fn get(&self, path: &str) -> Result<Option<Vec<u8>>, MinerError> {
        let url = format!("{}{path}", self.base_url);
        fetch(SERVICE, &url, self.client.get(&url)).await
    }
}

/// Sends a GET: the body of a 2xx, `None` for a 404, an error naming `url` otherwise.
pub(crate) async fn fetch(
    service: &'static str,
    url: &str,
    request: reqwest::RequestBuilder,
) -> Result<Option<Vec<u8>>, MinerError> {
    let response = request
        .send()
        .await
        .map_err(|e| MinerError::http(service, format!("GET {url}: {e}")))?;
    let status = response.status();
    if status == reqwest::StatusCode::NOT_FOUND {
        return Ok(None);
    }
    if !status.is_success() {
        return Err(MinerError::http(
            service,
            format!("GET {url}: HTTP {status}"),
        ));
    }
    let body = response
        .bytes()
        .await
        .map_err(|e| MinerError::http(service, format!("GET {url}: {e}")))?;
    Ok(Some(body.to_vec()))
}

fn json<T: DeserializeOwned>(body: &[u8]) -> Result<T, MinerError> {
    serde_json::from_slice(body)
        .map_err(|e| MinerError::http(SERVICE, format!("unexpected body: {e}")))
}
