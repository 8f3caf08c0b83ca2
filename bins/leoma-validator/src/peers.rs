//! The peers' buckets the sampler's failover reads (is the primary's verdict file there?),
//! replaceable while the sampler runs: the sampler loop rebuilds them whenever the allowlist in
//! force changes (under v2 from the endpoints the owner signed, under v1 from
//! `PEER_VALIDATORS`).

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use leoma_api_types::Hotkey;
use leoma_sampler::turn::PeerBuckets;
use leoma_storage::BucketReader;

use crate::audit::PeerSource;

/// The peers' buckets as the sampler sees them, replaceable while it runs.
#[derive(Debug, Default)]
pub struct SharedPeers {
    readers: RwLock<BTreeMap<String, Arc<dyn BucketReader>>>,
}

impl SharedPeers {
    /// Peers `readers` (hotkey → bucket).
    pub fn new(readers: BTreeMap<String, Arc<dyn BucketReader>>) -> Self {
        SharedPeers {
            readers: RwLock::new(readers),
        }
    }

    /// Replaces every reader.
    pub fn replace(&self, readers: BTreeMap<String, Arc<dyn BucketReader>>) {
        *self
            .readers
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = readers;
    }

    /// The hotkeys with a reader.
    pub fn hotkeys(&self) -> Vec<String> {
        self.readers
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .keys()
            .cloned()
            .collect()
    }
}

impl PeerBuckets for SharedPeers {
    fn bucket(&self, validator: &Hotkey) -> Option<Arc<dyn BucketReader>> {
        self.readers
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(validator.as_str())
            .cloned()
    }
}

/// Where the loop gets the peers' buckets for the allowlist in force.
pub struct PeerRefresh {
    /// Opens readers (v1: `PEER_VALIDATORS`; v2: the allowlist's endpoints with the registry's
    /// read credentials).
    pub source: Arc<dyn PeerSource>,
    /// What the sampler reads (given to it with [`leoma_sampler::turn::Sampler::with_peers`]).
    pub peers: Arc<SharedPeers>,
}
