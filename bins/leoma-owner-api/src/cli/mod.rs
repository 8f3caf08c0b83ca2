//! The command line (SPEC §1.6): `serve`, `db`, `validator`, `blacklist`, `allowlist publish`,
//! `rotation set-interval`, `get-rank`, and `seed` (benchmark data). Flags fall back to the
//! environment variables of SPEC §10.3.

pub mod admin;
pub mod allowlist;
pub mod db;
pub mod seed;
pub mod serve;

use clap::{Parser, Subcommand};

pub use db::DbArgs;
pub use serve::ServeArgs;

/// The Leoma owner-api and owner tooling.
#[derive(Debug, Parser)]
#[command(name = "leoma-owner-api", version, about)]
pub struct Cli {
    /// Log format: `human` or `json`.
    #[arg(long, env = "LOG_FORMAT", default_value = "human", global = true)]
    pub log_format: String,
    /// Log level (`RUST_LOG` overrides).
    #[arg(long, env = "LOG_LEVEL", global = true)]
    pub log_level: Option<String>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server and its background tasks (migrates first).
    Serve(Box<ServeArgs>),
    /// Database maintenance.
    Db {
        /// Connection flags.
        #[command(flatten)]
        db: DbArgs,
        /// What to do.
        #[command(subcommand)]
        command: db::DbCommand,
    },
    /// Manage the validator allowlist through the API (signed).
    Validator {
        /// Client flags.
        #[command(flatten)]
        client: admin::ClientArgs,
        /// What to do.
        #[command(subcommand)]
        command: admin::ValidatorCommand,
    },
    /// Manage the miner blacklist through the API (signed).
    Blacklist {
        /// Client flags.
        #[command(flatten)]
        client: admin::ClientArgs,
        /// What to do.
        #[command(subcommand)]
        command: admin::BlacklistCommand,
    },
    /// Dashboard rotation interval.
    Rotation {
        /// Client flags.
        #[command(flatten)]
        client: admin::ClientArgs,
        /// What to do.
        #[command(subcommand)]
        command: admin::RotationCommand,
    },
    /// The on-chain validator allowlist.
    Allowlist {
        /// What to do.
        #[command(subcommand)]
        command: allowlist::AllowlistCommand,
    },
    /// Fill a database with synthetic data (benchmarks, schemathesis).
    Seed(seed::SeedArgs),
    /// Print the dashboard ranking (`GET /scores/rank`).
    GetRank {
        /// Client flags.
        #[command(flatten)]
        client: admin::ClientArgs,
    },
}

/// Runs a parsed command line; returns the process exit code.
pub async fn run(cli: Cli) -> i32 {
    let result = match cli.command {
        Command::Serve(args) => serve::run(*args).await,
        Command::Db { db, command } => db::run(&db, command).await,
        Command::Validator { client, command } => admin::validator(&client, command).await,
        Command::Blacklist { client, command } => admin::blacklist(&client, command).await,
        Command::Rotation { client, command } => admin::rotation(&client, command).await,
        Command::GetRank { client } => admin::get_rank(&client).await,
        Command::Seed(args) => seed::run(args).await,
        Command::Allowlist { command } => allowlist::run(command).await,
    };
    match result {
        Ok(()) => 0,
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "command failed");
            1
        }
    }
}
