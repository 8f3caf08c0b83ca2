//! Attempt counts and backoff with jitter for the Gemini calls (SPEC §8.1, §8.6).

use std::time::Duration;

use rand::Rng;

/// How often and how long apart a call is retried.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Total attempts (at least 1 is always made).
    pub max_attempts: u32,
    /// Sleep after failed attempt `i` (0-based); the last value repeats.
    pub backoff: Vec<Duration>,
    /// Relative jitter applied to each sleep (0.2 → ±20 %).
    pub jitter: f64,
}

impl RetryPolicy {
    /// The judge's default: 3 attempts, 5 s then 15 s, ±20 % (`EVALUATION_MAX_ATTEMPTS`,
    /// `EVALUATION_RETRY_BACKOFF_S`).
    pub fn judge_default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            backoff: vec![Duration::from_secs(5), Duration::from_secs(15)],
            jitter: 0.2,
        }
    }

    /// The describer's default: 3 attempts 10 s apart, no jitter (`DESCRIPTION_MAX_ATTEMPTS`,
    /// `DESCRIPTION_RETRY_SLEEP_S`).
    pub fn describe_default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            backoff: vec![Duration::from_secs(10)],
            jitter: 0.0,
        }
    }

    /// No sleeps (tests).
    pub fn immediate(max_attempts: u32) -> Self {
        RetryPolicy {
            max_attempts,
            backoff: Vec::new(),
            jitter: 0.0,
        }
    }

    /// The sleep after failed attempt `attempt` (0-based), jittered.
    pub fn delay(&self, attempt: u32) -> Duration {
        let idx = usize::try_from(attempt).unwrap_or(usize::MAX);
        let Some(base) = self.backoff.get(idx).or(self.backoff.last()) else {
            return Duration::ZERO;
        };
        if self.jitter <= 0.0 {
            return *base;
        }
        let factor = rand::thread_rng().gen_range((1.0 - self.jitter)..=(1.0 + self.jitter));
        base.mul_f64(factor.max(0.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_follow_schedule_with_bounded_jitter() {
        let p = RetryPolicy::judge_default();
        for _ in 0..50 {
            let d0 = p.delay(0).as_secs_f64();
            let d1 = p.delay(1).as_secs_f64();
            let d5 = p.delay(5).as_secs_f64();
            assert!((4.0..=6.0).contains(&d0), "{d0}");
            assert!((12.0..=18.0).contains(&d1), "{d1}");
            assert!((12.0..=18.0).contains(&d5), "{d5}");
        }
        assert_eq!(RetryPolicy::immediate(3).delay(0), Duration::ZERO);
        assert_eq!(
            RetryPolicy::describe_default().delay(2),
            Duration::from_secs(10)
        );
    }
}
