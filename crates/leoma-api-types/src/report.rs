//! The miner report body of `POST /miners/report` (SPEC §3.9, §9.5): built and encoded by the
//! validator, deserialized and validated by the owner-api.

use std::collections::BTreeSet;

use crate::json::{self, PyObject, PyValue, Style};
use crate::owner_api::{BodyRejection, ValidationIssue, detail};
use crate::{Error, Hotkey};

/// Most entries one report may carry.
pub const MAX_REPORT_MINERS: usize = 2048;

/// Longest `miner_hotkey` the owner-api schema accepts.
pub const MINER_HOTKEY_MAX_CHARS: usize = 64;

/// One validated miner as a validator saw it (SPEC §3.9). On the wire, empty strings and block 0
/// are sent as null.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MinerReportEntry {
    /// Metagraph uid.
    pub uid: i64,
    /// Miner hotkey (SS58).
    pub miner_hotkey: String,
    /// Committed HuggingFace repo.
    #[serde(default)]
    pub model_name: Option<String>,
    /// Committed revision.
    #[serde(default)]
    pub model_revision: Option<String>,
    /// Weight hash (§6.5).
    #[serde(default)]
    pub model_hash: Option<String>,
    /// Committed chute id.
    #[serde(default)]
    pub chute_id: Option<String>,
    /// Chute slug, when known.
    #[serde(default)]
    pub chute_slug: Option<String>,
    /// Reveal block of the commitment.
    #[serde(default)]
    pub block: Option<i64>,
    /// Whether the miner passed validation.
    #[serde(default)]
    pub is_valid: bool,
    /// A §6.7 reason when invalid.
    #[serde(default)]
    pub invalid_reason: Option<String>,
}

fn non_empty(s: &Option<String>) -> PyValue {
    match s.as_deref() {
        Some(s) if !s.is_empty() => PyValue::from(s),
        _ => PyValue::Null,
    }
}

impl MinerReportEntry {
    /// The entry as sent, keys in §3.9 order, empty strings and block 0 as null.
    pub fn to_py(&self) -> PyValue {
        let mut o = PyObject::new();
        o.insert("uid", self.uid);
        o.insert("miner_hotkey", self.miner_hotkey.as_str());
        o.insert("model_name", non_empty(&self.model_name));
        o.insert("model_revision", non_empty(&self.model_revision));
        o.insert("model_hash", non_empty(&self.model_hash));
        o.insert("chute_id", non_empty(&self.chute_id));
        o.insert("chute_slug", non_empty(&self.chute_slug));
        o.insert("block", self.block.filter(|b| *b != 0));
        o.insert("is_valid", self.is_valid);
        o.insert("invalid_reason", non_empty(&self.invalid_reason));
        PyValue::Object(o)
    }
}

/// The whole report: `{"miners": [...]}` in metagraph order.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct MinerReport {
    /// One entry per validated miner.
    pub miners: Vec<MinerReportEntry>,
}

impl MinerReport {
    /// The request body: `PyDefault({"miners": [...]})`. More than 2048 entries is an error.
    pub fn to_bytes(&self) -> Result<Vec<u8>, Error> {
        if self.miners.len() > MAX_REPORT_MINERS {
            return Err(Error::invalid(
                "miner report",
                format!("{} entries, at most {MAX_REPORT_MINERS}", self.miners.len()),
            ));
        }
        let mut o = PyObject::new();
        o.insert(
            "miners",
            PyValue::Array(self.miners.iter().map(MinerReportEntry::to_py).collect()),
        );
        Ok(json::encode(&PyValue::Object(o), Style::Default).into_bytes())
    }

