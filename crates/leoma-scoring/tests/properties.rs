//! Property tests for the scoring crate: order independence (v2), winner uniqueness (v1, v2),
//! max-upscale laws, winner-take-all shape, tally majority laws, and the v1 verdict map against
//! a naive model.

use std::collections::{BTreeMap, BTreeSet};

use leoma_scoring::tally::{CONSENSUS_INVALID, ReportRow, tally};
use leoma_scoring::v1::{self, RankStats, VerdictMap};
use leoma_scoring::v2::{self, EntryStatus, MinerScoreV2, TaskVerdicts, V2Params};
use leoma_scoring::weights::{max_upscale, winner_take_all};
use leoma_scoring::{Ranking, py_sum};
use num_bigint::BigInt;
use num_rational::BigRational;
use proptest::prelude::*;

const MINERS: [&str; 6] = ["m0", "m1", "m2", "m3", "m4", "m5"];
const PRODUCERS: [&str; 4] = ["pA", "pB", "pC", "pD"];

fn status() -> impl Strategy<Value = EntryStatus> {
    prop_oneof![
        Just(EntryStatus::Passed),
        Just(EntryStatus::Failed),
        Just(EntryStatus::NotEvaluated),
    ]
}

/// A window of tasks with distinct rids, each with unique miner entries.
fn window() -> impl Strategy<Value = Vec<TaskVerdicts>> {
    let task = (
        0..PRODUCERS.len(),
        proptest::collection::btree_map(0..MINERS.len(), status(), 0..=MINERS.len()),
    );
    proptest::collection::btree_map(0_i64..60, task, 0..25).prop_map(|tasks| {
        tasks
            .into_iter()
            .map(|(rid, (producer, entries))| TaskVerdicts {
                rid,
                producer: PRODUCERS[producer].to_owned(),
                entries: entries
                    .into_iter()
                    .map(|(m, s)| (MINERS[m].to_owned(), s))
                    .collect(),
            })
            .collect()
    })
}

fn blocks() -> impl Strategy<Value = BTreeMap<String, i64>> {
    proptest::collection::btree_map(0..MINERS.len(), 0_i64..5, 0..=MINERS.len()).prop_map(|m| {
        m.into_iter()
            .map(|(i, b)| (MINERS[i].to_owned(), b * 100))
            .collect()
    })
}

fn params() -> impl Strategy<Value = V2Params> {
    (0_u32..=1_000_000, 0_u32..=1_000_000, 0_u32..=200_000).prop_map(|(c, r, d)| V2Params {
        completeness_threshold_ppm: c,
        min_distinct_ratio_ppm: r,
        dominance_threshold_ppm: d,
    })
}

/// Deterministic Fisher–Yates driven by a seed (splitmix64), so nested shuffles stay reproducible.
fn shuffle<T>(items: &mut [T], seed: &mut u64) {
    for i in (1..items.len()).rev() {
        *seed = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = *seed;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        let j = (z % (i as u64 + 1)) as usize;
        items.swap(i, j);
    }
}

