//! Shared state of the HTTP layer and the background tasks ([`AppState`]), with the small caches
//! that keep the database off the hot path: the blacklist (refreshed at most every 5 s, S4), the
//! `last_seen_at` throttle (one write a minute per hotkey), computed public responses, and the
//! consensus task's sync status for `/health`.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use leoma_chain::ChainReader;

use crate::chutes::ChuteProbe;
use crate::config::Settings;
use crate::limits::{RateLimiter, ReplayCache};
use crate::media::MediaSigner;
use crate::store::{Store, StoreResult};

const BLACKLIST_TTL: Duration = Duration::from_secs(5);
const LAST_SEEN_EVERY: Duration = Duration::from_secs(60);
const MAX_CACHED_RESPONSES: usize = 4096;

/// Everything a handler needs; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<dyn Store>,
    settings: Settings,
    chain: Option<Arc<dyn ChainReader>>,
    chutes: Arc<dyn ChuteProbe>,
    media: Option<Arc<dyn MediaSigner>>,
    public_limiter: RateLimiter,
    auth_limiter: RateLimiter,
    signatures: ReplayCache,
    uuids: ReplayCache,
    blacklist: Mutex<Option<(Instant, Arc<BTreeSet<String>>)>>,
    last_seen: Mutex<HashMap<String, Instant>>,
    responses: Mutex<HashMap<String, (Instant, Bytes)>>,
    sync: Mutex<Option<String>>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("settings", &self.inner.settings)
            .finish_non_exhaustive()
    }
}

/// The outcome of [`AppState::lookup_response`].
#[derive(Debug, Clone)]
pub enum Cached {
    /// Young enough: serve it.
    Fresh(Bytes),
    /// Expired: this caller recomputes (the old body is there if that fails).
    Stale(Bytes),
    /// Not cached.
    Miss,
}

/// Optional collaborators of [`AppState`].
#[derive(Default)]
pub struct Ports {
    /// Metagraph reads (`POST /validators` without uid, consensus checks, stake refresh).
    pub chain: Option<Arc<dyn ChainReader>>,
    /// Chute hotness; default: nothing is hot.
    pub chutes: Option<Arc<dyn ChuteProbe>>,
    /// Presigned media URLs for task pages; default: none.
    pub media: Option<Arc<dyn MediaSigner>>,
}

impl AppState {
    /// State over `store` with `settings`.
    pub fn new(store: Arc<dyn Store>, settings: Settings, ports: Ports) -> Self {
        let replay_ttl = Duration::from_secs(
            settings
                .signature_expiry_s
                .saturating_add(settings.signature_future_skew_s),
        );
        let uuid_ttl = Duration::from_millis(
            settings
                .epistula_max_age_ms
                .saturating_add(settings.epistula_future_skew_ms),
        );
        AppState {
            inner: Arc::new(Inner {
                store,
                public_limiter: RateLimiter::new(settings.public_rate),
                auth_limiter: RateLimiter::new(settings.auth_rate),
                signatures: ReplayCache::new(replay_ttl),
                uuids: ReplayCache::new(uuid_ttl),
                settings,
                chain: ports.chain,
                chutes: ports
                    .chutes
                    .unwrap_or_else(|| Arc::new(crate::chutes::NothingHot)),
                media: ports.media,
                blacklist: Mutex::new(None),
                last_seen: Mutex::new(HashMap::new()),
                responses: Mutex::new(HashMap::new()),
                sync: Mutex::new(None),
            }),
        }
    }

    /// The store.
    pub fn store(&self) -> &dyn Store {
        self.inner.store.as_ref()
    }

