//! leoma-chain integration tests (one binary): golden call data, storage keys against the
//! metadata, every port through `SubtensorChain` against the loopback node, `MemChain` rules,
//! and interop with the Python `bittensor-wallet` package.

// Test helpers outside #[test] functions fail loudly by design.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod commit_reveal;
mod golden;
mod loopback;
mod memchain;
mod python;
mod timelock;
