//! The sampler loop (SPEC §7.1, §4.2): every poll interval, read the best head, the rotation
//! from the owner's allowlist ([`AllowlistSource`]) and the newest roster snapshot, and hand
//! them to [`Sampler::poll`]. Turn outcomes, miner calls and failures go to [`Metrics`].
//!
//! The peers' buckets the failover reads (is the primary's verdict file there?) follow the
//! allowlist in force ([`crate::peers::SharedPeers`]): under v2 the endpoints the owner signed into the
//! allowlist, under v1 `PEER_VALIDATORS`, rebuilt whenever the allowlist changes.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use leoma_api_types::Hotkey;
use leoma_chain::{At, ChainReader};
use leoma_sampler::endpoint::{Delivery, EndpointError, GenerateRequest, MinerEndpoint};
use leoma_sampler::roster::RosterSnapshot;
use leoma_sampler::turn::{PollOutcome, Rotation, RotationRules, Sampler};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::allowlist::{AllowlistSource, RotationView};
use crate::audit::Rules;
use crate::metrics::Metrics;
use crate::peers::PeerRefresh;

/// A [`MinerEndpoint`] that counts calls and records latencies.
pub struct MeteredEndpoint {
    /// The real endpoint.
    pub inner: Arc<dyn MinerEndpoint>,
    /// Where to record.
    pub metrics: Metrics,
}

#[async_trait]
impl MinerEndpoint for MeteredEndpoint {
    async fn generate(
        &self,
        request: &GenerateRequest<'_>,
        dest: &Path,
        max_bytes: u64,
        timeout: Duration,
    ) -> Result<Delivery, EndpointError> {
        let r = self.inner.generate(request, dest, max_bytes, timeout).await;
        match &r {
            Ok(d) => {
                self.metrics
                    .inc("leoma_miner_calls_total", &[("result", "delivered")]);
                self.metrics.observe_latency(d.latency);
            }
            Err(e) => {
                let reason = e.reason();
                self.metrics
                    .inc("leoma_miner_calls_total", &[("result", &reason.as_wire())]);
            }
        }
        r
    }
}

/// Settings of the loop that are not the turn's.
#[derive(Debug, Clone)]
pub struct SamplerLoopSettings {
    /// `SAMPLER_POLL_INTERVAL`.
    pub poll_interval: Duration,
    /// `SAMPLER_FAILOVER_GRACE_BLOCKS` (v1; v2 takes the allowlist's).
    pub v1_grace: i64,
    /// `ALLOWLIST_REFRESH_BLOCKS` (v1 cache).
    pub allowlist_refresh_blocks: u64,
}

/// The sampler loop of one validator.
pub struct SamplerLoop {
    /// The turn.
    pub sampler: Sampler,
    /// Chain reads (best head).
    pub chain: Arc<dyn ChainReader>,
    /// The allowlist.
    pub allowlist: AllowlistSource,
    /// The newest roster snapshot.
    pub roster: watch::Receiver<Arc<RosterSnapshot>>,
    /// Loop settings.
    pub settings: SamplerLoopSettings,
    /// Metrics.
    pub metrics: Metrics,
    cached: Option<(u64, RotationView)>,
    peers: Option<PeerRefresh>,
    /// The allowlist the peers were last built for (rules, commitment, validators).
    peers_for: Option<(Rules, String, Vec<String>)>,
}

impl SamplerLoop {
    /// A loop with an empty allowlist cache.
    pub fn new(
        sampler: Sampler,
        chain: Arc<dyn ChainReader>,
        allowlist: AllowlistSource,
        roster: watch::Receiver<Arc<RosterSnapshot>>,
        settings: SamplerLoopSettings,
        metrics: Metrics,
    ) -> Self {
        SamplerLoop {
            sampler,
            chain,
            allowlist,
            roster,
            settings,
            metrics,
            cached: None,
            peers: None,
            peers_for: None,
        }
    }

    /// Rebuilds the sampler's peer readers from each new allowlist (see [`crate::peers::SharedPeers`]).
    pub fn with_peer_refresh(mut self, refresh: PeerRefresh) -> Self {
        self.peers = Some(refresh);
        self
    }

    /// Rebuilds the peer readers when the allowlist in force changed since the last build:
    /// under v2 from the verified file's entries, under v1 from `PEER_VALIDATORS`.
    fn refresh_peers(&mut self) {
        let (Some(refresh), Some((_, view))) = (&self.peers, &self.cached) else {
            return;
        };
        let key = (view.rules, view.commitment.clone(), view.validators.clone());
        if self.peers_for.as_ref() == Some(&key) {
            return;
        }
        let readers = match &view.v2 {
            Some(allowlist) => refresh.source.v2_peers(allowlist),
            None => refresh.source.v1_peers(&view.validators),
        };
        tracing::info!(
            rules = ?view.rules,
            readable = readers.readers.len(),
            unreadable = readers.unreadable.len(),
            "peer buckets follow the allowlist"
        );
        refresh.peers.replace(readers.readers);
        self.peers_for = Some(key);
    }

