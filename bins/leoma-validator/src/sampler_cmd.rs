//! `leoma-validator sampler`, and the production wiring of the miner-validation (roster) loop
//! and the sampler loop that `serve` shares: flags with SPEC §10.2 names, the real adapters
//! (Chutes, HuggingFace, Gemini, S3/R2, owner-api), and the §7.1 startup requirements.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use leoma_api_types::Hotkey;
use leoma_api_types::keys::Secret;
use leoma_chain::ChainReader;
use leoma_eval::{FfmpegProbe, GeminiConfig, GeminiHttp};
use leoma_sampler::endpoint::ChutesGenerate;
use leoma_sampler::report::{AuthScheme, NoReporter, OwnerApiHttp, OwnerApiSettings, Reporter};
use leoma_sampler::roster::runner::{PassObserver, RosterLoop, RosterLoopSettings};
use leoma_sampler::roster::{
    CachedChutes, CachedRegistry, ChuteDirectory, ChutesHttp, HfHttp, Roster, RosterConfig,
    RosterError, RosterSnapshot,
};
use leoma_sampler::turn::{Sampler, TurnServices, TurnSettings};
use leoma_storage::{BucketReader, BucketState, ObjectBucket, S3Config};
use tokio::sync::watch;

use crate::allowlist::AllowlistSource;
use crate::audit::PeerSource as _;
use crate::config::{Node, NodeArgs, secret};
use crate::metrics::Metrics;
use crate::peers::{PeerRefresh, SharedPeers};
use crate::sampler_loop::{MeteredEndpoint, SamplerLoop, SamplerLoopSettings};
use crate::tuning::{SettingError, Tuning, TuningArgs};
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
    /// How requests to the owner-api are signed (`x-leoma` or `epistula`, SPEC §9.2–9.3).
    #[arg(long, env = "API_AUTH_SCHEME", value_enum, default_value = "x-leoma")]
    pub api_auth_scheme: ApiAuthScheme,
    /// The owner-api's SS58 hotkey: with `epistula`, requests are bound to it
    /// (`Epistula-Signed-For`); unset sends no receiver binding.
    #[arg(long, env = "OWNER_API_HOTKEY")]
    pub owner_api_hotkey: Option<String>,
    /// Rotation interval assumed by the retention check (the allowlist's interval rules the
    /// turns).
    #[arg(long, env = "SAMPLING_ROTATION_INTERVAL", default_value_t = 100)]
    pub sampling_rotation_interval: i64,
    /// Delete own task folders older than this many blocks (0: keep everything; E12).
    #[arg(long, env = "OWN_BUCKET_RETENTION_BLOCKS", default_value_t = 0)]
    pub own_bucket_retention_blocks: u64,
    /// Turn and evaluation tuning.
    #[command(flatten)]
    pub tuning: TuningArgs,
}

/// `API_AUTH_SCHEME`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ApiAuthScheme {
    /// `X-Validator-Hotkey` / `X-Signature` / `X-Timestamp` (SPEC §9.2; what the reference
    /// owner-api knows).
    XLeoma,
    /// Epistula v2 (SPEC §9.3).
    Epistula,
}

