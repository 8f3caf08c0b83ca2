//! The v1 verdict map: an insertion-ordered `(producer, rid, miner) → passed` map with Python
//! `dict` semantics (SPEC §5.1 "Entries" and "Order").
//!
//! v1 averages depend on first-insertion order (§5.2 step 4), so iteration order comes from a
//! `Vec`; the hash map is only an index from key to position and never decides an order.

use std::collections::HashMap;

/// One verdict as yielded by [`VerdictMap::iter`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict<'a> {
    /// The validator that produced the verdict file (the canonical sampler of `rid`).
    pub producer: &'a str,
    /// Task id (rotation index).
    pub rid: i64,
    /// The judged miner's hotkey.
    pub miner: &'a str,
    /// Python truthiness of the entry's `passed` field.
    pub passed: bool,
}

/// A verdict with its hotkeys interned: ids index [`VerdictMap::names`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Slot {
    pub(crate) producer: u32,
    pub(crate) rid: i64,
    pub(crate) miner: u32,
    pub(crate) passed: bool,
}

/// Insertion-ordered verdict map.
///
/// Re-inserting an existing key overwrites its value and keeps its first position, exactly like
/// assigning to an existing key of a Python `dict`. Hotkeys are interned so that an epoch's tens
/// of thousands of inserts hash small integers instead of allocating strings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerdictMap {
    slots: Vec<Slot>,
    index: HashMap<(u32, i64, u32), usize>,
    names: Vec<Box<str>>,
    ids: HashMap<Box<str>, u32>,
}

impl VerdictMap {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    fn intern(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        // More than 2^32 distinct hotkeys cannot come from bounded files; saturating keeps
        // the map total rather than panicking.
        let id = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
        self.names.push(name.into());
        self.ids.insert(name.into(), id);
        id
    }

    /// Sets `verdicts[(producer, rid, miner)] = passed`.
    pub fn insert(&mut self, producer: &str, rid: i64, miner: &str, passed: bool) {
        let producer = self.intern(producer);
        let miner = self.intern(miner);
        let key = (producer, rid, miner);
        if let Some(slot) = self.index.get(&key).and_then(|&i| self.slots.get_mut(i)) {
            slot.passed = passed;
            return;
        }
        self.index.insert(key, self.slots.len());
        self.slots.push(Slot {
            producer,
            rid,
            miner,
            passed,
        });
    }

    /// The stored value for a key, if any.
    pub fn get(&self, producer: &str, rid: i64, miner: &str) -> Option<bool> {
        let key = (*self.ids.get(producer)?, rid, *self.ids.get(miner)?);
        self.index
            .get(&key)
            .and_then(|&i| self.slots.get(i))
            .map(|slot| slot.passed)
    }

    /// Number of distinct keys.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether the map holds no verdict.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Verdicts in first-insertion order of their keys.
    pub fn iter(&self) -> impl Iterator<Item = Verdict<'_>> {
        self.slots.iter().map(|s| Verdict {
            producer: self.name(s.producer),
            rid: s.rid,
            miner: self.name(s.miner),
            passed: s.passed,
        })
    }

    /// Interned verdicts in first-insertion order.
    pub(crate) fn slots(&self) -> &[Slot] {
        &self.slots
    }

    /// Number of interned hotkeys (ids are `0..name_count()`).
    pub(crate) fn name_count(&self) -> usize {
        self.names.len()
    }

    /// The hotkey behind an interned id.
    pub(crate) fn name(&self, id: u32) -> &str {
        self.names.get(id as usize).map_or("", |n| n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reinsert_overwrites_value_and_keeps_first_position() {
        let mut map = VerdictMap::new();
        map.insert("v1", 10, "m1", true);
        map.insert("v1", 10, "m2", false);
        map.insert("v2", 10, "m1", true);
        map.insert("v1", 10, "m1", false);
        assert_eq!(map.len(), 3);
        assert_eq!(map.get("v1", 10, "m1"), Some(false));
        let keys: Vec<(&str, i64, &str, bool)> = map
            .iter()
            .map(|v| (v.producer, v.rid, v.miner, v.passed))
            .collect();
        assert_eq!(
            keys,
            [
                ("v1", 10, "m1", false),
                ("v1", 10, "m2", false),
                ("v2", 10, "m1", true)
            ]
        );
    }

    #[test]
    fn keys_differ_by_each_component() {
        let mut map = VerdictMap::new();
        map.insert("v", 1, "m", true);
        map.insert("v", 2, "m", true);
        map.insert("w", 1, "m", true);
        map.insert("v", 1, "n", true);
        assert_eq!(map.len(), 4);
        assert_eq!(map.get("v", 3, "m"), None);
        assert!(!map.is_empty());
        assert!(VerdictMap::new().is_empty());
    }

    #[test]
    fn handles_tens_of_thousands_of_inserts() {
        let mut map = VerdictMap::new();
        for rid in 0..400_i64 {
            for miner in 0..100 {
                map.insert("producer", rid, &format!("miner-{miner}"), rid % 2 == 0);
            }
        }
        for miner in 0..100 {
            map.insert("producer", 0, &format!("miner-{miner}"), false);
        }
        assert_eq!(map.len(), 40_000);
        assert_eq!(map.get("producer", 0, "miner-7"), Some(false));
        assert_eq!(map.iter().next().map(|v| v.rid), Some(0));
    }
}
