//! The v1 epoch procedure (SPEC §5.4) over peer buckets, reference semantics throughout.

use std::collections::BTreeMap;

use leoma_api_types::allowlist::AllowlistV1;
use leoma_api_types::keys::safe;
use leoma_api_types::verdict::VERDICT_FILE_MAX_BYTES;
use leoma_api_types::verdict::{AcceptedV1, SignatureCheck, accept_v1};
use leoma_rotation::v1::{WindowParams, derive_window};
use leoma_scoring::v1::{V1Params, VerdictMap, score_epoch_v1};

use super::discovery::{Fetched, Walk};
use super::fetch::{bounded, retrying};
use super::report::{AllowlistSummary, AuditReport, MinerSummary, Rejection, WindowSummary};
use super::{AuditRequest, PeerSource, burned, settle, sha256hex, weights_for};

const RULES: &str = "v1";

pub(super) async fn run(req: &AuditRequest, source: &dyn PeerSource) -> AuditReport {
    let mut summary = AllowlistSummary {
        version: Some(1),
        digest: sha256hex(&req.allowlist),
        commitment_checked: req.commitment.is_some(),
        ..AllowlistSummary::default()
    };
    let allowlist = match read_allowlist(req) {
        Ok(a) => a,
        Err(reason) => {
            summary.error = Some(reason.clone());
            return burned(
                RULES,
                req,
                summary,
                format!(
                    "allowlist unusable ({reason}); a live validator falls back to its last winner, else burns"
                ),
            );
        }
    };
    let interval = i64::try_from(allowlist.interval()).unwrap_or(i64::MAX);
    summary.interval = Some(interval);
    summary.validators = allowlist.validators().to_vec();
    let validators = allowlist.validators();

    // Peers: allowlisted validators with a registry entry (others are skipped, §4.3).
    let peers = source.v1_peers(validators);
    if peers.readers.is_empty() {
        return burned(
            RULES,
            req,
            summary,
            "no allowlisted validator has a readable bucket (PEER_VALIDATORS empty)".into(),
        );
    }

    let mut rejected = Vec::new();
    let mut notes = Vec::new();
    let params = WindowParams {
        epoch_block: req.epoch_block,
        interval,
        window_size: req.v1.window_size,
        settle_margin: req.v1.settle_margin,
        max_lookback_blocks: req.v1.max_lookback_blocks,
    };
    let found = Walk {
        validators,
        peers: &peers.readers,
        params: &params,
        cap: req.v1.discovery_max_tasks,
        concurrency: req.concurrency,
        retry: req.retry,
    }
    .run()
    .await;
    for (hk, reason) in &found.failed {
        let name = peers.readers.get(hk).map_or(hk.as_str(), |r| r.name());
        rejected.push(Rejection {
            path: format!("{name}/"),
            reason: reason.clone(),
        });
    }
    let window = derive_window(&found.canonical, &params);
    let window_summary = WindowSummary {
        epoch_task_id: Some(params.epoch_rid()),
        task_ids: window.task_ids.clone(),
        producers: window
            .producers
            .iter()
            .map(|(r, p)| (r.to_string(), p.clone()))
            .collect(),
        produced_tasks_seen: found.canonical.len(),
    };
    if window.task_ids.is_empty() {
        let mut r = burned(RULES, req, summary, "empty window".into());
        r.window = window_summary;
        r.rejected_files = rejected;
        return r;
    }

    // The canonical producer's file of every window task (most were read during discovery),
    // inserted in ascending task order and file order (SPEC §5.1 "Order").
    let tasks: Vec<(i64, String)> = window
        .producers
        .iter()
        .map(|(r, p)| (*r, p.clone()))
        .collect();
    let fetched = &found.fetched;
    let readers = &peers.readers;
    let files = bounded(tasks, req.concurrency, |(rid, producer)| async move {
        let key = format!("{rid}/evaluation_results/{}.json", safe(&producer));
        let name = readers.get(&producer).map_or("", |r| r.name());
        let path = format!("{name}/{key}");
        let got: Fetched = match fetched.get(&(rid, producer.clone())) {
            Some(v) => v.clone(),
            None => match readers.get(&producer) {
                None => Ok(None),
                Some(r) => retrying(req.retry, || r.get(&key, VERDICT_FILE_MAX_BYTES))
                    .await
                    .map_err(|e| e.to_string()),
            },
        };
        let outcome = match got {
            Ok(None) => Ok(None),
            Ok(Some(bytes)) => accept_v1(&bytes, &producer)
                .map(Some)
                .map_err(|e| e.to_string()),
            Err(e) => Err(e),
        };
        (rid, producer, path, outcome)
    })
    .await;
    let mut verdicts = VerdictMap::new();
    for (rid, producer, path, outcome) in files {
        match outcome {
            Ok(Some(AcceptedV1 { entries, signature })) => {
                if !matches!(signature, SignatureCheck::Verified(_)) {
                    notes.push(format!("{path}: accepted without a verified signature ({signature:?}), as the reference does"));
                }
                for (miner, passed) in entries {
                    verdicts.insert(&producer, rid, &miner, passed);
                }
            }
            Ok(None) => notes.push(format!("{path}: missing, task {rid} skipped")),
            Err(reason) => rejected.push(Rejection {
                path,
                reason: format!("{reason}; task {rid} skipped"),
            }),
        }
    }
    if verdicts.is_empty() {
        let mut r = burned(RULES, req, summary, "no verdicts in the window".into());
        r.window = window_summary;
        r.active_validators = window.active.clone();
        r.rejected_files = rejected;
        r.notes = notes;
        return r;
    }

    let blocks = req.miners.as_ref().map(|m| m.blocks()).unwrap_or_default();
    if req.miners.is_none() {
        notes.push("no --miners file: seniority blocks unknown (every miner sorts as block 2^31) and no winner has a uid, so the weights burn".into());
    }
    let params = V1Params {
        completeness_threshold: req.v1.completeness_threshold,
        min_distinct_ratio: req.v1.min_distinct_ratio,
        dominance_threshold: req.v1.dominance_threshold,
    };
    let scored = score_epoch_v1(
        &verdicts,
        &window.task_ids,
        window.active.len(),
        &blocks,
        &params,
    );

    let uid_of = |h: &str| req.miners.as_ref().and_then(|m| m.uid(h));
    let mut miners: Vec<MinerSummary> = scored
        .aggregates
        .iter()
        .map(|a| MinerSummary {
            hotkey: a.miner_hotkey.clone(),
            uid: uid_of(&a.miner_hotkey),
            block: a.block,
            avg_rate: a.avg_rate,
            exact_score: None,
            passed: a.total_passed,
            evaluated: a.total_evaluated,
            completeness: a.completeness,
            per_validator_rate: a
                .per_validator_rate
                .iter()
                .cloned()
                .collect::<BTreeMap<_, _>>(),
            eligible: scored.eligible.contains(&a.miner_hotkey),
        })
        .collect();
    miners.sort_by(|a, b| a.hotkey.cmp(&b.hotkey));
    let (ranks, winner, uid, burn_reason) = settle(&scored.ranking, uid_of);
    AuditReport {
        rules: RULES,
        epoch_block: req.epoch_block,
        allowlist: summary,
        window: window_summary,
        active_validators: window.active.clone(),
        min_distinct_validators: scored.min_distinct,
        miners,
        ranks,
        winner,
        weights: weights_for(uid, req),
        burn_reason,
        rejected_files: rejected,
        notes,
    }
}

fn read_allowlist(req: &AuditRequest) -> Result<AllowlistV1, String> {
    match &req.commitment {
        Some(c) => leoma_rotation::allowlist::verify_v1(Some(c), &req.allowlist)
            .map_err(|e| e.to_string())
            .and_then(|s| {
                let interval = u64::try_from(s.interval).map_err(|e| e.to_string())?;
                AllowlistV1::new(s.validators, interval).map_err(|e| e.to_string())
            }),
        None => AllowlistV1::read_reference(&req.allowlist).map_err(|e| e.to_string()),
    }
}
