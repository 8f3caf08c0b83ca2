//! # leoma-eval
//!
//! Evaluation of miner videos (SPEC §7.5–§8):
//!
//! * [`video`]: the [`VideoProbe`] port with the ffprobe/ffmpeg adapter [`FfmpegProbe`], the
//!   acceptance rules as typed [`VideoRejection`]s, near-copy detection (§7.6), frozen-video
//!   detection and the measurements (first-frame PSNR/SSIM, flicker, motion) that go into
//!   artifacts; [`VideoAssessor`] runs them in order.
//! * [`judge`]: the [`Judge`] and [`Describer`] ports, reply parsing and normalisation exactly
//!   as §8.3–§8.4 define them, the Gemini REST adapter [`GeminiHttp`] and the offline
//!   [`LocalJudge`].
//!
//! It must never decide which miners are sampled or how verdicts are aggregated. Thresholds are
//! plain settings structs filled by the binary; this crate reads no environment.

pub mod error;
pub mod judge;
pub mod video;

pub use error::EvalError;
pub use judge::gemini::{CallSettings, GeminiConfig, GeminiHttp, MediaResolution};
pub use judge::local::{LocalJudge, LocalJudgeSettings};
pub use judge::parse::{PassRule, Unparseable, clamp_score, parse_reply, strip_fences};
pub use judge::result::{AspectScores, JudgeResult};
pub use judge::retry::RetryPolicy;
pub use judge::{Describer, Description, Judge, JudgeOutcome, JudgeRequest};
pub use video::accept::VideoRejection;
pub use video::assess::{Assessment, PreparedSource, SourceMedia, VideoAssessor};
pub use video::ffmpeg::FfmpegProbe;
pub use video::settings::{AssessSettings, FrozenSettings, NearCopySettings, VideoLimits};
pub use video::{CheckFrames, FrameHashes, GrayFrame, VideoInfo, VideoMetrics, VideoProbe};
