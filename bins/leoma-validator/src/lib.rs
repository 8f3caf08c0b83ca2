//! # leoma-validator (library half)
//!
//! The validator binary's logic, kept out of `main.rs` so that it is testable without a process:
//!
//! * [`audit`] — the offline epoch audit behind `leoma-validator score`: from a directory that
//!   mirrors the validators' buckets, an allowlist file and the epoch's boundary block, recompute
//!   the window, the aggregates, the ranking, the winner and the weight vector exactly as a
//!   validator does on chain (SPEC §4–§5), under rules v1 or v2.
//! * [`weights`] — the live weight epoch behind `leoma-validator weights`: the same procedure
//!   over the peers' real buckets, then winner-take-all weights on chain, once per epoch.
//! * [`logging`] — tracing set-up shared by every subcommand (human or JSON output).
//! * [`sampler_cmd`], [`tuning`], [`sampler_loop`], [`peers`], [`serve`] — the production
//!   roster and sampler loops, their settings (SPEC §10.2), the failover's peer buckets and the
//!   `serve` supervisor.
//!
//! This crate wires the consensus crates to files; it must never change a consensus rule (those
//! live in `leoma-rotation` and `leoma-scoring`) and never write anything but its own output and state files.

pub mod allowlist;
pub mod audit;
pub mod config;
pub mod devnet;
pub mod logging;
pub mod metrics;
pub mod peers;
pub mod sampler_cmd;
pub mod sampler_loop;
pub mod score;
pub mod serve;
pub mod shutdown;
pub mod tuning;
pub mod weights;
