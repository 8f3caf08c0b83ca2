//! The owner-api's miner-report majority tally (SPEC §9.7 "Miner consensus").
//!
//! Validators report their view of every miner; the owner-api keeps one row per
//! `(validator, miner)` and periodically folds the recent rows into one verdict per miner.
//! Python semantics reproduced: groups in first-seen miner order (`dict` order), the
//! representative is the first row with the maximum `(is_valid, reported_at)` (Python `max`), and
//! the invalid reason is the most common non-empty reason with ties broken by first appearance
//! (`Counter.most_common`).

use std::collections::HashMap;

/// The reason recorded when a miner is invalid by consensus but no invalid row gave a reason.
pub const CONSENSUS_INVALID: &str = "consensus_invalid";

/// One `validator_miner_reports` row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportRow {
    /// The reporting validator.
    pub validator_hotkey: String,
    /// The miner the row is about.
    pub miner_hotkey: String,
    /// The miner's uid as reported.
    pub uid: i64,
    /// Commitment block as reported.
    pub block: Option<i64>,
    /// HuggingFace repository.
    pub model_name: Option<String>,
    /// HuggingFace revision.
    pub model_revision: Option<String>,
    /// Model weight hash.
    pub model_hash: Option<String>,
    /// Chute id.
    pub chute_id: Option<String>,
    /// Chute slug.
    pub chute_slug: Option<String>,
    /// The validator's verdict.
    pub is_valid: bool,
    /// The validator's reason when invalid.
    pub invalid_reason: Option<String>,
    /// When the row was reported, in any monotone unit (e.g. unix microseconds).
    pub reported_at: i64,
}

/// The consensus for one miner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MinerConsensus {
    /// The miner.
    pub miner_hotkey: String,
    /// From the representative row.
    pub uid: i64,
    /// From the representative row.
    pub block: Option<i64>,
    /// From the representative row.
    pub model_name: Option<String>,
    /// From the representative row.
    pub model_revision: Option<String>,
    /// From the representative row.
    pub model_hash: Option<String>,
    /// From the representative row.
    pub chute_id: Option<String>,
    /// From the representative row.
    pub chute_slug: Option<String>,
    /// `2 × valid_votes > reporters` (a tie is invalid).
    pub is_valid: bool,
    /// `None` when valid; else the most common non-empty reason among invalid rows, or
    /// [`CONSENSUS_INVALID`].
    pub invalid_reason: Option<String>,
    /// Rows in the group.
    pub reporters: usize,
    /// Rows in the group with `is_valid`.
    pub valid_votes: usize,
}

/// Tallies report rows per miner.
///
/// Groups with fewer than `min_reporters` rows are skipped (Rust addition S8; 1 reproduces the
/// reference). Output is in first-seen order of the miner within `rows`; ties for the
/// representative row and for the reason go to the row seen first, so pass rows in a stable order
/// (for example as the database returns them).
pub fn tally(rows: &[ReportRow], min_reporters: usize) -> Vec<MinerConsensus> {
    let mut groups: Vec<(&str, Vec<&ReportRow>)> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for row in rows {
        let position = *index.entry(&row.miner_hotkey).or_insert_with(|| {
            groups.push((&row.miner_hotkey, Vec::new()));
            groups.len() - 1
        });
        if let Some((_, group)) = groups.get_mut(position) {
            group.push(row);
        }
    }
    groups
        .into_iter()
        .filter(|(_, group)| group.len() >= min_reporters)
        .filter_map(|(miner, group)| decide(miner, &group))
        .collect()
}

fn decide(miner: &str, group: &[&ReportRow]) -> Option<MinerConsensus> {
    let reporters = group.len();
    let valid_votes = group.iter().filter(|r| r.is_valid).count();
    let is_valid = valid_votes.saturating_mul(2) > reporters;
    let representative = representative(group)?;
    let invalid_reason = (!is_valid).then(|| {
        most_common_reason(group).map_or_else(|| CONSENSUS_INVALID.to_owned(), str::to_owned)
    });
    Some(MinerConsensus {
        miner_hotkey: miner.to_owned(),
        uid: representative.uid,
        block: representative.block,
        model_name: representative.model_name.clone(),
        model_revision: representative.model_revision.clone(),
        model_hash: representative.model_hash.clone(),
        chute_id: representative.chute_id.clone(),
        chute_slug: representative.chute_slug.clone(),
        is_valid,
        invalid_reason,
        reporters,
        valid_votes,
    })
}

