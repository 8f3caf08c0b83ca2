//! Why a verdict file was not accepted.

use crate::Error;

/// Why a verdict file was rejected (SPEC §5.1, §5.6). The `Display` names the reason; it quotes
/// only bounded, sanitised fragments of the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerdictRejection {
    /// Larger than [`super::VERDICT_FILE_MAX_BYTES`]; not parsed.
    #[error("verdict file is {size} bytes, larger than the {max}-byte limit")]
    Oversized {
        /// Size of the object.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// Not parseable as JSON (with the parser's message).
    #[error("unreadable JSON: {0}")]
    Unreadable(#[source] Error),
    /// The top-level value is not a JSON object.
    #[error("verdict file is not a JSON object")]
    NotAnObject,
    /// `data` is truthy (v1) or present (v2) but not an array.
    #[error("`data` is not an array")]
    DataNotArray,
    /// An element of `data` is not an object.
    #[error("data entry {index} is not an object")]
    EntryNotObject {
        /// Position in `data`.
        index: usize,
    },
    /// A 64-byte signature that does not verify over the canonical digest (raw or wrapped).
    #[error("signature does not verify for the producer over the canonical digest")]
    BadSignature,
    /// v2: the wrapper's key set is not exactly `version, task_id, validator_hotkey, signature,
    /// data`.
    #[error(
        "wrapper keys must be exactly version, task_id, validator_hotkey, signature, data: {0}"
    )]
    WrongKeys(String),
    /// v2: `version` is not the integer 2.
    #[error("`version` is not 2")]
    WrongVersion,
    /// v2: `task_id` is not the expected task id.
    #[error("`task_id` is not {expected}")]
    TaskIdMismatch {
        /// The task id the file was fetched for.
        expected: u64,
    },
    /// v2: `validator_hotkey` is not the producer's hotkey.
    #[error("`validator_hotkey` is not the producer {expected}")]
    ProducerMismatch {
        /// The producer the file was fetched for.
        expected: String,
    },
    /// v2: `signature` is not `0x` + 128 lowercase hex digits.
    #[error("`signature` is not 0x followed by 128 lowercase hex digits")]
    SignatureFormat,
    /// v2: `data` is empty.
    #[error("`data` is empty")]
    EmptyData,
    /// v2: an entry has a missing key, a wrong type or an inconsistent value.
    #[error("data entry {index}: {reason}")]
    InvalidEntry {
        /// Position in `data`.
        index: usize,
        /// What is wrong, naming the key.
        reason: String,
    },
    /// v2: two entries name the same miner.
    #[error("data entry {index}: duplicate hotkey")]
    DuplicateHotkey {
        /// Position of the second occurrence.
        index: usize,
    },
    /// v2: `data` is not sorted by hotkey.
    #[error("data entry {index}: hotkeys are not sorted ascending")]
    NotSorted {
        /// Position of the first entry out of order.
        index: usize,
    },
}
