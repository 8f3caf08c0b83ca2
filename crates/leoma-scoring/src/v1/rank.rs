//! v1 dominance and ranking (SPEC §5.3).
//!
//! Candidates are ordered by seniority `(block or 2^31, hotkey)`; scanning from the newest, a
//! candidate wins if `rate_i < rate_j + θ` is false (in f64) for every older `j`.

use super::aggregate::MinerAggregate;
use crate::ranking::{Candidate, Ranking, build_ranking, first_dominant, seniority_order};

/// The stats the v1 ranking reads from an eligible miner (§5.3).
#[derive(Debug, Clone, PartialEq)]
pub struct RankStats {
    /// The miner's hotkey.
    pub miner_hotkey: String,
    /// `total_passed`.
    pub passed_count: u64,
    /// `avg_rate`.
    pub pass_rate: f64,
    /// Reveal block of the miner's latest commitment, if known.
    pub block: Option<i64>,
}

impl From<&MinerAggregate> for RankStats {
    fn from(agg: &MinerAggregate) -> Self {
        Self {
            miner_hotkey: agg.miner_hotkey.clone(),
            passed_count: agg.total_passed,
            pass_rate: agg.avg_rate,
            block: agg.block,
        }
    }
}

/// Ranks eligible aggregates (§5.3). Empty input → no winner.
pub fn rank(eligible: &[&MinerAggregate], dominance_threshold: f64) -> Ranking {
    let stats: Vec<RankStats> = eligible.iter().map(|agg| RankStats::from(*agg)).collect();
    rank_stats(&stats, dominance_threshold)
}

/// Ranks miner stats (§5.3); the owner-api dashboard uses this with its own stats.
///
/// A non-empty input always has a winner (the oldest qualifies vacuously).
pub fn rank_stats(stats: &[RankStats], dominance_threshold: f64) -> Ranking {
    let candidates: Vec<Candidate> = stats
        .iter()
        .map(|s| Candidate {
            miner_hotkey: s.miner_hotkey.clone(),
            passed_count: s.passed_count,
            pass_rate: s.pass_rate,
            block: s.block,
        })
        .collect();
    let ordered: Vec<Candidate> = seniority_order(&candidates)
        .into_iter()
        .filter_map(|i| candidates.get(i).cloned())
        .collect();
    let rates: Vec<f64> = ordered.iter().map(|c| c.pass_rate).collect();
    let winner = first_dominant(ordered.len(), |i, j| match (rates.get(i), rates.get(j)) {
        (Some(&rate_i), Some(&rate_j)) => beats(rate_i, rate_j, dominance_threshold),
        _ => false,
    });
    build_ranking(ordered, winner)
}

/// The reference evaluates `rate_i < rate_j + θ` (the sum first, in f64) and negates it; the
/// negated form is kept on purpose so that a NaN compares exactly as in Python.
#[allow(
    clippy::neg_cmp_op_on_partial_ord,
    reason = "reproduces Python's `not (a < b + t)` including NaN"
)]
fn beats(rate_i: f64, rate_j: f64, theta: f64) -> bool {
    !(rate_i < rate_j + theta)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(hotkey: &str, passed: u64, rate: f64, block: Option<i64>) -> RankStats {
        RankStats {
            miner_hotkey: hotkey.to_owned(),
            passed_count: passed,
            pass_rate: rate,
            block,
        }
    }

    #[test]
    fn exact_theta_difference_does_not_dominate_in_f64() {
        // §5.3: 0.65 + 0.05 = 0.7000000000000001 > 0.70, so the newer miner does not win.
        assert_eq!(13.0 / 20.0 + 0.05, 0.700_000_000_000_000_1);
        let ranking = rank_stats(
            &[
                stats("old", 13, 13.0 / 20.0, Some(100)),
                stats("new", 14, 14.0 / 20.0, Some(200)),
            ],
            0.05,
        );
        assert_eq!(ranking.winner.as_deref(), Some("old"));
        assert_eq!(ranking.entries[0].miner_hotkey, "old");
        assert_eq!(ranking.entries[0].rank, 1);
        assert_eq!(ranking.entries[1].miner_hotkey, "new");
        assert_eq!(ranking.entries[1].rank, 2);
    }

    #[test]
    fn newer_miner_must_beat_every_older_one() {
        let input = [
            stats("a", 10, 0.50, Some(10)),
            stats("b", 10, 0.80, Some(20)),
            stats("c", 10, 0.84, Some(30)),
        ];
        // c beats a by 0.34 but b by only 0.04; b beats a; b wins.
        assert_eq!(rank_stats(&input, 0.05).winner.as_deref(), Some("b"));
        let input = [
            stats("a", 10, 0.50, Some(10)),
            stats("b", 10, 0.80, Some(20)),
            stats("c", 10, 0.90, Some(30)),
        ];
        assert_eq!(rank_stats(&input, 0.05).winner.as_deref(), Some("c"));
    }

    #[test]
    fn oldest_wins_ties_and_others_rank_by_passed_count() {
        let input = [
            stats("x", 1, 0.9, Some(30)),
            stats("y", 99, 0.1, Some(10)),
            stats("z", 5, 0.1, Some(20)),
        ];
        // x is the newest and beats both older miners by more than θ.
        assert_eq!(rank_stats(&input, 0.05).winner.as_deref(), Some("x"));
        let ranking = rank_stats(
            &[stats("y", 99, 0.5, Some(10)), stats("z", 5, 0.5, Some(20))],
            0.05,
        );
        assert_eq!(ranking.winner.as_deref(), Some("y"));
        // Others by (−passed_count, hotkey), not by rate.
        let ranking = rank_stats(
            &[
                stats("w", 0, 0.9, Some(1)),
                stats("lo", 1, 0.8, Some(2)),
                stats("hi", 7, 0.1, Some(3)),
            ],
            0.05,
        );
        let order: Vec<&str> = ranking
            .entries
            .iter()
            .map(|e| e.miner_hotkey.as_str())
            .collect();
        assert_eq!(order, ["w", "hi", "lo"]);
    }

    #[test]
    fn unknown_block_is_newest() {
        // "u" has no block, so it is the newest and must dominate "k".
        let input = [
            stats("u", 1, 0.9, None),
            stats("k", 1, 0.5, Some(2_000_000)),
        ];
        assert_eq!(rank_stats(&input, 0.05).winner.as_deref(), Some("u"));
        let input = [
            stats("u", 1, 0.52, None),
            stats("k", 1, 0.5, Some(2_000_000)),
        ];
        assert_eq!(rank_stats(&input, 0.05).winner.as_deref(), Some("k"));
    }

    #[test]
    fn empty_input_has_no_winner() {
        let ranking = rank(&[], 0.05);
        assert_eq!(ranking.winner, None);
        assert!(ranking.entries.is_empty());
    }

    #[test]
    fn winner_entry_keeps_its_own_fields() {
        let ranking = rank_stats(&[stats("solo", 3, 0.75, Some(42))], 0.05);
        assert_eq!(
            ranking.entries,
            [crate::RankEntry {
                miner_hotkey: "solo".to_owned(),
                rank: 1,
                passed_count: 3,
                pass_rate: 0.75,
                block: Some(42),
            }]
        );
    }
}
