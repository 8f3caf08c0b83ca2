//! The v2 epoch procedure (SPEC §5.9) over peer buckets: legitimate producers only, the
//! index-based settle margin, strict signed verdict files and exact rational dominance.

use std::collections::{BTreeMap, BTreeSet};

use leoma_api_types::Hotkey;
use leoma_api_types::TaskId;
use leoma_api_types::allowlist::AllowlistV2;
use leoma_api_types::keys::safe;
use leoma_api_types::verdict::{VERDICT_FILE_MAX_BYTES, VerdictFileV2, VerdictStatus, accept_v2};
use leoma_rotation::v2::{WindowSelector, index_range, max_failover_step};
use leoma_scoring::v2::{EntryStatus, TaskVerdicts, V2Params, score_epoch_v2};

use super::fetch::{bounded, retrying};
use super::report::{AllowlistSummary, AuditReport, MinerSummary, Rejection, WindowSummary};
use super::{
    AuditError, AuditRequest, PeerReaders, PeerSource, burned, settle, sha256hex, weights_for,
};

const RULES: &str = "v2";

/// Outcome of checking one `(task, producer)` file.
type Probe = Result<Option<VerdictFileV2>, Rejection>;

pub(super) async fn run(
    req: &AuditRequest,
    source: &dyn PeerSource,
) -> Result<AuditReport, AuditError> {
    let mut summary = AllowlistSummary {
        version: Some(2),
        digest: sha256hex(&req.allowlist),
        commitment_checked: req.commitment.is_some(),
        ..AllowlistSummary::default()
    };
    let allowlist = match read_allowlist(req) {
        Ok(a) => a,
        Err(reason) => {
            summary.error = Some(reason.clone());
            return Ok(burned(
                RULES,
                req,
                summary,
                format!(
                    "allowlist unusable ({reason}); a live validator falls back to its last winner, else burns"
                ),
            ));
        }
    };
    let params = allowlist.params();
    let interval = to_i64(params.interval);
    let epoch_length = to_i64(params.epoch_length);
    if req.epoch_block.rem_euclid(epoch_length.max(1)) != 0 {
        return Err(AuditError::Inconsistent(format!(
            "epoch block {} is not a boundary of the allowlist's epoch_length {epoch_length} (a v2 validator skips it)",
            req.epoch_block
        )));
    }
    let validators: Vec<Hotkey> = allowlist
        .validators()
        .iter()
        .map(|v| v.hotkey.clone())
        .collect();
    summary.interval = Some(interval);
    summary.validators = validators.iter().map(|h| h.as_str().to_owned()).collect();

    let mut notes = Vec::new();
    let mut rejected = Vec::new();
    let peers = source.v2_peers(&allowlist);
    for (v, reason) in &peers.unreadable {
        notes.push(format!(
            "validator {v} cannot be read ({reason}): its files count as missing"
        ));
    }
    let scoring = &params.scoring;
    let grace = leoma_rotation::turn::grace(interval, to_i64(params.failover_grace_blocks));
    let s_max = max_failover_step(interval, grace, validators.len());
    let window_size = usize::try_from(scoring.window_size).unwrap_or(usize::MAX);
    let epoch_rid = req.epoch_block.div_euclid(interval.max(1));
    let range = index_range(
        req.epoch_block,
        interval,
        to_i64(scoring.settle_margin),
        to_i64(scoring.max_lookback_blocks),
    );
    let Some(range) = range else {
        let mut r = burned(
            RULES,
            req,
            summary,
            "empty window (no task id in range)".into(),
        );
        r.window.epoch_task_id = Some(epoch_rid);
        r.notes = notes;
        return Ok(r);
    };

    // Prefetch the primaries of the newest tasks in parallel: in a healthy subnet they are
    // almost all the files the walk needs. Misses (failovers, older tasks) are read on demand.
    let (lo, hi) = range;
    let prefetch_lo = hi
        .saturating_sub(i64::try_from(window_size).unwrap_or(i64::MAX))
        .saturating_sub(8)
        .max(lo);
    let primaries: Vec<(i64, Hotkey)> = (prefetch_lo..=hi)
        .rev()
        .filter_map(|r| leoma_rotation::turn::primary(&validators, r).map(|p| (r, p.clone())))
        .collect();
    let peers_ref = &peers;
    let mut cache: BTreeMap<(i64, Hotkey), Probe> =
        bounded(primaries, req.concurrency, |(r, p)| async move {
            let probe = check_file(peers_ref, req, r, &p).await;
            ((r, p), probe)
        })
        .await
        .into_iter()
        .collect();

    let mut selector = WindowSelector::new(&validators, range, window_size, s_max);
    let mut accepted: BTreeMap<i64, VerdictFileV2> = BTreeMap::new();
    while let Some((rid, producer)) = selector.next_probe() {
        let outcome = match cache.remove(&(rid, producer.clone())) {
            Some(p) => p,
            None => check_file(&peers, req, rid, producer).await,
        };
        let ok = match outcome {
            Ok(Some(file)) => {
                accepted.insert(rid, file);
                true
            }
            Ok(None) => false,
            Err(rejection) => {
                rejected.push(rejection);
                false
            }
        };
        selector.record(ok);
    }
    let window = selector.finish();
    let window_summary = WindowSummary {
        epoch_task_id: Some(epoch_rid),
        task_ids: window.task_ids.clone(),
        producers: window
            .producers
            .iter()
            .map(|(r, p)| (r.to_string(), p.as_str().to_owned()))
            .collect(),
        produced_tasks_seen: accepted.len(),
    };
    let active: Vec<String> = window
        .active
        .iter()
        .map(|h| h.as_str().to_owned())
        .collect();
    if window.task_ids.is_empty() {
        let mut r = burned(RULES, req, summary, "empty window".into());
        r.window = window_summary;
        r.rejected_files = rejected;
        r.notes = notes;
        return Ok(r);
    }

    let tasks: Vec<TaskVerdicts> = accepted
        .iter()
        .map(|(rid, file)| TaskVerdicts {
            rid: *rid,
            producer: file.validator_hotkey.as_str().to_owned(),
            entries: file
                .data
                .iter()
                .map(|e| (e.hotkey.clone(), status(e.status)))
                .collect(),
        })
        .collect();
    let blocks = req.miners.as_ref().map(|m| m.blocks()).unwrap_or_default();
    let registered: Option<BTreeSet<String>> = req
        .miners
        .as_ref()
        .map(|m| m.by_hotkey.keys().cloned().collect());
    if registered.is_none() {
        notes.push("no --miners file: the registration gate (SPEC §5.7) was skipped, seniority blocks are unknown, and no winner has a uid, so the weights burn".into());
    }
    let v2_params = V2Params {
        completeness_threshold_ppm: scoring.completeness_threshold_ppm,
        min_distinct_ratio_ppm: scoring.min_distinct_ratio_ppm,
        dominance_threshold_ppm: scoring.dominance_threshold_ppm,
    };
    let scored = score_epoch_v2(
        &tasks,
        active.len(),
        registered.as_ref(),
        &blocks,
        &v2_params,
    );

    let uid_of = |h: &str| req.miners.as_ref().and_then(|m| m.uid(h));
    let miners: Vec<MinerSummary> = scored
        .scores
        .iter()
        .map(|s| MinerSummary {
            hotkey: s.miner_hotkey.clone(),
            uid: uid_of(&s.miner_hotkey),
            block: blocks.get(&s.miner_hotkey).copied(),
            avg_rate: s.score_f64(),
            exact_score: s
                .score
                .as_ref()
                .map(|q| format!("{}/{}", q.numer(), q.denom())),
            passed: s.total_passed,
            evaluated: s.total_evaluated,
            completeness: s.completeness_f64(tasks.len()),
            per_validator_rate: s.per_validator_rates(),
            eligible: scored.eligible.contains(&s.miner_hotkey),
        })
        .collect();
    let (ranks, winner, uid, burn_reason) = settle(&scored.ranking, uid_of);
    Ok(AuditReport {
        rules: RULES,
        epoch_block: req.epoch_block,
        allowlist: summary,
        window: window_summary,
        active_validators: active,
        min_distinct_validators: scored.min_distinct,
        miners,
        ranks,
        winner,
        weights: weights_for(uid, req),
        burn_reason,
        rejected_files: rejected,
        notes,
    })
}

