//! v1 aggregation and eligibility gates (SPEC §5.2).
//!
//! Floats are computed exactly as the reference does: per-validator rates are f64 divisions, the
//! average is CPython's compensated `sum()` over rates in first-insertion order of `(v, m)`, then
//! divided by k; completeness is an f64 division.

use std::collections::{BTreeMap, BTreeSet};

use super::verdicts::VerdictMap;
use crate::py_sum;

/// Per-miner aggregate over the scoring window (§5.2 step 6).
#[derive(Debug, Clone, PartialEq)]
pub struct MinerAggregate {
    /// The miner's hotkey.
    pub miner_hotkey: String,
    /// `py_sum(rates) / k`.
    pub avg_rate: f64,
    /// Σ passed verdicts over all validators.
    pub total_passed: u64,
    /// Σ verdicts over all validators.
    pub total_evaluated: u64,
    /// `|tasks(m)| / |existing|` in f64 (0 when no window task has a verdict).
    pub completeness: f64,
    /// `(validator, p / e)` in first-insertion order of the pair `(validator, miner)`.
    pub per_validator_rate: Vec<(String, f64)>,
    /// `block_by_hotkey.get(miner)`.
    pub block: Option<i64>,
    /// `|tasks(m)|`: distinct window task ids with a verdict for this miner.
    pub tasks: usize,
}

#[derive(Default)]
struct PairCounts {
    passed: u64,
    evaluated: u64,
}

/// Per-miner counters, keyed by interned producer id in first-insertion order of `(v, m)`.
struct MinerAccumulator {
    miner: u32,
    pairs: Vec<(u32, PairCounts)>,
    tasks: BTreeSet<i64>,
}

impl MinerAccumulator {
    fn add(&mut self, producer: u32, rid: i64, passed: bool) {
        // A miner has at most a few dozen producers: a linear scan beats hashing here.
        let counts = match self.pairs.iter().position(|(p, _)| *p == producer) {
            Some(i) => self.pairs.get_mut(i).map(|(_, c)| c),
            None => {
                self.pairs.push((producer, PairCounts::default()));
                self.pairs.last_mut().map(|(_, c)| c)
            }
        };
        if let Some(counts) = counts {
            counts.evaluated += 1;
            counts.passed += u64::from(passed);
        }
        self.tasks.insert(rid);
    }
}

/// Aggregates verdicts over the window exactly as §5.2 steps 1–6 describe.
///
/// Verdicts whose rid is not in `window` are dropped; `existing` is the set of window rids that
/// still have at least one verdict. The output lists miners in first-insertion order of the miner
/// (the order in which it first appears among in-window verdicts); the ranking does not depend on
/// this order.
pub fn aggregate(
    verdicts: &VerdictMap,
    window: &[i64],
    block_by_hotkey: &BTreeMap<String, i64>,
) -> Vec<MinerAggregate> {
    let window: BTreeSet<i64> = window.iter().copied().collect();
    let mut existing: BTreeSet<i64> = BTreeSet::new();
    let mut miners: Vec<MinerAccumulator> = Vec::new();
    // Interned miner id -> position in `miners`.
    let mut miner_position: Vec<Option<usize>> = vec![None; verdicts.name_count()];

    for slot in verdicts.slots().iter().filter(|s| window.contains(&s.rid)) {
        existing.insert(slot.rid);
        let Some(entry) = miner_position.get_mut(slot.miner as usize) else {
            continue;
        };
        let position = *entry.get_or_insert_with(|| {
            miners.push(MinerAccumulator {
                miner: slot.miner,
                pairs: Vec::new(),
                tasks: BTreeSet::new(),
            });
            miners.len() - 1
        });
        if let Some(acc) = miners.get_mut(position) {
            acc.add(slot.producer, slot.rid, slot.passed);
        }
    }

    let existing_count = existing.len();
    miners
        .into_iter()
        .map(|acc| finish(verdicts, acc, existing_count, block_by_hotkey))
        .collect()
}

