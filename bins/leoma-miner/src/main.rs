//! `leoma-miner`: the miner's command line.
//!
//! Will deploy a Chute from the template (`push`), publish the timelocked model commitment
//! (`commit`) and show a miner's status and rank (SPEC §1.6, §2.4, §3.13.1). Not implemented yet:
//! only `--version`.

use clap::Parser;

/// The Leoma miner CLI.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {}

fn main() {
    let _cli = Cli::parse();
}
