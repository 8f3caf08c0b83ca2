//! One weight epoch against peer buckets with a long history on a real S3-compatible server.
//!
//! `cargo bench -p leoma-validator --bench epoch_s3 [-- --tasks 500 --validators 8 --miners 192]`
//!
//! Each peer bucket on `s3s-fs` holds `--tasks` tasks of artifacts (metadata, clip, first frame,
//! one tiny generated video per miner, the signed v1 verdict file): about 100,000 objects per
//! bucket at the defaults. The history is laid out directly on disk (s3s-fs serves
//! `<dir>/<bucket>/<key>` as plain files). Then the real binary runs one epoch,
//! `leoma-validator weights --once --dry-run`, against the loopback chain node and the buckets
//! through a counting TCP proxy that sees every HTTP request it makes to S3. Prints the request
//! count, the process's wall time and its peak RSS (`VmHWM`, sampled until it exits).

#![allow(
    missing_docs,
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::expect_used
)]

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use leoma_api_types::TaskId;
use leoma_api_types::allowlist::AllowlistV1;
use leoma_api_types::keys;
use leoma_api_types::verdict::{VerdictEntryV1, VerdictFileV1, VerdictStatus};
use leoma_chain::Keypair;
use leoma_chain::mem::{MemChain, MemWriter};
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

fn seed(i: usize) -> [u8; 32] {
    let mut seed = [0u8; 32];
    seed[..8].copy_from_slice(&(i as u64 + 1).to_le_bytes());
    seed
}

fn key(i: usize) -> Keypair {
    Keypair::from_seed(&seed(i)).unwrap()
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

/// Runs `cmd` to completion, sampling the child's peak RSS (`VmHWM`, KiB) while it runs.
fn run_measured(mut cmd: std::process::Command) -> (std::process::Output, Duration, u64) {
    let t = Instant::now();
    let child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let status_path = format!("/proc/{}/status", child.id());
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sampler = {
        let done = done.clone();
        std::thread::spawn(move || {
            let mut peak = 0u64;
            while !done.load(Ordering::Relaxed) {
                let status = std::fs::read_to_string(&status_path).unwrap_or_default();
                if let Some(kib) = status
                    .lines()
                    .find(|l| l.starts_with("VmHWM:"))
                    .and_then(|l| l.split_whitespace().nth(1))
                    .and_then(|v| v.parse::<u64>().ok())
                {
                    peak = peak.max(kib);
                }
                std::thread::sleep(Duration::from_millis(2));
            }
            peak
        })
    };
    let out = child.wait_with_output().unwrap();
    let wall = t.elapsed();
    done.store(true, Ordering::Relaxed);
    (out, wall, sampler.join().unwrap())
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
        INTERVAL as u64,
    )
    .unwrap();
    write(
        &server.data_dir().join("leoma-videos/allowlist/v1.json"),
        &allowlist.to_bytes(),
    );

    // The first boundary whose window reaches the newest task.
    let mut boundary = (total + 3) * INTERVAL;
    boundary += (EPOCH_LEN - boundary % EPOCH_LEN) % EPOCH_LEN;
    // The fake keeps a state per block: run up to the boundary while the state is still empty.
    let chain = Arc::new(MemChain::new());
    chain.advance(u32::try_from(boundary - 1).unwrap());
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
    chain.advance(1);
    let node = leoma_chain::node::LoopbackNode::start(chain.clone())
        .await
        .unwrap();

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
    let peers = format!("[{}]", entries.join(","));
    server.bucket_dir("leoma-videos").unwrap();
    let wallets = tempfile::tempdir().unwrap();
    let hotkey_file = wallets.path().join("bench/hotkeys/validator");
    std::fs::create_dir_all(hotkey_file.parent().unwrap()).unwrap();
    std::fs::write(
        &hotkey_file,
        format!(r#"{{"secretSeed":"0x{}"}}"#, hex::encode(seed(2))),
    )
    .unwrap();
    let state = tempfile::tempdir().unwrap();

    let mut walls = Vec::new();
    let mut requests = Vec::new();
    let mut peaks = Vec::new();
    let mut winner = serde_json::Value::Null;
    for _ in 0..5 {
        count.store(0, Ordering::Relaxed);
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_leoma-validator"));
        cmd.args(["weights", "--once", "--dry-run", "--epoch-block"])
            .arg(boundary.to_string())
            .env_clear()
            .env("NETUID", NETUID.to_string())
            .env("SUBTENSOR_ENDPOINT", node.url())
            .env("LEOMA_STATE_DIR", state.path())
            .env("R2_ENDPOINT", &endpoint)
            .env("R2_VIDEOS_READ_ACCESS_KEY", AK)
            .env("R2_VIDEOS_READ_SECRET_KEY", SK)
            .env("PEER_VALIDATORS", &peers)
            .env("ALLOW_INSECURE_S3", "true")
            .env("BT_WALLET_PATH", wallets.path())
            .env("WALLET_NAME", "bench")
            .env("HOTKEY_NAME", "validator");
        let (out, wall, peak) = tokio::task::spawn_blocking(move || run_measured(cmd))
            .await
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(report["rejected_files"], serde_json::json!([]));
        assert_eq!(
            report["window"]["task_ids"].as_array().map(Vec::len),
            Some(100),
            "a full window"
        );
        winner = report["winner"]["hotkey"].clone();
        walls.push(wall);
        requests.push(count.load(Ordering::Relaxed));
        peaks.push(peak);
    }
    walls.sort();
    peaks.sort_unstable();
    let reference_requests = a.validators * objects_per_bucket.div_ceil(1000);
    println!("epoch block {boundary}, winner {winner}");
    println!(
        "| {} | {} | {} | {} | {:.0} / {:.0} ms | {:.1} / {:.1} MiB | {} |",
        a.validators,
        a.tasks,
        objects_per_bucket,
        requests[0],
        walls[0].as_secs_f64() * 1e3,
        walls[walls.len() / 2].as_secs_f64() * 1e3,
        peaks[0] as f64 / 1024.0,
        peaks[peaks.len() - 1] as f64 / 1024.0,
        reference_requests,
    );
    assert!(
        requests.iter().all(|r| *r == requests[0]),
        "request counts vary between runs: {requests:?}"
    );
}
