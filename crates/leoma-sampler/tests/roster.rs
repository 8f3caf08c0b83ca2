//! Roster scenarios against MemChain and the testkit's fake Chutes and HuggingFace servers.

#![allow(clippy::unwrap_used, clippy::panic)] // test helpers outside #[test] functions

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use leoma_api_types::keys::Secret;
use leoma_chain::mem::MemChain;
use leoma_sampler::roster::{
    CachedChutes, CachedRegistry, ChuteDirectory, ChuteInfo, ChutesHttp, HfHttp, Roster,
    RosterConfig, RosterError,
};
use leoma_testkit::roster::{good_commitment, miner_hotkey, register, reveal};
use leoma_testkit::{ChuteScript, FakeChutes, FakeHub, HubScript};

mod roster_world;
use roster_world::{NETUID, REV, reason};

struct World {
    chain: Arc<MemChain>,
    chutes: FakeChutes,
    hub: FakeHub,
}

impl World {
    async fn new() -> Self {
        World {
            chain: Arc::new(MemChain::new()),
            chutes: FakeChutes::start().await.unwrap(),
            hub: FakeHub::start().await.unwrap(),
        }
    }

    fn roster(&self, timeout: Duration, config: RosterConfig) -> Roster {
        let chutes =
            ChutesHttp::new(&self.chutes.base_url(), Some(Secret::new("ck")), timeout).unwrap();
        let hf = HfHttp::new(&self.hub.base_url(), Some(Secret::new("hf")), timeout).unwrap();
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
            config,
        )
    }

    /// Registers miner `i` with a good commitment, a hot chute and HF weights `weights`.
    fn good_miner(&self, i: u32, weights: &str) -> String {
        roster_world::good_miner(&self.chain, &self.chutes, &self.hub, i, weights)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_invalid_reason_from_a_scenario() {
    let w = World::new().await;
    let ok = w.good_miner(0, "w0");
    // blacklisted
    let black = w.good_miner(1, "w1");
    // max_commits_exceeded_2
    let many = w.good_miner(2, "w2");
    for b in [150, 160] {
        reveal(&w.chain, NETUID, &miner_hotkey(2), "{}", b);
    }
    // missing_* and naming rules
    let mut odd = Vec::new();
    for (i, text) in [
        (3, "not json".to_owned()),
        (
            4,
            format!(
                r#"{{"model_name": "a/leoma-{}", "chute_id": "c"}}"#,
                miner_hotkey(4).as_str()
            ),
        ),
        (
            5,
            format!(
                r#"{{"model_name": "a/leoma-{}", "model_revision": "r", "chute_id": 7}}"#,
                miner_hotkey(5).as_str()
            ),
        ),
        (
            6,
            r#"{"model_name": "a/other", "model_revision": "r", "chute_id": "c"}"#.to_owned(),
        ),
        (
            7,
            r#"{"model_name": "a/leoma-someone-else", "model_revision": "r", "chute_id": "c"}"#
                .to_owned(),
        ),
        (
            8,
            r#"{"model_name": 5, "model_revision": "r", "chute_id": "c"}"#.to_owned(),
        ),
    ] {
        let hk = miner_hotkey(i);
        register(&w.chain, NETUID, &hk);
        reveal(&w.chain, NETUID, &hk, &text, 100);
        odd.push(hk.as_str().to_owned());
    }
    // chute_fetch_failed (500), chute_not_running, revision_mismatch:chute
    let fetch_failed = w.good_miner(9, "w9");
    w.chutes.set_chute("chute-9", ChuteScript::Status(500));
    let cold = w.good_miner(10, "w10");
    w.chutes.set_chute(
        "chute-10",
        ChuteScript::Info {
            slug: "s".into(),
            hot: false,
            revision: Some(REV.into()),
            name: String::new(),
        },
    );
    let chute_rev = w.good_miner(11, "w11");
    w.chutes.set_chute(
        "chute-11",
        ChuteScript::Info {
            slug: "s".into(),
            hot: true,
            revision: Some("other".into()),
            name: String::new(),
        },
    );
    // hf_model_fetch_failed: unknown repo (401 RepoNotFound), no weights, and revision_mismatch:hf
    let hf_missing = w.good_miner(12, "w12");
    let c12 = good_commitment(&miner_hotkey(12), REV, "chute-12");
    w.hub.set_model(
        &c12.model_name,
        REV,
        HubScript::Error {
            status: 401,
            code: Some("RepoNotFound".into()),
            message: "x".into(),
        },
    );
    let no_weights = w.good_miner(13, "w13");
    let c13 = good_commitment(&miner_hotkey(13), REV, "chute-13");
    w.hub.set_model(
        &c13.model_name,
        REV,
        HubScript::Model {
            sha: Some(REV.into()),
            siblings: vec![],
        },
    );
    let hf_rev = w.good_miner(14, "w14");
    let c14 = good_commitment(&miner_hotkey(14), REV, "chute-14");
    w.hub.set_model(
        &c14.model_name,
        REV,
        HubScript::weights("f".repeat(40).as_str(), &[("m.bin", "w14")]),
    );
    // duplicate_model: miner 15 uses miner 0's weights, later block
    let dup = w.good_miner(15, "w0");
    // validation_error: an undecodable revealed history
    let broken = miner_hotkey(16);
    register(&w.chain, NETUID, &broken);
    w.chain.with_subnet(NETUID, |s| {
        s.revealed.insert(broken.clone(), vec![]);
    });
    // not reported: registered without a commitment
    let silent = miner_hotkey(17);
    register(&w.chain, NETUID, &silent);

    let blacklist: BTreeSet<String> = [black.clone()].into();
    let snap = w
        .roster(Duration::from_secs(5), RosterConfig::new(NETUID))
        .validate(&blacklist)
        .await
        .unwrap();

    assert_eq!(reason(&snap, &ok), None);
    assert_eq!(
        snap.miner(&ok).unwrap().chute_slug.as_deref(),
        Some("slug-0")
    );
    assert!(snap.miner(&ok).unwrap().model_hash.is_some());
    assert_eq!(reason(&snap, &black).as_deref(), Some("blacklisted"));
    assert!(!snap.block_by_hotkey.contains_key(&black));
    assert_eq!(
        reason(&snap, &many).as_deref(),
        Some("max_commits_exceeded_2")
    );
    let expect = [
        "missing_model_name",
        "missing_model_revision",
        "missing_chute_id",
        "model_name_must_start_with_leoma",
        "model_name_must_end_with_hotkey",
        "missing_model_name",
    ];
    for (hk, want) in odd.iter().zip(expect) {
        assert_eq!(reason(&snap, hk).as_deref(), Some(want), "{hk}");
    }
    assert_eq!(
        reason(&snap, &fetch_failed).as_deref(),
        Some("chute_fetch_failed")
    );
    assert_eq!(reason(&snap, &cold).as_deref(), Some("chute_not_running"));
    assert_eq!(
        reason(&snap, &chute_rev).as_deref(),
        Some("revision_mismatch:chute=other")
    );
    assert_eq!(
        reason(&snap, &hf_missing).as_deref(),
        Some("hf_model_fetch_failed")
    );
    assert_eq!(
        reason(&snap, &no_weights).as_deref(),
        Some("hf_model_fetch_failed")
    );
    assert_eq!(
        reason(&snap, &hf_rev),
        Some(format!("revision_mismatch:hf={}", "f".repeat(40)))
    );
    assert!(snap.miner(&hf_rev).unwrap().model_hash.is_some());
    assert_eq!(
        reason(&snap, &dup).as_deref(),
        Some("duplicate_model:earliest_uid=0")
    );
    assert_eq!(
        reason(&snap, broken.as_str()).as_deref(),
        Some("validation_error")
    );
    assert!(snap.miner(silent.as_str()).is_none());
    assert_eq!(snap.uid_by_hotkey.len(), 18);
    // Report entries: uid order, one per validated miner, and a valid body.
    let report = snap.report();
    assert_eq!(report.miners.len(), 17);
    assert!(report.miners.windows(2).all(|p| p[0].uid < p[1].uid));
    assert!(report.to_bytes().is_ok());
    // Chute info went with the raw key; HF with Bearer and ?blobs=true.
    assert!(
        w.chutes
            .auth_headers()
            .iter()
            .all(|h| h.as_deref() == Some("ck"))
    );
    assert!(
        w.hub
            .requests()
            .iter()
            .all(|(p, a)| p.ends_with("?blobs=true") && a.as_deref() == Some("Bearer hf"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn strict_binding_gives_chute_model_mismatch() {
    let w = World::new().await;
    let hk = w.good_miner(0, "w0");
    w.chutes
        .set_chute("chute-0", ChuteScript::hot("s", "someone/else", REV));
    let mut config = RosterConfig::new(NETUID);
    let snap = w
        .roster(Duration::from_secs(5), config.clone())
        .validate(&BTreeSet::new())
        .await
        .unwrap();
    assert_eq!(reason(&snap, &hk), None);
    config.strict_chute_binding = true;
    let snap = w
        .roster(Duration::from_secs(5), config)
        .validate(&BTreeSet::new())
        .await
        .unwrap();
    assert_eq!(reason(&snap, &hk).as_deref(), Some("chute_model_mismatch"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_miners_with_timeouts_finish_within_one_timeout_period() {
    let w = World::new().await;
    let timeout = Duration::from_millis(600);
    let mut slow = Vec::new();
    for i in 0..256 {
        let hk = w.good_miner(i, &format!("w{i}"));
        if i % 13 == 5 && slow.len() < 20 {
            let c = good_commitment(&miner_hotkey(i), REV, &format!("chute-{i}"));
            w.chutes.set_chute(
                &c.chute_id,
                ChuteScript::Slow(
                    Duration::from_secs(30),
                    Box::new(ChuteScript::hot("s", &c.model_name, REV)),
                ),
            );
            slow.push(hk);
        }
    }
    assert_eq!(slow.len(), 20);
    // At the default concurrency (16): 20 stuck lookups outnumber the slots, but a stuck check
    // gives its slot back after a quarter of the timeout, so the pass takes about one period.
    let mut config = RosterConfig::new(NETUID);
    assert_eq!(config.concurrency, 16);
    config.call_timeout = timeout;
    let started = Instant::now();
    let snap = w
        .roster(timeout, config)
        .validate(&BTreeSet::new())
        .await
        .unwrap();
    let elapsed = started.elapsed();
    assert!(elapsed >= timeout, "took {elapsed:?}");
    assert!(elapsed < timeout * 2, "took {elapsed:?}");
    assert_eq!(snap.miners.len(), 256);
    for hk in &slow {
        assert_eq!(reason(&snap, hk).as_deref(), Some("chute_fetch_failed"));
    }
    assert_eq!(snap.valid_miners().count(), 236);
}

/// A chute directory that answers after `delay` and records the most lookups in flight.
struct CountingChutes {
    delay: Duration,
    in_flight: AtomicUsize,
    peak: AtomicUsize,
    stuck: BTreeSet<String>,
}

#[async_trait]
impl ChuteDirectory for CountingChutes {
    async fn chute_info(&self, chute_id: &str) -> Result<ChuteInfo, RosterError> {
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        let wait = if self.stuck.contains(chute_id) {
            Duration::from_secs(60)
        } else {
            self.delay
        };
        tokio::time::sleep(wait).await;
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        Ok(ChuteInfo {
            slug: Some("s".into()),
            hot: true,
            revision: None,
            names: vec![],
        })
    }
}

impl CountingChutes {
    fn new(delay: Duration, stuck: BTreeSet<String>) -> Self {
        CountingChutes {
            delay,
            in_flight: AtomicUsize::new(0),
            peak: AtomicUsize::new(0),
            stuck,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn lookups_that_make_progress_stay_within_the_concurrency_bound() {
    let w = World::new().await;
    for i in 0..64 {
        w.good_miner(i, &format!("w{i}"));
    }
    let chutes = Arc::new(CountingChutes::new(
        Duration::from_millis(40),
        BTreeSet::new(),
    ));
    let hf = HfHttp::new(&w.hub.base_url(), None, Duration::from_secs(5)).unwrap();
    let roster = Roster::new(
        w.chain.clone(),
        chutes.clone(),
        Arc::new(hf),
        RosterConfig::new(NETUID),
    );
    let snap = roster.validate(&BTreeSet::new()).await.unwrap();
    assert_eq!(snap.valid_miners().count(), 64);
    assert_eq!(chutes.peak.load(Ordering::SeqCst), 16);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_roster_times_out_a_lookup_the_adapter_does_not() {
    let w = World::new().await;
    let ok = w.good_miner(0, "w0");
    let stuck = w.good_miner(1, "w1");
    let chutes = Arc::new(CountingChutes::new(
        Duration::ZERO,
        ["chute-1".to_owned()].into(),
    ));
    let hf = HfHttp::new(&w.hub.base_url(), None, Duration::from_secs(5)).unwrap();
    let mut config = RosterConfig::new(NETUID);
    config.call_timeout = Duration::from_millis(300);
    let roster = Roster::new(w.chain.clone(), chutes, Arc::new(hf), config);
    let started = Instant::now();
    let snap = roster.validate(&BTreeSet::new()).await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(reason(&snap, &ok), None);
    assert_eq!(reason(&snap, &stuck).as_deref(), Some("chute_fetch_failed"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn model_info_without_sha_is_hf_model_fetch_failed() {
    let w = World::new().await;
    let hk = w.good_miner(0, "w0");
    let c = good_commitment(&miner_hotkey(0), REV, "chute-0");
    w.hub.set_model(
        &c.model_name,
        REV,
        HubScript::Model {
            sha: None,
            siblings: vec![leoma_testkit::Sibling::lfs("model.safetensors", "w0")],
        },
    );
    let snap = w
        .roster(Duration::from_secs(5), RosterConfig::new(NETUID))
        .validate(&BTreeSet::new())
        .await
        .unwrap();
    assert_eq!(reason(&snap, &hk).as_deref(), Some("hf_model_fetch_failed"));
    assert_eq!(snap.miner(&hk).unwrap().model_hash, None);
}
