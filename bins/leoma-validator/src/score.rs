//! `leoma-validator score`: flags, input loading and output of the offline epoch audit.

use std::path::PathBuf;

use crate::audit::{self, AuditRequest, MinerTable, RetryPolicy, Rules, V1Config};

/// Flags of `leoma-validator score`.
#[derive(Debug, clap::Args)]
pub struct ScoreArgs {
    /// Directory mirroring the buckets: `DIR/<validator-hotkey>/<task_id>/evaluation_results/<validator-hotkey>.json`.
    pub dir: PathBuf,
    /// The allowlist file (v1 `allowlist/v1.json` or v2 `allowlist/v2/<digest>.json`).
    #[arg(long)]
    pub allowlist: PathBuf,
    /// The owner's commitment string (`leoma:allowlist:v1:<digest>`); when given, the file must match it.
    #[arg(long)]
    pub commitment: Option<String>,
    /// The epoch's boundary block.
    #[arg(long)]
    pub epoch_block: i64,
    /// JSON map of miner hotkey -> {"uid": int, "block": int|null} (block = reveal block of its latest commitment).
    #[arg(long)]
    pub miners: Option<PathBuf>,
    /// Rules to apply (default: as the allowlist's version says).
    #[arg(long, value_enum)]
    pub rules: Option<Rules>,
    /// The subnet's `MinAllowedWeights` (pads the weight vector with zero weights).
    #[arg(long, default_value_t = 1)]
    pub min_allowed_weights: u16,
    /// v1 only: `SCORER_TASK_WINDOW`.
    #[arg(long, env = "SCORER_TASK_WINDOW", default_value_t = 100)]
    pub window_size: i64,
    /// v1 only: `SCORER_SETTLE_MARGIN`.
    #[arg(long, env = "SCORER_SETTLE_MARGIN", default_value_t = 2)]
    pub settle_margin: i64,
    /// v1 only: `SCORER_MAX_LOOKBACK_BLOCKS` (0 disables the floor).
    #[arg(long, env = "SCORER_MAX_LOOKBACK_BLOCKS", default_value_t = 30_000)]
    pub max_lookback_blocks: i64,
    /// Worker threads and files read at once (default: available cores).
    #[arg(long)]
    pub threads: Option<usize>,
}

/// Runs `score` and returns the process exit code (see `main.rs`).
pub fn run(args: ScoreArgs) -> u8 {
    let allowlist = match std::fs::read(&args.allowlist) {
        Ok(b) => b,
        Err(e) => {
            return input_error(&format!(
                "cannot read allowlist {}: {e}",
                args.allowlist.display()
            ));
        }
    };
    let miners = match &args.miners {
        None => None,
        Some(path) => match std::fs::read(path)
            .map_err(|e| e.to_string())
            .and_then(|b| MinerTable::parse(&b).map_err(|e| e.to_string()))
        {
            Ok(t) => Some(t),
            Err(e) => return input_error(&format!("{}: {e}", path.display())),
        },
    };
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from));
    let req = AuditRequest {
        allowlist,
        commitment: args.commitment,
        epoch_block: args.epoch_block,
        miners,
        rules: args.rules,
        v1: V1Config {
            window_size: args.window_size,
            settle_margin: args.settle_margin,
            max_lookback_blocks: args.max_lookback_blocks,
            ..V1Config::default()
        },
        min_allowed_weights: args.min_allowed_weights,
        concurrency: threads.max(1) * 4,
        retry: RetryPolicy::NONE,
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads.max(1))
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            tracing::error!(error = %e, "cannot start the async runtime");
            return 1;
        }
    };
    match runtime.block_on(audit::run_mirror(&args.dir, &req)) {
        Ok(report) => {
            for r in &report.rejected_files {
                tracing::warn!(path = %r.path, reason = %r.reason, "verdict file refused");
            }
            match serde_json::to_string_pretty(&report) {
                Ok(json) => {
                    #[allow(clippy::print_stdout)] // the command's output
                    {
                        println!("{json}");
                    }
                    0
                }
                Err(e) => {
                    tracing::error!(error = %e, "cannot encode the report");
                    1
                }
            }
        }
        Err(e) => {
            tracing::error!(error = %e, "audit failed");
            e.exit_code()
        }
    }
}

fn input_error(message: &str) -> u8 {
    tracing::error!("{message}");
    3
}
