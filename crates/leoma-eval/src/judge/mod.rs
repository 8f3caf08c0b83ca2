//! Judging a generated video (SPEC §8): the `Judge` and `Describer` ports, reply parsing and
//! normalisation, the Gemini adapter and the offline `LocalJudge`.

pub mod gemini;
pub mod local;
pub mod parse;
pub mod prompt;
pub mod pyfloat;
pub mod result;
pub mod retry;

use async_trait::async_trait;

use crate::EvalError;
use crate::video::VideoMetrics;
use result::JudgeResult;

/// What the judge looks at.
#[derive(Debug, Clone, Copy)]
pub struct JudgeRequest<'a> {
    /// The benchmark prompt (the clip description).
    pub prompt: &'a str,
    /// The conditioning first frame, PNG bytes.
    pub first_frame_png: &'a [u8],
    /// The generated video, MP4 bytes.
    pub video_mp4: &'a [u8],
    /// The deterministic measurements of the video (used by [`local::LocalJudge`]; remote
    /// judges ignore them).
    pub metrics: Option<&'a VideoMetrics>,
}

/// A judge call that completed.
#[derive(Debug, Clone, PartialEq)]
pub enum JudgeOutcome {
    /// The reply parsed; the normalised result.
    Judged(JudgeResult),
    /// Every attempt gave unparseable output (SPEC §8.3 point 3): the fail-safe result of the
    /// last reply (v1) and why it failed; v2 records `judge_unparseable`.
    Unparseable {
        /// [`JudgeResult::fail_safe`] of the last raw reply.
        fail_safe: JudgeResult,
        /// What was wrong with the last reply.
        detail: String,
    },
}

impl JudgeOutcome {
    /// The result to record (the fail-safe one when unparseable).
    pub fn result(&self) -> &JudgeResult {
        match self {
            JudgeOutcome::Judged(r) => r,
            JudgeOutcome::Unparseable { fail_safe, .. } => fail_safe,
        }
    }
}

/// Scores a generated video (SPEC §8.1–§8.4). An `Err` means the judge API failed after every
/// attempt (v2 `judge_error`).
#[async_trait]
pub trait Judge: Send + Sync {
    /// Judges one video.
    async fn judge(&self, request: &JudgeRequest<'_>) -> Result<JudgeOutcome, EvalError>;
}

/// A clip description (SPEC §8.6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Description {
    /// The paragraph, trimmed, non-empty.
    pub text: String,
    /// The model that wrote it (`prompt.model` in `metadata.json`).
    pub model: String,
}

/// Describes a source clip for the benchmark prompt (SPEC §8.6).
#[async_trait]
pub trait Describer: Send + Sync {
    /// Describes one MP4 clip; an `Err` after every attempt fails the turn attempt.
    async fn describe(&self, clip_mp4: &[u8]) -> Result<Description, EvalError>;
}
