//! Errors of the roster: a whole pass failing (chain unreadable) or one lookup failing.

/// Roster errors.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RosterError {
    /// The chain could not be read; the pass fails and the previous snapshot is kept.
    #[error("chain read failed: {0}")]
    Chain(String),
    /// No HTTP response (DNS, connect, TLS, timeout).
    #[error("{service}: transport error: {reason}")]
    Transport {
        /// `chutes` or `huggingface`.
        service: &'static str,
        /// The client's description.
        reason: String,
    },
    /// A non-success status.
    #[error("{service}: HTTP {status}{}", code.as_deref().map(|c| format!(" ({c})")).unwrap_or_default())]
    Http {
        /// `chutes` or `huggingface`.
        service: &'static str,
        /// Status code.
        status: u16,
        /// The Hub's `X-Error-Code`, when present.
        code: Option<String>,
    },
    /// A 200 whose body is not what the API documents.
    #[error("{service}: malformed response: {reason}")]
    Malformed {
        /// `chutes` or `huggingface`.
        service: &'static str,
        /// What was wrong.
        reason: String,
    },
    /// The request was refused before sending (e.g. an invalid repository id).
    #[error("{service}: invalid request: {reason}")]
    InvalidRequest {
        /// `chutes` or `huggingface`.
        service: &'static str,
        /// What was wrong.
        reason: String,
    },
}

impl RosterError {
    /// Whether a retry may succeed (transport errors, 429 and 5xx).
    pub fn is_transient(&self) -> bool {
        match self {
            RosterError::Transport { .. } => true,
            RosterError::Http { status, .. } => *status == 429 || *status >= 500,
            _ => false,
        }
    }
}
