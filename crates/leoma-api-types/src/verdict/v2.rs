//! Verdict file v2 (SPEC §3.8): entries with status and reason, canonical signing bytes over
//! `{data, task_id, validator_hotkey}`, and the signed writer.

use super::{VerdictStatus, sha256};
use crate::json::{self, PyObject, PyStr, PyValue, Style};
use crate::reason::VerdictReason;
use crate::signature::{SignatureHex, Signer};
use crate::{Error, Hotkey, TaskId};

/// One v2 verdict entry (SPEC §3.8), keys written in field order.
///
/// Nullability follows the §3.8 table: an entry without a `reason` was judged and carries every
/// field; an entry with a `reason` may leave `confidence`, `latency_ms` and the artifacts null.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerdictEntryV2 {
    /// Miner hotkey.
    pub hotkey: String,
    /// `status == Passed`.
    pub passed: bool,
    /// Outcome.
    pub status: VerdictStatus,
    /// `None` when judged; a §7.9 code otherwise (required for `NotEvaluated`).
    pub reason: Option<VerdictReason>,
    /// Judge confidence 0–100, if judged.
    pub confidence: Option<i64>,
    /// §8.5 reasoning, or a short text for an unjudged entry.
    pub reasoning: String,
    /// Miner latency (≥ 0), if the miner answered.
    pub latency_ms: Option<i64>,
    /// `"[]"` when judged.
    pub original_artifacts: Option<String>,
    /// §8.5 artifacts string when judged.
    pub generated_artifacts: Option<String>,
    /// `"single-video benchmark"`.
    pub presentation_order: String,
}

impl VerdictEntryV2 {
    /// The entry as a Python dict, keys in the §3.8 order.
    pub fn to_py(&self) -> PyValue {
        let mut o = PyObject::new();
        o.insert("hotkey", self.hotkey.as_str());
        o.insert("passed", self.passed);
        o.insert("status", self.status.as_str());
        o.insert("reason", self.reason.as_ref().map(ToString::to_string));
        o.insert("confidence", self.confidence);
        o.insert("reasoning", self.reasoning.as_str());
        o.insert("latency_ms", self.latency_ms);
        o.insert("original_artifacts", self.original_artifacts.as_deref());
        o.insert("generated_artifacts", self.generated_artifacts.as_deref());
        o.insert("presentation_order", self.presentation_order.as_str());
        PyValue::Object(o)
    }

    /// Checks the §3.8 table: `passed == (status == passed)`; passed entries have no reason;
    /// failed entries have no reason or a miner-attributable one; not_evaluated entries have a
    /// producer-failure reason; judged entries (no reason) carry every field; confidence 0–100;
    /// latency ≥ 0.
    pub fn check(&self) -> Result<(), String> {
        if self.passed != (self.status == VerdictStatus::Passed) {
            return Err(format!(
                "passed={} contradicts status {}",
                self.passed, self.status
            ));
        }
        match (self.status, &self.reason) {
            (VerdictStatus::Passed, Some(r)) => {
                return Err(format!("status passed must have a null reason, found {r}"));
            }
            (VerdictStatus::Failed, Some(r)) if r.is_producer_failure() => {
                return Err(format!("status failed with producer-failure reason {r}"));
            }
            (VerdictStatus::NotEvaluated, None) => {
                return Err("status not_evaluated requires a reason".into());
            }
            (VerdictStatus::NotEvaluated, Some(r)) if !r.is_producer_failure() => {
                return Err(format!("status not_evaluated with non-producer reason {r}"));
            }
            _ => {}
        }
        if self.reason.is_none() {
            let missing = [
                ("confidence", self.confidence.is_none()),
                ("latency_ms", self.latency_ms.is_none()),
                ("original_artifacts", self.original_artifacts.is_none()),
                ("generated_artifacts", self.generated_artifacts.is_none()),
            ];
            if let Some((key, _)) = missing.iter().find(|(_, m)| *m) {
                return Err(format!("judged entry has null {key}"));
            }
        }
        if let Some(c) = self.confidence.filter(|c| !(0..=100).contains(c)) {
            return Err(format!("confidence {c} is outside 0..=100"));
        }
        if let Some(l) = self.latency_ms.filter(|l| *l < 0) {
            return Err(format!("latency_ms {l} is negative"));
        }
        Ok(())
    }
}

