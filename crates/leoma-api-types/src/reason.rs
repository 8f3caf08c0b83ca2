//! Reason vocabularies: why a miner is invalid (SPEC §6.7) and why a v2 verdict entry failed or
//! was not evaluated (SPEC §7.9).
//!
//! Both are wire strings (reported to the owner-api, written into verdict files), so each type
//! converts to and from its exact string, and `parse(x.as_wire()) == x` for every value.

use std::fmt;
use std::str::FromStr;

use crate::Error;

const REVISION_MISMATCH_CHUTE: &str = "revision_mismatch:chute=";
const REVISION_MISMATCH_HF: &str = "revision_mismatch:hf=";
const DUPLICATE_MODEL: &str = "duplicate_model:earliest_uid=";
const CHUTE_HTTP: &str = "chute_http_";

/// Why a miner is invalid (SPEC §6.7).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum InvalidReason {
    /// `blacklisted`: hotkey on the owner-api blacklist.
    Blacklisted,
    /// `max_commits_exceeded_2`: more than 2 revealed commitments in the chain's history.
    MaxCommitsExceeded,
    /// `missing_model_name`.
    MissingModelName,
    /// `missing_model_revision`.
    MissingModelRevision,
    /// `missing_chute_id`.
    MissingChuteId,
    /// `model_name_must_start_with_leoma`.
    ModelNameMustStartWithLeoma,
    /// `model_name_must_end_with_hotkey`.
    ModelNameMustEndWithHotkey,
    /// `chute_fetch_failed`: chute info unreadable.
    ChuteFetchFailed,
    /// `chute_not_running`: chute not hot.
    ChuteNotRunning,
    /// `revision_mismatch:chute=<rev>`: the chute's revision differs from the committed one.
    RevisionMismatchChute(String),
    /// `hf_model_fetch_failed`: HF API error, no weight files, or no `sha`.
    HfModelFetchFailed,
    /// `revision_mismatch:hf=<sha>`: the committed revision is not the resolved commit SHA.
    RevisionMismatchHf(String),
    /// `duplicate_model:earliest_uid=<uid>`: same weights as an earlier miner.
    DuplicateModel {
        /// Uid of the earliest miner with these weights.
        earliest_uid: u16,
    },
    /// `consensus_invalid`: owner-api tally, invalid with no reason among invalid rows.
    ConsensusInvalid,
    /// `chute_model_mismatch`: Rust addition, only with `STRICT_CHUTE_BINDING`.
    ChuteModelMismatch,
    /// `validation_error`: Rust addition, unexpected internal error while validating this miner.
    ValidationError,
}

/// The unparametrised invalid reasons (their strings come from [`InvalidReason::fixed_wire`]).
const INVALID_FIXED: [InvalidReason; 13] = [
    InvalidReason::Blacklisted,
    InvalidReason::MaxCommitsExceeded,
    InvalidReason::MissingModelName,
    InvalidReason::MissingModelRevision,
    InvalidReason::MissingChuteId,
    InvalidReason::ModelNameMustStartWithLeoma,
    InvalidReason::ModelNameMustEndWithHotkey,
    InvalidReason::ChuteFetchFailed,
    InvalidReason::ChuteNotRunning,
    InvalidReason::HfModelFetchFailed,
    InvalidReason::ConsensusInvalid,
    InvalidReason::ChuteModelMismatch,
    InvalidReason::ValidationError,
];

impl InvalidReason {
    /// The exact wire string.
    pub fn as_wire(&self) -> String {
        match self {
            InvalidReason::RevisionMismatchChute(rev) => format!("{REVISION_MISMATCH_CHUTE}{rev}"),
            InvalidReason::RevisionMismatchHf(sha) => format!("{REVISION_MISMATCH_HF}{sha}"),
            InvalidReason::DuplicateModel { earliest_uid } => {
                format!("{DUPLICATE_MODEL}{earliest_uid}")
            }
            fixed => fixed.fixed_wire().unwrap_or_default().to_owned(),
        }
    }

