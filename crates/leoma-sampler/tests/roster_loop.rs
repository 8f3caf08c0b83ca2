//! `RosterLoop` (SPEC §1.2 loop 1, §6.1): the blacklist from the owner-api with the cached
//! fallback, snapshots on the watch channel and in `miner_snapshot.json`, the signed miner
//! report, failed passes, the interval and cancellation.

#![allow(clippy::unwrap_used, clippy::panic)] // test helpers outside #[test] functions

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use leoma_api_types::Hotkey;
use leoma_chain::mem::MemChain;
use leoma_chain::types::{
    At, BlockInfo, Commitment, Commitments, Metagraph, RevealedCommitments, WeightParams,
};
use leoma_chain::{ChainError, ChainReader, Keypair};
use leoma_sampler::report::{NoReporter, OwnerApiHttp, OwnerApiSettings, Reporter};
use leoma_sampler::roster::{
    BlacklistSource, CachedChutes, CachedRegistry, ChutesHttp, HfHttp, Roster, RosterConfig,
    RosterError, RosterLoop, RosterLoopSettings, RosterState,
};
use leoma_testkit::owner_api::{Endpoint, FakeOwnerApi, Fault};
use leoma_testkit::{ChuteScript, FakeChutes, FakeHub};
use tokio_util::sync::CancellationToken;

mod roster_world;
use roster_world::{NETUID, REV, reason};

/// MemChain whose reads fail while `down` is set.
struct FlakyChain {
    inner: Arc<MemChain>,
    down: AtomicBool,
}

impl FlakyChain {
    fn check(&self) -> Result<(), ChainError> {
        if self.down.load(Ordering::SeqCst) {
            Err(ChainError::Transport("node unreachable".into()))
        } else {
            Ok(())
        }
    }
}

#[async_trait]
impl ChainReader for FlakyChain {
    async fn best_block(&self) -> Result<BlockInfo, ChainError> {
        self.check()?;
        self.inner.best_block().await
    }
    async fn finalized_block(&self) -> Result<BlockInfo, ChainError> {
        self.check()?;
        self.inner.finalized_block().await
    }
    async fn metagraph(&self, netuid: u16, at: At) -> Result<Metagraph, ChainError> {
        self.check()?;
        self.inner.metagraph(netuid, at).await
    }
    async fn subnet_owner_hotkey(&self, netuid: u16, at: At) -> Result<Option<Hotkey>, ChainError> {
        self.check()?;
        self.inner.subnet_owner_hotkey(netuid, at).await
    }
    async fn commitment(
        &self,
        netuid: u16,
        hotkey: &Hotkey,
        at: At,
    ) -> Result<Option<Commitment>, ChainError> {
        self.check()?;
        self.inner.commitment(netuid, hotkey, at).await
    }
    async fn commitments(&self, netuid: u16, at: At) -> Result<Commitments, ChainError> {
        self.check()?;
        self.inner.commitments(netuid, at).await
    }
    async fn revealed_commitments(
        &self,
        netuid: u16,
        at: At,
    ) -> Result<RevealedCommitments, ChainError> {
        self.check()?;
        self.inner.revealed_commitments(netuid, at).await
    }
    async fn weight_params(
        &self,
        netuid: u16,
        hotkey: &Hotkey,
        at: At,
    ) -> Result<WeightParams, ChainError> {
        self.check()?;
        self.inner.weight_params(netuid, hotkey, at).await
    }
}

struct World {
    mem: Arc<MemChain>,
    chain: Arc<FlakyChain>,
    chutes: FakeChutes,
    hub: FakeHub,
    api: FakeOwnerApi,
    state: tempfile::TempDir,
    validator: Keypair,
}

impl World {
    async fn new() -> Self {
        let mem = Arc::new(MemChain::new());
        World {
            chain: Arc::new(FlakyChain {
                inner: mem.clone(),
                down: AtomicBool::new(false),
            }),
            mem,
            chutes: FakeChutes::start().await.unwrap(),
            hub: FakeHub::start().await.unwrap(),
            api: FakeOwnerApi::start().await.unwrap(),
            state: tempfile::tempdir().unwrap(),
            validator: Keypair::from_uri("//Alice").unwrap(),
        }
    }