    /// The owner-api's checks after deserialization (SPEC §9.5), in order: schema limits (422),
    /// `Too many miners (max 2048)`, `Invalid SS58 address format`,
    /// `Duplicate miner_hotkey in report` (all 400).
    pub fn validate(&self) -> Result<(), BodyRejection> {
        let issues: Vec<ValidationIssue> = self
            .miners
            .iter()
            .enumerate()
            .filter_map(|(i, m)| {
                ValidationIssue::too_long(
                    &["body", "miners"],
                    Some(i),
                    "miner_hotkey",
                    &m.miner_hotkey,
                    MINER_HOTKEY_MAX_CHARS,
                )
            })
            .collect();
        if !issues.is_empty() {
            return Err(BodyRejection::Unprocessable(issues));
        }
        if self.miners.len() > MAX_REPORT_MINERS {
            return Err(BodyRejection::BadRequest(detail::TOO_MANY_MINERS));
        }
        if self
            .miners
            .iter()
            .any(|m| Hotkey::parse(&m.miner_hotkey).is_err())
        {
            return Err(BodyRejection::BadRequest(detail::INVALID_SS58));
        }
        let mut seen = BTreeSet::new();
        if !self
            .miners
            .iter()
            .all(|m| seen.insert(m.miner_hotkey.as_str()))
        {
            return Err(BodyRejection::BadRequest(detail::DUPLICATE_MINER_IN_REPORT));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALICE: &str = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
    const BOB: &str = "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty";

    fn entry(hotkey: &str) -> MinerReportEntry {
        MinerReportEntry {
            uid: 3,
            miner_hotkey: hotkey.into(),
            model_name: Some("alice/leoma-x".into()),
            model_revision: Some(String::new()),
            model_hash: None,
            chute_id: Some("c".into()),
            chute_slug: Some(String::new()),
            block: Some(0),
            is_valid: false,
            invalid_reason: Some("chute_not_running".into()),
        }
    }

    #[test]
    fn body_is_py_default_with_nulls_for_empty_and_block_zero() {
        let report = MinerReport {
            miners: vec![entry(ALICE)],
        };
        let body = String::from_utf8(report.to_bytes().unwrap()).unwrap();
        assert_eq!(
            body,
            format!(
                "{{\"miners\": [{{\"uid\": 3, \"miner_hotkey\": \"{ALICE}\", \"model_name\": \"alice/leoma-x\", \
                 \"model_revision\": null, \"model_hash\": null, \"chute_id\": \"c\", \"chute_slug\": null, \
                 \"block\": null, \"is_valid\": false, \"invalid_reason\": \"chute_not_running\"}}]}}"
            )
        );
        let mut with_block = entry(ALICE);
        with_block.block = Some(4_000_123);
        assert!(
            String::from_utf8(
                MinerReport {
                    miners: vec![with_block]
                }
                .to_bytes()
                .unwrap()
            )
            .unwrap()
            .contains("\"block\": 4000123")
        );
    }

    #[test]
    fn at_most_2048_entries() {
        let full = MinerReport {
            miners: vec![entry(ALICE); MAX_REPORT_MINERS],
        };
        assert!(full.to_bytes().is_ok());
        let over = MinerReport {
            miners: vec![entry(ALICE); MAX_REPORT_MINERS + 1],
        };
        assert!(over.to_bytes().is_err());
        assert_eq!(
            over.validate(),
            Err(BodyRejection::BadRequest("Too many miners (max 2048)"))
        );
    }

    #[test]
    fn server_side_deserializes_defaults() {
        let r: MinerReport = serde_json::from_str(&format!(
            r#"{{"miners": [{{"uid": 1, "miner_hotkey": "{ALICE}"}}]}}"#
        ))
        .unwrap();
        assert!(!r.miners[0].is_valid);
        assert_eq!(r.miners[0].block, None);
        assert_eq!(r.validate(), Ok(()));
    }

    #[test]
    fn server_side_rejections_use_exact_strings() {
        let bad = MinerReport {
            miners: vec![
                entry(ALICE),
                entry("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQZ"),
            ],
        };
        assert_eq!(
            bad.validate(),
            Err(BodyRejection::BadRequest("Invalid SS58 address format"))
        );
        let dup = MinerReport {
            miners: vec![entry(ALICE), entry(BOB), entry(ALICE)],
        };
        assert_eq!(
            dup.validate(),
            Err(BodyRejection::BadRequest(
                "Duplicate miner_hotkey in report"
            ))
        );
        let long = MinerReport {
            miners: vec![entry(&"5".repeat(65))],
        };
        match long.validate() {
            Err(BodyRejection::Unprocessable(issues)) => {
                assert_eq!(issues.len(), 1);
                assert_eq!(issues[0].kind, "string_too_long");
            }
            other => panic!("{other:?}"),
        }
    }
}
