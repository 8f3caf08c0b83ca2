//! The miner CLI against the wire-faithful fakes: `commit` refusals (one scenario per validator
//! reason), a timelocked commitment that reveals to the commitment JSON, the space-limit retry,
//! `status` for a valid and an invalid miner, `push --dry-run`, deploy output judging and the
//! chute lookup, and `rank` against an in-process owner-api.

// Helpers outside #[test] functions set up fakes; a failure there is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use axum::Json;
use axum::Router;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use clap::Parser;
use leoma_api_types::Hotkey;
use leoma_api_types::commitment::MinerCommitment;
use leoma_api_types::owner_api::{MinerResponse, RankEntry, RankResponse};
use leoma_chain::data::{Data, Registration};
use leoma_chain::mem::{MemChain, MemWriter};
use leoma_chain::timelock::TestBeacon;
use leoma_chain::{
    At, ChainError, ChainReader, CommitmentWriter, Inclusion, Keypair, RevealInclusion,
};
use leoma_miner::checks::{CheckStatus, Services};
use leoma_miner::commit::{CommitDeps, CommitPolicy, CommitRequest, CommitResult, execute};
use leoma_miner::owner_api::OwnerApi;
use leoma_miner::status::gather;
use leoma_sampler::roster::{ChutesHttp, HfHttp};
use leoma_testkit::roster::{miner_hotkey, register, reveal};
use leoma_testkit::{ChuteScript, FakeChutes, FakeHub, FakeServer, HubScript, Sibling};

const NETUID: u16 = 99;
const REV: &str = "0123456789abcdef0123456789abcdef01234567";
const OTHER_REV: &str = "fedcba9876543210fedcba9876543210fedcba98";
const CHUTE: &str = "8c0e7f1a-0000-4000-8000-000000000001";
const WEIGHTS: &str = "abababababababababababababababababababababababababababababababab";

struct World {
    chain: Arc<MemChain>,
    chutes: FakeChutes,
    hub: FakeHub,
    key: Keypair,
    beacon: TestBeacon,
}

impl World {
    async fn new() -> World {
        let chain = Arc::new(MemChain::new());
        let key = Keypair::from_seed(&[7u8; 32]).unwrap();
        // uid 0 is someone else, so the miner's uid is 1.
        register(&chain, NETUID, &miner_hotkey(900));
        register(&chain, NETUID, key.hotkey());
        chain.advance(5);
        World {
            chain,
            chutes: FakeChutes::start().await.unwrap(),
            hub: FakeHub::start().await.unwrap(),
            key,
            beacon: TestBeacon::from_seed(b"leoma-miner-tests"),
        }
    }

    fn hotkey(&self) -> &Hotkey {
        self.key.hotkey()
    }

    fn model(&self) -> String {
        format!("miner/leoma-{}", self.hotkey().as_str())
    }

    /// A good commitment with a hot chute and HF weights behind it.
    fn good(&self) -> MinerCommitment {
        let model = self.model();
        self.chutes
            .set_chute(CHUTE, ChuteScript::hot("miner-slug", &model, REV));
        self.hub.set_model(
            &model,
            REV,
            HubScript::weights(REV, &[("model.safetensors", WEIGHTS)]),
        );
        MinerCommitment {
            model_name: model,
            model_revision: REV.into(),
            chute_id: CHUTE.into(),
        }
    }

    fn services(&self) -> Services {
        Services {
            chain: self.chain.clone(),
            chutes: Arc::new(
                ChutesHttp::new(&self.chutes.base_url(), None, Duration::from_secs(5)).unwrap(),
            ),
            registry: Arc::new(
                HfHttp::new(&self.hub.base_url(), None, Duration::from_secs(5)).unwrap(),
            ),
            netuid: NETUID,
            strict_chute_binding: false,
        }
    }

    fn writer(&self) -> MemWriter {
        MemWriter::new(self.chain.clone(), self.hotkey().clone()).with_beacon(self.beacon.beacon())
    }

