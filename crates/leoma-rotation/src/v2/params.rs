//! v2 rotation parameters taken from a verified allowlist v2 (SPEC §4.4 "parameters from the
//! allowlist read at B"), in the integer types the rotation math uses.

use std::collections::BTreeMap;

use leoma_api_types::Hotkey;
use leoma_api_types::allowlist::AllowlistV2;

use super::{WindowV2, index_range, legitimate_producers, max_failover_step, select_window};
use crate::turn::grace;

/// The v2 rotation and window parameters of one allowlist.
///
/// Values beyond `i64`/`usize` saturate; the allowlist bounds (interval < 2^32) keep every
/// realistic value exact, and a saturated margin or lookback gives the same range as the exact one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Params {
    /// V: the validators' hotkeys, strictly ascending (the rotation order).
    pub validators: Vec<Hotkey>,
    /// I: the rotation interval in blocks (≥ 1).
    pub interval: i64,
    /// g: the failover grace, resolved (`failover_grace_blocks`, or `max(1, I div 2)` for 0).
    pub grace: i64,
    /// The Leoma epoch length in blocks (≥ 1).
    pub epoch_length: i64,
    /// N: the number of tasks in the window (≥ 1).
    pub window_size: usize,
    /// m: task ids above `epoch_rid − m` are not scored (≥ 1).
    pub settle_margin: i64,
    /// L: the lookback cap in blocks; 0 = no cap.
    pub max_lookback_blocks: i64,
    /// `S_max`: the largest legitimate failover step.
    pub s_max: usize,
}

fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

impl Params {
    /// The parameters of a verified allowlist v2.
    pub fn from_allowlist(allowlist: &AllowlistV2) -> Self {
        let p = allowlist.params();
        let validators: Vec<Hotkey> = allowlist
            .validators()
            .iter()
            .map(|v| v.hotkey.clone())
            .collect();
        let interval = to_i64(p.interval);
        let grace = grace(interval, to_i64(p.failover_grace_blocks));
        let s_max = max_failover_step(interval, grace, validators.len());
        Params {
            validators,
            interval,
            grace,
            epoch_length: to_i64(p.epoch_length),
            window_size: usize::try_from(p.scoring.window_size).unwrap_or(usize::MAX),
            settle_margin: to_i64(p.scoring.settle_margin),
            max_lookback_blocks: to_i64(p.scoring.max_lookback_blocks),
            s_max,
        }
    }

    /// The scored task-id range at boundary `epoch_block` ([`index_range`]).
    pub fn index_range(&self, epoch_block: i64) -> Option<(i64, i64)> {
        index_range(
            epoch_block,
            self.interval,
            self.settle_margin,
            self.max_lookback_blocks,
        )
    }

    /// The legitimate producers of task `rid`, in preference order.
    pub fn legitimate_producers(&self, rid: i64) -> Vec<&Hotkey> {
        legitimate_producers(&self.validators, rid, self.s_max)
    }

    /// The window at boundary `epoch_block` ([`select_window`] over [`Params::index_range`]).
    pub fn select_window(
        &self,
        epoch_block: i64,
        accept: impl FnMut(i64, &Hotkey) -> bool,
    ) -> WindowV2<Hotkey> {
        match self.index_range(epoch_block) {
            Some(range) => select_window(
                &self.validators,
                range,
                self.window_size,
                self.s_max,
                accept,
            ),
            None => WindowV2 {
                task_ids: Vec::new(),
                producers: BTreeMap::new(),
                active: Vec::new(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use leoma_api_types::allowlist::{ConsensusParamsV2, ValidatorEntryV2};

    use super::*;

    const ALICE: &str = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
    const BOB: &str = "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty";
    const CHARLIE: &str = "5FLSigC9HGRKVhB9FiEo4Y3koPsNmBmLJbpXg2mp1hXcS59Y";

    fn allowlist(params: ConsensusParamsV2) -> AllowlistV2 {
        let entries = [ALICE, BOB, CHARLIE]
            .iter()
            .map(|hk| ValidatorEntryV2 {
                hotkey: Hotkey::parse(hk).unwrap(),
                bucket: "leoma-res".to_owned(),
                endpoint: "https://acct.r2.cloudflarestorage.com".to_owned(),
                region: "auto".to_owned(),
            })
            .collect();
        AllowlistV2::new(entries, params).unwrap()
    }

    #[test]
    fn reference_defaults() {
        let p = Params::from_allowlist(&allowlist(ConsensusParamsV2::REFERENCE_DEFAULTS));
        assert_eq!(p.interval, 100);
        assert_eq!(p.grace, 50);
        assert_eq!(p.s_max, 1);
        assert_eq!(p.window_size, 100);
        assert_eq!(p.settle_margin, 2);
        assert_eq!(p.max_lookback_blocks, 30_000);
        assert_eq!(p.epoch_length, 180);
        // Sorted by address: BOB (5FH…), CHARLIE (5FL…), ALICE (5Gr…).
        let order: Vec<&str> = p.validators.iter().map(Hotkey::as_str).collect();
        assert_eq!(order, vec![BOB, CHARLIE, ALICE]);
        assert_eq!(p.index_range(18_000), Some((0, 178)));
        let legit: Vec<&str> = p
            .legitimate_producers(123)
            .into_iter()
            .map(Hotkey::as_str)
            .collect();
        assert_eq!(legit, vec![BOB, CHARLIE]);
    }

    #[test]
    fn configured_grace_and_window_walk() {
        let mut params = ConsensusParamsV2::REFERENCE_DEFAULTS;
        params.failover_grace_blocks = 10;
        params.scoring.window_size = 2;
        let p = Params::from_allowlist(&allowlist(params));
        assert_eq!((p.grace, p.s_max), (10, 2));
        let w = p.select_window(18_000, |r, hk| r % 2 == 0 && hk.as_str() == ALICE);
        assert_eq!(w.task_ids, vec![176, 178]);
        assert_eq!(
            w.active.iter().map(Hotkey::as_str).collect::<Vec<_>>(),
            vec![ALICE]
        );
        // Empty range: nothing is probed.
        let w = p.select_window(100, |_, _| panic!("probed"));
        assert!(w.task_ids.is_empty());
    }
}