    /// The rotation at `block`: v2 is re-read whenever the commitment changes (it is
    /// content-addressed); v1 is refreshed every `ALLOWLIST_REFRESH_BLOCKS` and a failed
    /// refresh keeps the previous snapshot (SPEC §4.2 step 2).
    async fn rotation(&mut self, block: u64) -> Result<Rotation, String> {
        let commitment = self
            .allowlist
            .owner_commitment(At::Number(u32::try_from(block).unwrap_or(u32::MAX)))
            .await
            .map_err(|e| format!("chain: {e}"))?;
        let fresh = match &self.cached {
            Some((at, view)) => {
                commitment.as_deref() == Some(view.commitment.as_str())
                    && (view.rules == Rules::V2
                        || block.saturating_sub(*at) < self.settings.allowlist_refresh_blocks)
            }
            None => false,
        };
        if !fresh {
            match self
                .allowlist
                .rotation_at(At::Number(u32::try_from(block).unwrap_or(u32::MAX)))
                .await
            {
                Ok(view) => self.cached = Some((block, view)),
                Err(e) => match &self.cached {
                    Some((_, v)) if v.rules == Rules::V1 => {
                        tracing::warn!(error = %e, "allowlist refresh failed; keeping the previous one");
                    }
                    _ => return Err(e),
                },
            }
        }
        self.refresh_peers();
        let Some((_, view)) = &self.cached else {
            return Err("no allowlist".into());
        };
        Ok(Rotation {
            rules: match view.rules {
                Rules::V1 => RotationRules::V1,
                Rules::V2 => RotationRules::V2,
            },
            validators: view
                .validators
                .iter()
                .filter_map(|v| Hotkey::parse(v).ok())
                .collect(),
            interval: view.interval,
            grace: view.grace.unwrap_or(self.settings.v1_grace),
        })
    }

