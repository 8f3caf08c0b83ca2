//! Flags (SPEC §1.6, §10.4) and the wiring from flags to adapters: the live chain, the Chutes
//! and HuggingFace HTTP adapters of the validator's roster, and the owner-api.
//!
//! This module reads the environment (through clap) and owns the process-facing output: each
//! `run_*` writes the command's answer to `out`, notes to `err`, and returns the exit code
//! (0 success; 1 refused, failed or invalid; 2 bad input or an unusable wallet; 3 a service
//! that could not be reached).

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use leoma_api_types::Hotkey;
use leoma_api_types::commitment::MinerCommitment;
use leoma_api_types::keys::Secret;
use leoma_chain::cli::WalletArgs;
use leoma_chain::{ChainConfig, SubtensorChain};
use leoma_sampler::roster::{ChutesHttp, HfHttp};

use crate::checks::Services;
use crate::commit::{CommitDeps, CommitPolicy, CommitRequest};
use crate::error::MinerError;
use crate::owner_api::OwnerApi;
use crate::push::{self, ChuteTemplate, PushResult};
use crate::status;

fn secret(s: &str) -> Result<Secret, String> {
    Ok(Secret::new(s))
}

/// Chain selection, as the validator names it.
#[derive(Debug, Clone, clap::Args)]
pub struct ChainArgs {
    /// Subnet id.
    #[arg(long, env = "NETUID", default_value_t = 99)]
    pub netuid: u16,
    /// Network name (finney, test, local).
    #[arg(long, env = "NETWORK", default_value = "finney")]
    pub network: String,
    /// Subtensor WebSocket endpoint (overrides `--network`).
    #[arg(
        long = "chain-endpoint",
        visible_alias = "subtensor-endpoint",
        env = "SUBTENSOR_ENDPOINT"
    )]
    pub chain_endpoint: Option<String>,
}

impl ChainArgs {
    /// The endpoint to connect to.
    pub fn endpoint(&self) -> Result<String, MinerError> {
        match &self.chain_endpoint {
            Some(e) => Ok(e.clone()),
            None => leoma_chain::types::endpoint_for_network(&self.network)
                .map(str::to_owned)
                .ok_or_else(|| MinerError::InvalidInput {
                    what: "--network",
                    reason: format!("unknown network {:?} (finney, test, local)", self.network),
                }),
        }
    }
}

/// The services validators check miners against.
#[derive(Debug, Clone, clap::Args)]
pub struct ServiceArgs {
    /// Chutes API base URL.
    #[arg(long, env = "CHUTES_API_URL", default_value = "https://api.chutes.ai")]
    pub chutes_api_url: String,
    /// Chutes API key.
    #[arg(long, env = "CHUTES_API_KEY", value_parser = secret, hide_env_values = true)]
    pub chutes_api_key: Option<Secret>,
    /// HuggingFace endpoint.
    #[arg(long, env = "HF_ENDPOINT", default_value = "https://huggingface.co")]
    pub hf_endpoint: String,
    /// HuggingFace token (private repositories, rate limits).
    #[arg(long, env = "HF_TOKEN", value_parser = secret, hide_env_values = true)]
    pub hf_token: Option<Secret>,
    /// Owner-api base URL (blacklist, rank, consensus).
    #[arg(long, env = "API_URL", default_value = "https://api.leoma.ai")]
    pub api_url: String,
    /// Judge as validators running `STRICT_CHUTE_BINDING` do.
    #[arg(long, env = "STRICT_CHUTE_BINDING", default_value_t = false)]
    pub strict_chute_binding: bool,
    /// Check every miner of the subnet, so duplicate models are detected (slower).
    #[arg(long)]
    pub all: bool,
}

