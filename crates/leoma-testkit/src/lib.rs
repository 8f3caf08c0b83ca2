//! # leoma-testkit
//!
//! Will own the wire-faithful fakes used by tests and by `leoma-validator devnet`: local HTTP
//! servers speaking the Gemini, Chutes and HuggingFace formats, a scripted Subtensor JSON-RPC node,
//! synthetic videos and scenario builders.
//!
//! It must never be a dependency of production code paths other than the `devnet` command.
//!
//! Status: not implemented yet; this crate is an empty skeleton.
