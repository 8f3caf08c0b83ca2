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
}
