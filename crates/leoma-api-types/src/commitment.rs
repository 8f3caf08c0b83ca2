//! The miner commitment: its payload (SPEC §3.2), its on-chain plaintext (SPEC §2.4), and how a
//! revealed commitment is decoded, parsed and checked (SPEC §6.3).

use crate::json::{self, PyObject, PyStr, PyValue, Style};
use crate::python::{decode_utf8_ignore, json_loads_str, py_strip};
use crate::reason::InvalidReason;

/// A miner hotkey with more revealed commitments than this in the chain's retained history is
/// invalid (`max_commits_exceeded_2`, SPEC §6.2 step 5).
pub const MAX_COMMITS_PER_HOTKEY: usize = 2;

/// The prefix every miner repository name must start with (case-insensitive, SPEC §6.3).
pub const MODEL_NAME_PREFIX: &str = "leoma";

/// What a miner commits on chain (SPEC §3.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MinerCommitment {
    /// HuggingFace repository `owner/name`.
    pub model_name: String,
    /// Full 40-hex commit SHA of the repository.
    pub model_revision: String,
    /// Chute id (a uuid).
    pub chute_id: String,
}

impl MinerCommitment {
    /// The JSON object, keys in the order `model_name`, `model_revision`, `chute_id`.
    pub fn to_value(&self) -> PyValue {
        let mut obj = PyObject::new();
        obj.insert("model_name", self.model_name.as_str());
        obj.insert("model_revision", self.model_revision.as_str());
        obj.insert("chute_id", self.chute_id.as_str());
        PyValue::Object(obj)
    }

    /// The payload string: `PyDefault` of [`MinerCommitment::to_value`] (byte-exact, SPEC §2.4).
    pub fn to_payload(&self) -> String {
        json::encode(&self.to_value(), Style::Default)
    }

    /// The timelock plaintext of the payload: SCALE compact length, then the UTF-8 bytes
    /// (SPEC §2.4 step 2).
    pub fn to_plaintext(&self) -> Vec<u8> {
        encode_plaintext(&self.to_payload())
    }
}

/// SCALE encoding of a string: compact length of its UTF-8 bytes, then the bytes.
pub fn encode_plaintext(payload: &str) -> Vec<u8> {
    let bytes = payload.as_bytes();
    let mut out = compact_len(bytes.len());
    out.extend_from_slice(bytes);
    out
}

/// SCALE compact encoding of a length.
fn compact_len(len: usize) -> Vec<u8> {
    let n = len as u64;
    if n < 1 << 6 {
        vec![(n as u8) << 2]
    } else if n < 1 << 14 {
        (((n as u16) << 2) | 0b01).to_le_bytes().to_vec()
    } else if n < 1 << 30 {
        (((n as u32) << 2) | 0b10).to_le_bytes().to_vec()
    } else {
        let le = n.to_le_bytes();
        let used = le.iter().rposition(|&b| b != 0).map_or(1, |i| i + 1);
        let mut out = vec![(((used - 4) as u8) << 2) | 0b11];
        out.extend_from_slice(le.get(..used).unwrap_or(&le));
        out
    }
}

/// The commitment string of a revealed plaintext, exactly as the reference SDK decodes it
/// (SPEC §2.4): skip 1, 2 or 4 bytes by the low two bits of the first byte (modes 2 and 3 both
/// skip 4, which is wrong for mode 3 but reproduced), then UTF-8 with invalid sequences dropped.
pub fn decode_revealed(data: &[u8]) -> String {
    let skip = match data.first().map(|b| b & 0b11) {
        None | Some(0) => 1,
        Some(1) => 2,
        Some(_) => 4,
    };
    decode_utf8_ignore(data.get(skip..).unwrap_or_default())
}

/// `parse_commit(v)` (SPEC §6.3): the JSON object of a commitment string, or an empty object for
/// anything else (falsy, invalid JSON, or a non-object value).
pub fn parse_commit(value: &str) -> PyObject {
    if value.is_empty() {
        return PyObject::new();
    }
    match json_loads_str(value) {
        Ok(PyValue::Object(obj)) => obj,
        _ => PyObject::new(),
    }
}

/// A commitment whose fields passed the rules of SPEC §6.3.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedCommitment {
    /// The fields as committed (not trimmed).
    pub commitment: MinerCommitment,
    /// The repository name (see [`repo_name`]).
    pub repo: String,
}