    fn deps(&self, writer: Arc<dyn CommitmentWriter>) -> CommitDeps {
        CommitDeps {
            services: self.services(),
            writer,
            blacklist: Some(BTreeSet::new()),
            policy: CommitPolicy {
                space_limit_wait: Duration::ZERO,
                other_wait: Duration::ZERO,
                ..CommitPolicy::default()
            },
        }
    }

    async fn commit(&self, c: &MinerCommitment, force: bool, all: bool) -> CommitResult {
        self.commit_with(self.deps(Arc::new(self.writer())), c, force, all)
            .await
    }

    async fn commit_with(
        &self,
        deps: CommitDeps,
        c: &MinerCommitment,
        force: bool,
        all: bool,
    ) -> CommitResult {
        let request = CommitRequest {
            commitment: c.clone(),
            force,
            whole_subnet: all,
        };
        execute(&deps, &request, &mut |_| {}).await
    }

    /// Whether the chain holds an unrevealed commitment of the miner.
    fn pending(&self) -> Option<Vec<u8>> {
        let head = self.chain.best().number;
        let state = self.chain.state_at(head)?;
        state
            .subnets
            .get(&NETUID)?
            .commitments
            .get(self.hotkey())
            .cloned()
    }

    /// Reveals every timelocked commitment with the test beacon's pulses.
    fn reveal_all(&self) -> usize {
        let b = self.beacon.clone();
        self.chain
            .reveal_commitments(NETUID, move |round| Some(b.signature(round)))
    }
}

/// Commits `c` and asserts it was refused with `reason` and nothing reached the chain.
async fn assert_refused(w: &World, c: &MinerCommitment, reason: &str) -> CommitResult {
    let result = w.commit(c, false, false).await;
    assert!(!result.success, "{result:?}");
    assert_eq!(result.reason.as_deref(), Some(reason), "{result:?}");
    assert_eq!(result.attempts, 0);
    assert!(w.pending().is_none(), "a refused commit reached the chain");
    result
}

#[tokio::test]
async fn refuses_a_name_not_starting_with_leoma() {
    let w = World::new().await;
    let mut c = w.good();
    c.model_name = format!("miner/model-{}", w.hotkey().as_str());
    assert_refused(&w, &c, "model_name_must_start_with_leoma").await;
}

#[tokio::test]
async fn refuses_a_name_not_ending_with_the_wallet_hotkey() {
    let w = World::new().await;
    let mut c = w.good();
    c.model_name = format!("miner/leoma-{}", miner_hotkey(3).as_str());
    let r = assert_refused(&w, &c, "model_name_must_end_with_hotkey").await;
    assert!(r.error.unwrap().contains(w.hotkey().as_str()));
}

#[tokio::test]
async fn refuses_empty_fields() {
    let w = World::new().await;
    let mut c = w.good();
    c.chute_id = String::new();
    assert_refused(&w, &c, "missing_chute_id").await;
    let mut c = w.good();
    c.model_name = String::new();
    assert_refused(&w, &c, "missing_model_name").await;
}

#[tokio::test]
async fn refuses_an_unknown_chute() {
    let w = World::new().await;
    let mut c = w.good();
    c.chute_id = "no-such-chute".into();
    assert_refused(&w, &c, "chute_fetch_failed").await;
}

#[tokio::test]
async fn refuses_a_cold_chute() {
    let w = World::new().await;
    let c = w.good();
    w.chutes.set_chute(
        CHUTE,
        ChuteScript::Info {
            slug: "miner-slug".into(),
            hot: false,
            revision: Some(REV.into()),
            name: c.model_name.clone(),
        },
    );
    assert_refused(&w, &c, "chute_not_running").await;
}

#[tokio::test]
async fn refuses_a_chute_serving_another_revision() {
    let w = World::new().await;
    let c = w.good();
    w.chutes.set_chute(
        CHUTE,
        ChuteScript::hot("miner-slug", &c.model_name, OTHER_REV),
    );
    assert_refused(&w, &c, &format!("revision_mismatch:chute={OTHER_REV}")).await;
}

