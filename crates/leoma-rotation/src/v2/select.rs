//! v2 window selection (SPEC §4.4): walk task ids from `hi` down to `lo`, and within a task the
//! legitimate producers in preference order; the first accepted file is canonical. Stop at N tasks.
//!
//! The walk is a plain state machine ([`WindowSelector`]) so that an async caller can fetch each
//! probed file itself; [`select_window`] drives it with a synchronous predicate.

use std::collections::{BTreeMap, BTreeSet};

use crate::turn::at_step;

/// A v2 scoring window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindowV2<T> {
    /// Task ids with a canonical producer, ascending.
    pub task_ids: Vec<i64>,
    /// The canonical producer (first accepted legitimate producer) of every task in the window.
    pub producers: BTreeMap<i64, T>,
    /// The distinct canonical producers, sorted ascending.
    pub active: Vec<T>,
}

impl<T: Ord + Clone> WindowV2<T> {
    fn from_producers(producers: BTreeMap<i64, T>) -> Self {
        let task_ids = producers.keys().copied().collect();
        let active = producers
            .values()
            .cloned()
            .collect::<BTreeSet<T>>()
            .into_iter()
            .collect();
        WindowV2 {
            task_ids,
            producers,
            active,
        }
    }
}

/// The step-by-step v2 window walk: ask [`next_probe`](Self::next_probe) which file to check,
/// report the verdict with [`record`](Self::record), repeat until it returns `None`, then
/// [`finish`](Self::finish).
#[derive(Debug, Clone)]
pub struct WindowSelector<'a, T> {
    validators: &'a [T],
    /// Number of legitimate producers per task: `min(S_max, n − 1) + 1` (0 when V is empty).
    per_task: usize,
    window_size: usize,
    lo: i64,
    /// The task being resolved; `None` once the range is exhausted.
    rid: Option<i64>,
    /// Preference position of the next producer to probe for `rid`.
    step: usize,
    producers: BTreeMap<i64, T>,
}

impl<'a, T: Ord + Clone> WindowSelector<'a, T> {
    /// Starts a walk over `range = (lo, hi)` (empty when `hi < lo`) for at most `window_size`
    /// tasks, with producers up to failover step `s_max`.
    pub fn new(validators: &'a [T], range: (i64, i64), window_size: usize, s_max: usize) -> Self {
        let (lo, hi) = range;
        WindowSelector {
            validators,
            per_task: s_max.saturating_add(1).min(validators.len()),
            window_size,
            lo,
            rid: (hi >= lo).then_some(hi),
            step: 0,
            producers: BTreeMap::new(),
        }
    }

    /// The next `(task id, producer)` whose file must be checked, or `None` when the walk is over
    /// (N tasks found, range exhausted, or nobody is legitimate).
    pub fn next_probe(&self) -> Option<(i64, &'a T)> {
        if self.producers.len() >= self.window_size || self.step >= self.per_task {
            return None;
        }
        let rid = self.rid?;
        at_step(self.validators, rid, self.step).map(|producer| (rid, producer))
    }

    /// Records whether the file of the current probe was accepted (SPEC §5.6). Accepted: the
    /// producer becomes canonical and the walk moves to the next older task; rejected or missing:
    /// the walk falls through to the next legitimate producer. No-op once the walk is over.
    pub fn record(&mut self, accepted: bool) {
        let Some((rid, producer)) = self.next_probe() else {
            return;
        };
        if accepted {
            self.producers.insert(rid, producer.clone());
            self.next_task(rid);
        } else {
            self.step += 1;
            if self.step >= self.per_task {
                self.next_task(rid);
            }
        }
    }

    fn next_task(&mut self, rid: i64) {
        self.step = 0;
        self.rid = (rid > self.lo).then(|| rid - 1);
    }

    /// The window found so far.
    pub fn finish(self) -> WindowV2<T> {
        WindowV2::from_producers(self.producers)
    }
}