/// Checks the fields of a parsed commitment for `hotkey` (SPEC §6.3); the first failing rule
/// gives the reason.
///
/// 1. `model_name`, `model_revision`, `chute_id` in that order: falsy or not a string →
///    `missing_*` (Rust: a non-string is missing, M1).
/// 2. The repository name must start with `leoma` (case-insensitive).
/// 3. Unless `hotkey` is blank, it must end with the trimmed hotkey (case-insensitive).
///
/// A string holding a lone surrogate (possible through a `\ud800` escape) is read with U+FFFD in
/// its place; such a name can never be a real repository, and the naming rules give the same
/// answer either way.
pub fn check_fields(obj: &PyObject, hotkey: &str) -> Result<CheckedCommitment, InvalidReason> {
    let model_name = field(obj, "model_name").ok_or(InvalidReason::MissingModelName)?;
    let model_revision = field(obj, "model_revision").ok_or(InvalidReason::MissingModelRevision)?;
    let chute_id = field(obj, "chute_id").ok_or(InvalidReason::MissingChuteId)?;
    let repo = repo_name(&model_name);
    let repo_lower = repo.to_lowercase();
    if !repo_lower.starts_with(MODEL_NAME_PREFIX) {
        return Err(InvalidReason::ModelNameMustStartWithLeoma);
    }
    let hotkey = py_strip(hotkey);
    if !hotkey.is_empty() && !repo_lower.ends_with(&hotkey.to_lowercase()) {
        return Err(InvalidReason::ModelNameMustEndWithHotkey);
    }
    Ok(CheckedCommitment {
        commitment: MinerCommitment {
            model_name,
            model_revision,
            chute_id,
        },
        repo,
    })
}

/// A truthy string field (lone surrogates shown as U+FFFD); `None` when missing, falsy or not a
/// string.
fn field(obj: &PyObject, key: &str) -> Option<String> {
    match obj.get(key) {
        Some(PyValue::Str(s)) if !s.is_empty() => Some(match s {
            PyStr::Utf8(s) => s.clone(),
            other => other.to_string(),
        }),
        _ => None,
    }
}

/// The repository name of `model_name` (SPEC §6.3 step 2): trimmed, then the part after the last
/// `/` (trimmed again), or the whole trimmed string when there is no `/`. Trimming is Python's
/// `str.strip()`.
pub fn repo_name(model_name: &str) -> String {
    let name = py_strip(model_name);
    match name.rsplit_once('/') {
        Some((_, repo)) => py_strip(repo).to_owned(),
        None => name.to_owned(),
    }
}

/// Whether a revealed-commitment history of `history_len` entries makes the miner invalid
/// (`max_commits_exceeded_2`).
pub fn exceeds_commit_limit(history_len: usize) -> bool {
    history_len > MAX_COMMITS_PER_HOTKEY
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_lengths() {
        assert_eq!(compact_len(0), [0x00]);
        assert_eq!(compact_len(63), [0xfc]);
        assert_eq!(compact_len(64), [0x01, 0x01]);
        assert_eq!(compact_len(16383), [0xfd, 0xff]);
        assert_eq!(compact_len(16384), [0x02, 0x00, 0x01, 0x00]);
        assert_eq!(compact_len((1 << 30) - 1), [0xfe, 0xff, 0xff, 0xff]);
        assert_eq!(compact_len(1 << 30), [0x03, 0x00, 0x00, 0x00, 0x40]);
    }

    #[test]
    fn decode_skips_by_mode_bits() {
        assert_eq!(decode_revealed(b""), "");
        assert_eq!(decode_revealed(b"\x08ab"), "ab"); // mode 0: skip 1
        assert_eq!(decode_revealed(b"\x01\x01xy"), "xy"); // mode 1: skip 2
        assert_eq!(decode_revealed(b"\x02\x00\x01\x00z"), "z"); // mode 2: skip 4
        assert_eq!(decode_revealed(b"\x03\x00\x00\x00\x40q"), "\u{40}q"); // mode 3: skip 4 (wrong, kept)
        assert_eq!(decode_revealed(b"\x03"), "");
        assert_eq!(decode_revealed(b"\x0c\xffa\xc3"), "a");
    }

    #[test]
    fn repo_name_rules() {
        assert_eq!(repo_name(" alice/leoma-5F "), "leoma-5F");
        assert_eq!(repo_name("a/b/ leoma-x \u{3000}"), "leoma-x");
        assert_eq!(repo_name("leoma-x"), "leoma-x");
        assert_eq!(repo_name("\x1cleoma\x1f"), "leoma");
        assert_eq!(repo_name("alice/"), "");
        assert_eq!(repo_name(""), "");
    }

    #[test]
    fn commit_limit() {
        assert!(!exceeds_commit_limit(1));
        assert!(!exceeds_commit_limit(2));
        assert!(exceeds_commit_limit(3));
    }
}
