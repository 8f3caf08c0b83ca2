//! Every setting of the sampling turn (SPEC §7, §10.2), with the SPEC defaults.

use std::path::PathBuf;
use std::time::Duration;

use leoma_eval::AssessSettings;

/// Source selection (SPEC §7.2).
#[derive(Debug, Clone, PartialEq)]
pub struct SourceSettings {
    /// `MIN_VIDEO_SIZE` (1 000 000), exclusive.
    pub min_video_size: u64,
    /// `MAX_VIDEO_SIZE` (200 000 000), exclusive; also the download cap.
    pub max_video_size: u64,
    /// `CLIP_DURATION` (5 s).
    pub clip_duration_s: f64,
    /// `MAX_VIDEO_HISTORY` (50).
    pub max_video_history: usize,
    /// `ONE_SHOT_SCENE_THRESHOLD` (0.18).
    pub scene_threshold: f64,
    /// `ONE_SHOT_BOUNDARY_MARGIN` (0.15).
    pub boundary_margin_s: f64,
    /// `SAFE_CLIP_START_OFFSET_SECONDS` (2.0).
    pub safe_start_offset_s: f64,
    /// `SOURCE_LISTING_TTL` (600 s).
    pub listing_ttl: Duration,
    /// At most this many source keys are tried per turn attempt (each is downloaded and scanned
    /// for scene cuts); the reference tries every key.
    pub max_keys_tried: usize,
}

impl Default for SourceSettings {
    fn default() -> Self {
        SourceSettings {
            min_video_size: 1_000_000,
            max_video_size: 200_000_000,
            clip_duration_s: 5.0,
            max_video_history: 50,
            scene_threshold: 0.18,
            boundary_margin_s: 0.15,
            safe_start_offset_s: 2.0,
            listing_ttl: Duration::from_secs(600),
            max_keys_tried: 20,
        }
    }
}

/// The whole turn's settings. The poll interval (`SAMPLER_POLL_INTERVAL`) belongs to the caller.
#[derive(Debug, Clone, PartialEq)]
pub struct TurnSettings {
    /// Source selection and clip choice.
    pub source: SourceSettings,
    /// `MAX_CONCURRENT_MINERS` (40): miner calls in flight.
    pub max_concurrent_miners: usize,
    /// `REQUEST_TIMEOUT` (300 s): total time of one miner call.
    pub request_timeout: Duration,
    /// `EVALUATION_CONCURRENCY` (4): judge calls in flight.
    pub evaluation_concurrency: usize,
    /// Video checks (byte cap `MINER_VIDEO_MAX_BYTES`, resolution, duration, fps, frames),
    /// near-copy (`NEAR_COPY_*`) and frozen detection.
    pub assess: AssessSettings,
    /// Video checks (ffmpeg runs) in flight; they are CPU-bound.
    pub check_concurrency: usize,
    /// Artifact uploads in flight.
    pub upload_concurrency: usize,
    /// `SAMPLER_MAX_ATTEMPTS_PER_TURN` (3).
    pub max_attempts_per_turn: u32,
    /// Root under which each turn makes its private temporary directory (mode 0700); `None`
    /// uses the system temporary directory.
    pub temp_root: Option<PathBuf>,
    /// `ffmpeg` program (scene cuts, clip and first frame).
    pub ffmpeg: PathBuf,
    /// `ffprobe` program (source duration).
    pub ffprobe: PathBuf,
    /// Timeout of one ffmpeg/ffprobe run on a source video.
    pub tool_timeout: Duration,
    /// Dual-report chunks are sent with this timeout each (best effort).
    pub report_timeout: Duration,
    /// `OWN_BUCKET_RETENTION_BLOCKS` (0 = keep everything): own task folders whose rotation
    /// ended more than this many blocks below the head are deleted, once per task (E12). The
    /// binary checks it is at least the scorer's lookback plus two intervals.
    pub own_retention_blocks: u64,
}

impl Default for TurnSettings {
    fn default() -> Self {
        TurnSettings {
            source: SourceSettings::default(),
            max_concurrent_miners: 40,
            request_timeout: Duration::from_secs(300),
            evaluation_concurrency: 4,
            assess: AssessSettings::default(),
            check_concurrency: 2,
            upload_concurrency: 8,
            max_attempts_per_turn: 3,
            temp_root: None,
            ffmpeg: PathBuf::from("ffmpeg"),
            ffprobe: PathBuf::from("ffprobe"),
            tool_timeout: Duration::from_secs(120),
            report_timeout: Duration::from_secs(30),
            own_retention_blocks: 0,
        }
    }
}
