//! The crate's error type: every rejection names what was wrong.

/// Why a value, a document or a file was rejected.
///
/// Messages quote at most a bounded prefix of untrusted input, never secrets.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A string is not a valid SS58 address.
    #[error("invalid SS58 address {input:?}: {reason}")]
    InvalidSs58 {
        /// The offending input (truncated to 64 characters).
        input: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A JSON document could not be parsed.
    #[error("invalid JSON at byte {offset}: {reason}")]
    Json {
        /// Byte offset in the input where parsing failed.
        offset: usize,
        /// What was expected or found.
        reason: String,
    },
    /// A document parsed but does not have the required shape or values.
    #[error("invalid {what}: {reason}")]
    Invalid {
        /// The kind of document or value (for example `allowlist v2`).
        what: &'static str,
        /// What is wrong, naming the field.
        reason: String,
    },
}

impl Error {
    /// Shorthand for [`Error::Invalid`].
    pub fn invalid(what: &'static str, reason: impl Into<String>) -> Self {
        Error::Invalid {
            what,
            reason: reason.into(),
        }
    }

    pub(crate) fn ss58(input: &str, reason: &'static str) -> Self {
        Error::InvalidSs58 {
            input: truncate(input, 64),
            reason,
        }
    }
}

/// Truncates untrusted text for error messages, on a character boundary.
pub(crate) fn truncate(s: &str, max_chars: usize) -> String {
    match s.char_indices().nth(max_chars) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}
