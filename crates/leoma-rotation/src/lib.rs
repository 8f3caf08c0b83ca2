//! # leoma-rotation
//!
//! Whose turn it is and which tasks are scored, as pure functions of block numbers, the
//! allowlist and what peers produced (SPEC §4): the shared rotation math and failover
//! ([`turn`]), epoch boundaries ([`epoch`]), the v1 reference rules for discovery, canonical
//! samplers and the scoring window ([`v1`]), the v2 legitimacy rules and window walk ([`v2`]),
//! and the check of an allowlist file against its on-chain commitment ([`allowlist`]).
//!
//! Task ids and blocks are `i64`: the v1 math meets negative numbers (a lookback floor below
//! zero, odd key segments like `-5`), and every `div`/`mod` of SPEC is floor division/modulo.
//!
//! This crate must never do IO: no network, no files, no clock, no environment, no randomness.
//! Callers read chain and buckets and pass values in; every validator computing from the same
//! values gets the same answer, independent of input order.

pub mod allowlist;
pub mod epoch;
pub mod turn;
pub mod v1;
pub mod v2;

pub use allowlist::{AllowlistError, AllowlistSnapshotV1, verify_v1, verify_v2};
