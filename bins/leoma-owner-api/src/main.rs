//! `leoma-owner-api`: the subnet owner's HTTP service and tooling (SPEC §1.6, §9, §10.3).
//!
//! Parses flags (with environment fallbacks), sets up tracing and hands over to
//! [`leoma_owner_api::cli::run`]; the exit code is its result.

use clap::Parser;
use leoma_owner_api::cli::{Cli, run};

fn main() {
    let cli = Cli::parse();
    init_tracing(&cli.log_format, cli.log_level.as_deref());
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            tracing::error!(error = %e, "cannot start the async runtime");
            std::process::exit(1);
        }
    };
    let code = runtime.block_on(run(cli));
    std::process::exit(code);
}

fn init_tracing(format: &str, level: Option<&str>) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new(level.unwrap_or("info").to_ascii_lowercase())
    });
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}