#[tokio::test]
async fn refuses_a_revision_without_weight_files() {
    let w = World::new().await;
    let c = w.good();
    w.hub.set_model(
        &c.model_name,
        REV,
        HubScript::Model {
            sha: Some(REV.into()),
            siblings: vec![Sibling::plain("README.md"), Sibling::plain("config.json")],
        },
    );
    assert_refused(&w, &c, "hf_model_fetch_failed").await;
}

#[tokio::test]
async fn refuses_a_branch_name_instead_of_the_commit_sha() {
    let w = World::new().await;
    let mut c = w.good();
    c.model_revision = "main".into();
    // The chute does not report a revision, so only HuggingFace can tell.
    w.chutes.set_chute(
        CHUTE,
        ChuteScript::Info {
            slug: "miner-slug".into(),
            hot: true,
            revision: None,
            name: c.model_name.clone(),
        },
    );
    w.hub.set_model(
        &c.model_name,
        "main",
        HubScript::weights(REV, &[("model.safetensors", WEIGHTS)]),
    );
    let r = assert_refused(&w, &c, &format!("revision_mismatch:hf={REV}")).await;
    assert!(r.error.unwrap().contains("40-hex"));
}

#[tokio::test]
async fn refuses_a_third_commitment() {
    let w = World::new().await;
    let c = w.good();
    reveal(&w.chain, NETUID, w.hotkey(), &c.to_payload(), 2);
    reveal(&w.chain, NETUID, w.hotkey(), &c.to_payload(), 3);
    let r = assert_refused(&w, &c, "max_commits_exceeded_2").await;
    assert!(r.error.unwrap().contains("already holds 2"));
}

#[tokio::test]
async fn a_second_commitment_is_allowed() {
    let w = World::new().await;
    let c = w.good();
    reveal(&w.chain, NETUID, w.hotkey(), &c.to_payload(), 2);
    assert!(w.commit(&c, false, false).await.success);
}

#[tokio::test]
async fn refuses_a_blacklisted_hotkey() {
    let w = World::new().await;
    let c = w.good();
    let mut deps = w.deps(Arc::new(w.writer()));
    deps.blacklist = Some([w.hotkey().as_str().to_owned()].into_iter().collect());
    let r = w.commit_with(deps, &c, false, false).await;
    assert_eq!(r.reason.as_deref(), Some("blacklisted"));
    assert!(w.pending().is_none());
}

#[tokio::test]
async fn refuses_weights_an_earlier_miner_committed() {
    let w = World::new().await;
    let c = w.good();
    // uid 0 committed the same weights (another repo) at block 2.
    let other = miner_hotkey(900);
    let other_model = format!("someone/leoma-{}", other.as_str());
    w.chutes.set_chute(
        "other-chute",
        ChuteScript::hot("other-slug", &other_model, REV),
    );
    w.hub.set_model(
        &other_model,
        REV,
        HubScript::weights(REV, &[("model.safetensors", WEIGHTS)]),
    );
    let theirs = MinerCommitment {
        model_name: other_model,
        model_revision: REV.into(),
        chute_id: "other-chute".into(),
    };
    reveal(&w.chain, NETUID, &other, &theirs.to_payload(), 2);
    // Only the whole-subnet check sees the duplicate.
    let r = w
        .commit_with(w.deps(Arc::new(w.writer())), &c, false, true)
        .await;
    assert_eq!(
        r.reason.as_deref(),
        Some("duplicate_model:earliest_uid=0"),
        "{r:?}"
    );
    assert!(w.pending().is_none());
}

