//! The sample dual-report (SPEC §3.10, §7.10, §9.5, §9.5.1): the validator turns its verdict
//! entries into `POST /samples/batch` bodies of at most 100 samples, each signed over exactly the
//! entries it carries; the owner-api checks the body limits and verifies the signature by
//! rebuilding the verdict entries from the batch.

use crate::json::{self, PyObject, PyValue, Style};
use crate::owner_api::{BodyRejection, ValidationIssue, detail};
use crate::signature::{SignatureHex, Signer, decode_signature_lenient, verify_sr25519};
use crate::verdict::{VerdictEntryV1, VerdictEntryV2, VerdictFileV1, VerdictFileV2, VerdictStatus};
use crate::{Hotkey, TaskId};

/// Most samples one batch may carry.
pub const MAX_BATCH_SAMPLES: usize = 100;

/// `prompt` and `reasoning` limit, in characters; the API copy is truncated to it.
pub const TEXT_MAX_CHARS: usize = 4096;

/// `original_artifacts` / `generated_artifacts` limit.
pub const ARTIFACTS_MAX_CHARS: usize = 8192;

/// Largest task id the owner-api stores (a 32-bit column).
pub const MAX_TASK_ID: i64 = (1 << 31) - 1;

/// One sample: a verdict entry plus where its media live (SPEC §3.10, §9.5).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SampleSubmission {
    /// Task id.
    pub task_id: i64,
    /// Miner hotkey (SS58, ≤ 48).
    pub miner_hotkey: String,
    /// Producer's own bucket (≤ 255).
    pub s3_bucket: String,
    /// `"<rid>"` (≤ 512).
    pub s3_prefix: String,
    /// Verdict.
    pub passed: bool,
    /// Description (≤ 4096).
    pub prompt: String,
    /// 0–100.
    #[serde(default)]
    pub confidence: Option<i64>,
    /// ≤ 4096.
    #[serde(default)]
    pub reasoning: Option<String>,
    /// ≥ 0.
    #[serde(default)]
    pub latency_ms: Option<i64>,
    /// ≤ 8192.
    #[serde(default)]
    pub original_artifacts: Option<String>,
    /// ≤ 8192.
    #[serde(default)]
    pub generated_artifacts: Option<String>,
    /// ≤ 64.
    #[serde(default)]
    pub presentation_order: Option<String>,
    /// Rust addition (v2): entry status (≤ 16).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Rust addition (v2): entry reason (≤ 128).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// `POST /samples` only: a signature to store (≤ 256).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evaluation_signature: Option<String>,
}

fn truncate_chars(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => s[..i].to_owned(),
        None => s.to_owned(),
    }
}

impl SampleSubmission {
    /// The sample as sent, keys in §3.10 order; `status` and `reason` only when `status` is
    /// set (v2), `evaluation_signature` only when set.
    pub fn to_py(&self) -> PyValue {
        let mut o = PyObject::new();
        o.insert("task_id", self.task_id);
        o.insert("miner_hotkey", self.miner_hotkey.as_str());
        o.insert("s3_bucket", self.s3_bucket.as_str());
        o.insert("s3_prefix", self.s3_prefix.as_str());
        o.insert("passed", self.passed);
        o.insert("prompt", self.prompt.as_str());
        o.insert("confidence", self.confidence);
        o.insert("reasoning", self.reasoning.as_deref());
        o.insert("latency_ms", self.latency_ms);
        o.insert("original_artifacts", self.original_artifacts.as_deref());
        o.insert("generated_artifacts", self.generated_artifacts.as_deref());
        o.insert("presentation_order", self.presentation_order.as_deref());
        if self.status.is_some() {
            o.insert("status", self.status.as_deref());
            o.insert("reason", self.reason.as_deref());
        }
        if let Some(sig) = &self.evaluation_signature {
            o.insert("evaluation_signature", sig.as_str());
        }
        PyValue::Object(o)
    }

