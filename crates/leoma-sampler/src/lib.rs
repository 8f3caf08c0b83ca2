//! # leoma-sampler
//!
//! Owns the validator's miner roster validation (SPEC §6, [`roster`]): commitment rules, the
//! Chutes and HuggingFace ports with their HTTP adapters and caches, duplicate-model detection
//! and the miner report entries; the owner-api port the validator reports through ([`report`]);
//! the miner generation port with its Chutes `/generate` adapter ([`endpoint`], SPEC §3.13); and
//! the sampling turn ([`turn`], SPEC §7): clip choice, miner fan-out, checks, judging, the signed
//! verdict file and the dual report.
//!
//! It must never set weights and never write to a peer's bucket.

pub mod endpoint;
pub mod report;
pub mod roster;
pub mod turn;