#[tokio::test]
async fn refuses_an_unregistered_hotkey() {
    let w = World::new().await;
    let stranger = Keypair::from_seed(&[9u8; 32]).unwrap();
    let mut c = w.good();
    c.model_name = format!("miner/leoma-{}", stranger.ss58());
    let writer =
        MemWriter::new(w.chain.clone(), stranger.hotkey().clone()).with_beacon(w.beacon.beacon());
    let r = w
        .commit_with(w.deps(Arc::new(writer)), &c, false, false)
        .await;
    assert!(!r.success);
    assert_eq!(r.reason, None);
    assert!(r.error.unwrap().contains("not registered on subnet 99"));
}

#[tokio::test]
async fn force_commits_despite_a_refusal() {
    let w = World::new().await;
    let c = w.good();
    w.chutes.set_chute(CHUTE, ChuteScript::Status(503));
    assert!(!w.commit(&c, false, false).await.success);
    let r = w.commit(&c, true, false).await;
    assert!(r.success, "{r:?}");
    assert!(w.pending().is_some());
}

#[tokio::test]
async fn a_commit_lands_timelocked_and_reveals_to_the_commitment_json() {
    let w = World::new().await;
    let c = w.good();
    let r = w.commit(&c, false, true).await;
    assert!(r.success, "{r:?}");
    assert_eq!(r.attempts, 1);
    assert_eq!(r.block, Some(w.chain.best().number));
    assert_eq!(r.commitment, c.to_payload());
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["success"], true);

    // On chain: one TimelockEncrypted field sealed to the reported round, not readable yet.
    let raw = w.pending().unwrap();
    let reg = Registration::decode_all(&raw).unwrap();
    let Some(Data::TimelockEncrypted {
        encrypted,
        reveal_round,
    }) = reg.fields.first()
    else {
        panic!("not timelocked: {:?}", reg.fields);
    };
    assert_eq!(Some(*reveal_round), r.reveal_round);
    assert!(!String::from_utf8_lossy(encrypted).contains("leoma-"));
    assert!(
        !w.chain
            .revealed_commitments(NETUID, At::Best)
            .await
            .unwrap()
            .contains_key(w.hotkey())
    );

    // The chain reveals it with the beacon's pulse: the plaintext is the commitment JSON.
    assert_eq!(w.reveal_all(), 1);
    let revealed = w
        .chain
        .revealed_commitments(NETUID, At::Best)
        .await
        .unwrap();
    let history = revealed.get(w.hotkey()).unwrap().as_ref().unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].text, c.to_payload());
    let back: serde_json::Value = serde_json::from_str(&history[0].text).unwrap();
    assert_eq!(back["model_name"], c.model_name.as_str());
    assert_eq!(back["model_revision"], REV);
    assert_eq!(back["chute_id"], CHUTE);

    // And validators now accept the miner.
    let api = OwnerApiServer::start(vec![]).await;
    let report = gather(&w.services(), &api.client(), w.hotkey(), true)
        .await
        .unwrap();
    assert!(report.is_valid(), "{}", report.render());
    assert!(
        report
            .checks
            .iter()
            .all(|l| matches!(l.status, CheckStatus::Pass | CheckStatus::Skipped)),
        "{}",
        report.render()
    );
    assert_eq!(report.uid, Some(1));
}

/// A writer whose first `failures` submissions fail with `error`.
struct Flaky {
    inner: MemWriter,
    failures: u32,
    error: &'static str,
    calls: AtomicU32,
}

#[async_trait]
impl CommitmentWriter for Flaky {
    fn hotkey(&self) -> &Hotkey {
        CommitmentWriter::hotkey(&self.inner)
    }
    async fn set_commitment(&self, netuid: u16, text: &str) -> Result<Inclusion, ChainError> {
        self.inner.set_commitment(netuid, text).await
    }
    async fn set_reveal_commitment(
        &self,
        netuid: u16,
        text: &str,
        blocks: u64,
    ) -> Result<RevealInclusion, ChainError> {
        if self.calls.fetch_add(1, Ordering::SeqCst) < self.failures {
            return Err(ChainError::Dispatch {
                pallet: "Commitments".into(),
                error: self.error.into(),
            });
        }
        self.inner.set_reveal_commitment(netuid, text, blocks).await
    }
}