/// The smallest allowed non-zero `OWN_BUCKET_RETENTION_BLOCKS`: the scorer's lookback plus two
/// rotation intervals (SPEC §10.2, E12).
pub fn retention_floor(max_lookback_blocks: i64, interval: i64) -> u64 {
    let l = u64::try_from(max_lookback_blocks.max(0)).unwrap_or(0);
    let i = u64::try_from(interval.max(1)).unwrap_or(1);
    l.saturating_add(i.saturating_mul(2))
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
    /// Checks every setting clap cannot (ranges, orderings, the retention floor) and maps the
    /// tuning flags; the error names the variable(s) at fault.
    pub fn check(&self, node: &NodeArgs) -> Result<Tuning, SettingError> {
        node.check()?;
        let tuning = self.tuning.resolve()?;
        if self.sampling_rotation_interval < 1 {
            return Err(SettingError::new(
                "SAMPLING_ROTATION_INTERVAL",
                format!("{} is below 1", self.sampling_rotation_interval),
            ));
        }
        if let Some(hk) = self
            .owner_api_hotkey
            .as_deref()
            .map(str::trim)
            .filter(|h| !h.is_empty())
            && Hotkey::parse(hk).is_err()
        {
            return Err(SettingError::new(
                "OWNER_API_HOTKEY",
                format!("{hk:?} is not an SS58 address"),
            ));
        }
        let retention = self.own_bucket_retention_blocks;
        if retention > 0 {
            let floor = retention_floor(node.max_lookback_blocks, self.sampling_rotation_interval);
            if retention < floor {
                return Err(SettingError::new(
                    "OWN_BUCKET_RETENTION_BLOCKS / SCORER_MAX_LOOKBACK_BLOCKS",
                    format!(
                        "OWN_BUCKET_RETENTION_BLOCKS ({retention}) must be 0 or at least \
                         SCORER_MAX_LOOKBACK_BLOCKS ({}) + 2 × SAMPLING_ROTATION_INTERVAL ({}) \
                         = {floor}, so no task a scorer may still read is deleted",
                        node.max_lookback_blocks, self.sampling_rotation_interval
                    ),
                ));
            }
        }
        Ok(tuning)
    }

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

    /// `API_AUTH_SCHEME` (and `OWNER_API_HOTKEY` for Epistula's receiver binding).
    pub fn auth_scheme(&self) -> AuthScheme {
        match self.api_auth_scheme {
            ApiAuthScheme::XLeoma => AuthScheme::XLeoma,
            ApiAuthScheme::Epistula => AuthScheme::Epistula {
                signed_for: self
                    .owner_api_hotkey
                    .as_deref()
                    .map(str::trim)
                    .filter(|h| !h.is_empty())
                    .map(str::to_owned),
            },
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
            auth: self.auth_scheme(),
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
    /// The sampler with its own bucket, or why it is disabled. Call [`ready`] before running
    /// it.
    pub sampler: Result<(SamplerLoop, Arc<ObjectBucket>), String>,
}

/// Attempts at making sure the own bucket exists while the store is unavailable.
const BUCKET_ATTEMPTS: u32 = 3;

/// Makes sure the sampler's own bucket exists, creating it when missing (SPEC §7.1); a store
/// that is unavailable is retried a few times `pause` apart (E11). `Err` is why the sampler
/// stays disabled (it names the bucket).
pub async fn ensure_own_bucket(bucket: &ObjectBucket, pause: Duration) -> Result<(), String> {
    let mut attempt = 1;
    loop {
        match bucket.ensure_exists().await {
            Ok(BucketState::Created) => {
                tracing::info!(bucket = %bucket.name(), "own bucket created");
                return Ok(());
            }
            Ok(BucketState::Existed) => return Ok(()),
            Err(e) if e.is_transient() && attempt < BUCKET_ATTEMPTS => {
                tracing::warn!(attempt, error = %e, "own bucket check failed; retrying");
                tokio::time::sleep(pause).await;
                attempt += 1;
            }
            Err(e) => return Err(format!("own bucket {} unusable: {e}", bucket.name())),
        }
    }
}

/// The sampler of `loops`, once its own bucket exists; `Err` is why it is disabled.
pub async fn ready(
    sampler: Result<(SamplerLoop, Arc<ObjectBucket>), String>,
    pause: Duration,
) -> Result<SamplerLoop, String> {
    let (sampler, own) = sampler?;
    ensure_own_bucket(&own, pause).await?;
    Ok(sampler)
}

/// Builds the roster and sampler loops over `node`'s adapters.
/// `tuning` is what [`SamplerSettings::check`] returned.
pub fn build(
    args: &NodeArgs,
    s: &SamplerSettings,
    tuning: &Tuning,
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
    )
    .with_observer(roster_observer(metrics));
    let sampler = match s.requirements(args.allow_insecure_s3) {
        Err(why) => Err(why),
        Ok(req) => sampler_loop(
            args,
            s,
            node,
            (req.0, req.1, tuning),
            chutes,
            roster.subscribe(),
            metrics,
        )
        .map_err(|e| format!("{e:#}")),
    };
    Ok(Loops { roster, sampler })
}

fn sampler_loop(
    args: &NodeArgs,
    s: &SamplerSettings,
    node: &Node,
    (own, gemini, tuning): (OwnBucket, Secret, &Tuning),
    chutes: Arc<dyn ChuteDirectory>,
    roster: watch::Receiver<Arc<RosterSnapshot>>,
    metrics: &Metrics,
) -> anyhow::Result<(SamplerLoop, Arc<ObjectBucket>)> {
    let source = node
        .source
        .clone()
        .context("source bucket (R2_ENDPOINT and read keys) is required for the sampler")?;
    let own_bucket = Arc::new(ObjectBucket::s3(&own.config).context("own bucket")?);
    let judge = Arc::new(GeminiHttp::new(gemini_config(
        s.gemini_api_base.clone(),
        gemini,
        tuning,
    ))?);
    let generate = ChutesGenerate::new(
        &s.chutes_invoke_url_template,
        s.chutes_api_key.clone(),
        secs(10),
    )?;
    let services = TurnServices {
        source,
        own: own_bucket.clone(),
        own_bucket_name: own.config.bucket.clone(),
        miners: Arc::new(MeteredEndpoint {
            inner: Arc::new(generate),
            metrics: metrics.clone(),
        }),
        chutes,
        probe: Arc::new(FfmpegProbe::new(
            "ffprobe",
            "ffmpeg",
            tuning.video_tool_timeout,
        )),
        judge: judge.clone(),
        describer: judge,
        reporter: s.reporter(node)?,
        signer: Arc::new(node.key.clone()),
        hotkey: node.key.hotkey().clone(),
    };
    let turn = turn_settings(s, tuning, node.state_dir.join("tmp"));
    // The peers' buckets, so a backup sees a primary's verdict file: PEER_VALIDATORS until the
    // first allowlist is read, then whatever the allowlist in force names (v2: its endpoints).
    let hotkeys: Vec<String> = node
        .registry
        .entries()
        .iter()
        .map(|e| e.hotkey.clone())
        .collect();
    let peer_source = Arc::new(S3Peers {
        registry: node.registry.clone(),
        allow_http: args.allow_insecure_s3,
    });
    let peers = Arc::new(SharedPeers::new(peer_source.v1_peers(&hotkeys).readers));
    let sampler =
        Sampler::new(services, turn, node.state_dir.join("sampler"))?.with_peers(peers.clone());
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
    let sampler_loop =
        SamplerLoop::new(sampler, chain, allowlist, roster, settings, metrics.clone())
            .with_peer_refresh(PeerRefresh {
                source: peer_source,
                peers,
            });
    Ok((sampler_loop, own_bucket))
}

/// Counts miner-validation passes in `leoma_roster_passes_total{result="ok"|"error"}`.
pub fn roster_observer(metrics: &Metrics) -> PassObserver {
    let m = metrics.clone();
    Arc::new(move |r: Result<&RosterSnapshot, &RosterError>| {
        let result = if r.is_ok() { "ok" } else { "error" };
        m.inc("leoma_roster_passes_total", &[("result", result)]);
    })
}

/// The Gemini client's configuration: `GEMINI_API_BASE`, the key and the tuned calls.
pub fn gemini_config(base_url: String, api_key: Secret, tuning: &Tuning) -> GeminiConfig {
    GeminiConfig {
        judge: tuning.judge.clone(),
        describe: tuning.describe.clone(),
        pass_rule: tuning.pass_rule,
        inline_limit_bytes: tuning.inline_limit_bytes,
        ..GeminiConfig::new(base_url, api_key)
    }
}

/// The turn's settings from the flags; temporary directories go under `temp_root`.
pub fn turn_settings(
    s: &SamplerSettings,
    tuning: &Tuning,
    temp_root: std::path::PathBuf,
) -> TurnSettings {
    TurnSettings {
        source: tuning.source.clone(),
        assess: tuning.assess.clone(),
        check_concurrency: tuning.check_concurrency,
        max_concurrent_miners: s.max_concurrent_miners.max(1),
        request_timeout: secs(s.request_timeout.max(1)),
        evaluation_concurrency: s.evaluation_concurrency.max(1),
        max_attempts_per_turn: s.sampler_max_attempts_per_turn.max(1),
        temp_root: Some(temp_root),
        own_retention_blocks: s.own_bucket_retention_blocks,
        ..TurnSettings::default()
    }
}

/// Logs an invalid setting (naming its variable) and returns exit code 2.
pub fn invalid(e: &SettingError) -> u8 {
    tracing::error!(variable = %e.var, reason = %e.reason, "invalid setting");
    2
}

/// Runs `sampler` (roster and sampler loops) and returns the process exit code: 2 when the
/// sampler's requirements (SPEC §7.1) are missing.
pub fn run(args: SamplerArgs) -> u8 {
    let tuning = match args.sampler.check(&args.node) {
        Ok(t) => t,
        Err(e) => return invalid(&e),
    };
    if args.print_config {
        return crate::config::print(&args);
    }
    crate::shutdown::block_on(async move {
        let node = match args.node.open().await {
            Ok(n) => n,
            Err(code) => return code,
        };
        let metrics = Metrics::default();
        let loops = match build(&args.node, &args.sampler, &tuning, &node, &metrics) {
            Ok(l) => l,
            Err(e) => {
                tracing::error!(error = format!("{e:#}"), "invalid sampler settings");
                return 2;
            }
        };
        let sampler = match ready(loops.sampler, args.node.block()).await {
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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, clap::Parser)]
    struct Cli {
        #[command(flatten)]
        args: SamplerArgs,
    }

    fn parse(args: &[&str]) -> SamplerArgs {
        let mut all = vec!["x"];
        all.extend_from_slice(args);
        Cli::try_parse_from(all).unwrap().args
    }

    #[test]
    fn tuning_reaches_the_turn_and_the_gemini_client() {
        let a = parse(&[
            "--near-copy-max-hamming",
            "9",
            "--miner-video-max-fps",
            "30",
            "--clip-duration",
            "4",
            "--video-check-concurrency",
            "5",
            "--evaluation-critical-threshold",
            "40",
            "--description-model",
            "desc-model",
            "--gemini-inline-limit-bytes",
            "1000",
            "--own-bucket-retention-blocks",
            "30200",
            "--max-concurrent-miners",
            "7",
        ]);
        let tuning = a.sampler.check(&a.node).unwrap();
        let turn = turn_settings(&a.sampler, &tuning, "/tmp/t".into());
        assert_eq!(turn.assess.near_copy.max_hamming, 9);
        assert!((turn.assess.limits.max_fps - 30.0).abs() < f64::EPSILON);
        assert!((turn.source.clip_duration_s - 4.0).abs() < f64::EPSILON);
        assert_eq!(turn.check_concurrency, 5);
        assert_eq!(turn.max_concurrent_miners, 7);
        assert_eq!(turn.own_retention_blocks, 30_200);
        let g = gemini_config("http://g".into(), Secret::new("k"), &tuning);
        assert_eq!(g.pass_rule.critical_threshold, 40);
        assert_eq!(g.describe.model, "desc-model");
        assert_eq!(g.inline_limit_bytes, 1000);
        assert_eq!(g.base_url, "http://g");
        // Untouched settings keep the SPEC defaults.
        assert_eq!(g.judge, GeminiConfig::new("x", Secret::new("k")).judge);
        assert_eq!(a.sampler.auth_scheme(), AuthScheme::XLeoma);
    }

    #[test]
    fn retention_must_cover_the_lookback_and_two_intervals() {
        assert_eq!(retention_floor(30_000, 100), 30_200);
        assert_eq!(retention_floor(0, 100), 200);
        for (args, ok) in [
            (&["--own-bucket-retention-blocks", "0"][..], true),
            (&["--own-bucket-retention-blocks", "30200"][..], true),
            (&["--own-bucket-retention-blocks", "30199"][..], false),
            (
                &[
                    "--own-bucket-retention-blocks",
                    "1000",
                    "--max-lookback-blocks",
                    "500",
                    "--sampling-rotation-interval",
                    "250",
                ][..],
                true,
            ),
            (
                &[
                    "--own-bucket-retention-blocks",
                    "1000",
                    "--sampling-rotation-interval",
                    "0",
                ][..],
                false,
            ),
        ] {
            let a = parse(args);
            let r = a.sampler.check(&a.node);
            assert_eq!(r.is_ok(), ok, "{args:?}: {r:?}");
            if let Err(e) = r
                && args.contains(&"30199")
            {
                assert!(e.var.contains("OWN_BUCKET_RETENTION_BLOCKS"), "{e}");
                assert!(e.var.contains("SCORER_MAX_LOOKBACK_BLOCKS"), "{e}");
                assert!(e.reason.contains("SAMPLING_ROTATION_INTERVAL"), "{e}");
            }
        }
    }

    #[test]
    fn epistula_binds_to_the_owner_api_hotkey_when_given() {
        let hk = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
        let a = parse(&["--api-auth-scheme", "epistula", "--owner-api-hotkey", hk]);
        assert_eq!(
            a.sampler.auth_scheme(),
            AuthScheme::Epistula {
                signed_for: Some(hk.into())
            }
        );
        let a = parse(&["--api-auth-scheme", "epistula"]);
        assert_eq!(
            a.sampler.auth_scheme(),
            AuthScheme::Epistula { signed_for: None }
        );
        let a = parse(&["--owner-api-hotkey", "not-ss58"]);
        assert_eq!(
            a.sampler.check(&a.node).unwrap_err().var,
            "OWNER_API_HOTKEY"
        );
    }

    #[test]
    fn roster_passes_are_counted_by_result_in_the_metrics_text() {
        let m = Metrics::default();
        let observe = roster_observer(&m);
        let snap = leoma_sampler::roster::state::empty_snapshot();
        observe(Ok(&snap));
        observe(Ok(&snap));
        observe(Err(&RosterError::Chain("node unreachable".into())));
        let text = m.render();
        assert!(
            text.contains("leoma_roster_passes_total{result=\"ok\"} 2\n"),
            "{text}"
        );
        assert!(
            text.contains("leoma_roster_passes_total{result=\"error\"} 1\n"),
            "{text}"
        );
    }

    /// A real pass of the production roster loop (empty subnet on a `MemChain`) reaches the
    /// counter through the observer `build` installs.
    #[tokio::test]
    async fn a_roster_pass_increments_the_counter() {
        let chain = Arc::new(leoma_chain::mem::MemChain::new());
        chain.advance(10);
        let t = secs(1);
        let roster = Roster::new(
            chain,
            Arc::new(ChutesHttp::new("http://127.0.0.1:9", None, t).unwrap()),
            Arc::new(HfHttp::new("http://127.0.0.1:9", None, t).unwrap()),
            RosterConfig::new(7),
        );
        let dir = tempfile::tempdir().unwrap();
        let m = Metrics::default();
        let l = RosterLoop::new(
            roster,
            Arc::new(NoReporter),
            RosterLoopSettings::default(),
            dir.path().to_path_buf(),
        )
        .with_observer(roster_observer(&m));
        l.pass_once().await.unwrap();
        assert!(
            m.render()
                .contains("leoma_roster_passes_total{result=\"ok\"} 1\n")
        );
    }

    /// SPEC §7.1: the sampler creates its missing own bucket; refused credentials disable it
    /// with a reason naming the bucket.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_missing_own_bucket_is_created_before_the_sampler_starts() {
        let server = leoma_testkit::S3sFs::start("ak", "sk").unwrap();
        let cfg = |bucket: &str, secret: &str| {
            let mut c = S3Config::new(
                server.endpoint(),
                "auto",
                bucket,
                Secret::new("ak"),
                Secret::new(secret),
                true,
            );
            c.max_retries = 0;
            c
        };
        let own = ObjectBucket::s3(&cfg("leoma-own", "sk")).unwrap();
        ensure_own_bucket(&own, Duration::ZERO).await.unwrap();
        assert!(server.data_dir().join("leoma-own").is_dir());
        ensure_own_bucket(&own, Duration::ZERO).await.unwrap();

        let refused = ObjectBucket::s3(&cfg("leoma-refused", "wrong")).unwrap();
        let why = ensure_own_bucket(&refused, Duration::ZERO)
            .await
            .unwrap_err();
        assert!(why.contains("leoma-refused"), "{why}");
        assert!(!server.data_dir().join("leoma-refused").exists());
    }
}
