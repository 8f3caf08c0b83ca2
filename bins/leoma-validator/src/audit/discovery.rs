//! v1 discovery without listing whole buckets (SPEC §4.3, E12).
//!
//! The reference lists every object of every peer bucket each epoch. This walk reads the same
//! facts with far fewer requests: one delimiter listing of each bucket's top-level task folders,
//! then existence checks of `<folder>/evaluation_results/<safe(peer)>.json` only where the
//! answer can change the window, newest task first, stopping once `margin + N` produced tasks
//! are known. The canonical map it returns agrees with the reference's on every task id the
//! window can contain, so [`leoma_rotation::v1::derive_window`] selects the same window:
//!
//! * a task id is produced by a peer iff one of the peer's task folders whose name parses to it
//!   holds the verdict key (the reference's "ends with the suffix" also matches deeper keys such
//!   as `12/x/evaluation_results/<peer>.json`, which no producer writes; documented divergence);
//! * the per-peer cap of `WINDOW_DISCOVERY_MAX_TASKS` newest task ids is honoured: a task id is
//!   within the cap when fewer than `cap` of the peer's folders are newer, and otherwise the
//!   newer folders are checked until the cap is settled;
//! * a peer whose listing or checks keep failing is treated as empty, as a failed listing is in
//!   the reference, and the walk restarts without it.
//!
//! The checks of canonical keys are GETs, so the window's verdict files are read once.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use leoma_api_types::keys::verdict_key_suffix;
use leoma_api_types::verdict::VERDICT_FILE_MAX_BYTES;
use leoma_rotation::v1::WindowParams;
use leoma_storage::layout::{TaskFolder, list_task_folders};
use leoma_storage::{BucketReader, StorageError};

use super::fetch::{RetryPolicy, bounded, retrying};

/// What a GET of a canonical verdict key gave: the bytes, absent, or why it failed.
pub(crate) type Fetched = Result<Option<Vec<u8>>, String>;

/// `V[(rid + step) mod n]`: the validator at failover `step` of task `rid` (SPEC §4.1).
fn at_step(validators: &[String], rid: i64, step: usize) -> Option<&String> {
    let step = i64::try_from(step).ok()?;
    leoma_rotation::turn::primary(validators, rid.checked_add(step)?)
}

/// The outcome of discovery.
#[derive(Debug, Default)]
pub(crate) struct Discovered {
    /// Canonical producer of every produced task id the window can draw from (the newest
    /// `margin + N` in range, or all of them).
    pub(crate) canonical: BTreeMap<i64, String>,
    /// GET results of canonical verdict keys `(rid, producer)` read during the walk.
    pub(crate) fetched: BTreeMap<(i64, String), Fetched>,
    /// Peers treated as empty, with the reason.
    pub(crate) failed: BTreeMap<String, String>,
}

/// The inputs of the walk.
pub(crate) struct Walk<'a> {
    pub(crate) validators: &'a [String],
    pub(crate) peers: &'a BTreeMap<String, Arc<dyn BucketReader>>,
    pub(crate) params: &'a WindowParams,
    pub(crate) cap: usize,
    pub(crate) concurrency: usize,
    pub(crate) retry: RetryPolicy,
}

struct State {
    /// Peer → task id → folder names parsing to it.
    folders: BTreeMap<String, BTreeMap<i64, Vec<String>>>,
    /// (peer, rid) → produced.
    produced: BTreeMap<(String, i64), bool>,
    fetched: BTreeMap<(i64, String), Fetched>,
    failed: BTreeMap<String, String>,
}

