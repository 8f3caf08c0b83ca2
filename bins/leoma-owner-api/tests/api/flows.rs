//! Validator reports, sample batches, the background tasks and the dashboard JSON they feed
//! (SPEC §9.5, §9.7, §9.8, S7, S8).

use std::sync::Arc;

use leoma_api_types::Hotkey;
use leoma_api_types::samples::SampleBatch;
use leoma_chain::ChainReader;
use leoma_chain::mem::MemChain;
use leoma_owner_api::Ports;
use leoma_owner_api::chutes::AllHot;
use leoma_owner_api::tasks::{self, TaskSettings};
use reqwest::Method;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::store::sample;
use crate::support::*;

/// Miner seeds registered on the chain at uids 0.. (in this order).
const MINERS: [u8; 3] = [20, 21, 22];

fn chain() -> Arc<MemChain> {
    let chain = Arc::new(MemChain::new());
    let cold = Hotkey::parse(&hk(99)).unwrap();
    chain.with_subnet(99, |s| {
        for m in MINERS {
            s.register(Hotkey::parse(&hk(m)).unwrap(), cold.clone());
        }
        s.register(Hotkey::parse(&hk(V1)).unwrap(), cold.clone());
    });
    // Best block 1000: rotation index 10 at the default interval of 100, so task ids up to
    // 11 are accepted (S7).
    chain.advance(1000);
    chain
}

pub(crate) async fn server_with_chain(db: Db) -> Server {
    let chain: Arc<dyn ChainReader> = chain();
    let ports = Ports {
        chain: Some(chain),
        chutes: Some(Arc::new(AllHot)),
        media: None,
    };
    Server::start_with(db, test_settings(), ports).await
}

fn entry(uid: i64, miner: u8, valid: bool) -> Value {
    json!({"uid": uid, "miner_hotkey": hk(miner), "model_name": "org/m", "model_revision": "r1",
           "model_hash": null, "chute_id": format!("chute-{miner}"), "chute_slug": null,
           "block": 100 + uid, "is_valid": valid, "invalid_reason": if valid { Value::Null } else { json!("hf_missing") }})
}

async fn report(s: &Server, seed: u8, entries: Vec<Value>) -> (u16, Value) {
    let body = json!({ "miners": entries }).to_string();
    sj(s.x(Method::POST, "/miners/report", body.as_bytes(), seed)
        .send()
        .await
        .unwrap())
    .await
}

#[tokio::test]
async fn report_with_duplicate_or_bad_hotkey_is_400_not_500() {
    let s = Server::start().await;
    let (st, b) = report(&s, V1, vec![entry(0, 20, true), entry(1, 20, true)]).await;
    assert_eq!((st, detail(&b)), (400, "Duplicate miner_hotkey in report"));
    let mut bad = entry(0, 20, true);
    bad["miner_hotkey"] = json!("5NotAnAddressAtAll11111111111111111111111111111");
    let (st, b) = report(&s, V1, vec![bad]).await;
    assert_eq!((st, detail(&b)), (400, "Invalid SS58 address format"));
    let (st, b) = report(&s, V1, vec![entry(0, 20, true)]).await;
    assert_eq!((st, b), (200, json!({"reported": 1})));
    let (st, b) = report(&s, STRANGER, vec![entry(0, 20, true)]).await;
    assert_eq!(st, 401, "{b}");
}

#[tokio::test]
async fn a_single_reporter_cannot_overwrite_another_miners_row() {
    let s = server_with_chain(Db::sqlite()).await;
    let t = TaskSettings::default();
    // V1 reports the truth: miner 20 at uid 0.
    assert_eq!(
        report(&s, V1, vec![entry(0, 20, true), entry(1, 21, true)])
            .await
            .0,
        200
    );
    assert_eq!(tasks::consensus_once(&s.state, &t).await.unwrap(), Some(2));
    // V2 claims uid 0 for miner 22 and that miner 21 (uid 1) is invalid.
    assert_eq!(
        report(&s, V2, vec![entry(0, 22, true), entry(1, 21, false)])
            .await
            .0,
        200
    );
    tasks::consensus_once(&s.state, &t).await.unwrap();
    let (_, m0) = sj(s.http.get(s.url("/miners/uid/0")).send().await.unwrap()).await;
    assert_eq!(
        m0["hotkey"],
        json!(hk(20)),
        "uid 0 still belongs to miner 20: {m0}"
    );
    // 1 valid vote of 2 is a tie → invalid: V2 alone cannot flip it, but together they do.
    let (_, m1) = sj(s.http.get(s.url("/miners/uid/1")).send().await.unwrap()).await;
    assert_eq!(m1["is_valid"], json!(false), "{m1}");
    // V1's rows were not touched by V2's report.
    assert_eq!(reports_by(&s, V1).await, 2);
    let (_, h) = sj(s.http.get(s.url("/health")).send().await.unwrap()).await;
    assert_eq!(h["metagraph_synced"], json!(true));
}

