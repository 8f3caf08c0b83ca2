//! `leoma-miner`: the miner's command line.
//!
//! Today: `wallet show | sign | verify` (shared with `leoma-validator`). Coming: deploying a
//! Chute from the template (`push`), publishing the timelocked model commitment (`commit`), and
//! a miner's status and rank (SPEC §1.6, §2.4, §3.13.1). Exit codes: 0 success, 1 a signature
//! that does not verify, 2 invalid input or a wallet that cannot be loaded.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// The Leoma miner CLI.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Wallet utilities: show the hotkey, sign and verify messages.
    Wallet {
        #[command(flatten)]
        wallet: leoma_chain::cli::WalletArgs,
        #[command(subcommand)]
        command: leoma_chain::cli::WalletCommand,
    },
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Wallet { wallet, command } => ExitCode::from(leoma_chain::cli::execute(
            &wallet,
            &command,
            &mut std::io::stdout(),
            &mut std::io::stderr(),
        )),
    }
}