    /// The wire string of an unparametrised reason.
    fn fixed_wire(&self) -> Option<&'static str> {
        Some(match self {
            InvalidReason::Blacklisted => "blacklisted",
            InvalidReason::MaxCommitsExceeded => "max_commits_exceeded_2",
            InvalidReason::MissingModelName => "missing_model_name",
            InvalidReason::MissingModelRevision => "missing_model_revision",
            InvalidReason::MissingChuteId => "missing_chute_id",
            InvalidReason::ModelNameMustStartWithLeoma => "model_name_must_start_with_leoma",
            InvalidReason::ModelNameMustEndWithHotkey => "model_name_must_end_with_hotkey",
            InvalidReason::ChuteFetchFailed => "chute_fetch_failed",
            InvalidReason::ChuteNotRunning => "chute_not_running",
            InvalidReason::HfModelFetchFailed => "hf_model_fetch_failed",
            InvalidReason::ConsensusInvalid => "consensus_invalid",
            InvalidReason::ChuteModelMismatch => "chute_model_mismatch",
            InvalidReason::ValidationError => "validation_error",
            InvalidReason::RevisionMismatchChute(_)
            | InvalidReason::RevisionMismatchHf(_)
            | InvalidReason::DuplicateModel { .. } => return None,
        })
    }

    /// Parses a wire string; the inverse of [`InvalidReason::as_wire`]. Unknown strings and
    /// non-canonical uids (sign, leading zeros, out of `u16`) are rejected.
    pub fn parse(s: &str) -> Result<Self, Error> {
        if let Some(rev) = s.strip_prefix(REVISION_MISMATCH_CHUTE) {
            return Ok(InvalidReason::RevisionMismatchChute(rev.to_owned()));
        }
        if let Some(sha) = s.strip_prefix(REVISION_MISMATCH_HF) {
            return Ok(InvalidReason::RevisionMismatchHf(sha.to_owned()));
        }
        if let Some(uid) = s.strip_prefix(DUPLICATE_MODEL) {
            let earliest_uid = canonical_u16(uid)
                .ok_or_else(|| Error::invalid("invalid reason", format!("bad uid in {s:?}")))?;
            return Ok(InvalidReason::DuplicateModel { earliest_uid });
        }
        INVALID_FIXED
            .iter()
            .find(|r| r.fixed_wire() == Some(s))
            .cloned()
            .ok_or_else(|| {
                Error::invalid("invalid reason", format!("unknown reason {:?}", short(s)))
            })
    }
}

/// Why a v2 verdict entry failed without a normal judgement, or was not evaluated (SPEC §7.9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VerdictReason {
    /// `judge_unparseable`: judge output unparseable after all attempts (failed).
    JudgeUnparseable,
    /// `near_copy_of_source` (failed).
    NearCopyOfSource,
    /// `frozen_video`: frames barely change over the clip (failed; a Rust addition that, like a
    /// near-copy, never reaches the judge).
    FrozenVideo,
    /// `chute_not_hot`: chute info says not hot, or no slug (failed).
    ChuteNotHot,
    /// `chute_http_<status>`: the miner answered a non-200 status (failed).
    ChuteHttp(u16),
    /// `chute_timeout`: the miner timed out after the connection was made (failed).
    ChuteTimeout,
    /// `video_too_large`: body larger than the cap (failed).
    VideoTooLarge,
    /// `video_unreadable`: unreadable container or no video stream (failed).
    VideoUnreadable,
    /// `resolution_mismatch` (failed).
    ResolutionMismatch,
    /// `duration_out_of_range` (failed).
    DurationOutOfRange,
    /// `fps_out_of_range` (failed).
    FpsOutOfRange,
    /// `frame_count_out_of_range` (failed).
    FrameCountOutOfRange,
    /// `chute_info_unavailable`: Chutes API error (not evaluated).
    ChuteInfoUnavailable,
    /// `transport_error`: no HTTP response at all (not evaluated).
    TransportError,
    /// `judge_error`: judge API failed after all attempts (not evaluated).
    JudgeError,
    /// `storage_error`: uploading the miner's video failed (not evaluated).
    StorageError,
    /// `internal_error`: any other producer-side error (not evaluated).
    InternalError,
}

/// The unparametrised verdict reasons (their strings come from [`VerdictReason::fixed_wire`]).
const VERDICT_FIXED: [VerdictReason; 16] = [
    VerdictReason::JudgeUnparseable,
    VerdictReason::NearCopyOfSource,
    VerdictReason::FrozenVideo,
    VerdictReason::ChuteNotHot,
    VerdictReason::ChuteTimeout,
    VerdictReason::VideoTooLarge,
    VerdictReason::VideoUnreadable,
    VerdictReason::ResolutionMismatch,
    VerdictReason::DurationOutOfRange,
    VerdictReason::FpsOutOfRange,
    VerdictReason::FrameCountOutOfRange,
    VerdictReason::ChuteInfoUnavailable,
    VerdictReason::TransportError,
    VerdictReason::JudgeError,
    VerdictReason::StorageError,
    VerdictReason::InternalError,
];

impl VerdictReason {
    /// The exact wire string.
    pub fn as_wire(&self) -> String {
        match self {
            VerdictReason::ChuteHttp(status) => format!("{CHUTE_HTTP}{status}"),
            fixed => fixed.fixed_wire().unwrap_or_default().to_owned(),
        }
    }