/// `push` flags.
#[derive(Debug, Clone, clap::Args)]
pub struct PushArgs {
    /// HuggingFace repository `owner/name` (`leoma…<your hotkey>`).
    #[arg(long)]
    pub model_name: String,
    /// The full 40-hex commit SHA to serve.
    #[arg(long)]
    pub model_revision: String,
    /// Chutes username.
    #[arg(long, env = "CHUTE_USER")]
    pub chute_user: Option<String>,
    /// Chutes API key.
    #[arg(long, env = "CHUTES_API_KEY", value_parser = secret, hide_env_values = true)]
    pub chutes_api_key: Option<Secret>,
    /// Chutes API base URL.
    #[arg(long, env = "CHUTES_API_URL", default_value = "https://api.chutes.ai")]
    pub chutes_api_url: String,
    /// Where the definition file is written (and `chutes deploy` runs).
    #[arg(long, default_value = ".")]
    pub output_dir: PathBuf,
    /// Only write the definition file.
    #[arg(long)]
    pub dry_run: bool,
    /// Wait until the chute is hot.
    #[arg(long)]
    pub wait: bool,
    /// How long `--wait` waits, in seconds.
    #[arg(long, default_value_t = 1800)]
    pub wait_timeout: u64,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `commit` flags.
#[derive(Debug, Clone, clap::Args)]
pub struct CommitArgs {
    /// HuggingFace repository `owner/name`.
    #[arg(long)]
    pub model_name: String,
    /// The full 40-hex commit SHA.
    #[arg(long)]
    pub model_revision: String,
    /// The chute serving it.
    #[arg(long)]
    pub chute_id: String,
    /// Wallet name (alias of `--wallet.name`).
    #[arg(long)]
    pub coldkey: Option<String>,
    /// Hotkey name (alias of `--wallet.hotkey`).
    #[arg(long)]
    pub hotkey: Option<String>,
    /// Commit even when the pre-checks refuse.
    #[arg(long)]
    pub force: bool,
    /// Wallet.
    #[command(flatten)]
    pub wallet: WalletArgs,
    /// Chain.
    #[command(flatten)]
    pub chain: ChainArgs,
    /// Services.
    #[command(flatten)]
    pub services: ServiceArgs,
}

/// `status` flags.
#[derive(Debug, Clone, clap::Args)]
pub struct StatusArgs {
    /// The miner's SS58 hotkey (default: the wallet's hotkey).
    #[arg(long)]
    pub hotkey: Option<String>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// Wallet.
    #[command(flatten)]
    pub wallet: WalletArgs,
    /// Chain.
    #[command(flatten)]
    pub chain: ChainArgs,
    /// Services.
    #[command(flatten)]
    pub services: ServiceArgs,
}

/// `rank` flags.
#[derive(Debug, Clone, clap::Args)]
pub struct RankArgs {
    /// Owner-api base URL.
    #[arg(long, env = "API_URL", default_value = "https://api.leoma.ai")]
    pub api_url: String,
    /// Print the leaderboard as JSON.
    #[arg(long)]
    pub json: bool,
}

const HTTP_TIMEOUT: Duration = Duration::from_secs(10);
const API_TIMEOUT: Duration = Duration::from_secs(30);

fn exit_code(e: &MinerError) -> u8 {
    match e {
        MinerError::InvalidInput { .. } | MinerError::ChutesCliMissing => 2,
        MinerError::Chain(
            leoma_chain::ChainError::WalletIo { .. }
            | leoma_chain::ChainError::WalletFormat { .. }
            | leoma_chain::ChainError::InvalidKey(_),
        ) => 2,
        MinerError::Chain(_) | MinerError::Http { .. } | MinerError::Roster(_) => 3,
        _ => 1,
    }
}

fn fail(err: &mut dyn Write, e: &MinerError) -> u8 {
    let _ = writeln!(err, "error: {e}");
    exit_code(e)
}

fn json_line(out: &mut dyn Write, value: &impl serde::Serialize) -> std::io::Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(std::io::Error::other)?;
    writeln!(out, "{text}")
}