    /// One poll; returns what it did (`None`: idle because an input was missing).
    pub async fn poll_once(&mut self) -> Option<PollOutcome> {
        let head = match self.chain.best_block().await {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(error = %e, "sampler: cannot read the best head");
                self.metrics.inc(
                    "leoma_errors_total",
                    &[("loop", "sampler"), ("kind", "chain")],
                );
                return None;
            }
        };
        let block = u64::from(head.number);
        let rotation = match self.rotation(block).await {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(block, error = %e, "sampler idle: no usable allowlist");
                self.metrics.inc(
                    "leoma_errors_total",
                    &[("loop", "sampler"), ("kind", "allowlist")],
                );
                return None;
            }
        };
        let roster = self.roster.borrow().clone();
        if roster.block == 0 && roster.miners.is_empty() {
            // No pass finished yet and nothing persisted: a turn now would skip every miner.
            return None;
        }
        match self
            .sampler
            .poll(block, head.hash, &rotation, &roster)
            .await
        {
            Ok(outcome) => {
                self.record(&outcome);
                Some(outcome)
            }
            Err(e) => {
                tracing::error!(block, error = %e, "sampling turn attempt failed");
                self.metrics.inc(
                    "leoma_errors_total",
                    &[("loop", "sampler"), ("kind", "turn")],
                );
                None
            }
        }
    }

    fn record(&self, outcome: &PollOutcome) {
        match outcome {
            PollOutcome::Produced {
                rid,
                entries,
                passed,
            } => {
                tracing::info!(task_id = rid, entries, passed, "verdict file published");
                self.metrics
                    .inc("leoma_turns_total", &[("outcome", "produced")]);
                let e = u64::try_from(*entries).unwrap_or(0);
                let p = u64::try_from(*passed).unwrap_or(0);
                self.metrics
                    .add("leoma_verdicts_total", &[("status", "passed")], p);
                self.metrics.add(
                    "leoma_verdicts_total",
                    &[("status", "failed")],
                    e.saturating_sub(p),
                );
            }
            PollOutcome::Skipped { rid, reason } => {
                tracing::warn!(task_id = rid, %reason, "turn skipped");
                self.metrics
                    .inc("leoma_turns_total", &[("outcome", "skipped")]);
            }
            PollOutcome::NotMyTurn { .. } | PollOutcome::AlreadyDone { .. } => {}
        }
    }

    /// Polls until `cancel` fires; `observe` sees every outcome (devnet progress).
    pub async fn run(
        mut self,
        cancel: CancellationToken,
        mut observe: impl FnMut(&PollOutcome) + Send,
    ) {
        loop {
            let polled = tokio::select! {
                o = self.poll_once() => o,
                _ = cancel.cancelled() => return,
            };
            if let Some(o) = &polled {
                observe(o);
            }
            tokio::select! {
                _ = tokio::time::sleep(self.settings.poll_interval) => {}
                _ = cancel.cancelled() => return,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use leoma_api_types::allowlist::{AllowlistV2, ConsensusParamsV2, ValidatorEntryV2};
    use leoma_api_types::keys::Secret;
    use leoma_chain::mem::{MemChain, MemWriter};
    use leoma_chain::{CommitmentWriter, Keypair};
    use leoma_eval::{FfmpegProbe, GeminiConfig, GeminiHttp};
    use leoma_sampler::endpoint::ChutesGenerate;
    use leoma_sampler::report::NoReporter;
    use leoma_sampler::roster::ChutesHttp;
    use leoma_sampler::roster::state::empty_snapshot;
    use leoma_sampler::turn::{
        PeerBuckets, PollOutcome, Rotation, RotationRules, Sampler, TurnServices, TurnSettings,
    };
    use leoma_storage::{Bucket, BucketReader, ObjectBucket, PeerRegistry};
    use tokio::sync::watch;

    use super::{SamplerLoop, SamplerLoopSettings};
    use crate::allowlist::AllowlistSource;
    use crate::audit::PeerSource as _;
    use crate::metrics::Metrics;
    use crate::peers::{PeerRefresh, SharedPeers};
    use crate::weights::S3Peers;

    const NETUID: u16 = 5;

    /// A sampler over memory buckets whose remote services are closed local ports (the tests
    /// never reach a miner or the judge).
    fn sampler(
        key: &Keypair,
        own: Arc<ObjectBucket>,
        settings: TurnSettings,
        state: &std::path::Path,
        peers: Arc<SharedPeers>,
    ) -> Sampler {
        let gemini = Arc::new(
            GeminiHttp::new(GeminiConfig::new("http://127.0.0.1:9", Secret::new("k"))).unwrap(),
        );
        let t = Duration::from_secs(1);
        let services = TurnServices {
            source: Arc::new(ObjectBucket::memory("src")),
            own,
            own_bucket_name: "own".into(),
            miners: Arc::new(ChutesGenerate::new("http://127.0.0.1:9/{slug}", None, t).unwrap()),
            chutes: Arc::new(ChutesHttp::new("http://127.0.0.1:9", None, t).unwrap()),
            probe: Arc::new(FfmpegProbe::new("ffprobe", "ffmpeg", t)),
            judge: gemini.clone(),
            describer: gemini,
            reporter: Arc::new(NoReporter),
            signer: Arc::new(key.clone()),
            hotkey: key.hotkey().clone(),
        };
        Sampler::new(services, settings, state.to_path_buf())
            .unwrap()
            .with_peers(peers)
    }

    /// Under a v2 allowlist the failover reads the peer bucket the owner signed into the
    /// allowlist, not the `PEER_VALIDATORS` location; the registry only lends credentials.
    #[tokio::test]
    async fn v2_peers_come_from_the_allowlist_endpoints() {
        let chain = Arc::new(MemChain::new());
        let owner = Keypair::from_seed(&[7; 32]).unwrap();
        let me = Keypair::from_seed(&[8; 32]).unwrap();
        let peer = Keypair::from_seed(&[9; 32]).unwrap();
        chain.with_subnet(NETUID, |s| {
            s.register(owner.hotkey().clone(), owner.hotkey().clone());
            s.owner_hotkey = Some(owner.hotkey().clone());
        });
        chain.advance(1600);
        let registry_json = format!(
            r#"[{{"hotkey":"{}","bucket":"old-peer","endpoint":"http://v1.example:9000","read_access_key":"ak","read_secret_key":"sk"}}]"#,
            peer.hotkey().as_str()
        );
        let (registry, warnings) = PeerRegistry::parse(&registry_json, false);
        assert!(warnings.is_empty(), "{warnings:?}");
        let source = Arc::new(S3Peers {
            registry,
            allow_http: true,
        });
        let peers = Arc::new(SharedPeers::new(
            source
                .v1_peers(&[peer.hotkey().as_str().to_owned()])
                .readers,
        ));
        let name = |p: &SharedPeers| p.bucket(peer.hotkey()).map(|b| b.name().to_owned());
        assert_eq!(
            name(&peers).as_deref(),
            Some("old-peer@http://v1.example:9000")
        );

        let entry = |k: &Keypair, bucket: &str, endpoint: &str| ValidatorEntryV2 {
            hotkey: k.hotkey().clone(),
            bucket: bucket.into(),
            endpoint: endpoint.into(),
            region: "auto".into(),
        };
        let allowlist = AllowlistV2::new(
            vec![
                entry(&me, "leoma-me", "http://10.0.0.1:9000"),
                entry(&peer, "leoma-peer", "http://10.0.0.2:9000"),
            ],
            ConsensusParamsV2 {
                interval: 10,
                ..ConsensusParamsV2::REFERENCE_DEFAULTS
            },
        )
        .unwrap();
        let src = Arc::new(ObjectBucket::memory("src"));
        leoma_storage::layout::publish_allowlist_v2(
            src.as_ref(),
            &allowlist.digest(),
            allowlist.to_bytes(),
        )
        .await
        .unwrap();
        MemWriter::new(chain.clone(), owner.hotkey().clone())
            .set_commitment(NETUID, &allowlist.commitment())
            .await
            .unwrap();

        let dir = tempfile::tempdir().unwrap();
        let (_tx, roster) = watch::channel(Arc::new(empty_snapshot()));
        let mut l = SamplerLoop::new(
            sampler(
                &me,
                Arc::new(ObjectBucket::memory("own")),
                TurnSettings::default(),
                dir.path(),
                peers.clone(),
            ),
            chain.clone(),
            AllowlistSource {
                chain: chain.clone(),
                netuid: NETUID,
                source: Some(src),
            },
            roster,
            SamplerLoopSettings {
                poll_interval: Duration::from_secs(1),
                v1_grace: 0,
                allowlist_refresh_blocks: 300,
            },
            Metrics::default(),
        )
        .with_peer_refresh(PeerRefresh {
            source,
            peers: peers.clone(),
        });
        // No roster yet: the poll stops after reading the allowlist, which is enough.
        assert_eq!(l.poll_once().await, None);
        assert_eq!(
            name(&peers).as_deref(),
            Some("leoma-peer@http://10.0.0.2:9000")
        );
        // Our own entry has no registry credentials: unreadable, so absent.
        assert_eq!(peers.hotkeys(), vec![peer.hotkey().as_str().to_owned()]);
    }

    /// `OWN_BUCKET_RETENTION_BLOCKS`: task folders whose rotation ended more than the
    /// retention below the head go, once per task; other folders and newer tasks stay.
    #[tokio::test]
    async fn old_own_task_folders_are_pruned_once_per_task() {
        let me = Keypair::from_seed(&[8; 32]).unwrap();
        let primary = Keypair::from_seed(&[9; 32]).unwrap();
        let own = Arc::new(ObjectBucket::memory("own"));
        for key in [
            "1/metadata.json",
            "1/generated_videos/m.mp4",
            "59/metadata.json",
            "60/metadata.json",
            "61/evaluation_results/x.json",
            "allowlist/keep.json",
            "top.json",
        ] {
            own.put(key, b"x".to_vec(), "application/json")
                .await
                .unwrap();
        }
        let dir = tempfile::tempdir().unwrap();
        let settings = TurnSettings {
            own_retention_blocks: 1000,
            ..TurnSettings::default()
        };
        let mut s = sampler(
            &me,
            own.clone(),
            settings,
            dir.path(),
            Arc::new(SharedPeers::default()),
        );
        // Only `primary` samples: every poll is NotMyTurn, and pruning still runs.
        let rotation = Rotation {
            rules: RotationRules::V2,
            validators: vec![primary.hotkey().clone()],
            interval: 10,
            grace: 0,
        };
        let roster = empty_snapshot();
        let keys = |b: Arc<ObjectBucket>| async move {
            b.list_objects("")
                .await
                .unwrap()
                .into_iter()
                .map(|o| o.key)
                .collect::<Vec<_>>()
        };
        // Head 1605: tasks below (1605 − 1000) div 10 = 60 go.
        let out = s.poll(1605, [0; 32], &rotation, &roster).await.unwrap();
        assert_eq!(out, PollOutcome::NotMyTurn { rid: 160 });
        assert_eq!(
            keys(own.clone()).await,
            vec![
                "60/metadata.json",
                "61/evaluation_results/x.json",
                "allowlist/keep.json",
                "top.json"
            ]
        );
        // Same task: not pruned again, even if an old folder reappears.
        own.put("2/metadata.json", b"x".to_vec(), "application/json")
            .await
            .unwrap();
        s.poll(1609, [0; 32], &rotation, &roster).await.unwrap();
        assert!(
            keys(own.clone())
                .await
                .contains(&"2/metadata.json".to_owned())
        );
        // Next task (rid 161, floor 61): pruned again.
        s.poll(1610, [0; 32], &rotation, &roster).await.unwrap();
        assert_eq!(
            keys(own.clone()).await,
            vec![
                "61/evaluation_results/x.json",
                "allowlist/keep.json",
                "top.json"
            ]
        );
    }
}
