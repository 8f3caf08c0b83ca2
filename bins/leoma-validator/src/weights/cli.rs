//! `leoma-validator weights`: configuration from flags and environment (SPEC §10.2), adapters,
//! and the loop or a single epoch.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use leoma_api_types::keys::Secret;
use leoma_chain::{ChainConfig, ChainReader, SubtensorChain, WeightSetter};
use leoma_storage::{BucketReader, ObjectBucket, PeerRegistry, S3Config};

use super::{StateDir, SubmitPolicy, WeightEpoch, WeightsConfig};
use crate::audit::{RetryPolicy, V1Config};

fn secret(s: &str) -> Result<Secret, String> {
    Ok(Secret::new(s))
}

/// Flags of `leoma-validator weights`.
#[derive(Debug, clap::Args)]
pub struct WeightsArgs {
    /// Process one epoch and exit.
    #[arg(long)]
    pub once: bool,
    /// With `--once`: the boundary block to process (default: the newest one).
    #[arg(long, requires = "once")]
    pub epoch_block: Option<i64>,
    /// Compute and print the epoch's JSON report (as `score` does) without submitting.
    #[arg(long)]
    pub dry_run: bool,
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
    /// Source bucket endpoint (allowlist files).
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
    /// Wallet.
    #[command(flatten)]
    pub wallet: leoma_chain::cli::WalletArgs,
}

/// Runs `weights` and returns the process exit code.
pub fn run(args: WeightsArgs) -> u8 {
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            tracing::error!(error = %e, "cannot start the async runtime");
            return 1;
        }
    };
    rt.block_on(run_async(args))
}

async fn run_async(args: WeightsArgs) -> u8 {
    let key = match args.wallet.wallet().load_hotkey() {
        Ok(k) => k,
        Err(e) => {
            tracing::error!(error = %e, "cannot load the hotkey");
            return 2;
        }
    };
    let endpoint = match &args.subtensor_endpoint {
        Some(e) => e.clone(),
        None => match leoma_chain::types::endpoint_for_network(&args.network) {
            Some(e) => e.to_owned(),
            None => {
                tracing::error!(network = %args.network, "unknown NETWORK");
                return 2;
            }
        },
    };
    let state_dir = leoma_chain::wallet::expand_tilde(
        &args.state_dir,
        std::env::var_os("HOME").map(PathBuf::from).as_deref(),
    );
    let state = match StateDir::open(&state_dir) {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(dir = %state_dir.display(), error = %e, "LEOMA_STATE_DIR is not writable");
            return 2;
        }
    };
    let (registry, warnings) = PeerRegistry::parse(args.peer_validators.expose(), false);
    for w in warnings {
        tracing::warn!("{w}");
    }
    let source: Option<Arc<dyn BucketReader>> = match (
        &args.r2_endpoint,
        &args.r2_read_access_key,
        &args.r2_read_secret_key,
    ) {
        (Some(ep), Some(ak), Some(sk)) => {
            let cfg = S3Config::new(
                ep.clone(),
                args.r2_region.clone(),
                args.r2_source_bucket.clone(),
                ak.clone(),
                sk.clone(),
                args.allow_insecure_s3,
            );
            match ObjectBucket::s3(&cfg) {
                Ok(b) => Some(Arc::new(b)),
                Err(e) => {
                    tracing::error!(error = %e, "source bucket unusable");
                    return 2;
                }
            }
        }
        _ => {
            tracing::warn!(
                "source bucket not configured: every epoch falls back to the last winner or burns"
            );
            None
        }
    };
    let chain = match SubtensorChain::connect(ChainConfig::new(endpoint)).await {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "cannot connect to the chain");
            return 1;
        }
    };
    let hotkey = key.hotkey().clone();
    let setter: Option<Arc<dyn WeightSetter>> = if args.dry_run {
        None
    } else {
        Some(Arc::new(chain.signer(key)))
    };
    let block = Duration::from_secs(args.block_time_seconds.max(1));
    let config = WeightsConfig {
        netuid: args.netuid,
        epoch_len: args.epoch_len.max(1),
        v1: V1Config {
            window_size: args.window_size,
            settle_margin: args.settle_margin,
            max_lookback_blocks: args.max_lookback_blocks,
            discovery_max_tasks: args.discovery_max_tasks,
            ..V1Config::default()
        },
        allow_http: args.allow_insecure_s3,
        concurrency: args.concurrency.max(1),
        read_retry: RetryPolicy::within(
            block * u32::try_from(args.epoch_len.max(2) / 2).unwrap_or(90),
        ),
        submit: SubmitPolicy::default(),
        poll_interval: block,
    };
    let epoch = WeightEpoch {
        config,
        chain: Arc::new(chain) as Arc<dyn ChainReader>,
        setter,
        hotkey,
        source,
        registry,
        state,
    };
    if !args.once {
        epoch.run_loop().await;
        return 0;
    }
    let boundary = match args.epoch_block {
        Some(b) => b,
        None => match epoch.chain.finalized_block().await {
            Ok(b) => {
                leoma_rotation::epoch::epoch_boundary(i64::from(b.number), epoch.config.epoch_len)
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot read the finalized head");
                return 1;
            }
        },
    };
    match epoch.process(boundary, !args.dry_run).await {
        Ok(o) => match serde_json::to_string_pretty(&o.report) {
            Ok(json) => {
                #[allow(clippy::print_stdout)] // the command's output
                {
                    println!("{json}");
                }
                0
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot encode the report");
                1
            }
        },
        Err(e) => {
            tracing::error!(error = %e, "epoch failed");
            1
        }
    }
}