    /// The wire string of an unparametrised reason.
    fn fixed_wire(&self) -> Option<&'static str> {
        Some(match self {
            VerdictReason::JudgeUnparseable => "judge_unparseable",
            VerdictReason::NearCopyOfSource => "near_copy_of_source",
            VerdictReason::FrozenVideo => "frozen_video",
            VerdictReason::ChuteNotHot => "chute_not_hot",
            VerdictReason::ChuteTimeout => "chute_timeout",
            VerdictReason::VideoTooLarge => "video_too_large",
            VerdictReason::VideoUnreadable => "video_unreadable",
            VerdictReason::ResolutionMismatch => "resolution_mismatch",
            VerdictReason::DurationOutOfRange => "duration_out_of_range",
            VerdictReason::FpsOutOfRange => "fps_out_of_range",
            VerdictReason::FrameCountOutOfRange => "frame_count_out_of_range",
            VerdictReason::ChuteInfoUnavailable => "chute_info_unavailable",
            VerdictReason::TransportError => "transport_error",
            VerdictReason::JudgeError => "judge_error",
            VerdictReason::StorageError => "storage_error",
            VerdictReason::InternalError => "internal_error",
            VerdictReason::ChuteHttp(_) => return None,
        })
    }

    /// Parses a wire string; the inverse of [`VerdictReason::as_wire`]. `chute_http_<status>`
    /// needs a canonical decimal `u16`.
    pub fn parse(s: &str) -> Result<Self, Error> {
        if let Some(status) = s.strip_prefix(CHUTE_HTTP) {
            return canonical_u16(status)
                .map(VerdictReason::ChuteHttp)
                .ok_or_else(|| Error::invalid("verdict reason", format!("bad status in {s:?}")));
        }
        VERDICT_FIXED
            .iter()
            .find(|r| r.fixed_wire() == Some(s))
            .copied()
            .ok_or_else(|| {
                Error::invalid("verdict reason", format!("unknown reason {:?}", short(s)))
            })
    }

    /// Whether this is a producer-side failure, recorded with `"status": "not_evaluated"`
    /// (the miner is not charged with it). All other reasons go with `"status": "failed"`.
    pub fn is_producer_failure(&self) -> bool {
        matches!(
            self,
            VerdictReason::ChuteInfoUnavailable
                | VerdictReason::TransportError
                | VerdictReason::JudgeError
                | VerdictReason::StorageError
                | VerdictReason::InternalError
        )
    }
}

/// A decimal `u16` with no sign and no leading zeros, so that formatting gives the input back.
fn canonical_u16(s: &str) -> Option<u16> {
    let canonical =
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'));
    if canonical { s.parse().ok() } else { None }
}

fn short(s: &str) -> String {
    crate::error::truncate(s, 64)
}

macro_rules! wire_string_impls {
    ($ty:ty) => {
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.as_wire())
            }
        }

        impl FromStr for $ty {
            type Err = Error;
            fn from_str(s: &str) -> Result<Self, Error> {
                <$ty>::parse(s)
            }
        }

        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.as_wire())
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                <$ty>::parse(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}