/// Builds the roster services from flags, connected to the live chain.
pub async fn services(
    chain: &ChainArgs,
    s: &ServiceArgs,
) -> Result<(Services, SubtensorChain), MinerError> {
    let live = SubtensorChain::connect(ChainConfig::new(chain.endpoint()?)).await?;
    let roster_err = |e: leoma_sampler::roster::RosterError| MinerError::Roster(e.to_string());
    let chutes = ChutesHttp::new(&s.chutes_api_url, s.chutes_api_key.clone(), HTTP_TIMEOUT)
        .map_err(roster_err)?;
    let registry =
        HfHttp::new(&s.hf_endpoint, s.hf_token.clone(), API_TIMEOUT).map_err(roster_err)?;
    let services = Services {
        chain: Arc::new(live.clone()),
        chutes: Arc::new(chutes),
        registry: Arc::new(registry),
        netuid: chain.netuid,
        strict_chute_binding: s.strict_chute_binding,
    };
    Ok((services, live))
}

/// `push`.
pub async fn run_push(args: &PushArgs, out: &mut dyn Write, err: &mut (dyn Write + Send)) -> u8 {
    match push_inner(args, err).await {
        Ok(result) => {
            let written = if args.json {
                json_line(out, &result)
            } else {
                writeln!(
                    out,
                    "definition: {}\nchute_id: {}\nslug: {}",
                    result.definition,
                    result.chute_id.as_deref().unwrap_or("-"),
                    result.slug.as_deref().unwrap_or("-")
                )
            };
            if written.is_err() { 1 } else { 0 }
        }
        Err(e) => fail(err, &e),
    }
}

async fn push_inner(
    args: &PushArgs,
    err: &mut (dyn Write + Send),
) -> Result<PushResult, MinerError> {
    leoma_sampler::roster::validate_repo_id(&args.model_name).map_err(|reason| {
        MinerError::InvalidInput {
            what: "--model-name",
            reason,
        }
    })?;
    if !crate::commit::is_full_sha(&args.model_revision) {
        return Err(MinerError::InvalidInput {
            what: "--model-revision",
            reason: format!("{:?} is not a full 40-hex commit SHA", args.model_revision),
        });
    }
    let chute_user = args
        .chute_user
        .clone()
        .filter(|u| !u.trim().is_empty())
        .ok_or(MinerError::InvalidInput {
            what: "--chute-user",
            reason: "required (or set CHUTE_USER)".into(),
        })?;
    let template = ChuteTemplate {
        chute_user,
        model_name: args.model_name.clone(),
        model_revision: args.model_revision.clone(),
    };
    let path = push::write_definition(&args.output_dir, &template)?;
    let mut result = PushResult {
        success: true,
        definition: path.display().to_string(),
        model_name: args.model_name.clone(),
        model_revision: args.model_revision.clone(),
        dry_run: args.dry_run,
        chute_id: None,
        slug: None,
        hot: None,
    };
    if args.dry_run {
        return Ok(result);
    }
    let bin = push::deploy::find_on_path("chutes", std::env::var_os("PATH").as_deref())
        .ok_or(MinerError::ChutesCliMissing)?;
    push::deploy::deploy(
        &bin,
        &args.output_dir,
        &template.module_name(),
        &mut |line| {
            let _ = writeln!(err, "chutes: {line}");
        },
    )
    .await?;
    let listed = push::find_chute(
        &args.chutes_api_url,
        args.chutes_api_key.as_ref(),
        &args.model_name,
        API_TIMEOUT,
    )
    .await?;
    result.chute_id = Some(listed.chute_id.clone());
    result.slug = listed.slug;
    if args.wait {
        let chutes = ChutesHttp::new(
            &args.chutes_api_url,
            args.chutes_api_key.clone(),
            HTTP_TIMEOUT,
        )
        .map_err(|e| MinerError::Roster(e.to_string()))?;
        let frames = ['|', '/', '-', '\\'];
        let mut n = 0usize;
        push::wait_hot(
            &chutes,
            &listed.chute_id,
            Duration::from_secs(10),
            Duration::from_secs(args.wait_timeout),
            &mut |secs| {
                let frame = frames.get(n % frames.len()).copied().unwrap_or('|');
                n += 1;
                let _ = write!(
                    err,
                    "\r{frame} waiting for chute {} to be hot ({secs} s)",
                    listed.chute_id
                );
                let _ = err.flush();
            },
        )
        .await?;
        let _ = writeln!(err);
        result.hot = Some(true);
    }
    Ok(result)
}