    /// Schema limits as 422 issues under `loc_prefix` (for example `["body", "samples"]` with
    /// the sample's index).
    pub fn schema_issues(&self, prefix: &[&str], index: Option<usize>) -> Vec<ValidationIssue> {
        let long = |field: &str, v: Option<&str>, max: usize| {
            v.and_then(|v| ValidationIssue::too_long(prefix, index, field, v, max))
        };
        [
            long("miner_hotkey", Some(&self.miner_hotkey), 48),
            long("prompt", Some(&self.prompt), TEXT_MAX_CHARS),
            long("s3_bucket", Some(&self.s3_bucket), 255),
            long("s3_prefix", Some(&self.s3_prefix), 512),
            self.confidence
                .and_then(|c| ValidationIssue::below(prefix, index, "confidence", c as f64, 0.0)),
            self.confidence
                .and_then(|c| ValidationIssue::above(prefix, index, "confidence", c as f64, 100.0)),
            long("reasoning", self.reasoning.as_deref(), TEXT_MAX_CHARS),
            self.latency_ms
                .and_then(|l| ValidationIssue::below(prefix, index, "latency_ms", l as f64, 0.0)),
            long(
                "original_artifacts",
                self.original_artifacts.as_deref(),
                ARTIFACTS_MAX_CHARS,
            ),
            long(
                "generated_artifacts",
                self.generated_artifacts.as_deref(),
                ARTIFACTS_MAX_CHARS,
            ),
            long("presentation_order", self.presentation_order.as_deref(), 64),
            long(
                "evaluation_signature",
                self.evaluation_signature.as_deref(),
                256,
            ),
            long("status", self.status.as_deref(), 16),
            long("reason", self.reason.as_deref(), 128),
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    /// `POST /samples` checks: schema limits (422), then SS58 (400).
    pub fn validate(&self) -> Result<(), BodyRejection> {
        let issues = self.schema_issues(&["body"], None);
        if !issues.is_empty() {
            return Err(BodyRejection::Unprocessable(issues));
        }
        if Hotkey::parse(&self.miner_hotkey).is_err() {
            return Err(BodyRejection::BadRequest(detail::INVALID_SS58));
        }
        Ok(())
    }

    /// Rust check S7: `0 ≤ task_id ≤ current_rotation_index + 1` and `task_id ≤ 2^31 − 1`.
    pub fn check_task_id(&self, current_rotation_index: u64) -> Result<(), BodyRejection> {
        let in_range = u64::try_from(self.task_id)
            .is_ok_and(|t| t <= current_rotation_index.saturating_add(1))
            && self.task_id <= MAX_TASK_ID;
        if in_range {
            Ok(())
        } else {
            Err(BodyRejection::BadRequest(detail::TASK_ID_OUT_OF_RANGE))
        }
    }

    /// The v1 verdict entry this sample stands for (§9.5.1), with absent values as null.
    pub fn rebuild_v1_entry(&self) -> PyValue {
        let mut o = PyObject::new();
        o.insert("hotkey", self.miner_hotkey.as_str());
        o.insert("passed", self.passed);
        o.insert("status", VerdictStatus::of_passed(self.passed).as_str());
        self.insert_tail(&mut o);
        PyValue::Object(o)
    }

    /// The v2 verdict entry this sample stands for (§9.5.1), with absent values as null.
    pub fn rebuild_v2_entry(&self) -> PyValue {
        let mut o = PyObject::new();
        o.insert("hotkey", self.miner_hotkey.as_str());
        o.insert("passed", self.passed);
        o.insert("status", self.status.as_deref());
        o.insert("reason", self.reason.as_deref());
        self.insert_tail(&mut o);
        PyValue::Object(o)
    }

    fn insert_tail(&self, o: &mut PyObject) {
        o.insert("confidence", self.confidence);
        o.insert("reasoning", self.reasoning.as_deref());
        o.insert("latency_ms", self.latency_ms);
        o.insert("original_artifacts", self.original_artifacts.as_deref());
        o.insert("generated_artifacts", self.generated_artifacts.as_deref());
        o.insert("presentation_order", self.presentation_order.as_deref());
    }
}

/// Which scheme a batch signature verified under (§9.5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchScheme {
    /// `PyCanon(list of v1 entries)`.
    V1,
    /// `PyCanon({data, task_id, validator_hotkey})`.
    V2,
}

/// The body of `POST /samples/batch`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SampleBatch {
    /// At most 100 samples.
    pub samples: Vec<SampleSubmission>,
    /// Verdict signature over exactly these samples' entries (≤ 256).
    #[serde(default)]
    pub signature: Option<String>,
}

