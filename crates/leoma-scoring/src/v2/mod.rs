//! Consensus rules "v2": order-independent exact scoring (SPEC D3, §5.7–§5.9).
//!
//! Input is the window's accepted verdict files ([`TaskVerdicts`], one per task), seniority
//! blocks read at the boundary block and the set of registered hotkeys. Scores are exact
//! rationals and the gates are integer comparisons, so the result never depends on float
//! evaluation order or on the order in which files were read.

mod aggregate;
mod gates;
mod rank;

use std::collections::{BTreeMap, BTreeSet};

pub use self::aggregate::{
    EntryStatus, MinerScoreV2, TaskVerdicts, ValidatorCounts, active_producers, aggregate_v2,
    window_task_count,
};
pub use self::gates::{V2Params, is_eligible_v2, meets_completeness_v2, required_distinct_v2};
pub use self::rank::rank_v2;
pub use crate::ranking::{RankEntry, Ranking};

/// Everything one v2 epoch computation produces (§5.9 step 4).
#[derive(Debug, Clone, PartialEq)]
pub struct EpochScoreV2 {
    /// Every miner with an entry in the window, sorted by hotkey.
    pub scores: Vec<MinerScoreV2>,
    /// `|W|`: distinct task ids in the window.
    pub window_tasks: usize,
    /// `|active|` as passed in.
    pub active_count: usize,
    /// `required_distinct_v2(|active|)`.
    pub min_distinct: usize,
    /// Hotkeys that passed every gate, sorted.
    pub eligible: Vec<String>,
    /// The exact dominance ranking; no winner means burn.
    pub ranking: Ranking,
}

/// Aggregate, gate and rank one v2 epoch (§5.7–§5.8).
///
/// `active_count` is `|active|`, the distinct canonical producers of the window (§4.4; equal to
/// `active_producers(window).len()`). `registered` is the set of hotkeys holding a uid at B, or
/// `None` to skip the registration gate. `blocks` are the seniority blocks read at B.
pub fn score_epoch_v2(
    window: &[TaskVerdicts],
    active_count: usize,
    registered: Option<&BTreeSet<String>>,
    blocks: &BTreeMap<String, i64>,
    params: &V2Params,
) -> EpochScoreV2 {
    let scores = aggregate_v2(window);
    let window_tasks = window_task_count(window);
    let min_distinct = required_distinct_v2(active_count, params.min_distinct_ratio_ppm);
    let eligible_scores: Vec<&MinerScoreV2> = scores
        .iter()
        .filter(|s| is_eligible_v2(s, window_tasks, min_distinct, params, registered))
        .collect();
    let ranking = rank_v2(&eligible_scores, blocks, params.dominance_threshold_ppm);
    let eligible = eligible_scores
        .iter()
        .map(|s| s.miner_hotkey.clone())
        .collect();
    EpochScoreV2 {
        scores,
        window_tasks,
        active_count,
        min_distinct,
        eligible,
        ranking,
    }
}

#[cfg(test)]
mod tests {
    use super::EntryStatus::{Failed, NotEvaluated, Passed};
    use super::*;

    fn task(rid: i64, producer: &str, entries: &[(&str, EntryStatus)]) -> TaskVerdicts {
        TaskVerdicts {
            rid,
            producer: producer.to_owned(),
            entries: entries.iter().map(|(m, s)| ((*m).to_owned(), *s)).collect(),
        }
    }

    #[test]
    fn epoch_end_to_end() {
        // Five tasks over producers A, B, C (active 3 → min_distinct 2).
        let window = [
            task(
                10,
                "A",
                &[("old", Passed), ("new", Passed), ("flaky", Failed)],
            ),
            task(
                11,
                "B",
                &[("old", Failed), ("new", Passed), ("flaky", NotEvaluated)],
            ),
            task(
                12,
                "C",
                &[("old", Passed), ("new", Passed), ("flaky", NotEvaluated)],
            ),
            task(
                13,
                "A",
                &[("old", Passed), ("new", Failed), ("ghost", Passed)],
            ),
            task(
                14,
                "B",
                &[("old", Passed), ("new", Passed), ("ghost", Passed)],
            ),
        ];
        let blocks = BTreeMap::from([("old".to_owned(), 1_i64), ("new".to_owned(), 2)]);
        let registered: BTreeSet<String> = ["old", "new", "flaky"].map(str::to_owned).into();
        let active = active_producers(&window).len();
        let result = score_epoch_v2(
            &window,
            active,
            Some(&registered),
            &blocks,
            &V2Params::default(),
        );
        assert_eq!(
            (
                result.window_tasks,
                result.active_count,
                result.min_distinct
            ),
            (5, 3, 2)
        );
        let names: Vec<&str> = result
            .scores
            .iter()
            .map(|s| s.miner_hotkey.as_str())
            .collect();
        assert_eq!(names, ["flaky", "ghost", "new", "old"]);
        // flaky: covered 3/5 < 0.8 (not_evaluated counts as covered, but 3 < 4).
        // ghost: 2/5 and unregistered.
        assert_eq!(result.eligible, ["new", "old"]);
        // old: A 2/2, B 1/2, C 1/1 → 5/6; new: A 1/2, B 2/2, C 1/1 → 5/6. new does not beat old.
        assert_eq!(result.ranking.winner.as_deref(), Some("old"));
        let entries: Vec<(&str, u32, u64)> = result
            .ranking
            .entries
            .iter()
            .map(|e| (e.miner_hotkey.as_str(), e.rank, e.passed_count))
            .collect();
        assert_eq!(entries, [("old", 1, 4), ("new", 2, 4)]);
    }

    #[test]
    fn not_evaluated_keeps_a_miner_eligible() {
        // The producer failed on two of five tasks: v1 would drop m to 3/5 completeness.
        let window = [
            task(1, "A", &[("m", Passed)]),
            task(2, "A", &[("m", NotEvaluated)]),
            task(3, "A", &[("m", NotEvaluated)]),
            task(4, "A", &[("m", Passed)]),
            task(5, "A", &[("m", Failed)]),
        ];
        let result = score_epoch_v2(&window, 1, None, &BTreeMap::new(), &V2Params::default());
        assert_eq!(result.eligible, ["m"]);
        assert_eq!(result.ranking.winner.as_deref(), Some("m"));
        assert_eq!(result.ranking.entries[0].pass_rate, 2.0 / 3.0);
    }

    #[test]
    fn empty_window_burns() {
        let result = score_epoch_v2(&[], 0, None, &BTreeMap::new(), &V2Params::default());
        assert_eq!(result.ranking.winner, None);
        assert_eq!(result.min_distinct, 1);
    }
}
