//! One weight epoch against peer buckets with a long history on a real S3-compatible server.
//!
//! `cargo bench -p leoma-validator --bench epoch_s3 [-- --tasks 500 --validators 8 --miners 192]`
//!
//! Each peer bucket on `s3s-fs` holds `--tasks` tasks of artifacts (metadata, clip, first frame,
//! one tiny generated video per miner, the signed v1 verdict file): about 100,000 objects per
//! bucket at the defaults. The history is laid out directly on disk (s3s-fs serves
//! `<dir>/<bucket>/<key>` as plain files), then the real weight epoch runs over S3 through a
//! counting TCP proxy, which sees every HTTP request the epoch makes. Prints the request count,
//! wall time of the epoch and the process's peak RSS during it.

#![allow(missing_docs, clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use leoma_api_types::TaskId;
use leoma_api_types::allowlist::AllowlistV1;
use leoma_api_types::keys::{self, Secret};
use leoma_api_types::verdict::{VerdictEntryV1, VerdictFileV1, VerdictStatus};
use leoma_chain::Keypair;
use leoma_chain::mem::{MemChain, MemWriter};
use leoma_storage::{ObjectBucket, PeerRegistry, S3Config};
use leoma_validator::audit::{RetryPolicy, V1Config};
use leoma_validator::weights::{StateDir, SubmitPolicy, WeightEpoch, WeightsConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const AK: &str = "bench-ak";
const SK: &str = "bench-secret-key";
const NETUID: u16 = 7;
const EPOCH_LEN: i64 = 180;
const INTERVAL: i64 = 100;

struct Args {
    tasks: usize,
    validators: usize,
    miners: usize,
}

fn args() -> Args {
    let mut a = Args {
        tasks: 500,
        validators: 8,
        miners: 192,
    };
    let argv: Vec<String> = std::env::args().collect();
    for w in argv.windows(2) {
        let v = w[1].parse().ok();
        match (w[0].as_str(), v) {
            ("--tasks", Some(v)) => a.tasks = v,
            ("--validators", Some(v)) => a.validators = v,
            ("--miners", Some(v)) => a.miners = v,
            _ => {}
        }
    }
    a
}

/// A loopback TCP proxy that counts HTTP requests (a client chunk opening with a method).
async fn counting_proxy(upstream: u16, count: Arc<AtomicU64>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let count = count.clone();
            tokio::spawn(async move {
                let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)).await else {
                    return;
                };
                let (mut cr, mut cw) = client.into_split();
                let (mut sr, mut sw) = server.into_split();
                let up = async {
                    let mut buf = vec![0u8; 64 * 1024];
                    loop {
                        let n = match cr.read(&mut buf).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => n,
                        };
                        let head = &buf[..n.min(8)];
                        if [&b"GET "[..], b"HEAD ", b"PUT ", b"POST ", b"DELETE "]
                            .iter()
                            .any(|m| head.starts_with(m))
                        {
                            count.fetch_add(1, Ordering::Relaxed);
                        }
                        if sw.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                    }
                    let _ = sw.shutdown().await;
                };
                let down = async {
                    let _ = tokio::io::copy(&mut sr, &mut cw).await;
                    let _ = cw.shutdown().await;
                };
                tokio::join!(up, down);
            });
        }
    });
    port
}

fn key(i: usize) -> Keypair {
    let mut seed = [0u8; 32];
    seed[..8].copy_from_slice(&(i as u64 + 1).to_le_bytes());
    Keypair::from_seed(&seed).unwrap()
}

fn write(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// Lays out `tasks` tasks per validator: validator `i` (allowlist order) produced every task id
/// whose primary it is, so v1 rotation sees a clean history.
fn populate(dir: &Path, validators: &[(Keypair, String)], miners: &[String], tasks: usize) -> i64 {
    let n = validators.len();
    let total = i64::try_from(n * tasks).unwrap();
    for rid in 1..=total {
        let (k, bucket) = &validators[usize::try_from(rid).unwrap() % n];
        let root = dir.join(bucket);
        let task = TaskId(u64::try_from(rid).unwrap());
        write(&root.join(keys::metadata_key(task)), b"{}");
        write(&root.join(keys::original_clip_key(task)), b"clip");
        write(&root.join(keys::first_frame_key(task)), b"png");
        for m in miners {
            write(&root.join(keys::generated_video_key(task, m)), b"v");
        }
        let entries = miners
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let passed = (rid + i as i64) % 7 < 3 + (i as i64 % 4);
                VerdictEntryV1 {
                    hotkey: m.clone(),
                    passed,
                    status: VerdictStatus::of_passed(passed),
                    confidence: 80,
                    reasoning: "bench".into(),
                    latency_ms: 60_000,
                    original_artifacts: "[]".into(),
                    generated_artifacts: "{}".into(),
                    presentation_order: "single-video benchmark".into(),
                }
            })
            .collect();
        let body = VerdictFileV1::signed(entries, k).unwrap().to_bytes();
        write(
            &root.join(keys::verdict_key(task, k.hotkey().as_str())),
            &body,
        );
    }
    total
}

fn rss_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn main() {
    let a = args();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(run(a));
}

