//! What the devnet reports: progress lines while it runs and the final summary (per epoch its
//! block, every validator's submitted weights and the winner).

use std::collections::BTreeMap;

use serde::Serialize;

use super::node::NodeEvent;
use super::world::World;

/// One validator's submission for an epoch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Submission {
    /// Uids.
    pub uids: Vec<u16>,
    /// Values (u16 weights as computed).
    pub values: Vec<u16>,
    /// Whether the chain included it.
    pub included: bool,
}

/// One epoch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EpochSummary {
    /// Boundary block.
    pub epoch_block: i64,
    /// Submissions by validator name (`v0`, `v1`, ...; rotation order).
    pub weights: BTreeMap<String, Submission>,
    /// The winner's miner name (`m0-faithful`, ...), or `burn`.
    pub winner: String,
    /// The winner's uid (0 = burn).
    pub winner_uid: u16,
}

/// A simulated miner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MinerSummary {
    /// Name (`m<i>-<style>`).
    pub name: String,
    /// Uid.
    pub uid: u16,
    /// Hotkey.
    pub hotkey: String,
}

/// The final summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DevnetSummary {
    /// Validators by name.
    pub validators: BTreeMap<String, String>,
    /// The miners.
    pub miners: Vec<MinerSummary>,
    /// The epochs past the start, in order.
    pub epochs: Vec<EpochSummary>,
    /// Produced tasks: task id → producing validator name.
    pub produced: BTreeMap<i64, String>,
    /// Validators stopped during their turn, with the task they were sampling.
    pub stopped: Vec<String>,
    /// Counters from each validator's metrics registry.
    pub metrics: BTreeMap<String, BTreeMap<String, u64>>,
}

impl DevnetSummary {
    /// Whether every epoch's submissions are identical across validators.
    pub fn agree(&self) -> bool {
        self.epochs.iter().all(|e| {
            let mut it = e.weights.values().map(|s| (&s.uids, &s.values));
            match it.next() {
                Some(first) => it.all(|x| x == first),
                None => false,
            }
        })
    }

    /// One closing line.
    pub fn headline(&self) -> String {
        let winners: Vec<String> = self
            .epochs
            .iter()
            .map(|e| format!("{}→{}", e.epoch_block, e.winner))
            .collect();
        format!(
            "devnet done: {} epochs, {} tasks produced, validators {} on weights; winners {}",
            self.epochs.len(),
            self.produced.len(),
            if self.agree() { "agree" } else { "DISAGREE" },
            winners.join(", ")
        )
    }
}

/// Gathers node events into the summary.
pub(super) struct Collector {
    names: BTreeMap<String, String>,
    miner_names: BTreeMap<u16, String>,
    miners: Vec<MinerSummary>,
    validators: usize,
    start: i64,
    last: i64,
    epochs: BTreeMap<i64, BTreeMap<String, (Submission, Option<String>)>>,
    produced: BTreeMap<i64, String>,
    stopped: Vec<String>,
}

impl Collector {
    pub(super) fn new(world: &World, start: i64, last: i64) -> Self {
        let names = world
            .validators
            .iter()
            .enumerate()
            .map(|(i, v)| (format!("v{i}"), v.hotkey().as_str().to_owned()))
            .collect();
        Collector {
            names,
            miner_names: world
                .miners
                .iter()
                .map(|m| (m.uid, m.name.clone()))
                .collect(),
            miners: world
                .miners
                .iter()
                .map(|m| MinerSummary {
                    name: m.name.clone(),
                    uid: m.uid,
                    hotkey: m.hotkey.as_str().to_owned(),
                })
                .collect(),
            validators: world.validators.len(),
            start,
            last,
            epochs: BTreeMap::new(),
            produced: BTreeMap::new(),
            stopped: Vec::new(),
        }
    }

    /// Every validator has processed the last epoch.
    pub(super) fn done(&self) -> bool {
        self.epochs
            .get(&self.last)
            .is_some_and(|e| e.len() >= self.validators)
    }

    fn winner_name(&self, uid: Option<u16>) -> String {
        match uid {
            None | Some(0) => "burn".into(),
            Some(u) => self
                .miner_names
                .get(&u)
                .cloned()
                .unwrap_or_else(|| format!("uid {u}")),
        }
    }

    /// Records one event; returns a progress line.
    pub(super) fn record(&mut self, head: u32, ev: &NodeEvent) -> Option<String> {
        match ev {
            NodeEvent::Turn { validator, outcome } => {
                let line = super::describe_outcome(outcome)?;
                if let leoma_sampler::turn::PollOutcome::Produced { rid, .. } = outcome {
                    self.produced.insert(*rid, format!("v{validator}"));
                }
                Some(format!("[block {head}] sampler v{validator}: {line}"))
            }
            NodeEvent::Crashed { validator } => {
                self.stopped.push(format!("v{validator}"));
                Some(format!(
                    "[block {head}] validator v{validator} STOPPED in the middle of its turn"
                ))
            }
            NodeEvent::Epoch {
                validator,
                epoch_block,
                uids,
                values,
                winner,
                included,
            } => {
                let top = uids
                    .iter()
                    .zip(values)
                    .max_by_key(|(_, v)| **v)
                    .map(|(u, _)| *u);
                let line = format!(
                    "[block {head}] epoch {epoch_block}: v{validator} set weights {:?}={:?} (winner {}){}",
                    uids,
                    values,
                    self.winner_name(top),
                    if *included { "" } else { " NOT INCLUDED" }
                );
                if *epoch_block > self.start && *epoch_block <= self.last {
                    self.epochs.entry(*epoch_block).or_default().insert(
                        format!("v{validator}"),
                        (
                            Submission {
                                uids: uids.clone(),
                                values: values.clone(),
                                included: *included,
                            },
                            winner.clone(),
                        ),
                    );
                }
                Some(line)
            }
        }
    }

    pub(super) fn finish(self) -> DevnetSummary {
        let epochs = self
            .epochs
            .iter()
            .map(|(b, subs)| {
                let top = subs.values().next().and_then(|(s, _)| {
                    s.uids
                        .iter()
                        .zip(&s.values)
                        .max_by_key(|(_, v)| **v)
                        .map(|(u, _)| *u)
                });
                EpochSummary {
                    epoch_block: *b,
                    weights: subs
                        .iter()
                        .map(|(k, (s, _))| (k.clone(), s.clone()))
                        .collect(),
                    winner: self.winner_name(top),
                    winner_uid: top.unwrap_or(0),
                }
            })
            .collect();
        DevnetSummary {
            validators: self.names,
            miners: self.miners,
            epochs,
            produced: self.produced,
            stopped: self.stopped,
            metrics: BTreeMap::new(),
        }
    }
}
