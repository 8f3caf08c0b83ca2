//! `cargo xtask`: the project's automation, in Rust so that it runs wherever cargo does.
//!
//! * `ci`    — exactly what CI runs: fmt, clippy `-D warnings`, tidy, the whole test suite, docs.
//! * `tidy`  — the architecture rules that the compiler cannot check (ARCHITECTURE.md §2, §5).
//! * `bench` — generates a realistic epoch on disk and measures `leoma-validator score`.
//! * `demo`  — generates a small epoch and prints the audit of it (no chain, no cloud keys).
//! * `devnet` — installs ffmpeg if missing, builds the release validator and runs
//!   `leoma-validator devnet` (a whole local subnet; arguments are passed through).

// A developer tool: talking on stdout/stderr is its whole interface.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;

mod bench;
mod ci;
mod epoch_gen;
mod prepare;
mod tidy;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("ci") => ci::run(),
        Some("tidy") => tidy::run(),
        Some("bench") => bench::run(&args[1..]),
        Some("demo") => bench::demo(&args[1..]),
        Some("devnet") => bench::devnet(&args[1..]),
        _ => {
            eprintln!(
                "usage: cargo xtask <ci | tidy | bench [--quick] | demo [--rules v1|v2] | devnet [ARGS…]>"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e:#}");
            ExitCode::FAILURE
        }
    }
}
