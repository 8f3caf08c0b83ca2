//! Test support: databases (SQLite in a temp dir; PostgreSQL from `LEOMA_TEST_DATABASE_URL` or
//! a private throwaway cluster), signing keys, a live server on a loopback port, and signed
//! request builders for both auth schemes.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use leoma_api_types::Hotkey;
use leoma_api_types::owner_api::auth::{self, epistula_message, signature_header, x_message};
use leoma_chain::Keypair;
use leoma_owner_api::store::{SqlStore, Store};
use leoma_owner_api::{AppState, Ports, Settings};

/// A signing key derived from a one-byte seed.
pub(crate) fn key(seed: u8) -> Keypair {
    Keypair::from_seed(&[seed; 32]).unwrap()
}

/// The SS58 hotkey of `key(seed)`.
pub(crate) fn hk(seed: u8) -> String {
    key(seed).hotkey().as_str().to_owned()
}

/// Unix seconds now.
pub(crate) fn now_s() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A PostgreSQL database for one test; the private cluster (if any) stops on drop.
pub(crate) struct Postgres {
    pub(crate) url: String,
    cluster: Option<(PathBuf, bool)>,
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// Runs a PostgreSQL tool, as `nobody` when we are root (PostgreSQL refuses to run as root).
fn pg_tool(as_nobody: bool, tool: &str, args: &[&str]) -> std::io::Result<std::process::Output> {
    if as_nobody {
        Command::new("runuser")
            .args(["-u", "nobody", "--", tool])
            .args(args)
            .output()
    } else {
        Command::new(tool).args(args).output()
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

const INSTALL_HINT: &str = "PostgreSQL is required for this test: set LEOMA_TEST_DATABASE_URL, or \
    install the Debian package `postgresql` (initdb and pg_ctl on PATH or in /usr/lib/postgresql/*/bin)";

fn pg_bin(tool: &str) -> String {
    if Command::new(tool).arg("--version").output().is_ok() {
        return tool.to_owned();
    }
    let mut found = None;
    if let Ok(dirs) = std::fs::read_dir("/usr/lib/postgresql") {
        for d in dirs.flatten() {
            let p = d.path().join("bin").join(tool);
            if p.exists() {
                found = Some(p.display().to_string());
            }
        }
    }
    found.unwrap_or_else(|| panic!("{tool} not found. {INSTALL_HINT}"))
}

impl Postgres {
    /// A fresh database: a new database on `LEOMA_TEST_DATABASE_URL`, else a private cluster.
    pub(crate) async fn start() -> Postgres {
        let db = format!("leoma_test_{}_{}", std::process::id(), unique());
        if let Ok(base) = std::env::var("LEOMA_TEST_DATABASE_URL")
            && !base.is_empty()
        {
            let admin = SqlStore::connect(&base, 1)
                .await
                .expect("LEOMA_TEST_DATABASE_URL unreachable");
            admin
                .execute_raw(&format!("CREATE DATABASE {db}"))
                .await
                .unwrap();
            admin.close().await;
            let (prefix, _) = base.rsplit_once('/').unwrap();
            return Postgres {
                url: format!("{prefix}/{db}"),
                cluster: None,
            };
        }
        let (initdb, pg_ctl) = (pg_bin("initdb"), pg_bin("pg_ctl"));
        let root = is_root();
        let dir = tempfile::Builder::new()
            .prefix("leoma-pg-")
            .tempdir()
            .unwrap()
            .keep();
        if root {
            let ok = Command::new("chown")
                .args(["-R", "nobody:nogroup", &dir.display().to_string()])
                .status()
                .map(|s| s.success())
                .unwrap_or(false);
            assert!(
                ok,
                "cannot hand {} to user nobody for PostgreSQL",
                dir.display()
            );
        }
        let data = dir.join("data");
        let out = pg_tool(
            root,
            &initdb,
            &[
                "--auth=trust",
                "-U",
                "postgres",
                "-D",
                &data.display().to_string(),
            ],
        )
        .unwrap_or_else(|e| panic!("initdb failed to start: {e}. {INSTALL_HINT}"));
        assert!(
            out.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let port = free_port();
        let opts = format!(
            "-c listen_addresses=127.0.0.1 -p {port} -k {}",
            dir.display()
        );
        let out = pg_tool(
            root,
            &pg_ctl,
            &[
                "-D",
                &data.display().to_string(),
                "-o",
                &opts,
                "-l",
                &dir.join("log").display().to_string(),
                "-w",
                "start",
            ],
        )
        .unwrap();
        assert!(
            out.status.success(),
            "pg_ctl start failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let base = format!("postgres://postgres@127.0.0.1:{port}/postgres");
        let admin = SqlStore::connect(&base, 1).await.unwrap();
        admin
            .execute_raw(&format!("CREATE DATABASE {db}"))
            .await
            .unwrap();
        admin.close().await;
        Postgres {
            url: format!("postgres://postgres@127.0.0.1:{port}/{db}"),
            cluster: Some((dir, root)),
        }
    }
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .subsec_nanos() as u64;
    nanos * 1000 + N.fetch_add(1, Ordering::Relaxed)
}

impl Drop for Postgres {
    fn drop(&mut self) {
        if let Some((dir, root)) = &self.cluster {
            let data = dir.join("data").display().to_string();
            let _ = pg_tool(
                *root,
                &pg_bin("pg_ctl"),
                &["-D", &data, "-m", "immediate", "stop"],
            );
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// Which backend a test runs on.
pub(crate) enum Db {
    Sqlite(tempfile::TempDir),
    Postgres(Postgres),
}

impl Db {
    pub(crate) fn sqlite() -> Db {
        Db::Sqlite(tempfile::tempdir().unwrap())
    }

    pub(crate) async fn postgres() -> Db {
        Db::Postgres(Postgres::start().await)
    }

    pub(crate) fn url(&self) -> String {
        match self {
            Db::Sqlite(dir) => format!("sqlite://{}", dir.path().join("owner.sqlite3").display()),
            Db::Postgres(pg) => pg.url.clone(),
        }
    }

    /// A migrated store.
    pub(crate) async fn store(&self) -> SqlStore {
        let store = SqlStore::connect(&self.url(), 8).await.unwrap();
        store.migrate().await.unwrap();
        store
    }
}

/// A live server on a loopback port.
pub(crate) struct Server {
    pub(crate) base: String,
    pub(crate) state: AppState,
    pub(crate) http: reqwest::Client,
    _db: Db,
}

/// Admin key seed used by [`Server::start`].
pub(crate) const ADMIN: u8 = 1;
/// Registered validator seeds.
pub(crate) const V1: u8 = 2;
pub(crate) const V2: u8 = 3;
/// An unregistered key.
pub(crate) const STRANGER: u8 = 9;

pub(crate) fn test_settings() -> Settings {
    Settings {
        admin_hotkeys: vec![Hotkey::parse(&hk(ADMIN)).unwrap()],
        max_body_size: 64 * 1024,
        ..Settings::default()
    }
}

impl Server {
    /// SQLite server with the default test settings and validators V1, V2 registered.
    pub(crate) async fn start() -> Server {
        Self::start_with(Db::sqlite(), test_settings(), Ports::default()).await
    }

    pub(crate) async fn start_with(db: Db, settings: Settings, ports: Ports) -> Server {
        let store = db.store().await;
        for (uid, seed) in [(10, V1), (11, V2)] {
            store
                .upsert_validator(uid, &hk(seed), 1.0, "2026-01-01T00:00:00.000000+00:00")
                .await
                .unwrap();
        }
        let state = AppState::new(Arc::new(store), settings, ports);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = leoma_owner_api::app(state.clone());
        tokio::spawn(async move {
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await
            .unwrap();
        });
        Server {
            base: format!("http://{addr}"),
            state,
            http: reqwest::Client::new(),
            _db: db,
        }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Scheme-A headers for `body` signed by `seed` at `ts` (name, value).
    pub(crate) fn x_headers(body: &[u8], seed: u8, ts: i64) -> Vec<(String, String)> {
        let k = key(seed);
        let ts = ts.to_string();
        let sig = k.sign(x_message(body, &ts).as_bytes());
        vec![
            (auth::X_VALIDATOR_HOTKEY.into(), k.hotkey().as_str().into()),
            (auth::X_SIGNATURE.into(), signature_header(&sig)),
            (auth::X_TIMESTAMP.into(), ts),
        ]
    }

    /// A request carrying exactly `headers` and `body` (for replays and tampering).
    pub(crate) fn raw(
        &self,
        method: reqwest::Method,
        path: &str,
        headers: &[(String, String)],
        body: &[u8],
    ) -> reqwest::RequestBuilder {
        let mut req = self
            .http
            .request(method, self.url(path))
            .header("Content-Type", "application/json")
            .body(body.to_vec());
        for (k, v) in headers {
            req = req.header(k.as_str(), v.as_str());
        }
        req
    }

    /// A scheme-A signed request with timestamp `ts`.
    pub(crate) fn x_at(
        &self,
        method: reqwest::Method,
        path: &str,
        body: &[u8],
        seed: u8,
        ts: i64,
    ) -> reqwest::RequestBuilder {
        self.raw(method, path, &Self::x_headers(body, seed, ts), body)
    }

    /// A scheme-A signed request timestamped now.
    pub(crate) fn x(
        &self,
        method: reqwest::Method,
        path: &str,
        body: &[u8],
        seed: u8,
    ) -> reqwest::RequestBuilder {
        self.x_at(method, path, body, seed, now_s())
    }

    /// An Epistula v2 request.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn epistula(
        &self,
        method: reqwest::Method,
        path: &str,
        body: &[u8],
        seed: u8,
        uuid: &str,
        ts_ms: i64,
        signed_for: Option<&str>,
    ) -> reqwest::RequestBuilder {
        let k = key(seed);
        let ts = ts_ms.to_string();
        let sig = k.sign(epistula_message(body, uuid, &ts, signed_for).as_bytes());
        let mut req = self
            .http
            .request(method, self.url(path))
            .header(auth::EPISTULA_VERSION, "2")
            .header(auth::EPISTULA_TIMESTAMP, ts)
            .header(auth::EPISTULA_UUID, uuid)
            .header(auth::EPISTULA_SIGNED_BY, k.hotkey().as_str())
            .header(auth::EPISTULA_REQUEST_SIGNATURE, signature_header(&sig))
            .body(body.to_vec());
        if let Some(f) = signed_for {
            req = req.header(auth::EPISTULA_SIGNED_FOR, f);
        }
        req
    }
}

/// Status and JSON body of a response.
pub(crate) async fn sj(resp: reqwest::Response) -> (u16, serde_json::Value) {
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)),
    )
}

/// The detail string of an error body.
pub(crate) fn detail(v: &serde_json::Value) -> &str {
    v["detail"].as_str().unwrap_or("")
}

/// The test's artifact directory under the target dir.
pub(crate) fn artifact_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