impl SampleBatch {
    /// The request body: `PyDefault({"samples": [...], "signature": ...})` (`signature` omitted
    /// when absent).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut o = PyObject::new();
        o.insert(
            "samples",
            PyValue::Array(self.samples.iter().map(SampleSubmission::to_py).collect()),
        );
        if let Some(sig) = &self.signature {
            o.insert("signature", sig.as_str());
        }
        json::encode(&PyValue::Object(o), Style::Default).into_bytes()
    }

    /// The owner-api's body checks (SPEC §9.5), in order: schema limits (422), then 400
    /// `Batch size exceeds limit of 100 samples`, `Invalid SS58 address format`,
    /// `When signature is provided, all samples must have the same task_id`.
    pub fn validate(&self) -> Result<(), BodyRejection> {
        let mut issues: Vec<ValidationIssue> = self
            .samples
            .iter()
            .enumerate()
            .flat_map(|(i, s)| s.schema_issues(&["body", "samples"], Some(i)))
            .collect();
        if let Some(sig) = &self.signature {
            issues.extend(ValidationIssue::too_long(
                &["body"],
                None,
                "signature",
                sig,
                256,
            ));
        }
        if !issues.is_empty() {
            return Err(BodyRejection::Unprocessable(issues));
        }
        if self.samples.len() > MAX_BATCH_SAMPLES {
            return Err(BodyRejection::BadRequest(detail::BATCH_TOO_LARGE));
        }
        if self
            .samples
            .iter()
            .any(|s| Hotkey::parse(&s.miner_hotkey).is_err())
        {
            return Err(BodyRejection::BadRequest(detail::INVALID_SS58));
        }
        if let (Some(_), Some(first)) = (&self.signature, self.samples.first())
            && self.samples.iter().any(|s| s.task_id != first.task_id)
        {
            return Err(BodyRejection::BadRequest(detail::BATCH_MIXED_TASK_IDS));
        }
        Ok(())
    }

    /// Rust check S7 for every sample (see [`SampleSubmission::check_task_id`]).
    pub fn check_task_ids(&self, current_rotation_index: u64) -> Result<(), BodyRejection> {
        self.samples
            .iter()
            .try_for_each(|s| s.check_task_id(current_rotation_index))
    }

    /// The v1 verdict entries the batch carries, in batch order (§9.5.1).
    pub fn rebuild_v1_entries(&self) -> Vec<PyValue> {
        self.samples
            .iter()
            .map(SampleSubmission::rebuild_v1_entry)
            .collect()
    }

    /// The v2 `data` list the batch carries, in batch order, if any sample carries a `status`.
    pub fn rebuild_v2_data(&self) -> Option<Vec<PyValue>> {
        self.samples.iter().any(|s| s.status.is_some()).then(|| {
            self.samples
                .iter()
                .map(SampleSubmission::rebuild_v2_entry)
                .collect()
        })
    }

    /// The v1 canonical bytes of the batch: `PyCanon(rebuild_v1_entries())`.
    pub fn canonical_bytes_v1(&self) -> Vec<u8> {
        json::encode(&PyValue::Array(self.rebuild_v1_entries()), Style::Canon).into_bytes()
    }

    /// The v2 canonical bytes for `validator_hotkey`, if the batch carries statuses and its
    /// (shared) task id is non-negative.
    pub fn canonical_bytes_v2(&self, validator_hotkey: &str) -> Option<Vec<u8>> {
        let data = self.rebuild_v2_data()?;
        let task_id = u64::try_from(self.samples.first()?.task_id).ok()?;
        Some(crate::verdict::canonical_bytes_v2(
            &PyValue::Array(data),
            TaskId(task_id),
            validator_hotkey,
        ))
    }

    /// §9.5.1: the scheme under which `signature` verifies for the authenticated `validator`,
    /// trying v1 first, then v2; `None` if there is no signature, it does not decode (`0x` strip
    /// and `bytes.fromhex`, 64 bytes) or it verifies under neither.
    pub fn verify_signature(&self, validator: &Hotkey) -> Option<BatchScheme> {
        let sig = decode_signature_lenient(self.signature.as_deref()?).ok()?;
        let public = validator.public_key();
        let digest_v1 = crate::verdict::sha256(&self.canonical_bytes_v1());
        if verify_sr25519(public, &digest_v1, &sig) {
            return Some(BatchScheme::V1);
        }
        let digest_v2 = crate::verdict::sha256(&self.canonical_bytes_v2(validator.as_str())?);
        verify_sr25519(public, &digest_v2, &sig).then_some(BatchScheme::V2)
    }
}

