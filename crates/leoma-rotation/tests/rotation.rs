//! Cross-module scenarios (SPEC §4.5 worked example) and properties of the rotation rules.

use std::collections::{BTreeMap, BTreeSet};

use leoma_rotation::epoch::epoch_boundary;
use leoma_rotation::turn::{
    effective_sampler, failover_step, grace, primary, rotation_index, turn_at,
};
use leoma_rotation::v1::{
    ProducedSets, WindowParams, canonical_samplers, derive_window, discover_task_ids, produced_sets,
};
use leoma_rotation::v2::{index_range, legitimate_producers, max_failover_step, select_window};
use proptest::prelude::*;

fn strings(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| (*s).to_owned()).collect()
}

/// §4.5: V = [A, B, C], I = 100, g = 50.
#[test]
fn worked_example_turns() {
    let v = strings(&["A", "B", "C"]);
    let g = grace(100, 0);
    assert_eq!(g, 50);

    let turn = turn_at(12_345, 100, &v).unwrap();
    assert_eq!(
        (turn.rid, turn.offset, turn.primary.as_str()),
        (123, 45, "A")
    );

    let turn = turn_at(12_360, 100, &v).unwrap();
    assert_eq!(turn.offset, 60);
    assert_eq!(failover_step(turn.offset, g, v.len()), 1);
    let (sampler, step) = effective_sampler(&v, turn.rid, turn.offset, g, false).unwrap();
    assert_eq!((sampler.as_str(), step), ("B", 1));
    let (sampler, step) = effective_sampler(&v, turn.rid, turn.offset, g, true).unwrap();
    assert_eq!((sampler.as_str(), step), ("A", 0));
}

/// §4.5: C's file for rid 123 is legitimate in v1 and ignored in v2.
#[test]
fn worked_example_legitimacy_v1_vs_v2() {
    let v = strings(&["A", "B", "C"]);
    let produced = produced_sets([("C", [123])]);
    assert_eq!(
        canonical_samplers(&v, &produced)
            .get(&123)
            .map(String::as_str),
        Some("C")
    );

    let s_max = max_failover_step(100, grace(100, 0), v.len());
    assert_eq!(s_max, 1);
    assert_eq!(legitimate_producers(&v, 123, s_max), vec!["A", "B"]);
    let w = select_window(&v, (123, 123), 100, s_max, |r, p| {
        (r, p.as_str()) == (123, "C")
    });
    assert!(w.task_ids.is_empty());
}

/// §4.5: window at B = 18 000, margin 2, N = 3, under both rule sets.
#[test]
fn worked_example_windows() {
    let v = strings(&["A", "B", "C"]);
    let window_v1 = |rids: &[i64]| {
        // Every task produced by its primary.
        let produced = produced_sets(rids.iter().map(|&r| (primary(&v, r).unwrap().clone(), [r])));
        let canonical = canonical_samplers(&v, &produced);
        let p = WindowParams {
            window_size: 3,
            ..WindowParams::reference_defaults(18_000)
        };
        derive_window(&canonical, &p).task_ids
    };
    let window_v2 = |rids: &[i64]| {
        let range = index_range(18_000, 100, 2, 30_000).unwrap();
        select_window(&v, range, 3, 1, |r, p| {
            rids.contains(&r) && primary(&v, r) == Some(p)
        })
        .task_ids
    };

    let all = [175, 176, 178, 179, 180];
    assert_eq!(window_v1(&all), vec![175, 176, 178]);
    assert_eq!(window_v2(&all), vec![175, 176, 178]);

    let early = [175, 176, 178];
    assert_eq!(window_v1(&early), vec![175]);
    assert_eq!(window_v2(&early), vec![175, 176, 178]);
}

