//! Miner roster validation (SPEC §6): who may be sampled, and the miner report entries.
//!
//! [`Roster::validate`] runs one pass: chain reads, then for every miner with a revealed
//! commitment the blacklist, the commit-count cap, the field rules, the chute checks through
//! [`ChuteDirectory`] and the HuggingFace checks through [`ModelRegistry`], concurrently with a
//! bound and isolated per miner; then duplicate-model detection. [`RosterLoop`] repeats passes
//! every `MINER_VALIDATION_INTERVAL`, with the owner-api blacklist (cached in the state
//! directory, [`state`]), publishes each snapshot on a `watch` channel, persists and reports it.

pub mod cache;
pub mod chutes;
pub mod error;
pub mod hf;
pub mod http;
pub mod miner;
pub mod runner;
pub mod state;
pub mod validate;

pub use chutes::{CachedChutes, ChuteDirectory, ChuteInfo, ChutesHttp};
pub use error::RosterError;
pub use hf::{CachedRegistry, HfHttp, ModelInfo, ModelRegistry, model_hash, validate_repo_id};
pub use miner::{MinerInfo, RosterSnapshot};
pub use runner::{BlacklistSource, RosterLoop, RosterLoopSettings};
pub use state::RosterState;
pub use validate::{Roster, RosterConfig, mark_duplicates};