/// Where a task's samples point: the producer's bucket, the task, and the description.
#[derive(Debug, Clone, Copy)]
pub struct SampleContext<'a> {
    /// The task.
    pub task_id: TaskId,
    /// The producer's own bucket.
    pub s3_bucket: &'a str,
    /// The description sent to miners.
    pub prompt: &'a str,
}

impl SampleContext<'_> {
    fn sample(&self) -> SampleSubmission {
        SampleSubmission {
            task_id: i64::try_from(self.task_id.0).unwrap_or(i64::MAX),
            miner_hotkey: String::new(),
            s3_bucket: self.s3_bucket.to_owned(),
            s3_prefix: self.task_id.to_string(),
            passed: false,
            prompt: truncate_chars(self.prompt, TEXT_MAX_CHARS),
            confidence: None,
            reasoning: None,
            latency_ms: None,
            original_artifacts: None,
            generated_artifacts: None,
            presentation_order: None,
            status: None,
            reason: None,
            evaluation_signature: None,
        }
    }

    fn v1_sample(&self, e: &VerdictEntryV1) -> SampleSubmission {
        SampleSubmission {
            miner_hotkey: e.hotkey.clone(),
            passed: e.passed,
            confidence: Some(e.confidence),
            reasoning: Some(truncate_chars(&e.reasoning, TEXT_MAX_CHARS)),
            latency_ms: Some(e.latency_ms),
            original_artifacts: Some(e.original_artifacts.clone()),
            generated_artifacts: Some(e.generated_artifacts.clone()),
            presentation_order: Some(e.presentation_order.clone()),
            ..self.sample()
        }
    }

    fn v2_sample(&self, e: &VerdictEntryV2) -> SampleSubmission {
        SampleSubmission {
            miner_hotkey: e.hotkey.clone(),
            passed: e.passed,
            confidence: e.confidence,
            reasoning: Some(truncate_chars(&e.reasoning, TEXT_MAX_CHARS)),
            latency_ms: e.latency_ms,
            original_artifacts: e.original_artifacts.clone(),
            generated_artifacts: e.generated_artifacts.clone(),
            presentation_order: Some(e.presentation_order.clone()),
            status: Some(e.status.as_str().to_owned()),
            reason: e.reason.as_ref().map(ToString::to_string),
            ..self.sample()
        }
    }

    /// §7.10 under v1: chunks of at most 100 samples, `prompt` and `reasoning` truncated to
    /// 4096 characters, each chunk signed over its own rebuilt v1 entries.
    pub fn batches_v1(&self, file: &VerdictFileV1, signer: &dyn Signer) -> Vec<SampleBatch> {
        file.data
            .chunks(MAX_BATCH_SAMPLES)
            .map(|chunk| {
                let mut batch = SampleBatch {
                    samples: chunk.iter().map(|e| self.v1_sample(e)).collect(),
                    signature: None,
                };
                let digest = crate::verdict::sha256(&batch.canonical_bytes_v1());
                batch.signature = Some(SignatureHex::sign(signer, &digest).to_string());
                batch
            })
            .collect()
    }

    /// §7.10 under v2: as [`SampleContext::batches_v1`], each chunk signed over
    /// `PyCanon({data: its entries, task_id, validator_hotkey})`. The task id is the file's;
    /// `signer` must hold `file.validator_hotkey`.
    pub fn batches_v2(&self, file: &VerdictFileV2, signer: &dyn Signer) -> Vec<SampleBatch> {
        let ctx = SampleContext {
            task_id: file.task_id,
            ..*self
        };
        let validator = file.validator_hotkey.as_str();
        file.data
            .chunks(MAX_BATCH_SAMPLES)
            .map(|chunk| {
                let mut batch = SampleBatch {
                    samples: chunk.iter().map(|e| ctx.v2_sample(e)).collect(),
                    signature: None,
                };
                let canonical = batch.canonical_bytes_v2(validator).unwrap_or_default();
                let digest = crate::verdict::sha256(&canonical);
                batch.signature = Some(SignatureHex::sign(signer, &digest).to_string());
                batch
            })
            .collect()
    }
}