impl Walk<'_> {
    pub(crate) async fn run(&self) -> Discovered {
        let mut st = State {
            folders: BTreeMap::new(),
            produced: BTreeMap::new(),
            fetched: BTreeMap::new(),
            failed: BTreeMap::new(),
        };
        let listed = bounded(
            self.peers.iter().collect(),
            self.concurrency,
            |(hk, reader)| async move {
                let r = retrying(self.retry, || list_task_folders(reader.as_ref())).await;
                (hk.clone(), r)
            },
        )
        .await;
        for (hk, r) in listed {
            match r {
                Ok(list) => {
                    let mut by_rid: BTreeMap<i64, Vec<String>> = BTreeMap::new();
                    for TaskFolder { rid, segment } in list {
                        by_rid.entry(rid).or_default().push(segment);
                    }
                    st.folders.insert(hk, by_rid);
                }
                Err(e) => {
                    st.failed
                        .insert(hk, format!("listing failed, peer treated as empty: {e}"));
                }
            }
        }
        self.prefetch(&mut st).await;
        loop {
            match self.walk(&mut st).await {
                Ok(canonical) => {
                    return Discovered {
                        canonical,
                        fetched: st.fetched,
                        failed: st.failed,
                    };
                }
                Err((peer, reason)) => {
                    st.folders.remove(&peer);
                    st.failed.insert(
                        peer,
                        format!("verdict check failed, peer treated as empty: {reason}"),
                    );
                }
            }
        }
    }

    fn needed(&self) -> usize {
        let margin = usize::try_from(self.params.settle_margin.max(0)).unwrap_or(usize::MAX);
        let n = usize::try_from(self.params.window_size.max(0)).unwrap_or(usize::MAX);
        margin.saturating_add(n)
    }

    /// Task ids in range that some readable peer has a folder for, newest first.
    fn candidates(&self, st: &State) -> Vec<i64> {
        let hi = self.params.epoch_rid();
        let lo = self.params.floor_rid().unwrap_or(i64::MIN);
        let set: BTreeSet<i64> = st
            .folders
            .values()
            .flat_map(|m| m.range(lo..=hi).map(|(r, _)| *r))
            .collect();
        set.into_iter().rev().collect()
    }

    /// The first peer in failover order with a folder for `rid`: whose file the walk reads first.
    fn first_holder<'s>(&'s self, st: &State, rid: i64) -> Option<&'s String> {
        (0..self.validators.len())
            .filter_map(|s| at_step(self.validators, rid, s))
            .find(|v| st.folders.get(*v).is_some_and(|m| m.contains_key(&rid)))
    }

    /// Reads, in parallel, the files the walk will most likely need: for the newest candidate
    /// tasks, the first holder's canonical verdict key.
    async fn prefetch(&self, st: &mut State) {
        let want = self.needed().saturating_add(8);
        let probes: Vec<(i64, String)> = self
            .candidates(st)
            .into_iter()
            .filter_map(|r| self.first_holder(st, r).map(|p| (r, p.clone())))
            .filter(|(r, p)| {
                st.folders
                    .get(p)
                    .and_then(|m| m.get(r))
                    .is_some_and(|segs| segs.contains(&r.to_string()))
            })
            .take(want)
            .collect();
        let results = bounded(probes, self.concurrency, |(rid, peer)| async move {
            let r = self.get_canonical(rid, &peer).await;
            (rid, peer, r)
        })
        .await;
        for (rid, peer, r) in results {
            // Hard failures are left for the walk to retry and judge.
            if let Ok(v) = r {
                st.produced
                    .insert((peer.clone(), rid), !matches!(v, Ok(None)));
                st.fetched.insert((rid, peer), v);
            }
        }
    }

    async fn get_canonical(&self, rid: i64, peer: &str) -> Result<Fetched, StorageError> {
        let Some(reader) = self.peers.get(peer) else {
            return Ok(Ok(None));
        };
        let key = format!("{rid}/{}", verdict_key_suffix(peer));
        match retrying(self.retry, || reader.get(&key, VERDICT_FILE_MAX_BYTES)).await {
            Ok(v) => Ok(Ok(v)),
            // An oversized file exists (it is produced) but is unreadable.
            Err(e @ StorageError::Oversized { .. }) => Ok(Err(e.to_string())),
            Err(e) => Err(e),
        }
    }

    /// Whether `peer` produced `rid` (memoised). Errors name the peer's failure.
    async fn produced(&self, st: &mut State, peer: &str, rid: i64) -> Result<bool, String> {
        if let Some(p) = st.produced.get(&(peer.to_owned(), rid)) {
            return Ok(*p);
        }
        let segments = st
            .folders
            .get(peer)
            .and_then(|m| m.get(&rid))
            .cloned()
            .unwrap_or_default();
        let canonical = rid.to_string();
        let mut found = false;
        for seg in &segments {
            if *seg == canonical {
                let v = self
                    .get_canonical(rid, peer)
                    .await
                    .map_err(|e| e.to_string())?;
                found = !matches!(v, Ok(None));
                st.fetched.insert((rid, peer.to_owned()), v);
            } else if let Some(reader) = self.peers.get(peer) {
                let key = format!("{seg}/{}", verdict_key_suffix(peer));
                found = retrying(self.retry, || reader.exists(&key))
                    .await
                    .map_err(|e| e.to_string())?;
            }
            if found {
                break;
            }
        }
        st.produced.insert((peer.to_owned(), rid), found);
        Ok(found)
    }

    /// Whether `rid` is among `peer`'s newest `cap` produced task ids, given that it produced it.
    async fn within_cap(&self, st: &mut State, peer: &str, rid: i64) -> Result<bool, String> {
        let newer: Vec<i64> = st
            .folders
            .get(peer)
            .map(|m| {
                m.range(rid.saturating_add(1)..)
                    .rev()
                    .map(|(r, _)| *r)
                    .collect()
            })
            .unwrap_or_default();
        if newer.len() < self.cap {
            return Ok(true);
        }
        let mut count = 0usize;
        for r in newer {
            if self.produced(st, peer, r).await? {
                count += 1;
                if count >= self.cap {
                    return Ok(false);
                }
            }
        }
        Ok(true)
    }

    async fn walk(&self, st: &mut State) -> Result<BTreeMap<i64, String>, (String, String)> {
        let needed = self.needed();
        let mut canonical = BTreeMap::new();
        if self.cap == 0 {
            return Ok(canonical);
        }
        for rid in self.candidates(st) {
            if canonical.len() >= needed {
                break;
            }
            for step in 0..self.validators.len() {
                let Some(v) = at_step(self.validators, rid, step) else {
                    continue;
                };
                if !st.folders.get(v).is_some_and(|m| m.contains_key(&rid)) {
                    continue;
                }
                let err = |e: String| (v.clone(), e);
                if self.produced(st, v, rid).await.map_err(err)?
                    && self.within_cap(st, v, rid).await.map_err(err)?
                {
                    canonical.insert(rid, v.clone());
                    break;
                }
            }
        }
        Ok(canonical)
    }
}
