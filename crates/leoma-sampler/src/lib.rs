//! # leoma-sampler
//!
//! Will own the validator's sampling turn (SPEC §7) and the miner roster validation (SPEC §6):
//! source selection, clip and first frame, miner calls through the `MinerEndpoint` port, the
//! Chutes and HuggingFace ports, verdict entries, uploads to the own bucket and dual reports.
//!
//! It must never set weights and never write to a peer's bucket.
//!
//! Status: not implemented yet; this crate is an empty skeleton.
