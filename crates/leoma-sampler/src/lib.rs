//! # leoma-sampler
//!
//! Owns the validator's miner roster validation (SPEC §6, [`roster`]): commitment rules, the
//! Chutes and HuggingFace ports with their HTTP adapters and caches, duplicate-model detection
//! and the miner report entries; the owner-api port the validator reports through ([`report`]).
//! The sampling turn (SPEC §7) will live here too.
//!
//! It must never set weights and never write to a peer's bucket.

pub mod report;
pub mod roster;
