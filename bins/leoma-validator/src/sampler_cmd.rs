//! `leoma-validator sampler`, and the production wiring of the miner-validation (roster) loop
//! and the sampler loop that `serve` shares: flags with SPEC §10.2 names, the real adapters
//! (Chutes, HuggingFace, Gemini, S3/R2, owner-api), and the §7.1 startup requirements.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use leoma_api_types::keys::Secret;
use leoma_chain::ChainReader;
use leoma_eval::{FfmpegProbe, GeminiConfig, GeminiHttp};
use leoma_sampler::endpoint::ChutesGenerate;
use leoma_sampler::report::{NoReporter, OwnerApiHttp, OwnerApiSettings, Reporter};
use leoma_sampler::roster::runner::{RosterLoop, RosterLoopSettings};
use leoma_sampler::roster::{
    CachedChutes, CachedRegistry, ChuteDirectory, ChutesHttp, HfHttp, Roster, RosterConfig,
    RosterSnapshot,
};
use leoma_sampler::turn::{Sampler, TurnServices, TurnSettings};
use leoma_storage::{BucketReader, ObjectBucket, S3Config};
use tokio::sync::watch;

use crate::allowlist::AllowlistSource;
use crate::audit::PeerSource as _;
use crate::config::{Node, NodeArgs, secret};
use crate::metrics::Metrics;
use crate::sampler_loop::{MeteredEndpoint, SamplerLoop, SamplerLoopSettings};
use crate::weights::S3Peers;

