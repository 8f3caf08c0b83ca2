//! `leoma-validator`: the Leoma validator's command line.
//!
//! Thin by design: parse flags, set up tracing, call one library entry point, map the outcome to
//! an exit code. Exit codes: 0 success, 1 unexpected failure, 2 invalid invocation or
//! inconsistent inputs, 3 an input file or directory that cannot be read or parsed.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use leoma_validator::logging::{self, LogFormat};

/// The Leoma validator.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    /// Log line format on stderr.
    #[arg(
        long,
        global = true,
        env = "LOG_FORMAT",
        value_enum,
        default_value = "human"
    )]
    log_format: LogFormat,
    /// Log level (`RUST_LOG` overrides it).
    #[arg(long, global = true, env = "LOG_LEVEL", default_value = "info")]
    log_level: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Audit one epoch offline: recompute the window, ranking, winner and weights from a
    /// directory mirroring the validators' buckets. Prints one JSON document on stdout.
    Score(leoma_validator::score::ScoreArgs),
    /// Run the weight epoch alone: at each epoch boundary, score the peers' verdict files and
    /// set winner-take-all weights. `--once --epoch-block N --dry-run` prints the epoch's JSON.
    Weights(Box<leoma_validator::weights::WeightsArgs>),
    /// Run the validator: miner validation, sampling turns and weight epochs under one
    /// supervisor, with `/health` and `/metrics`.
    Serve(Box<leoma_validator::serve::ServeArgs>),
    /// Run miner validation and the sampler alone (exit 2 without an own bucket or
    /// `GEMINI_API_KEY`).
    Sampler(Box<leoma_validator::sampler_cmd::SamplerArgs>),
    /// Run a whole local subnet in one process (chain, owner, validators, simulated miners)
    /// with no keys and no network; `--json` prints the epochs' weights and winners.
    Devnet(Box<leoma_validator::devnet::DevnetArgs>),
    /// Wallet utilities: show the hotkey, sign and verify messages.
    Wallet {
        #[command(flatten)]
        wallet: leoma_chain::cli::WalletArgs,
        #[command(subcommand)]
        command: leoma_chain::cli::WalletCommand,
    },
}

fn main() -> ExitCode {
    // SPEC §10.1: a `.env` in the working directory is loaded first; the process environment
    // wins over it. Done before any thread starts.
    let _ = dotenvy::dotenv();
    let cli = Cli::parse();
    logging::init(cli.log_format, &cli.log_level);
    match cli.command {
        Command::Score(args) => ExitCode::from(leoma_validator::score::run(args)),
        Command::Weights(args) => ExitCode::from(leoma_validator::weights::run(*args)),
        Command::Serve(args) => ExitCode::from(leoma_validator::serve::run(*args)),
        Command::Sampler(args) => ExitCode::from(leoma_validator::sampler_cmd::run(*args)),
        Command::Devnet(args) => ExitCode::from(leoma_validator::devnet::run(*args)),
        Command::Wallet { wallet, command } => ExitCode::from(leoma_chain::cli::execute(
            &wallet,
            &command,
            &mut std::io::stdout(),
            &mut std::io::stderr(),
        )),
    }
}
