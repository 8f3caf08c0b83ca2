//! `OwnerApiHttp` against the testkit's `FakeOwnerApi`, which verifies the `X-*` signature over
//! the raw body as the owner-api does (SPEC §9.2) and checks bodies as §9.5 does.

#![allow(clippy::unwrap_used, clippy::panic)] // test helpers outside #[test] functions

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use leoma_api_types::Hotkey;
use leoma_api_types::owner_api::auth::{
    X_SIGNATURE, X_TIMESTAMP, X_VALIDATOR_HOTKEY, signature_header, x_message,
};
use leoma_api_types::report::{MinerReport, MinerReportEntry};
use leoma_api_types::samples::{SampleBatch, SampleSubmission};
use leoma_api_types::signature::{SignatureHex, Signer, verify_sr25519_form};
use leoma_chain::Keypair;
use leoma_sampler::report::{
    NoReporter, OwnerApiHttp, OwnerApiSettings, ReportError, Reporter, SharedSigner,
};
use leoma_testkit::owner_api::{Endpoint, FakeOwnerApi, Fault};
use leoma_testkit::roster::miner_hotkey;
use sha2::{Digest, Sha256};

fn alice() -> Keypair {
    Keypair::from_uri("//Alice").unwrap()
}

fn fast() -> OwnerApiSettings {
    OwnerApiSettings {
        timeout: Duration::from_secs(5),
        max_attempts: 3,
        backoff: vec![Duration::from_millis(20), Duration::from_millis(40)],
        ..OwnerApiSettings::default()
    }
}

fn client(api: &FakeOwnerApi, signer: SharedSigner, settings: OwnerApiSettings) -> OwnerApiHttp {
    OwnerApiHttp::new(&api.base_url(), signer, settings).unwrap()
}

fn report(n: u32) -> MinerReport {
    MinerReport {
        miners: (0..n)
            .map(|i| MinerReportEntry {
                uid: i64::from(i),
                miner_hotkey: miner_hotkey(i).as_str().to_owned(),
                model_name: Some(format!("m/leoma-{}", miner_hotkey(i).as_str())),
                model_revision: Some("r".repeat(40)),
                model_hash: None,
                chute_id: Some(format!("chute-{i}")),
                chute_slug: Some(String::new()),
                block: Some(100 + i64::from(i)),
                is_valid: i.is_multiple_of(2),
                invalid_reason: (!i.is_multiple_of(2)).then(|| "chute_not_running".to_owned()),
            })
            .collect(),
    }
}

fn sample(i: u32, task_id: i64) -> SampleSubmission {
    SampleSubmission {
        task_id,
        miner_hotkey: miner_hotkey(i).as_str().to_owned(),
        s3_bucket: "own-bucket".into(),
        s3_prefix: task_id.to_string(),
        passed: !i.is_multiple_of(3),
        prompt: "a red kite over the dunes".into(),
        confidence: Some(80),
        reasoning: Some("smooth motion".into()),
        latency_ms: Some(1234),
        original_artifacts: Some("{}".into()),
        generated_artifacts: Some("{}".into()),
        presentation_order: Some("original_first".into()),
        status: None,
        reason: None,
        evaluation_signature: None,
    }
}

/// A batch signed over SHA-256 of its v1 canonical bytes, as the turn signs each chunk (SPEC
/// §3.7, §7.10).
fn signed_batch(signer: &dyn Signer, n: u32) -> SampleBatch {
    let mut batch = SampleBatch {
        samples: (0..n).map(|i| sample(i, 42)).collect(),
        signature: None,
    };
    batch.signature =
        Some(SignatureHex::sign(signer, &Sha256::digest(batch.canonical_bytes_v1())).to_string());
    batch
}

/// Checks one accepted request the way a server would, independently of the fake.
fn assert_verifies(hotkey: &str, timestamp: &str, signature: &str, body: &[u8]) {
    let key = Hotkey::parse(hotkey).unwrap();
    let sig = SignatureHex::parse(signature).unwrap();
    let message = x_message(body, timestamp);
    assert!(
        verify_sr25519_form(key.public_key(), message.as_bytes(), sig.as_bytes()).is_some(),
        "signature does not verify"
    );
}

#[tokio::test]
async fn miner_report_is_signed_over_its_exact_bytes() {
    let api = FakeOwnerApi::start().await.unwrap();
    let key = alice();
    let c = client(&api, Arc::new(key.clone()), fast());
    assert_eq!(c.hotkey(), key.ss58());
    let r = report(5);
    c.report_miners(&r).await.unwrap();
    let accepted = api.accepted(Endpoint::MinersReport);
    assert_eq!(accepted.len(), 1);
    let a = &accepted[0];
    assert_eq!(a.body, r.to_bytes().unwrap());
    assert_eq!(a.hotkey, key.ss58());
    assert_verifies(&a.hotkey, &a.timestamp, &a.signature, &a.body);
    // The timestamp is decimal Unix seconds close to now.
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let ts: u64 = a.timestamp.parse().unwrap();
    assert!(now.abs_diff(ts) <= 5, "{ts} vs {now}");
    assert!(api.refused().is_empty());
}

