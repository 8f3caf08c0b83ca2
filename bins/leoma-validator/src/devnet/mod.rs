//! `leoma-validator devnet`: a whole subnet in one process, with no keys and no network.
//!
//! A `MemChain` produces a block every `--block-ms`; the owner publishes a v2 allowlist; M
//! simulated miners (a faithful model, a copycat of it, a frozen one, a blurred one, a
//! flickering one, ...) render real MP4s from the conditioning frame with ffmpeg; N validators
//! each run the real roster loop, sampler loop and weight epoch against their own
//! local-directory bucket under `--data-dir`. Progress lines go to stderr; after `--epochs K`
//! epochs the devnet stops and (`--json`) prints a summary: per epoch, its block, every
//! validator's submitted weights and the winner.

mod node;
mod summary;
mod world;

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use anyhow::Context;
use leoma_api_types::keys::Secret;
use leoma_eval::{GeminiConfig, GeminiHttp};
use leoma_sampler::turn::{PollOutcome, TurnSettings};
use leoma_testkit::video::VideoSpec;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

pub use node::{Evaluators, NodeEvent};
pub use summary::{DevnetSummary, EpochSummary, MinerSummary};
pub use world::{NETUID, World};

use crate::config::secret;
use crate::metrics::Metrics;

/// Flags of `leoma-validator devnet`.
#[derive(Debug, Clone, clap::Args)]
pub struct DevnetArgs {
    /// Stop after this many epochs.
    #[arg(long, default_value_t = 3)]
    pub epochs: u32,
    /// Number of validators.
    #[arg(long, default_value_t = 3)]
    pub validators: usize,
    /// Number of simulated miners (at least 5 gives every kind: faithful, copycat, frozen,
    /// blurred, flickering).
    #[arg(long, default_value_t = 5)]
    pub miners: usize,
    /// Milliseconds per block.
    #[arg(long, default_value_t = 400)]
    pub block_ms: u64,
    /// Rotation interval in blocks (the epoch is one interval per validator).
    #[arg(long, default_value_t = 10)]
    pub interval: u64,
    /// Data directory (buckets, state, corpus); default: a temporary directory removed at exit.
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Stop the first validator whose turn comes in the middle of that turn, and restart it one
    /// interval later: its task is covered by failover.
    #[arg(long)]
    pub crash_one: bool,
    /// Print the final summary as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// Judge and describe with Gemini (otherwise the offline `LocalJudge`).
    #[arg(long, env = "GEMINI_API_KEY", hide_env_values = true, value_parser = secret)]
    pub gemini_api_key: Option<Secret>,
    /// Gemini API base.
    #[arg(
        long,
        env = "GEMINI_API_BASE",
        default_value = "https://generativelanguage.googleapis.com"
    )]
    pub gemini_api_base: String,
}

/// The options as the library takes them.
pub type DevnetOptions = DevnetArgs;

impl Default for DevnetArgs {
    fn default() -> Self {
        DevnetArgs {
            epochs: 3,
            validators: 3,
            miners: 5,
            block_ms: 400,
            interval: 10,
            data_dir: None,
            crash_one: false,
            json: false,
            gemini_api_key: None,
            gemini_api_base: "https://generativelanguage.googleapis.com".into(),
        }
    }
}

/// The shape of every devnet video (small, so a turn takes well under a second of ffmpeg).
pub const VIDEO: VideoSpec = VideoSpec {
    width: 160,
    height: 96,
    fps: 8,
    seconds: 2.5,
};

/// Turn settings whose video limits match [`VIDEO`].
pub fn turn_settings(tmp: PathBuf) -> TurnSettings {
    let mut t = TurnSettings::default();
    t.source.min_video_size = 1_000;
    t.source.clip_duration_s = 3.0;
    t.assess.limits.required_width = VIDEO.width;
    t.assess.limits.required_height = VIDEO.height;
    t.assess.limits.resolution_tolerance = 8;
    t.request_timeout = Duration::from_secs(30);
    t.temp_root = Some(tmp);
    t
}

