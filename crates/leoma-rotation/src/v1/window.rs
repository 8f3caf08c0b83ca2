//! v1 canonical samplers and scoring window (SPEC §4.3), with the reference's margin semantics.

use std::collections::{BTreeMap, BTreeSet};

use super::ProducedSets;
use crate::turn::at_step;

/// Reference default of the rotation interval (blocks).
pub const DEFAULT_INTERVAL: i64 = 100;
/// Reference default of `SCORER_TASK_WINDOW` (N).
pub const DEFAULT_WINDOW_SIZE: i64 = 100;
/// Reference default of `SCORER_SETTLE_MARGIN`.
pub const DEFAULT_SETTLE_MARGIN: i64 = 2;
/// Reference default of `SCORER_MAX_LOOKBACK_BLOCKS` (L).
pub const DEFAULT_MAX_LOOKBACK_BLOCKS: i64 = 30_000;

/// `canonical[rid]` for every produced rid: the first `V[(rid + s) mod n]`, `s = 0 … n − 1`, that is
/// among the producers of rid. Rids with no allowlisted producer are omitted.
///
/// `validators` is V, sorted ascending by code point (as the allowlist reader returns it).
pub fn canonical_samplers(validators: &[String], produced: &ProducedSets) -> BTreeMap<i64, String> {
    produced
        .iter()
        .filter_map(|(&rid, producers)| {
            (0..validators.len())
                .filter_map(|step| at_step(validators, rid, step))
                .find(|candidate| producers.contains(*candidate))
                .map(|sampler| (rid, sampler.clone()))
        })
        .collect()
}

/// The inputs of `derive_window` besides the canonical map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowParams {
    /// The epoch boundary block B.
    pub epoch_block: i64,
    /// The rotation interval I (a value `≤ 0` is treated as 1).
    pub interval: i64,
    /// N: the number of produced tasks in the window (negative is treated as 0).
    pub window_size: i64,
    /// How many of the newest **produced** rids are dropped (negative is treated as 0).
    pub settle_margin: i64,
    /// L: the lookback cap in blocks; `≤ 0` means no cap.
    pub max_lookback_blocks: i64,
}

impl Default for WindowParams {
    /// The reference defaults at boundary block 0 (set `epoch_block` with struct update syntax).
    fn default() -> Self {
        WindowParams::reference_defaults(0)
    }
}

impl WindowParams {
    /// The reference defaults (I = 100, N = 100, margin 2, L = 30 000) at boundary `epoch_block`.
    pub fn reference_defaults(epoch_block: i64) -> Self {
        WindowParams {
            epoch_block,
            interval: DEFAULT_INTERVAL,
            window_size: DEFAULT_WINDOW_SIZE,
            settle_margin: DEFAULT_SETTLE_MARGIN,
            max_lookback_blocks: DEFAULT_MAX_LOOKBACK_BLOCKS,
        }
    }

    /// `epoch_rid = B div max(1, I)`: the newest admissible rid (the rotation in progress).
    pub fn epoch_rid(&self) -> i64 {
        self.epoch_block.div_euclid(self.step())
    }

    /// `floor_rid = (B − L) div max(1, I)` if `L > 0`, else `None` (no floor).
    ///
    /// Floor division of a possibly negative number. The difference is taken in `i128`; a floor
    /// below `i64::MIN` saturates there, which admits exactly the same `i64` rids.
    pub fn floor_rid(&self) -> Option<i64> {
        if self.max_lookback_blocks <= 0 {
            return None;
        }
        let diff = i128::from(self.epoch_block) - i128::from(self.max_lookback_blocks);
        let floor = diff.div_euclid(i128::from(self.step()));
        Some(i64::try_from(floor).unwrap_or(i64::MIN))
    }

    fn step(&self) -> i64 {
        self.interval.max(1)
    }
}

/// A v1 scoring window.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Window {
    /// The selected task ids, ascending.
    pub task_ids: Vec<i64>,
    /// The canonical producer of every task id in the window.
    pub producers: BTreeMap<i64, String>,
    /// The distinct canonical producers of the window, sorted ascending.
    pub active: Vec<String>,
}