#[tokio::test]
async fn sample_batch_is_signed_and_its_evaluation_signature_verifies() {
    let api = FakeOwnerApi::start().await.unwrap();
    let key = alice();
    let c = client(&api, Arc::new(key.clone()), fast());
    let batch = signed_batch(&key, 100);
    c.report_samples(&batch).await.unwrap();
    let accepted = api.accepted(Endpoint::SamplesBatch);
    assert_eq!(accepted.len(), 1);
    assert_eq!(accepted[0].body, batch.to_bytes());
    assert_verifies(
        &accepted[0].hotkey,
        &accepted[0].timestamp,
        &accepted[0].signature,
        &accepted[0].body,
    );
    // An evaluation signature by another key is refused by the owner-api and not retried.
    let bob = Keypair::from_uri("//Bob").unwrap();
    let forged = signed_batch(&bob, 3);
    let err = c.report_samples(&forged).await.unwrap_err();
    assert_eq!(
        err,
        ReportError::Http {
            status: 400,
            detail: "Invalid evaluation signature".into()
        }
    );
    assert_eq!(api.attempts(Endpoint::SamplesBatch), 2);
}

#[tokio::test]
async fn a_chunk_over_100_samples_is_refused_before_sending() {
    let api = FakeOwnerApi::start().await.unwrap();
    let key = alice();
    let c = client(&api, Arc::new(key.clone()), fast());
    let err = c
        .report_samples(&signed_batch(&key, 101))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ReportError::InvalidRequest(m) if m.contains("101")),
        "{err}"
    );
    let err = c.report_miners(&report(2049)).await.unwrap_err();
    assert!(
        matches!(&err, ReportError::InvalidRequest(m) if m.contains("2048")),
        "{err}"
    );
    assert_eq!(api.attempts(Endpoint::SamplesBatch), 0);
    assert_eq!(api.attempts(Endpoint::MinersReport), 0);
    // Exactly 100 goes out.
    c.report_samples(&signed_batch(&key, 100)).await.unwrap();
}

/// Claims Alice's hotkey but signs with Bob's key.
struct Forger {
    claimed: [u8; 32],
    real: Keypair,
}

impl Signer for Forger {
    fn public_key(&self) -> [u8; 32] {
        self.claimed
    }
    fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.real.sign(message)
    }
}

#[tokio::test]
async fn a_forged_signature_is_refused_and_not_retried() {
    let api = FakeOwnerApi::start().await.unwrap();
    let forger = Forger {
        claimed: alice().public_key(),
        real: Keypair::from_uri("//Bob").unwrap(),
    };
    let c = client(&api, Arc::new(forger), fast());
    assert_eq!(c.hotkey(), alice().ss58());
    let err = c.report_miners(&report(1)).await.unwrap_err();
    assert_eq!(
        err,
        ReportError::Http {
            status: 401,
            detail: "Invalid signature".into()
        }
    );
    assert!(!err.is_transient());
    assert_eq!(api.attempts(Endpoint::MinersReport), 1);
    assert!(api.accepted(Endpoint::MinersReport).is_empty());
}

#[tokio::test]
async fn unregistered_and_blacklisted_validators_are_refused() {
    let api = FakeOwnerApi::start().await.unwrap();
    let bob = Keypair::from_uri("//Bob").unwrap();
    api.set_validators(&[bob.ss58()]);
    let c = client(&api, Arc::new(alice()), fast());
    match c.report_miners(&report(1)).await {
        Err(ReportError::Http {
            status: 401,
            detail,
        }) => {
            assert!(detail.starts_with("Validator not registered."), "{detail}");
        }
        other => panic!("{other:?}"),
    }
    api.set_blacklist(&[bob.ss58()]);
    let c = client(&api, Arc::new(bob), fast());
    assert_eq!(
        c.report_miners(&report(1)).await,
        Err(ReportError::Http {
            status: 401,
            detail: "Hotkey is blacklisted".into()
        })
    );
}