fn assert_single_winner(ranking: &Ranking, eligible: usize) {
    assert_eq!(ranking.entries.len(), eligible);
    if eligible == 0 {
        assert_eq!(ranking.winner, None);
        return;
    }
    assert!(ranking.winner.is_some(), "a non-empty input has a winner");
    let winner = ranking.winner.as_deref().unwrap_or_default();
    let rank_one: Vec<&str> = ranking
        .entries
        .iter()
        .filter(|e| e.rank == 1)
        .map(|e| e.miner_hotkey.as_str())
        .collect();
    assert_eq!(rank_one, [winner]);
    let ranks: Vec<u32> = ranking.entries.iter().map(|e| e.rank).collect();
    let expected: Vec<u32> = (1..=eligible as u32).collect();
    assert_eq!(ranks, expected);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn v2_is_independent_of_input_order(
        window in window(),
        blocks in blocks(),
        params in params(),
        seed in any::<u64>(),
        unregistered in 0..MINERS.len(),
    ) {
        let registered: BTreeSet<String> = MINERS
            .iter()
            .filter(|m| **m != MINERS[unregistered])
            .map(|m| (*m).to_owned())
            .collect();
        let active = v2::active_producers(&window).len();
        let expected = v2::score_epoch_v2(&window, active, Some(&registered), &blocks, &params);

        let mut shuffled = window.clone();
        let mut seed = seed;
        shuffle(&mut shuffled, &mut seed);
        for task in &mut shuffled {
            shuffle(&mut task.entries, &mut seed);
        }
        let got = v2::score_epoch_v2(&shuffled, active, Some(&registered), &blocks, &params);
        prop_assert_eq!(got, expected);
    }

    #[test]
    fn v2_scores_are_bounded_and_counts_consistent(window in window()) {
        let scores = v2::aggregate_v2(&window);
        let window_tasks = v2::window_task_count(&window);
        let zero = BigRational::from_integer(BigInt::from(0));
        let one = BigRational::from_integer(BigInt::from(1));
        for s in &scores {
            prop_assert!(s.covered_tasks <= window_tasks);
            prop_assert!(s.total_passed <= s.total_evaluated);
            match &s.score {
                Some(score) => {
                    prop_assert!(*score >= zero && *score <= one);
                    prop_assert!(s.distinct_validators() >= 1);
                }
                None => prop_assert_eq!(s.total_evaluated, 0),
            }
        }
        let names: Vec<&str> = scores.iter().map(|s| s.miner_hotkey.as_str()).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        prop_assert_eq!(names, sorted);
    }

    #[test]
    fn v2_nonempty_eligible_set_has_exactly_one_winner(
        miners in proptest::collection::btree_map(
            0..MINERS.len(), (0_i64..=20, 1_i64..=20, 0_u64..50), 0..=MINERS.len()),
        blocks in blocks(),
        theta in 0_u32..300_000,
    ) {
        let scores: Vec<MinerScoreV2> = miners
            .iter()
            .map(|(&i, &(p, e, passed))| MinerScoreV2 {
                miner_hotkey: MINERS[i].to_owned(),
                score: Some(BigRational::new(BigInt::from(p.min(e)), BigInt::from(e))),
                total_passed: passed,
                total_evaluated: 50,
                covered_tasks: 1,
                per_validator: Vec::new(),
            })
            .collect();
        let refs: Vec<&MinerScoreV2> = scores.iter().collect();
        let ranking = v2::rank_v2(&refs, &blocks, theta);
        assert_single_winner(&ranking, scores.len());
        let mut reversed = refs.clone();
        reversed.reverse();
        prop_assert_eq!(v2::rank_v2(&reversed, &blocks, theta), ranking);
    }

    #[test]
    fn v1_nonempty_eligible_set_has_exactly_one_winner(
        miners in proptest::collection::btree_map(
            0..MINERS.len(), (0.0_f64..=1.0, 0_u64..50, proptest::option::of(0_i64..4)),
            0..=MINERS.len()),
        theta in 0.0_f64..0.3,
    ) {
        let stats: Vec<RankStats> = miners
            .iter()
            .map(|(&i, &(rate, passed, block))| RankStats {
                miner_hotkey: MINERS[i].to_owned(),
                passed_count: passed,
                pass_rate: rate,
                block: block.map(|b| b * 1000),
            })
            .collect();
        let ranking = v1::rank_stats(&stats, theta);
        assert_single_winner(&ranking, stats.len());
    }

    #[test]
    fn v1_epoch_winner_is_eligible(
        inserts in proptest::collection::vec(
            (0..PRODUCERS.len(), 0_i64..12, 0..MINERS.len(), any::<bool>()), 0..120),
        window_len in 0_i64..12,
        active in 0_usize..5,
    ) {
        let mut verdicts = VerdictMap::new();
        for (p, rid, m, passed) in &inserts {
            verdicts.insert(PRODUCERS[*p], *rid, MINERS[*m], *passed);
        }
        let window: Vec<i64> = (0..window_len).collect();
        let result = v1::score_epoch_v1(
            &verdicts, &window, active, &BTreeMap::new(), &v1::V1Params::default());
        assert_single_winner(&result.ranking, result.eligible.len());
        if let Some(winner) = &result.ranking.winner {
            prop_assert!(result.eligible.contains(winner));
        }
        for agg in &result.aggregates {
            prop_assert!(agg.completeness > 0.0 && agg.completeness <= 1.0);
            prop_assert!(agg.avg_rate >= 0.0 && agg.avg_rate <= 1.0);
        }
    }

    #[test]
    fn verdict_map_matches_naive_dict_model(
        inserts in proptest::collection::vec(
            (0..3_usize, 0_i64..4, 0..3_usize, any::<bool>()), 0..80),
    ) {
        let mut map = VerdictMap::new();
        let mut model: Vec<((usize, i64, usize), bool)> = Vec::new();
        for &(p, rid, m, passed) in &inserts {
            map.insert(PRODUCERS[p], rid, MINERS[m], passed);
            match model.iter_mut().find(|(k, _)| *k == (p, rid, m)) {
                Some((_, v)) => *v = passed,
                None => model.push(((p, rid, m), passed)),
            }
        }
        let got: Vec<(String, i64, String, bool)> = map
            .iter()
            .map(|v| (v.producer.to_owned(), v.rid, v.miner.to_owned(), v.passed))
            .collect();
        let want: Vec<(String, i64, String, bool)> = model
            .iter()
            .map(|&((p, rid, m), v)| (PRODUCERS[p].to_owned(), rid, MINERS[m].to_owned(), v))
            .collect();
        prop_assert_eq!(got, want);
    }

    #[test]
    fn py_sum_of_rates_is_order_independent(
        rates in proptest::collection::vec((0_u32..=100, 1_u32..=100), 1..12),
        seed in any::<u64>(),
    ) {
        let values: Vec<f64> = rates
            .iter()
            .map(|&(p, e)| f64::from(p.min(e)) / f64::from(e))
            .collect();
        let mut shuffled = values.clone();
        let mut seed = seed;
        shuffle(&mut shuffled, &mut seed);
        prop_assert_eq!(py_sum(&values).to_bits(), py_sum(&shuffled).to_bits());
    }

    #[test]
    fn max_upscale_laws(values in proptest::collection::vec(any::<u16>(), 0..40)) {
        let up = max_upscale(&values);
        prop_assert_eq!(up.len(), values.len());
        let max = values.iter().copied().max();
        match max {
            Some(0) | None => prop_assert!(up.iter().all(|&v| v == 0)),
            Some(max) => {
                prop_assert_eq!(up.iter().copied().max(), Some(u16::MAX));
                for (&v, &u) in values.iter().zip(&up) {
                    // Within one unit of the exact ratio.
                    let exact = f64::from(v) * 65535.0 / f64::from(max);
                    prop_assert!((f64::from(u) - exact).abs() <= 1.0);
                }
            }
        }
        for (&v, &u) in values.iter().zip(&up) {
            prop_assert_eq!(v == 0, u == 0);
        }
        for (a, b) in values.iter().zip(&up) {
            for (c, d) in values.iter().zip(&up) {
                if a <= c {
                    prop_assert!(b <= d);
                }
            }
        }
        prop_assert_eq!(max_upscale(&up), up);
    }

    #[test]
    fn winner_take_all_shape(
        winner in proptest::option::of(any::<u16>()),
        min_allowed in any::<u16>(),
        subnet_n in 0_u16..600,
    ) {
        let w = winner_take_all(winner, min_allowed, subnet_n);
        let head = winner.unwrap_or(0);
        prop_assert_eq!(w.uids.len(), w.values.len());
        prop_assert_eq!(w.uids.first().copied(), Some(head));
        prop_assert_eq!(w.values.first().copied(), Some(u16::MAX));
        prop_assert!(w.values.iter().skip(1).all(|&v| v == 0));
        let distinct: BTreeSet<u16> = w.uids.iter().copied().collect();
        prop_assert_eq!(distinct.len(), w.uids.len());
        let others: Vec<u16> = w.uids.iter().skip(1).copied().collect();
        let lowest: Vec<u16> = (0..subnet_n).filter(|&u| u != head).take(others.len()).collect();
        prop_assert_eq!(&others, &lowest);
        let target = if min_allowed > 1 { usize::from(min_allowed.min(subnet_n)) } else { 1 };
        let available = usize::from(subnet_n) - usize::from(head < subnet_n);
        prop_assert_eq!(w.uids.len(), target.max(1).min(1 + available).max(1));
        prop_assert_eq!(max_upscale(&w.values), w.values);
    }

    #[test]
    fn tally_majority_laws(
        rows in proptest::collection::vec(
            (0..MINERS.len(), any::<bool>(), proptest::option::of(0..3_usize), 0_i64..5),
            0..40),
        min_reporters in 0_usize..4,
    ) {
        let reasons = ["", "hf_error", "chute_cold"];
        let rows: Vec<ReportRow> = rows
            .iter()
            .enumerate()
            .map(|(i, &(m, valid, reason, at))| ReportRow {
                validator_hotkey: format!("v{i}"),
                miner_hotkey: MINERS[m].to_owned(),
                uid: i as i64,
                block: None,
                model_name: None,
                model_revision: None,
                model_hash: None,
                chute_id: None,
                chute_slug: None,
                is_valid: valid,
                invalid_reason: reason.map(|r| reasons[r].to_owned()),
                reported_at: at,
            })
            .collect();
        let out = tally(&rows, min_reporters);
        let mut seen = BTreeSet::new();
        for c in &out {
            prop_assert!(seen.insert(c.miner_hotkey.clone()));
            let group: Vec<&ReportRow> =
                rows.iter().filter(|r| r.miner_hotkey == c.miner_hotkey).collect();
            let valid = group.iter().filter(|r| r.is_valid).count();
            prop_assert!(group.len() >= min_reporters);
            prop_assert_eq!(c.reporters, group.len());
            prop_assert_eq!(c.valid_votes, valid);
            prop_assert_eq!(c.is_valid, 2 * valid > group.len());
            prop_assert_eq!(c.invalid_reason.is_none(), c.is_valid);
            if let Some(reason) = &c.invalid_reason {
                let from_rows = group
                    .iter()
                    .any(|r| !r.is_valid && r.invalid_reason.as_deref() == Some(reason.as_str()));
                prop_assert!(reason == CONSENSUS_INVALID || (from_rows && !reason.is_empty()));
            }
            // The representative row is valid iff any row is valid, and is the newest among those.
            let rep = &rows[c.uid as usize];
            prop_assert_eq!(rep.is_valid, valid > 0);
            let newest = group
                .iter()
                .filter(|r| r.is_valid == rep.is_valid)
                .map(|r| r.reported_at)
                .max();
            prop_assert_eq!(Some(rep.reported_at), newest);
        }
        let expected: BTreeSet<&str> = MINERS
            .iter()
            .copied()
            .filter(|m| {
                let n = rows.iter().filter(|r| r.miner_hotkey == *m).count();
                n > 0 && n >= min_reporters
            })
            .collect();
        let got: BTreeSet<&str> = out.iter().map(|c| c.miner_hotkey.as_str()).collect();
        prop_assert_eq!(got, expected);
    }
}
