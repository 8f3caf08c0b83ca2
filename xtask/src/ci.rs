//! `cargo xtask ci`: the one command CI runs (through `.ci/run`) and developers run before pushing.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, Result, bail};

/// Runs every check in order and stops at the first failure.
pub(crate) fn run() -> Result<()> {
    let root = workspace_root()?;
    step("fmt", || cargo(&root, &["fmt", "--all", "--", "--check"]))?;
    step("clippy", || {
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
        )
    })?;
    step("tidy", || crate::tidy::check(&root))?;
    step("test peers", crate::prepare::all)?;
    step("tests", || {
        let mut test = Command::new(cargo_bin());
        test.current_dir(&root)
            .env("LEOMA_TOOLS_DIR", tools_dir())
            .env("LEOMA_TEST_PYTHON", crate::prepare::python_path())
            .env("PATH", crate::prepare::test_path()?);
        if has_nextest() {
            test.args(["nextest", "run", "--workspace", "--no-fail-fast"]);
        } else {
            test.args(["test", "--workspace", "--no-fail-fast"]);
        }
        status(test)
    })?;
    step("owner-api conformance (schemathesis)", || {
        let mut st = Command::new("bash");
        st.current_dir(&root)
            .arg("bins/leoma-owner-api/tests/schemathesis.sh")
            .env("LEOMA_TOOLS_VENV", tools_dir().join("venv"))
            .env("SCHEMATHESIS_MAX_EXAMPLES", "10")
            .env("PATH", crate::prepare::test_path()?);
        status(st)
    })?;
    step("doctests", || {
        cargo(&root, &["test", "--workspace", "--doc"])
    })?;
    step("docs", || {
        let mut doc = Command::new(cargo_bin());
        doc.current_dir(&root)
            .env("RUSTDOCFLAGS", "-D warnings")
            .args(["doc", "--workspace", "--no-deps"]);
        status(doc)
    })?;
    eprintln!("xtask ci: all checks passed");
    Ok(())
}

fn step(name: &str, f: impl FnOnce() -> Result<()>) -> Result<()> {
    eprintln!("xtask ci: {name} ...");
    f().with_context(|| format!("step `{name}` failed"))
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

/// Where tools that outlive a clone live (`LEOMA_TOOLS_DIR`, default `~/.cache/leoma-tools`).
pub(crate) fn tools_dir() -> PathBuf {
    match std::env::var("LEOMA_TOOLS_DIR") {
        Ok(d) if !d.is_empty() => PathBuf::from(d),
        _ => PathBuf::from(std::env::var("HOME").unwrap_or_else(|_| "/root".to_owned()))
            .join(".cache/leoma-tools"),
    }
}

/// The workspace root: the parent of this crate's manifest directory. `cargo run` sets
/// `CARGO_MANIFEST_DIR` at run time, which is preferred: with a target directory shared
/// between checkouts, `target/debug/xtask` may be a build from another checkout, whose
/// compile-time path would point there.
pub(crate) fn workspace_root() -> Result<PathBuf> {
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    manifest
        .parent()
        .map(PathBuf::from)
        .context("xtask has no parent directory")
}
