//! `cargo xtask tidy`: architecture rules the compiler cannot check.
//!
//! 1. Workspace dependency edges follow ARCHITECTURE.md §2 (L1 crates never depend on each
//!    other; binaries only on what their row allows; any crate may dev-depend on the test kit).
//! 2. The pure crates (`leoma-api-types`, `leoma-rotation`, `leoma-scoring`) pull in no IO crate,
//!    not even transitively, depend on no source of randomness or clock, and their sources do not
//!    touch the file system, network, environment, processes or the clock.
//! 3. Binaries stay thin: `main.rs` at most [`MAIN_RS_BUDGET`] lines.
//! 4. Every workspace crate uses the workspace lints and opens with crate docs.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use serde_json::Value;

/// Lines a binary's `main.rs` may have.
const MAIN_RS_BUDGET: usize = 150;

const PURE: &[&str] = &["leoma-api-types", "leoma-rotation", "leoma-scoring"];

/// Crates that mean IO (network, async runtime, databases, cloud SDKs), banned transitively.
const IO_CRATES: &[&str] = &[
    "tokio",
    "mio",
    "async-std",
    "smol",
    "socket2",
    "reqwest",
    "hyper",
    "h2",
    "ureq",
    "object_store",
    "aws-config",
    "aws-sdk-s3",
    "subxt",
    "jsonrpsee",
    "sqlx",
    "axum",
    "tower",
];

/// Ambient randomness and clocks, banned as direct dependencies of the pure crates.
const AMBIENT_CRATES: &[&str] = &["rand", "getrandom", "chrono", "time", "uuid"];

/// Source patterns that mean IO, clock or environment access in a pure crate.
const PURE_SOURCE_BANS: &[&str] = &[
    "std::fs",
    "std::net",
    "std::env",
    "std::process",
    "SystemTime",
    "Instant::now",
    "thread_rng",
    "tokio::",
];

/// Which workspace crates each workspace crate may depend on (normal and build dependencies).
fn allowed_edges() -> BTreeMap<&'static str, &'static [&'static str]> {
    const L1: &[&str] = &["leoma-api-types"];
    BTreeMap::from([
        ("leoma-api-types", &[][..]),
        ("leoma-rotation", L1),
        ("leoma-scoring", L1),
        ("leoma-chain", L1),
        ("leoma-storage", L1),
        ("leoma-eval", L1),
        (
            "leoma-sampler",
            &[
                "leoma-api-types",
                "leoma-rotation",
                "leoma-chain",
                "leoma-storage",
                "leoma-eval",
            ][..],
        ),
        (
            "leoma-testkit",
            &[
                "leoma-api-types",
                "leoma-chain",
                "leoma-storage",
                "leoma-eval",
            ][..],
        ),
        (
            "leoma-validator",
            &[
                "leoma-api-types",
                "leoma-rotation",
                "leoma-scoring",
                "leoma-chain",
                "leoma-storage",
                "leoma-eval",
                "leoma-sampler",
                // `devnet` runs simulated miners and fake services from the test kit.
                "leoma-testkit",
            ][..],
        ),
        (
            "leoma-owner-api",
            &[
                "leoma-api-types",
                "leoma-chain",
                "leoma-storage",
                "leoma-rotation",
                "leoma-scoring",
            ][..],
        ),
        // The miner CLI runs the validator's own roster checks before spending a commit (issue 9).
        (
            "leoma-miner",
            &["leoma-api-types", "leoma-chain", "leoma-sampler"][..],
        ),
    ])
}

pub(crate) fn run() -> Result<()> {
    check(&crate::ci::workspace_root()?)
}

/// Runs every rule and reports all violations at once.
pub(crate) fn check(root: &Path) -> Result<()> {
    let meta = metadata(root)?;
    let mut problems = Vec::new();
    check_edges(&meta, &mut problems);
    check_pure_dependencies(&meta, &mut problems);
    check_sources(root, &meta, &mut problems)?;
    if problems.is_empty() {
        eprintln!("tidy: ok");
        return Ok(());
    }
    for p in &problems {
        eprintln!("tidy: {p}");
    }
    bail!("{} tidy violation(s)", problems.len())
}

