//! Test peers that `cargo xtask ci` installs when they are missing, so that the README's test
//! command works on a fresh machine: the Python packages the interop tests drive (a venv under
//! `$LEOMA_TOOLS_DIR`), Debian packages (when running as root with apt), and cargo-installed
//! servers. Every step is idempotent and does nothing once its tool is in place.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::ci::{cargo_bin, status, tools_dir};

/// Python packages the interop tests drive, pinned (PyPI).
const PYTHON_PEERS: &[&str] = &[
    "bittensor-wallet==4.1.1",
    "bittensor-drand==2.0.0",
    // The owner-api's OpenAPI conformance run.
    "schemathesis==4.32.5",
];

/// Debian packages that render and probe videos (the turn, the tests, `devnet`):
/// `(command that proves it is installed, package)`.
const VIDEO_PEERS: &[(&str, &str)] = &[("ffmpeg", "ffmpeg"), ("ffprobe", "ffmpeg")];

/// The other Debian packages the tests run.
const DEBIAN_PEERS: &[(&str, &str)] = &[
    // The dashboard page test (headless).
    ("chromium", "chromium"),
    // The owner-api store tests start a private cluster; Debian keeps `initdb` off PATH.
    ("initdb", "postgresql"),
    // The schemathesis run waits for the live server with it.
    ("curl", "curl"),
];

/// Crates installed as binaries into `$LEOMA_TOOLS_DIR/bin`: `(binary, install arguments)`.
const CARGO_PEERS: &[(&str, &[&str])] = &[(
    "s3s-fs",
    &["s3s-fs@0.14.1", "--locked", "--features", "binary"],
)];

/// Installs whatever is missing.
pub(crate) fn all() -> Result<()> {
    debian()?;
    python()?;
    cargo_tools()
}

/// The venv's interpreter.
pub(crate) fn python_path() -> PathBuf {
    tools_dir().join("venv/bin/python")
}

fn python() -> Result<()> {
    let venv = tools_dir().join("venv");
    let marker = venv.join("leoma-peers.txt");
    let wanted = PYTHON_PEERS.join("\n");
    if python_path().exists()
        && std::fs::read_to_string(&marker).ok().as_deref() == Some(wanted.as_str())
    {
        return Ok(());
    }
    let host_python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let mut mk = Command::new(&host_python);
    mk.args(["-m", "venv"]).arg(&venv);
    status(mk)?;
    let mut pip = Command::new(python_path());
    pip.args([
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
    ])
    .args(PYTHON_PEERS);
    status(pip)?;
    std::fs::write(&marker, wanted).context("writing the venv marker")
}

/// Just ffmpeg/ffprobe (what `devnet` needs), installed like the other Debian peers.
pub(crate) fn video_tools() -> Result<()> {
    install_debian(VIDEO_PEERS)
}

fn debian() -> Result<()> {
    let all: Vec<(&str, &str)> = VIDEO_PEERS.iter().chain(DEBIAN_PEERS).copied().collect();
    install_debian(&all)
}

fn install_debian(peers: &[(&str, &str)]) -> Result<()> {
    let mut missing: Vec<&str> = peers
        .iter()
        .filter(|(probe, _)| !installed(probe))
        .map(|(_, package)| *package)
        .collect();
    missing.dedup();
    if missing.is_empty() {
        return Ok(());
    }
    if !on_path("apt-get") {
        bail!(
            "missing test tools; install the Debian packages: {}",
            missing.join(" ")
        );
    }
    let mut update = Command::new("apt-get");
    update.args(["update", "-qq"]);
    status(update)?;
    let mut install = Command::new("apt-get");
    install
        .env("DEBIAN_FRONTEND", "noninteractive")
        .args(["install", "-y", "-qq", "--no-install-recommends"])
        .args(&missing);
    status(install).with_context(|| {
        format!(
            "installing {} (run as root, or install them yourself)",
            missing.join(" ")
        )
    })
}

fn cargo_tools() -> Result<()> {
    for (binary, args) in CARGO_PEERS {
        if tools_dir().join("bin").join(binary).exists() {
            continue;
        }
        let mut install = Command::new(cargo_bin());
        install
            .arg("install")
            .args(*args)
            .arg("--root")
            .arg(tools_dir());
        status(install)?;
    }
    Ok(())
}

/// PATH for the tests: the tools venv's `bin` (schemathesis) and PostgreSQL's server tools
/// first, then the caller's PATH.
pub(crate) fn test_path() -> Result<std::ffi::OsString> {
    let mut dirs = vec![tools_dir().join("venv/bin")];
    dirs.extend(postgres_bin_dir());
    if let Some(path) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&path));
    }
    std::env::join_paths(dirs).context("building PATH for the tests")
}

/// On PATH, or (PostgreSQL's server tools) in Debian's versioned directory.
fn installed(program: &str) -> bool {
    on_path(program) || (program == "initdb" && postgres_bin_dir().is_some())
}

/// `/usr/lib/postgresql/<newest version>/bin`, where Debian installs `initdb` and `pg_ctl`.
pub(crate) fn postgres_bin_dir() -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|d| d.join("initdb").is_file())
        .collect();
    dirs.sort();
    dirs.pop()
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}