#[tokio::test]
async fn blacklist_is_read_unsigned_in_server_order() {
    let api = FakeOwnerApi::start().await.unwrap();
    let (a, b) = (miner_hotkey(9), miner_hotkey(3));
    api.set_blacklist(&[a.as_str(), b.as_str()]);
    let c = client(&api, Arc::new(alice()), fast());
    assert_eq!(
        c.blacklist().await.unwrap(),
        vec![a.as_str().to_owned(), b.as_str().to_owned()]
    );
    api.set_blacklist(&[]);
    assert_eq!(c.blacklist().await.unwrap(), Vec::<String>::new());
}

#[tokio::test]
async fn transient_statuses_are_retried_and_each_attempt_is_signed_afresh() {
    let api = FakeOwnerApi::start().await.unwrap();
    let c = client(&api, Arc::new(alice()), fast());
    api.push_fault(Endpoint::Blacklist, Fault::Status(503));
    api.push_fault(Endpoint::Blacklist, Fault::Status(500));
    api.set_blacklist(&[miner_hotkey(1).as_str()]);
    assert_eq!(c.blacklist().await.unwrap().len(), 1);
    assert_eq!(api.attempts(Endpoint::Blacklist), 3);

    // The first attempt is authenticated (its signature enters the replay cache) and then
    // fails with 502; a retry reusing that signature would be refused as a replay.
    api.push_fault(Endpoint::MinersReport, Fault::StatusAfterAuth(502));
    api.push_fault(Endpoint::MinersReport, Fault::Status(429));
    c.report_miners(&report(2)).await.unwrap();
    assert_eq!(api.attempts(Endpoint::MinersReport), 3);
    assert_eq!(api.accepted(Endpoint::MinersReport).len(), 1);
    assert!(api.refused().is_empty(), "{:?}", api.refused());
}

#[tokio::test]
async fn retries_stop_after_max_attempts() {
    let api = FakeOwnerApi::start().await.unwrap();
    let c = client(&api, Arc::new(alice()), fast());
    for _ in 0..4 {
        api.push_fault(Endpoint::SamplesBatch, Fault::Status(500));
    }
    let err = c
        .report_samples(&signed_batch(&alice(), 1))
        .await
        .unwrap_err();
    assert_eq!(
        err,
        ReportError::Http {
            status: 500,
            detail: "scripted failure".into()
        }
    );
    assert_eq!(api.attempts(Endpoint::SamplesBatch), 3);
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    let api = FakeOwnerApi::start().await.unwrap();
    let c = client(&api, Arc::new(alice()), fast());
    for status in [400, 403, 404, 422] {
        api.push_fault(Endpoint::MinersReport, Fault::Status(status));
        let before = api.attempts(Endpoint::MinersReport);
        let err = c.report_miners(&report(1)).await.unwrap_err();
        assert!(
            matches!(err, ReportError::Http { status: s, .. } if s == status),
            "{err}"
        );
        assert_eq!(api.attempts(Endpoint::MinersReport), before + 1);
    }
}

#[tokio::test]
async fn a_timed_out_attempt_is_not_retried() {
    let api = FakeOwnerApi::start().await.unwrap();
    let settings = OwnerApiSettings {
        timeout: Duration::from_millis(300),
        ..fast()
    };
    let c = client(&api, Arc::new(alice()), settings);
    api.push_fault(Endpoint::MinersReport, Fault::Delay(Duration::from_secs(3)));
    let started = Instant::now();
    let err = c.report_miners(&report(1)).await.unwrap_err();
    assert!(
        matches!(&err, ReportError::Transport(m) if m.contains("timed out")),
        "{err}"
    );
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(api.attempts(Endpoint::MinersReport), 1);
}

#[tokio::test]
async fn an_unreachable_api_is_a_transport_error_after_retries() {
    // A port that was just free: nothing listens there.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let c = OwnerApiHttp::new(
        &format!("http://127.0.0.1:{port}/"),
        Arc::new(alice()),
        fast(),
    )
    .unwrap();
    let started = Instant::now();
    let err = c.blacklist().await.unwrap_err();
    assert!(
        matches!(&err, ReportError::Transport(m) if m.contains("cannot connect")),
        "{err}"
    );
    // Two sleeps (20 ms + 40 ms) show the connection error was retried.
    assert!(started.elapsed() >= Duration::from_millis(60));
    assert!(!err.to_string().contains(&port.to_string()), "{err}");
}

