//! The weight epoch against a real S3-compatible server (`s3s-fs`, which checks SigV4) and the
//! in-memory chain: the same weights as `score`, failures of single peers, retries, and
//! exactly-once epochs across late wake-ups and restarts.
//!
//! The server comes from `leoma_testkit::S3sFs`, which names how to install it when missing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use leoma_api_types::allowlist::AllowlistV1;
use leoma_api_types::keys::{Secret, verdict_key};
use leoma_api_types::verdict::{VerdictEntryV1, VerdictFileV1, VerdictStatus};
use leoma_api_types::{Hotkey, TaskId};
use leoma_chain::mem::{MemChain, MemWriter};
use leoma_chain::{ChainError, Inclusion, Keypair, WeightSetter, WeightVector};
use leoma_storage::{Bucket, ObjectBucket, PeerRegistry, S3Config};
use leoma_validator::audit::{self, AuditRequest, RetryPolicy, V1Config};
use leoma_validator::weights::{StateDir, SubmitOutcome, SubmitPolicy, WeightEpoch, WeightsConfig};

const AK: &str = "leoma-test-ak";
const SK: &str = "leoma-test-secret-key";
const NETUID: u16 = 7;
const EPOCH_LEN: i64 = 180;
const BOUNDARY: i64 = 1260;

/// The kit's `s3s-fs` with typed buckets on it.
struct S3Server(leoma_testkit::S3sFs);

impl S3Server {
    fn start() -> Self {
        S3Server(leoma_testkit::S3sFs::start(AK, SK).expect("s3s-fs starts"))
    }

    fn endpoint(&self) -> String {
        self.0.endpoint()
    }

    fn bucket(&self, name: &str, secret: &str) -> ObjectBucket {
        self.0.bucket_dir(name).unwrap();
        let mut cfg = S3Config::new(
            self.endpoint(),
            "auto",
            name,
            Secret::new(AK),
            Secret::new(secret),
            true,
        );
        cfg.max_retries = 0;
        ObjectBucket::s3(&cfg).unwrap()
    }
}

struct Net {
    validators: Vec<(String, Keypair, String)>, // hotkey, key, bucket
    miners: Vec<Keypair>,
    owner: Keypair,
    me: Keypair,
    allowlist: AllowlistV1,
}

fn key(i: u8) -> Keypair {
    Keypair::from_seed(&[i; 32]).unwrap()
}

fn net() -> Net {
    let mut validators: Vec<(String, Keypair, String)> = (0..4u8)
        .map(|i| {
            let k = key(10 + i);
            (k.hotkey().as_str().to_owned(), k, format!("leoma-res-{i}"))
        })
        .collect();
    validators.sort_by(|a, b| a.0.cmp(&b.0));
    let allowlist = AllowlistV1::new(
        validators.iter().map(|v| v.0.clone()).collect::<Vec<_>>(),
        100,
    )
    .unwrap();
    Net {
        validators,
        miners: (0..3u8).map(|i| key(40 + i)).collect(),
        owner: key(1),
        me: key(2),
        allowlist,
    }
}

fn verdict(miners: &[Keypair], rid: i64, signer: &Keypair) -> Vec<u8> {
    let entries = miners
        .iter()
        .enumerate()
        .map(|(m, k)| {
            // Miner 2 passes most often, miner 0 least.
            let passed = (rid + m as i64 * 3) % 5 < 1 + m as i64;
            VerdictEntryV1 {
                hotkey: k.hotkey().as_str().to_owned(),
                passed,
                status: VerdictStatus::of_passed(passed),
                confidence: 80,
                reasoning: "ok".into(),
                latency_ms: 1000,
                original_artifacts: "[]".into(),
                generated_artifacts: "{}".into(),
                presentation_order: "single-video benchmark".into(),
            }
        })
        .collect();
    VerdictFileV1::signed(entries, signer).unwrap().to_bytes()
}