/// How many stored miner-report rows the validator with `seed` wrote.
async fn reports_by(s: &Server, seed: u8) -> usize {
    let rows = s
        .state
        .store()
        .reports_since("2000-01-01T00:00:00.000000+00:00", 100)
        .await
        .unwrap();
    rows.iter()
        .filter(|r| r.validator_hotkey == hk(seed))
        .count()
}

fn signed_batch(seed: u8, task: i64, miners: &[u8]) -> SampleBatch {
    let samples = miners
        .iter()
        .map(|m| sample(task, &hk(*m), *m % 2 == 0, Some(1200)))
        .collect();
    let mut batch = SampleBatch {
        samples,
        signature: None,
    };
    let digest: [u8; 32] = Sha256::digest(batch.canonical_bytes_v1()).into();
    batch.signature = Some(leoma_api_types::owner_api::auth::signature_header(
        &key(seed).sign(&digest),
    ));
    batch
}

#[tokio::test]
async fn sample_batches_are_checked_and_signatures_verified() {
    let s = Server::start().await;
    let batch = signed_batch(V1, 5, &[20, 21]);
    let (st, b) = sj(s
        .x(Method::POST, "/samples/batch", &batch.to_bytes(), V1)
        .send()
        .await
        .unwrap())
    .await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(b.as_array().unwrap().len(), 2);
    // Signed by V1 but sent by V2: the signature does not verify for the sender.
    let (st, b) = sj(s
        .x(Method::POST, "/samples/batch", &batch.to_bytes(), V2)
        .send()
        .await
        .unwrap())
    .await;
    assert_eq!((st, detail(&b)), (400, "Invalid evaluation signature"));
    let mut mixed = signed_batch(V1, 5, &[20, 21]);
    mixed.samples[1].task_id = 6;
    let (st, b) = sj(s
        .x(Method::POST, "/samples/batch", &mixed.to_bytes(), V1)
        .send()
        .await
        .unwrap())
    .await;
    assert_eq!(
        (st, detail(&b)),
        (
            400,
            "When signature is provided, all samples must have the same task_id"
        )
    );
    let mut negative = signed_batch(V1, -1, &[20]);
    negative.signature = None;
    let (st, b) = sj(s
        .x(Method::POST, "/samples/batch", &negative.to_bytes(), V1)
        .send()
        .await
        .unwrap())
    .await;
    assert_eq!((st, detail(&b)), (400, "task_id out of range"));
    let (st, b) = sj(s
        .x(Method::POST, "/samples/batch", br#"{"samples": "x"}"#, V1)
        .send()
        .await
        .unwrap())
    .await;
    assert_eq!(st, 422, "{b}");
    let (st, b) = sj(s
        .http
        .get(s.url("/samples/list?limit=0"))
        .send()
        .await
        .unwrap())
    .await;
    assert_eq!(st, 422, "{b}");
    let (st, b) = sj(s
        .http
        .get(s.url("/samples/list?limit=5"))
        .send()
        .await
        .unwrap())
    .await;
    assert_eq!((st, b.as_array().unwrap().len()), (200, 2));
}

/// Seeds reports and samples for 3 miners over `tasks` tasks by V1 and V2 (alternating turns).
pub(crate) async fn seed_flow(s: &Server, tasks_n: i64) {
    assert_eq!(
        report(
            s,
            V1,
            MINERS
                .iter()
                .enumerate()
                .map(|(i, m)| entry(i as i64, *m, true))
                .collect()
        )
        .await
        .0,
        200
    );
    for task in 0..tasks_n {
        let producer = if task % 2 == 0 { V1 } else { V2 };
        let batch = signed_batch(producer, task, &MINERS);
        let (st, b) = sj(s
            .x(Method::POST, "/samples/batch", &batch.to_bytes(), producer)
            .send()
            .await
            .unwrap())
        .await;
        assert_eq!(st, 200, "{b}");
    }
    let t = TaskSettings::default();
    tasks::consensus_once(&s.state, &t).await.unwrap();
    tasks::dashboard_scores_once(&s.state, true).await.unwrap();
}

async fn dashboard_json(db: Db) {
    let s = server_with_chain(db).await;
    seed_flow(&s, 10).await;
    let (_, rank) = sj(s.http.get(s.url("/scores/rank")).send().await.unwrap()).await;
    let ranks = rank["ranks"].as_array().unwrap();
    assert_eq!(ranks.len(), 3, "{rank}");
    assert_eq!(ranks[0]["rank"], json!(1));
    assert!(ranks.iter().all(|r| r["eligible"] == json!(true)), "{rank}");
    let winner = ranks[0]["miner_hotkey"].clone();
    let (_, active) = sj(s.http.get(s.url("/miners/active")).send().await.unwrap()).await;
    let active = active.as_array().unwrap();
    assert_eq!(active.len(), 3);
    assert_eq!(active[0]["hotkey"], winner);
    assert_eq!(active[0]["weight"], json!(1.0));
    assert_eq!(
        active[0]["tasks_evaluated"],
        json!(8),
        "window = 10 tasks minus the settle margin"
    );
    assert_eq!(active[0]["validators_evaluating"], json!(2));
    let (_, overview) = sj(s.http.get(s.url("/overview")).send().await.unwrap()).await;
    assert_eq!(overview["latest_task_id"], json!(9));
    assert_eq!(overview["window_start"], json!(0));
    assert_eq!(overview["window_end"], json!(7));
    assert_eq!(overview["active_miners"], json!(3));
    assert_eq!(overview["current_sampler"], json!(hk(V2)));
    let (_, validators) = sj(s.http.get(s.url("/validators")).send().await.unwrap()).await;
    let cards = validators.as_array().unwrap();
    assert_eq!(cards.len(), 2);
    assert!(
        cards.iter().all(|c| c["tasks_sampled"] == json!(4)),
        "{validators}"
    );
    assert!(cards.iter().any(|c| c["online"] == json!(true)));
    let (_, weights) = sj(s.http.get(s.url("/weights")).send().await.unwrap()).await;
    assert_eq!(
        weights["miners"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["weight"] == json!(1.0))
            .count(),
        1
    );
    let (_, scores) = sj(s.http.get(s.url("/scores")).send().await.unwrap()).await;
    assert_eq!(scores["total_validators"], json!(2));
    let (_, stats) = sj(s.http.get(s.url("/scores/stats")).send().await.unwrap()).await;
    assert_eq!(stats["total_samples"], json!(30));
    let (st, task) = sj(s.http.get(s.url("/tasks/3")).send().await.unwrap()).await;
    assert_eq!(st, 200);
    assert_eq!(task["miner_count"], json!(3));
    assert_eq!(task["sampler_hotkey"], json!(hk(V2)));
    let (st, tm) = sj(s
        .http
        .get(s.url(&format!("/tasks/3/miner/{}", hk(20))))
        .send()
        .await
        .unwrap())
    .await;
    assert_eq!(st, 200);
    assert_eq!(tm["validators"][0]["aspect_scores"], json!({"motion": 7}));
    assert_eq!(tm["validators"][0]["overall_score"], json!(81));
    let (st, b) = sj(s.http.get(s.url("/tasks/99")).send().await.unwrap()).await;
    assert_eq!((st, detail(&b)), (404, "Task not found"));
    let (_, mt) = sj(s
        .http
        .get(s.url(&format!("/miners/{}/tasks", hk(21))))
        .send()
        .await
        .unwrap())
    .await;
    assert_eq!(mt.as_array().unwrap().len(), 10);
    assert_eq!(mt[0]["task_id"], json!(9));
    let late = signed_batch(V1, 12, &MINERS);
    let (st, b) = sj(s
        .x(Method::POST, "/samples/batch", &late.to_bytes(), V1)
        .send()
        .await
        .unwrap())
    .await;
    assert_eq!(
        (st, detail(&b)),
        (400, "task_id out of range"),
        "beyond the current rotation index + 1"
    );
    // Stake refresh from the metagraph (MemChain stakes are 0).
    assert_eq!(tasks::stake_refresh_once(&s.state).await.unwrap(), 1);
}

#[tokio::test]
async fn dashboard_json_on_sqlite() {
    dashboard_json(Db::sqlite()).await;
}

#[tokio::test]
async fn dashboard_json_on_postgres() {
    dashboard_json(Db::postgres().await).await;
}

#[tokio::test]
async fn admin_routes_manage_validators_blacklist_and_rotation() {
    let s = server_with_chain(Db::sqlite()).await;
    // Without uid: resolved from the metagraph.
    let body = json!({"hotkey": hk(21)}).to_string();
    let (st, b) = sj(s
        .x(Method::POST, "/validators", body.as_bytes(), ADMIN)
        .send()
        .await
        .unwrap())
    .await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(
        (b["uid"].clone(), b["added_by"].clone()),
        (json!(1), json!(hk(ADMIN)))
    );
    let body = json!({"hotkey": hk(55)}).to_string();
    let (st, b) = sj(s
        .x(Method::POST, "/validators", body.as_bytes(), ADMIN)
        .send()
        .await
        .unwrap())
    .await;
    assert_eq!(
        (st, detail(&b)),
        (
            404,
            "Hotkey not found on the subnet metagraph; pass uid explicitly to add it anyway."
        )
    );
    let body = json!({"hotkey": hk(21), "uid": 40}).to_string();
    let (st, b) = sj(s
        .x(Method::POST, "/validators", body.as_bytes(), ADMIN)
        .send()
        .await
        .unwrap())
    .await;
    assert_eq!(
        (st, detail(&b)),
        (409, "Hotkey already registered under another uid")
    );
    let (st, b) = sj(s
        .x(
            Method::DELETE,
            &format!("/validators/{}", hk(21)),
            b"",
            ADMIN,
        )
        .send()
        .await
        .unwrap())
    .await;
    assert_eq!(st, 200);
    assert!(
        b["message"]
            .as_str()
            .unwrap()
            .starts_with("Removed validator ")
    );
    let (st, b) = sj(s
        .x(
            Method::DELETE,
            &format!("/validators/{}", hk(21)),
            b"",
            ADMIN,
        )
        .send()
        .await
        .unwrap())
    .await;
    assert_eq!((st, detail(&b)), (404, "Validator not registered"));
    let (st, b) = sj(s
        .x(
            Method::POST,
            "/rotation/interval",
            br#"{"interval": 0}"#,
            ADMIN,
        )
        .send()
        .await
        .unwrap())
    .await;
    assert_eq!(st, 422, "{b}");
    let (st, b) = sj(s
        .x(
            Method::POST,
            "/rotation/interval",
            br#"{"interval": 50}"#,
            ADMIN,
        )
        .send()
        .await
        .unwrap())
    .await;
    assert_eq!((st, b), (200, json!({"interval": 50})));
    let (_, o) = sj(s.http.get(s.url("/overview")).send().await.unwrap()).await;
    assert_eq!(o["rotation_interval"], json!(50));
    let (st, b) = sj(s
        .http
        .get(s.url("/blacklist/not-ss58"))
        .send()
        .await
        .unwrap())
    .await;
    assert_eq!((st, detail(&b)), (400, "Invalid SS58 address format"));
    let (st, b) = sj(s
        .http
        .get(s.url(&format!("/blacklist/{}", hk(20))))
        .send()
        .await
        .unwrap())
    .await;
    assert_eq!((st, detail(&b)), (404, "Miner not blacklisted"));
    let (st, b) = sj(s.http.get(s.url("/miners/list")).send().await.unwrap()).await;
    assert_eq!(
        (st, b["total"].clone()),
        (200, json!(0)),
        "/miners/list is never read as a hotkey"
    );
    let (st, _) = sj(s
        .http
        .get(s.url(&format!("/validators/{}", hk(77))))
        .send()
        .await
        .unwrap())
    .await;
    assert_eq!(st, 200);
}

#[tokio::test]
async fn every_documented_route_is_served() {
    let s = Server::start().await;
    let (st, doc) = sj(s.http.get(s.url("/openapi.json")).send().await.unwrap()).await;
    assert_eq!(st, 200);
    assert_eq!(doc["openapi"], json!("3.0.3"));
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() >= 30, "{}", paths.len());
    for (path, methods) in paths {
        let concrete = path
            .replace("{uid}", "0")
            .replace("{task_id}", "1")
            .replace("{miner_hotkey}", &hk(20))
            .replace("{validator_hotkey}", &hk(V1))
            .replace("{hotkey}", &hk(20));
        for method in methods.as_object().unwrap().keys() {
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let (st, b) = sj(s.http.request(m, s.url(&concrete)).send().await.unwrap()).await;
            assert!(
                !(st == 404 && detail(&b) == "Not Found") && st != 405,
                "{method} {path} is not routed: {st} {b}"
            );
        }
    }
}

