//! Presigned media URLs of task pages (SPEC §9.8 "Media presigning"): the sampler's bucket comes
//! from `PEER_VALIDATORS`; an unknown sampler or a bucket without credentials yields no URL.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use leoma_storage::{BucketReader, ObjectBucket, PeerRegistry};

/// Presigns GET URLs in a validator's bucket.
#[async_trait]
pub trait MediaSigner: Send + Sync {
    /// A 1 h presigned URL of `key` in `sampler`'s bucket, if it can be read.
    async fn presign(&self, sampler: &str, key: &str) -> Option<String>;
}

/// A [`MediaSigner`] over the peer buckets of `PEER_VALIDATORS`.
#[derive(Debug, Default)]
pub struct PeerMedia {
    buckets: BTreeMap<String, Arc<dyn BucketReader>>,
}

impl PeerMedia {
    /// Buckets of every registry entry with a location; returns the warnings of skipped entries.
    pub fn from_registry(text: &str, allow_http: bool) -> (Self, Vec<String>) {
        let (registry, mut warnings) = PeerRegistry::parse(text, true);
        let hotkeys: Vec<String> = registry
            .entries()
            .iter()
            .map(|e| e.hotkey.clone())
            .collect();
        let locations = registry.v1_locations(&hotkeys, allow_http);
        let mut buckets: BTreeMap<String, Arc<dyn BucketReader>> = BTreeMap::new();
        for (hotkey, config) in locations.readable {
            match ObjectBucket::s3(&config) {
                Ok(b) => {
                    buckets.insert(hotkey, Arc::new(b));
                }
                Err(e) => warnings.push(format!("peer {hotkey}: {e}")),
            }
        }
        (PeerMedia { buckets }, warnings)
    }
}

#[async_trait]
impl MediaSigner for PeerMedia {
    async fn presign(&self, sampler: &str, key: &str) -> Option<String> {
        let bucket = self.buckets.get(sampler)?;
        leoma_storage::layout::presign(bucket.as_ref(), key)
            .await
            .ok()
    }
}