/// Settings of the roster and sampler loops (SPEC §10.2).
#[derive(Debug, Clone, clap::Args)]
pub struct SamplerSettings {
    /// Own result bucket endpoint (sampler disabled if unset).
    #[arg(long, env = "R2_OWN_ENDPOINT")]
    pub r2_own_endpoint: Option<String>,
    /// Own result bucket region.
    #[arg(long, env = "R2_OWN_REGION", default_value = "auto")]
    pub r2_own_region: String,
    /// Own result bucket name (sampler disabled if unset).
    #[arg(long, env = "R2_OWN_BUCKET")]
    pub r2_own_bucket: Option<String>,
    /// Own bucket write key id.
    #[arg(long, env = "R2_OWN_WRITE_ACCESS_KEY", value_parser = secret, hide_env_values = true)]
    pub r2_own_write_access_key: Option<Secret>,
    /// Own bucket write secret.
    #[arg(long, env = "R2_OWN_WRITE_SECRET_KEY", value_parser = secret, hide_env_values = true)]
    pub r2_own_write_secret_key: Option<Secret>,
    /// Gemini API key (judge and describer; required for the sampler).
    #[arg(long, env = "GEMINI_API_KEY", value_parser = secret, hide_env_values = true)]
    pub gemini_api_key: Option<Secret>,
    /// Gemini API base.
    #[arg(
        long,
        env = "GEMINI_API_BASE",
        default_value = "https://generativelanguage.googleapis.com"
    )]
    pub gemini_api_base: String,
    /// Owner-api base (unset disables reporting).
    #[arg(long, env = "API_URL")]
    pub api_url: Option<String>,
    /// Owner-api request timeout, seconds.
    #[arg(long, env = "API_REQUEST_TIMEOUT", default_value_t = 30)]
    pub api_request_timeout: u64,
    /// Owner-api attempts per call.
    #[arg(long, env = "API_MAX_RETRIES", default_value_t = 3)]
    pub api_max_retries: u32,
    /// Chutes API base.
    #[arg(long, env = "CHUTES_API_URL", default_value = "https://api.chutes.ai")]
    pub chutes_api_url: String,
    /// Chutes API key.
    #[arg(long, env = "CHUTES_API_KEY", value_parser = secret, hide_env_values = true)]
    pub chutes_api_key: Option<Secret>,
    /// Miner generate URL template.
    #[arg(
        long,
        env = "CHUTES_INVOKE_URL_TEMPLATE",
        default_value = "https://{slug}.chutes.ai/generate"
    )]
    pub chutes_invoke_url_template: String,
    /// Chute lookup cache TTL, seconds.
    #[arg(long, env = "CHUTE_CACHE_TTL", default_value_t = 300)]
    pub chute_cache_ttl: u64,
    /// HuggingFace token.
    #[arg(long, env = "HF_TOKEN", value_parser = secret, hide_env_values = true)]
    pub hf_token: Option<Secret>,
    /// HuggingFace endpoint.
    #[arg(long, env = "HF_ENDPOINT", default_value = "https://huggingface.co")]
    pub hf_endpoint: String,
    /// Model hash cache TTL, seconds.
    #[arg(long, env = "MODEL_HASH_CACHE_TTL", default_value_t = 3600)]
    pub model_hash_cache_ttl: u64,
    /// Negative model hash cache TTL, seconds.
    #[arg(long, env = "MODEL_HASH_NEGATIVE_TTL", default_value_t = 60)]
    pub model_hash_negative_ttl: u64,
    /// Seconds between miner-validation passes.
    #[arg(long, env = "MINER_VALIDATION_INTERVAL", default_value_t = 300)]
    pub miner_validation_interval: u64,
    /// Concurrent miner checks in a pass.
    #[arg(long, env = "MINER_VALIDATION_CONCURRENCY", default_value_t = 16)]
    pub miner_validation_concurrency: usize,
    /// Require the chute to be bound to the miner (M3).
    #[arg(long, env = "STRICT_CHUTE_BINDING", default_value_t = false)]
    pub strict_chute_binding: bool,
    /// Seconds between sampler polls.
    #[arg(long, env = "SAMPLER_POLL_INTERVAL", default_value_t = 60)]
    pub sampler_poll_interval: u64,
    /// v1 failover grace in blocks (0 → interval div 2).
    #[arg(long, env = "SAMPLER_FAILOVER_GRACE_BLOCKS", default_value_t = 0)]
    pub sampler_failover_grace_blocks: i64,
    /// v1 allowlist cache, blocks.
    #[arg(long, env = "ALLOWLIST_REFRESH_BLOCKS", default_value_t = 300)]
    pub allowlist_refresh_blocks: u64,
    /// Attempts of one turn.
    #[arg(long, env = "SAMPLER_MAX_ATTEMPTS_PER_TURN", default_value_t = 3)]
    pub sampler_max_attempts_per_turn: u32,
    /// Concurrent miner calls in a turn.
    #[arg(long, env = "MAX_CONCURRENT_MINERS", default_value_t = 40)]
    pub max_concurrent_miners: usize,
    /// Seconds per miner call.
    #[arg(long, env = "REQUEST_TIMEOUT", default_value_t = 300)]
    pub request_timeout: u64,
    /// Concurrent judge calls in a turn.
    #[arg(long, env = "EVALUATION_CONCURRENCY", default_value_t = 4)]
    pub evaluation_concurrency: usize,
}

