//! # leoma-eval
//!
//! Will own the evaluation of miner videos (SPEC §7.5–§8): the `Describer` and `Judge` ports with
//! the Gemini REST adapter, judge-output parsing and normalisation, the `VideoProbe` port over
//! ffprobe/ffmpeg, video acceptance checks and near-copy detection.
//!
//! It must never decide which miners are sampled or how verdicts are aggregated.
//!
//! Status: not implemented yet; this crate is an empty skeleton.