async fn run(a: Args) {
    let server = leoma_testkit::S3sFs::start(AK, SK).expect("s3s-fs");
    let mut validators: Vec<(Keypair, String)> = (0..a.validators)
        .map(|i| (key(100 + i), String::new()))
        .collect();
    validators.sort_by(|x, y| x.0.hotkey().as_str().cmp(y.0.hotkey().as_str()));
    for (i, v) in validators.iter_mut().enumerate() {
        v.1 = format!("leoma-res-{i}");
        server.bucket_dir(&v.1).unwrap();
    }
    let miner_keys: Vec<Keypair> = (0..a.miners).map(|i| key(1_000 + i)).collect();
    let miners: Vec<String> = miner_keys
        .iter()
        .map(|k| k.hotkey().as_str().to_owned())
        .collect();

    let t = Instant::now();
    let total = populate(server.data_dir(), &validators, &miners, a.tasks);
    let objects_per_bucket = a.tasks * (4 + a.miners);
    println!(
        "history: {} validators x {} tasks, {} objects per bucket, laid out in {:.1} s",
        a.validators,
        a.tasks,
        objects_per_bucket,
        t.elapsed().as_secs_f64()
    );

    let owner = key(1);
    let me = key(2);
    let allowlist = AllowlistV1::new(
        validators
            .iter()
            .map(|v| v.0.hotkey().as_str().to_owned())
            .collect::<Vec<_>>(),
        INTERVAL,
    )
    .unwrap();
    write(
        &server.data_dir().join("leoma-videos/allowlist/v1.json"),
        &allowlist.to_bytes(),
    );

    let chain = Arc::new(MemChain::new());
    chain.with_subnet(NETUID, |s| {
        s.owner_hotkey = Some(owner.hotkey().clone());
        s.register(owner.hotkey().clone(), owner.hotkey().clone());
        for m in &miner_keys {
            s.register(m.hotkey().clone(), m.hotkey().clone());
        }
        let uid = s.register(me.hotkey().clone(), me.hotkey().clone());
        if let Some(n) = s.neurons.get_mut(usize::from(uid)) {
            n.validator_permit = true;
        }
    });
    let writer = MemWriter::new(chain.clone(), owner.hotkey().clone());
    leoma_chain::CommitmentWriter::set_commitment(&writer, NETUID, &allowlist.commitment())
        .await
        .unwrap();
    // The first boundary whose window reaches the newest task.
    let mut boundary = (total + 3) * INTERVAL;
    boundary += (EPOCH_LEN - boundary % EPOCH_LEN) % EPOCH_LEN;
    chain.advance(u32::try_from(boundary).unwrap());

    let count = Arc::new(AtomicU64::new(0));
    let proxy = counting_proxy(server.port(), count.clone()).await;
    let endpoint = format!("http://127.0.0.1:{proxy}");
    let entries: Vec<String> = validators
        .iter()
        .map(|(k, bucket)| {
            format!(
                r#"{{"hotkey":"{}","bucket":"{bucket}","endpoint":"{endpoint}","region":"auto","read_access_key":"{AK}","read_secret_key":"{SK}"}}"#,
                k.hotkey().as_str()
            )
        })
        .collect();
    let (registry, warnings) = PeerRegistry::parse(&format!("[{}]", entries.join(",")), true);
    assert!(warnings.is_empty(), "{warnings:?}");
    server.bucket_dir("leoma-videos").unwrap();
    let source = ObjectBucket::s3(&S3Config::new(
        endpoint.clone(),
        "auto",
        "leoma-videos",
        Secret::new(AK),
        Secret::new(SK),
        true,
    ))
    .unwrap();
    let state = tempfile::tempdir().unwrap();
    let epoch = WeightEpoch {
        config: WeightsConfig {
            netuid: NETUID,
            epoch_len: EPOCH_LEN,
            v1: V1Config::default(),
            allow_http: true,
            concurrency: 16,
            read_retry: RetryPolicy::NONE,
            submit: SubmitPolicy {
                delays: vec![Duration::from_millis(10)],
                rate_limit_poll: Duration::from_millis(10),
            },
            poll_interval: Duration::from_secs(1),
        },
        chain,
        setter: None,
        hotkey: me.hotkey().clone(),
        source: Some(Arc::new(source)),
        registry,
        state: StateDir::open(state.path()).unwrap(),
    };

    // Peak RSS of the epoch alone: reset the high-water mark (Linux `clear_refs` 5).
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let rss_before = rss_kib("VmRSS:");
    let mut walls = Vec::new();
    let mut requests = Vec::new();
    let mut winner = None;
    for _ in 0..5 {
        count.store(0, Ordering::Relaxed);
        let t = Instant::now();
        let report = epoch.compute(boundary).await.unwrap();
        walls.push(t.elapsed());
        requests.push(count.load(Ordering::Relaxed));
        assert!(report.rejected_files.is_empty(), "{:?}", report.rejected_files);
        assert_eq!(report.window.task_ids.len(), 100, "a full window");
        winner = report.winner.map(|w| w.hotkey);
    }
    let peak = rss_kib("VmHWM:");
    walls.sort();
    let reference_requests = a.validators * objects_per_bucket.div_ceil(1000);
    println!("epoch block {boundary}, winner {winner:?}");
    println!(
        "| {} | {} | {} | {} | {:.0} / {:.0} ms | {:.1} MiB (RSS before {:.1} MiB) | {} |",
        a.validators,
        a.tasks,
        objects_per_bucket,
        requests[0],
        walls[0].as_secs_f64() * 1e3,
        walls[walls.len() / 2].as_secs_f64() * 1e3,
        peak as f64 / 1024.0,
        rss_before as f64 / 1024.0,
        reference_requests,
    );
    assert!(
        requests.iter().all(|r| *r == requests[0]),
        "request counts vary between runs: {requests:?}"
    );
}
