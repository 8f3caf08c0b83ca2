//! `leoma-validator serve` and `sampler` as processes against the loopback chain node (a
//! `MemChain` behind a WebSocket): without `GEMINI_API_KEY` the sampler is disabled with one
//! error log while `serve` keeps running with `/health` and `/metrics`, and SIGTERM stops it
//! with exit code 0; `sampler` alone exits 2; `--print-config` redacts secrets.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use leoma_chain::Keypair;
use leoma_chain::mem::MemChain;
use leoma_chain::node::LoopbackNode;

const NETUID: u16 = 7;
const OWN_SECRET: &str = "own-write-secret-never-logged";

async fn loopback() -> (Arc<MemChain>, LoopbackNode) {
    let chain = Arc::new(MemChain::new());
    let me = Keypair::from_seed(&[2; 32]).unwrap();
    chain.with_subnet(NETUID, |s| {
        s.register(me.hotkey().clone(), me.hotkey().clone());
    });
    chain.advance(50);
    let node = LoopbackNode::start(chain.clone()).await.unwrap();
    (chain, node)
}

/// A command with a clean environment: the loopback node, a wallet, a state directory, an
/// own bucket without its endpoint and no Gemini key.
fn command(dir: &Path, node: &LoopbackNode, args: &[&str]) -> Command {
    let hotkey_file = dir.join("wallets/ops/hotkeys/validator");
    std::fs::create_dir_all(hotkey_file.parent().unwrap()).unwrap();
    std::fs::write(
        &hotkey_file,
        format!(r#"{{"secretSeed":"0x{}"}}"#, hex::encode([2u8; 32])),
    )
    .unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_leoma-validator"));
    cmd.args(args)
        .current_dir(dir)
        .env_clear()
        .env("NETUID", NETUID.to_string())
        .env("SUBTENSOR_ENDPOINT", node.url())
        .env("LEOMA_STATE_DIR", dir.join("state"))
        .env("BT_WALLET_PATH", dir.join("wallets"))
        .env("WALLET_NAME", "ops")
        .env("HOTKEY_NAME", "validator")
        .env("BLOCK_TIME_SECONDS", "1")
        // Nothing may leave the machine: closed local ports for every public service.
        .env("CHUTES_API_URL", "http://127.0.0.1:9")
        .env("HF_ENDPOINT", "http://127.0.0.1:9")
        .env("R2_OWN_BUCKET", "leoma-own")
        .env("R2_OWN_WRITE_ACCESS_KEY", "own-ak")
        .env("R2_OWN_WRITE_SECRET_KEY", OWN_SECRET)
        // SPEC §10.1: an empty variable is unset.
        .env("GEMINI_API_KEY", "");
    cmd
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

fn log(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// Waits for `cond` on the log (or fails with the log), checking the child is still alive.
fn wait_log(child: &mut Child, path: &Path, what: &str, cond: impl Fn(&str) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let text = log(path);
        if cond(&text) {
            return;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("exited {status:?} before {what}:\n{text}");
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}:\n{text}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

async fn get(url: &str) -> Option<(u16, String)> {
    let r = reqwest::get(url).await.ok()?;
    let status = r.status().as_u16();
    Some((status, r.text().await.ok()?))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_without_gemini_keeps_weights_serves_health_and_stops_on_sigterm() {
    let (chain, node) = loopback().await;
    let dir = tempfile::tempdir().unwrap();
    let log_path = dir.path().join("serve.log");
    let addr = format!("127.0.0.1:{}", free_port());
    let mut cmd = command(dir.path(), &node, &["serve"]);
    cmd.env("METRICS_ADDR", &addr)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log_path).unwrap());
    let mut child = cmd.spawn().unwrap();

    let deadline = Instant::now() + Duration::from_secs(60);
    let health = loop {
        if let Some(h) = get(&format!("http://{addr}/health")).await {
            break h;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("exited {status:?}:\n{}", log(&log_path));
        }
        assert!(Instant::now() < deadline, "no /health:\n{}", log(&log_path));
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(health.0, 200, "{}", health.1);
    assert!(health.1.contains("ok"), "{}", health.1);

    let (status, metrics) = get(&format!("http://{addr}/metrics")).await.unwrap();
    assert_eq!(status, 200);
    for name in [
        "# TYPE leoma_epochs_total counter",
        "# TYPE leoma_weight_submissions_total counter",
        "# TYPE leoma_miner_call_latency_seconds histogram",
    ] {
        assert!(metrics.contains(name), "{name} missing:\n{metrics}");
    }

    // The weight epoch keeps polling the chain after the sampler is disabled.
    wait_log(&mut child, &log_path, "the disabled sampler", |t| {
        t.contains("sampler disabled")
    });
    // The weight epoch runs although the sampler is disabled: the first boundary is processed
    // (a burn: no allowlist) and counted.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (_, m) = get(&format!("http://{addr}/metrics")).await.unwrap();
        if m.contains("\nleoma_epochs_total 1\n") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no epoch processed:\n{m}\n{}",
            log(&log_path)
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(child.try_wait().unwrap().is_none(), "{}", log(&log_path));
    let text = log(&log_path);
    assert_eq!(text.matches("sampler disabled").count(), 1, "{text}");
    assert!(
        text.contains("GEMINI_API_KEY"),
        "the reason names the key:\n{text}"
    );
    assert!(
        text.contains("R2_OWN_ENDPOINT"),
        "the reason names the bucket:\n{text}"
    );
    assert!(
        !text.contains(OWN_SECRET),
        "a secret reached the log:\n{text}"
    );

    let pid = child.id().to_string();
    let sent = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(sent.success(), "kill -TERM failed");
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("still running 30 s after SIGTERM:\n{}", log(&log_path));
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let text = log(&log_path);
    assert_eq!(status.code(), Some(0), "{text}");
    assert!(text.contains("shutting down"), "{text}");
    assert!(
        get(&format!("http://{addr}/health")).await.is_none(),
        "port still served"
    );
    assert!(
        !chain.submissions().is_empty(),
        "the weight epoch submitted through the node"
    );
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sampler_alone_without_gemini_exits_2_with_one_error() {
    let (_chain, node) = loopback().await;
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = command(dir.path(), &node, &["sampler"]);
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.matches("sampler disabled").count(), 1, "{stderr}");
    assert_eq!(stderr.matches("ERROR").count(), 1, "{stderr}");
    assert!(stderr.contains("GEMINI_API_KEY"), "{stderr}");
    node.stop().await;
}

#[test]
fn print_config_shows_settings_and_redacts_secrets() {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["serve", "sampler", "weights"] {
        let out = Command::new(env!("CARGO_BIN_EXE_leoma-validator"))
            .args([sub, "--print-config"])
            .current_dir(dir.path())
            .env_clear()
            .env("NETUID", "7")
            .env("R2_OWN_WRITE_SECRET_KEY", OWN_SECRET)
            .env("R2_VIDEOS_READ_SECRET_KEY", OWN_SECRET)
            .env("GEMINI_API_KEY", OWN_SECRET)
            .env("METRICS_ADDR", "0.0.0.0:9999")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{sub}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.contains("netuid: 7"), "{sub}: {stdout}");
        assert!(stdout.contains("***"), "{sub}: {stdout}");
        assert!(
            !stdout.contains(OWN_SECRET),
            "{sub} printed a secret: {stdout}"
        );
        if sub == "serve" {
            assert!(stdout.contains("0.0.0.0:9999"), "{stdout}");
            assert!(stdout.contains("gemini_api_key: Some(\n"), "{stdout}");
        }
    }
}