#[tokio::test]
async fn malformed_success_bodies_are_reported() {
    // 200s whose bodies are not what the API documents.
    let api = FakeOwnerApi::start().await.unwrap();
    for endpoint in [
        Endpoint::Blacklist,
        Endpoint::MinersReport,
        Endpoint::SamplesBatch,
    ] {
        api.push_fault(endpoint, Fault::Body(r#"{"unexpected": true}"#.into()));
    }
    let c = client(&api, Arc::new(alice()), fast());
    assert!(matches!(
        c.blacklist().await,
        Err(ReportError::Malformed(_))
    ));
    assert!(matches!(
        c.report_miners(&report(1)).await,
        Err(ReportError::Malformed(_))
    ));
    assert!(matches!(
        c.report_samples(&signed_batch(&alice(), 1)).await,
        Err(ReportError::Malformed(_))
    ));
}

#[test]
fn bad_base_urls_are_refused() {
    for bad in ["", "api.leoma.ai", "ftp://x"] {
        assert!(
            matches!(
                OwnerApiHttp::new(bad, Arc::new(alice()), fast()),
                Err(ReportError::InvalidRequest(_))
            ),
            "{bad:?}"
        );
    }
    let zero = OwnerApiSettings {
        max_attempts: 0,
        ..fast()
    };
    assert!(OwnerApiHttp::new("http://x", Arc::new(alice()), zero).is_err());
}

#[tokio::test]
async fn no_reporter_is_not_configured() {
    let r = NoReporter;
    assert_eq!(r.blacklist().await, Err(ReportError::NotConfigured));
    assert_eq!(
        r.report_miners(&report(1)).await,
        Err(ReportError::NotConfigured)
    );
    assert_eq!(
        r.report_samples(&SampleBatch {
            samples: vec![],
            signature: None
        })
        .await,
        Err(ReportError::NotConfigured)
    );
}

/// Sends a raw signed request with the given timestamp and signature.
async fn raw_post(
    api: &FakeOwnerApi,
    headers: &[(&str, String)],
    body: &[u8],
) -> (u16, serde_json::Value) {
    let mut req = reqwest::Client::new()
        .post(format!("{}/miners/report", api.base_url()))
        .body(body.to_vec());
    for (k, v) in headers {
        req = req.header(*k, v);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let bytes = resp.bytes().await.unwrap();
    (status, serde_json::from_slice(&bytes).unwrap())
}

fn signed_headers(key: &Keypair, body: &[u8], ts: i64) -> Vec<(&'static str, String)> {
    let ts = ts.to_string();
    let sig = signature_header(&key.sign(x_message(body, &ts).as_bytes()));
    vec![
        (X_VALIDATOR_HOTKEY, key.ss58().to_owned()),
        (X_SIGNATURE, sig),
        (X_TIMESTAMP, ts),
    ]
}

#[tokio::test]
async fn the_fake_enforces_the_timestamp_window_replays_and_headers() {
    let api = FakeOwnerApi::start().await.unwrap();
    let key = alice();
    let body = report(1).to_bytes().unwrap();
    let now = i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap();
    let expired = serde_json::json!({"detail": "Timestamp expired (max 300s)"});
    for ts in [now - 302, now + 32] {
        let (status, detail) = raw_post(&api, &signed_headers(&key, &body, ts), &body).await;
        assert_eq!((status, &detail), (401, &expired), "ts {ts}");
    }
    for ts in [now - 290, now + 20] {
        let (status, _) = raw_post(&api, &signed_headers(&key, &body, ts), &body).await;
        assert_eq!(status, 200, "ts {ts}");
    }
    // The same signed request twice: a replay.
    let headers = signed_headers(&key, &body, now);
    assert_eq!(raw_post(&api, &headers, &body).await.0, 200);
    assert_eq!(
        raw_post(&api, &headers, &body).await,
        (401, serde_json::json!({"detail": "Signature already used"}))
    );
    // The signature covers the raw bytes: one changed byte fails.
    let mut tampered = body.clone();
    *tampered.last_mut().unwrap() = b' ';
    tampered.push(b'}');
    let (status, detail) = raw_post(&api, &signed_headers(&key, &body, now), &tampered).await;
    assert_eq!(
        (status, detail),
        (401, serde_json::json!({"detail": "Invalid signature"}))
    );
    // Malformed header values and missing headers.
    let mut bad_ts = signed_headers(&key, &body, now);
    bad_ts[2].1 = "12a".into();
    assert_eq!(
        raw_post(&api, &bad_ts, &body).await,
        (
            401,
            serde_json::json!({"detail": "Invalid timestamp format"})
        )
    );
    let mut bad_sig = signed_headers(&key, &body, now);
    bad_sig[1].1 = "0xabcd".into();
    assert_eq!(
        raw_post(&api, &bad_sig, &body).await,
        (
            401,
            serde_json::json!({"detail": "Signature verification failed"})
        )
    );
    let (status, detail) = raw_post(&api, &signed_headers(&key, &body, now)[..2], &body).await;
    assert_eq!(status, 422);
    assert_eq!(detail["detail"][0]["loc"][1], "x-timestamp");
    assert_eq!(api.accepted(Endpoint::MinersReport).len(), 3);
}
