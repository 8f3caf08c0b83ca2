//! The library's one error type: what stopped a command before it could give its answer.
//!
//! A refused commit is not an error (it is [`crate::commit::Refusal`], an answer); an error is
//! a service that could not be reached, bad input, or a tool that is missing.

use leoma_chain::ChainError;

/// Why a miner command could not run to the end.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MinerError {
    /// The chain could not be read or written.
    #[error("chain: {0}")]
    Chain(#[from] ChainError),
    /// The roster checks could not run (the chain reads behind them failed).
    #[error("miner checks: {0}")]
    Roster(String),
    /// An HTTP service (owner-api, Chutes) failed or answered something unusable.
    #[error("{service}: {reason}")]
    Http {
        /// The service.
        service: &'static str,
        /// What went wrong.
        reason: String,
    },
    /// A flag or argument is unusable.
    #[error("invalid {what}: {reason}")]
    InvalidInput {
        /// The flag or value.
        what: &'static str,
        /// Why.
        reason: String,
    },
    /// A file could not be written or read.
    #[error("{path}: {reason}")]
    Io {
        /// The file.
        path: String,
        /// The IO error.
        reason: String,
    },
    /// The `chutes` CLI is not installed.
    #[error(
        "the `chutes` CLI was not found on PATH; install it with `pip install chutes` and run \
         `chutes register` (or pass --dry-run to only write the chute definition)"
    )]
    ChutesCliMissing,
    /// `chutes deploy` failed.
    #[error("chutes deploy failed: {0}")]
    Deploy(String),
    /// The deployed chute did not appear in the Chutes API listing.
    #[error("no chute named {model_name:?} in the Chutes API listing")]
    ChuteNotListed {
        /// The model name looked for.
        model_name: String,
    },
    /// Waiting for the chute to become hot timed out.
    #[error("chute {chute_id} was not hot after {seconds} s")]
    WaitTimeout {
        /// The chute.
        chute_id: String,
        /// How long we waited.
        seconds: u64,
    },
}

impl MinerError {
    pub(crate) fn http(service: &'static str, reason: impl std::fmt::Display) -> Self {
        MinerError::Http {
            service,
            reason: reason.to_string(),
        }
    }
}
