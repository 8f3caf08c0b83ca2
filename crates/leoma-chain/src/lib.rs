//! # leoma-chain
//!
//! Owns every interaction with the Subtensor chain (SPEC §2): the [`ChainReader`],
//! [`WeightSetter`] and [`CommitmentWriter`] ports; the [`SubtensorChain`] adapter over subxt with
//! the vendored runtime metadata (spec 393) and its start-up metadata check; the commitment
//! [`data::Data`] codec and storage-key derivations; sr25519 [`Keypair`]s and Python-Bittensor
//! compatible [`wallet`]s. Behind `test-utils`: the in-memory `mem::MemChain` and the loopback
//! JSON-RPC node (`node::LoopbackNode`) that serves the vendored metadata and SCALE state so the
//! real adapter is exercised end to end. Behind `cli`: the shared `wallet show|sign|verify`
//! subcommands.
//!
//! It must never decide consensus (that is `leoma-rotation` and `leoma-scoring`), never compute
//! weights (it takes already max-upscaled values), never log, format or return a secret (keys,
//! phrases, passwords), never read environment variables outside the `cli` module, and never set
//! weights on behalf of anything but the validator binary. No subxt type appears in its public API.

pub mod data;
pub mod error;
pub mod keys;
pub mod ports;
pub mod rules;
pub mod storage_keys;
pub mod subtensor;
pub mod timelock;
pub mod types;
pub mod wallet;

mod commitment_read;

#[cfg(feature = "cli")]
pub mod cli;
#[cfg(feature = "test-utils")]
pub mod mem;
#[cfg(feature = "test-utils")]
pub mod node;

pub use error::{ChainError, WeightRejection};
pub use keys::Keypair;
pub use ports::{ChainReader, CommitmentWriter, WeightSetter};
pub use subtensor::{ChainConfig, SubtensorChain, SubtensorSigner};
pub use types::{
    At, BlockInfo, Commitment, CommitmentIssue, Commitments, Inclusion, Metagraph, Neuron,
    RevealInclusion, RevealedCommitment, RevealedCommitments, RevealedHistory, WeightParams,
    WeightVector,
};
pub use wallet::Wallet;

/// The vendored Subtensor runtime metadata (finney, spec 393), SCALE-encoded
/// `RuntimeMetadataPrefixed`.
pub const VENDORED_METADATA: &[u8] = include_bytes!("../metadata/subtensor-finney-spec393.scale");
