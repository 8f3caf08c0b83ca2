//! One devnet validator: the real roster loop, sampler loop and weight epoch over its own
//! local-directory bucket, the shared `MemChain`, the fakes and the simulated miners.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use leoma_chain::mem::MemWriter;
use leoma_chain::{ChainReader, Keypair, WeightSetter};
use leoma_eval::{Describer, Description, EvalError, FfmpegProbe, Judge, LocalJudge};
use leoma_sampler::endpoint::{
    ChutesGenerate, Delivery, EndpointError, GenerateRequest, MinerEndpoint,
};
use leoma_sampler::report::NoReporter;
use leoma_sampler::roster::runner::{RosterLoop, RosterLoopSettings};
use leoma_sampler::roster::{
    CachedChutes, CachedRegistry, ChuteDirectory, ChutesHttp, HfHttp, Roster, RosterConfig,
};
use leoma_sampler::turn::{PollOutcome, Sampler, TurnServices, TurnSettings};
use leoma_storage::{BucketReader, ObjectBucket, PeerRegistry};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::world::{NETUID, World};
use crate::allowlist::AllowlistSource;
use crate::audit::{MirrorPeers, RetryPolicy, V1Config};
use crate::metrics::Metrics;
use crate::sampler_loop::{MeteredEndpoint, SamplerLoop, SamplerLoopSettings};
use crate::weights::{
    EpochError, EpochOutcome, StateDir, SubmitOutcome, SubmitPolicy, WeightEpoch, WeightsConfig,
};

/// What a node tells the devnet.
#[derive(Debug, Clone)]
pub enum NodeEvent {
    /// A sampler poll ended a turn.
    Turn {
        /// Validator index.
        validator: usize,
        /// The outcome.
        outcome: PollOutcome,
    },
    /// An epoch was processed.
    Epoch {
        /// Validator index.
        validator: usize,
        /// Boundary block.
        epoch_block: i64,
        /// Submitted uids.
        uids: Vec<u16>,
        /// Submitted values.
        values: Vec<u16>,
        /// Winner hotkey, if any.
        winner: Option<String>,
        /// Whether the chain accepted the submission.
        included: bool,
    },
    /// The validator was stopped in the middle of its turn.
    Crashed {
        /// Validator index.
        validator: usize,
    },
}

/// A describer that needs no API: the devnet's clips are synthetic anyway.
struct FixedDescriber;

#[async_trait]
impl Describer for FixedDescriber {
    async fn describe(&self, _clip: &[u8]) -> Result<Description, EvalError> {
        Ok(Description {
            text: "A synthetic test pattern drifts slowly across the frame under even light; \
                   the camera is static and nothing cuts."
                .into(),
            model: "devnet-fixed".into(),
        })
    }
}

/// Stops its validator at the first miner call of its first turn (failover demonstration).
struct CrashOnFirstCall {
    inner: Arc<dyn MinerEndpoint>,
    /// Shared by every node: only one validator is ever stopped.
    armed: Arc<AtomicBool>,
    stop: CancellationToken,
    crashed_here: Arc<AtomicBool>,
}

#[async_trait]
impl MinerEndpoint for CrashOnFirstCall {
    async fn generate(
        &self,
        request: &GenerateRequest<'_>,
        dest: &std::path::Path,
        max_bytes: u64,
        timeout: Duration,
    ) -> Result<Delivery, EndpointError> {
        if self.armed.swap(false, Ordering::SeqCst) {
            self.crashed_here.store(true, Ordering::SeqCst);
            self.stop.cancel();
            // Never returns: the validator's tasks are being torn down.
            std::future::pending::<()>().await;
        }
        self.inner.generate(request, dest, max_bytes, timeout).await
    }
}

/// The judge and describer (Gemini when a key is given, else offline).
#[derive(Clone)]
pub struct Evaluators {
    /// Judge.
    pub judge: Arc<dyn Judge>,
    /// Describer.
    pub describer: Arc<dyn Describer>,
}

impl Evaluators {
    /// The offline pair: `LocalJudge` and a fixed description.
    pub fn offline() -> Self {
        Evaluators {
            judge: Arc::new(LocalJudge::default()),
            describer: Arc::new(FixedDescriber),
        }
    }
}

/// How to start a node.
pub(super) struct NodeSpec<'a> {
    /// Validator index (rotation order).
    pub(super) index: usize,
    /// The world.
    pub world: &'a World,
    /// Its data folder.
    pub dir: PathBuf,
    /// Turn settings (devnet video limits).
    pub turn: TurnSettings,
    /// Block time.
    pub block: Duration,
    /// Judge and describer.
    pub eval: Evaluators,
    /// Metrics (kept across restarts).
    pub metrics: Metrics,
    /// Stop at the first miner call of a turn while this switch is armed (shared by every
    /// node, so only one validator is stopped).
    pub crash_in_turn: Option<Arc<AtomicBool>>,
}

