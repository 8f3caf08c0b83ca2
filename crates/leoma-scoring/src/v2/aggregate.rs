//! v2 aggregation (SPEC §5.7): exact rational scores, independent of input order.
//!
//! Counting is commutative and every grouping uses a `BTreeMap`, so shuffling tasks or entries
//! never changes the result.

use std::collections::{BTreeMap, BTreeSet};

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::Zero;

/// Status of one miner entry in an accepted v2 verdict file (§3.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EntryStatus {
    /// Judged and passed.
    Passed,
    /// Judged and failed, or a miner-attributable delivery failure.
    Failed,
    /// The producer's own failure prevented the evaluation.
    NotEvaluated,
}

/// The accepted verdict file of one window task, reduced to what scoring reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskVerdicts {
    /// Task id (rotation index).
    pub rid: i64,
    /// The canonical producer of the task.
    pub producer: String,
    /// `(miner hotkey, status)` per entry.
    pub entries: Vec<(String, EntryStatus)>,
}

/// Per-producer counts for one miner (only producers with `e_v(m) ≥ 1` are listed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidatorCounts {
    /// The producer (validator) hotkey.
    pub producer: String,
    /// `p_v(m)`: tasks of this producer where the miner passed.
    pub passed: u64,
    /// `e_v(m)`: tasks of this producer where the miner passed or failed.
    pub evaluated: u64,
}

/// Per-miner v2 aggregate.
#[derive(Debug, Clone, PartialEq)]
pub struct MinerScoreV2 {
    /// The miner's hotkey.
    pub miner_hotkey: String,
    /// `(1 / k) × Σ p_v / e_v` as an exact rational; `None` when `k = 0` (the miner was only ever
    /// `not_evaluated`): such a miner has no score, is listed for reporting, and is never ranked.
    pub score: Option<BigRational>,
    /// `Σ p_v(m)`.
    pub total_passed: u64,
    /// `Σ e_v(m)`.
    pub total_evaluated: u64,
    /// `|T(m)|`: distinct window tasks whose file has an entry for the miner, any status.
    pub covered_tasks: usize,
    /// `V(m)` with counts, sorted by producer hotkey; `k(m)` is its length.
    pub per_validator: Vec<ValidatorCounts>,
}

impl MinerScoreV2 {
    /// `k(m)`: the number of producers with at least one passed/failed verdict for the miner.
    pub fn distinct_validators(&self) -> usize {
        self.per_validator.len()
    }

    /// The f64 nearest to the exact score, 0.0 when there is no score (display only; never used
    /// for decisions).
    pub fn score_f64(&self) -> f64 {
        self.score.as_ref().map_or(0.0, rational_to_f64)
    }

    /// `|T(m)| / |W|` as an f64, 0.0 for an empty window (display only; the gate is integer).
    pub fn completeness_f64(&self, window_tasks: usize) -> f64 {
        if window_tasks == 0 {
            return 0.0;
        }
        self.covered_tasks as f64 / window_tasks as f64
    }

    /// `p_v / e_v` as f64 per producer (display only).
    pub fn per_validator_rates(&self) -> BTreeMap<String, f64> {
        self.per_validator
            .iter()
            .map(|c| (c.producer.clone(), c.passed as f64 / c.evaluated as f64))
            .collect()
    }
}

/// `|W|`: the number of distinct task ids in the window.
pub fn window_task_count(window: &[TaskVerdicts]) -> usize {
    window
        .iter()
        .map(|t| t.rid)
        .collect::<BTreeSet<i64>>()
        .len()
}

/// `|active|`: the distinct canonical producers of the window (§4.4).
pub fn active_producers(window: &[TaskVerdicts]) -> Vec<String> {
    window
        .iter()
        .map(|t| t.producer.clone())
        .collect::<BTreeSet<String>>()
        .into_iter()
        .collect()
}

