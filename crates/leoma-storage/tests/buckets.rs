//! The bucket adapter against a real S3-compatible server (`s3s-fs`, which checks SigV4
//! signatures), a local directory and memory.
//!
//! The server comes from `leoma_testkit::S3sFs`, which names how to install it when missing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{Read, Write};

use leoma_api_types::TaskId;
use leoma_api_types::keys::Secret;
use leoma_storage::layout::{
    PRESIGN_TTL, list_source_clips, list_task_folders, presign, publish_verdict_bytes,
    read_verdict, verdict_exists_in_folder,
};
use leoma_storage::{Bucket, BucketReader, ObjectBucket, PeerRegistry, S3Config, StorageError};

const AK: &str = "storage-test-ak";
const SK: &str = "storage-test-secret";

/// The kit's `s3s-fs`, with bucket configs for it.
struct Server(leoma_testkit::S3sFs);

impl Server {
    fn start() -> Self {
        Server(leoma_testkit::S3sFs::start(AK, SK).expect("s3s-fs starts"))
    }

    fn config(&self, bucket: &str, secret: &str) -> S3Config {
        self.0.bucket_dir(bucket).unwrap();
        let mut c = S3Config::new(
            format!("{}/", self.0.endpoint()),
            "auto",
            bucket,
            Secret::new(AK),
            Secret::new(secret),
            true,
        );
        c.max_retries = 0;
        c
    }
}

/// The behaviour every adapter shares.
async fn exercise(b: &ObjectBucket) {
    assert_eq!(b.get("1/metadata.json", 100).await.unwrap(), None);
    assert!(!b.exists("1/metadata.json").await.unwrap());
    for (k, v) in [
        ("12/metadata.json", "{}"),
        ("12/generated_videos/m.mp4", "v"),
        ("0013/evaluation_results/P.json", "x"),
        ("abc/x.json", "y"),
        ("2026/01/clip.mp4", "z"),
        ("top.json", "t"),
    ] {
        b.put(k, v.as_bytes().to_vec(), "application/json")
            .await
            .unwrap();
    }
    assert_eq!(
        b.get("12/metadata.json", 100).await.unwrap(),
        Some(b"{}".to_vec())
    );
    assert!(b.exists("top.json").await.unwrap());
    assert_eq!(
        b.list_folders("").await.unwrap(),
        vec!["0013", "12", "2026", "abc"]
    );
    assert_eq!(
        b.list_folders("12").await.unwrap(),
        vec!["generated_videos"]
    );
    let folders = list_task_folders(b).await.unwrap();
    let got: Vec<(i64, &str)> = folders
        .iter()
        .map(|f| (f.rid, f.segment.as_str()))
        .collect();
    assert_eq!(got, vec![(2026, "2026"), (13, "0013"), (12, "12")]);
    assert!(verdict_exists_in_folder(b, "0013", "P").await.unwrap());
    assert!(!verdict_exists_in_folder(b, "12", "P").await.unwrap());
    assert_eq!(
        list_source_clips(b).await.unwrap(),
        vec!["12/generated_videos/m.mp4", "2026/01/clip.mp4"]
    );
    let all = b.list_objects("").await.unwrap();
    assert_eq!(all.len(), 6);
    assert!(all.windows(2).all(|w| w[0].key < w[1].key));

    // The size cap is enforced before the body is used.
    match b.get("12/generated_videos/m.mp4", 0).await {
        Err(StorageError::Oversized {
            size: 1, limit: 0, ..
        }) => {}
        other => panic!("{other:?}"),
    }
    publish_verdict_bytes(b, TaskId(5), "a/b", b"[]".to_vec())
        .await
        .unwrap();
    assert_eq!(
        read_verdict(b, TaskId(5), "a/b").await.unwrap(),
        Some(b"[]".to_vec())
    );
    assert!(b.exists("5/evaluation_results/a_b.json").await.unwrap());
    b.delete("top.json").await.unwrap();
    b.delete("top.json").await.unwrap();
    assert!(!b.exists("top.json").await.unwrap());
    for bad in ["", "/x", "x/", "a//b", "a/../b"] {
        assert!(
            matches!(b.get(bad, 10).await, Err(StorageError::InvalidKey { .. })),
            "{bad:?}"
        );
    }
}