    /// The store, shared.
    pub fn store_arc(&self) -> Arc<dyn Store> {
        self.inner.store.clone()
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    /// The chain reader, if configured.
    pub fn chain(&self) -> Option<&Arc<dyn ChainReader>> {
        self.inner.chain.as_ref()
    }

    /// The chute probe.
    pub fn chutes(&self) -> &dyn ChuteProbe {
        self.inner.chutes.as_ref()
    }

    /// The media signer, if configured.
    pub fn media(&self) -> Option<&Arc<dyn MediaSigner>> {
        self.inner.media.as_ref()
    }

    /// Per-IP limiter of public routes.
    pub fn public_limiter(&self) -> &RateLimiter {
        &self.inner.public_limiter
    }

    /// Per-hotkey limiter of authenticated routes.
    pub fn auth_limiter(&self) -> &RateLimiter {
        &self.inner.auth_limiter
    }

    /// Scheme-A `(hotkey, signature)` cache.
    pub fn signatures(&self) -> &ReplayCache {
        &self.inner.signatures
    }

    /// Epistula `(signed_by, uuid)` cache.
    pub fn uuids(&self) -> &ReplayCache {
        &self.inner.uuids
    }

    /// The blacklist, from a cache refreshed at most every 5 s; on a database error the last
    /// known list is kept.
    pub async fn blacklist(&self) -> StoreResult<Arc<BTreeSet<String>>> {
        let cached = self.inner.blacklist.lock().ok().and_then(|g| g.clone());
        if let Some((at, set)) = &cached
            && at.elapsed() < BLACKLIST_TTL
        {
            return Ok(set.clone());
        }
        match self.store().blacklist(crate::routes::MAX_LIST_ROWS).await {
            Ok(rows) => {
                let set: Arc<BTreeSet<String>> =
                    Arc::new(rows.into_iter().map(|e| e.hotkey).collect());
                if let Ok(mut g) = self.inner.blacklist.lock() {
                    *g = Some((Instant::now(), set.clone()));
                }
                Ok(set)
            }
            Err(e) => match cached {
                Some((_, set)) => Ok(set),
                None => Err(e),
            },
        }
    }

    /// Drops cached data after a write (blacklist and computed responses).
    pub fn invalidate(&self) {
        if let Ok(mut g) = self.inner.blacklist.lock() {
            *g = None;
        }
        if let Ok(mut g) = self.inner.responses.lock() {
            g.clear();
        }
    }

    /// Whether `last_seen_at` of `hotkey` is due for a write (at most once a minute); records
    /// the write when it is.
    pub fn last_seen_due(&self, hotkey: &str) -> bool {
        let Ok(mut g) = self.inner.last_seen.lock() else {
            return false;
        };
        let now = Instant::now();
        if g.len() > 100_000 {
            g.retain(|_, at| now.duration_since(*at) < LAST_SEEN_EVERY);
        }
        match g.get(hotkey) {
            Some(at) if now.duration_since(*at) < LAST_SEEN_EVERY => false,
            _ => {
                g.insert(hotkey.to_owned(), now);
                true
            }
        }
    }

    /// A cached response body for `key`, if younger than the configured TTL.
    pub fn cached_response(&self, key: &str) -> Option<Bytes> {
        match self.lookup_response(key) {
            Cached::Fresh(b) => Some(b),
            Cached::Stale(_) | Cached::Miss => None,
        }
    }

    /// Looks `key` up with stale-while-revalidate: an expired entry is handed to exactly one
    /// caller as [`Cached::Stale`] (which recomputes it) while everyone else keeps getting the
    /// old body as fresh, so an expiry never makes every connection recompute at once.
    pub fn lookup_response(&self, key: &str) -> Cached {
        let ttl = self.inner.settings.response_cache_ttl;
        let Ok(mut g) = self.inner.responses.lock() else {
            return Cached::Miss;
        };
        match g.get_mut(key) {
            None => Cached::Miss,
            Some((at, body)) if at.elapsed() < ttl => Cached::Fresh(body.clone()),
            Some((at, body)) => {
                // Claim the refresh: others see a fresh entry until the new body lands.
                *at = Instant::now();
                Cached::Stale(body.clone())
            }
        }
    }

    /// Stores a computed response body.
    pub fn store_response(&self, key: &str, body: Bytes) {
        if let Ok(mut g) = self.inner.responses.lock() {
            if g.len() >= MAX_CACHED_RESPONSES {
                g.clear();
            }
            g.insert(key.to_owned(), (Instant::now(), body));
        }
    }

    /// Records a completed consensus tally (for `/health`).
    pub fn mark_synced(&self, at: String) {
        if let Ok(mut g) = self.inner.sync.lock() {
            *g = Some(at);
        }
    }

    /// When the consensus task last completed a tally.
    pub fn last_sync(&self) -> Option<String> {
        self.inner.sync.lock().ok().and_then(|g| g.clone())
    }
}
