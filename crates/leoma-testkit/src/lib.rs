//! # leoma-testkit
//!
//! Wire-faithful fakes for tests and `leoma-validator devnet`: local HTTP servers on
//! `127.0.0.1:0` speaking the Gemini (generateContent and the resumable File API upload), Chutes
//! (chute info, `/generate` returning MP4 bytes) and HuggingFace Hub (model revision info and
//! its error headers) formats, each scriptable per test (slow, 5xx, malformed, cold chute, wrong
//! revision); a real S3-compatible server (`s3s-fs`, [`s3`]); ffmpeg helpers that make test
//! videos; and roster scenario builders on `leoma_chain::mem::MemChain`.
//!
//! It must never be a dependency of production code paths other than the `devnet` command.

pub mod chutes;
pub mod corpus;
#[cfg(feature = "devnet")]
pub mod devnet;
pub mod gemini;
pub mod hf;
pub mod owner_api;
pub mod roster;
pub mod s3;
pub mod server;
pub mod video;

pub use chutes::{ChuteScript, FakeChutes, GenerateScript, Renderer};
pub use gemini::{FakeGemini, GeminiReply};
pub use hf::{FakeHub, HubScript, Sibling};
pub use s3::S3sFs;
pub use server::FakeServer;