/// The sampler and v2 legitimacy agree: no step the sampler can take is outside `S_max`.
#[test]
fn sampler_steps_are_legitimate_in_v2_for_reference_defaults() {
    for n in 0..6 {
        let s_max = max_failover_step(100, 50, n);
        for offset in 0..100 {
            assert!(failover_step(offset, 50, n) <= s_max);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

const NAMES: [&str; 6] = ["5A", "5B", "5C", "5D", "5E", "5Z"];

/// A sorted, distinct validator list drawn from the first five names ("5Z" stays off-list).
fn validators() -> impl Strategy<Value = Vec<String>> {
    proptest::sample::subsequence(&NAMES[..5], 0..=5).prop_map(|v| strings(&v))
}

/// (producer, rid) pairs; producers may be off-list; rids may be negative.
fn production() -> impl Strategy<Value = Vec<(String, i64)>> {
    proptest::collection::vec((proptest::sample::select(&NAMES[..]), -40i64..300), 0..80)
        .prop_map(|pairs| pairs.into_iter().map(|(p, r)| (p.to_owned(), r)).collect())
}

fn sets_of(pairs: &[(String, i64)]) -> ProducedSets {
    produced_sets(pairs.iter().map(|(p, r)| (p.as_str(), [*r])))
}

fn params() -> impl Strategy<Value = WindowParams> {
    (
        -500i64..40_000,
        -5i64..300,
        -3i64..20,
        -3i64..6,
        -100i64..40_000,
    )
        .prop_map(
            |(epoch_block, interval, window_size, settle_margin, max_lookback_blocks)| {
                WindowParams {
                    epoch_block,
                    interval,
                    window_size,
                    settle_margin,
                    max_lookback_blocks,
                }
            },
        )
}

/// The reference algorithm, written as literally as possible, as an oracle.
fn reference_window(canonical: &BTreeMap<i64, String>, p: &WindowParams) -> Vec<i64> {
    let step = p.interval.max(1);
    let epoch_rid = p.epoch_block.div_euclid(step);
    let floor_rid = (p.max_lookback_blocks > 0)
        .then(|| (p.epoch_block - p.max_lookback_blocks).div_euclid(step));
    let mut rids: Vec<i64> = canonical
        .keys()
        .copied()
        .filter(|&r| r <= epoch_rid && floor_rid.is_none_or(|f| r >= f))
        .collect();
    rids.sort_by(|a, b| b.cmp(a));
    let m = p.settle_margin.max(0) as usize;
    let n = p.window_size.max(0) as usize;
    let mut selected: Vec<i64> = rids.into_iter().skip(m).take(n).collect();
    selected.sort();
    selected
}

proptest! {
    #[test]
    fn canonical_sampler_is_an_allowlisted_producer(v in validators(), pairs in production()) {
        let produced = sets_of(&pairs);
        let canonical = canonical_samplers(&v, &produced);
        for (rid, sampler) in &canonical {
            prop_assert!(produced[rid].contains(sampler));
            prop_assert!(v.contains(sampler));
        }
        for (rid, producers) in &produced {
            let any_allowlisted = producers.iter().any(|p| v.contains(p));
            prop_assert_eq!(canonical.contains_key(rid), any_allowlisted);
            if let Some(c) = canonical.get(rid) {
                // Nobody earlier in failover order produced it.
                let n = v.len() as i64;
                let pos = |h: &String| {
                    let i = v.iter().position(|x| x == h).unwrap() as i64;
                    (i - rid).rem_euclid(n)
                };
                for p in producers.iter().filter(|p| v.contains(p)) {
                    prop_assert!(pos(c) <= pos(p));
                }
            }
        }
    }

    #[test]
    fn derive_window_shape(v in validators(), pairs in production(), p in params()) {
        let canonical = canonical_samplers(&v, &sets_of(&pairs));
        let w = derive_window(&canonical, &p);
        prop_assert!(w.task_ids.windows(2).all(|x| x[0] < x[1]));
        prop_assert!(w.task_ids.len() <= p.window_size.max(0) as usize);
        for rid in &w.task_ids {
            prop_assert_eq!(w.producers.get(rid), canonical.get(rid));
            prop_assert!(*rid <= p.epoch_rid());
            if let Some(floor) = p.floor_rid() {
                prop_assert!(*rid >= floor);
            }
        }
        prop_assert_eq!(w.producers.len(), w.task_ids.len());
        let active: Vec<String> =
            w.producers.values().cloned().collect::<BTreeSet<_>>().into_iter().collect();
        prop_assert_eq!(&w.active, &active);
        prop_assert_eq!(w.task_ids, reference_window(&canonical, &p));
    }

    #[test]
    fn results_do_not_depend_on_input_order(
        v in validators(),
        (pairs, shuffled) in production().prop_flat_map(|p| (Just(p.clone()), Just(p).prop_shuffle())),
        p in params(),
    ) {
        let a = canonical_samplers(&v, &sets_of(&pairs));
        let b = canonical_samplers(&v, &sets_of(&shuffled));
        prop_assert_eq!(&a, &b);
        prop_assert_eq!(derive_window(&a, &p), derive_window(&b, &p));
    }

    #[test]
    fn discovery_does_not_depend_on_listing_order(
        (keys, shuffled) in proptest::collection::vec(
            (proptest::sample::select(&["5A", "5B"][..]), -20i64..600), 0..120
        ).prop_map(|ks| ks.into_iter().map(|(h, r)| format!("{r}/evaluation_results/{h}.json")).collect::<Vec<_>>())
         .prop_flat_map(|k| (Just(k.clone()), Just(k).prop_shuffle())),
        max in 0usize..50,
    ) {
        let a = discover_task_ids(keys.iter().map(String::as_str), "5A", max);
        let b = discover_task_ids(shuffled.iter().map(String::as_str), "5A", max);
        prop_assert!(a.len() <= max);
        prop_assert!(a.windows(2).all(|x| x[0] > x[1]));
        prop_assert_eq!(a, b);
    }

    #[test]
    fn effective_sampler_is_in_v(
        v in validators(), rid in any::<i64>(), offset in any::<i64>(), g in -5i64..200, produced in any::<bool>()
    ) {
        match effective_sampler(&v, rid, offset, g, produced) {
            None => prop_assert!(v.is_empty()),
            Some((sampler, step)) => {
                prop_assert!(v.contains(sampler));
                prop_assert!(step < v.len());
                if produced {
                    prop_assert_eq!(step, 0);
                    prop_assert_eq!(Some(sampler), primary(&v, rid));
                }
            }
        }
    }

    #[test]
    fn floor_division_identities(
        block in -1_000_000_000i64..1_000_000_000, interval in 1i64..100_000, len in 1i64..10_000,
        v in validators(), rid in -1_000_000i64..1_000_000,
    ) {
        let r = rotation_index(block, interval);
        prop_assert!(r * interval <= block && block < (r + 1) * interval);
        if let Some(turn) = turn_at(block, interval, &v) {
            prop_assert!((0..interval).contains(&turn.offset));
            prop_assert_eq!(turn.rid * interval + turn.offset, block);
        }
        let b = epoch_boundary(block, len);
        prop_assert!(b <= block && block < b + len);
        prop_assert_eq!(b.rem_euclid(len), 0);
        let n = v.len() as i64;
        prop_assert_eq!(primary(&v, rid), primary(&v, rid + n));
        if n > 0 {
            prop_assert_eq!(primary(&v, rid), v.get(rid.rem_euclid(n) as usize));
        }
    }

    #[test]
    fn failover_steps_stay_within_v2_legitimacy(
        interval in 1i64..1_000, configured in -3i64..600, n in 0usize..8, offset_seed in any::<u32>()
    ) {
        let g = grace(interval, configured);
        prop_assert!(g >= 1);
        let offset = i64::from(offset_seed) % interval;
        let s_max = max_failover_step(interval, g, n);
        prop_assert!(failover_step(offset, g, n) <= s_max);
        // S_max is reached at the last block of the rotation window.
        prop_assert_eq!(failover_step(interval - 1, g, n), s_max);
    }

    #[test]
    fn v2_window_shape(
        v in validators(),
        accepted in proptest::collection::btree_set((0i64..60, proptest::sample::select(&NAMES[..])), 0..80),
        epoch_block in 0i64..6_000, margin in 1i64..4, lookback in 0i64..4_000,
        n_tasks in 0usize..15, s_max in 0usize..4,
    ) {
        let accept = |r: i64, p: &String| accepted.contains(&(r, p.as_str()));
        let Some((lo, hi)) = index_range(epoch_block, 100, margin, lookback) else {
            prop_assert!(epoch_block / 100 - margin < 0 || lookback > 0);
            return Ok(());
        };
        let w = select_window(&v, (lo, hi), n_tasks, s_max, accept);
        prop_assert!(w.task_ids.len() <= n_tasks);
        prop_assert!(w.task_ids.windows(2).all(|x| x[0] < x[1]));
        for rid in &w.task_ids {
            prop_assert!(lo <= *rid && *rid <= hi);
            let p = &w.producers[rid];
            prop_assert!(accept(*rid, p));
            let legit = legitimate_producers(&v, *rid, s_max);
            let first = legit.iter().find(|q| accept(*rid, q)).copied();
            prop_assert_eq!(first, Some(p));
        }
        // Oracle: the newest N tasks in range with an accepted legitimate file.
        let expected: Vec<i64> = (lo..=hi)
            .rev()
            .filter(|&r| legitimate_producers(&v, r, s_max).iter().any(|q| accept(r, q)))
            .take(n_tasks)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        prop_assert_eq!(&w.task_ids, &expected);
        // Files for tasks above hi (progress) never change the window.
        let more = |r: i64, p: &String| r > hi || accept(r, p);
        prop_assert_eq!(select_window(&v, (lo, hi), n_tasks, s_max, more), w);
    }
}
