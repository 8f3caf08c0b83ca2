//! Peer buckets on S3/R2 for the live epoch: `PEER_VALIDATORS` locations (v1) or the allowlist's
//! endpoints with the registry's credentials (v2).

use std::sync::Arc;

use leoma_api_types::allowlist::AllowlistV2;
use leoma_storage::{BucketReader, ObjectBucket, PeerLocations, PeerRegistry};

use crate::audit::{PeerReaders, PeerSource};

/// Opens peers' buckets from the registry.
#[derive(Debug, Clone)]
pub struct S3Peers {
    /// The parsed `PEER_VALIDATORS`.
    pub registry: PeerRegistry,
    /// `ALLOW_INSECURE_S3`.
    pub allow_http: bool,
}

fn open(locations: PeerLocations) -> PeerReaders {
    let mut peers = PeerReaders {
        unreadable: locations.unreadable,
        ..PeerReaders::default()
    };
    for (hotkey, config) in locations.readable {
        match ObjectBucket::s3(&config) {
            Ok(b) => {
                peers
                    .readers
                    .insert(hotkey, Arc::new(b) as Arc<dyn BucketReader>);
            }
            Err(e) => {
                peers.unreadable.insert(hotkey, e.to_string());
            }
        }
    }
    for (hotkey, reason) in &peers.unreadable {
        tracing::warn!(validator = %hotkey, %reason, "peer bucket unreadable");
    }
    peers
}

impl PeerSource for S3Peers {
    fn v1_peers(&self, validators: &[String]) -> PeerReaders {
        let mut p = open(self.registry.v1_locations(validators, self.allow_http));
        // v1 skips validators without a registry entry silently (SPEC §4.3).
        p.unreadable.retain(|hk, _| self.registry.get(hk).is_some());
        p
    }

    fn v2_peers(&self, allowlist: &AllowlistV2) -> PeerReaders {
        open(self.registry.v2_locations(allowlist, self.allow_http))
    }
}