#[tokio::test]
async fn space_limit_errors_are_retried() {
    let w = World::new().await;
    let c = w.good();
    let flaky = Arc::new(Flaky {
        inner: w.writer(),
        failures: 2,
        error: "SpaceLimitExceeded",
        calls: AtomicU32::new(0),
    });
    let mut deps = w.deps(flaky.clone());
    let mut notes = Vec::new();
    let request = CommitRequest {
        commitment: c,
        force: false,
        whole_subnet: false,
    };
    deps.policy.space_limit_wait = Duration::from_millis(1);
    let r = execute(&deps, &request, &mut |n| notes.push(n)).await;
    assert!(r.success, "{r:?}");
    assert_eq!(r.attempts, 3);
    assert_eq!(
        notes
            .iter()
            .filter(|n| n.contains("SpaceLimitExceeded"))
            .count(),
        2
    );
    assert!(w.pending().is_some());
}

#[tokio::test]
async fn three_failures_report_the_last_error() {
    let w = World::new().await;
    let c = w.good();
    let flaky = Arc::new(Flaky {
        inner: w.writer(),
        failures: 3,
        error: "SpaceLimitExceeded",
        calls: AtomicU32::new(0),
    });
    let r = w.commit_with(w.deps(flaky.clone()), &c, false, false).await;
    assert!(!r.success);
    assert_eq!(r.attempts, 3);
    assert_eq!(flaky.calls.load(Ordering::SeqCst), 3);
    assert!(r.error.unwrap().contains("Commitments.SpaceLimitExceeded"));
    assert!(w.pending().is_none());
}

/// An in-process owner-api serving the real response shapes.
struct OwnerApiServer {
    server: FakeServer,
}

impl OwnerApiServer {
    async fn start(ranks: Vec<RankEntry>) -> OwnerApiServer {
        let miners: Arc<Vec<MinerResponse>> = Arc::new(
            ranks
                .iter()
                .map(|r| MinerResponse {
                    uid: r.uid.unwrap_or(0),
                    hotkey: r.miner_hotkey.clone(),
                    model_name: None,
                    model_revision: None,
                    model_hash: None,
                    chute_id: None,
                    chute_slug: None,
                    is_valid: false,
                    invalid_reason: Some("model_name_must_start_with_leoma".into()),
                    block: r.block,
                    last_validated_at: None,
                })
                .collect(),
        );
        let body = RankResponse { ranks };
        let router = Router::new()
            .route(
                "/scores/rank",
                get(move || async move { Json(body.clone()) }),
            )
            .route(
                "/miners/info/{hk}",
                get(move |Path(hk): Path<String>| async move {
                    match miners.iter().find(|m| m.hotkey == hk) {
                        Some(m) => Json(m.clone()).into_response(),
                        None => (
                            StatusCode::NOT_FOUND,
                            Json(serde_json::json!({"detail": "Miner not found"})),
                        )
                            .into_response(),
                    }
                }),
            )
            .route(
                "/blacklist/miners",
                get(|| async { Json(Vec::<String>::new()) }),
            );
        OwnerApiServer {
            server: FakeServer::start(router).await.unwrap(),
        }
    }

    fn client(&self) -> OwnerApi {
        OwnerApi::new(&self.server.base_url(), Duration::from_secs(5)).unwrap()
    }
}

fn rank_entry(hotkey: &Hotkey, rank: i64, eligible: bool) -> RankEntry {
    RankEntry {
        miner_hotkey: hotkey.as_str().to_owned(),
        uid: Some(1),
        rank,
        passed_count: 7,
        pass_rate: 0.875,
        block: Some(2),
        eligible,
    }
}