#[derive(Default)]
struct Tally<'a> {
    per_producer: BTreeMap<&'a str, (u64, u64)>,
    covered: BTreeSet<i64>,
}

/// Aggregates the window (§5.7). The output is sorted by miner hotkey.
///
/// Preconditions guaranteed by v2 acceptance (§5.6): one entry per rid in the window and unique
/// hotkeys inside a task. If they are violated the result is still deterministic and independent
/// of input order: every entry is counted, and `T(m)` counts distinct rids.
pub fn aggregate_v2(window: &[TaskVerdicts]) -> Vec<MinerScoreV2> {
    let mut tallies: BTreeMap<&str, Tally<'_>> = BTreeMap::new();
    for task in window {
        for (miner, status) in &task.entries {
            let tally = tallies.entry(miner.as_str()).or_default();
            tally.covered.insert(task.rid);
            let passed = match status {
                EntryStatus::Passed => true,
                EntryStatus::Failed => false,
                // A producer failure neither lowers the rate nor the completeness.
                EntryStatus::NotEvaluated => continue,
            };
            let counts = tally
                .per_producer
                .entry(task.producer.as_str())
                .or_insert((0, 0));
            counts.0 += u64::from(passed);
            counts.1 += 1;
        }
    }
    tallies
        .into_iter()
        .map(|(miner, tally)| finish(miner, tally))
        .collect()
}

fn finish(miner: &str, tally: Tally<'_>) -> MinerScoreV2 {
    let per_validator: Vec<ValidatorCounts> = tally
        .per_producer
        .into_iter()
        .filter(|(_, (_, evaluated))| *evaluated > 0)
        .map(|(producer, (passed, evaluated))| ValidatorCounts {
            producer: producer.to_owned(),
            passed,
            evaluated,
        })
        .collect();
    let score = exact_score(&per_validator);
    MinerScoreV2 {
        miner_hotkey: miner.to_owned(),
        score,
        total_passed: per_validator.iter().map(|c| c.passed).sum(),
        total_evaluated: per_validator.iter().map(|c| c.evaluated).sum(),
        covered_tasks: tally.covered.len(),
        per_validator,
    }
}

fn exact_score(per_validator: &[ValidatorCounts]) -> Option<BigRational> {
    if per_validator.is_empty() {
        return None;
    }
    if let Some(score) = exact_score_small(per_validator) {
        return Some(score);
    }
    let mut sum = BigRational::zero();
    for counts in per_validator {
        sum += BigRational::new(BigInt::from(counts.passed), BigInt::from(counts.evaluated));
    }
    Some(sum / BigRational::from_integer(BigInt::from(per_validator.len())))
}

/// The same exact sum over a common denominator in `u128`, reduced once at the end (a
/// `BigRational` sum normalises at every step, which dominates an epoch's scoring time).
/// `None` when an intermediate value would overflow; the caller then sums big rationals.
fn exact_score_small(per_validator: &[ValidatorCounts]) -> Option<BigRational> {
    let mut den: u128 = 1;
    for c in per_validator {
        let e = u128::from(c.evaluated);
        den = den.checked_mul(e / num_integer_gcd(den, e))?;
    }
    let mut num: u128 = 0;
    for c in per_validator {
        let scaled = u128::from(c.passed).checked_mul(den / u128::from(c.evaluated))?;
        num = num.checked_add(scaled)?;
    }
    let k = u128::try_from(per_validator.len()).ok()?;
    Some(BigRational::new(
        BigInt::from(num),
        BigInt::from(den.checked_mul(k)?),
    ))
}

