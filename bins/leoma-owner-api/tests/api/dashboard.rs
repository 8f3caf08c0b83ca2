//! The dashboard page in headless Chromium against seeded data (SPEC §9.8; issue 7 point 5).
//! The screenshot is kept under the target dir's test tmp (`dashboard/dashboard.png`).

use std::path::Path;
use std::process::Command;

use crate::flows::{seed_flow, server_with_chain};
use crate::support::*;

const CHROMIUM: &str = "/usr/bin/chromium";

fn chromium(args: &[String], profile: &Path) -> std::process::Output {
    assert!(
        Path::new(CHROMIUM).exists(),
        "{CHROMIUM} is missing: install the Debian package `chromium` (apt-get install -y chromium)"
    );
    Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .output()
        .expect("running chromium")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_renders_leaderboard_and_validators_in_chromium() {
    let s = server_with_chain(Db::sqlite()).await;
    seed_flow(&s, 10).await;
    let url = s.url("/");
    // Served as UTF-8 HTML without external resources.
    let resp = s.http.get(&url).send().await.unwrap();
    assert_eq!(resp.headers()["content-type"], "text/html; charset=utf-8");
    let html = resp.text().await.unwrap();
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "no external URL"
    );
    let artifacts = artifact_dir("dashboard");
    let shot = artifacts.join("dashboard.png");
    let _ = std::fs::remove_file(&shot);
    let (dom, shot_out) = {
        let url = url.clone();
        let shot = shot.clone();
        tokio::task::spawn_blocking(move || {
            let p1 = tempfile::tempdir().unwrap();
            let dom = chromium(&["--dump-dom".into(), url.clone()], p1.path());
            let p2 = tempfile::tempdir().unwrap();
            let shot_out = chromium(
                &[
                    format!("--screenshot={}", shot.display()),
                    "--window-size=1280,1400".into(),
                    url,
                ],
                p2.path(),
            );
            (dom, shot_out)
        })
        .await
        .unwrap()
    };
    assert!(
        dom.status.success(),
        "chromium --dump-dom failed: {}",
        String::from_utf8_lossy(&dom.stderr)
    );
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert_eq!(
        dom.matches("class=\"miner\"").count(),
        3,
        "leaderboard rows: {dom}"
    );
    assert_eq!(
        dom.matches("class=\"validator\"").count(),
        2,
        "validator rows"
    );
    for seed in [V1, V2] {
        assert!(
            dom.contains(&format!("data-hotkey=\"{}\"", hk(seed))),
            "validator {seed} listed"
        );
    }
    assert!(
        dom.contains("Leoma — text/image-to-video subnet"),
        "UTF-8 title survives"
    );
    assert!(
        dom.contains("href=\"/tasks/9\""),
        "recent tasks link their media page"
    );
    assert!(
        shot_out.status.success(),
        "screenshot failed: {}",
        String::from_utf8_lossy(&shot_out.stderr)
    );
    let png = std::fs::read(&shot).unwrap();
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "screenshot at {}",
        shot.display()
    );
}