#[tokio::test]
async fn status_of_an_invalid_miner_names_the_failing_check() {
    let w = World::new().await;
    let mut c = w.good();
    c.model_name = format!("miner/model-{}", w.hotkey().as_str());
    reveal(&w.chain, NETUID, w.hotkey(), &c.to_payload(), 2);
    let api = OwnerApiServer::start(vec![rank_entry(w.hotkey(), 2, false)]).await;
    let report = gather(&w.services(), &api.client(), w.hotkey(), false)
        .await
        .unwrap();
    assert!(!report.is_valid());
    assert_eq!(
        report.reason.as_deref(),
        Some("model_name_must_start_with_leoma")
    );
    let text = report.render();
    #[allow(clippy::print_stderr)]
    {
        // Shown with `--nocapture`; docs/miner.md quotes it.
        eprintln!("{text}");
    }
    let line = |check: &str| {
        text.lines()
            .find(|l| l.contains(&format!("] {check} ")))
            .unwrap_or_else(|| panic!("no {check} line in\n{text}"))
            .to_owned()
    };
    assert!(line("registered").contains("[pass]"));
    assert!(line("fields_present").contains("[pass]"));
    assert!(line("name_starts_with_leoma").contains("[FAIL]"));
    assert!(line("name_starts_with_leoma").contains("model_name_must_start_with_leoma"));
    assert!(line("chute_hot").contains("not reached"));
    assert!(line("not_duplicate").contains("not reached"));
    assert!(text.contains("verdict: INVALID (model_name_must_start_with_leoma)"));
    assert!(text.contains("rank #2 of 1, 7 passes (87.5%), eligible=false"));
    assert!(text.contains("consensus: invalid (model_name_must_start_with_leoma)"));
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["verdict"], "invalid");
    assert_eq!(json["checks"][5]["status"], "fail");
    assert_eq!(json["owner_api"]["rank"]["rank"], 2);
}

#[tokio::test]
async fn status_reports_an_unreachable_owner_api_and_skips_the_blacklist() {
    let w = World::new().await;
    let c = w.good();
    reveal(&w.chain, NETUID, w.hotkey(), &c.to_payload(), 2);
    let dead = OwnerApi::new("http://127.0.0.1:9", Duration::from_secs(2)).unwrap();
    let report = gather(&w.services(), &dead, w.hotkey(), false)
        .await
        .unwrap();
    assert!(report.is_valid(), "{}", report.render());
    let text = report.render();
    assert!(text.contains("[skip] not_blacklisted"), "{text}");
    assert!(text.contains("[skip] not_duplicate"), "{text}");
    assert!(text.contains("unavailable"), "{text}");
}

#[tokio::test]
async fn status_of_unregistered_and_uncommitted_hotkeys() {
    let w = World::new().await;
    let api = OwnerApiServer::start(vec![]).await;
    let report = gather(&w.services(), &api.client(), w.hotkey(), false)
        .await
        .unwrap();
    assert_eq!(report.verdict, "no_commitment");
    assert!(report.render().contains("[FAIL] commitment_revealed"));
    let stranger = miner_hotkey(4242);
    let report = gather(&w.services(), &api.client(), &stranger, false)
        .await
        .unwrap();
    assert_eq!(report.verdict, "not_registered");
    assert!(report.render().contains("[FAIL] registered"));
}

