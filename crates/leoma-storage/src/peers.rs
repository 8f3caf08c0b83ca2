//! Peer buckets: which bucket to read for each validator, from `PEER_VALIDATORS` (SPEC §3.5.3)
//! and, under v2, the allowlist file's endpoints joined with the registry's credentials.

use std::collections::BTreeMap;

use leoma_api_types::allowlist::AllowlistV2;
use leoma_api_types::keys::{PeerEntry, parse_peer_registry};

use crate::S3Config;

/// The parsed `PEER_VALIDATORS` registry.
#[derive(Debug, Clone, Default)]
pub struct PeerRegistry {
    entries: Vec<PeerEntry>,
}

/// Bucket locations of the peers that can be read, and the validators that cannot, with the
/// reason (for the log line SPEC §3.4 asks for at startup and every epoch).
#[derive(Debug, Clone, Default)]
pub struct PeerLocations {
    /// Validator hotkey → how to reach its bucket.
    pub readable: BTreeMap<String, S3Config>,
    /// Validator hotkey → why its bucket cannot be read.
    pub unreadable: BTreeMap<String, String>,
}

impl PeerRegistry {
    /// Parses `PEER_VALIDATORS`. Every malformed entry is skipped and reported in the returned
    /// warnings (which never quote a credential). `require_location` applies the v1 rule that
    /// an entry needs `bucket` and `endpoint`.
    pub fn parse(text: &str, require_location: bool) -> (Self, Vec<String>) {
        let (entries, warnings) = parse_peer_registry(text, require_location);
        (PeerRegistry { entries }, warnings)
    }

    /// The entries, in registry order.
    pub fn entries(&self) -> &[PeerEntry] {
        &self.entries
    }

    /// Whether the registry is empty (v1: the epoch burns, SPEC §5.4 step 1).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entry of `hotkey`.
    pub fn get(&self, hotkey: &str) -> Option<&PeerEntry> {
        self.entries.iter().find(|e| e.hotkey == hotkey)
    }

    /// v1: every registry entry with a bucket and an endpoint, for the allowlisted `validators`
    /// (others are silently skipped, SPEC §4.3).
    pub fn v1_locations(&self, validators: &[String], allow_http: bool) -> PeerLocations {
        let mut out = PeerLocations::default();
        for v in validators {
            match self.get(v) {
                None => {
                    out.unreadable
                        .insert(v.clone(), "no PEER_VALIDATORS entry".into());
                }
                Some(e) => match (&e.bucket, &e.endpoint) {
                    (Some(bucket), Some(endpoint)) => {
                        out.readable.insert(
                            v.clone(),
                            S3Config::new(
                                endpoint.clone(),
                                e.region.clone(),
                                bucket.clone(),
                                e.read_access_key.clone(),
                                e.read_secret_key.clone(),
                                allow_http,
                            ),
                        );
                    }
                    _ => {
                        out.unreadable.insert(
                            v.clone(),
                            "PEER_VALIDATORS entry lacks bucket or endpoint".into(),
                        );
                    }
                },
            }
        }
        out
    }

    /// v2: bucket, endpoint and region from the allowlist file; read credentials from the
    /// registry, by hotkey. A validator without credentials is unreadable (SPEC §3.4).
    pub fn v2_locations(&self, allowlist: &AllowlistV2, allow_http: bool) -> PeerLocations {
        let mut out = PeerLocations::default();
        for v in allowlist.validators() {
            let hotkey = v.hotkey.as_str().to_owned();
            match self.get(&hotkey) {
                None => {
                    out.unreadable
                        .insert(hotkey, "no read credentials in PEER_VALIDATORS".into());
                }
                Some(e) => {
                    out.readable.insert(
                        hotkey,
                        S3Config::new(
                            v.endpoint.clone(),
                            v.region.clone(),
                            v.bucket.clone(),
                            e.read_access_key.clone(),
                            e.read_secret_key.clone(),
                            allow_http,
                        ),
                    );
                }
            }
        }
        out
    }
}