/// Flags of `leoma-validator sampler`.
#[derive(Debug, clap::Args)]
pub struct SamplerArgs {
    /// Print the effective settings (secrets redacted) and exit.
    #[arg(long)]
    pub print_config: bool,
    /// Chain, wallet, state and source bucket.
    #[command(flatten)]
    pub node: NodeArgs,
    /// Roster and sampler settings.
    #[command(flatten)]
    pub sampler: SamplerSettings,
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

/// The own bucket, when every §7.1 setting is present.
struct OwnBucket {
    config: S3Config,
}

impl SamplerSettings {
    /// Why the sampler cannot run (SPEC §7.1), or the own bucket's settings and the Gemini key.
    fn requirements(&self, allow_http: bool) -> Result<(OwnBucket, Secret), String> {
        let mut missing = Vec::new();
        let own = match (
            &self.r2_own_endpoint,
            &self.r2_own_bucket,
            &self.r2_own_write_access_key,
            &self.r2_own_write_secret_key,
        ) {
            (Some(ep), Some(b), Some(ak), Some(sk)) => Some(OwnBucket {
                config: S3Config::new(
                    ep.clone(),
                    self.r2_own_region.clone(),
                    b.clone(),
                    ak.clone(),
                    sk.clone(),
                    allow_http,
                ),
            }),
            _ => {
                missing.push(
                    "own bucket (R2_OWN_ENDPOINT, R2_OWN_BUCKET, R2_OWN_WRITE_ACCESS_KEY, \
                     R2_OWN_WRITE_SECRET_KEY)",
                );
                None
            }
        };
        let gemini = self
            .gemini_api_key
            .clone()
            .filter(|k| !k.expose().is_empty());
        if gemini.is_none() {
            missing.push("GEMINI_API_KEY");
        }
        match (own, gemini) {
            (Some(o), Some(g)) => Ok((o, g)),
            _ => Err(format!("missing {}", missing.join(" and "))),
        }
    }

    fn chutes(&self) -> anyhow::Result<Arc<dyn ChuteDirectory>> {
        let http = ChutesHttp::new(&self.chutes_api_url, self.chutes_api_key.clone(), secs(10))?;
        Ok(Arc::new(CachedChutes::new(
            Arc::new(http),
            secs(self.chute_cache_ttl),
        )))
    }