/// A running devnet.
pub struct Devnet {
    opts: DevnetOptions,
    world: World,
    data: PathBuf,
    _tmp: Option<tempfile::TempDir>,
    metrics: Vec<Metrics>,
    metrics_addrs: Vec<std::net::SocketAddr>,
    metrics_cancel: CancellationToken,
    eval: Evaluators,
}

impl Drop for Devnet {
    fn drop(&mut self) {
        self.metrics_cancel.cancel();
    }
}

impl Devnet {
    /// Builds the world (corpus, chain, fakes, miners) and the validators' metrics endpoints.
    pub async fn start(opts: DevnetOptions) -> anyhow::Result<Self> {
        anyhow::ensure!(opts.validators >= 1, "--validators must be at least 1");
        anyhow::ensure!(opts.miners >= 1, "--miners must be at least 1");
        let (tmp, data) = match &opts.data_dir {
            Some(d) => (None, d.clone()),
            None => {
                let t = tempfile::Builder::new().prefix("leoma-devnet-").tempdir()?;
                let p = t.path().to_path_buf();
                (Some(t), p)
            }
        };
        std::fs::create_dir_all(&data).with_context(|| format!("{}", data.display()))?;
        let world = world::build(&opts, &data, VIDEO).await?;
        let eval = match &opts.gemini_api_key {
            Some(key) if !key.expose().is_empty() => {
                let g = Arc::new(GeminiHttp::new(GeminiConfig::new(
                    opts.gemini_api_base.clone(),
                    key.clone(),
                ))?);
                Evaluators {
                    judge: g.clone(),
                    describer: g,
                }
            }
            _ => Evaluators::offline(),
        };
        let metrics_cancel = CancellationToken::new();
        let mut metrics = Vec::new();
        let mut metrics_addrs = Vec::new();
        for _ in 0..opts.validators {
            let m = Metrics::default();
            let addr =
                crate::metrics::serve("127.0.0.1:0", m.clone(), metrics_cancel.clone()).await?;
            metrics.push(m);
            metrics_addrs.push(addr);
        }
        Ok(Devnet {
            opts,
            world,
            data,
            _tmp: tmp,
            metrics,
            metrics_addrs,
            metrics_cancel,
            eval,
        })
    }

    /// `http://addr/metrics` of validator `i` (served until the devnet is dropped).
    pub fn metrics_url(&self, i: usize) -> Option<String> {
        self.metrics_addrs
            .get(i)
            .map(|a| format!("http://{a}/metrics"))
    }

    /// The world (chain, miners, validators).
    pub fn world(&self) -> &World {
        &self.world
    }

    fn start_node(
        &self,
        i: usize,
        crash: Option<Arc<AtomicBool>>,
        tx: &mpsc::UnboundedSender<NodeEvent>,
        cancel: CancellationToken,
    ) -> anyhow::Result<()> {
        let key = self.world.validators.get(i).context("validator index")?;
        let dir = self.data.join("validators").join(format!("v{i}"));
        let spec = node::NodeSpec {
            index: i,
            world: &self.world,
            dir: dir.clone(),
            turn: turn_settings(dir.join("tmp")),
            block: Duration::from_millis(self.opts.block_ms.max(1)),
            eval: self.eval.clone(),
            metrics: self.metrics.get(i).cloned().unwrap_or_default(),
            crash_in_turn: crash,
        };
        node::start(spec, key, tx.clone(), cancel)
    }

