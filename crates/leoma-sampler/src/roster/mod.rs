//! Miner roster validation (SPEC §6): who may be sampled, and the miner report entries.
//!
//! [`Roster::validate`] runs one pass: chain reads, then for every miner with a revealed
//! commitment the blacklist, the commit-count cap, the field rules, the chute checks through
//! [`ChuteDirectory`] and the HuggingFace checks through [`ModelRegistry`], concurrently with a
//! bound and isolated per miner; then duplicate-model detection.

pub mod cache;
pub mod chutes;
pub mod error;
pub mod hf;
pub mod http;
pub mod miner;
pub mod validate;

pub use chutes::{CachedChutes, ChuteDirectory, ChuteInfo, ChutesHttp};
pub use error::RosterError;
pub use hf::{CachedRegistry, HfHttp, ModelInfo, ModelRegistry, model_hash, validate_repo_id};
pub use miner::{MinerInfo, RosterSnapshot};
pub use validate::{Roster, RosterConfig, mark_duplicates};