    fn reporter(&self, node: &Node) -> anyhow::Result<Arc<dyn Reporter>> {
        let Some(url) = self.api_url.as_deref().filter(|u| !u.is_empty()) else {
            return Ok(Arc::new(NoReporter));
        };
        let settings = OwnerApiSettings {
            timeout: secs(self.api_request_timeout),
            max_attempts: self.api_max_retries,
            ..OwnerApiSettings::default()
        };
        Ok(Arc::new(OwnerApiHttp::new(
            url,
            Arc::new(node.key.clone()),
            settings,
        )?))
    }
}

/// The roster loop and, when its requirements are met, the sampler loop.
pub struct Loops {
    /// Miner validation.
    pub roster: RosterLoop,
    /// The sampler, or why it is disabled.
    pub sampler: Result<SamplerLoop, String>,
}

/// Builds the roster and sampler loops over `node`'s adapters.
pub fn build(
    args: &NodeArgs,
    s: &SamplerSettings,
    node: &Node,
    metrics: &Metrics,
) -> anyhow::Result<Loops> {
    let chain: Arc<dyn ChainReader> = Arc::new(node.chain.clone());
    let chutes = s.chutes()?;
    let registry = CachedRegistry::new(
        Arc::new(HfHttp::new(&s.hf_endpoint, s.hf_token.clone(), secs(30))?),
        secs(s.model_hash_cache_ttl),
        secs(s.model_hash_negative_ttl),
    );
    let mut roster_cfg = RosterConfig::new(args.netuid);
    roster_cfg.concurrency = s.miner_validation_concurrency.max(1);
    roster_cfg.strict_chute_binding = s.strict_chute_binding;
    let roster = RosterLoop::new(
        Roster::new(
            chain.clone(),
            chutes.clone(),
            Arc::new(registry),
            roster_cfg,
        ),
        s.reporter(node)?,
        RosterLoopSettings {
            interval: secs(s.miner_validation_interval.max(1)),
        },
        node.state_dir.clone(),
    );
    let sampler = match s.requirements(args.allow_insecure_s3) {
        Err(why) => Err(why),
        Ok(req) => sampler_loop(args, s, node, req, chutes, roster.subscribe(), metrics)
            .map_err(|e| format!("{e:#}")),
    };
    Ok(Loops { roster, sampler })
}

fn sampler_loop(
    args: &NodeArgs,
    s: &SamplerSettings,
    node: &Node,
    (own, gemini): (OwnBucket, Secret),
    chutes: Arc<dyn ChuteDirectory>,
    roster: watch::Receiver<Arc<RosterSnapshot>>,
    metrics: &Metrics,
) -> anyhow::Result<SamplerLoop> {
    let source = node
        .source
        .clone()
        .context("source bucket (R2_ENDPOINT and read keys) is required for the sampler")?;
    let own_bucket = Arc::new(ObjectBucket::s3(&own.config).context("own bucket")?);
    let judge = Arc::new(GeminiHttp::new(GeminiConfig::new(
        s.gemini_api_base.clone(),
        gemini,
    ))?);
    let generate = ChutesGenerate::new(
        &s.chutes_invoke_url_template,
        s.chutes_api_key.clone(),
        secs(10),
    )?;
    let services = TurnServices {
        source,
        own: own_bucket,
        own_bucket_name: own.config.bucket.clone(),
        miners: Arc::new(MeteredEndpoint {
            inner: Arc::new(generate),
            metrics: metrics.clone(),
        }),
        chutes,
        probe: Arc::new(FfmpegProbe::new("ffprobe", "ffmpeg", secs(120))),
        judge: judge.clone(),
        describer: judge,
        reporter: s.reporter(node)?,
        signer: Arc::new(node.key.clone()),
        hotkey: node.key.hotkey().clone(),
    };
    let turn = TurnSettings {
        max_concurrent_miners: s.max_concurrent_miners.max(1),
        request_timeout: secs(s.request_timeout.max(1)),
        evaluation_concurrency: s.evaluation_concurrency.max(1),
        max_attempts_per_turn: s.sampler_max_attempts_per_turn.max(1),
        temp_root: Some(node.state_dir.join("tmp")),
        ..TurnSettings::default()
    };
    // The peers' buckets (PEER_VALIDATORS), so a backup sees a primary's verdict file.
    let hotkeys: Vec<String> = node
        .registry
        .entries()
        .iter()
        .map(|e| e.hotkey.clone())
        .collect();
    let peers: BTreeMap<String, Arc<dyn BucketReader>> = S3Peers {
        registry: node.registry.clone(),
        allow_http: args.allow_insecure_s3,
    }
    .v1_peers(&hotkeys)
    .readers;
    let sampler =
        Sampler::new(services, turn, node.state_dir.join("sampler"))?.with_peers(Arc::new(peers));
    let allowlist = AllowlistSource {
        chain: Arc::new(node.chain.clone()),
        netuid: args.netuid,
        source: node.source.clone(),
    };
    let settings = SamplerLoopSettings {
        poll_interval: secs(s.sampler_poll_interval.max(1)),
        v1_grace: s.sampler_failover_grace_blocks,
        allowlist_refresh_blocks: s.allowlist_refresh_blocks.max(1),
    };
    let chain: Arc<dyn ChainReader> = Arc::new(node.chain.clone());
    Ok(SamplerLoop::new(
        sampler,
        chain,
        allowlist,
        roster,
        settings,
        metrics.clone(),
    ))
}

/// Runs `sampler` (roster and sampler loops) and returns the process exit code: 2 when the
/// sampler's requirements (SPEC §7.1) are missing.
pub fn run(args: SamplerArgs) -> u8 {
    if args.print_config {
        return crate::config::print(&args);
    }
    crate::shutdown::block_on(async move {
        let node = match args.node.open().await {
            Ok(n) => n,
            Err(code) => return code,
        };
        let metrics = Metrics::default();
        let loops = match build(&args.node, &args.sampler, &node, &metrics) {
            Ok(l) => l,
            Err(e) => {
                tracing::error!(error = format!("{e:#}"), "invalid sampler settings");
                return 2;
            }
        };
        let sampler = match loops.sampler {
            Ok(s) => s,
            Err(why) => {
                tracing::error!(reason = %why, "sampler disabled");
                return 2;
            }
        };
        let cancel = crate::shutdown::on_signal();
        tokio::spawn(loops.roster.run(cancel.clone()));
        sampler.run(cancel, |_| {}).await;
        0
    })
}