    /// Runs until every validator processed `--epochs` epochs past the start (or a time limit),
    /// printing progress to stderr; returns the summary.
    pub async fn run(&self) -> anyhow::Result<DevnetSummary> {
        let block = Duration::from_millis(self.opts.block_ms.max(1));
        let all = CancellationToken::new();
        let _guard = all.clone().drop_guard();
        let (tx, mut rx) = mpsc::unbounded_channel();
        let armed = self.opts.crash_one.then(|| Arc::new(AtomicBool::new(true)));
        for i in 0..self.opts.validators {
            self.start_node(i, armed.clone(), &tx, all.child_token())?;
        }
        let chain = self.world.chain.clone();
        let producer = all.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = tokio::time::sleep(block) => { chain.advance(1); }
                    _ = producer.cancelled() => return,
                }
            }
        });
        let epoch_len = i64::try_from(self.world.allowlist.params().epoch_length).unwrap_or(1);
        let interval = u32::try_from(self.world.allowlist.params().interval).unwrap_or(1);
        let start = i64::from(self.world.start_block);
        let last = start + epoch_len * i64::from(self.opts.epochs);
        let limit = block * u32::try_from(last - start + epoch_len * 3).unwrap_or(u32::MAX)
            + Duration::from_secs(120);
        let deadline = tokio::time::Instant::now() + limit;
        let mut collected = summary::Collector::new(&self.world, start, last);
        let mut crashed = false;
        let mut restart_at: Option<(usize, u32)> = None;
        let mut progress = std::io::stderr();
        while !collected.done() {
            let ev = tokio::select! {
                e = rx.recv() => e,
                _ = tokio::time::sleep(block) => None,
                _ = tokio::time::sleep_until(deadline) => {
                    anyhow::bail!("devnet did not finish {} epochs in {:?}", self.opts.epochs, limit);
                }
            };
            let head = self.world.chain.best().number;
            if let Some((i, at)) = restart_at
                && head >= at
            {
                restart_at = None;
                self.start_node(i, None, &tx, all.child_token())?;
                let _ = writeln!(progress, "[block {head}] validator v{i} restarted");
            }
            let Some(ev) = ev else { continue };
            if let NodeEvent::Crashed { validator } = &ev {
                if crashed {
                    continue;
                }
                crashed = true;
                restart_at = Some((*validator, head + interval));
            }
            if let Some(line) = collected.record(head, &ev) {
                let _ = writeln!(progress, "{line}");
            }
        }
        all.cancel();
        let mut s = collected.finish();
        for (i, m) in self.metrics.iter().enumerate() {
            s.metrics.insert(
                format!("v{i}"),
                BTreeMap::from([
                    ("turns".to_owned(), m.value("leoma_turns_total", &[])),
                    ("epochs".to_owned(), m.value("leoma_epochs_total", &[])),
                    (
                        "miner_calls".to_owned(),
                        m.value("leoma_miner_calls_total", &[]),
                    ),
                ]),
            );
        }
        let _ = writeln!(progress, "{}", s.headline());
        Ok(s)
    }
}

/// Skipped outcomes are worth a progress line; polls that were not this validator's turn are not.
pub(crate) fn describe_outcome(o: &PollOutcome) -> Option<String> {
    match o {
        PollOutcome::Produced {
            rid,
            entries,
            passed,
        } => Some(format!("task {rid}: {entries} verdicts, {passed} passed")),
        PollOutcome::Skipped { rid, reason } => Some(format!("task {rid}: skipped ({reason})")),
        _ => None,
    }
}

/// Runs `devnet` and returns the process exit code.
pub fn run(args: DevnetArgs) -> u8 {
    crate::shutdown::block_on(run_async(args))
}

async fn run_async(args: DevnetArgs) -> u8 {
    let json = args.json;
    let result = async move {
        let devnet = Devnet::start(args).await?;
        let s = devnet.run().await?;
        anyhow::Ok(s)
    }
    .await;
    match result {
        Ok(s) => {
            if json {
                match serde_json::to_string_pretty(&s) {
                    Ok(text) => {
                        let _ = writeln!(std::io::stdout(), "{text}");
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "cannot encode the summary");
                        return 1;
                    }
                }
            }
            if s.agree() { 0 } else { 1 }
        }
        Err(e) => {
            tracing::error!(error = format!("{e:#}"), "devnet failed");
            1
        }
    }
}
