//! The v2 reader (SPEC §5.6): a file is accepted only if it is strict JSON with exactly the v2
//! keys, names the expected task and producer, carries a valid signature and well-typed entries.

use super::v2::canonical_bytes_v2;
use super::{
    VERDICT_FILE_MAX_BYTES, VerdictEntryV2, VerdictFileV2, VerdictRejection, VerdictStatus, sha256,
};
use crate::json::{self, PyInt, PyObject, PyValue};
use crate::reason::VerdictReason;
use crate::signature::SignatureHex;
use crate::{Hotkey, TaskId};

const WRAPPER_KEYS: [&str; 5] = [
    "version",
    "task_id",
    "validator_hotkey",
    "signature",
    "data",
];

/// Decides whether a v2 verdict file fetched for `task_id` from `producer` is accepted
/// (SPEC §5.6, plus §3.8's "sorted by hotkey") and returns it typed.
pub fn accept_v2(
    bytes: &[u8],
    task_id: TaskId,
    producer: &Hotkey,
) -> Result<VerdictFileV2, VerdictRejection> {
    if bytes.len() > VERDICT_FILE_MAX_BYTES {
        return Err(VerdictRejection::Oversized {
            size: bytes.len(),
            max: VERDICT_FILE_MAX_BYTES,
        });
    }
    let doc = json::parse_strict(bytes).map_err(VerdictRejection::Unreadable)?;
    let wrapper = doc.as_object().ok_or(VerdictRejection::NotAnObject)?;
    check_key_set(wrapper)?;

    if wrapper.get("version").and_then(PyValue::as_i64) != Some(2) {
        return Err(VerdictRejection::WrongVersion);
    }
    let task_ok = match wrapper.get("task_id") {
        Some(PyValue::Int(PyInt::Small(t))) => u64::try_from(*t).ok() == Some(task_id.0),
        Some(PyValue::Int(PyInt::Big(t))) => u64::try_from(t).ok() == Some(task_id.0),
        _ => false,
    };
    if !task_ok {
        return Err(VerdictRejection::TaskIdMismatch {
            expected: task_id.0,
        });
    }
    if wrapper.get("validator_hotkey").and_then(PyValue::as_str) != Some(producer.as_str()) {
        return Err(VerdictRejection::ProducerMismatch {
            expected: producer.as_str().to_owned(),
        });
    }
    let signature = wrapper
        .get("signature")
        .and_then(PyValue::as_str)
        .and_then(|s| SignatureHex::parse(s).ok())
        .ok_or(VerdictRejection::SignatureFormat)?;
    let data = wrapper.get("data").ok_or(VerdictRejection::DataNotArray)?;
    let items = data.as_array().ok_or(VerdictRejection::DataNotArray)?;
    if items.is_empty() {
        return Err(VerdictRejection::EmptyData);
    }

    let digest = sha256(&canonical_bytes_v2(data, task_id, producer.as_str()));
    if !signature.verifies(producer.public_key(), &digest) {
        return Err(VerdictRejection::BadSignature);
    }

    let mut entries: Vec<VerdictEntryV2> = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let entry = parse_entry(index, item)?;
        if let Some(prev) = entries.last() {
            if prev.hotkey == entry.hotkey {
                return Err(VerdictRejection::DuplicateHotkey { index });
            }
            if prev.hotkey > entry.hotkey {
                return Err(VerdictRejection::NotSorted { index });
            }
        }
        entries.push(entry);
    }
    Ok(VerdictFileV2 {
        task_id,
        validator_hotkey: producer.clone(),
        signature,
        data: entries,
    })
}

fn check_key_set(wrapper: &PyObject) -> Result<(), VerdictRejection> {
    let extra: Vec<String> = wrapper
        .iter()
        .filter(|(k, _)| !k.as_str().is_some_and(|k| WRAPPER_KEYS.contains(&k)))
        .map(|(k, _)| {
            format!(
                "unexpected {:?}",
                crate::error::truncate(&k.to_string(), 32)
            )
        })
        .collect();
    let missing = WRAPPER_KEYS
        .iter()
        .filter(|k| wrapper.get(k).is_none())
        .map(|k| format!("missing {k:?}"));
    let problems: Vec<String> = missing.chain(extra).take(8).collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(VerdictRejection::WrongKeys(problems.join(", ")))
    }
}

/// Field access for one entry, every failure naming the key.
struct Fields<'a> {
    obj: &'a PyObject,
}

impl<'a> Fields<'a> {
    fn get(&self, key: &str) -> Result<&'a PyValue, String> {
        self.obj
            .get(key)
            .ok_or_else(|| format!("missing key `{key}`"))
    }

    fn string(&self, key: &str) -> Result<String, String> {
        self.opt_string(key)?
            .ok_or_else(|| format!("`{key}` must be a string, found null"))
    }

    fn opt_string(&self, key: &str) -> Result<Option<String>, String> {
        match self.get(key)? {
            PyValue::Null => Ok(None),
            PyValue::Str(s) => s
                .as_str()
                .map(|s| Some(s.to_owned()))
                .ok_or_else(|| format!("`{key}` holds a lone surrogate")),
            _ => Err(format!("`{key}` must be a string")),
        }
    }

    fn opt_int(&self, key: &str) -> Result<Option<i64>, String> {
        match self.get(key)? {
            PyValue::Null => Ok(None),
            PyValue::Int(i) => i
                .as_i64()
                .map(Some)
                .ok_or_else(|| format!("`{key}` is out of range")),
            _ => Err(format!("`{key}` must be an integer or null")),
        }
    }

    fn bool(&self, key: &str) -> Result<bool, String> {
        match self.get(key)? {
            PyValue::Bool(b) => Ok(*b),
            _ => Err(format!("`{key}` must be a boolean")),
        }
    }
}

fn parse_entry(index: usize, item: &PyValue) -> Result<VerdictEntryV2, VerdictRejection> {
    let obj = item
        .as_object()
        .ok_or(VerdictRejection::EntryNotObject { index })?;
    let invalid = |reason: String| VerdictRejection::InvalidEntry { index, reason };
    let f = Fields { obj };
    let status = VerdictStatus::parse(&f.string("status").map_err(invalid)?)
        .map_err(|e| invalid(e.to_string()))?;
    let reason = match f.opt_string("reason").map_err(invalid)? {
        None => None,
        Some(code) => {
            Some(VerdictReason::parse(&code).map_err(|e| invalid(format!("`reason`: {e}")))?)
        }
    };
    let entry = VerdictEntryV2 {
        hotkey: f.string("hotkey").map_err(invalid)?,
        passed: f.bool("passed").map_err(invalid)?,
        status,
        reason,
        confidence: f.opt_int("confidence").map_err(invalid)?,
        reasoning: f.string("reasoning").map_err(invalid)?,
        latency_ms: f.opt_int("latency_ms").map_err(invalid)?,
        original_artifacts: f.opt_string("original_artifacts").map_err(invalid)?,
        generated_artifacts: f.opt_string("generated_artifacts").map_err(invalid)?,
        presentation_order: f.string("presentation_order").map_err(invalid)?,
    };
    entry.check().map_err(invalid)?;
    Ok(entry)
}