/// `commit`: always prints the `{"success": …}` JSON result.
pub async fn run_commit(
    args: &CommitArgs,
    out: &mut dyn Write,
    err: &mut (dyn Write + Send),
) -> u8 {
    let mut wallet = args.wallet.clone();
    if let Some(name) = &args.coldkey {
        wallet.wallet_name = name.clone();
    }
    if let Some(name) = &args.hotkey {
        wallet.wallet_hotkey = name.clone();
    }
    let key = match wallet.wallet().load_hotkey() {
        Ok(k) => k,
        Err(e) => return fail(err, &MinerError::Chain(e)),
    };
    let (services, live) = match services(&args.chain, &args.services).await {
        Ok(s) => s,
        Err(e) => return fail(err, &e),
    };
    let api = match OwnerApi::new(&args.services.api_url, API_TIMEOUT) {
        Ok(a) => a,
        Err(e) => return fail(err, &e),
    };
    let deps = CommitDeps {
        blacklist: api.blacklist().await.ok(),
        services,
        writer: Arc::new(live.signer(key)),
        policy: CommitPolicy::default(),
    };
    let request = CommitRequest {
        commitment: MinerCommitment {
            model_name: args.model_name.clone(),
            model_revision: args.model_revision.clone(),
            chute_id: args.chute_id.clone(),
        },
        force: args.force,
        whole_subnet: args.services.all,
    };
    let result = crate::commit::execute(&deps, &request, &mut |note| {
        let _ = writeln!(err, "{note}");
    })
    .await;
    if json_line(out, &result).is_err() {
        return 1;
    }
    if result.success { 0 } else { 1 }
}

/// `status`.
pub async fn run_status(
    args: &StatusArgs,
    out: &mut dyn Write,
    err: &mut (dyn Write + Send),
) -> u8 {
    let hotkey = match &args.hotkey {
        Some(s) => match Hotkey::parse(s) {
            Ok(h) => h,
            Err(e) => {
                return fail(
                    err,
                    &MinerError::InvalidInput {
                        what: "--hotkey",
                        reason: e.to_string(),
                    },
                );
            }
        },
        None => match args.wallet.wallet().load_hotkey() {
            Ok(k) => k.hotkey().clone(),
            Err(e) => return fail(err, &MinerError::Chain(e)),
        },
    };
    let (services, _live) = match services(&args.chain, &args.services).await {
        Ok(s) => s,
        Err(e) => return fail(err, &e),
    };
    let api = match OwnerApi::new(&args.services.api_url, API_TIMEOUT) {
        Ok(a) => a,
        Err(e) => return fail(err, &e),
    };
    match status::gather(&services, &api, &hotkey, args.services.all).await {
        Ok(report) => {
            let written = if args.json {
                json_line(out, &report)
            } else {
                out.write_all(report.render().as_bytes())
            };
            match (written, report.is_valid()) {
                (Ok(()), true) => 0,
                _ => 1,
            }
        }
        Err(e) => fail(err, &e),
    }
}

/// `rank`.
pub async fn run_rank(args: &RankArgs, out: &mut dyn Write, err: &mut (dyn Write + Send)) -> u8 {
    let ranks = match OwnerApi::new(&args.api_url, API_TIMEOUT) {
        Ok(api) => api.rank().await,
        Err(e) => Err(e),
    };
    match ranks {
        Ok(r) => {
            let written = if args.json {
                json_line(out, &r)
            } else {
                out.write_all(status::render_rank(&r).as_bytes())
            };
            if written.is_err() { 1 } else { 0 }
        }
        Err(e) => fail(err, &e),
    }
}