/// Runs the whole v2 walk with `accept(rid, producer)` deciding whether that producer's file for
/// `rid` exists and is accepted. `accept` is called only for legitimate producers inside `range`,
/// newest task first, in preference order, and never after N tasks are found.
pub fn select_window<T: Ord + Clone>(
    validators: &[T],
    range: (i64, i64),
    window_size: usize,
    s_max: usize,
    mut accept: impl FnMut(i64, &T) -> bool,
) -> WindowV2<T> {
    let mut selector = WindowSelector::new(validators, range, window_size, s_max);
    while let Some((rid, producer)) = selector.next_probe() {
        let accepted = accept(rid, producer);
        selector.record(accepted);
    }
    selector.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    const V: [&str; 3] = ["A", "B", "C"];

    #[test]
    fn worked_example_v2_window() {
        // Produced by their primaries: 175 (B), 176 (C), 178 (B), 179 (C), 180 (A).
        let produced = [(175, "B"), (176, "C"), (178, "B"), (179, "C"), (180, "A")];
        let range = (0, 178);
        let w = select_window(&V, range, 3, 1, |r, p| produced.contains(&(r, *p)));
        assert_eq!(w.task_ids, vec![175, 176, 178]);
        assert_eq!(w.active, vec!["B", "C"]);

        // 179 and 180 not produced yet: same window.
        let produced = [(175, "B"), (176, "C"), (178, "B")];
        let w = select_window(&V, range, 3, 1, |r, p| produced.contains(&(r, *p)));
        assert_eq!(w.task_ids, vec![175, 176, 178]);
    }

    #[test]
    fn illegitimate_producer_is_never_probed() {
        // rid 123: legitimate A then B; C's file is ignored.
        let mut probes = Vec::new();
        let w = select_window(&V, (123, 123), 10, 1, |r, p| {
            probes.push((r, *p));
            *p == "C"
        });
        assert_eq!(probes, vec![(123, "A"), (123, "B")]);
        assert!(w.task_ids.is_empty());
    }

    #[test]
    fn falls_through_to_next_legitimate_producer() {
        let mut probes = Vec::new();
        let w = select_window(&V, (122, 123), 10, 2, |r, p| {
            probes.push((r, *p));
            (r, *p) == (123, "C") || (r, *p) == (122, "C")
        });
        assert_eq!(probes, vec![(123, "A"), (123, "B"), (123, "C"), (122, "C")]);
        assert_eq!(w.producers, BTreeMap::from([(122, "C"), (123, "C")]));
        assert_eq!(w.active, vec!["C"]);
    }

    #[test]
    fn stops_at_window_size() {
        let mut probes = Vec::new();
        let w = select_window(&V, (0, 100), 2, 1, |r, p| {
            probes.push((r, *p));
            true
        });
        assert_eq!(w.task_ids, vec![99, 100]);
        assert_eq!(probes.len(), 2);
        assert!(
            select_window(&V, (0, 100), 0, 1, |_, _| panic!("probed"))
                .task_ids
                .is_empty()
        );
    }

    #[test]
    fn stops_at_lo_and_handles_empty_inputs() {
        let mut probes = Vec::new();
        let w = select_window(&V, (5, 6), 10, 0, |r, p| {
            probes.push((r, *p));
            true
        });
        assert_eq!(probes, vec![(6, "A"), (5, "C")]);
        assert_eq!(w.task_ids, vec![5, 6]);
        assert!(
            select_window(&V, (7, 6), 10, 1, |_, _| panic!("probed"))
                .task_ids
                .is_empty()
        );
        assert!(
            select_window::<&str>(&[], (0, 6), 10, 1, |_, _| panic!("probed"))
                .task_ids
                .is_empty()
        );
        let w = select_window(&V, (i64::MIN, i64::MIN), 10, 0, |_, _| true);
        assert_eq!(w.task_ids, vec![i64::MIN]);
    }

    #[test]
    fn selector_record_after_end_is_noop() {
        let mut s = WindowSelector::new(&V, (1, 1), 1, 0);
        assert_eq!(s.next_probe(), Some((1, &"B")));
        s.record(true);
        assert_eq!(s.next_probe(), None);
        s.record(true);
        assert_eq!(s.finish().task_ids, vec![1]);
    }
}
