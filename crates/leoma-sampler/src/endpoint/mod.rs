//! Calling a miner's model (SPEC §3.13, §7.5): the [`MinerEndpoint`] port and its Chutes
//! `/generate` HTTP adapter [`ChutesGenerate`].
//!
//! A call streams the response body into a file the caller owns and stops past a byte cap, so a
//! miner can never make the validator hold its video in memory (E1). Every failure is typed and
//! maps to the v2 verdict reason of §7.9 ([`EndpointError::reason`]).

mod chutes;

use std::path::Path;
use std::time::Duration;

use async_trait::async_trait;
use leoma_api_types::reason::VerdictReason;

pub use chutes::{ChutesGenerate, generate_body};

/// One generation request, shared by every miner of a turn.
#[derive(Debug, Clone, Copy)]
pub struct GenerateRequest<'a> {
    /// The chute's slug (the host part of the invoke URL).
    pub slug: &'a str,
    /// The request body: `PyDefault` of `{prompt, image, fps, frames, resolution, fast}`
    /// (build it once per turn with [`generate_body`]).
    pub body: &'a [u8],
}

/// A video the miner delivered (status 200), written to the caller's file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivery {
    /// Bytes written.
    pub bytes: u64,
    /// From sending the request to the end of the body (E7: queueing excluded).
    pub latency: Duration,
}

/// Why a miner call produced no video.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EndpointError {
    /// The miner answered a status other than 200 (`chute_http_<status>`).
    #[error("miner answered HTTP {status}")]
    Http {
        /// The status.
        status: u16,
    },
    /// The call ran past its timeout after the connection was made (`chute_timeout`).
    #[error("miner timed out after {after:?}")]
    Timeout {
        /// The timeout.
        after: Duration,
    },
    /// No HTTP response at all: DNS, connect, TLS (`transport_error`).
    #[error("transport error: {0}")]
    Transport(String),
    /// The body passed the byte cap; the download was aborted (`video_too_large`).
    #[error("video larger than {max} bytes")]
    TooLarge {
        /// The cap.
        max: u64,
    },
    /// The local file could not be written (`internal_error`: our problem, not the miner's).
    #[error("cannot write {path}: {reason}")]
    Io {
        /// The file.
        path: String,
        /// The OS error.
        reason: String,
    },
}

impl EndpointError {
    /// The v2 reason code of §7.9.
    pub fn reason(&self) -> VerdictReason {
        match self {
            EndpointError::Http { status } => VerdictReason::ChuteHttp(*status),
            EndpointError::Timeout { .. } => VerdictReason::ChuteTimeout,
            EndpointError::Transport(_) => VerdictReason::TransportError,
            EndpointError::TooLarge { .. } => VerdictReason::VideoTooLarge,
            EndpointError::Io { .. } => VerdictReason::InternalError,
        }
    }
}

/// A miner's generation endpoint (ARCHITECTURE §3, "Chutes").
#[async_trait]
pub trait MinerEndpoint: Send + Sync {
    /// Calls the miner once (no retries) with a total `timeout`, writing a 200 body to `dest`
    /// (created or truncated) and aborting past `max_bytes`. On an error `dest` may hold a
    /// partial body; the caller removes it.
    async fn generate(
        &self,
        request: &GenerateRequest<'_>,
        dest: &Path,
        max_bytes: u64,
        timeout: Duration,
    ) -> Result<Delivery, EndpointError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_map_to_section_7_9_reasons() {
        let cases = [
            (EndpointError::Http { status: 503 }, "chute_http_503"),
            (
                EndpointError::Timeout {
                    after: Duration::from_secs(1),
                },
                "chute_timeout",
            ),
            (EndpointError::Transport("dns".into()), "transport_error"),
            (EndpointError::TooLarge { max: 1 }, "video_too_large"),
            (
                EndpointError::Io {
                    path: "x".into(),
                    reason: "full".into(),
                },
                "internal_error",
            ),
        ];
        for (e, wire) in cases {
            assert_eq!(e.reason().as_wire(), wire);
        }
        assert!(
            EndpointError::Transport(String::new())
                .reason()
                .is_producer_failure()
        );
        assert!(
            !EndpointError::Http { status: 500 }
                .reason()
                .is_producer_failure()
        );
    }
}
