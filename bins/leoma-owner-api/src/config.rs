//! The owner-api's typed configuration (SPEC §10.3). `main.rs` fills it from flags and the
//! environment; the library never reads the environment.

use std::time::Duration;

use leoma_api_types::Hotkey;

/// CORS policy (SPEC §9.1, S6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CorsPolicy {
    /// `CORS_ORIGINS` unset: any origin, never with credentials.
    AnyOriginNoCredentials,
    /// Exactly these origins, with credentials.
    Origins(Vec<String>),
}

impl CorsPolicy {
    /// Parses `CORS_ORIGINS`: comma-separated, items trimmed, empties dropped; none → any origin
    /// without credentials.
    pub fn parse(value: &str) -> Self {
        let origins: Vec<String> = value
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        if origins.is_empty() {
            CorsPolicy::AnyOriginNoCredentials
        } else {
            CorsPolicy::Origins(origins)
        }
    }
}

/// Parses `ADMIN_HOTKEYS`: comma-separated, items trimmed, empties dropped, each valid SS58 (S3).
pub fn parse_admin_hotkeys(value: &str) -> Result<Vec<Hotkey>, String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| Hotkey::parse(s).map_err(|e| format!("ADMIN_HOTKEYS item {s:?}: {e}")))
        .collect()
}

/// A token-bucket rate (requests per second and burst); `rps = 0` disables the limit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    /// Refill per second.
    pub rps: f64,
    /// Bucket size.
    pub burst: f64,
}

/// Everything the HTTP layer and the background tasks need.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Body limit in bytes (`MAX_BODY_SIZE`).
    pub max_body_size: usize,
    /// Past acceptance window of scheme A (`SIGNATURE_EXPIRY_SECONDS`).
    pub signature_expiry_s: u64,
    /// Future skew tolerated by scheme A (`SIGNATURE_FUTURE_SKEW_SECONDS`).
    pub signature_future_skew_s: u64,
    /// Past window of Epistula (`EPISTULA_MAX_AGE_MS`).
    pub epistula_max_age_ms: u64,
    /// Future skew of Epistula (`EPISTULA_FUTURE_SKEW_MS`).
    pub epistula_future_skew_ms: u64,
    /// This server's hotkey for `Epistula-Signed-For` (`OWNER_API_HOTKEY`).
    pub owner_api_hotkey: Option<String>,
    /// Admins (`ADMIN_HOTKEYS`).
    pub admin_hotkeys: Vec<Hotkey>,
    /// CORS policy.
    pub cors: CorsPolicy,
    /// Per-IP limit on public routes.
    pub public_rate: Rate,
    /// Per-hotkey limit on authenticated routes.
    pub auth_rate: Rate,
    /// Request timeout.
    pub request_timeout: Duration,
    /// Dashboard fallback interval (`SAMPLING_ROTATION_INTERVAL`).
    pub rotation_interval: u64,
    /// Dashboard window (`SCORER_TASK_WINDOW`).
    pub window: usize,
    /// Dashboard settle margin (`SCORER_SETTLE_MARGIN`).
    pub settle_margin: usize,
    /// `SCORER_COMPLETENESS_THRESHOLD`.
    pub completeness_threshold: f64,
    /// `SCORER_MIN_DISTINCT_VALIDATORS_RATIO`.
    pub min_distinct_ratio: f64,
    /// `DOMINANCE_THRESHOLD`.
    pub dominance_threshold: f64,
    /// How long computed public responses are reused.
    pub response_cache_ttl: Duration,
    /// Subnet id for metagraph lookups.
    pub netuid: u16,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            max_body_size: 2_097_152,
            signature_expiry_s: 300,
            signature_future_skew_s: 30,
            epistula_max_age_ms: 8000,
            epistula_future_skew_ms: 2000,
            owner_api_hotkey: None,
            admin_hotkeys: Vec::new(),
            cors: CorsPolicy::AnyOriginNoCredentials,
            public_rate: Rate {
                rps: 10.0,
                burst: 40.0,
            },
            auth_rate: Rate {
                rps: 5.0,
                burst: 20.0,
            },
            request_timeout: Duration::from_secs(30),
            rotation_interval: 100,
            window: 100,
            settle_margin: 2,
            completeness_threshold: 0.8,
            min_distinct_ratio: 0.5,
            dominance_threshold: 0.05,
            response_cache_ttl: Duration::from_secs(2),
            netuid: 99,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cors_origins_are_trimmed_and_empties_dropped() {
        assert_eq!(CorsPolicy::parse(""), CorsPolicy::AnyOriginNoCredentials);
        assert_eq!(CorsPolicy::parse(" , "), CorsPolicy::AnyOriginNoCredentials);
        assert_eq!(
            CorsPolicy::parse(" https://a.example ,,https://b.example"),
            CorsPolicy::Origins(vec!["https://a.example".into(), "https://b.example".into()])
        );
    }

    #[test]
    fn admin_hotkeys_are_trimmed_and_checked() {
        let hk = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
        let parsed = parse_admin_hotkeys(&format!(" {hk} ,, ")).unwrap();
        assert_eq!(parsed.len(), 1);
        assert_eq!(parsed[0].as_str(), hk);
        assert!(parse_admin_hotkeys("not-a-hotkey").is_err());
    }
}
