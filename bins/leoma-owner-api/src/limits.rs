//! Abuse limits (SPEC §9.1, S1, S10): token-bucket rate limits per client IP and per hotkey, and
//! the single-use caches of scheme-A signatures and Epistula uuids. Every map is bounded: expired
//! entries are pruned, and a full map refuses new keys rather than growing.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::config::Rate;

/// Most keys a rate limiter or replay cache holds.
const MAX_KEYS: usize = 200_000;

/// Token buckets keyed by client IP or hotkey.
#[derive(Debug)]
pub struct RateLimiter {
    rate: Rate,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl RateLimiter {
    /// A limiter refilling `rate.rps` tokens a second up to `rate.burst`; `rps ≤ 0` never limits.
    pub fn new(rate: Rate) -> Self {
        RateLimiter {
            rate,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `key`; false when the bucket is empty (→ 429).
    pub fn allow(&self, key: &str, now: Instant) -> bool {
        if self.rate.rps <= 0.0 {
            return true;
        }
        let Ok(mut buckets) = self.buckets.lock() else {
            return false;
        };
        if buckets.len() >= MAX_KEYS && !buckets.contains_key(key) {
            let (rps, burst) = (self.rate.rps, self.rate.burst);
            // Full buckets carry no state worth keeping.
            buckets.retain(|_, (tokens, at)| {
                *tokens + now.duration_since(*at).as_secs_f64() * rps < burst
            });
            if buckets.len() >= MAX_KEYS {
                return false;
            }
        }
        let entry = buckets
            .entry(key.to_owned())
            .or_insert((self.rate.burst, now));
        let refill = now.duration_since(entry.1).as_secs_f64() * self.rate.rps;
        entry.0 = (entry.0 + refill).min(self.rate.burst);
        entry.1 = now;
        if entry.0 >= 1.0 {
            entry.0 -= 1.0;
            true
        } else {
            false
        }
    }
}

/// Keys seen within a window: a scheme-A `(hotkey, signature)` or an Epistula `(signed_by, uuid)`.
#[derive(Debug)]
pub struct ReplayCache {
    ttl: Duration,
    inner: Mutex<ReplayInner>,
}

#[derive(Debug, Default)]
struct ReplayInner {
    seen: HashMap<Vec<u8>, Instant>,
    order: VecDeque<(Instant, Vec<u8>)>,
}

/// What [`ReplayCache::insert`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    /// First use: recorded.
    Fresh,
    /// Already used within the window.
    Replay,
    /// The cache is full of live entries; the request is refused.
    Full,
}

impl ReplayCache {
    /// A cache whose entries live for `ttl`.
    pub fn new(ttl: Duration) -> Self {
        ReplayCache {
            ttl,
            inner: Mutex::new(ReplayInner::default()),
        }
    }

    fn prune(inner: &mut ReplayInner, now: Instant) {
        while let Some((expiry, _)) = inner.order.front() {
            if *expiry > now {
                break;
            }
            if let Some((_, key)) = inner.order.pop_front()
                && inner.seen.get(&key).is_some_and(|e| *e <= now)
            {
                inner.seen.remove(&key);
            }
        }
    }

    /// Whether `key` was used within the window (no insert).
    pub fn contains(&self, key: &[u8], now: Instant) -> bool {
        let Ok(mut inner) = self.inner.lock() else {
            return true;
        };
        Self::prune(&mut inner, now);
        inner.seen.contains_key(key)
    }

    /// Records `key` unless it was used within the window.
    pub fn insert(&self, key: Vec<u8>, now: Instant) -> Seen {
        let Ok(mut inner) = self.inner.lock() else {
            return Seen::Full;
        };
        Self::prune(&mut inner, now);
        if inner.seen.contains_key(&key) {
            return Seen::Replay;
        }
        if inner.seen.len() >= MAX_KEYS {
            return Seen::Full;
        }
        let expiry = now + self.ttl;
        inner.seen.insert(key.clone(), expiry);
        inner.order.push_back((expiry, key));
        Seen::Fresh
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_allows_burst_then_refills() {
        let l = RateLimiter::new(Rate {
            rps: 2.0,
            burst: 3.0,
        });
        let t0 = Instant::now();
        assert!((0..3).all(|_| l.allow("ip", t0)));
        assert!(!l.allow("ip", t0));
        assert!(l.allow("other", t0), "keys are independent");
        assert!(l.allow("ip", t0 + Duration::from_millis(600)));
        assert!(!l.allow("ip", t0 + Duration::from_millis(600)));
    }

    #[test]
    fn zero_rate_never_limits() {
        let l = RateLimiter::new(Rate {
            rps: 0.0,
            burst: 0.0,
        });
        assert!((0..1000).all(|_| l.allow("ip", Instant::now())));
    }

    #[test]
    fn replay_cache_refuses_within_window_and_forgets_after() {
        let c = ReplayCache::new(Duration::from_secs(10));
        let t0 = Instant::now();
        assert_eq!(c.insert(b"k".to_vec(), t0), Seen::Fresh);
        assert!(c.contains(b"k", t0 + Duration::from_secs(9)));
        assert_eq!(
            c.insert(b"k".to_vec(), t0 + Duration::from_secs(9)),
            Seen::Replay
        );
        assert!(!c.contains(b"k", t0 + Duration::from_secs(11)));
        assert_eq!(
            c.insert(b"k".to_vec(), t0 + Duration::from_secs(11)),
            Seen::Fresh
        );
    }
}
