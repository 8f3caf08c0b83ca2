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
    /// Wallet utilities: show the hotkey, sign and verify messages.
    Wallet {
        #[command(flatten)]
        wallet: leoma_chain::cli::WalletArgs,
        #[command(subcommand)]
        command: leoma_chain::cli::WalletCommand,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    logging::init(cli.log_format, &cli.log_level);
    match cli.command {
        Command::Score(args) => ExitCode::from(leoma_validator::score::run(args)),
        Command::Weights(args) => ExitCode::from(leoma_validator::weights::run(*args)),
        Command::Wallet { wallet, command } => ExitCode::from(leoma_chain::cli::execute(
            &wallet,
            &command,
            &mut std::io::stdout(),
            &mut std::io::stderr(),
        )),
    }
}
