//! Why a turn attempt failed. A failed attempt leaves the task unproduced; the next poll retries
//! it while it is still this validator's turn, up to `SAMPLER_MAX_ATTEMPTS_PER_TURN`.

use leoma_eval::EvalError;
use leoma_storage::StorageError;

/// Errors of the sampling turn.
#[derive(Debug, thiserror::Error)]
pub enum TurnError {
    /// The state directory or the temporary directory is unusable.
    #[error("local io on {path}: {reason}")]
    Io {
        /// The path.
        path: String,
        /// The OS error.
        reason: String,
    },
    /// ffmpeg/ffprobe could not run on our own files (tool missing, timeout, failure).
    #[error("{tool}: {reason}")]
    Tool {
        /// The program.
        tool: String,
        /// What happened.
        reason: String,
    },
    /// A bucket read or write failed.
    #[error("storage: {0}")]
    Storage(#[from] StorageError),
    /// Describing the clip failed after every attempt (SPEC §7.4).
    #[error("description failed: {0}")]
    Describe(EvalError),
    /// Checking a video failed on the host side (not the miner's fault).
    #[error("video check failed: {0}")]
    Eval(#[from] EvalError),
    /// Building or signing the verdict file failed.
    #[error("verdict file: {0}")]
    Verdict(String),
    /// The settings or the rotation are unusable (e.g. an empty validator list).
    #[error("invalid configuration: {0}")]
    Config(String),
}

impl TurnError {
    pub(crate) fn io(path: &std::path::Path, e: impl std::fmt::Display) -> Self {
        TurnError::Io {
            path: path.display().to_string(),
            reason: e.to_string(),
        }
    }
}
