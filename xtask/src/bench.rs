//! `cargo xtask bench` and `cargo xtask demo`.
//!
//! `bench` generates the reference epoch (64 validators, 2,000 tasks of history, 192 miners judged
//! on every task, failover duplicates), then measures:
//! * `leoma-validator score` end to end (process start, discovery, reading and parsing, signature
//!   checks, scoring, output), release build, both rule sets;
//! * the in-memory aggregation alone, through the `leoma-scoring` bench target (release).
//!
//! Figures go to stdout as a Markdown table for `docs/benchmarks.md`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::ci::{cargo_bin, status, workspace_root};
use crate::epoch_gen::{EpochSpec, Generated, generate};

const RUNS: usize = 15;

fn reference_spec() -> EpochSpec {
    EpochSpec {
        validators: 64,
        tasks: 2_000,
        miners: 192,
        interval: 100,
        epoch_block: 300_060,
        seed: 7,
    }
}

fn demo_spec() -> EpochSpec {
    EpochSpec {
        validators: 6,
        tasks: 150,
        miners: 8,
        interval: 100,
        epoch_block: 300_060,
        seed: 11,
    }
}

pub(crate) fn run(args: &[String]) -> Result<()> {
    let quick = args.iter().any(|a| a == "--quick");
    let root = workspace_root()?;
    let target = target_dir(&root)?;
    let validator = build_validator(&root, &target)?;
    let spec = if quick { demo_spec() } else { reference_spec() };
    eprintln!("bench: generating the epoch ({spec:?}) ...");
    let started = Instant::now();
    let (v1, v2) = generate(
        &target
            .join("leoma-bench")
            .join(if quick { "quick" } else { "reference" }),
        &spec,
    )?;
    eprintln!(
        "bench: data ready in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let mut rows = Vec::new();
    for (rules, data) in [("v1", &v1), ("v2", &v2)] {
        let args = score_args(data, &spec, rules);
        let out = run_score(&validator, &args)?;
        let report: serde_json::Value =
            serde_json::from_slice(&out).context("score printed invalid JSON")?;
        let winner = report["winner"]["hotkey"]
            .as_str()
            .unwrap_or("none")
            .to_owned();
        let window = report["window"]["task_ids"].as_array().map_or(0, Vec::len);
        let mut times = Vec::with_capacity(RUNS);
        for _ in 0..RUNS {
            let t = Instant::now();
            run_score(&validator, &args)?;
            times.push(t.elapsed());
        }
        times.sort();
        rows.push(format!(
            "| `score --rules {rules}` end to end | {} | {} | {} | window {window} tasks, winner {}… |",
            ms(times[0]),
            ms(times[times.len() / 2]),
            ms(times[times.len() - 1]),
            winner.get(..8).unwrap_or(&winner)
        ));
    }

    eprintln!("bench: in-memory aggregation (leoma-scoring bench target) ...");
    let mut cmd = Command::new(cargo_bin());
    cmd.current_dir(&root).args([
        "bench",
        "--quiet",
        "-p",
        "leoma-scoring",
        "--bench",
        "aggregate",
    ]);
    let out = cmd.output().context("running the aggregation bench")?;
    if !out.status.success() {
        bail!(
            "aggregation bench failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        if line.starts_with('|') {
            rows.push(line.to_owned());
        }
    }

    println!("| measurement | min ms | median ms | max ms | notes |");
    println!("|---|---|---|---|---|");
    for r in rows {
        println!("{r}");
    }
    println!();
    println!("machine: {} cores, {}", cores(), cpu_model());
    Ok(())
}

/// Generates a small epoch and prints its audit (the README's first command).
pub(crate) fn demo(args: &[String]) -> Result<()> {
    let rules = match args.iter().position(|a| a == "--rules") {
        Some(i) => args.get(i + 1).map(String::as_str).unwrap_or("v1"),
        None => "v1",
    };
    let root = workspace_root()?;
    let target = target_dir(&root)?;
    let validator = build_validator(&root, &target)?;
    let spec = demo_spec();
    let (v1, v2) = generate(&target.join("leoma-bench").join("demo"), &spec)?;
    let data = if rules == "v2" { &v2 } else { &v1 };
    let args = score_args(data, &spec, rules);
    eprintln!("demo: {} {}", validator.display(), args.join(" "));
    let mut cmd = Command::new(&validator);
    cmd.args(&args);
    status(cmd)
}

/// `cargo xtask devnet [ARGS…]`: the README's first command. Makes sure ffmpeg is there (the
/// simulated miners and the turn render and probe real videos), builds the release validator and
/// runs `leoma-validator devnet ARGS…` (default: 3 epochs with progress on stderr).
pub(crate) fn devnet(args: &[String]) -> Result<()> {
    crate::prepare::video_tools()?;
    let root = workspace_root()?;
    let target = target_dir(&root)?;
    let validator = build_validator(&root, &target)?;
    let mut cmd = Command::new(&validator);
    cmd.arg("devnet").args(args);
    status(cmd)
}

fn score_args(data: &Generated, spec: &EpochSpec, rules: &str) -> Vec<String> {
    vec![
        "score".into(),
        data.dir.display().to_string(),
        "--allowlist".into(),
        data.allowlist.display().to_string(),
        "--miners".into(),
        data.miners.display().to_string(),
        "--epoch-block".into(),
        spec.epoch_block.to_string(),
        "--rules".into(),
        rules.into(),
        "--log-level".into(),
        "error".into(),
    ]
}

fn run_score(bin: &Path, args: &[String]) -> Result<Vec<u8>> {
    let out = Command::new(bin)
        .args(args)
        .output()
        .context("running leoma-validator")?;
    if !out.status.success() {
        bail!(
            "leoma-validator score failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(out.stdout)
}

fn build_validator(root: &Path, target: &Path) -> Result<PathBuf> {
    let mut cmd = Command::new(cargo_bin());
    cmd.current_dir(root)
        .args(["build", "--quiet", "--release", "-p", "leoma-validator"]);
    status(cmd)?;
    Ok(target.join("release").join("leoma-validator"))
}

fn target_dir(root: &Path) -> Result<PathBuf> {
    let out = Command::new(cargo_bin())
        .current_dir(root)
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .output()
        .context("running cargo metadata")?;
    let meta: serde_json::Value =
        serde_json::from_slice(&out.stdout).context("parsing cargo metadata")?;
    meta["target_directory"]
        .as_str()
        .map(PathBuf::from)
        .context("cargo metadata has no target_directory")
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned())
}