async fn check_file(peers: &PeerReaders, req: &AuditRequest, rid: i64, producer: &Hotkey) -> Probe {
    let Some(reader) = peers.readers.get(producer.as_str()) else {
        return Ok(None);
    };
    let key = format!("{rid}/evaluation_results/{}.json", safe(producer.as_str()));
    let path = format!("{}/{key}", reader.name());
    let reject = |reason: String| Rejection {
        path: path.clone(),
        reason: format!("{reason}; falls through to the next legitimate producer"),
    };
    let Ok(task_id) = u64::try_from(rid).map(TaskId) else {
        return Ok(None);
    };
    match retrying(req.retry, || reader.get(&key, VERDICT_FILE_MAX_BYTES)).await {
        Ok(None) => Ok(None),
        Ok(Some(bytes)) => accept_v2(&bytes, task_id, producer)
            .map(Some)
            .map_err(|e| reject(e.to_string())),
        Err(e) => Err(reject(e.to_string())),
    }
}

fn status(s: VerdictStatus) -> EntryStatus {
    match s {
        VerdictStatus::Passed => EntryStatus::Passed,
        VerdictStatus::Failed => EntryStatus::Failed,
        VerdictStatus::NotEvaluated => EntryStatus::NotEvaluated,
    }
}

fn read_allowlist(req: &AuditRequest) -> Result<AllowlistV2, String> {
    match &req.commitment {
        Some(c) => {
            leoma_rotation::allowlist::verify_v2(Some(c), &req.allowlist).map_err(|e| e.to_string())
        }
        None => AllowlistV2::parse(&req.allowlist).map_err(|e| e.to_string()),
    }
}

fn to_i64<T: TryInto<i64>>(v: T) -> i64 {
    v.try_into().unwrap_or(i64::MAX)
}
