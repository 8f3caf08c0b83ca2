//! Video handling (SPEC §7.5–§7.6 and the Rust additions of §11 E1/E5): the `VideoProbe` port and
//! its ffprobe/ffmpeg adapter, acceptance rules, near-copy and frozen-video detection, and the
//! deterministic measurements recorded in verdict artifacts.

pub mod accept;
pub mod assess;
pub mod ffmpeg;
pub mod frames;
pub mod metrics;
pub mod near_copy;
pub mod settings;

use std::path::Path;

use async_trait::async_trait;

use crate::EvalError;
pub use frames::GrayFrame;
pub use metrics::VideoMetrics;
pub use settings::{
    ANALYSIS_HEIGHT, ANALYSIS_WIDTH, FIDELITY_HEIGHT, FIDELITY_WIDTH, HASH_HEIGHT, HASH_WIDTH,
};

/// What ffprobe says about a video's first video stream and its container.
#[derive(Debug, Clone, PartialEq)]
pub struct VideoInfo {
    /// Container (`format_name`, e.g. `mov,mp4,m4a,3gp,3g2,mj2`).
    pub container: String,
    /// Codec of the video stream (e.g. `h264`).
    pub codec: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Duration in seconds (stream, else container).
    pub duration_s: f64,
    /// Average frame rate.
    pub fps: f64,
    /// Number of frames (stream header, else counted packets).
    pub frame_count: u64,
}

/// Reads videos and images (ARCHITECTURE §3, "Video tooling"). Errors that come from the file's
/// content (`ToolFailed`, `ToolTimeout`, `Malformed`) mean the file is unreadable; `ToolMissing`
/// and `Io` are the host's problem.
#[async_trait]
pub trait VideoProbe: Send + Sync {
    /// Container and stream facts; a file without a video stream is `ToolFailed`.
    async fn probe(&self, path: &Path) -> Result<VideoInfo, EvalError>;
    /// Up to `max_frames` frames from time `start_s`, converted to grayscale and then resized
    /// to `width`×`height` (an image file gives one frame).
    async fn gray_frames(
        &self,
        path: &Path,
        start_s: f64,
        width: u32,
        height: u32,
        max_frames: u32,
    ) -> Result<Vec<GrayFrame>, EvalError>;

    /// Everything the checks read from a miner video, in one decode: up to `max_frames`
    /// analysis frames ([`ANALYSIS_WIDTH`]×[`ANALYSIS_HEIGHT`]), frame 0 at
    /// [`FIDELITY_WIDTH`]×[`FIDELITY_HEIGHT`], and the dHash of every frame of the video
    /// resampled to `hash_fps` (so frame `i` is the one shown at `i / hash_fps`).
    ///
    /// The default composes [`VideoProbe::gray_frames`] calls (without resampling); adapters
    /// that run a decoder should do it in one pass.
    async fn check_frames(
        &self,
        path: &Path,
        max_frames: u32,
        hash_fps: f64,
    ) -> Result<CheckFrames, EvalError> {
        let analysis = self
            .gray_frames(path, 0.0, ANALYSIS_WIDTH, ANALYSIS_HEIGHT, max_frames)
            .await?;
        let first = self
            .gray_frames(path, 0.0, FIDELITY_WIDTH, FIDELITY_HEIGHT, 1)
            .await?
            .into_iter()
            .next();
        let hashes = self.frame_hashes(path, max_frames, hash_fps).await?;
        Ok(CheckFrames {
            analysis,
            first,
            hashes,
        })
    }

    /// The dHash of every frame (up to `max_frames`) of the video resampled to `fps`: the
    /// near-copy side of a source clip, read once per turn. The default decodes 9×8 frames with
    /// [`VideoProbe::gray_frames`] (without resampling).
    async fn frame_hashes(
        &self,
        path: &Path,
        max_frames: u32,
        fps: f64,
    ) -> Result<FrameHashes, EvalError> {
        let frames = self
            .gray_frames(path, 0.0, HASH_WIDTH, HASH_HEIGHT, max_frames)
            .await?;
        Ok(FrameHashes {
            hashes: frames.iter().filter_map(GrayFrame::dhash).collect(),
            fps,
        })
    }
}

/// The frames one decode of a miner video yields for the checks.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckFrames {
    /// Analysis frames (motion, flicker, frozen).
    pub analysis: Vec<GrayFrame>,
    /// Frame 0 at the fidelity size (`None` when nothing decoded).
    pub first: Option<GrayFrame>,
    /// Per-frame difference hashes for near-copy detection.
    pub hashes: FrameHashes,
}

/// The difference hash of each frame of a video at a constant frame rate.
#[derive(Debug, Clone, PartialEq)]
pub struct FrameHashes {
    /// Hash of frame `i`, shown from `i / fps` seconds.
    pub hashes: Vec<u64>,
    /// Frames per second of the sequence.
    pub fps: f64,
}

impl FrameHashes {
    /// The hash of the frame shown at `t` seconds (the last frame when `t` is past the end);
    /// `None` when there are no frames or `t` is not a time.
    pub fn at(&self, t: f64) -> Option<u64> {
        if !(t.is_finite() && t >= 0.0 && self.fps.is_finite() && self.fps > 0.0) {
            return None;
        }
        // The small epsilon keeps t = i / fps on frame i despite rounding in t.
        let index = (t * self.fps + 1e-6).floor();
        let last = self.hashes.len().checked_sub(1)?;
        let index = if index >= last as f64 {
            last
        } else {
            index as usize
        };
        self.hashes.get(index).copied()
    }
}