/// `derive_window` (SPEC §4.3 steps 1–4): drop the newest `margin` produced rids at or below
/// `epoch_rid` (and at or above `floor_rid`), keep the next N, ascending.
///
/// Reference semantics kept on purpose: the margin counts produced rids, not rotation indices, and
/// `rid = epoch_rid` (the rotation in progress) is admissible.
pub fn derive_window(canonical: &BTreeMap<i64, String>, p: &WindowParams) -> Window {
    let epoch_rid = p.epoch_rid();
    let floor_rid = p.floor_rid();
    let margin = usize::try_from(p.settle_margin.max(0)).unwrap_or(usize::MAX);
    let size = usize::try_from(p.window_size.max(0)).unwrap_or(usize::MAX);

    let lower = floor_rid.unwrap_or(i64::MIN);
    let producers: BTreeMap<i64, String> = if lower > epoch_rid {
        BTreeMap::new()
    } else {
        canonical
            .range(lower..=epoch_rid)
            .rev()
            .skip(margin)
            .take(size)
            .map(|(&rid, producer)| (rid, producer.clone()))
            .collect()
    };
    let task_ids = producers.keys().copied().collect();
    let active = producers
        .values()
        .cloned()
        .collect::<BTreeSet<String>>()
        .into_iter()
        .collect();
    Window {
        task_ids,
        producers,
        active,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| (*s).to_owned()).collect()
    }

    fn produced(entries: &[(i64, &[&str])]) -> ProducedSets {
        entries
            .iter()
            .map(|(rid, ps)| (*rid, ps.iter().map(|s| (*s).to_owned()).collect()))
            .collect()
    }

    fn canon(entries: &[(i64, &str)]) -> BTreeMap<i64, String> {
        entries.iter().map(|(r, p)| (*r, (*p).to_owned())).collect()
    }

    fn params(b: i64, n: i64, margin: i64, l: i64) -> WindowParams {
        WindowParams {
            epoch_block: b,
            interval: 100,
            window_size: n,
            settle_margin: margin,
            max_lookback_blocks: l,
        }
    }

    #[test]
    fn canonical_prefers_earliest_failover_position() {
        let vals = v(&["A", "B", "C"]);
        let sets = produced(&[
            (123, &["B", "C"]), // primary A missing: B (step 1)
            (124, &["A", "B"]), // primary B
            (125, &["A", "B"]), // primary C missing: A (step 1)
            (126, &["C"]),      // any allowlisted producer is legitimate in v1
            (127, &["Z"]),      // no allowlisted producer: omitted
            (-5, &["A", "C"]),  // -5 mod 3 = 1: B missing, C (step 1)
            (128, &[]),
        ]);
        let got = canonical_samplers(&vals, &sets);
        assert_eq!(
            got,
            canon(&[(-5, "C"), (123, "B"), (124, "B"), (125, "A"), (126, "C")])
        );
        assert!(canonical_samplers(&[], &sets).is_empty());
    }

    #[test]
    fn worked_example_v1() {
        let c = canon(&[(175, "A"), (176, "B"), (178, "A"), (179, "B"), (180, "C")]);
        let w = derive_window(&c, &params(18_000, 3, 2, 30_000));
        assert_eq!(w.task_ids, vec![175, 176, 178]);
        assert_eq!(w.active, v(&["A", "B"]));
        assert_eq!(w.producers, canon(&[(175, "A"), (176, "B"), (178, "A")]));

        // 179 and 180 not produced yet: the margin eats 178 and 176.
        let c = canon(&[(175, "A"), (176, "B"), (178, "A")]);
        let w = derive_window(&c, &params(18_000, 3, 2, 30_000));
        assert_eq!(w.task_ids, vec![175]);
    }

    #[test]
    fn epoch_rid_is_admissible_and_newer_rids_are_not() {
        let c = canon(&[(179, "A"), (180, "B"), (181, "C")]);
        let w = derive_window(&c, &params(18_000, 10, 0, 0));
        assert_eq!(w.task_ids, vec![179, 180]);
        let w = derive_window(&c, &params(18_099, 10, 0, 0));
        assert_eq!(w.task_ids, vec![179, 180]);
        let w = derive_window(&c, &params(18_100, 10, 0, 0));
        assert_eq!(w.task_ids, vec![179, 180, 181]);
    }

    #[test]
    fn floor_limits_lookback_inclusively() {
        // B = 18 000, L = 500: floor_rid = 175.
        let c = canon(&[(174, "A"), (175, "B"), (176, "C")]);
        let w = derive_window(&c, &params(18_000, 10, 0, 500));
        assert_eq!(w.task_ids, vec![175, 176]);
        // L = 0 and negative L: no floor.
        let w = derive_window(&c, &params(18_000, 10, 0, 0));
        assert_eq!(w.task_ids, vec![174, 175, 176]);
        let w = derive_window(&c, &params(18_000, 10, 0, -1));
        assert_eq!(w.task_ids, vec![174, 175, 176]);
    }

    #[test]
    fn negative_floor_uses_floor_division() {
        // B = 150, L = 30 000: (150 − 30 000) div 100 = −299 (−298.5 rounded toward −∞).
        let p = params(150, 10, 0, 30_000);
        assert_eq!(p.floor_rid(), Some(-299));
        assert_eq!(p.epoch_rid(), 1);
        let c = canon(&[
            (-300, "A"),
            (-299, "B"),
            (-5, "C"),
            (0, "A"),
            (1, "B"),
            (2, "C"),
        ]);
        let w = derive_window(&c, &p);
        assert_eq!(w.task_ids, vec![-299, -5, 0, 1]);
        // Exact multiple: (100 − 30 000) div 100 = −299.
        assert_eq!(params(100, 1, 0, 30_000).floor_rid(), Some(-299));
        // Extreme values saturate instead of overflowing.
        assert_eq!(
            params(i64::MIN, 1, 0, i64::MAX).floor_rid().map(|f| f < 0),
            Some(true)
        );
    }

    #[test]
    fn margin_and_size_clip() {
        let c = canon(&[(1, "A"), (2, "B"), (3, "C")]);
        assert!(
            derive_window(&c, &params(1_000, 10, 3, 0))
                .task_ids
                .is_empty()
        );
        assert!(
            derive_window(&c, &params(1_000, 10, 99, 0))
                .task_ids
                .is_empty()
        );
        assert_eq!(
            derive_window(&c, &params(1_000, 10, -4, 0)).task_ids,
            vec![1, 2, 3]
        );
        assert!(
            derive_window(&c, &params(1_000, 0, 0, 0))
                .task_ids
                .is_empty()
        );
        assert!(
            derive_window(&c, &params(1_000, -1, 0, 0))
                .task_ids
                .is_empty()
        );
        assert_eq!(derive_window(&c, &params(1_000, 1, 1, 0)).task_ids, vec![2]);
        assert_eq!(
            derive_window(&c, &params(1_000, 2, 0, 0)).active,
            v(&["B", "C"])
        );
    }

    #[test]
    fn rids_below_floor_are_excluded() {
        let c = canon(&[(1, "A")]);
        let p = WindowParams {
            epoch_block: 1_000,
            interval: 100,
            window_size: 10,
            settle_margin: 0,
            max_lookback_blocks: 1,
        };
        // floor 9, epoch_rid 10
        assert!(derive_window(&c, &p).task_ids.is_empty());
    }

    #[test]
    fn reference_defaults() {
        let p = WindowParams::reference_defaults(18_000);
        assert_eq!(
            (
                p.interval,
                p.window_size,
                p.settle_margin,
                p.max_lookback_blocks
            ),
            (100, 100, 2, 30_000)
        );
        assert_eq!((p.epoch_rid(), p.floor_rid()), (180, Some(-120)));
        let q = WindowParams {
            epoch_block: 18_000,
            ..WindowParams::default()
        };
        assert_eq!(p, q);
    }

    #[test]
    fn interval_zero_is_treated_as_one() {
        let c = canon(&[(5, "A"), (6, "B")]);
        let p = WindowParams {
            epoch_block: 5,
            interval: 0,
            window_size: 10,
            settle_margin: 0,
            max_lookback_blocks: 0,
        };
        assert_eq!(derive_window(&c, &p).task_ids, vec![5]);
    }
}
