//! The crate's error type: why a probe, a judge call or a description failed.

use std::time::Duration;

/// Errors of the evaluation adapters.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// An external tool (ffprobe, ffmpeg) could not be started, e.g. it is not installed.
    #[error("cannot run {tool}: {reason} (install ffmpeg, which provides ffprobe and ffmpeg)")]
    ToolMissing {
        /// The program.
        tool: String,
        /// The OS error.
        reason: String,
    },
    /// An external tool ran past its timeout and was killed.
    #[error("{tool} timed out after {after:?}")]
    ToolTimeout {
        /// The program.
        tool: String,
        /// The timeout.
        after: Duration,
    },
    /// An external tool exited unsuccessfully or printed something unusable.
    #[error("{tool} failed: {reason}")]
    ToolFailed {
        /// The program.
        tool: String,
        /// Exit status and the start of its stderr, or what was wrong with its output.
        reason: String,
    },
    /// A local file could not be read or written.
    #[error("io error on {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// No HTTP response at all (DNS, connect, TLS, timeout).
    #[error("transport error calling {service}: {reason}")]
    Transport {
        /// The remote service.
        service: &'static str,
        /// The client's description.
        reason: String,
    },
    /// The service answered with a non-success status.
    #[error("{service} answered HTTP {status}: {body}")]
    Http {
        /// The remote service.
        service: &'static str,
        /// The status code.
        status: u16,
        /// The start of the body.
        body: String,
    },
    /// The service answered 200 with a body that is not what the protocol says.
    #[error("{service} sent a malformed response: {reason}")]
    Malformed {
        /// The remote service.
        service: &'static str,
        /// What was wrong.
        reason: String,
    },
    /// The reply had no text (no candidate, no text part, or only whitespace).
    #[error("{service} returned an empty reply")]
    EmptyReply {
        /// The remote service.
        service: &'static str,
    },
    /// The input given to an evaluation step is unusable (e.g. an empty first frame).
    #[error("invalid input: {0}")]
    InvalidInput(String),
}

impl EvalError {
    /// Whether retrying the same call may succeed: transport errors, HTTP 429 and 5xx, timeouts,
    /// empty and malformed replies. Other HTTP 4xx and local problems are permanent.
    pub fn is_transient(&self) -> bool {
        match self {
            EvalError::Transport { .. }
            | EvalError::ToolTimeout { .. }
            | EvalError::EmptyReply { .. }
            | EvalError::Malformed { .. } => true,
            EvalError::Http { status, .. } => *status == 429 || *status >= 500,
            EvalError::ToolMissing { .. }
            | EvalError::ToolFailed { .. }
            | EvalError::Io { .. }
            | EvalError::InvalidInput(_) => false,
        }
    }
}

/// The first `max` characters of `s` (for error messages that quote remote text).
pub(crate) fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}