/// Writes the epoch's verdict files to the S3 buckets and to a mirror directory.
async fn populate(server: &S3Server, n: &Net, mirror: &Path) {
    let v = &n.validators;
    for rid in 1..=12i64 {
        let (hk, k, bucket) = &v[usize::try_from(rid.rem_euclid(4)).unwrap()];
        let body = verdict(&n.miners, rid, k);
        let b = server.bucket(bucket, SK);
        let key = verdict_key(TaskId(rid as u64), hk);
        b.put(&key, body.clone(), "application/json").await.unwrap();
        b.put(
            &format!("{rid}/metadata.json"),
            b"{}".to_vec(),
            "application/json",
        )
        .await
        .unwrap();
        let path = mirror.join(hk).join(&key);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, body).unwrap();
    }
    let source = server.bucket("leoma-videos", SK);
    source
        .put(
            "allowlist/v1.json",
            n.allowlist.to_bytes(),
            "application/json",
        )
        .await
        .unwrap();
}

/// A server holding the four buckets' v1 epoch, the cast, and a mirror of the same files.
async fn populated() -> (S3Server, Net, tempfile::TempDir) {
    let server = S3Server::start();
    let n = net();
    let mirror = tempfile::tempdir().unwrap();
    populate(&server, &n, mirror.path()).await;
    (server, n, mirror)
}

async fn chain(n: &Net) -> Arc<MemChain> {
    let chain = Arc::new(MemChain::new());
    chain.with_subnet(NETUID, |s| {
        s.owner_hotkey = Some(n.owner.hotkey().clone());
        s.register(n.owner.hotkey().clone(), n.owner.hotkey().clone());
        for m in &n.miners {
            s.register(m.hotkey().clone(), m.hotkey().clone());
        }
        let me = s.register(n.me.hotkey().clone(), n.me.hotkey().clone());
        if let Some(neuron) = s.neurons.get_mut(usize::from(me)) {
            neuron.validator_permit = true;
        }
    });
    let writer = MemWriter::new(chain.clone(), n.owner.hotkey().clone());
    leoma_chain::CommitmentWriter::set_commitment(&writer, NETUID, &n.allowlist.commitment())
        .await
        .unwrap();
    chain.advance(u32::try_from(BOUNDARY).unwrap());
    chain
}

fn registry(server: &S3Server, n: &Net, overrides: &[(usize, &str, &str)]) -> PeerRegistry {
    let (r, warnings) = PeerRegistry::parse(&registry_json(server, n, overrides), true);
    assert!(warnings.is_empty(), "{warnings:?}");
    r
}

/// `PEER_VALIDATORS` for the four test buckets.
fn registry_json(server: &S3Server, n: &Net, overrides: &[(usize, &str, &str)]) -> String {
    let server_endpoint = server.endpoint();
    let entries: Vec<String> = n
        .validators
        .iter()
        .enumerate()
        .map(|(i, (hk, _, bucket))| {
            let (endpoint, secret) = overrides
                .iter()
                .find(|o| o.0 == i)
                .map_or((server_endpoint.as_str(), SK), |o| (o.1, o.2));
            format!(
                r#"{{"hotkey":"{hk}","bucket":"{bucket}","endpoint":"{endpoint}","region":"auto","read_access_key":"{AK}","read_secret_key":"{secret}"}}"#
            )
        })
        .collect();
    format!("[{}]", entries.join(","))
}

fn config() -> WeightsConfig {
    WeightsConfig {
        netuid: NETUID,
        epoch_len: EPOCH_LEN,
        v1: V1Config::default(),
        allow_http: true,
        concurrency: 8,
        read_retry: RetryPolicy::NONE,
        submit: SubmitPolicy {
            delays: vec![Duration::from_millis(10)],
            rate_limit_poll: Duration::from_millis(10),
        },
        poll_interval: Duration::from_millis(10),
    }
}

