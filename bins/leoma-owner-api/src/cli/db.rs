//! Database flags (SPEC §9.6, §10.3, S12) and the `db` subcommands.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};

use crate::store::{SqlStore, Store};

/// Where the database is. With no flags: SQLite in `--data-dir`.
#[derive(Debug, Clone, Args)]
pub struct DbArgs {
    /// Full database URL (`postgres://…` or `sqlite:…`).
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// PostgreSQL host (any POSTGRES_* variable selects PostgreSQL).
    #[arg(long, env = "POSTGRES_HOST")]
    pub postgres_host: Option<String>,
    /// PostgreSQL port.
    #[arg(long, env = "POSTGRES_PORT")]
    pub postgres_port: Option<u16>,
    /// PostgreSQL user.
    #[arg(long, env = "POSTGRES_USER")]
    pub postgres_user: Option<String>,
    /// PostgreSQL password.
    #[arg(long, env = "POSTGRES_PASSWORD", hide_env_values = true)]
    pub postgres_password: Option<String>,
    /// PostgreSQL database.
    #[arg(long, env = "POSTGRES_DB")]
    pub postgres_db: Option<String>,
    /// Allow the default PostgreSQL credentials (`leoma`/`leoma`).
    #[arg(long, env = "ALLOW_DEFAULT_DB_CREDENTIALS", default_value_t = false)]
    pub allow_default_db_credentials: bool,
    /// Directory of the embedded SQLite database (used when no PostgreSQL setting is given).
    #[arg(
        long,
        env = "LEOMA_OWNER_DATA_DIR",
        default_value = "~/.leoma/owner-api"
    )]
    pub data_dir: String,
    /// Connection pool size.
    #[arg(long, env = "DATABASE_POOL_SIZE", default_value_t = 30)]
    pub pool_size: u32,
}

fn expand(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(path),
    }
}

impl DbArgs {
    /// The database URL these flags name; creates the SQLite data directory when used.
    pub fn url(&self) -> anyhow::Result<String> {
        let empty = |o: &Option<String>| o.as_deref().is_none_or(str::is_empty);
        if let Some(url) = self.database_url.as_deref().filter(|u| !u.is_empty()) {
            return Ok(url.to_owned());
        }
        let pg_set = !empty(&self.postgres_host)
            || self.postgres_port.is_some()
            || !empty(&self.postgres_user)
            || !empty(&self.postgres_password)
            || !empty(&self.postgres_db);
        if pg_set {
            let or = |o: &Option<String>, d: &str| {
                o.clone()
                    .filter(|s| !s.is_empty())
                    .unwrap_or_else(|| d.to_owned())
            };
            let user = or(&self.postgres_user, "leoma");
            let password = or(&self.postgres_password, "leoma");
            if password == "leoma" && !self.allow_default_db_credentials {
                bail!(
                    "refusing the default database password; set POSTGRES_PASSWORD or \
                     ALLOW_DEFAULT_DB_CREDENTIALS=true"
                );
            }
            return Ok(format!(
                "postgres://{user}:{password}@{}:{}/{}",
                or(&self.postgres_host, "localhost"),
                self.postgres_port.unwrap_or(5432),
                or(&self.postgres_db, "leoma")
            ));
        }
        let dir = expand(&self.data_dir);
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("creating the data directory {}", dir.display()))?;
        Ok(format!(
            "sqlite://{}",
            dir.join("owner-api.sqlite3").display()
        ))
    }

    /// Connects (without migrating).
    pub async fn connect(&self) -> anyhow::Result<SqlStore> {
        let url = self.url()?;
        SqlStore::connect(&url, self.pool_size.max(1))
            .await
            .context("connecting to the database")
    }
}

/// `db` subcommands.
#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Create or migrate the tables.
    #[command(alias = "init")]
    Migrate,
    /// Upsert a validator by uid directly in the database.
    AddValidator {
        /// uid.
        #[arg(long)]
        uid: i64,
        /// SS58 hotkey (trimmed).
        #[arg(long)]
        hotkey: String,
        /// Stake (clamped ≥ 0).
        #[arg(long, default_value_t = 0.0)]
        stake: f64,
    },
    /// Print uid, the first 20 characters of the hotkey, and stake.
    ListValidators,
}

/// Runs a `db` subcommand.
pub async fn run(db: &DbArgs, command: DbCommand) -> anyhow::Result<()> {
    let store = db.connect().await?;
    match command {
        DbCommand::Migrate => {
            store.migrate().await?;
            tracing::info!("database migrated");
        }
        DbCommand::AddValidator { uid, hotkey, stake } => {
            store.migrate().await?;
            let hotkey = leoma_api_types::Hotkey::parse(hotkey.trim())
                .context("--hotkey is not a valid SS58 address")?;
            store
                .upsert_validator(
                    uid,
                    hotkey.as_str(),
                    stake.max(0.0),
                    &crate::clock::now_iso(),
                )
                .await?;
            super::admin::say(&format!(
                "validator uid {uid} {} stake {}",
                hotkey.as_str(),
                stake.max(0.0)
            ));
        }
        DbCommand::ListValidators => {
            for v in store.validators(crate::routes::MAX_LIST_ROWS).await? {
                let short: String = v.hotkey.chars().take(20).collect();
                super::admin::say(&format!("{:>5}  {short}  {}", v.uid, v.stake));
            }
        }
    }
    store.close().await;
    Ok(())
}
