//! Consensus rules "v1": the reference's scoring, reproduced exactly (SPEC D2, §5.1–§5.5).
//!
//! Input is the insertion-ordered [`VerdictMap`] built from the window's verdict files (ascending
//! rid, then file order), the window, `|active|` and `block_by_hotkey`. Every float operation
//! follows the reference's evaluation order; see §5.5 for the list of places where that matters.

mod aggregate;
mod rank;
mod verdicts;

use std::collections::BTreeMap;

pub use self::aggregate::{MinerAggregate, aggregate, is_eligible, required_distinct};
pub use self::rank::{RankStats, rank, rank_stats};
pub use self::verdicts::{Verdict, VerdictMap};
pub use crate::ranking::{RankEntry, Ranking};

/// v1 consensus parameters (configuration; must equal every other validator's values).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct V1Params {
    /// `SCORER_COMPLETENESS_THRESHOLD` (reference 0.8).
    pub completeness_threshold: f64,
    /// `SCORER_MIN_DISTINCT_VALIDATORS_RATIO` (reference 0.5).
    pub min_distinct_ratio: f64,
    /// `DOMINANCE_THRESHOLD` θ (reference 0.05).
    pub dominance_threshold: f64,
}

impl V1Params {
    /// The reference defaults.
    pub const REFERENCE: Self = Self {
        completeness_threshold: 0.8,
        min_distinct_ratio: 0.5,
        dominance_threshold: 0.05,
    };
}

impl Default for V1Params {
    fn default() -> Self {
        Self::REFERENCE
    }
}

/// Everything one v1 epoch computation produces (§5.4 steps 4–6).
#[derive(Debug, Clone, PartialEq)]
pub struct EpochScoreV1 {
    /// Every miner named in an in-window verdict, in first-insertion order.
    pub aggregates: Vec<MinerAggregate>,
    /// Hotkeys that passed the gates, in the order of `aggregates`.
    pub eligible: Vec<String>,
    /// `required_distinct(|active|)`.
    pub min_distinct: usize,
    /// The dominance ranking of the eligible miners; no winner means burn.
    pub ranking: Ranking,
}

/// Aggregate, gate and rank (§5.2–§5.3) with no valid-miner filter.
pub fn score_epoch_v1(
    verdicts: &VerdictMap,
    window: &[i64],
    active_count: usize,
    block_by_hotkey: &BTreeMap<String, i64>,
    params: &V1Params,
) -> EpochScoreV1 {
    let aggregates = aggregate(verdicts, window, block_by_hotkey);
    let min_distinct = required_distinct(active_count, params.min_distinct_ratio);
    let eligible_aggs: Vec<&MinerAggregate> = aggregates
        .iter()
        .filter(|agg| is_eligible(agg, params.completeness_threshold, min_distinct))
        .collect();
    let ranking = rank(&eligible_aggs, params.dominance_threshold);
    let eligible = eligible_aggs
        .iter()
        .map(|agg| agg.miner_hotkey.clone())
        .collect();
    EpochScoreV1 {
        aggregates,
        eligible,
        min_distinct,
        ranking,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_defaults() {
        let params = V1Params::default();
        assert_eq!(params.completeness_threshold, 0.8);
        assert_eq!(params.min_distinct_ratio, 0.5);
        assert_eq!(params.dominance_threshold, 0.05);
    }

    /// Three producers over six tasks; "late" misses two tasks (completeness 4/6 < 0.8) and
    /// "solo" is only seen by one producer while two are required.
    #[test]
    fn epoch_end_to_end() {
        let producers = ["A", "B", "C"];
        let mut verdicts = VerdictMap::new();
        for rid in 1..=6_i64 {
            let producer = producers[(rid as usize) % 3];
            verdicts.insert(producer, rid, "old", rid % 2 == 0);
            verdicts.insert(producer, rid, "new", true);
            if rid > 2 {
                verdicts.insert(producer, rid, "late", true);
            }
        }
        for rid in 1..=6_i64 {
            if rid % 3 == 0 {
                verdicts.insert("A", rid, "solo", true);
            }
        }
        let blocks = BTreeMap::from([
            ("old".to_owned(), 10_i64),
            ("new".to_owned(), 20),
            ("late".to_owned(), 30),
        ]);
        let result = score_epoch_v1(
            &verdicts,
            &[1, 2, 3, 4, 5, 6],
            3,
            &blocks,
            &V1Params::default(),
        );
        assert_eq!(result.min_distinct, 2);
        let names: Vec<&str> = result
            .aggregates
            .iter()
            .map(|a| a.miner_hotkey.as_str())
            .collect();
        assert_eq!(names, ["old", "new", "late", "solo"]);
        assert_eq!(result.eligible, ["old", "new"]);
        assert_eq!(result.ranking.winner.as_deref(), Some("new"));
        let ranks: Vec<(&str, u32, u64)> = result
            .ranking
            .entries
            .iter()
            .map(|e| (e.miner_hotkey.as_str(), e.rank, e.passed_count))
            .collect();
        assert_eq!(ranks, [("new", 1, 6), ("old", 2, 3)]);
    }

    #[test]
    fn no_verdicts_means_no_winner() {
        let result = score_epoch_v1(
            &VerdictMap::new(),
            &[1, 2],
            2,
            &BTreeMap::new(),
            &V1Params::default(),
        );
        assert!(result.aggregates.is_empty());
        assert!(result.eligible.is_empty());
        assert_eq!(result.ranking.winner, None);
    }
}
