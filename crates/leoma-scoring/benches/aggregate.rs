//! In-memory aggregation benchmark (run by `cargo xtask bench`; `cargo bench -p leoma-scoring
//! --bench aggregate` alone prints the same table rows).
//!
//! One epoch of the reference shape: a 100-task window produced by 64 validators in rotation,
//! 192 miners judged on every task. Times building the verdict map from parsed verdicts plus
//! aggregation, gating and ranking (v1), and the exact-rational equivalent (v2).

#![allow(missing_docs, clippy::print_stdout, clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use leoma_scoring::v1::{V1Params, VerdictMap, score_epoch_v1};
use leoma_scoring::v2::{EntryStatus, TaskVerdicts, V2Params, score_epoch_v2};

const VALIDATORS: usize = 64;
const TASKS: i64 = 100;
const MINERS: usize = 192;
const ITERATIONS: usize = 60;

/// A parsed verdict file: (producer index, task id, [(miner index, passed)]).
type File = (usize, i64, Vec<(usize, bool)>);

/// xorshift64*: a fixed, dependency-free stream so every run measures the same input.
struct Stream(u64);
impl Stream {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

fn main() {
    let validators: Vec<String> = (0..VALIDATORS)
        .map(|i| format!("5Validator{i:03}"))
        .collect();
    let miners: Vec<String> = (0..MINERS).map(|i| format!("5Miner{i:04}")).collect();
    let mut rng = Stream(0x9e37_79b9_7f4a_7c15);
    let window: Vec<i64> = (2_900..2_900 + TASKS).collect();
    let files: Vec<File> = window
        .iter()
        .map(|&rid| {
            let producer = usize::try_from(rid).unwrap() % VALIDATORS;
            let entries = (0..MINERS)
                .map(|m| (m, rng.next() % 100 < (30 + m as u64 % 60)))
                .collect();
            (producer, rid, entries)
        })
        .collect();
    let blocks: BTreeMap<String, i64> = miners
        .iter()
        .enumerate()
        .map(|(i, m)| (m.clone(), 1_000 + i as i64))
        .collect();

    let v1 = time(|| {
        let mut map = VerdictMap::new();
        for (p, rid, entries) in &files {
            for (m, passed) in entries {
                map.insert(&validators[*p], *rid, &miners[*m], *passed);
            }
        }
        score_epoch_v1(&map, &window, VALIDATORS, &blocks, &V1Params::default())
    });
    let tasks: Vec<TaskVerdicts> = files
        .iter()
        .map(|(p, rid, entries)| TaskVerdicts {
            rid: *rid,
            producer: validators[*p].clone(),
            entries: entries
                .iter()
                .map(|(m, passed)| {
                    let status = if *passed {
                        EntryStatus::Passed
                    } else {
                        EntryStatus::Failed
                    };
                    (miners[*m].clone(), status)
                })
                .collect(),
        })
        .collect();
    let v2 = time(|| score_epoch_v2(&tasks, VALIDATORS, None, &blocks, &V2Params::default()));

    for (name, t) in [("v1", v1), ("v2", v2)] {
        println!(
            "| aggregation alone, {name} (in memory) | {} | {} | {} | {TASKS} tasks x {MINERS} miners, {VALIDATORS} validators, {ITERATIONS} iterations |",
            ms(t[0]),
            ms(t[t.len() / 2]),
            ms(t[t.len() - 1])
        );
    }
}

fn time<R>(mut f: impl FnMut() -> R) -> Vec<Duration> {
    black_box(f()); // warm-up
    let mut times: Vec<Duration> = (0..ITERATIONS)
        .map(|_| {
            let t = Instant::now();
            black_box(f());
            t.elapsed()
        })
        .collect();
    times.sort();
    times
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}
