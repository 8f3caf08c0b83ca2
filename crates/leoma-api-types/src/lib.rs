//! # leoma-api-types
//!
//! Every wire format of the Leoma protocol (SPEC §3 and the owner-api bodies of §9) as typed values
//! with validating constructors, plus the Python-compatible JSON encoders and parser those formats
//! are hashed and signed with.
//!
//! This crate owns bytes and identifiers: what a hotkey, a task id, an allowlist file, a verdict
//! file or a report looks like, and how each is encoded byte for byte as the reference does.
//!
//! It must never do IO: no network, no files, no clock, no environment, no ambient randomness.
//! Callers hand it bytes and values; it hands back values, bytes and typed errors.

pub mod allowlist;
pub mod commitment;
pub mod error;
pub mod hotkey;
pub mod json;
pub mod keys;
pub mod metadata;
pub mod owner_api;
pub mod python;
pub mod reason;
pub mod report;
pub mod samples;
pub mod signature;
pub mod task;
pub mod verdict;
pub mod weights;

pub use error::Error;
pub use hotkey::Hotkey;
pub use task::TaskId;
