//! `serve`: typed configuration from flags and environment (SPEC §10.3), the store, the
//! collaborators, the background tasks and the HTTP server with graceful shutdown.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use leoma_chain::types::endpoint_for_network;
use leoma_chain::{ChainConfig, ChainReader, SubtensorChain};
use tokio_util::sync::CancellationToken;

use super::DbArgs;
use crate::chutes::{AllHot, ChuteProbe, ChutesHttp};
use crate::config::{CorsPolicy, Rate, Settings, parse_admin_hotkeys};
use crate::media::{MediaSigner, PeerMedia};
use crate::store::Store;
use crate::tasks::TaskSettings;
use crate::{AppState, Ports};

/// `serve` flags.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Listen address.
    #[arg(long, env = "API_HOST", default_value = "0.0.0.0")]
    pub host: String,
    /// Listen port.
    #[arg(long, env = "API_PORT", default_value_t = 8000)]
    pub port: u16,
    /// Database flags.
    #[command(flatten)]
    pub db: DbArgs,
    /// Comma-separated allowed origins; empty = any origin without credentials.
    #[arg(long, env = "CORS_ORIGINS", default_value = "")]
    pub cors_origins: String,
    /// Body limit in bytes.
    #[arg(long, env = "MAX_BODY_SIZE", default_value_t = 2_097_152)]
    pub max_body_size: usize,
    /// Scheme-A past window.
    #[arg(long, env = "SIGNATURE_EXPIRY_SECONDS", default_value_t = 300)]
    pub signature_expiry_seconds: u64,
    /// Scheme-A future skew.
    #[arg(long, env = "SIGNATURE_FUTURE_SKEW_SECONDS", default_value_t = 30)]
    pub signature_future_skew_seconds: u64,
    /// Epistula past window.
    #[arg(long, env = "EPISTULA_MAX_AGE_MS", default_value_t = 8000)]
    pub epistula_max_age_ms: u64,
    /// Epistula future skew.
    #[arg(long, env = "EPISTULA_FUTURE_SKEW_MS", default_value_t = 2000)]
    pub epistula_future_skew_ms: u64,
    /// This server's hotkey for `Epistula-Signed-For`.
    #[arg(long, env = "OWNER_API_HOTKEY")]
    pub owner_api_hotkey: Option<String>,
    /// Comma-separated admin hotkeys.
    #[arg(long, env = "ADMIN_HOTKEYS", default_value = "")]
    pub admin_hotkeys: String,
    /// Per-IP requests per second on public routes (burst 4×; 0 disables).
    #[arg(long, env = "PUBLIC_RATE_LIMIT_RPS", default_value_t = 10.0)]
    pub public_rate_limit_rps: f64,
    /// Per-hotkey requests per second on authenticated routes (burst 4×; 0 disables).
    #[arg(long, env = "AUTH_RATE_LIMIT_RPS", default_value_t = 5.0)]
    pub auth_rate_limit_rps: f64,
    /// Seconds computed public responses are reused.
    #[arg(long, env = "RESPONSE_CACHE_SECONDS", default_value_t = 2)]
    pub response_cache_seconds: u64,
    /// Dashboard rotation interval fallback.
    #[arg(long, env = "SAMPLING_ROTATION_INTERVAL", default_value_t = 100)]
    pub sampling_rotation_interval: u64,
    /// Dashboard window.
    #[arg(long, env = "SCORER_TASK_WINDOW", default_value_t = 100)]
    pub scorer_task_window: usize,
    /// Dashboard settle margin.
    #[arg(long, env = "SCORER_SETTLE_MARGIN", default_value_t = 2)]
    pub scorer_settle_margin: usize,
    /// Completeness threshold.
    #[arg(long, env = "SCORER_COMPLETENESS_THRESHOLD", default_value_t = 0.8)]
    pub scorer_completeness_threshold: f64,
    /// Minimum distinct validators ratio.
    #[arg(
        long,
        env = "SCORER_MIN_DISTINCT_VALIDATORS_RATIO",
        default_value_t = 0.5
    )]
    pub scorer_min_distinct_validators_ratio: f64,
    /// Dominance threshold.
    #[arg(long, env = "DOMINANCE_THRESHOLD", default_value_t = 0.05)]
    pub dominance_threshold: f64,
    /// Consensus period (s).
    #[arg(long, env = "MINER_VALIDATION_INTERVAL", default_value_t = 300)]
    pub miner_validation_interval: u64,
    /// Reports older than this many intervals are ignored.
    #[arg(long, env = "MINER_REPORT_STALE_INTERVALS", default_value_t = 3)]
    pub miner_report_stale_intervals: u32,
    /// Minimum reporters per miner.
    #[arg(long, env = "MINER_CONSENSUS_MIN_REPORTERS", default_value_t = 1)]
    pub miner_consensus_min_reporters: usize,
    /// Dashboard score period (s).
    #[arg(long, env = "SCORE_CALCULATION_INTERVAL", default_value_t = 300)]
    pub score_calculation_interval: u64,
    /// Scorer period (s).
    #[arg(long, env = "SCORER_INTERVAL", default_value_t = 1800)]
    pub scorer_interval: u64,
    /// Stake refresh period (s).
    #[arg(long, env = "VALIDATOR_SYNC_INTERVAL", default_value_t = 600)]
    pub validator_sync_interval: u64,
    /// Subnet id.
    #[arg(long, env = "NETUID", default_value_t = 99)]
    pub netuid: u16,
    /// Network name (metagraph reads); unset with no endpoint = no chain.
    #[arg(long, env = "NETWORK")]
    pub network: Option<String>,
    /// Subtensor endpoint (overrides NETWORK).
    #[arg(long, env = "SUBTENSOR_ENDPOINT")]
    pub subtensor_endpoint: Option<String>,
    /// Chutes API base.
    #[arg(long, env = "CHUTES_API_URL", default_value = "https://api.chutes.ai")]
    pub chutes_api_url: String,
    /// Chutes API key; unset = chutes are never probed (nothing is hot).
    #[arg(long, env = "CHUTES_API_KEY", hide_env_values = true)]
    pub chutes_api_key: Option<String>,
    /// Chute info cache (s).
    #[arg(long, env = "CHUTE_CACHE_TTL", default_value_t = 300)]
    pub chute_cache_ttl: u64,
    /// Chute probe concurrency.
    #[arg(long, env = "CHUTE_PROBE_CONCURRENCY", default_value_t = 8)]
    pub chute_probe_concurrency: usize,
    /// Treat every chute as hot (offline dashboards, benchmarks).
    #[arg(long, hide = true)]
    pub assume_chutes_hot: bool,
    /// Peer buckets for media presigning.
    #[arg(
        long,
        env = "PEER_VALIDATORS",
        default_value = "",
        hide_env_values = true
    )]
    pub peer_validators: String,
    /// Allow `http://` bucket endpoints.
    #[arg(long, env = "ALLOW_INSECURE_S3", default_value_t = false)]
    pub allow_insecure_s3: bool,
    /// Skip the background tasks (benchmarks on frozen data).
    #[arg(long, hide = true)]
    pub no_background: bool,
}

