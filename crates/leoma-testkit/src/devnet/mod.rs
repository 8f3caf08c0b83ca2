//! The simulated side of `leoma-validator devnet`: miners that serve the Chutes `/generate` API
//! and render real MP4s from the conditioning frame with ffmpeg ([`MinerFarm`]), and a small
//! synthetic source corpus ([`corpus`]).
//!
//! Nothing here decides anything about scoring: the miners only differ in what they render, and
//! the validators' real roster, turn and weight-epoch code decides who wins.

pub mod corpus;
pub mod miners;

pub use corpus::make_corpus;
pub use miners::{MinerFarm, Rendering, SimMiner};