fn finish(
    verdicts: &VerdictMap,
    acc: MinerAccumulator,
    existing_count: usize,
    block_by_hotkey: &BTreeMap<String, i64>,
) -> MinerAggregate {
    let per_validator_rate: Vec<(String, f64)> = acc
        .pairs
        .iter()
        .map(|(producer, counts)| {
            // Rates are Python `p / e` on ints: a correctly rounded f64 division.
            let rate = counts.passed as f64 / counts.evaluated as f64;
            (verdicts.name(*producer).to_owned(), rate)
        })
        .collect();
    let rates: Vec<f64> = per_validator_rate.iter().map(|(_, rate)| *rate).collect();
    let avg_rate = if rates.is_empty() {
        0.0
    } else {
        py_sum(&rates) / rates.len() as f64
    };
    let completeness = if existing_count == 0 {
        0.0
    } else {
        acc.tasks.len() as f64 / existing_count as f64
    };
    let miner = verdicts.name(acc.miner);
    MinerAggregate {
        miner_hotkey: miner.to_owned(),
        avg_rate,
        total_passed: acc.pairs.iter().map(|(_, c)| c.passed).sum(),
        total_evaluated: acc.pairs.iter().map(|(_, c)| c.evaluated).sum(),
        completeness,
        per_validator_rate,
        block: block_by_hotkey.get(miner).copied(),
        tasks: acc.tasks.len(),
    }
}

/// `required_distinct(|active|)` (§5.2): 1 if `active` is 0, else
/// `max(1, ceil(active × ratio))` with the product in f64.
///
/// A negative or NaN ratio (a configuration error the binary rejects) yields 1.
pub fn required_distinct(active: usize, ratio: f64) -> usize {
    if active == 0 {
        return 1;
    }
    // `as` saturates: NaN → 0, negative → 0, +∞ → usize::MAX.
    let needed = (active as f64 * ratio).ceil() as usize;
    needed.max(1)
}

