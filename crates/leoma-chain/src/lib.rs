//! # leoma-chain
//!
//! Will own every interaction with the Subtensor chain (SPEC §2): the `ChainReader`,
//! `WeightSetter` and `CommitmentWriter` ports, the `SubtensorChain` adapter over subxt and the
//! vendored runtime metadata, the in-memory `MemChain` fake, the commitment `Data` codec, and
//! sr25519 keys and Python-Bittensor-compatible wallets.
//!
//! It must never decide consensus (that is `leoma-rotation` and `leoma-scoring`), never log or
//! format a secret, and never set weights on behalf of anything but the validator binary.
//!
//! Status: not implemented yet; this crate is an empty skeleton so that the workspace's dependency
//! rules can be checked from day one.
