//! Verdict files (SPEC §3.7, §3.8): the typed entries, their canonical signing bytes, the signed
//! writers, and the readers that decide whether a peer's file is accepted (§5.1 for v1, §5.6 for
//! v2).
//!
//! Readers take the raw object bytes and never panic on them: a file is either accepted (with the
//! entries the scorer may use) or rejected with a [`VerdictRejection`] naming the reason.

mod accept_v1;
mod accept_v2;
mod rejection;
mod v1;
mod v2;

use std::fmt;

use sha2::{Digest, Sha256};

pub use accept_v1::{AcceptedV1, SignatureCheck, accept_v1};
pub use accept_v2::accept_v2;
pub use rejection::VerdictRejection;
pub use v1::{VerdictEntryV1, VerdictFileV1, canonical_bytes_v1, signing_digest_v1};
pub use v2::{VerdictEntryV2, VerdictFileV2, canonical_bytes_v2};

use crate::Error;

/// Largest verdict file a reader accepts; larger objects are rejected before parsing.
pub const VERDICT_FILE_MAX_BYTES: usize = 16 * 1024 * 1024;

/// The fixed `presentation_order` value of every entry (SPEC §8.5).
pub const PRESENTATION_ORDER: &str = "single-video benchmark";

/// The fixed `original_artifacts` value of every judged entry (SPEC §8.5).
pub const ORIGINAL_ARTIFACTS: &str = "[]";

/// An entry's `status` (SPEC §3.7, §3.8). v1 files only use `passed` and `failed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum VerdictStatus {
    /// `"passed"`: the judge passed the video.
    Passed,
    /// `"failed"`: judged failed, or the miner failed to deliver (v2).
    Failed,
    /// `"not_evaluated"` (v2 only): the producer's own failure prevented an evaluation.
    NotEvaluated,
}

impl VerdictStatus {
    /// The wire string.
    pub fn as_str(self) -> &'static str {
        match self {
            VerdictStatus::Passed => "passed",
            VerdictStatus::Failed => "failed",
            VerdictStatus::NotEvaluated => "not_evaluated",
        }
    }

    /// Parses the wire string (exact, case-sensitive).
    pub fn parse(s: &str) -> Result<Self, Error> {
        match s {
            "passed" => Ok(VerdictStatus::Passed),
            "failed" => Ok(VerdictStatus::Failed),
            "not_evaluated" => Ok(VerdictStatus::NotEvaluated),
            _ => Err(Error::invalid(
                "verdict status",
                format!(
                    "{:?} is not passed, failed or not_evaluated",
                    crate::error::truncate(s, 32)
                ),
            )),
        }
    }

    /// The v1 status of a verdict: `passed` if passed, else `failed`.
    pub fn of_passed(passed: bool) -> Self {
        if passed {
            VerdictStatus::Passed
        } else {
            VerdictStatus::Failed
        }
    }
}

impl fmt::Display for VerdictStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// SHA-256 of `bytes` as 32 raw bytes (what verdict signatures sign).
pub(crate) fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_round_trips_and_rejects_other_spellings() {
        for s in [
            VerdictStatus::Passed,
            VerdictStatus::Failed,
            VerdictStatus::NotEvaluated,
        ] {
            assert_eq!(VerdictStatus::parse(s.as_str()).unwrap(), s);
            assert_eq!(s.to_string(), s.as_str());
        }
        for bad in ["Passed", "pass", "", "not evaluated", "failed "] {
            assert!(VerdictStatus::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(VerdictStatus::of_passed(true), VerdictStatus::Passed);
        assert_eq!(VerdictStatus::of_passed(false), VerdictStatus::Failed);
    }
}
