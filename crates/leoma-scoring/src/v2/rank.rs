//! v2 dominance with exact rationals (SPEC §5.8).

use std::collections::BTreeMap;

use num_bigint::BigInt;
use num_rational::BigRational;

use super::aggregate::{MinerScoreV2, rational_to_f64};
use crate::ranking::{Candidate, Ranking, build_ranking, first_dominant, seniority_order};

/// Ranks eligible miners (§5.8).
///
/// Miners are ordered by `(blocks[m] or 2^31, hotkey)`; scanning from the newest, candidate `i`
/// wins iff `score_i − score_j ≥ θ` exactly (θ = `dominance_threshold_ppm` / 1 000 000) for every
/// older `j`. The oldest always qualifies, so a non-empty input has a winner. Others follow by
/// `(−total_passed, hotkey)`. Entries without a score (`k = 0`) are not ranked. The result does
/// not depend on the order of `eligible`.
pub fn rank_v2(
    eligible: &[&MinerScoreV2],
    blocks: &BTreeMap<String, i64>,
    dominance_threshold_ppm: u32,
) -> Ranking {
    let scored: Vec<(Candidate, &BigRational)> = eligible
        .iter()
        .filter_map(|miner| {
            let score = miner.score.as_ref()?;
            let candidate = Candidate {
                miner_hotkey: miner.miner_hotkey.clone(),
                passed_count: miner.total_passed,
                pass_rate: rational_to_f64(score),
                block: blocks.get(&miner.miner_hotkey).copied(),
            };
            Some((candidate, score))
        })
        .collect();
    let candidates: Vec<Candidate> = scored.iter().map(|(c, _)| c.clone()).collect();
    let order = seniority_order(&candidates);
    let ordered: Vec<(Candidate, &BigRational)> = order
        .into_iter()
        .filter_map(|i| scored.get(i).cloned())
        .collect();
    let theta = BigRational::new(
        BigInt::from(dominance_threshold_ppm),
        BigInt::from(1_000_000_u32),
    );
    let winner = first_dominant(ordered.len(), |i, j| {
        match (ordered.get(i), ordered.get(j)) {
            (Some((_, score_i)), Some((_, score_j))) => dominates(score_i, score_j, &theta),
            _ => false,
        }
    });
    build_ranking(ordered.into_iter().map(|(c, _)| c).collect(), winner)
}

/// `newer − older ≥ θ` by cross-multiplication: with `newer = a/b`, `older = c/d`, `θ = t/u`
/// (all denominators positive), `(a·d − c·b) · u ≥ t · b · d`.
fn dominates(newer: &BigRational, older: &BigRational, theta: &BigRational) -> bool {
    let lhs = (newer.numer() * older.denom() - older.numer() * newer.denom()) * theta.denom();
    let rhs = theta.numer() * newer.denom() * older.denom();
    lhs >= rhs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ratio(n: i64, d: i64) -> BigRational {
        BigRational::new(BigInt::from(n), BigInt::from(d))
    }

    fn miner(hotkey: &str, passed: u64, score: Option<BigRational>) -> MinerScoreV2 {
        MinerScoreV2 {
            miner_hotkey: hotkey.to_owned(),
            score,
            total_passed: passed,
            total_evaluated: 20,
            covered_tasks: 20,
            per_validator: Vec::new(),
        }
    }

    fn blocks(pairs: &[(&str, i64)]) -> BTreeMap<String, i64> {
        pairs.iter().map(|(h, b)| ((*h).to_owned(), *b)).collect()
    }

    #[test]
    fn exact_theta_difference_dominates() {
        // §5.3/§5.8: 14/20 − 13/20 = 1/20 = θ, so under v2 the newer miner wins.
        let old = miner("old", 13, Some(ratio(13, 20)));
        let new = miner("new", 14, Some(ratio(14, 20)));
        let b = blocks(&[("old", 100), ("new", 200)]);
        let ranking = rank_v2(&[&old, &new], &b, 50_000);
        assert_eq!(ranking.winner.as_deref(), Some("new"));
        assert_eq!(ranking.entries[0].pass_rate, 0.7);
        assert_eq!(ranking.entries[1].pass_rate, 0.65);
        // One ppm more and it no longer does.
        let ranking = rank_v2(&[&old, &new], &b, 50_001);
        assert_eq!(ranking.winner.as_deref(), Some("old"));
    }

    #[test]
    fn dominance_is_exact_cross_multiplication() {
        let theta = ratio(1, 20);
        assert!(dominates(&ratio(14, 20), &ratio(13, 20), &theta));
        assert!(!dominates(&ratio(13, 20), &ratio(14, 20), &theta));
        assert!(dominates(&ratio(1, 1), &ratio(0, 1), &theta));
        assert!(!dominates(&ratio(2, 3), &ratio(5, 8), &theta)); // 1/24 < 1/20
        assert!(dominates(&ratio(2, 3), &ratio(7, 12), &theta)); // 1/12 ≥ 1/20
        assert!(dominates(&ratio(1, 3), &ratio(1, 3), &ratio(0, 1)));
    }

    #[test]
    fn unknown_block_is_newest_and_unscored_are_skipped() {
        let a = miner("a", 1, Some(ratio(1, 2)));
        let u = miner("u", 1, Some(ratio(9, 10)));
        let none = miner("n", 50, None);
        let b = blocks(&[("a", 5)]);
        let ranking = rank_v2(&[&u, &none, &a], &b, 50_000);
        assert_eq!(ranking.winner.as_deref(), Some("u"));
        assert_eq!(ranking.entries.len(), 2);
        assert_eq!(ranking.entries[1].block, Some(5));
        assert_eq!(ranking.entries[0].block, None);
    }

    #[test]
    fn empty_has_no_winner() {
        assert_eq!(rank_v2(&[], &BTreeMap::new(), 50_000), Ranking::default());
    }
}
