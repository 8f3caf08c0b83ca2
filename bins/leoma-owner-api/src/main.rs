//! `leoma-owner-api`: the subnet owner's HTTP service and tooling.
//!
//! Will serve the public dashboard, the owner's admin actions and the validators' reports on
//! PostgreSQL (SPEC §9), and carry the owner tooling (`db`, `blacklist`, `validator`,
//! `allowlist publish`). It has no path to set weights. Not implemented yet: only `--version`.

use clap::Parser;

/// The Leoma owner-api.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {}

fn main() {
    let _cli = Cli::parse();
}
