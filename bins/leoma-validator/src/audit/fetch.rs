//! Reading peer buckets: bounded concurrency, and retries of transient failures within a time
//! budget (SPEC §2.5 step 1) before an input counts as unreadable.

use std::future::Future;
use std::time::{Duration, Instant};

use futures::StreamExt;
use leoma_storage::StorageError;

/// How long transient bucket failures are retried before the input counts as unreadable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Total time spent waiting between attempts of one read (0: no retry).
    pub budget: Duration,
    /// First wait; doubled after each failure up to `max_delay`.
    pub first_delay: Duration,
    /// Longest single wait.
    pub max_delay: Duration,
}

impl RetryPolicy {
    /// No retries (local mirrors).
    pub const NONE: RetryPolicy = RetryPolicy {
        budget: Duration::ZERO,
        first_delay: Duration::ZERO,
        max_delay: Duration::ZERO,
    };

    /// Retries for up to `budget`, starting at 1 s and backing off to 30 s.
    pub fn within(budget: Duration) -> Self {
        RetryPolicy {
            budget,
            first_delay: Duration::from_secs(1).min(budget),
            max_delay: Duration::from_secs(30),
        }
    }
}

/// Runs `op` until it succeeds, fails permanently, or the retry budget is spent.
pub(crate) async fn retrying<T, F, Fut>(policy: RetryPolicy, mut op: F) -> Result<T, StorageError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, StorageError>>,
{
    let started = Instant::now();
    let mut delay = policy.first_delay;
    loop {
        match op().await {
            Err(e) if e.is_transient() && started.elapsed() + delay <= policy.budget => {
                tracing::debug!(error = %e, delay_ms = delay.as_millis() as u64, "transient bucket error, retrying");
                tokio::time::sleep(delay).await;
                delay = (delay * 2)
                    .min(policy.max_delay)
                    .max(Duration::from_millis(10));
            }
            other => return other,
        }
    }
}

/// Maps `f` over `items` with at most `limit` calls in flight; results keep the input order.
pub(crate) async fn bounded<T, R, F, Fut>(items: Vec<T>, limit: usize, f: F) -> Vec<R>
where
    F: Fn(T) -> Fut,
    Fut: Future<Output = R>,
{
    futures::stream::iter(items)
        .map(f)
        .buffered(limit.max(1))
        .collect()
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn unavailable() -> StorageError {
        StorageError::Unavailable {
            bucket: "b".into(),
            operation: "get",
            key: "k".into(),
            reason: "down".into(),
        }
    }

    #[tokio::test]
    async fn retries_transient_errors_within_budget() {
        let calls = AtomicUsize::new(0);
        let policy = RetryPolicy {
            budget: Duration::from_millis(200),
            first_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(20),
        };
        let r: Result<u32, _> = retrying(policy, || async {
            if calls.fetch_add(1, Ordering::SeqCst) < 2 {
                Err(unavailable())
            } else {
                Ok(7)
            }
        })
        .await;
        assert_eq!(r.unwrap(), 7);
        assert_eq!(calls.load(Ordering::SeqCst), 3);

        let calls = AtomicUsize::new(0);
        let r: Result<u32, _> = retrying(RetryPolicy::NONE, || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(unavailable())
        })
        .await;
        assert!(r.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn permanent_errors_are_not_retried() {
        let calls = AtomicUsize::new(0);
        let r: Result<u32, _> = retrying(RetryPolicy::within(Duration::from_secs(5)), || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(StorageError::Denied {
                bucket: "b".into(),
                key: "k".into(),
            })
        })
        .await;
        assert!(r.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn bounded_keeps_order() {
        let out = bounded((0..100).collect(), 7, |x: u32| async move { x * 2 }).await;
        assert_eq!(out, (0..100).map(|x| x * 2).collect::<Vec<_>>());
    }
}
