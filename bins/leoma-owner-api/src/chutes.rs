//! Chute hotness for `/overview` and `/miners/active` (SPEC §9.8 "Chute probe", S10): chute info
//! is fetched with bounded concurrency through a 300 s cache, so public routes never fan out to
//! the Chutes API per request.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use futures::StreamExt;

/// Tells which chutes are hot.
#[async_trait]
pub trait ChuteProbe: Send + Sync {
    /// The subset of `chute_ids` that are hot.
    async fn hot(&self, chute_ids: &[String]) -> BTreeSet<String>;
}

/// No chute is hot (no Chutes API configured).
#[derive(Debug, Clone, Copy, Default)]
pub struct NothingHot;

#[async_trait]
impl ChuteProbe for NothingHot {
    async fn hot(&self, _chute_ids: &[String]) -> BTreeSet<String> {
        BTreeSet::new()
    }
}

/// Every chute is hot (offline dashboards, benchmarks and tests).
#[derive(Debug, Clone, Copy, Default)]
pub struct AllHot;

#[async_trait]
impl ChuteProbe for AllHot {
    async fn hot(&self, chute_ids: &[String]) -> BTreeSet<String> {
        chute_ids
            .iter()
            .filter(|c| !c.is_empty())
            .cloned()
            .collect()
    }
}

/// `GET {base}/chutes/{id}` with the API key (sent without `Bearer`, M7), cached per chute.
#[derive(Debug)]
pub struct ChutesHttp {
    client: reqwest::Client,
    base: String,
    api_key: Option<String>,
    ttl: Duration,
    concurrency: usize,
    cache: Mutex<HashMap<String, (Instant, bool)>>,
}

impl ChutesHttp {
    /// A probe of `base` (`CHUTES_API_URL`) with `CHUTE_CACHE_TTL` and `CHUTE_PROBE_CONCURRENCY`.
    pub fn new(base: &str, api_key: Option<String>, ttl: Duration, concurrency: usize) -> Self {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap_or_default();
        ChutesHttp {
            client,
            base: base.trim_end_matches('/').to_owned(),
            api_key,
            ttl,
            concurrency: concurrency.max(1),
            cache: Mutex::new(HashMap::new()),
        }
    }

    async fn fetch(&self, id: &str) -> bool {
        let mut req = self.client.get(format!("{}/chutes/{id}", self.base));
        if let Some(key) = &self.api_key {
            req = req.header("Authorization", key);
        }
        let Ok(resp) = req.send().await else {
            return false;
        };
        let Ok(v) = resp.json::<serde_json::Value>().await else {
            return false;
        };
        v.get("hot").is_some_and(truthy)
    }
}

fn truthy(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::Null => false,
        serde_json::Value::Bool(b) => *b,
        serde_json::Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        serde_json::Value::String(s) => !s.is_empty(),
        serde_json::Value::Array(a) => !a.is_empty(),
        serde_json::Value::Object(o) => !o.is_empty(),
    }
}

#[async_trait]
impl ChuteProbe for Arc<ChutesHttp> {
    async fn hot(&self, chute_ids: &[String]) -> BTreeSet<String> {
        let mut ids: Vec<&String> = Vec::new();
        for id in chute_ids {
            if !id.is_empty() && !ids.contains(&id) {
                ids.push(id);
            }
        }
        let now = Instant::now();
        let mut hot = BTreeSet::new();
        let mut missing = Vec::new();
        if let Ok(cache) = self.cache.lock() {
            for id in ids {
                match cache.get(id.as_str()) {
                    Some((at, h)) if now.duration_since(*at) < self.ttl => {
                        if *h {
                            hot.insert(id.clone());
                        }
                    }
                    _ => missing.push(id.clone()),
                }
            }
        }
        let fetched: Vec<(String, bool)> = futures::stream::iter(missing)
            .map(|id| async move {
                let h = self.fetch(&id).await;
                (id, h)
            })
            .buffer_unordered(self.concurrency)
            .collect()
            .await;
        if let Ok(mut cache) = self.cache.lock() {
            if cache.len() > 10_000 {
                cache.clear();
            }
            for (id, h) in fetched {
                cache.insert(id.clone(), (Instant::now(), h));
                if h {
                    hot.insert(id);
                }
            }
        }
        hot
    }
}
