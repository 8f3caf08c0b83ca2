//! v2 legitimacy and index range (SPEC §4.4, D3 b and f).

use crate::turn::at_step;

/// `S_max`: the largest failover step the rotation window's elapsed blocks can reach.
///
/// 0 if `n ≤ 1`, else `min((interval − 1) div grace, n − 1)`. A `grace ≤ 0` (which
/// [`grace`](crate::turn::grace) never returns) or an `interval ≤ 0` (which the v2 allowlist
/// rejects) gives 0, matching `failover_step`'s "no failover" answer for such inputs.
pub fn max_failover_step(interval: i64, grace: i64, n: usize) -> usize {
    if n <= 1 || grace <= 0 {
        return 0;
    }
    let cap = n - 1;
    let reach = interval.saturating_sub(1).div_euclid(grace);
    usize::try_from(reach).map_or(if reach < 0 { 0 } else { cap }, |s| s.min(cap))
}

/// The legitimate producers of task `rid` in preference order: `V[(rid + s) mod n]` for
/// `s = 0 … S_max` (capped at `n − 1`, so nobody appears twice). Empty when V is empty.
pub fn legitimate_producers<T>(validators: &[T], rid: i64, s_max: usize) -> Vec<&T> {
    let count = s_max.saturating_add(1).min(validators.len());
    (0..count)
        .filter_map(|step| at_step(validators, rid, step))
        .collect()
}

/// The task-id range `(lo, hi)` scored at boundary B, or `None` when it is empty (`hi < lo`).
///
/// `epoch_rid = B div I`, `hi = epoch_rid − m`, `lo = (B − L) div I` if `L > 0` and `B ≥ L`, else 0.
/// An `interval ≤ 0` is treated as 1; arithmetic saturates instead of overflowing.
pub fn index_range(
    epoch_block: i64,
    interval: i64,
    settle_margin: i64,
    max_lookback: i64,
) -> Option<(i64, i64)> {
    let step = interval.max(1);
    let epoch_rid = epoch_block.div_euclid(step);
    let hi = epoch_rid.saturating_sub(settle_margin);
    let lo = if max_lookback > 0 && epoch_block >= max_lookback {
        // B ≥ L > 0, so the difference is non-negative and cannot overflow.
        (epoch_block - max_lookback).div_euclid(step)
    } else {
        0
    };
    (hi >= lo).then_some((lo, hi))
}

#[cfg(test)]
mod tests {
    use super::*;

    const V: [&str; 3] = ["A", "B", "C"];

    #[test]
    fn s_max_reference_values() {
        assert_eq!(max_failover_step(100, 50, 3), 1);
        assert_eq!(max_failover_step(101, 50, 3), 2);
        assert_eq!(max_failover_step(100, 10, 3), 2);
        assert_eq!(max_failover_step(100, 100, 3), 0);
        assert_eq!(max_failover_step(100, 200, 3), 0);
        assert_eq!(max_failover_step(100, 50, 1), 0);
        assert_eq!(max_failover_step(100, 50, 0), 0);
        assert_eq!(max_failover_step(100, 0, 3), 0);
        assert_eq!(max_failover_step(0, 1, 3), 0);
        assert_eq!(max_failover_step(i64::MIN, 1, 3), 0);
        assert_eq!(max_failover_step(i64::MAX, 1, 3), 2);
    }

    #[test]
    fn worked_example_legitimacy() {
        let s_max = max_failover_step(100, 50, V.len());
        assert_eq!(legitimate_producers(&V, 123, s_max), vec![&"A", &"B"]);
        assert!(!legitimate_producers(&V, 123, s_max).contains(&&"C"));
        assert_eq!(legitimate_producers(&V, 125, 1), vec![&"C", &"A"]);
    }

    #[test]
    fn legitimate_producers_never_repeat() {
        assert_eq!(legitimate_producers(&V, 1, 10), vec![&"B", &"C", &"A"]);
        assert_eq!(legitimate_producers(&V, -1, 0), vec![&"C"]);
        assert_eq!(legitimate_producers(&V, 0, usize::MAX).len(), 3);
        assert!(legitimate_producers::<&str>(&[], 1, 2).is_empty());
    }

    #[test]
    fn index_range_examples() {
        // Worked example: B = 18 000, m = 2, L = 30 000 > B → lo 0.
        assert_eq!(index_range(18_000, 100, 2, 30_000), Some((0, 178)));
        assert_eq!(index_range(18_000, 100, 2, 0), Some((0, 178)));
        assert_eq!(index_range(18_000, 100, 2, 500), Some((175, 178)));
        assert_eq!(index_range(18_000, 100, 2, 18_000), Some((0, 178)));
        assert_eq!(index_range(18_050, 100, 2, 550), Some((175, 178)));
        // hi < lo
        assert_eq!(index_range(100, 100, 2, 0), None);
        assert_eq!(index_range(18_000, 100, 2, 100), None);
        assert_eq!(index_range(200, 100, 2, 0), Some((0, 0)));
        assert_eq!(index_range(i64::MIN, 1, i64::MAX, 0), None);
    }
}
