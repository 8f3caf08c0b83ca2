//! A real S3-compatible server for tests and benchmarks: an `s3s-fs` process (crates.io; it
//! checks SigV4 signatures like R2) serving a temporary directory on a free loopback port,
//! killed on drop.
//!
//! The API uses only std types so any crate (the storage crate's own tests included) can use it
//! without sharing storage types with the kit. `s3s-fs` serves `<data dir>/<bucket>/<key>` as
//! plain files, so [`S3sFs::bucket_dir`] also lets a benchmark lay out a large history directly
//! on disk.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// How to install the server, named in every "not found" error.
pub const S3S_FS_INSTALL: &str =
    "cargo install s3s-fs@0.14.1 --locked --features binary --root $HOME/.cache/leoma-tools";

/// Why the server could not be started.
#[derive(Debug, thiserror::Error)]
pub enum S3sFsError {
    /// The binary is not installed where the kit looks.
    #[error(
        "s3s-fs not found (looked in {looked}); set LEOMA_S3S_FS or install it: {S3S_FS_INSTALL}"
    )]
    NotFound {
        /// The paths tried.
        looked: String,
    },
    /// Spawning or preparing the server failed.
    #[error("s3s-fs: {0}")]
    Io(#[from] std::io::Error),
    /// The server did not accept connections in time.
    #[error("s3s-fs did not listen on port {0} within 5 s")]
    NotReady(u16),
}

/// The `s3s-fs` binary: `LEOMA_S3S_FS`, else `$LEOMA_TOOLS_DIR/bin/s3s-fs`, else
/// `$HOME/.cache/leoma-tools/bin/s3s-fs`.
pub fn s3s_fs_binary() -> Result<PathBuf, S3sFsError> {
    if let Some(p) = std::env::var_os("LEOMA_S3S_FS") {
        return Ok(PathBuf::from(p));
    }
    let home = PathBuf::from(std::env::var_os("HOME").unwrap_or_default());
    let candidates: Vec<PathBuf> = [
        std::env::var_os("LEOMA_TOOLS_DIR").map(|t| PathBuf::from(t).join("bin/s3s-fs")),
        Some(home.join(".cache/leoma-tools/bin/s3s-fs")),
    ]
    .into_iter()
    .flatten()
    .collect();
    candidates
        .iter()
        .find(|c| c.exists())
        .cloned()
        .ok_or_else(|| S3sFsError::NotFound {
            looked: candidates
                .iter()
                .map(|c| c.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
        })
}

/// A running `s3s-fs`.
#[derive(Debug)]
pub struct S3sFs {
    child: Child,
    port: u16,
    access_key: String,
    data: tempfile::TempDir,
}

impl S3sFs {
    /// Starts a server accepting `access_key` / `secret_key` on a free loopback port.
    pub fn start(access_key: &str, secret_key: &str) -> Result<Self, S3sFsError> {
        let bin = s3s_fs_binary()?;
        let data = tempfile::tempdir()?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let child = Command::new(bin)
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args(["--access-key", access_key, "--secret-key", secret_key])
            .arg(data.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let server = S3sFs {
            child,
            port,
            access_key: access_key.to_owned(),
            data,
        };
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Ok(server);
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        Err(S3sFsError::NotReady(port))
    }

    /// `http://127.0.0.1:<port>`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The access key it accepts.
    pub fn access_key(&self) -> &str {
        &self.access_key
    }

    /// Creates bucket `name` (a directory) and returns its path.
    pub fn bucket_dir(&self, name: &str) -> Result<PathBuf, S3sFsError> {
        let dir = self.data.path().join(name);
        std::fs::create_dir_all(&dir)?;
        Ok(dir)
    }

    /// The served directory.
    pub fn data_dir(&self) -> &Path {
        self.data.path()
    }
}

impl Drop for S3sFs {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