/// The validator's own client (`leoma_sampler::report::OwnerApiHttp`, what `serve` and `sampler`
/// use) against this server: the blacklist read, a signed miner report and a signed sample
/// batch all land (issue 7 point 7).
#[tokio::test]
async fn the_validators_reporter_reads_the_blacklist_and_its_reports_land() {
    use leoma_sampler::report::{OwnerApiHttp, OwnerApiSettings, Reporter};

    let s = server_with_chain(Db::sqlite()).await;
    s.state
        .store()
        .upsert_blacklist(&hk(22), Some("copycat"), None, "2026-01-01T00:00:00+00:00")
        .await
        .unwrap();
    let reporter =
        OwnerApiHttp::new(&s.base, Arc::new(key(V1)), OwnerApiSettings::default()).unwrap();

    assert_eq!(reporter.blacklist().await.unwrap(), vec![hk(22)]);

    let report: leoma_api_types::report::MinerReport =
        serde_json::from_value(json!({"miners": [entry(0, 20, true), entry(1, 21, false)]}))
            .unwrap();
    reporter.report_miners(&report).await.unwrap();
    assert_eq!(reports_by(&s, V1).await, 2);

    let batch = signed_batch(V1, 5, &[20, 21]);
    reporter.report_samples(&batch).await.unwrap();
    let stored = s.state.store().samples_in_tasks(&[5]).await.unwrap();
    assert_eq!(stored.len(), 2);

    // A key the server does not know is refused, and the client says so without retrying.
    let stranger = OwnerApiHttp::new(
        &s.base,
        Arc::new(key(STRANGER)),
        OwnerApiSettings::default(),
    )
    .unwrap();
    let err = stranger.report_miners(&report).await.unwrap_err();
    assert!(!err.is_transient(), "{err}");
    assert!(err.to_string().contains("401"), "{err}");
}

