//! Publishing a turn (SPEC §7.8–§7.10): generated videos, then the signed verdict file last,
//! then the best-effort dual report in chunks of at most 100 samples.

use std::path::PathBuf;

use futures::StreamExt;
use leoma_api_types::reason::VerdictReason;
use leoma_api_types::samples::{SampleBatch, SampleContext};
use leoma_api_types::signature::Signer;
use leoma_api_types::verdict::{VerdictFileV1, VerdictFileV2, VerdictStatus};
use leoma_api_types::{Hotkey, TaskId};
use leoma_storage::Bucket;
use leoma_storage::layout::{publish_verdict_v1, publish_verdict_v2, put_generated_video};

use super::entries::{MinerResult, entries_v1, entries_v2};
use super::error::TurnError;
use crate::report::Reporter;

/// Uploads each miner's video (`(hotkey, file)`) with at most `concurrency` uploads in flight;
/// returns the `(hotkey, reason)` of each upload that failed.
pub async fn upload_videos(
    own: &dyn Bucket,
    task: TaskId,
    videos: Vec<(String, PathBuf)>,
    concurrency: usize,
) -> Vec<(String, String)> {
    futures::stream::iter(videos)
        .map(|(hotkey, path)| async move {
            let outcome = match tokio::fs::read(&path).await {
                Ok(bytes) => put_generated_video(own, task, &hotkey, bytes)
                    .await
                    .map_err(|e| e.to_string()),
                Err(e) => Err(format!("cannot read {}: {e}", path.display())),
            };
            outcome.err().map(|e| (hotkey, e))
        })
        .buffer_unordered(concurrency.max(1))
        .filter_map(|f| async move { f })
        .collect()
        .await
}

/// A miner whose video upload failed gets `storage_error` (not evaluated).
pub fn mark_upload_failures(
    task: TaskId,
    results: &mut [(String, MinerResult)],
    failures: Vec<(String, String)>,
) {
    for (hotkey, detail) in failures {
        let Some((_, slot)) = results.iter_mut().find(|(hk, _)| *hk == hotkey) else {
            continue;
        };
        tracing::warn!(task_id = task.0, miner = %hotkey, error = %detail, "video upload failed");
        let latency_ms = match slot {
            MinerResult::Scored { latency_ms, .. } => Some(*latency_ms),
            MinerResult::Unscored { latency_ms, .. } => *latency_ms,
        };
        *slot = MinerResult::Unscored {
            reason: VerdictReason::StorageError,
            latency_ms,
            detail: format!("uploading the video failed: {detail}"),
        };
    }
}

/// The signed verdict file of a turn, in the scheme in force.
#[derive(Debug, Clone)]
pub enum SignedVerdict {
    /// v1 (§3.7).
    V1(VerdictFileV1),
    /// v2 (§3.8).
    V2(VerdictFileV2),
}

impl SignedVerdict {
    /// Entries and how many passed.
    pub fn counts(&self) -> (usize, usize) {
        match self {
            SignedVerdict::V1(f) => (f.data.len(), f.data.iter().filter(|e| e.passed).count()),
            SignedVerdict::V2(f) => (f.data.len(), f.data.iter().filter(|e| e.passed).count()),
        }
    }
}

/// Builds and signs the verdict file. `Ok(None)` when there is nothing to publish: v1 without
/// entries, v2 without entries or with every entry `not_evaluated` (§7.9).
pub fn sign(
    v2: bool,
    task: TaskId,
    producer: &Hotkey,
    results: &[(String, MinerResult)],
    signer: &dyn Signer,
) -> Result<Option<SignedVerdict>, TurnError> {
    if v2 {
        let data = entries_v2(results);
        if data.iter().all(|e| e.status == VerdictStatus::NotEvaluated) {
            return Ok(None);
        }
        VerdictFileV2::signed(task, producer.clone(), data, signer)
            .map(|f| Some(SignedVerdict::V2(f)))
            .map_err(|e| TurnError::Verdict(e.to_string()))
    } else {
        let data = entries_v1(results);
        if data.is_empty() {
            return Ok(None);
        }
        VerdictFileV1::signed(data, signer)
            .map(|f| Some(SignedVerdict::V1(f)))
            .map_err(|e| TurnError::Verdict(e.to_string()))
    }
}

/// Uploads the verdict file (the last object of the turn).
pub async fn publish(
    own: &dyn Bucket,
    task: TaskId,
    producer: &Hotkey,
    file: &SignedVerdict,
) -> Result<(), TurnError> {
    match file {
        SignedVerdict::V1(f) => publish_verdict_v1(own, task, producer.as_str(), f).await?,
        SignedVerdict::V2(f) => publish_verdict_v2(own, f).await?,
    }
    Ok(())
}

/// The dual-report batches (§7.10).
pub fn batches(
    ctx: &SampleContext<'_>,
    file: &SignedVerdict,
    signer: &dyn Signer,
) -> Vec<SampleBatch> {
    match file {
        SignedVerdict::V1(f) => ctx.batches_v1(f, signer),
        SignedVerdict::V2(f) => ctx.batches_v2(f, signer),
    }
}

/// Sends every batch, logging failures only. Returns how many were accepted.
pub async fn report(
    reporter: &dyn Reporter,
    task: TaskId,
    batches: &[SampleBatch],
    timeout: std::time::Duration,
) -> usize {
    let mut sent = 0;
    for (i, batch) in batches.iter().enumerate() {
        match tokio::time::timeout(timeout, reporter.report_samples(batch)).await {
            Ok(Ok(())) => sent += 1,
            Ok(Err(e)) => {
                tracing::info!(task_id = task.0, chunk = i, error = %e, "sample report failed");
            }
            Err(_) => {
                tracing::info!(task_id = task.0, chunk = i, "sample report timed out");
            }
        }
    }
    sent
}