impl ServeArgs {
    /// The HTTP settings.
    pub fn settings(&self) -> anyhow::Result<Settings> {
        let empty_none = |o: &Option<String>| o.clone().filter(|s| !s.is_empty());
        Ok(Settings {
            max_body_size: self.max_body_size,
            signature_expiry_s: self.signature_expiry_seconds,
            signature_future_skew_s: self.signature_future_skew_seconds,
            epistula_max_age_ms: self.epistula_max_age_ms,
            epistula_future_skew_ms: self.epistula_future_skew_ms,
            owner_api_hotkey: empty_none(&self.owner_api_hotkey),
            admin_hotkeys: parse_admin_hotkeys(&self.admin_hotkeys).map_err(anyhow::Error::msg)?,
            cors: CorsPolicy::parse(&self.cors_origins),
            public_rate: Rate {
                rps: self.public_rate_limit_rps,
                burst: self.public_rate_limit_rps * 4.0,
            },
            auth_rate: Rate {
                rps: self.auth_rate_limit_rps,
                burst: self.auth_rate_limit_rps * 4.0,
            },
            request_timeout: Duration::from_secs(30),
            rotation_interval: self.sampling_rotation_interval,
            window: self.scorer_task_window,
            settle_margin: self.scorer_settle_margin,
            completeness_threshold: self.scorer_completeness_threshold,
            min_distinct_ratio: self.scorer_min_distinct_validators_ratio,
            dominance_threshold: self.dominance_threshold,
            response_cache_ttl: Duration::from_secs(self.response_cache_seconds),
            netuid: self.netuid,
        })
    }

