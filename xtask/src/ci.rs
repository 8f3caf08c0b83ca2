//! `cargo xtask ci`: the one command CI runs (through `.ci/run`) and developers run before pushing.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, Result, bail};

/// Runs every check in order and stops at the first failure.
pub(crate) fn run() -> Result<()> {
    let root = workspace_root()?;
    step("fmt", cargo(&root, &["fmt", "--all", "--", "--check"]))?;
    step(
        "clippy",
        cargo(
            &root,
            &[
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ],
        ),
    )?;
    step("tidy", crate::tidy::check(&root))?;
    step("python test peers", prepare_python())?;
    let python = test_python();
    let mut test = Command::new(cargo_bin());
    test.current_dir(&root);
    if let Some(py) = &python {
        test.env("LEOMA_TEST_PYTHON", py);
    }
    if has_nextest() {
        test.args(["nextest", "run", "--workspace", "--no-fail-fast"]);
    } else {
        test.args(["test", "--workspace", "--no-fail-fast"]);
    }
    step("tests", status(test))?;
    step("doctests", cargo(&root, &["test", "--workspace", "--doc"]))?;
    let mut doc = Command::new(cargo_bin());
    doc.current_dir(&root)
        .env("RUSTDOCFLAGS", "-D warnings")
        .args(["doc", "--workspace", "--no-deps"]);
    step("docs", status(doc))?;
    eprintln!("xtask ci: all checks passed");
    Ok(())
}

fn step(name: &str, result: Result<()>) -> Result<()> {
    eprintln!("xtask ci: {name} ...");
    result.with_context(|| format!("step `{name}` failed"))
}

pub(crate) fn cargo_bin() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

fn cargo(root: &PathBuf, args: &[&str]) -> Result<()> {
    let mut cmd = Command::new(cargo_bin());
    cmd.current_dir(root).args(args);
    status(cmd)
}

pub(crate) fn status(mut cmd: Command) -> Result<()> {
    let st = cmd
        .status()
        .with_context(|| format!("could not start {cmd:?}"))?;
    if !st.success() {
        bail!("{cmd:?} exited with {st}");
    }
    Ok(())
}

fn has_nextest() -> bool {
    Command::new(cargo_bin())
        .args(["nextest", "--version"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// Python packages the interop tests drive, pinned (PyPI).
const PYTHON_TEST_PEERS: &[&str] = &["bittensor-wallet==4.1.1"];

/// Makes sure the tools venv exists and holds the pinned test peers (idempotent, offline once
/// installed).
fn prepare_python() -> Result<()> {
    let venv = tools_dir().join("venv");
    let python = venv.join("bin/python");
    let marker = venv.join("leoma-peers.txt");
    let wanted = PYTHON_TEST_PEERS.join("\n");
    if python.exists() && std::fs::read_to_string(&marker).ok().as_deref() == Some(wanted.as_str())
    {
        return Ok(());
    }
    let host_python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let mut mk = Command::new(&host_python);
    mk.args(["-m", "venv"]).arg(&venv);
    status(mk)?;
    let mut pip = Command::new(&python);
    pip.args([
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
    ])
    .args(PYTHON_TEST_PEERS);
    status(pip)?;
    std::fs::write(&marker, wanted).context("writing the venv marker")?;
    Ok(())
}

/// The Python interpreter that the interop tests drive: `LEOMA_TEST_PYTHON`, else the tools venv
/// that `.ci/run` prepares, else none (the tests then use `python3` and say what is missing).
fn test_python() -> Option<String> {
    if let Ok(p) = std::env::var("LEOMA_TEST_PYTHON")
        && !p.is_empty()
    {
        return Some(p);
    }
    let venv = tools_dir().join("venv/bin/python");
    venv.exists().then(|| venv.display().to_string())
}

/// Where tools that outlive a clone live (`LEOMA_TOOLS_DIR`, default `~/.cache/leoma-tools`).
pub(crate) fn tools_dir() -> PathBuf {
    match std::env::var("LEOMA_TOOLS_DIR") {
        Ok(d) if !d.is_empty() => PathBuf::from(d),
        _ => PathBuf::from(std::env::var("HOME").unwrap_or_else(|_| "/root".to_owned()))
            .join(".cache/leoma-tools"),
    }
}

/// The workspace root: the parent of this crate's manifest directory.
pub(crate) fn workspace_root() -> Result<PathBuf> {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest
        .parent()
        .map(PathBuf::from)
        .context("xtask has no parent directory")
}
