//! Settings shared by the long-running subcommands (`weights`, `sampler`, `serve`): chain,
//! wallet, state directory, source bucket, peer registry and the v1 scorer parameters (SPEC
//! §10.2), and the adapters they open once at startup.
//!
//! Every field reads the environment variable SPEC names; an empty variable counts as unset
//! (clap ignores empty environment values). Secrets use [`Secret`], whose `Debug` prints `***`,
//! so `--print-config` can show the whole struct.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use leoma_api_types::keys::Secret;
use leoma_chain::{ChainConfig, Keypair, SubtensorChain};
use leoma_storage::{BucketReader, ObjectBucket, PeerRegistry, S3Config};

use crate::audit::{RetryPolicy, V1Config};
use crate::tuning::SettingError;
use crate::weights::{StateDir, SubmitPolicy, WeightsConfig};

/// A clap value parser for secrets.
pub fn secret(s: &str) -> Result<Secret, String> {
    Ok(Secret::new(s))
}

/// Chain, wallet, state and source-bucket settings of a validator node.
#[derive(Debug, Clone, clap::Args)]
pub struct NodeArgs {
    /// Subnet id.
    #[arg(long, env = "NETUID", default_value_t = 99)]
    pub netuid: u16,
    /// Network name (finney, test, local).
    #[arg(long, env = "NETWORK", default_value = "finney")]
    pub network: String,
    /// Subtensor WebSocket endpoint (overrides `NETWORK`).
    #[arg(long, env = "SUBTENSOR_ENDPOINT")]
    pub subtensor_endpoint: Option<String>,
    /// State directory.
    #[arg(long, env = "LEOMA_STATE_DIR", default_value = "~/.leoma")]
    pub state_dir: String,
    /// v1 epoch length in blocks.
    #[arg(long, env = "EPOCH_LEN", default_value_t = 180)]
    pub epoch_len: i64,
    /// Seconds per block (sleeps, retry budgets).
    #[arg(long, env = "BLOCK_TIME_SECONDS", default_value_t = 12)]
    pub block_time_seconds: u64,
    /// Source bucket endpoint (allowlist files, source videos).
    #[arg(long, env = "R2_ENDPOINT")]
    pub r2_endpoint: Option<String>,
    /// Source bucket region.
    #[arg(long, env = "R2_REGION", default_value = "auto")]
    pub r2_region: String,
    /// Source bucket name.
    #[arg(long, env = "R2_SOURCE_BUCKET", default_value = "leoma-videos")]
    pub r2_source_bucket: String,
    /// Source bucket read key id.
    #[arg(long, env = "R2_VIDEOS_READ_ACCESS_KEY", value_parser = secret, hide_env_values = true)]
    pub r2_read_access_key: Option<Secret>,
    /// Source bucket read secret.
    #[arg(long, env = "R2_VIDEOS_READ_SECRET_KEY", value_parser = secret, hide_env_values = true)]
    pub r2_read_secret_key: Option<Secret>,
    /// Peer registry (SPEC §3.5.3).
    #[arg(long, env = "PEER_VALIDATORS", default_value = "", value_parser = secret, hide_env_values = true)]
    pub peer_validators: Secret,
    /// Allow `http://` S3 endpoints (tests).
    #[arg(long, env = "ALLOW_INSECURE_S3", default_value_t = false)]
    pub allow_insecure_s3: bool,
    /// `SCORER_TASK_WINDOW`.
    #[arg(long, env = "SCORER_TASK_WINDOW", default_value_t = 100)]
    pub window_size: i64,
    /// `SCORER_SETTLE_MARGIN`.
    #[arg(long, env = "SCORER_SETTLE_MARGIN", default_value_t = 2)]
    pub settle_margin: i64,
    /// `SCORER_MAX_LOOKBACK_BLOCKS`.
    #[arg(long, env = "SCORER_MAX_LOOKBACK_BLOCKS", default_value_t = 30_000)]
    pub max_lookback_blocks: i64,
    /// `WINDOW_DISCOVERY_MAX_TASKS`.
    #[arg(long, env = "WINDOW_DISCOVERY_MAX_TASKS", default_value_t = 500)]
    pub discovery_max_tasks: usize,
    /// `AGGREGATION_READ_CONCURRENCY`.
    #[arg(long, env = "AGGREGATION_READ_CONCURRENCY", default_value_t = 16)]
    pub concurrency: usize,
    /// `DOMINANCE_THRESHOLD` (v1 consensus, 0..=1).
    #[arg(long, env = "DOMINANCE_THRESHOLD", default_value_t = 0.05)]
    pub dominance_threshold: f64,
    /// `SCORER_COMPLETENESS_THRESHOLD` (v1 consensus, 0..=1).
    #[arg(long, env = "SCORER_COMPLETENESS_THRESHOLD", default_value_t = 0.8)]
    pub scorer_completeness_threshold: f64,
    /// `SCORER_MIN_DISTINCT_VALIDATORS_RATIO` (v1 consensus, 0..=1).
    #[arg(
        long,
        env = "SCORER_MIN_DISTINCT_VALIDATORS_RATIO",
        default_value_t = 0.5
    )]
    pub scorer_min_distinct_validators_ratio: f64,
    /// Wallet.
    #[command(flatten)]
    pub wallet: leoma_chain::cli::WalletArgs,
}

