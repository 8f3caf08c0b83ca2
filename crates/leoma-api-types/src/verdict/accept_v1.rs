//! The v1 reader (SPEC §5.1): reproduces the reference's acceptance exactly, including the cases
//! where it accepts a file whose signature is missing or undecodable ("fail-open").

use super::{VERDICT_FILE_MAX_BYTES, VerdictRejection, sha256};
use crate::Hotkey;
use crate::json::{self, PyValue, Style};
use crate::signature::{
    LenientDecodeError, MessageForm, decode_signature_lenient, verify_sr25519_form,
};

/// How the signature of an accepted v1 file was judged. Every variant but `Verified` is a
/// reference fail-open case: the file is accepted without a valid signature, and an auditor may
/// want to report it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureCheck {
    /// The signature verified for the producer over the digest, in the given message form.
    Verified(MessageForm),
    /// `signature` missing or falsy (`null`, `false`, `0`, `""`, `[]`, `{}`).
    Missing,
    /// `signature` is truthy but not a string.
    NotAString,
    /// Not hex under Python `bytes.fromhex` after removing a lowercase `0x`.
    NotHex,
    /// Decoded to this many bytes instead of 64.
    WrongLength(usize),
    /// The producer hotkey is not a decodable SS58 address.
    ProducerNotSs58,
}

impl SignatureCheck {
    /// Whether the signature actually verified (as opposed to a fail-open acceptance).
    pub fn is_verified(self) -> bool {
        matches!(self, SignatureCheck::Verified(_))
    }
}

/// An accepted v1 verdict file: what the scorer may use from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcceptedV1 {
    /// `(miner hotkey, truthy(passed))` in file order. Duplicates are kept in order; the caller
    /// inserts them into its map so that later ones overwrite earlier ones, as the reference does.
    ///
    /// A hotkey string holding lone surrogates (only a malicious producer writes one) is
    /// converted lossily (U+FFFD); it can never name a registered miner.
    pub entries: Vec<(String, bool)>,
    /// How the signature was judged.
    pub signature: SignatureCheck,
}

/// Decides whether a v1 verdict file from `producer` (an SS58 string as listed in the allowlist)
/// is accepted, and extracts its verdicts (SPEC §5.1).
pub fn accept_v1(bytes: &[u8], producer: &str) -> Result<AcceptedV1, VerdictRejection> {
    if bytes.len() > VERDICT_FILE_MAX_BYTES {
        return Err(VerdictRejection::Oversized {
            size: bytes.len(),
            max: VERDICT_FILE_MAX_BYTES,
        });
    }
    let doc = json::parse_py(bytes).map_err(VerdictRejection::Unreadable)?;
    let wrapper = doc.as_object().ok_or(VerdictRejection::NotAnObject)?;

    // `data` falsy (missing included) means no entries and canonical bytes `[]`.
    let data = wrapper.get("data").filter(|d| d.is_truthy());
    let entries = match data {
        None => Vec::new(),
        Some(d) => collect_entries(d)?,
    };

    let signature = check_signature(wrapper.get("signature"), producer, data)?;
    Ok(AcceptedV1 { entries, signature })
}

fn collect_entries(data: &PyValue) -> Result<Vec<(String, bool)>, VerdictRejection> {
    let items = data.as_array().ok_or(VerdictRejection::DataNotArray)?;
    let mut entries = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let entry = item
            .as_object()
            .ok_or(VerdictRejection::EntryNotObject { index })?;
        // A falsy hotkey is skipped; a truthy non-string one is ignored (§5.1).
        let hotkey = match entry.get("hotkey") {
            Some(PyValue::Str(s)) if !s.is_empty() => match s.as_str() {
                Some(s) => s.to_owned(),
                None => s.to_string(),
            },
            _ => continue,
        };
        let passed = entry.get("passed").is_some_and(PyValue::is_truthy);
        entries.push((hotkey, passed));
    }
    Ok(entries)
}

fn check_signature(
    sig: Option<&PyValue>,
    producer: &str,
    data: Option<&PyValue>,
) -> Result<SignatureCheck, VerdictRejection> {
    let sig = match sig {
        Some(s) if s.is_truthy() => s,
        _ => return Ok(SignatureCheck::Missing),
    };
    let PyValue::Str(sig) = sig else {
        return Ok(SignatureCheck::NotAString);
    };
    // A string with lone surrogates is a Python str that `bytes.fromhex` rejects.
    let Some(sig) = sig.as_str() else {
        return Ok(SignatureCheck::NotHex);
    };
    let sig = match decode_signature_lenient(sig) {
        Ok(sig) => sig,
        Err(LenientDecodeError::NotHex) => return Ok(SignatureCheck::NotHex),
        Err(LenientDecodeError::WrongLength(n)) => return Ok(SignatureCheck::WrongLength(n)),
    };
    let Ok(producer) = Hotkey::parse(producer) else {
        return Ok(SignatureCheck::ProducerNotSs58);
    };
    let digest = match data {
        Some(d) => sha256(json::encode(d, Style::Canon).as_bytes()),
        None => sha256(b"[]"),
    };
    verify_sr25519_form(producer.public_key(), &digest, &sig)
        .map(SignatureCheck::Verified)
        .ok_or(VerdictRejection::BadSignature)
}
