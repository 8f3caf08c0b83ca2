//! # leoma-miner
//!
//! The miner's command line as a library (the binary only parses flags and calls [`run`]):
//! `push` writes and deploys the Chute definition of one model revision (SPEC §3.13.1);
//! `commit` checks a commitment with the validator's own roster checks and then publishes it as
//! a timelocked reveal commitment (SPEC §2.4); `status` shows every validator check for a miner
//! with the owner-api's rank and consensus; `rank` prints the leaderboard; `wallet` is shared
//! with the validator.
//!
//! It must never re-implement a validator rule (they live in `leoma-api-types` and
//! `leoma_sampler::roster`), never sign with anything but the miner's hotkey, and never print
//! a secret.

pub mod checks;
pub mod cli;
pub mod commit;
pub mod error;
pub mod owner_api;
pub mod push;
pub mod status;

use std::io::Write;

use clap::{Parser, Subcommand};

pub use error::MinerError;

/// The Leoma miner CLI.
#[derive(Debug, Parser)]
#[command(name = "leoma-miner", version, about)]
pub struct Cli {
    /// Log level on stderr (`RUST_LOG` overrides it).
    #[arg(long, global = true, env = "LOG_LEVEL", default_value = "warn")]
    pub log_level: String,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write the Chute definition for a model revision, deploy it with the `chutes` CLI and
    /// print the new chute's id and slug.
    Push(Box<cli::PushArgs>),
    /// Check a commitment the way validators will, then publish it on chain (timelocked).
    Commit(Box<cli::CommitArgs>),
    /// Every validator check for a miner, then its rank and eligibility from the owner-api.
    Status(Box<cli::StatusArgs>),
    /// The owner-api leaderboard.
    Rank(cli::RankArgs),
    /// Wallet utilities: show the hotkey, sign and verify messages.
    Wallet {
        /// Wallet.
        #[command(flatten)]
        wallet: leoma_chain::cli::WalletArgs,
        /// The wallet command.
        #[command(subcommand)]
        command: leoma_chain::cli::WalletCommand,
    },
}

/// Runs one command to completion and returns the process exit code.
pub fn run(cli: Cli, out: &mut dyn Write, err: &mut (dyn Write + Send)) -> u8 {
    if let Command::Wallet { wallet, command } = &cli.command {
        return leoma_chain::cli::execute(wallet, command, out, err);
    }
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            let _ = writeln!(err, "error: cannot start the async runtime: {e}");
            return 1;
        }
    };
    rt.block_on(run_async(cli, out, err))
}

/// [`run`] inside a runtime.
pub async fn run_async(cli: Cli, out: &mut dyn Write, err: &mut (dyn Write + Send)) -> u8 {
    match &cli.command {
        Command::Push(args) => cli::run_push(args, out, err).await,
        Command::Commit(args) => cli::run_commit(args, out, err).await,
        Command::Status(args) => cli::run_status(args, out, err).await,
        Command::Rank(args) => cli::run_rank(args, out, err).await,
        Command::Wallet { wallet, command } => leoma_chain::cli::execute(wallet, command, out, err),
    }
}
