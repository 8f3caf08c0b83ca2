//! Rank entries shared by the v1 and v2 rules (SPEC §5.3 step 4, §5.8).
//!
//! Both protocol versions order miners by seniority `(block or 2^31, hotkey)`, pick a winner by a
//! version-specific dominance test, and then list the winner first and everyone else by
//! `(−passed_count, hotkey)`. This module owns the parts that are identical.

use std::cmp::Reverse;

/// Sort key used for a miner whose commitment block is unknown (Python's `None → 2**31`).
///
/// A literal block equal to this value ties with "unknown" and the hotkey decides.
pub const UNKNOWN_BLOCK_SORT_KEY: i64 = 1 << 31;

/// One row of a ranking.
#[derive(Debug, Clone, PartialEq)]
pub struct RankEntry {
    /// The miner's hotkey (SS58).
    pub miner_hotkey: String,
    /// 1 for the winner, then 2, 3, … in `(−passed_count, hotkey)` order.
    pub rank: u32,
    /// Total passed verdicts over the window.
    pub passed_count: u64,
    /// v1: the f64 `avg_rate`; v2: the f64 nearest to the exact rational score (display only).
    pub pass_rate: f64,
    /// Reveal block of the miner's latest commitment, if known.
    pub block: Option<i64>,
}

/// The result of dominance ranking.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Ranking {
    /// The rank-1 miner; `None` only when there was no eligible miner (burn).
    pub winner: Option<String>,
    /// Every eligible miner, ordered by rank (the winner first).
    pub entries: Vec<RankEntry>,
}

/// A miner as the ranking sees it, before the dominance test.
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    pub(crate) miner_hotkey: String,
    pub(crate) passed_count: u64,
    pub(crate) pass_rate: f64,
    pub(crate) block: Option<i64>,
}

impl Candidate {
    fn seniority_key(&self) -> (i64, &str) {
        (
            self.block.unwrap_or(UNKNOWN_BLOCK_SORT_KEY),
            self.miner_hotkey.as_str(),
        )
    }
}

/// Sorts `items` ascending by `(block or 2^31, hotkey)`: oldest commitment first.
///
/// Returns the permutation applied, so callers can keep parallel data (v2 scores) aligned.
pub(crate) fn seniority_order(items: &[Candidate]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by(|&a, &b| match (items.get(a), items.get(b)) {
        (Some(x), Some(y)) => x.seniority_key().cmp(&y.seniority_key()),
        _ => std::cmp::Ordering::Equal,
    });
    order
}

/// Scans from the newest candidate down to the oldest and returns the first index `i` for which
/// `beats(i, j)` holds for every older `j < i`. Index 0 always qualifies (vacuously), so a
/// non-empty input always has a winner.
pub(crate) fn first_dominant(len: usize, beats: impl Fn(usize, usize) -> bool) -> Option<usize> {
    (0..len).rev().find(|&i| (0..i).all(|j| beats(i, j)))
}

/// Builds the ranking: the winner gets rank 1, the others follow by `(−passed_count, hotkey)`.
pub(crate) fn build_ranking(mut candidates: Vec<Candidate>, winner: Option<usize>) -> Ranking {
    let Some(winner_index) = winner.filter(|&w| w < candidates.len()) else {
        return Ranking::default();
    };
    let winner = candidates.swap_remove(winner_index);
    candidates.sort_by(|a, b| {
        (Reverse(a.passed_count), a.miner_hotkey.as_str())
            .cmp(&(Reverse(b.passed_count), b.miner_hotkey.as_str()))
    });
    let winner_hotkey = winner.miner_hotkey.clone();
    let entries = std::iter::once(winner)
        .chain(candidates)
        .enumerate()
        .map(|(index, c)| RankEntry {
            rank: u32::try_from(index.saturating_add(1)).unwrap_or(u32::MAX),
            miner_hotkey: c.miner_hotkey,
            passed_count: c.passed_count,
            pass_rate: c.pass_rate,
            block: c.block,
        })
        .collect();
    Ranking {
        winner: Some(winner_hotkey),
        entries,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cand(hotkey: &str, passed: u64, block: Option<i64>) -> Candidate {
        Candidate {
            miner_hotkey: hotkey.to_owned(),
            passed_count: passed,
            pass_rate: 0.5,
            block,
        }
    }

    #[test]
    fn unknown_block_sorts_as_two_to_the_31() {
        let items = vec![
            cand("d", 0, Some(UNKNOWN_BLOCK_SORT_KEY + 1)),
            cand("c", 0, None),
            cand("b", 0, Some(UNKNOWN_BLOCK_SORT_KEY)),
            cand("a", 0, Some(5)),
            cand("z", 0, Some(0)),
        ];
        let order: Vec<&str> = seniority_order(&items)
            .into_iter()
            .map(|i| items[i].miner_hotkey.as_str())
            .collect();
        // Block 0 first; unknown ties with a literal 2^31 and the hotkey decides.
        assert_eq!(order, ["z", "a", "b", "c", "d"]);
    }

    #[test]
    fn others_are_ordered_by_passed_count_then_hotkey() {
        let items = vec![
            cand("w", 1, Some(1)),
            cand("b", 5, Some(2)),
            cand("a", 5, Some(3)),
            cand("c", 9, Some(4)),
        ];
        let ranking = build_ranking(items, Some(0));
        assert_eq!(ranking.winner.as_deref(), Some("w"));
        let got: Vec<(&str, u32)> = ranking
            .entries
            .iter()
            .map(|e| (e.miner_hotkey.as_str(), e.rank))
            .collect();
        assert_eq!(got, [("w", 1), ("c", 2), ("a", 3), ("b", 4)]);
    }

    #[test]
    fn no_winner_means_empty_ranking() {
        assert_eq!(
            build_ranking(vec![cand("a", 1, None)], None),
            Ranking::default()
        );
        assert_eq!(first_dominant(0, |_, _| true), None);
        assert_eq!(first_dominant(3, |_, _| false), Some(0));
        assert_eq!(first_dominant(3, |i, _| i == 1), Some(1));
    }
}