fn run_cli(args: &[&str]) -> (u8, String, String) {
    let cli = leoma_miner::Cli::try_parse_from(args).unwrap();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = leoma_miner::run(cli, &mut out, &mut err);
    (
        code,
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

#[test]
fn push_dry_run_writes_a_definition_naming_the_model_and_revision() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = run_cli(&[
        "leoma-miner",
        "push",
        "--model-name",
        "alice/leoma-5F3sa2",
        "--model-revision",
        REV,
        "--chute-user",
        "alice",
        "--output-dir",
        dir.path().to_str().unwrap(),
        "--dry-run",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let result: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(result["success"], true);
    assert_eq!(result["dry_run"], true);
    let path = result["definition"].as_str().unwrap();
    assert!(path.ends_with("leoma_chute_0123456789ab.py"));
    let src = std::fs::read_to_string(path).unwrap();
    assert!(src.contains(r#"MODEL_NAME = "alice/leoma-5F3sa2""#));
    assert!(src.contains(&format!(r#"MODEL_REVISION = "{REV}""#)));
    assert!(src.contains(r#"CHUTE_USER = "alice""#));
    assert!(src.contains(r#"public_api_path="/generate""#));
}

#[test]
fn push_refuses_a_branch_name_and_a_bad_repo() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let base = [
        "leoma-miner",
        "push",
        "--chute-user",
        "a",
        "--output-dir",
        d,
        "--dry-run",
    ];
    let (code, _, err) = run_cli(
        &[
            &base[..],
            &["--model-name", "a/leoma-x", "--model-revision", "main"],
        ]
        .concat(),
    );
    assert_eq!(code, 2);
    assert!(err.contains("40-hex"), "{err}");
    let (code, _, err) = run_cli(
        &[
            &base[..],
            &["--model-name", "a/b/c", "--model-revision", REV],
        ]
        .concat(),
    );
    assert_eq!(code, 2);
    assert!(err.contains("--model-name"), "{err}");
    assert_eq!(std::fs::read_dir(d).unwrap().count(), 0);
}

#[test]
fn commit_accepts_the_reference_wallet_aliases() {
    let cli = leoma_miner::Cli::try_parse_from([
        "leoma-miner",
        "commit",
        "--model-name",
        "m",
        "--model-revision",
        REV,
        "--chute-id",
        "c",
        "--coldkey",
        "cold",
        "--hotkey",
        "hot",
        "--netuid",
        "7",
        "--chain-endpoint",
        "ws://x",
    ])
    .unwrap();
    let leoma_miner::Command::Commit(args) = cli.command else {
        panic!("not commit");
    };
    assert_eq!(args.coldkey.as_deref(), Some("cold"));
    assert_eq!(args.hotkey.as_deref(), Some("hot"));
    assert_eq!(args.chain.netuid, 7);
    assert_eq!(args.chain.endpoint().unwrap(), "ws://x");
    let cli = leoma_miner::Cli::try_parse_from([
        "leoma-miner",
        "status",
        "--wallet.name",
        "w",
        "--wallet.hotkey",
        "h",
        "--network",
        "test",
    ])
    .unwrap();
    let leoma_miner::Command::Status(args) = cli.command else {
        panic!("not status");
    };
    assert_eq!(args.wallet.wallet_name, "w");
    assert_eq!(args.wallet.wallet_hotkey, "h");
    assert_eq!(
        args.chain.endpoint().unwrap(),
        "wss://test.finney.opentensor.ai:443"
    );
}

#[tokio::test]
async fn rank_prints_the_leaderboard() {
    let a = miner_hotkey(1);
    let b = miner_hotkey(2);
    let api = OwnerApiServer::start(vec![rank_entry(&a, 1, true), rank_entry(&b, 2, false)]).await;
    let url = api.server.base_url();
    let table = tokio::task::spawn_blocking({
        let url = url.clone();
        move || run_cli(&["leoma-miner", "rank", "--api-url", &url])
    })
    .await
    .unwrap();
    assert_eq!(table.0, 0, "{}", table.2);
    let lines: Vec<&str> = table.1.lines().collect();
    assert!(lines[0].starts_with("RANK"));
    assert!(
        lines[1].starts_with("#1") && lines[1].contains(a.as_str()) && lines[1].ends_with("yes")
    );
    assert!(lines[2].starts_with("#2") && lines[2].contains("87.5%") && lines[2].ends_with("no"));
    let json = tokio::task::spawn_blocking(move || {
        run_cli(&["leoma-miner", "rank", "--api-url", &url, "--json"])
    })
    .await
    .unwrap();
    let back: RankResponse = serde_json::from_str(&json.1).unwrap();
    assert_eq!(back.ranks.len(), 2);
    assert_eq!(back.ranks[0].miner_hotkey, a.as_str());
}

#[tokio::test]
async fn deploy_fails_on_a_logged_error_and_succeeds_otherwise() {
    let dir = tempfile::tempdir().unwrap();
    let script = |name: &str, body: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
        let mut perm = std::fs::metadata(&p).unwrap().permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut perm, 0o755);
        std::fs::set_permissions(&p, perm).unwrap();
        p
    };
    let ok = script(
        "ok",
        r#"read answer; echo "args: $* answer: $answer"; echo "2025-01-02 03:04:05.678 | INFO | done""#,
    );
    let mut lines = Vec::new();
    leoma_miner::push::deploy::deploy(&ok, dir.path(), "mod_x", &mut |l| lines.push(l.to_owned()))
        .await
        .unwrap();
    assert!(
        lines
            .iter()
            .any(|l| l == "args: deploy mod_x:chute --accept-fee answer: y"),
        "{lines:?}"
    );
    let bad = script(
        "bad",
        r#"echo "2025-01-02 03:04:05.678 | ERROR | image not built" >&2; sleep 30"#,
    );
    let e = leoma_miner::push::deploy::deploy(&bad, dir.path(), "m", &mut |_| {})
        .await
        .unwrap_err();
    assert!(e.to_string().contains("image not built"), "{e}");
    let exit = script("exit", "exit 3");
    let e = leoma_miner::push::deploy::deploy(&exit, dir.path(), "m", &mut |_| {})
        .await
        .unwrap_err();
    assert!(e.to_string().contains("exited"), "{e}");
    let found = leoma_miner::push::deploy::find_on_path("ok", Some(dir.path().as_os_str()));
    assert_eq!(found, Some(ok));
}

#[tokio::test]
async fn push_finds_the_new_chute_and_waits_until_hot() {
    let router = Router::new().route(
        "/chutes/",
        get(|headers: axum::http::HeaderMap| async move {
            let auth = headers.get("authorization").and_then(|v| v.to_str().ok());
            if auth != Some("Bearer k") {
                return StatusCode::UNAUTHORIZED.into_response();
            }
            Json(serde_json::json!({"items": [
                {"chute_id": "old", "slug": "s-old", "name": "a/leoma-x"},
                {"chute_id": "new", "slug": "s-new", "tagline": "a/leoma-x"}
            ]}))
            .into_response()
        }),
    );
    let server = FakeServer::start(router).await.unwrap();
    let key = leoma_api_types::keys::Secret::new("k");
    let found = leoma_miner::push::find_chute(
        &server.base_url(),
        Some(&key),
        "a/leoma-x",
        Duration::from_secs(5),
    )
    .await
    .unwrap();
    assert_eq!(found.chute_id, "new");
    assert_eq!(found.slug.as_deref(), Some("s-new"));
    let missing = leoma_miner::push::find_chute(
        &server.base_url(),
        Some(&key),
        "a/other",
        Duration::from_secs(5),
    )
    .await;
    assert!(matches!(
        missing,
        Err(leoma_miner::MinerError::ChuteNotListed { .. })
    ));

    let chutes = FakeChutes::start().await.unwrap();
    chutes.set_chute("new", ChuteScript::hot("s-new", "a/leoma-x", REV));
    let dir = ChutesHttp::new(&chutes.base_url(), None, Duration::from_secs(5)).unwrap();
    let mut ticks = 0;
    leoma_miner::push::wait_hot(
        &dir,
        "new",
        Duration::from_millis(10),
        Duration::from_secs(5),
        &mut |_| ticks += 1,
    )
    .await
    .unwrap();
    assert_eq!(ticks, 1);
    let e = leoma_miner::push::wait_hot(
        &dir,
        "gone",
        Duration::from_millis(10),
        Duration::from_millis(50),
        &mut |_| {},
    )
    .await
    .unwrap_err();
    assert!(matches!(e, leoma_miner::MinerError::WaitTimeout { .. }));
}