/// Starts the node's three loops under `cancel`.
pub(super) fn start(
    spec: NodeSpec<'_>,
    key: &Keypair,
    events: mpsc::UnboundedSender<NodeEvent>,
    cancel: CancellationToken,
) -> anyhow::Result<()> {
    let world = spec.world;
    let chain: Arc<dyn ChainReader> = world.chain.clone();
    let state_dir = spec.dir.join("state");
    std::fs::create_dir_all(&state_dir)?;
    let hotkey = key.hotkey().clone();
    let own_dir = world.buckets_root.join(hotkey.as_str());
    let own = Arc::new(ObjectBucket::local(&own_dir)?);
    let chutes: Arc<dyn ChuteDirectory> = Arc::new(CachedChutes::new(
        Arc::new(ChutesHttp::new(
            &world.chutes.base_url(),
            None,
            Duration::from_secs(10),
        )?),
        Duration::from_secs(300),
    ));
    let registry = Arc::new(CachedRegistry::new(
        Arc::new(HfHttp::new(
            &world.hub.base_url(),
            None,
            Duration::from_secs(10),
        )?),
        Duration::from_secs(3600),
        Duration::from_secs(5),
    ));
    // Roster loop.
    let roster = Roster::new(
        chain.clone(),
        chutes.clone(),
        registry,
        RosterConfig::new(NETUID),
    );
    let roster_loop = RosterLoop::new(
        roster,
        Arc::new(NoReporter),
        RosterLoopSettings {
            interval: spec.block * 20,
        },
        state_dir.clone(),
    );
    let roster_rx = roster_loop.subscribe();
    tokio::spawn(roster_loop.run(cancel.clone()));
    // Sampler loop.
    let generate: Arc<dyn MinerEndpoint> = Arc::new(ChutesGenerate::new(
        &world.farm.invoke_template(),
        None,
        Duration::from_secs(5),
    )?);
    let generate: Arc<dyn MinerEndpoint> = if let Some(armed) = spec.crash_in_turn.clone() {
        let i = spec.index;
        let tx = events.clone();
        let stop = cancel.clone();
        let watcher = stop.clone();
        let crashed_here = Arc::new(AtomicBool::new(false));
        let flag = crashed_here.clone();
        tokio::spawn(async move {
            watcher.cancelled().await;
            if crashed_here.load(Ordering::SeqCst) {
                let _ = tx.send(NodeEvent::Crashed { validator: i });
            }
        });
        Arc::new(CrashOnFirstCall {
            inner: generate,
            armed,
            stop,
            crashed_here: flag,
        })
    } else {
        generate
    };
    let peers: BTreeMap<String, Arc<dyn BucketReader>> = world
        .validators
        .iter()
        .map(|v| {
            let dir = world.buckets_root.join(v.hotkey().as_str());
            ObjectBucket::local(&dir).map(|b| {
                (
                    v.hotkey().as_str().to_owned(),
                    Arc::new(b) as Arc<dyn BucketReader>,
                )
            })
        })
        .collect::<Result<_, _>>()?;
    let services = TurnServices {
        source: world.source.clone(),
        own: own.clone(),
        own_bucket_name: format!("leoma-devnet-{}", spec.index),
        miners: Arc::new(MeteredEndpoint {
            inner: generate,
            metrics: spec.metrics.clone(),
        }),
        chutes,
        probe: Arc::new(FfmpegProbe::new(
            "ffprobe",
            "ffmpeg",
            Duration::from_secs(30),
        )),
        judge: spec.eval.judge.clone(),
        describer: spec.eval.describer.clone(),
        reporter: Arc::new(NoReporter),
        signer: Arc::new(key.clone()),
        hotkey: hotkey.clone(),
    };
    let sampler =
        Sampler::new(services, spec.turn.clone(), state_dir.clone())?.with_peers(Arc::new(peers));
    let allowlist = AllowlistSource {
        chain: chain.clone(),
        netuid: NETUID,
        source: Some(world.source.clone()),
    };
    let sampler_loop = SamplerLoop::new(
        sampler,
        chain.clone(),
        allowlist,
        roster_rx,
        SamplerLoopSettings {
            poll_interval: spec.block,
            v1_grace: 0,
            allowlist_refresh_blocks: 300,
        },
        spec.metrics.clone(),
    );
    let (i, tx) = (spec.index, events.clone());
    tokio::spawn(sampler_loop.run(cancel.clone(), move |o| {
        let _ = tx.send(NodeEvent::Turn {
            validator: i,
            outcome: o.clone(),
        });
    }));
    // Weight epoch.
    let state = StateDir::open(&state_dir)?;
    if state.last_epoch_block().is_none() {
        state.set_last_epoch_block(i64::from(world.start_block))?;
    }
    let setter: Arc<dyn WeightSetter> =
        Arc::new(MemWriter::new(world.chain.clone(), hotkey.clone()));
    let epoch = WeightEpoch {
        config: WeightsConfig {
            netuid: NETUID,
            epoch_len: i64::try_from(world.allowlist.params().epoch_length).unwrap_or(1),
            v1: V1Config::default(),
            allow_http: true,
            concurrency: 4,
            read_retry: RetryPolicy::within(spec.block * 4),
            submit: SubmitPolicy {
                delays: vec![spec.block],
                rate_limit_poll: spec.block,
            },
            poll_interval: spec.block,
        },
        chain,
        setter: Some(setter),
        hotkey,
        source: Some(world.source.clone()),
        registry: PeerRegistry::default(),
        peers: Some(Arc::new(MirrorPeers::open(&world.buckets_root)?)),
        state,
    };
    let metrics = spec.metrics.clone();
    let observe = Arc::new(move |r: Result<&EpochOutcome, &EpochError>| {
        crate::serve::record_epoch(&metrics, r);
        if let Ok(o) = r {
            let _ = events.send(NodeEvent::Epoch {
                validator: i,
                epoch_block: o.epoch_block,
                uids: o.report.weights.uids.clone(),
                values: o.report.weights.values.clone(),
                winner: o.report.winner.as_ref().map(|w| w.hotkey.clone()),
                included: matches!(o.submitted, Some(SubmitOutcome::Included { .. })),
            });
        }
    });
    epoch.spawn_on_thread(cancel, observe)?;
    Ok(())
}
