//! A TTL cache with single-flight lookups: concurrent lookups of one key share one fetch
//! (including its failure), successes are kept for `ok_ttl`, failures for `err_ttl` (zero: not
//! kept beyond the callers already waiting), and the map is pruned past `max_entries` (C10).

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::time::Instant;

#[derive(Debug)]
struct Entry<V, E> {
    fetched_at: Instant,
    expires_at: Instant,
    value: Result<V, E>,
}

type Slot<V, E> = Arc<tokio::sync::Mutex<Option<Entry<V, E>>>>;

/// The cache.
#[derive(Debug)]
pub struct TtlCache<K, V, E> {
    slots: Mutex<BTreeMap<K, Slot<V, E>>>,
    ok_ttl: Duration,
    err_ttl: Duration,
    max_entries: usize,
}

impl<K: Ord + Clone, V: Clone, E: Clone> TtlCache<K, V, E> {
    /// A cache keeping successes for `ok_ttl` and failures for `err_ttl`.
    pub fn new(ok_ttl: Duration, err_ttl: Duration, max_entries: usize) -> Self {
        TtlCache {
            slots: Mutex::new(BTreeMap::new()),
            ok_ttl,
            err_ttl,
            max_entries: max_entries.max(1),
        }
    }

    fn slots(&self) -> MutexGuard<'_, BTreeMap<K, Slot<V, E>>> {
        self.slots
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The cached value of `key`, or the result of `fetch` (run by one caller at a time per key;
    /// callers that waited for it receive its result even when it is not kept).
    pub async fn get_or_fetch<F, Fut>(&self, key: &K, fetch: F) -> Result<V, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, E>>,
    {
        let asked_at = Instant::now();
        let slot = {
            let mut slots = self.slots();
            if slots.len() >= self.max_entries && !slots.contains_key(key) {
                prune(&mut slots, asked_at);
            }
            slots.entry(key.clone()).or_default().clone()
        };
        let mut guard = slot.lock().await;
        if let Some(entry) = guard.as_ref() {
            let now = Instant::now();
            if now < entry.expires_at || entry.fetched_at >= asked_at {
                return entry.value.clone();
            }
        }
        let value = fetch().await;
        let now = Instant::now();
        let ttl = if value.is_ok() {
            self.ok_ttl
        } else {
            self.err_ttl
        };
        *guard = Some(Entry {
            fetched_at: now,
            expires_at: now + ttl,
            value: value.clone(),
        });
        value
    }

    /// Number of keys currently held.
    pub fn len(&self) -> usize {
        self.slots().len()
    }

    /// Whether no key is held.
    pub fn is_empty(&self) -> bool {
        self.slots().is_empty()
    }
}

/// Drops idle slots whose entry expired (or never completed).
fn prune<K: Ord, V, E>(slots: &mut BTreeMap<K, Slot<V, E>>, now: Instant) {
    slots.retain(|_, slot| match slot.try_lock() {
        Ok(guard) => guard.as_ref().is_some_and(|e| now < e.expires_at),
        Err(_) => true,
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[tokio::test]
    async fn single_flight_shares_one_fetch_and_its_failure() {
        let cache: Arc<TtlCache<String, u32, String>> =
            Arc::new(TtlCache::new(Duration::from_secs(60), Duration::ZERO, 100));
        let calls = Arc::new(AtomicU32::new(0));
        let mut tasks = Vec::new();
        for _ in 0..10 {
            let (cache, calls) = (cache.clone(), calls.clone());
            tasks.push(tokio::spawn(async move {
                cache
                    .get_or_fetch(&"k".to_owned(), || async {
                        calls.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        Err::<u32, String>("down".into())
                    })
                    .await
            }));
        }
        for t in tasks {
            assert_eq!(t.await.unwrap(), Err("down".to_owned()));
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        // Not kept: the next lookup fetches again, and a success is kept.
        let v = cache
            .get_or_fetch(&"k".to_owned(), || async { Ok(7) })
            .await;
        assert_eq!(v, Ok(7));
        let v = cache
            .get_or_fetch(&"k".to_owned(), || async { Ok(8) })
            .await;
        assert_eq!(v, Ok(7));
    }

    #[tokio::test]
    async fn ttls_expire() {
        let cache: TtlCache<u8, u32, u32> =
            TtlCache::new(Duration::from_millis(40), Duration::from_millis(10), 100);
        assert_eq!(cache.get_or_fetch(&1, || async { Err(1) }).await, Err(1));
        assert_eq!(cache.get_or_fetch(&1, || async { Err(2) }).await, Err(1));
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(cache.get_or_fetch(&1, || async { Ok(3) }).await, Ok(3));
        assert_eq!(cache.get_or_fetch(&1, || async { Ok(4) }).await, Ok(3));
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(cache.get_or_fetch(&1, || async { Ok(5) }).await, Ok(5));
    }

    #[tokio::test]
    async fn size_is_bounded() {
        let cache: TtlCache<u32, u32, u32> = TtlCache::new(Duration::ZERO, Duration::ZERO, 4);
        for k in 0..100 {
            let _ = cache.get_or_fetch(&k, || async move { Ok(k) }).await;
        }
        assert!(cache.len() <= 5, "{}", cache.len());
    }
}