/// `PyCanon({"data": data, "task_id": task_id, "validator_hotkey": validator_hotkey})`: the bytes
/// a v2 signature covers. `data` is taken as given (the parsed list for a reader).
pub fn canonical_bytes_v2(data: &PyValue, task_id: TaskId, validator_hotkey: &str) -> Vec<u8> {
    // Sorted keys are data < task_id < validator_hotkey, so the object can be written around the
    // encoded list without copying it into a dict.
    let mut out = String::from("{\"data\": ");
    json::encode_into(data, Style::Canon, &mut out);
    out.push_str(", \"task_id\": ");
    out.push_str(&task_id.0.to_string());
    out.push_str(", \"validator_hotkey\": ");
    json::encode_into(
        &PyValue::Str(PyStr::from(validator_hotkey)),
        Style::Canon,
        &mut out,
    );
    out.push('}');
    out.into_bytes()
}

/// A signed v2 verdict file (SPEC §3.8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerdictFileV2 {
    /// The task the file is for.
    pub task_id: TaskId,
    /// The producer.
    pub validator_hotkey: Hotkey,
    /// Signature by the producer over [`VerdictFileV2::signing_digest`].
    pub signature: SignatureHex,
    /// Entries, non-empty, strictly ascending by hotkey.
    pub data: Vec<VerdictEntryV2>,
}

impl VerdictFileV2 {
    /// Sorts `data` by hotkey, checks it (non-empty, unique hotkeys, every entry per
    /// [`VerdictEntryV2::check`]) and signs it with `signer`, which must hold
    /// `validator_hotkey`'s key.
    pub fn signed(
        task_id: TaskId,
        validator_hotkey: Hotkey,
        mut data: Vec<VerdictEntryV2>,
        signer: &dyn Signer,
    ) -> Result<Self, Error> {
        const WHAT: &str = "verdict file v2";
        if signer.public_key() != *validator_hotkey.public_key() {
            return Err(Error::invalid(
                WHAT,
                "signer does not hold the validator hotkey",
            ));
        }
        if data.is_empty() {
            return Err(Error::invalid(WHAT, "data is empty"));
        }
        data.sort_by(|a, b| a.hotkey.cmp(&b.hotkey));
        if let Some(dup) = data.windows(2).find_map(|pair| match pair {
            [a, b] if a.hotkey == b.hotkey => Some(&a.hotkey),
            _ => None,
        }) {
            return Err(Error::invalid(WHAT, format!("duplicate hotkey {dup}")));
        }
        for entry in &data {
            entry.check().map_err(|reason| {
                Error::invalid(WHAT, format!("entry {}: {reason}", entry.hotkey))
            })?;
        }
        let mut file = VerdictFileV2 {
            task_id,
            validator_hotkey,
            signature: SignatureHex::from_bytes([0; 64]),
            data,
        };
        file.signature = SignatureHex::sign(signer, &file.signing_digest());
        Ok(file)
    }

    fn data_py(&self) -> PyValue {
        PyValue::Array(self.data.iter().map(VerdictEntryV2::to_py).collect())
    }

    /// The canonical bytes the signature covers.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        canonical_bytes_v2(
            &self.data_py(),
            self.task_id,
            self.validator_hotkey.as_str(),
        )
    }

    /// `SHA-256` of [`VerdictFileV2::canonical_bytes`].
    pub fn signing_digest(&self) -> [u8; 32] {
        sha256(&self.canonical_bytes())
    }

    /// Whether the signature verifies for `validator_hotkey` (raw or `<Bytes>`-wrapped digest).
    pub fn verifies(&self) -> bool {
        self.signature
            .verifies(self.validator_hotkey.public_key(), &self.signing_digest())
    }

    /// The object body: `PyPretty({"version": 2, "task_id", "validator_hotkey", "signature",
    /// "data"})`.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut o = PyObject::new();
        o.insert("version", 2i64);
        o.insert("task_id", self.task_id.0);
        o.insert("validator_hotkey", self.validator_hotkey.as_str());
        o.insert("signature", self.signature.to_string());
        o.insert("data", self.data_py());
        json::encode(&PyValue::Object(o), Style::Pretty).into_bytes()
    }
}