wire_string_impls!(InvalidReason);
wire_string_impls!(VerdictReason);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn invalid_reason_strings_are_exact() {
        let cases = [
            (InvalidReason::Blacklisted, "blacklisted"),
            (InvalidReason::MaxCommitsExceeded, "max_commits_exceeded_2"),
            (InvalidReason::MissingModelName, "missing_model_name"),
            (
                InvalidReason::MissingModelRevision,
                "missing_model_revision",
            ),
            (InvalidReason::MissingChuteId, "missing_chute_id"),
            (
                InvalidReason::ModelNameMustStartWithLeoma,
                "model_name_must_start_with_leoma",
            ),
            (
                InvalidReason::ModelNameMustEndWithHotkey,
                "model_name_must_end_with_hotkey",
            ),
            (InvalidReason::ChuteFetchFailed, "chute_fetch_failed"),
            (InvalidReason::ChuteNotRunning, "chute_not_running"),
            (
                InvalidReason::RevisionMismatchChute("abc".into()),
                "revision_mismatch:chute=abc",
            ),
            (InvalidReason::HfModelFetchFailed, "hf_model_fetch_failed"),
            (
                InvalidReason::RevisionMismatchHf("0123".into()),
                "revision_mismatch:hf=0123",
            ),
            (
                InvalidReason::DuplicateModel { earliest_uid: 17 },
                "duplicate_model:earliest_uid=17",
            ),
            (InvalidReason::ConsensusInvalid, "consensus_invalid"),
            (InvalidReason::ChuteModelMismatch, "chute_model_mismatch"),
            (InvalidReason::ValidationError, "validation_error"),
        ];
        for (reason, wire) in cases {
            assert_eq!(reason.as_wire(), wire);
            assert_eq!(reason.to_string(), wire);
            assert_eq!(InvalidReason::parse(wire).unwrap(), reason);
            let json = serde_json::to_string(&reason).unwrap();
            assert_eq!(json, format!("\"{wire}\""));
            assert_eq!(
                serde_json::from_str::<InvalidReason>(&json).unwrap(),
                reason
            );
        }
    }

    #[test]
    fn invalid_reason_rejects_unknown_and_noncanonical() {
        for bad in [
            "",
            "Blacklisted",
            "max_commits_exceeded",
            "duplicate_model:earliest_uid=",
            "duplicate_model:earliest_uid=007",
            "duplicate_model:earliest_uid=-1",
            "duplicate_model:earliest_uid=+1",
            "duplicate_model:earliest_uid=65536",
            "revision_mismatch",
            "blacklisted ",
        ] {
            assert!(InvalidReason::parse(bad).is_err(), "{bad:?}");
        }
        // Parametrised values may be empty or contain separators; they round-trip as written.
        assert_eq!(
            InvalidReason::parse("revision_mismatch:chute=").unwrap(),
            InvalidReason::RevisionMismatchChute(String::new())
        );
        assert_eq!(
            InvalidReason::parse("revision_mismatch:hf=a:b=c").unwrap(),
            InvalidReason::RevisionMismatchHf("a:b=c".into())
        );
    }

    #[test]
    fn verdict_reason_strings_and_classes() {
        let failed = [
            (VerdictReason::JudgeUnparseable, "judge_unparseable"),
            (VerdictReason::NearCopyOfSource, "near_copy_of_source"),
            (VerdictReason::FrozenVideo, "frozen_video"),
            (VerdictReason::ChuteNotHot, "chute_not_hot"),
            (VerdictReason::ChuteHttp(503), "chute_http_503"),
            (VerdictReason::ChuteTimeout, "chute_timeout"),
            (VerdictReason::VideoTooLarge, "video_too_large"),
            (VerdictReason::VideoUnreadable, "video_unreadable"),
            (VerdictReason::ResolutionMismatch, "resolution_mismatch"),
            (VerdictReason::DurationOutOfRange, "duration_out_of_range"),
            (VerdictReason::FpsOutOfRange, "fps_out_of_range"),
            (
                VerdictReason::FrameCountOutOfRange,
                "frame_count_out_of_range",
            ),
        ];
        let not_evaluated = [
            (
                VerdictReason::ChuteInfoUnavailable,
                "chute_info_unavailable",
            ),
            (VerdictReason::TransportError, "transport_error"),
            (VerdictReason::JudgeError, "judge_error"),
            (VerdictReason::StorageError, "storage_error"),
            (VerdictReason::InternalError, "internal_error"),
        ];
        for (list, producer) in [(&failed[..], false), (&not_evaluated[..], true)] {
            for (reason, wire) in list {
                assert_eq!(reason.as_wire(), *wire);
                assert_eq!(VerdictReason::parse(wire).unwrap(), *reason);
                assert_eq!(reason.is_producer_failure(), producer, "{wire}");
                let json = serde_json::to_string(reason).unwrap();
                assert_eq!(
                    serde_json::from_str::<VerdictReason>(&json).unwrap(),
                    *reason
                );
            }
        }
        for bad in [
            "chute_http_",
            "chute_http_0404",
            "chute_http_70000",
            "chute_http_x",
            "ok",
        ] {
            assert!(VerdictReason::parse(bad).is_err(), "{bad:?}");
        }
    }

    fn any_invalid_reason() -> impl Strategy<Value = InvalidReason> {
        prop_oneof![
            (0..INVALID_FIXED.len()).prop_map(|i| INVALID_FIXED[i].clone()),
            ".*".prop_map(InvalidReason::RevisionMismatchChute),
            ".*".prop_map(InvalidReason::RevisionMismatchHf),
            any::<u16>().prop_map(|earliest_uid| InvalidReason::DuplicateModel { earliest_uid }),
        ]
    }

    fn any_verdict_reason() -> impl Strategy<Value = VerdictReason> {
        prop_oneof![
            (0..VERDICT_FIXED.len()).prop_map(|i| VERDICT_FIXED[i]),
            any::<u16>().prop_map(VerdictReason::ChuteHttp),
        ]
    }

    proptest! {
        #[test]
        fn invalid_reason_round_trips(reason in any_invalid_reason()) {
            prop_assert_eq!(InvalidReason::parse(&reason.to_string()).unwrap(), reason);
        }

        #[test]
        fn verdict_reason_round_trips(reason in any_verdict_reason()) {
            prop_assert_eq!(VerdictReason::parse(&reason.to_string()).unwrap(), reason);
        }

        #[test]
        fn parse_never_panics(s in ".*") {
            if let Ok(r) = InvalidReason::parse(&s) {
                prop_assert_eq!(r.as_wire(), s.clone());
            }
            if let Ok(r) = VerdictReason::parse(&s) {
                prop_assert_eq!(r.as_wire(), s);
            }
        }
    }
}
