//! Thresholds of the video checks (SPEC §10.2; documented in `docs/evaluation.md`).

use std::time::Duration;

/// Acceptance limits (SPEC §7.5, E1).
#[derive(Debug, Clone, PartialEq)]
pub struct VideoLimits {
    /// `REQUIRED_VIDEO_WIDTH` (832).
    pub required_width: u32,
    /// `REQUIRED_VIDEO_HEIGHT` (480).
    pub required_height: u32,
    /// `VIDEO_RESOLUTION_TOLERANCE` (32), inclusive.
    pub resolution_tolerance: u32,
    /// `MINER_VIDEO_MAX_BYTES` (16 MiB), inclusive.
    pub max_bytes: u64,
    /// `MINER_VIDEO_MIN_DURATION_S` (2.0).
    pub min_duration_s: f64,
    /// `MINER_VIDEO_MAX_DURATION_S` (12.0).
    pub max_duration_s: f64,
    /// `MINER_VIDEO_MIN_FPS` (8).
    pub min_fps: f64,
    /// `MINER_VIDEO_MAX_FPS` (60).
    pub max_fps: f64,
    /// `MINER_VIDEO_MIN_FRAMES` (16).
    pub min_frames: u64,
    /// `MINER_VIDEO_MAX_FRAMES` (400).
    pub max_frames: u64,
}

impl Default for VideoLimits {
    fn default() -> Self {
        VideoLimits {
            required_width: 832,
            required_height: 480,
            resolution_tolerance: 32,
            max_bytes: 16 * 1024 * 1024,
            min_duration_s: 2.0,
            max_duration_s: 12.0,
            min_fps: 8.0,
            max_fps: 60.0,
            min_frames: 16,
            max_frames: 400,
        }
    }
}

/// Near-copy detection (SPEC §7.6, E5).
#[derive(Debug, Clone, PartialEq)]
pub struct NearCopySettings {
    /// `NEAR_COPY_SAMPLE_FRAMES` (8).
    pub sample_frames: u32,
    /// `NEAR_COPY_MAX_HAMMING` (6), inclusive.
    pub max_hamming: u32,
    /// `NEAR_COPY_MIN_FRACTION` (0.75) of the samples that must match.
    pub min_fraction: f64,
}

impl Default for NearCopySettings {
    fn default() -> Self {
        NearCopySettings {
            sample_frames: 8,
            max_hamming: 6,
            min_fraction: 0.75,
        }
    }
}

/// Frozen-video detection and the measurement grid (Rust addition, `frozen_video`).
#[derive(Debug, Clone, PartialEq)]
pub struct FrozenSettings {
    /// `FROZEN_MAX_MEAN_ABS_DIFF` (1.5): a video whose every frame stays within this mean
    /// absolute luma difference (0–255 scale, on the 64×36 analysis grid) of its first frame is
    /// frozen.
    pub max_mean_abs_diff: f64,
}

impl Default for FrozenSettings {
    fn default() -> Self {
        FrozenSettings {
            max_mean_abs_diff: 1.5,
        }
    }
}

/// Everything [`crate::video::assess::VideoAssessor`] needs.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AssessSettings {
    /// Acceptance limits.
    pub limits: VideoLimits,
    /// Near-copy detection.
    pub near_copy: NearCopySettings,
    /// Frozen-video detection.
    pub frozen: FrozenSettings,
}

/// Width of the grid used for motion, flicker and frozen detection.
pub const ANALYSIS_WIDTH: u32 = 64;
/// Height of that grid.
pub const ANALYSIS_HEIGHT: u32 = 36;
/// Width of the grid used for first-frame PSNR/SSIM.
pub const FIDELITY_WIDTH: u32 = 256;
/// Height of that grid.
pub const FIDELITY_HEIGHT: u32 = 144;

/// Width of the difference-hash grid (SPEC §7.6).
pub const HASH_WIDTH: u32 = 9;
/// Height of the difference-hash grid.
pub const HASH_HEIGHT: u32 = 8;

/// Default timeout of one ffprobe/ffmpeg run (`VIDEO_TOOL_TIMEOUT_S`, 30).
pub const DEFAULT_TOOL_TIMEOUT: Duration = Duration::from_secs(30);