fn http_get(url: &str) -> (u16, Vec<u8>) {
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_at(rest.find('/').unwrap());
    let mut s = std::net::TcpStream::connect(host).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).unwrap();
    let text = String::from_utf8_lossy(&buf);
    let status: u16 = text.split(' ').nth(1).unwrap().parse().unwrap();
    let body = text
        .split("\r\n\r\n")
        .nth(1)
        .unwrap_or_default()
        .as_bytes()
        .to_vec();
    (status, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_bucket_behaves_and_presigns() {
    let server = Server::start();
    let b = ObjectBucket::s3(&server.config("leoma-res-a", SK)).unwrap();
    assert!(b.name().starts_with("leoma-res-a@http://127.0.0.1:"));
    exercise(&b).await;
    let url = presign(&b, "12/metadata.json").await.unwrap();
    assert!(url.contains("X-Amz-Signature="), "{url}");
    assert!(
        url.contains(&format!("X-Amz-Expires={}", PRESIGN_TTL.as_secs())),
        "{url}"
    );
    assert!(!url.contains(SK));
    let (status, body) = http_get(&url);
    assert_eq!(status, 200);
    assert!(String::from_utf8_lossy(&body).contains("{}"));
    // Debug output never shows credentials.
    let cfg = server.config("leoma-res-a", SK);
    let shown = format!("{cfg:?} {b:?}");
    assert!(!shown.contains(SK) && !shown.contains(AK), "{shown}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_secret_key_is_a_clear_permanent_error() {
    let server = Server::start();
    let good = ObjectBucket::s3(&server.config("leoma-res-b", SK)).unwrap();
    good.put("1/metadata.json", b"{}".to_vec(), "application/json")
        .await
        .unwrap();
    let bad = ObjectBucket::s3(&server.config("leoma-res-b", "not-the-secret")).unwrap();
    let err = bad.get("1/metadata.json", 100).await.unwrap_err();
    assert!(matches!(err, StorageError::Denied { .. }), "{err:?}");
    assert!(!err.is_transient());
    let text = err.to_string();
    assert!(
        text.contains("credentials") && text.contains("leoma-res-b"),
        "{text}"
    );
    assert!(!text.contains("not-the-secret"), "{text}");
    let err = bad.list_folders("").await.unwrap_err();
    assert!(matches!(err, StorageError::Denied { .. }), "{err:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_endpoint_is_transient() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut c = S3Config::new(
        format!("http://127.0.0.1:{port}"),
        "auto",
        "leoma-res-c",
        Secret::new(AK),
        Secret::new(SK),
        true,
    );
    c.max_retries = 0;
    let b = ObjectBucket::s3(&c).unwrap();
    let err = b.exists("1/x").await.unwrap_err();
    assert!(err.is_transient(), "{err:?}");
}

#[test]
fn http_endpoints_need_allow_insecure() {
    let mut c = S3Config::new(
        "http://127.0.0.1:9",
        "auto",
        "bkt",
        Secret::new(AK),
        Secret::new(SK),
        false,
    );
    let b = ObjectBucket::s3(&c).unwrap();
    assert_eq!(b.name(), "bkt@https://127.0.0.1:9");
    c.allow_http = true;
    assert_eq!(
        ObjectBucket::s3(&c).unwrap().name(),
        "bkt@http://127.0.0.1:9"
    );
    c.bucket = String::new();
    assert!(matches!(
        ObjectBucket::s3(&c),
        Err(StorageError::Config { .. })
    ));
}

#[tokio::test]
async fn local_and_memory_buckets_behave_the_same() {
    let dir = tempfile::tempdir().unwrap();
    exercise(&ObjectBucket::local(dir.path()).unwrap()).await;
    exercise(&ObjectBucket::memory("t")).await;
    let m = ObjectBucket::memory("t");
    assert!(matches!(
        m.presign_get("x", PRESIGN_TTL).await,
        Err(StorageError::Refused { .. })
    ));
}

#[test]
fn registry_locations_v1_and_v2() {
    use leoma_api_types::Hotkey;
    use leoma_api_types::allowlist::{
        AllowlistV2, ConsensusParamsV2, ScoringParamsV2, ValidatorEntryV2,
    };
    let a = Hotkey::parse("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY").unwrap();
    let b = Hotkey::parse("5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty").unwrap();
    let text = format!(
        r#"[{{"hotkey":"{a}","bucket":"ba","endpoint":"ea.example","read_access_key":"AK1","read_secret_key":"SK1"}},
            {{"hotkey":"{b}","read_access_key":"AK2","read_secret_key":"SK2"}},
            {{"hotkey":"X","bucket":"bx","endpoint":"ex"}}]"#
    );
    let (reg, warnings) = PeerRegistry::parse(&text, false);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(!warnings[0].contains("SK"));
    let v1 = reg.v1_locations(&[a.to_string(), b.to_string(), "Z".into()], false);
    assert_eq!(v1.readable.len(), 1);
    assert_eq!(v1.readable[a.as_str()].bucket, "ba");
    assert_eq!(v1.readable[a.as_str()].region, "auto");
    assert!(v1.unreadable[b.as_str()].contains("bucket"));
    assert!(v1.unreadable["Z"].contains("no PEER_VALIDATORS entry"));

    let vals = vec![
        ValidatorEntryV2 {
            hotkey: a.clone(),
            bucket: "va-bucket".into(),
            endpoint: "https://r2.example".into(),
            region: "auto".into(),
        },
        ValidatorEntryV2 {
            hotkey: b.clone(),
            bucket: "vb-bucket".into(),
            endpoint: "https://s3.example".into(),
            region: "weur".into(),
        },
    ];
    let params = ConsensusParamsV2 {
        interval: 100,
        failover_grace_blocks: 0,
        epoch_length: 180,
        scoring: ScoringParamsV2 {
            window_size: 100,
            settle_margin: 2,
            max_lookback_blocks: 30_000,
            completeness_threshold_ppm: 800_000,
            min_distinct_ratio_ppm: 500_000,
            dominance_threshold_ppm: 50_000,
        },
    };
    let allowlist = AllowlistV2::new(vals, params).unwrap();
    let (reg2, _) = PeerRegistry::parse(
        &format!(r#"[{{"hotkey":"{b}","read_access_key":"AK2","read_secret_key":"SK2"}}]"#),
        false,
    );
    let v2 = reg2.v2_locations(&allowlist, false);
    assert_eq!(v2.readable.len(), 1);
    let cb = &v2.readable[b.as_str()];
    assert_eq!(
        (cb.bucket.as_str(), cb.endpoint.as_str(), cb.region.as_str()),
        ("vb-bucket", "https://s3.example", "weur")
    );
    assert_eq!(cb.secret_access_key.expose(), "SK2");
    assert!(v2.unreadable[a.as_str()].contains("credentials"));
}

/// SPEC §7.1: a missing own bucket is created (a signed CreateBucket the server checks), an
/// existing one is left alone, and credentials the store refuses fail naming the bucket.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_bucket_is_created_once() {
    use leoma_storage::BucketState;

    let server = Server::start();
    let mut cfg = server.config("existing", SK);
    cfg.bucket = "leoma-fresh".into();
    let fresh_dir = server.0.data_dir().join("leoma-fresh");
    assert!(!fresh_dir.exists());
    let b = ObjectBucket::s3(&cfg).unwrap();
    assert_eq!(b.ensure_exists().await.unwrap(), BucketState::Created);
    assert!(fresh_dir.is_dir(), "the server has the bucket");
    assert_eq!(b.ensure_exists().await.unwrap(), BucketState::Existed);
    b.put("7/metadata.json", b"{}".to_vec(), "application/json")
        .await
        .unwrap();
    assert_eq!(
        b.get("7/metadata.json", 10).await.unwrap(),
        Some(b"{}".to_vec())
    );

    let existing = ObjectBucket::s3(&server.config("existing", SK)).unwrap();
    assert_eq!(
        existing.ensure_exists().await.unwrap(),
        BucketState::Existed
    );

    let mut denied = server.config("existing", "wrong-secret");
    denied.bucket = "leoma-never".into();
    let err = ObjectBucket::s3(&denied)
        .unwrap()
        .ensure_exists()
        .await
        .unwrap_err();
    assert!(!err.is_transient(), "{err}");
    assert!(err.to_string().contains("leoma-never"), "{err}");
    assert!(!server.0.data_dir().join("leoma-never").exists());

    // Memory and local buckets always exist.
    assert_eq!(
        ObjectBucket::memory("m").ensure_exists().await.unwrap(),
        BucketState::Existed
    );
}
