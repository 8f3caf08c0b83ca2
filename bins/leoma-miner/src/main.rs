//! `leoma-miner`: the miner's command line (see the `leoma_miner` library for the commands).
//!
//! Exit codes: 0 success; 1 a refused or failed commit, an invalid miner (`status`) or a
//! signature that does not verify; 2 invalid input or a wallet that cannot be loaded; 3 a
//! service (chain, owner-api, Chutes, HuggingFace) that could not be reached.

use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let cli = leoma_miner::Cli::parse();
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&cli.log_level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    let code = leoma_miner::run(cli, &mut std::io::stdout(), &mut std::io::stderr());
    ExitCode::from(code)
}