    fn roster(&self) -> Roster {
        let t = Duration::from_secs(5);
        let chutes = ChutesHttp::new(&self.chutes.base_url(), None, t).unwrap();
        let hf = HfHttp::new(&self.hub.base_url(), None, t).unwrap();
        Roster::new(
            self.chain.clone(),
            Arc::new(CachedChutes::new(
                Arc::new(chutes),
                Duration::from_secs(300),
            )),
            Arc::new(CachedRegistry::new(
                Arc::new(hf),
                Duration::from_secs(3600),
                Duration::from_millis(100),
            )),
            RosterConfig::new(NETUID),
        )
    }

    fn reporter(&self) -> Arc<dyn Reporter> {
        let settings = OwnerApiSettings {
            timeout: Duration::from_secs(5),
            max_attempts: 2,
            backoff: vec![Duration::from_millis(10)],
            ..OwnerApiSettings::default()
        };
        Arc::new(
            OwnerApiHttp::new(
                &self.api.base_url(),
                Arc::new(self.validator.clone()),
                settings,
            )
            .unwrap(),
        )
    }

    fn looper(&self, reporter: Arc<dyn Reporter>, interval: Duration) -> RosterLoop {
        RosterLoop::new(
            self.roster(),
            reporter,
            RosterLoopSettings { interval },
            self.state.path().to_path_buf(),
        )
    }

    fn good_miner(&self, i: u32) -> String {
        roster_world::good_miner(&self.mem, &self.chutes, &self.hub, i, &format!("w{i}"))
    }

