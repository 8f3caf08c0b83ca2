//! Timelocked commitments to drand quicknet (SPEC §2.4, §2.6): the quicknet parameters, the
//! reveal-round arithmetic, the SCALE plaintexts the chain decodes after a reveal and, behind the
//! `crv4` feature, the timelock encryption itself.
//!
//! The arithmetic and the payloads are pure and always compiled, so callers can explain a refusal
//! even in a build without `crv4`. The ciphertext format is the one Subtensor deserializes: the
//! `tle` crate's `TLECiphertext<TinyBLS381>` in arkworks compressed form, with AES-GCM as the
//! stream cipher (see [`tle`] for the fixtures that pin it).

pub mod payload;
pub mod rounds;
#[cfg(feature = "crv4")]
pub mod seal;
#[cfg(feature = "crv4")]
pub mod tle;

pub use payload::{WeightsTlockPayload, commitment_plaintext};
pub use rounds::{EpochSchedule, RevealRoundError, commitment_reveal_round, crv4_reveal_round};
#[cfg(feature = "crv4")]
pub use seal::{Crv4State, WeightsCommit, seal_commitment, seal_weights};
#[cfg(all(feature = "crv4", feature = "test-utils"))]
pub use tle::TestBeacon;
#[cfg(feature = "crv4")]
pub use tle::{Beacon, TimelockError, decrypt, round_identity, validate_ciphertext};

/// Drand quicknet chain hash.
pub const QUICKNET_CHAIN_HASH: &str =
    "52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971";

/// Drand quicknet public key: 96-byte compressed G2 point, hex.
pub const QUICKNET_PUBLIC_KEY_HEX: &str = "83cf0f2896adee7eb8b5f01fcad3912212c437e0073e911fb90022d3e760183c8c4b450b6a0a6c3ac6a5776a2d1064510d1fec758c921cc22b0e17e63aaf4bcb5ed66304de9cf809bd274ca73bab4af5a6e9c76a4bc09e76eae8991ef5ece45a";

/// Unix time of quicknet round 1's predecessor (round `r` is published at genesis + 3·(r − 1)).
pub const QUICKNET_GENESIS: u64 = 1_692_803_367;

/// Seconds between quicknet rounds.
pub const QUICKNET_PERIOD: u64 = 3;

/// The block time the reveal-round formulas assume (SPEC §2.4, §2.6).
pub const BLOCK_TIME_SECS: f64 = 12.0;

/// `commit_reveal_version` the validator commits with; the chain's `CommitRevealWeightsVersion`
/// must equal it (SPEC §2.6.1).
pub const COMMIT_REVEAL_VERSION: u16 = 4;

/// Largest `commit_timelocked_weights` ciphertext (`BoundedVec<u8, 5000>`).
pub const MAX_WEIGHTS_COMMIT: usize = 5000;

/// Largest unrevealed commits per hotkey the chain accepts.
pub const MAX_UNREVEALED_COMMITS: usize = 10;
