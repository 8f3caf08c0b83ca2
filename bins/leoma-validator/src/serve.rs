//! `leoma-validator serve`: the roster, sampler and weight-epoch loops under one
//! cancellation token (Ctrl-C / SIGTERM), with `/health` and `/metrics` (SPEC §1.2). A loop
//! that fails never stops the others; a sampler whose §7.1 requirements are missing is
//! disabled with one error log while the weights keep running. Also what each loop's results
//! mean for the metrics (shared with `devnet`).

use std::sync::Arc;

use crate::config::NodeArgs;
use crate::metrics::Metrics;
use crate::sampler_cmd::SamplerSettings;
use crate::tuning::Tuning;
use crate::weights::{EpochError, EpochOutcome, SubmitOutcome};

/// Flags of `leoma-validator serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address of the `/health` and `/metrics` endpoints.
    #[arg(long, env = "METRICS_ADDR", default_value = "127.0.0.1:9100")]
    pub metrics_addr: String,
    /// Print the effective settings (secrets redacted) and exit.
    #[arg(long)]
    pub print_config: bool,
    /// Chain, wallet, state, source bucket and scorer settings.
    #[command(flatten)]
    pub node: NodeArgs,
    /// Roster and sampler settings.
    #[command(flatten)]
    pub sampler: SamplerSettings,
}

/// Runs `serve` until Ctrl-C or SIGTERM and returns the process exit code (0 after a
/// graceful shutdown; 2 bad settings; 1 the chain or the metrics address is unusable).
pub fn run(args: ServeArgs) -> u8 {
    let tuning = match args.sampler.check(&args.node) {
        Ok(t) => t,
        Err(e) => return crate::sampler_cmd::invalid(&e),
    };
    if args.print_config {
        return crate::config::print(&args);
    }
    crate::shutdown::block_on(run_async(args, tuning))
}

async fn run_async(args: ServeArgs, tuning: Tuning) -> u8 {
    let cancel = crate::shutdown::on_signal();
    let metrics = Metrics::default();
    match crate::metrics::serve(&args.metrics_addr, metrics.clone(), cancel.clone()).await {
        Ok(addr) => tracing::info!(%addr, "serving /health and /metrics"),
        Err(e) => {
            tracing::error!(addr = %args.metrics_addr, error = %e, "cannot bind METRICS_ADDR");
            return 1;
        }
    }
    let node = match args.node.open().await {
        Ok(n) => n,
        Err(code) => return code,
    };
    let epoch = match crate::weights::build_epoch(&args.node, &node, true) {
        Ok(e) => e,
        Err(code) => return code,
    };
    let m = metrics.clone();
    let weights = match epoch.spawn_on_thread(
        cancel.clone(),
        Arc::new(move |r: Result<&EpochOutcome, &EpochError>| record_epoch(&m, r)),
    ) {
        Ok(h) => Some(h),
        Err(e) => {
            tracing::error!(error = %e, "cannot start the weight epoch");
            metrics.inc(
                "leoma_errors_total",
                &[("loop", "weights"), ("kind", "start")],
            );
            None
        }
    };
    match crate::sampler_cmd::build(&args.node, &args.sampler, &tuning, &node, &metrics) {
        Ok(loops) => {
            tokio::spawn(loops.roster.run(cancel.clone()));
            // The own-bucket check may retry for a while: off the supervisor's path, so a
            // signal is handled at once.
            let (sampler, pause, stop) = (loops.sampler, args.node.block(), cancel.clone());
            tokio::spawn(async move {
                let ready = tokio::select! {
                    r = crate::sampler_cmd::ready(sampler, pause) => r,
                    () = stop.cancelled() => return,
                };
                match ready {
                    Ok(s) => s.run(stop, |_| {}).await,
                    Err(why) => {
                        tracing::error!(reason = %why, "sampler disabled; weights keep running");
                    }
                }
            });
        }
        Err(e) => {
            tracing::error!(
                error = format!("{e:#}"),
                "roster and sampler disabled; weights keep running"
            );
            metrics.inc(
                "leoma_errors_total",
                &[("loop", "roster"), ("kind", "start")],
            );
        }
    }
    cancel.cancelled().await;
    if let Some(h) = weights {
        // The epoch thread sees the same token; wait for it so state files are not cut short.
        let _ = tokio::task::spawn_blocking(move || h.join()).await;
    }
    tracing::info!("stopped");
    0
}

/// Records one weight-epoch result: epochs processed, submissions by result, errors.
pub fn record_epoch(metrics: &Metrics, r: Result<&EpochOutcome, &EpochError>) {
    match r {
        Ok(o) => {
            metrics.inc("leoma_epochs_total", &[]);
            let result = match &o.submitted {
                Some(SubmitOutcome::Included { .. }) => "included",
                Some(SubmitOutcome::Failed(_)) => "failed",
                Some(SubmitOutcome::Superseded) => "superseded",
                None => "dry_run",
            };
            metrics.inc("leoma_weight_submissions_total", &[("result", result)]);
        }
        Err(e) => {
            let kind = match e {
                EpochError::Chain(_) => "chain",
                EpochError::State(_) => "state",
                EpochError::Audit(_) => "inputs",
            };
            metrics.inc("leoma_errors_total", &[("loop", "weights"), ("kind", kind)]);
        }
    }
}