    fn cache_file(&self) -> std::path::PathBuf {
        self.state.path().join("blacklist_cache.json")
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pass_applies_the_blacklist_publishes_persists_and_reports() {
    let w = World::new().await;
    let a = w.good_miner(0);
    let b = w.good_miner(1);
    w.api.set_blacklist(&[&b]);
    let l = w.looper(w.reporter(), Duration::from_secs(300));
    let mut rx = l.subscribe();
    assert_eq!(rx.borrow().block, 0, "empty before the first pass");
    assert!(rx.borrow().miners.is_empty());

    let snap = l.pass_once().await.unwrap();
    assert_eq!(reason(&snap, &a), None);
    assert_eq!(reason(&snap, &b).as_deref(), Some("blacklisted"));
    assert!(!snap.block_by_hotkey.contains_key(&b));
    // Watchers see it.
    assert!(rx.has_changed().unwrap());
    assert_eq!(*rx.borrow_and_update(), snap);
    assert_eq!(l.current(), snap);
    // The blacklist cache is the fetched list, as SPEC §3.11 writes it.
    assert_eq!(
        std::fs::read_to_string(w.cache_file()).unwrap(),
        format!(r#"["{b}"]"#)
    );
    // The snapshot file loads back equal, and no temp file is left.
    let state = RosterState::new(w.state.path().to_path_buf());
    assert_eq!(state.load_snapshot().as_ref(), Some(&*snap));
    assert!(!w.state.path().join("miner_snapshot.json.tmp").exists());
    assert!(!w.state.path().join("blacklist_cache.json.tmp").exists());
    // The signed report carries exactly the snapshot's entries.
    let accepted = w.api.accepted(Endpoint::MinersReport);
    assert_eq!(accepted.len(), 1);
    assert_eq!(accepted[0].body, snap.report().to_bytes().unwrap());
    assert_eq!(accepted[0].hotkey, w.validator.ss58());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_blacklist_fetch_uses_the_last_cached_list() {
    let w = World::new().await;
    let a = w.good_miner(0);
    let b = w.good_miner(1);
    let l = w.looper(w.reporter(), Duration::from_secs(300));

    // Never fetched and the owner-api is down: empty (fail-open only without a cache).
    for _ in 0..2 {
        w.api.push_fault(Endpoint::Blacklist, Fault::Status(503));
    }
    assert_eq!(
        l.blacklist().await,
        (BTreeSet::new(), BlacklistSource::Empty)
    );
    assert!(!w.cache_file().exists());

    w.api.set_blacklist(&[&a]);
    let snap = l.pass_once().await.unwrap();
    assert_eq!(reason(&snap, &a).as_deref(), Some("blacklisted"));

    // The owner-api fails (after its retries): the cached list still applies.
    w.api.set_blacklist(&[&b]);
    for _ in 0..2 {
        w.api.push_fault(Endpoint::Blacklist, Fault::Status(500));
    }
    let snap = l.pass_once().await.unwrap();
    assert_eq!(reason(&snap, &a).as_deref(), Some("blacklisted"));
    assert_eq!(reason(&snap, &b), None);

    // A malformed answer is a failure too (not retried), not an empty blacklist.
    w.api
        .push_fault(Endpoint::Blacklist, Fault::Body("{}".into()));
    assert_eq!(
        l.blacklist().await,
        ([a.clone()].into(), BlacklistSource::Cached)
    );

    // Back up: the new list replaces the cache.
    let snap = l.pass_once().await.unwrap();
    assert_eq!(reason(&snap, &a), None);
    assert_eq!(reason(&snap, &b).as_deref(), Some("blacklisted"));
    assert_eq!(
        std::fs::read_to_string(w.cache_file()).unwrap(),
        format!(r#"["{b}"]"#)
    );

    // Without an owner-api the cache is used; a corrupt cache counts as absent.
    let offline = w.looper(Arc::new(NoReporter), Duration::from_secs(300));
    assert_eq!(
        offline.blacklist().await,
        ([b.clone()].into(), BlacklistSource::Cached)
    );
    std::fs::write(w.cache_file(), b"[\"half").unwrap();
    assert_eq!(
        offline.blacklist().await,
        (BTreeSet::new(), BlacklistSource::Empty)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_pass_keeps_the_previous_snapshot() {
    let w = World::new().await;
    let a = w.good_miner(0);
    let l = w.looper(w.reporter(), Duration::from_secs(300));
    let first = l.pass_once().await.unwrap();
    let file = std::fs::read(w.state.path().join("miner_snapshot.json")).unwrap();

    w.chain.down.store(true, Ordering::SeqCst);
    w.good_miner(1);
    for _ in 0..2 {
        let err = l.pass_once().await.unwrap_err();
        assert!(
            matches!(err, RosterError::Chain(ref m) if m.contains("node unreachable")),
            "{err}"
        );
    }
    assert_eq!(l.current(), first);
    assert_eq!(
        std::fs::read(w.state.path().join("miner_snapshot.json")).unwrap(),
        file
    );
    assert_eq!(w.api.accepted(Endpoint::MinersReport).len(), 1);

    w.chain.down.store(false, Ordering::SeqCst);
    let next = l.pass_once().await.unwrap();
    assert_eq!(next.miners.len(), 2);
    assert_eq!(reason(&next, &a), None);
}

/// The observer sees every pass, successful or failed, with its snapshot or error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_observer_sees_every_pass() {
    use std::sync::Mutex;
    let w = World::new().await;
    w.good_miner(0);
    let seen: Arc<Mutex<Vec<Result<usize, String>>>> = Arc::default();
    let log = seen.clone();
    let l = w
        .looper(Arc::new(NoReporter), Duration::from_secs(300))
        .with_observer(Arc::new(move |r| {
            log.lock()
                .unwrap()
                .push(r.map(|s| s.miners.len()).map_err(ToString::to_string));
        }));
    l.pass_once().await.unwrap();
    w.chain.down.store(true, Ordering::SeqCst);
    l.pass_once().await.unwrap_err();
    w.chain.down.store(false, Ordering::SeqCst);
    l.pass_once().await.unwrap();
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 3, "{seen:?}");
    assert_eq!(seen[0], Ok(1));
    assert!(
        matches!(&seen[1], Err(m) if m.contains("node unreachable")),
        "{seen:?}"
    );
    assert_eq!(seen[2], Ok(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_report_does_not_fail_the_pass() {
    let w = World::new().await;
    w.good_miner(0);
    let l = w.looper(w.reporter(), Duration::from_secs(300));
    w.api.push_fault(Endpoint::MinersReport, Fault::Status(400));
    let snap = l.pass_once().await.unwrap();
    assert_eq!(w.api.attempts(Endpoint::MinersReport), 1);
    assert!(w.api.accepted(Endpoint::MinersReport).is_empty());
    assert_eq!(l.current(), snap);
    // Without an owner-api there is nothing to report, and the pass still succeeds.
    let offline = w.looper(Arc::new(NoReporter), Duration::from_secs(300));
    assert_eq!(offline.pass_once().await.unwrap().miners.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_loop_starts_from_the_persisted_snapshot() {
    let w = World::new().await;
    w.good_miner(0);
    w.good_miner(1);
    let snap = w
        .looper(w.reporter(), Duration::from_secs(300))
        .pass_once()
        .await
        .unwrap();
    // A split-mode process that has not run a pass yet sees the persisted one.
    let later = w.looper(Arc::new(NoReporter), Duration::from_secs(300));
    assert_eq!(*later.subscribe().borrow(), snap);
    // A corrupt file is ignored.
    std::fs::write(
        w.state.path().join("miner_snapshot.json"),
        b"{\"version\": 1",
    )
    .unwrap();
    let fresh = w.looper(Arc::new(NoReporter), Duration::from_secs(300));
    assert_eq!(fresh.current().block, 0);
    assert!(fresh.current().miners.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_passes_every_interval_and_stops_on_cancel() {
    let w = World::new().await;
    w.good_miner(0);
    let interval = Duration::from_millis(300);
    let l = w.looper(w.reporter(), interval);
    let mut rx = l.subscribe();
    let cancel = CancellationToken::new();
    let started = Instant::now();
    let task = tokio::spawn(l.run(cancel.clone()));
    // The first pass is immediate.
    tokio::time::timeout(Duration::from_secs(5), rx.changed())
        .await
        .unwrap()
        .unwrap();
    assert!(started.elapsed() < interval, "{:?}", started.elapsed());
    assert_eq!(rx.borrow_and_update().miners.len(), 1);
    // A miner registered now appears at the next pass, one interval later.
    w.good_miner(1);
    tokio::time::timeout(Duration::from_secs(5), rx.changed())
        .await
        .unwrap()
        .unwrap();
    assert!(started.elapsed() >= interval, "{:?}", started.elapsed());
    assert_eq!(rx.borrow_and_update().miners.len(), 2);
    // Each pass reports after publishing.
    let deadline = Instant::now() + Duration::from_secs(5);
    while w.api.accepted(Endpoint::MinersReport).len() < 2 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    cancel.cancel();
    tokio::time::timeout(Duration::from_secs(2), task)
        .await
        .unwrap()
        .unwrap();
    let reports = w.api.accepted(Endpoint::MinersReport).len();
    assert_eq!(reports, 2);
    // Stopped: no more passes.
    tokio::time::sleep(interval * 2).await;
    assert_eq!(w.api.accepted(Endpoint::MinersReport).len(), reports);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_abandons_a_pass_in_progress() {
    let w = World::new().await;
    w.good_miner(0);
    w.chutes.set_chute(
        "chute-0",
        ChuteScript::Slow(
            Duration::from_secs(30),
            Box::new(ChuteScript::hot("s", "m", REV)),
        ),
    );
    let l = w.looper(w.reporter(), Duration::from_secs(300));
    let cancel = CancellationToken::new();
    let task = tokio::spawn(l.run(cancel.clone()));
    tokio::time::sleep(Duration::from_millis(200)).await;
    let stopped = Instant::now();
    cancel.cancel();
    tokio::time::timeout(Duration::from_secs(2), task)
        .await
        .unwrap()
        .unwrap();
    assert!(stopped.elapsed() < Duration::from_secs(1));
    assert!(!w.state.path().join("miner_snapshot.json").exists());
}