fn epoch(
    server: &S3Server,
    n: &Net,
    chain: Arc<MemChain>,
    setter: Option<Arc<dyn WeightSetter>>,
    registry: PeerRegistry,
    state: &Path,
) -> WeightEpoch {
    WeightEpoch {
        config: config(),
        chain,
        setter,
        hotkey: n.me.hotkey().clone(),
        source: Some(Arc::new(server.bucket("leoma-videos", SK))),
        registry,
        peers: None,
        state: StateDir::open(state).unwrap(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_buckets_give_the_weights_score_computes() {
    let (server, n, mirror) = populated().await;
    let chain = chain(&n).await;
    let state = tempfile::tempdir().unwrap();
    let writer: Arc<dyn WeightSetter> =
        Arc::new(MemWriter::new(chain.clone(), n.me.hotkey().clone()));
    let e = epoch(
        &server,
        &n,
        chain.clone(),
        Some(writer),
        registry(&server, &n, &[]),
        state.path(),
    );

    let out = e.tick().await.unwrap().expect("the boundary is processed");
    assert_eq!(out.epoch_block, BOUNDARY);
    let live = out.report;
    assert!(live.rejected_files.is_empty(), "{:?}", live.rejected_files);

    // `score` over the mirror of the same files, with the chain's miners table.
    let miners = live_miners(&chain, &n);
    let req = AuditRequest {
        allowlist: n.allowlist.to_bytes(),
        commitment: Some(n.allowlist.commitment()),
        epoch_block: BOUNDARY,
        miners: Some(miners),
        rules: None,
        v1: V1Config::default(),
        min_allowed_weights: 1,
        concurrency: 4,
        retry: RetryPolicy::NONE,
    };
    let offline = audit::run_mirror(mirror.path(), &req).await.unwrap();
    assert_eq!(
        serde_json::to_value(&live.window).unwrap(),
        serde_json::to_value(&offline.window).unwrap()
    );
    assert_eq!(live.window.task_ids, (1..=10).collect::<Vec<i64>>());
    assert_eq!(
        serde_json::to_value(&live.ranks).unwrap(),
        serde_json::to_value(&offline.ranks).unwrap()
    );
    assert_eq!(live.weights.uids, offline.weights.uids);
    assert_eq!(live.weights.values, offline.weights.values);
    let winner = offline.winner.clone().expect("a winner");
    assert_ne!(winner.uid, Some(0));
    assert_eq!(live.weights.uids, vec![winner.uid.unwrap()]);

    let subs = chain.submissions();
    assert_eq!(subs.len(), 1);
    assert!(subs[0].result.is_ok());
    assert_eq!(subs[0].weights.uids, live.weights.uids);
    assert!(matches!(
        out.submitted,
        Some(SubmitOutcome::Included { attempts: 1, .. })
    ));
    let saved = StateDir::open(state.path()).unwrap();
    assert_eq!(saved.last_epoch_block(), Some(BOUNDARY));
    assert_eq!(saved.last_winner().unwrap().hotkey, winner.hotkey);
}

fn live_miners(chain: &MemChain, n: &Net) -> audit::MinerTable {
    let mut t = audit::MinerTable::default();
    let state = chain.state_at(chain.best().number).unwrap();
    let s = &state.subnets[&NETUID];
    for (i, neuron) in s.neurons.iter().enumerate() {
        t.by_hotkey.insert(
            neuron.hotkey.as_str().to_owned(),
            audit::MinerOnChain {
                uid: u16::try_from(i).unwrap(),
                block: None,
            },
        );
    }
    let _ = n;
    t
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_secret_and_unreachable_peers_are_named_and_the_epoch_completes() {
    let (server, n, _mirror) = populated().await;
    let chain = chain(&n).await;
    let state = tempfile::tempdir().unwrap();
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://127.0.0.1:{}", l.local_addr().unwrap().port())
    };
    let reg = registry(
        &server,
        &n,
        &[(0, &server.endpoint(), "wrong-secret"), (1, &closed, SK)],
    );
    let e = epoch(&server, &n, chain, None, reg, state.path());
    let report = e.compute(BOUNDARY).await.unwrap();
    let bad0 = &n.validators[0].2;
    let bad1 = &n.validators[1].2;
    let r0 = report
        .rejected_files
        .iter()
        .find(|r| r.path.contains(bad0.as_str()))
        .expect("the peer with the wrong secret is named");
    assert!(r0.reason.contains("credentials"), "{}", r0.reason);
    let r1 = report
        .rejected_files
        .iter()
        .find(|r| r.path.contains(bad1.as_str()))
        .expect("the unreachable peer is named");
    assert!(r1.reason.contains("treated as empty"), "{}", r1.reason);
    // The two healthy peers still give a window and weights.
    assert!(!report.window.task_ids.is_empty());
    let producers: Vec<&String> = report.window.producers.values().collect();
    assert!(
        producers
            .iter()
            .all(|p| **p != n.validators[0].0 && **p != n.validators[1].0)
    );
    assert!(report.winner.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_and_oversized_files_are_skipped_with_reasons() {
    let (server, n, _mirror) = populated().await;
    // Task 10 (producer V[2]) gets garbage; task 9 (producer V[1]) an oversized body.
    let (hk2, _, b2) = &n.validators[2];
    server
        .bucket(b2, SK)
        .put(
            &verdict_key(TaskId(10), hk2),
            b"{not json".to_vec(),
            "application/json",
        )
        .await
        .unwrap();
    let (hk1, _, b1) = &n.validators[1];
    let big = vec![b' '; leoma_api_types::verdict::VERDICT_FILE_MAX_BYTES + 1];
    server
        .bucket(b1, SK)
        .put(&verdict_key(TaskId(9), hk1), big, "application/json")
        .await
        .unwrap();
    let chain = chain(&n).await;
    let state = tempfile::tempdir().unwrap();
    let e = epoch(
        &server,
        &n,
        chain,
        None,
        registry(&server, &n, &[]),
        state.path(),
    );
    let report = e.compute(BOUNDARY).await.unwrap();
    let reasons: Vec<String> = report
        .rejected_files
        .iter()
        .map(|r| format!("{} {}", r.path, r.reason))
        .collect();
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("10/evaluation_results") && r.contains("task 10 skipped")),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("9/evaluation_results") && r.contains("oversized")),
        "{reasons:?}"
    );
    // Both tasks stay in the window (they are produced) but contribute no verdicts.
    assert!(report.window.task_ids.contains(&9) && report.window.task_ids.contains(&10));
}

/// Fails the first `fail` submissions with a transient transport error.
struct Flaky {
    inner: MemWriter,
    hotkey: Hotkey,
    fail: usize,
    calls: AtomicUsize,
}

#[async_trait]
impl WeightSetter for Flaky {
    fn hotkey(&self) -> &Hotkey {
        &self.hotkey
    }
    async fn set_weights(&self, netuid: u16, w: &WeightVector) -> Result<Inclusion, ChainError> {
        if self.calls.fetch_add(1, Ordering::SeqCst) < self.fail {
            return Err(ChainError::Transport("connection reset".into()));
        }
        self.inner.set_weights(netuid, w).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn submit_failures_are_retried_and_epochs_run_exactly_once() {
    let (server, n, _mirror) = populated().await;
    let chain = chain(&n).await;
    // Wake 3 blocks after the boundary.
    chain.advance(3);
    let state = tempfile::tempdir().unwrap();
    let flaky = Arc::new(Flaky {
        inner: MemWriter::new(chain.clone(), n.me.hotkey().clone()),
        hotkey: n.me.hotkey().clone(),
        fail: 2,
        calls: AtomicUsize::new(0),
    });
    let e = epoch(
        &server,
        &n,
        chain.clone(),
        Some(flaky.clone()),
        registry(&server, &n, &[]),
        state.path(),
    );
    let out = e.tick().await.unwrap().expect("processed");
    assert_eq!(out.epoch_block, BOUNDARY);
    assert!(
        matches!(
            out.submitted,
            Some(SubmitOutcome::Included { attempts: 3, .. })
        ),
        "{:?}",
        out.submitted
    );
    assert_eq!(flaky.calls.load(Ordering::SeqCst), 3);
    assert!(e.tick().await.unwrap().is_none(), "processed once");
    chain.advance(5);
    assert!(e.tick().await.unwrap().is_none());

    // A restart with the same state directory does not resubmit.
    let writer: Arc<dyn WeightSetter> =
        Arc::new(MemWriter::new(chain.clone(), n.me.hotkey().clone()));
    let restarted = epoch(
        &server,
        &n,
        chain.clone(),
        Some(writer),
        registry(&server, &n, &[]),
        state.path(),
    );
    assert!(restarted.tick().await.unwrap().is_none());
    let ok: Vec<_> = chain
        .submissions()
        .into_iter()
        .filter(|s| s.result.is_ok())
        .collect();
    assert_eq!(ok.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commit_reveal_subnet_gets_a_timelocked_commit_that_reveals_to_the_weights() {
    let (server, n, _mirror) = populated().await;
    let chain = chain(&n).await;
    chain.with_subnet(NETUID, |s| s.commit_reveal_enabled = true);
    let drand = leoma_chain::timelock::TestBeacon::from_seed(b"leoma weight epoch test beacon");
    let writer: Arc<dyn WeightSetter> =
        Arc::new(MemWriter::new(chain.clone(), n.me.hotkey().clone()).with_beacon(drand.beacon()));
    let state = tempfile::tempdir().unwrap();
    let e = epoch(
        &server,
        &n,
        chain.clone(),
        Some(writer),
        registry(&server, &n, &[]),
        state.path(),
    );

    // No operator flag: the epoch sees commit-reveal on the subnet through the setter.
    let out = e.tick().await.unwrap().expect("processed");
    assert!(
        matches!(out.submitted, Some(SubmitOutcome::Included { .. })),
        "{:?}",
        out.submitted
    );
    assert!(chain.submissions().is_empty(), "no plain set_weights");
    let commits = chain.commit_submissions();
    assert_eq!(commits.len(), 1);
    let c = &commits[0];
    assert!(c.result.is_ok(), "{:?}", c.result);
    assert_eq!(&c.hotkey, n.me.hotkey());
    assert_eq!(
        c.commit_reveal_version,
        leoma_chain::timelock::COMMIT_REVEAL_VERSION
    );

    // The chain opens it with the round's pulse into exactly the epoch's weights.
    let revealed = chain.reveal_timelocked_weights(NETUID, |round| Some(drand.signature(round)));
    assert_eq!(revealed.len(), 1);
    let w = revealed[0]
        .result
        .clone()
        .expect("the commit decrypts and decodes");
    assert_eq!(w.uids, out.report.weights.uids);
    assert_eq!(w.values, out.report.weights.values);
    assert_eq!(revealed[0].reveal_round, c.reveal_round);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v1_seniority_ignores_blacklisted_miners_but_v1_verdicts_still_count() {
    let (server, n, _mirror) = populated().await;
    let chain = chain(&n).await;
    for (i, m) in n.miners.iter().enumerate() {
        chain.with_subnet(NETUID, |s| {
            s.revealed.entry(m.hotkey().clone()).or_default().push((
                leoma_api_types::commitment::encode_plaintext("{}"),
                100 * (i as u64 + 1),
            ));
        });
    }
    let state = tempfile::tempdir().unwrap();
    let e = epoch(
        &server,
        &n,
        chain.clone(),
        None,
        registry(&server, &n, &[]),
        state.path(),
    );
    let block_of = |r: &leoma_validator::audit::AuditReport, hk: &Hotkey| {
        r.miners
            .iter()
            .find(|m| m.hotkey == hk.as_str())
            .map(|m| m.block)
            .expect("the miner is in the report")
    };
    let plain = e.compute(BOUNDARY).await.unwrap();
    let banned = n.miners[0].hotkey();
    assert_eq!(block_of(&plain, banned), Some(100));

    // The roster loop's cached blacklist removes the seniority block (SPEC §5.4 step 5).
    std::fs::write(
        state.path().join("blacklist_cache.json"),
        format!(r#"["{}"]"#, banned.as_str()),
    )
    .unwrap();
    let cached = e.compute(BOUNDARY).await.unwrap();
    assert_eq!(block_of(&cached, banned), None);
    assert_eq!(block_of(&cached, n.miners[1].hotkey()), Some(200));
    // Its verdicts are still aggregated: the blacklist only affects the block map.
    let evaluated = |r: &leoma_validator::audit::AuditReport| {
        r.miners
            .iter()
            .find(|m| m.hotkey == banned.as_str())
            .map(|m| m.evaluated)
    };
    assert_eq!(evaluated(&plain), evaluated(&cached));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_binary_over_s3_and_the_loopback_node_prints_what_score_computes() {
    let (server, n, mirror) = populated().await;
    let chain = chain(&n).await;
    let node = leoma_chain::node::LoopbackNode::start(chain.clone())
        .await
        .unwrap();
    let wallets = tempfile::tempdir().unwrap();
    let hotkey_file = wallets.path().join("ops/hotkeys/validator");
    std::fs::create_dir_all(hotkey_file.parent().unwrap()).unwrap();
    std::fs::write(
        &hotkey_file,
        format!(r#"{{"secretSeed":"0x{}"}}"#, hex::encode([2u8; 32])),
    )
    .unwrap();
    let state = tempfile::tempdir().unwrap();
    let peers = registry_json(&server, &n, &[]);
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_leoma-validator"));
    cmd.args(["weights", "--once", "--dry-run", "--epoch-block"])
        .arg(BOUNDARY.to_string())
        .env_clear()
        .env("NETUID", NETUID.to_string())
        .env("SUBTENSOR_ENDPOINT", node.url())
        .env("LEOMA_STATE_DIR", state.path())
        .env("R2_ENDPOINT", server.endpoint())
        .env("R2_VIDEOS_READ_ACCESS_KEY", AK)
        .env("R2_VIDEOS_READ_SECRET_KEY", SK)
        .env("PEER_VALIDATORS", &peers)
        .env("ALLOW_INSECURE_S3", "true")
        .env("BT_WALLET_PATH", wallets.path())
        .env("WALLET_NAME", "ops")
        .env("HOTKEY_NAME", "validator");
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "exit {:?}: {stderr}", out.status);
    assert!(!stderr.contains(SK), "a secret reached the log");
    let live: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    println!("{}", String::from_utf8_lossy(&out.stdout));

    let req = AuditRequest {
        allowlist: n.allowlist.to_bytes(),
        commitment: Some(n.allowlist.commitment()),
        epoch_block: BOUNDARY,
        miners: Some(live_miners(&chain, &n)),
        rules: None,
        v1: V1Config::default(),
        min_allowed_weights: 1,
        concurrency: 4,
        retry: RetryPolicy::NONE,
    };
    let offline =
        serde_json::to_value(audit::run_mirror(mirror.path(), &req).await.unwrap()).unwrap();
    for field in ["window", "ranks", "winner", "weights"] {
        assert_eq!(live[field], offline[field], "{field}");
    }
    assert!(chain.submissions().is_empty(), "a dry run submits nothing");
    assert!(
        StateDir::open(state.path())
            .unwrap()
            .last_epoch_block()
            .is_none(),
        "a dry run records no processed epoch"
    );
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v2_unsigned_and_forged_files_on_s3_are_skipped_with_reasons() {
    use leoma_api_types::allowlist::{AllowlistV2, ConsensusParamsV2, ValidatorEntryV2};
    use leoma_api_types::verdict::{VerdictEntryV2, VerdictFileV2};

    let server = S3Server::start();
    let n = net();
    let entries = n
        .validators
        .iter()
        .map(|(hk, _, bucket)| ValidatorEntryV2 {
            hotkey: Hotkey::parse(hk).unwrap(),
            bucket: bucket.clone(),
            endpoint: server.endpoint(),
            region: "auto".to_owned(),
        })
        .collect();
    let params = ConsensusParamsV2 {
        epoch_length: 60,
        ..ConsensusParamsV2::REFERENCE_DEFAULTS
    };
    let allowlist = AllowlistV2::new(entries, params).unwrap();
    let order: Vec<&(String, Keypair, String)> = allowlist
        .validators()
        .iter()
        .map(|e| {
            n.validators
                .iter()
                .find(|v| v.0 == e.hotkey.as_str())
                .unwrap()
        })
        .collect();
    for rid in 1..=12i64 {
        let (hk, k, bucket) = order[usize::try_from(rid).unwrap() % order.len()];
        let data = n
            .miners
            .iter()
            .enumerate()
            .map(|(m, mk)| {
                let passed = (rid + m as i64 * 3) % 5 < 1 + m as i64;
                VerdictEntryV2 {
                    hotkey: mk.hotkey().as_str().to_owned(),
                    passed,
                    status: VerdictStatus::of_passed(passed),
                    reason: None,
                    confidence: Some(80),
                    reasoning: "ok".into(),
                    latency_ms: Some(1000),
                    original_artifacts: Some("[]".into()),
                    generated_artifacts: Some("{}".into()),
                    presentation_order: "single-video benchmark".into(),
                }
            })
            .collect();
        let file =
            VerdictFileV2::signed(TaskId(rid as u64), Hotkey::parse(hk).unwrap(), data, k).unwrap();
        let mut body = file.to_bytes();
        if rid == 10 {
            // Unsigned: the same file without its signature field.
            let mut v: serde_json::Value = serde_json::from_slice(&body).unwrap();
            v.as_object_mut().unwrap().remove("signature");
            body = serde_json::to_vec_pretty(&v).unwrap();
        }
        if rid == 9 {
            // Forged: signed by another validator's key under this producer's name.
            let other = &order[(usize::try_from(rid).unwrap() + 1) % order.len()].1;
            let mut forged = file.clone();
            forged.signature =
                leoma_api_types::signature::SignatureHex::sign(other, &forged.signing_digest());
            body = forged.to_bytes();
        }
        server
            .bucket(bucket, SK)
            .put(
                &verdict_key(TaskId(rid as u64), hk),
                body,
                "application/json",
            )
            .await
            .unwrap();
    }
    let source = server.bucket("leoma-videos", SK);
    let digest = allowlist.digest();
    leoma_storage::layout::publish_allowlist_v2(&source, &digest, allowlist.to_bytes())
        .await
        .unwrap();

    let chain = Arc::new(MemChain::new());
    chain.with_subnet(NETUID, |s| {
        s.owner_hotkey = Some(n.owner.hotkey().clone());
        s.register(n.owner.hotkey().clone(), n.owner.hotkey().clone());
        for m in &n.miners {
            s.register(m.hotkey().clone(), m.hotkey().clone());
        }
    });
    let writer = MemWriter::new(chain.clone(), n.owner.hotkey().clone());
    leoma_chain::CommitmentWriter::set_commitment(&writer, NETUID, &allowlist.commitment())
        .await
        .unwrap();
    chain.advance(u32::try_from(BOUNDARY).unwrap());

    let state = tempfile::tempdir().unwrap();
    let e = epoch(
        &server,
        &n,
        chain,
        None,
        registry(&server, &n, &[]),
        state.path(),
    );
    let report = e.compute(BOUNDARY).await.unwrap();
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["rules"], "v2", "{json}");
    let reason_for = |rid: i64| {
        report
            .rejected_files
            .iter()
            .find(|r| {
                r.path.starts_with(&format!("{rid}/")) || r.path.contains(&format!("/{rid}/"))
            })
            .map(|r| r.reason.clone())
    };
    let unsigned = reason_for(10).expect("the unsigned file is reported");
    assert!(unsigned.contains("signature"), "{unsigned}");
    let forged = reason_for(9).expect("the forged file is reported");
    assert!(forged.contains("signature"), "{forged}");
    let window = &report.window.task_ids;
    assert!(!window.contains(&9) && !window.contains(&10), "{window:?}");
    assert!(!window.is_empty());
    assert!(
        report.winner.is_some(),
        "the other files still decide the epoch"
    );
}
