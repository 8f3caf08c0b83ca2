//! `leoma-validator weights`: configuration from flags and environment (SPEC §10.2), adapters,
//! and the loop or a single epoch.

use std::sync::Arc;

use leoma_chain::{ChainReader, WeightSetter};

use super::{StateDir, WeightEpoch};
use crate::config::NodeArgs;

/// Flags of `leoma-validator weights`.
#[derive(Debug, clap::Args)]
pub struct WeightsArgs {
    /// Process one epoch and exit.
    #[arg(long)]
    pub once: bool,
    /// With `--once`: the boundary block to process (default: the newest one).
    #[arg(long, requires = "once")]
    pub epoch_block: Option<i64>,
    /// Compute and print the epoch's JSON report (as `score` does) without submitting.
    #[arg(long)]
    pub dry_run: bool,
    /// Print the effective settings (secrets redacted) and exit.
    #[arg(long)]
    pub print_config: bool,
    /// Chain, wallet, state, source bucket and scorer settings.
    #[command(flatten)]
    pub node: NodeArgs,
}

/// Runs `weights` and returns the process exit code.
pub fn run(args: WeightsArgs) -> u8 {
    if args.print_config {
        return crate::config::print(&args);
    }
    crate::shutdown::block_on(run_async(args))
}

/// The weight epoch over `node`'s adapters (`submit: false`: a dry run).
pub fn build_epoch(
    args: &NodeArgs,
    node: &crate::config::Node,
    submit: bool,
) -> Result<WeightEpoch, u8> {
    let state = StateDir::open(&node.state_dir).map_err(|e| {
        tracing::error!(dir = %node.state_dir.display(), error = %e, "LEOMA_STATE_DIR is not writable");
        2u8
    })?;
    let setter: Option<Arc<dyn WeightSetter>> = if submit {
        Some(Arc::new(node.chain.signer(node.key.clone())))
    } else {
        None
    };
    Ok(WeightEpoch {
        config: args.weights_config(),
        chain: Arc::new(node.chain.clone()) as Arc<dyn ChainReader>,
        setter,
        hotkey: node.key.hotkey().clone(),
        source: node.source.clone(),
        registry: node.registry.clone(),
        peers: None,
        state,
    })
}

async fn run_async(args: WeightsArgs) -> u8 {
    let node = match args.node.open().await {
        Ok(n) => n,
        Err(code) => return code,
    };
    let epoch = match build_epoch(&args.node, &node, !args.dry_run) {
        Ok(e) => e,
        Err(code) => return code,
    };
    if !args.once {
        let cancel = crate::shutdown::on_signal();
        epoch.run_loop(&cancel, &|_| {}).await;
        return 0;
    }
    let boundary = match args.epoch_block {
        Some(b) => b,
        None => match epoch.chain.finalized_block().await {
            Ok(b) => {
                leoma_rotation::epoch::epoch_boundary(i64::from(b.number), epoch.config.epoch_len)
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot read the finalized head");
                return 1;
            }
        },
    };
    match epoch.process(boundary, !args.dry_run).await {
        Ok(o) => match serde_json::to_string_pretty(&o.report) {
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
        },
        Err(e) => {
            tracing::error!(error = %e, "epoch failed");
            1
        }
    }
}