fn metadata(root: &Path) -> Result<Value> {
    let out = Command::new(crate::ci::cargo_bin())
        .current_dir(root)
        .args(["metadata", "--format-version", "1"])
        .output()
        .context("running cargo metadata")?;
    if !out.status.success() {
        bail!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    serde_json::from_slice(&out.stdout).context("parsing cargo metadata")
}

fn workspace_packages(meta: &Value) -> Vec<&Value> {
    let members: BTreeSet<&str> = meta["workspace_members"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    meta["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["id"].as_str().is_some_and(|id| members.contains(id)))
        .collect()
}

/// Test-only edges where one side's tests run the other side's real client against it, so a
/// wire contract is checked from both ends: the owner-api's tests drive the validator's reporter.
const DEV_CONTRACT_EDGES: &[(&str, &str)] = &[("leoma-owner-api", "leoma-sampler")];

fn check_edges(meta: &Value, problems: &mut Vec<String>) {
    let rules = allowed_edges();
    for pkg in workspace_packages(meta) {
        let name = pkg["name"].as_str().unwrap_or_default();
        let Some(allowed) = rules.get(name) else {
            continue; // xtask and anything not in the map is tooling
        };
        for dep in pkg["dependencies"].as_array().into_iter().flatten() {
            let dep_name = dep["name"].as_str().unwrap_or_default();
            // A crate may name itself as a dev-dependency to enable test features.
            if !dep_name.starts_with("leoma-") || dep_name == name {
                continue;
            }
            let is_dev = dep["kind"].as_str() == Some("dev");
            if is_dev
                && (dep_name == "leoma-testkit"
                    || allowed.contains(&dep_name)
                    || DEV_CONTRACT_EDGES.contains(&(name, dep_name)))
            {
                continue;
            }
            if !allowed.contains(&dep_name) {
                let kind = if is_dev {
                    "dev-dependency"
                } else {
                    "dependency"
                };
                problems.push(format!(
                    "forbidden {kind} edge {name} -> {dep_name} (ARCHITECTURE.md §2 allows {name} -> {allowed:?})"
                ));
            }
        }
    }
}

fn check_pure_dependencies(meta: &Value, problems: &mut Vec<String>) {
    let Some(nodes) = meta["resolve"]["nodes"].as_array() else {
        problems.push("cargo metadata has no resolve graph".to_owned());
        return;
    };
    let by_id: BTreeMap<&str, &Value> = nodes
        .iter()
        .filter_map(|n| Some((n["id"].as_str()?, n)))
        .collect();
    let name_of = |id: &str| -> String {
        meta["packages"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|p| p["id"].as_str() == Some(id))
            .and_then(|p| p["name"].as_str())
            .unwrap_or(id)
            .to_owned()
    };
    for pkg in workspace_packages(meta) {
        let name = pkg["name"].as_str().unwrap_or_default();
        if !PURE.contains(&name) {
            continue;
        }
        for dep in pkg["dependencies"].as_array().into_iter().flatten() {
            let dep_name = dep["name"].as_str().unwrap_or_default();
            let is_dev = dep["kind"].as_str() == Some("dev");
            if !is_dev && AMBIENT_CRATES.contains(&dep_name) {
                problems.push(format!(
                    "pure crate {name} depends on {dep_name} (randomness or clock; callers pass values in)"
                ));
            }
        }
        // Walk normal dependency edges only: dev-dependencies may do IO in tests.
        let Some(start) = pkg["id"].as_str() else {
            continue;
        };
        let mut seen = BTreeSet::new();
        let mut stack = vec![(start.to_owned(), vec![name.to_owned()])];
        while let Some((id, path)) = stack.pop() {
            if !seen.insert(id.clone()) {
                continue;
            }
            let Some(node) = by_id.get(id.as_str()) else {
                continue;
            };
            for dep in node["deps"].as_array().into_iter().flatten() {
                let normal = dep["dep_kinds"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|k| k["kind"].is_null());
                let Some(dep_id) = dep["pkg"].as_str() else {
                    continue;
                };
                if !normal {
                    continue;
                }
                let dep_name = name_of(dep_id);
                let mut dep_path = path.clone();
                dep_path.push(dep_name.clone());
                if IO_CRATES.contains(&dep_name.as_str()) {
                    problems.push(format!(
                        "pure crate {name} pulls in IO crate {dep_name} via {}",
                        dep_path.join(" -> ")
                    ));
                    continue;
                }
                stack.push((dep_id.to_owned(), dep_path));
            }
        }
    }
}

fn check_sources(root: &Path, meta: &Value, problems: &mut Vec<String>) -> Result<()> {
    for pkg in workspace_packages(meta) {
        let name = pkg["name"].as_str().unwrap_or_default();
        let manifest = PathBuf::from(pkg["manifest_path"].as_str().unwrap_or_default());
        let dir = manifest.parent().map(Path::to_path_buf).unwrap_or_default();
        let rel = dir.strip_prefix(root).unwrap_or(&dir).display().to_string();
        let manifest_text = std::fs::read_to_string(&manifest)
            .with_context(|| format!("reading {}", manifest.display()))?;
        if name != "xtask" && !manifest_text.contains("[lints]") {
            problems.push(format!(
                "{rel}/Cargo.toml does not use `[lints] workspace = true`"
            ));
        }
        for entry in ["src/lib.rs", "src/main.rs"] {
            let path = dir.join(entry);
            if let Ok(text) = std::fs::read_to_string(&path) {
                if !text.trim_start().starts_with("//!") {
                    problems.push(format!(
                        "{rel}/{entry} does not open with crate docs (`//!`)"
                    ));
                }
                if entry == "src/main.rs" && rel.starts_with("bins/") {
                    let lines = text.lines().count();
                    if lines > MAIN_RS_BUDGET {
                        problems.push(format!(
                            "{rel}/src/main.rs has {lines} lines (budget {MAIN_RS_BUDGET}): move logic into the library"
                        ));
                    }
                }
            }
        }
        if PURE.contains(&name) {
            let mut files = Vec::new();
            rust_files(&dir.join("src"), &mut files)?;
            for file in files {
                let text = std::fs::read_to_string(&file)?;
                // Unit tests at the end of a file may spawn reference peers (python3).
                for (i, line) in text
                    .lines()
                    .enumerate()
                    .take_while(|(_, l)| !l.trim_start().starts_with("#[cfg(test)]"))
                {
                    let code = line.split("//").next().unwrap_or_default();
                    for ban in PURE_SOURCE_BANS {
                        if code.contains(ban) {
                            let shown = file
                                .strip_prefix(root)
                                .unwrap_or(&file)
                                .display()
                                .to_string();
                            problems.push(format!(
                                "{shown}:{}: pure crate {name} uses `{ban}` (no IO, clock or environment)",
                                i + 1
                            ));
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            rust_files(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    Ok(())
}