/// The same client with `API_AUTH_SCHEME=epistula`: its Epistula v2 signatures (bound to the
/// server's `OWNER_API_HOTKEY`, and unbound) are accepted and the reports land; a binding to
/// another receiver is refused.
#[tokio::test]
async fn the_validators_reporter_signs_with_epistula_and_its_reports_land() {
    use leoma_sampler::report::{AuthScheme, OwnerApiHttp, OwnerApiSettings, Reporter};

    let server_hotkey = hk(ADMIN);
    let mut settings = test_settings();
    settings.owner_api_hotkey = Some(server_hotkey.clone());
    let ports = Ports {
        chain: Some(chain()),
        chutes: Some(Arc::new(AllHot)),
        media: None,
    };
    let s = Server::start_with(Db::sqlite(), settings, ports).await;
    let epistula = |signed_for: Option<String>| {
        OwnerApiHttp::new(
            &s.base,
            Arc::new(key(V1)),
            OwnerApiSettings {
                auth: AuthScheme::Epistula { signed_for },
                ..OwnerApiSettings::default()
            },
        )
        .unwrap()
    };
    let report: leoma_api_types::report::MinerReport =
        serde_json::from_value(json!({"miners": [entry(0, 20, true), entry(1, 21, false)]}))
            .unwrap();

    let bound = epistula(Some(server_hotkey));
    bound.report_miners(&report).await.unwrap();
    // A second identical report is a new request (fresh uuid), not a replay.
    bound.report_miners(&report).await.unwrap();
    assert_eq!(reports_by(&s, V1).await, 2);
    bound
        .report_samples(&signed_batch(V1, 5, &[20, 21]))
        .await
        .unwrap();
    assert_eq!(
        s.state.store().samples_in_tasks(&[5]).await.unwrap().len(),
        2
    );

    let unbound = epistula(None);
    unbound
        .report_samples(&signed_batch(V1, 6, &[20]))
        .await
        .unwrap();
    assert_eq!(
        s.state.store().samples_in_tasks(&[6]).await.unwrap().len(),
        1
    );

    let elsewhere = epistula(Some(hk(V2)));
    let err = elsewhere.report_miners(&report).await.unwrap_err();
    assert!(!err.is_transient(), "{err}");
    assert!(err.to_string().contains("Signed-For mismatch"), "{err}");
}