/// The first row with the maximum `(is_valid, reported_at)`.
fn representative<'a>(group: &[&'a ReportRow]) -> Option<&'a ReportRow> {
    let mut best: Option<&ReportRow> = None;
    for &row in group {
        let better =
            best.is_none_or(|b| (row.is_valid, row.reported_at) > (b.is_valid, b.reported_at));
        if better {
            best = Some(row);
        }
    }
    best
}

/// The most common non-empty reason among invalid rows; ties go to the first seen.
fn most_common_reason<'a>(group: &[&'a ReportRow]) -> Option<&'a str> {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for row in group.iter().filter(|r| !r.is_valid) {
        let Some(reason) = row.invalid_reason.as_deref().filter(|r| !r.is_empty()) else {
            continue;
        };
        match counts.iter_mut().find(|(r, _)| *r == reason) {
            Some((_, count)) => *count += 1,
            None => counts.push((reason, 1)),
        }
    }
    let mut best: Option<(&str, usize)> = None;
    for (reason, count) in counts {
        if best.is_none_or(|(_, c)| count > c) {
            best = Some((reason, count));
        }
    }
    best.map(|(reason, _)| reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(validator: &str, miner: &str, valid: bool, reason: Option<&str>, at: i64) -> ReportRow {
        ReportRow {
            validator_hotkey: validator.to_owned(),
            miner_hotkey: miner.to_owned(),
            uid: at,
            block: Some(at * 10),
            model_name: Some(format!("model-{validator}")),
            model_revision: None,
            model_hash: None,
            chute_id: None,
            chute_slug: None,
            is_valid: valid,
            invalid_reason: reason.map(str::to_owned),
            reported_at: at,
        }
    }

    #[test]
    fn strict_majority_and_tie_is_invalid() {
        let rows = [
            row("v1", "m", true, None, 1),
            row("v2", "m", false, Some("hf_error"), 2),
        ];
        let out = tally(&rows, 1);
        assert_eq!(out.len(), 1);
        assert!(!out[0].is_valid);
        assert_eq!(out[0].invalid_reason.as_deref(), Some("hf_error"));
        // The representative is the valid row even though the invalid one is newer.
        assert_eq!(out[0].uid, 1);
        assert_eq!(out[0].model_name.as_deref(), Some("model-v1"));
        assert_eq!((out[0].reporters, out[0].valid_votes), (2, 1));

        let rows = [
            row("v1", "m", true, None, 1),
            row("v2", "m", true, None, 3),
            row("v3", "m", false, Some("x"), 2),
        ];
        let out = tally(&rows, 1);
        assert!(out[0].is_valid);
        assert_eq!(out[0].invalid_reason, None);
        assert_eq!(out[0].uid, 3);
    }

    #[test]
    fn reason_is_most_common_non_empty_with_first_seen_ties() {
        let rows = [
            row("v1", "m", false, Some(""), 1),
            row("v2", "m", false, Some("b"), 2),
            row("v3", "m", false, Some("a"), 3),
            row("v4", "m", false, Some("a"), 4),
            row("v5", "m", false, Some("b"), 5),
            row("v6", "m", true, Some("c"), 6),
        ];
        assert_eq!(tally(&rows, 1)[0].invalid_reason.as_deref(), Some("b"));
        let rows = [
            row("v1", "m", false, Some(""), 1),
            row("v2", "m", false, None, 2),
        ];
        let out = tally(&rows, 1);
        assert_eq!(out[0].invalid_reason.as_deref(), Some(CONSENSUS_INVALID));
        // All invalid: the newest row represents.
        assert_eq!(out[0].uid, 2);
    }

    #[test]
    fn representative_tie_goes_to_first_seen() {
        let mut a = row("v1", "m", true, None, 5);
        a.uid = 11;
        let mut b = row("v2", "m", true, None, 5);
        b.uid = 22;
        assert_eq!(tally(&[a, b], 1)[0].uid, 11);
    }

    #[test]
    fn groups_in_first_seen_order_and_min_reporters() {
        let rows = [
            row("v1", "z", true, None, 1),
            row("v1", "a", true, None, 1),
            row("v2", "z", true, None, 2),
        ];
        let names: Vec<String> = tally(&rows, 1)
            .into_iter()
            .map(|c| c.miner_hotkey)
            .collect();
        assert_eq!(names, ["z", "a"]);
        let names: Vec<String> = tally(&rows, 2)
            .into_iter()
            .map(|c| c.miner_hotkey)
            .collect();
        assert_eq!(names, ["z"]);
        assert!(tally(&[], 1).is_empty());
        // min_reporters 0 behaves like 1 (a group always has at least one row).
        assert_eq!(tally(&rows, 0).len(), 2);
    }
}