/// The v1 eligibility gate (§5.2): `completeness ≥ threshold − 1e-12` (both operations in f64)
/// and at least `min_distinct` validators with a rate for the miner.
///
/// There is no valid-miner filter on the weight path: any miner named in a verdict file may pass.
pub fn is_eligible(agg: &MinerAggregate, completeness_threshold: f64, min_distinct: usize) -> bool {
    agg.completeness >= completeness_threshold - 1e-12
        && agg.per_validator_rate.len() >= min_distinct
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agg_with(completeness: f64, validators: usize) -> MinerAggregate {
        MinerAggregate {
            miner_hotkey: "m".to_owned(),
            avg_rate: 0.5,
            total_passed: 1,
            total_evaluated: 2,
            completeness,
            per_validator_rate: (0..validators).map(|i| (format!("v{i}"), 0.5)).collect(),
            block: None,
            tasks: 1,
        }
    }

    #[test]
    fn min_distinct_table() {
        let table = [
            (0, 1),
            (1, 1),
            (2, 1),
            (3, 2),
            (4, 2),
            (5, 3),
            (6, 3),
            (7, 4),
        ];
        for (active, expected) in table {
            assert_eq!(
                required_distinct(active, 0.5),
                expected,
                "active = {active}"
            );
        }
        assert_eq!(required_distinct(3, 0.0), 1);
        assert_eq!(required_distinct(3, 1.0), 3);
        assert_eq!(required_distinct(3, f64::NAN), 1);
        assert_eq!(required_distinct(3, -0.5), 1);
    }

    #[test]
    fn min_distinct_uses_the_f64_product() {
        // 25 × 0.28 = 7.000000000000001 in f64, so ceil gives 8 (exact arithmetic gives 7).
        assert_eq!(25.0 * 0.28, 7.000_000_000_000_001);
        assert_eq!(required_distinct(25, 0.28), 8);
    }

    #[test]
    fn completeness_gate_allows_the_epsilon() {
        let edge: f64 = 0.8 - 1e-12;
        assert_eq!(edge, 0.799_999_999_999_000_1);
        assert!(is_eligible(&agg_with(0.799_999_999_999_000_1, 1), 0.8, 1));
        assert!(!is_eligible(&agg_with(edge.next_down(), 1), 0.8, 1));
        assert!(is_eligible(&agg_with(0.8, 1), 0.8, 1));
        assert!(!is_eligible(&agg_with(0.75, 1), 0.8, 1));
    }

    #[test]
    fn distinct_validator_gate() {
        assert!(is_eligible(&agg_with(1.0, 2), 0.8, 2));
        assert!(!is_eligible(&agg_with(1.0, 1), 0.8, 2));
    }

    #[test]
    fn aggregates_rates_completeness_and_blocks() {
        let mut verdicts = VerdictMap::new();
        // rid 1: producer A judges m1 (pass) and m2 (fail).
        verdicts.insert("A", 1, "m2", false);
        verdicts.insert("A", 1, "m1", true);
        // rid 2: producer B judges m1 twice (overwrite: fail), m2 pass.
        verdicts.insert("B", 2, "m1", true);
        verdicts.insert("B", 2, "m2", true);
        verdicts.insert("B", 2, "m1", false);
        // rid 3: producer A judges m1 pass.
        verdicts.insert("A", 3, "m1", true);
        // rid 9 is outside the window and is dropped.
        verdicts.insert("C", 9, "m3", true);
        let blocks = BTreeMap::from([("m1".to_owned(), 700_i64)]);
        let aggs = aggregate(&verdicts, &[1, 2, 3, 4], &blocks);
        assert_eq!(aggs.len(), 2);

        let m2 = &aggs[0];
        assert_eq!(m2.miner_hotkey, "m2");
        assert_eq!(
            m2.per_validator_rate,
            [("A".to_owned(), 0.0), ("B".to_owned(), 1.0)]
        );
        assert_eq!(m2.avg_rate, 0.5);
        assert_eq!((m2.total_passed, m2.total_evaluated), (1, 2));
        // existing = {1, 2, 3}: rid 4 has no verdict and does not count.
        assert_eq!(m2.tasks, 2);
        assert_eq!(m2.completeness, 2.0 / 3.0);
        assert_eq!(m2.block, None);

        let m1 = &aggs[1];
        assert_eq!(m1.miner_hotkey, "m1");
        assert_eq!(
            m1.per_validator_rate,
            [("A".to_owned(), 1.0), ("B".to_owned(), 0.0)]
        );
        assert_eq!(m1.avg_rate, 0.5);
        assert_eq!((m1.total_passed, m1.total_evaluated), (2, 3));
        assert_eq!(m1.completeness, 1.0);
        assert_eq!(m1.block, Some(700));
    }

    #[test]
    fn average_uses_py_sum_then_divides_by_k() {
        let mut verdicts = VerdictMap::new();
        // Ten validators, each with rate 0.1 (1 of 10): naive sum 0.9999999999999999, py_sum 1.0.
        for v in 0..10 {
            for rid in 0..10 {
                verdicts.insert(&format!("v{v}"), rid, "m", rid == 0);
            }
        }
        let window: Vec<i64> = (0..10).collect();
        let aggs = aggregate(&verdicts, &window, &BTreeMap::new());
        assert_eq!(aggs[0].avg_rate, 1.0 / 10.0);
        assert_eq!(aggs[0].per_validator_rate.len(), 10);
    }

    #[test]
    fn empty_window_or_no_verdicts() {
        let mut verdicts = VerdictMap::new();
        verdicts.insert("A", 1, "m", true);
        assert!(aggregate(&verdicts, &[], &BTreeMap::new()).is_empty());
        assert!(aggregate(&VerdictMap::new(), &[1], &BTreeMap::new()).is_empty());
    }
}