fn num_integer_gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// The f64 nearest to a rational (num-rational's correctly rounding conversion).
pub(crate) fn rational_to_f64(value: &BigRational) -> f64 {
    num_traits::ToPrimitive::to_f64(value).unwrap_or(f64::NAN)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(rid: i64, producer: &str, entries: &[(&str, EntryStatus)]) -> TaskVerdicts {
        TaskVerdicts {
            rid,
            producer: producer.to_owned(),
            entries: entries.iter().map(|(m, s)| ((*m).to_owned(), *s)).collect(),
        }
    }

    fn ratio(n: i64, d: i64) -> BigRational {
        BigRational::new(BigInt::from(n), BigInt::from(d))
    }

    use EntryStatus::{Failed, NotEvaluated, Passed};

    #[test]
    fn exact_average_of_per_producer_rates() {
        let window = [
            task(1, "A", &[("m", Passed), ("n", Failed)]),
            task(2, "B", &[("m", Failed), ("n", Passed)]),
            task(3, "A", &[("m", Passed)]),
            task(4, "B", &[("m", Passed)]),
            task(5, "C", &[("m", Failed)]),
        ];
        let scores = aggregate_v2(&window);
        let names: Vec<&str> = scores.iter().map(|s| s.miner_hotkey.as_str()).collect();
        assert_eq!(names, ["m", "n"]);
        let m = &scores[0];
        // A: 2/2, B: 1/2, C: 0/1 → (1 + 1/2 + 0) / 3 = 1/2.
        assert_eq!(m.score, Some(ratio(1, 2)));
        assert_eq!((m.total_passed, m.total_evaluated), (3, 5));
        assert_eq!(m.covered_tasks, 5);
        assert_eq!(m.distinct_validators(), 3);
        assert_eq!(
            m.per_validator[1],
            ValidatorCounts {
                producer: "B".to_owned(),
                passed: 1,
                evaluated: 2
            }
        );
        let n = &scores[1];
        assert_eq!(n.score, Some(ratio(1, 2)));
        assert_eq!(n.covered_tasks, 2);
        assert_eq!(n.score_f64(), 0.5);
        assert_eq!(n.completeness_f64(5), 0.4);
        assert_eq!(n.completeness_f64(0), 0.0);
        assert_eq!(
            m.per_validator_rates(),
            BTreeMap::from([
                ("A".to_owned(), 1.0),
                ("B".to_owned(), 0.5),
                ("C".to_owned(), 0.0)
            ])
        );
    }

    #[test]
    fn not_evaluated_lowers_neither_rate_nor_completeness() {
        let window = [
            task(1, "A", &[("m", Passed)]),
            task(2, "B", &[("m", NotEvaluated)]),
            task(3, "A", &[("m", Passed)]),
        ];
        let scores = aggregate_v2(&window);
        assert_eq!(scores[0].score, Some(ratio(1, 1)));
        assert_eq!(scores[0].covered_tasks, 3);
        assert_eq!(scores[0].total_evaluated, 2);
        assert_eq!(scores[0].distinct_validators(), 1);
    }

    #[test]
    fn only_not_evaluated_means_no_score() {
        let window = [task(1, "A", &[("m", NotEvaluated)])];
        let scores = aggregate_v2(&window);
        assert_eq!(scores.len(), 1);
        assert_eq!(scores[0].score, None);
        assert_eq!(scores[0].covered_tasks, 1);
        assert_eq!(scores[0].distinct_validators(), 0);
        assert_eq!(scores[0].score_f64(), 0.0);
    }

    #[test]
    fn window_counts_and_active_producers() {
        let window = [
            task(7, "B", &[]),
            task(5, "A", &[("m", Passed)]),
            task(6, "B", &[("m", Passed)]),
        ];
        assert_eq!(window_task_count(&window), 3);
        assert_eq!(active_producers(&window), ["A", "B"]);
        assert_eq!(window_task_count(&[]), 0);
    }

    #[test]
    fn display_conversion_is_nearest() {
        assert_eq!(rational_to_f64(&ratio(13, 20)), 0.65);
        assert_eq!(rational_to_f64(&ratio(7, 10)), 0.7);
        assert_eq!(rational_to_f64(&ratio(1, 3)), 1.0 / 3.0);
    }
}