/// What [`NodeArgs::open`] opened.
pub struct Node {
    /// The hotkey.
    pub key: Keypair,
    /// The chain connection.
    pub chain: SubtensorChain,
    /// The (writable) state directory.
    pub state_dir: PathBuf,
    /// The source bucket, if configured.
    pub source: Option<Arc<dyn BucketReader>>,
    /// `PEER_VALIDATORS`, parsed.
    pub registry: PeerRegistry,
}

impl NodeArgs {
    /// Checks the values clap cannot (ranges), naming the variable at fault.
    pub fn check(&self) -> Result<(), SettingError> {
        for (var, v) in [
            ("DOMINANCE_THRESHOLD", self.dominance_threshold),
            (
                "SCORER_COMPLETENESS_THRESHOLD",
                self.scorer_completeness_threshold,
            ),
            (
                "SCORER_MIN_DISTINCT_VALIDATORS_RATIO",
                self.scorer_min_distinct_validators_ratio,
            ),
        ] {
            if !(v.is_finite() && (0.0..=1.0).contains(&v)) {
                return Err(SettingError::new(var, format!("{v} is not within 0..=1")));
            }
        }
        Ok(())
    }

    /// Loads the hotkey, checks the state directory, opens the source bucket and connects to
    /// the chain. `Err` is the process exit code (2: bad settings, 1: chain unreachable),
    /// already logged.
    pub async fn open(&self) -> Result<Node, u8> {
        if let Err(e) = self.check() {
            tracing::error!(variable = %e.var, reason = %e.reason, "invalid setting");
            return Err(2);
        }
        let key = self.wallet.wallet().load_hotkey().map_err(|e| {
            tracing::error!(error = %e, "cannot load the hotkey");
            2u8
        })?;
        let endpoint = match &self.subtensor_endpoint {
            Some(e) => e.clone(),
            None => leoma_chain::types::endpoint_for_network(&self.network)
                .map(str::to_owned)
                .ok_or_else(|| {
                    tracing::error!(network = %self.network, "unknown NETWORK");
                    2u8
                })?,
        };
        let state_dir = leoma_chain::wallet::expand_tilde(
            &self.state_dir,
            std::env::var_os("HOME").map(PathBuf::from).as_deref(),
        );
        if let Err(e) = StateDir::open(&state_dir) {
            tracing::error!(dir = %state_dir.display(), error = %e, "LEOMA_STATE_DIR is not writable");
            return Err(2);
        }
        let (registry, warnings) = PeerRegistry::parse(self.peer_validators.expose(), false);
        for w in warnings {
            tracing::warn!("{w}");
        }
        let source = self.source_bucket()?;
        let chain = SubtensorChain::connect(ChainConfig::new(endpoint))
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "cannot connect to the chain");
                1u8
            })?;
        Ok(Node {
            key,
            chain,
            state_dir,
            source,
            registry,
        })
    }

    fn source_bucket(&self) -> Result<Option<Arc<dyn BucketReader>>, u8> {
        let (Some(ep), Some(ak), Some(sk)) = (
            &self.r2_endpoint,
            &self.r2_read_access_key,
            &self.r2_read_secret_key,
        ) else {
            tracing::warn!(
                "source bucket not configured (R2_ENDPOINT and read keys): no allowlist, every \
                 epoch falls back to the last winner or burns"
            );
            return Ok(None);
        };
        let cfg = S3Config::new(
            ep.clone(),
            self.r2_region.clone(),
            self.r2_source_bucket.clone(),
            ak.clone(),
            sk.clone(),
            self.allow_insecure_s3,
        );
        match ObjectBucket::s3(&cfg) {
            Ok(b) => Ok(Some(Arc::new(b))),
            Err(e) => {
                tracing::error!(error = %e, "source bucket unusable");
                Err(2)
            }
        }
    }

    /// One block's duration (`BLOCK_TIME_SECONDS`, at least 1 s).
    pub fn block(&self) -> Duration {
        Duration::from_secs(self.block_time_seconds.max(1))
    }

    /// The weight epoch's configuration.
    pub fn weights_config(&self) -> WeightsConfig {
        let block = self.block();
        WeightsConfig {
            netuid: self.netuid,
            epoch_len: self.epoch_len.max(1),
            v1: V1Config {
                window_size: self.window_size,
                settle_margin: self.settle_margin,
                max_lookback_blocks: self.max_lookback_blocks,
                discovery_max_tasks: self.discovery_max_tasks,
                completeness_threshold: self.scorer_completeness_threshold,
                min_distinct_ratio: self.scorer_min_distinct_validators_ratio,
                dominance_threshold: self.dominance_threshold,
            },
            allow_http: self.allow_insecure_s3,
            concurrency: self.concurrency.max(1),
            read_retry: RetryPolicy::within(
                block * u32::try_from(self.epoch_len.max(2) / 2).unwrap_or(90),
            ),
            submit: SubmitPolicy::default(),
            poll_interval: block,
        }
    }
}

/// Prints the effective settings (secrets show as `***`) on stdout; exit code 0, or 1 when
/// stdout is closed.
pub fn print(settings: &impl std::fmt::Debug) -> u8 {
    use std::io::Write as _;
    match writeln!(std::io::stdout(), "{settings:#?}") {
        Ok(()) => 0,
        Err(_) => 1,
    }
}