    /// The background task periods.
    pub fn task_settings(&self) -> TaskSettings {
        TaskSettings {
            validation_interval: Duration::from_secs(self.miner_validation_interval.max(1)),
            stale_intervals: self.miner_report_stale_intervals,
            min_reporters: self.miner_consensus_min_reporters,
            score_interval: Duration::from_secs(self.score_calculation_interval.max(1)),
            scorer_interval: Duration::from_secs(self.scorer_interval),
            validator_sync_interval: Duration::from_secs(self.validator_sync_interval.max(1)),
        }
    }

    async fn ports(&self) -> anyhow::Result<Ports> {
        let endpoint = match (&self.subtensor_endpoint, &self.network) {
            (Some(e), _) if !e.is_empty() => Some(e.clone()),
            (_, Some(n)) if !n.is_empty() => Some(
                endpoint_for_network(n)
                    .map(str::to_owned)
                    .with_context(|| format!("NETWORK {n:?} is not a known network"))?,
            ),
            _ => None,
        };
        let chain: Option<Arc<dyn ChainReader>> = match endpoint {
            Some(e) => Some(Arc::new(
                SubtensorChain::connect(ChainConfig::new(e))
                    .await
                    .context("connecting to the chain")?,
            )),
            None => {
                tracing::warn!(
                    "no NETWORK/SUBTENSOR_ENDPOINT: metagraph checks and stake refresh are off"
                );
                None
            }
        };
        let chutes: Arc<dyn ChuteProbe> = if self.assume_chutes_hot {
            Arc::new(AllHot)
        } else if self
            .chutes_api_key
            .as_deref()
            .is_some_and(|k| !k.is_empty())
        {
            Arc::new(Arc::new(ChutesHttp::new(
                &self.chutes_api_url,
                self.chutes_api_key.clone(),
                Duration::from_secs(self.chute_cache_ttl),
                self.chute_probe_concurrency,
            )))
        } else {
            Arc::new(crate::chutes::NothingHot)
        };
        let media: Option<Arc<dyn MediaSigner>> = if self.peer_validators.trim().is_empty() {
            None
        } else {
            let (m, warnings) =
                PeerMedia::from_registry(&self.peer_validators, self.allow_insecure_s3);
            for w in warnings {
                tracing::warn!(warning = %w, "PEER_VALIDATORS");
            }
            Some(Arc::new(m))
        };
        Ok(Ports {
            chain,
            chutes: Some(chutes),
            media,
        })
    }
}

/// Runs the server until SIGTERM or Ctrl-C.
pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let settings = args.settings()?;
    let store = args.db.connect().await?;
    store.migrate().await.context("migrating the database")?;
    tracing::info!(backend = ?store.backend(), "database ready");
    let state = AppState::new(Arc::new(store), settings, args.ports().await?);
    let cancel = CancellationToken::new();
    let tasks = if args.no_background {
        Vec::new()
    } else {
        crate::tasks::spawn(state.clone(), args.task_settings(), cancel.clone())
    };
    let addr: SocketAddr = format!("{}:{}", args.host, args.port)
        .parse()
        .with_context(|| {
            format!(
                "API_HOST/API_PORT {}:{} is not an address",
                args.host, args.port
            )
        })?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding {addr}"))?;
    tracing::info!(%addr, "owner-api listening");
    let shutdown = cancel.clone();
    axum::serve(
        listener,
        crate::app(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown_signal().await;
        shutdown.cancel();
    })
    .await
    .context("serving")?;
    cancel.cancel();
    for t in tasks {
        let _ = t.await;
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
