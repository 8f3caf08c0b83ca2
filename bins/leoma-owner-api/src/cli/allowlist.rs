//! `allowlist publish` (SPEC §9.9): v1 from `GET /validators`, v2 from a file; checks the owner
//! hotkey, uploads to the source bucket with the write keys, then commits the digest.

use std::sync::Arc;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use leoma_api_types::keys::Secret;
use leoma_chain::types::endpoint_for_network;
use leoma_chain::{ChainConfig, SubtensorChain};
use leoma_storage::{ObjectBucket, S3Config};

use super::admin::{ClientArgs, call, say};
use crate::publish::{publish_v1, publish_v2, read_v2_input};

/// `allowlist` subcommands.
#[derive(Debug, Subcommand)]
pub enum AllowlistCommand {
    /// Upload the allowlist, then commit its digest from the owner hotkey.
    Publish(Box<PublishArgs>),
}

/// `allowlist publish` flags.
#[derive(Debug, Args)]
pub struct PublishArgs {
    /// Client and wallet flags.
    #[command(flatten)]
    pub client: ClientArgs,
    /// Allowlist version.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=2))]
    pub version: u8,
    /// v1 rotation interval.
    #[arg(long, env = "SAMPLING_ROTATION_INTERVAL", default_value_t = 100)]
    pub interval: u64,
    /// v2 input file.
    #[arg(long)]
    pub file: Option<std::path::PathBuf>,
    /// Subnet id.
    #[arg(long, env = "NETUID", default_value_t = 99)]
    pub netuid: u16,
    /// Network name.
    #[arg(long, env = "NETWORK", default_value = "finney")]
    pub network: String,
    /// Subtensor endpoint (overrides NETWORK).
    #[arg(long, env = "SUBTENSOR_ENDPOINT")]
    pub subtensor_endpoint: Option<String>,
    /// Source bucket endpoint.
    #[arg(long, env = "R2_ENDPOINT")]
    pub r2_endpoint: Option<String>,
    /// Source bucket region.
    #[arg(long, env = "R2_REGION", default_value = "auto")]
    pub r2_region: String,
    /// Source bucket.
    #[arg(long, env = "R2_SOURCE_BUCKET", default_value = "leoma-videos")]
    pub r2_source_bucket: String,
    /// Source write key id.
    #[arg(long, env = "R2_VIDEOS_WRITE_ACCESS_KEY", hide_env_values = true)]
    pub write_access_key: Option<String>,
    /// Source write secret.
    #[arg(long, env = "R2_VIDEOS_WRITE_SECRET_KEY", hide_env_values = true)]
    pub write_secret_key: Option<String>,
    /// Allow `http://` endpoints.
    #[arg(long, env = "ALLOW_INSECURE_S3", default_value_t = false)]
    pub allow_insecure_s3: bool,
}

/// Runs an `allowlist` subcommand.
pub async fn run(command: AllowlistCommand) -> anyhow::Result<()> {
    let AllowlistCommand::Publish(args) = command;
    let (Some(endpoint), Some(ak), Some(sk)) = (
        &args.r2_endpoint,
        &args.write_access_key,
        &args.write_secret_key,
    ) else {
        bail!(
            "R2_ENDPOINT, R2_VIDEOS_WRITE_ACCESS_KEY and R2_VIDEOS_WRITE_SECRET_KEY are required"
        );
    };
    let source = Arc::new(ObjectBucket::s3(&S3Config::new(
        endpoint.clone(),
        args.r2_region.clone(),
        args.r2_source_bucket.clone(),
        Secret::new(ak.clone()),
        Secret::new(sk.clone()),
        args.allow_insecure_s3,
    ))?);
    let chain_endpoint = match &args.subtensor_endpoint {
        Some(e) if !e.is_empty() => e.clone(),
        _ => endpoint_for_network(&args.network)
            .with_context(|| format!("NETWORK {:?} is not a known network", args.network))?
            .to_owned(),
    };
    let chain = SubtensorChain::connect(ChainConfig::new(chain_endpoint)).await?;
    let key = args
        .client
        .wallet
        .wallet()
        .load_hotkey()
        .context("loading the wallet hotkey")?;
    let writer = chain.signer(key);
    let listed = call(
        &args.client,
        reqwest::Method::GET,
        "/validators",
        None,
        None,
    )
    .await?;
    let hotkeys: Vec<String> = listed
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["hotkey"].as_str().map(str::to_owned))
        .filter(|h| !h.is_empty())
        .collect();
    let published = if args.version == 1 {
        if hotkeys.is_empty() {
            bail!("GET /validators returned no validators; nothing to publish");
        }
        publish_v1(
            &hotkeys,
            args.interval,
            source.as_ref(),
            &chain,
            &writer,
            args.netuid,
        )
        .await?
    } else {
        let path = args
            .file
            .as_ref()
            .context("--file is required for --version 2")?;
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        let list = read_v2_input(&bytes)?;
        let mut in_file: Vec<&str> = list
            .validators()
            .iter()
            .map(|v| v.hotkey.as_str())
            .collect();
        in_file.sort_unstable();
        let mut in_api: Vec<&str> = hotkeys.iter().map(String::as_str).collect();
        in_api.sort_unstable();
        if in_file != in_api {
            tracing::warn!("the file's validators differ from GET /validators");
        }
        publish_v2(&list, source.as_ref(), &chain, &writer, args.netuid).await?
    };
    say(&published.digest);
    tracing::info!(commitment = %published.commitment, "allowlist published");
    Ok(())
}
