//! Verdict file v1 (SPEC §3.7): entries, canonical signing bytes and the signed writer.

use std::collections::BTreeSet;

use super::{VerdictStatus, sha256};
use crate::Error;
use crate::json::{self, PyObject, PyValue, Style};
use crate::signature::{SignatureHex, Signer};

/// One v1 verdict entry (SPEC §3.7), keys written in field order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerdictEntryV1 {
    /// Miner hotkey.
    pub hotkey: String,
    /// Judge verdict.
    pub passed: bool,
    /// `passed` or `failed`, consistent with `passed`.
    pub status: VerdictStatus,
    /// Judge confidence, 0–100.
    pub confidence: i64,
    /// §8.5 reasoning string.
    pub reasoning: String,
    /// Miner latency, ≥ 0.
    pub latency_ms: i64,
    /// Always `"[]"` in practice (§8.5).
    pub original_artifacts: String,
    /// §8.5 `PyDefault` artifacts string.
    pub generated_artifacts: String,
    /// Always `"single-video benchmark"` in practice.
    pub presentation_order: String,
}

impl VerdictEntryV1 {
    /// The entry as a Python dict, keys in the §3.7 order.
    pub fn to_py(&self) -> PyValue {
        let mut o = PyObject::new();
        o.insert("hotkey", self.hotkey.as_str());
        o.insert("passed", self.passed);
        o.insert("status", self.status.as_str());
        o.insert("confidence", self.confidence);
        o.insert("reasoning", self.reasoning.as_str());
        o.insert("latency_ms", self.latency_ms);
        o.insert("original_artifacts", self.original_artifacts.as_str());
        o.insert("generated_artifacts", self.generated_artifacts.as_str());
        o.insert("presentation_order", self.presentation_order.as_str());
        PyValue::Object(o)
    }

    fn check(&self) -> Result<(), String> {
        if self.status == VerdictStatus::NotEvaluated {
            return Err("status not_evaluated does not exist in v1".into());
        }
        if self.passed != (self.status == VerdictStatus::Passed) {
            return Err(format!(
                "passed={} contradicts status {}",
                self.passed, self.status
            ));
        }
        if !(0..=100).contains(&self.confidence) {
            return Err(format!("confidence {} is outside 0..=100", self.confidence));
        }
        if self.latency_ms < 0 {
            return Err(format!("latency_ms {} is negative", self.latency_ms));
        }
        Ok(())
    }
}

/// `PyCanon(list of entries)`: the bytes a v1 signature covers (entries in the given order).
pub fn canonical_bytes_v1(entries: &[VerdictEntryV1]) -> Vec<u8> {
    let list = PyValue::Array(entries.iter().map(VerdictEntryV1::to_py).collect());
    json::encode(&list, Style::Canon).into_bytes()
}

/// `SHA-256(canonical_bytes_v1(entries))`: the 32 bytes a v1 producer signs.
pub fn signing_digest_v1(entries: &[VerdictEntryV1]) -> [u8; 32] {
    sha256(&canonical_bytes_v1(entries))
}

/// A signed v1 verdict file (SPEC §3.7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerdictFileV1 {
    /// Signature over [`signing_digest_v1`] of `data`.
    pub signature: SignatureHex,
    /// Entries sorted by hotkey.
    pub data: Vec<VerdictEntryV1>,
}

impl VerdictFileV1 {
    /// Sorts `entries` by hotkey (§7.9), checks them (non-empty, unique hotkeys, status
    /// consistent with `passed`, confidence 0–100, latency ≥ 0) and signs them.
    pub fn signed(mut entries: Vec<VerdictEntryV1>, signer: &dyn Signer) -> Result<Self, Error> {
        if entries.is_empty() {
            return Err(Error::invalid(
                "verdict file v1",
                "no entries (such a file is never uploaded)",
            ));
        }
        entries.sort_by(|a, b| a.hotkey.cmp(&b.hotkey));
        let mut seen = BTreeSet::new();
        for entry in &entries {
            if !seen.insert(entry.hotkey.as_str()) {
                return Err(Error::invalid(
                    "verdict file v1",
                    format!("duplicate hotkey {}", entry.hotkey),
                ));
            }
            entry.check().map_err(|reason| {
                Error::invalid(
                    "verdict file v1",
                    format!("entry {}: {reason}", entry.hotkey),
                )
            })?;
        }
        let signature = SignatureHex::sign(signer, &signing_digest_v1(&entries));
        Ok(VerdictFileV1 {
            signature,
            data: entries,
        })
    }

    /// The canonical bytes the signature covers.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        canonical_bytes_v1(&self.data)
    }

    /// The object body: `PyPretty({"signature": …, "data": […]})`.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut o = PyObject::new();
        o.insert("signature", self.signature.to_string());
        o.insert(
            "data",
            PyValue::Array(self.data.iter().map(VerdictEntryV1::to_py).collect()),
        );
        json::encode(&PyValue::Object(o), Style::Pretty).into_bytes()
    }
}
