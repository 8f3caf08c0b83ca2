//! The optional `--miners` file: miner hotkey -> `{uid, block}` as read from the chain.
//!
//! `block` is the reveal block of the miner's latest commitment (its seniority, SPEC §5.4 step 5);
//! `null` or absent means unknown. A validator reads the same values from the chain at epoch time.

use std::collections::BTreeMap;

/// What the chain says about one miner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MinerOnChain {
    /// The miner's uid on the subnet.
    pub uid: u16,
    /// Reveal block of the latest commitment, if known.
    #[serde(default)]
    pub block: Option<i64>,
}

/// The whole table, by hotkey.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MinerTable {
    /// Hotkey -> chain facts.
    pub by_hotkey: BTreeMap<String, MinerOnChain>,
    /// Seniority blocks of hotkeys that committed but hold no uid (read from the chain by the
    /// weight epoch; a miners file has none). They order dominance but can never receive weight.
    pub unregistered_blocks: BTreeMap<String, i64>,
}

/// Why a miners file was refused.
#[derive(Debug, thiserror::Error)]
pub enum MinersFileError {
    /// Not the documented JSON shape.
    #[error(
        "miners file is not a JSON object of hotkey -> {{\"uid\": int, \"block\": int|null}}: {0}"
    )]
    Shape(#[from] serde_json::Error),
    /// Two hotkeys claim one uid, which the chain never allows.
    #[error("miners file gives uid {uid} to both {first} and {second}")]
    DuplicateUid {
        /// The uid.
        uid: u16,
        /// One holder.
        first: String,
        /// The other holder.
        second: String,
    },
}

impl MinerTable {
    /// Parses the file's bytes.
    pub fn parse(bytes: &[u8]) -> Result<Self, MinersFileError> {
        let by_hotkey: BTreeMap<String, MinerOnChain> = serde_json::from_slice(bytes)?;
        let mut holders: BTreeMap<u16, &str> = BTreeMap::new();
        for (hotkey, m) in &by_hotkey {
            if let Some(first) = holders.insert(m.uid, hotkey) {
                return Err(MinersFileError::DuplicateUid {
                    uid: m.uid,
                    first: first.to_owned(),
                    second: hotkey.clone(),
                });
            }
        }
        Ok(Self {
            by_hotkey,
            unregistered_blocks: BTreeMap::new(),
        })
    }

    /// Hotkey -> seniority block, for the miners whose block is known.
    pub fn blocks(&self) -> BTreeMap<String, i64> {
        let mut blocks = self.unregistered_blocks.clone();
        blocks.extend(
            self.by_hotkey
                .iter()
                .filter_map(|(h, m)| Some((h.clone(), m.block?))),
        );
        blocks
    }

    /// The uid of `hotkey`, if registered.
    pub fn uid(&self, hotkey: &str) -> Option<u16> {
        self.by_hotkey.get(hotkey).map(|m| m.uid)
    }

    /// Subnet size implied by the table (highest uid + 1), at least 1 (uid 0 always exists).
    pub fn subnet_n(&self) -> u16 {
        self.by_hotkey
            .values()
            .map(|m| m.uid.saturating_add(1))
            .max()
            .unwrap_or(1)
            .max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_blocks_and_unknowns() {
        let t = MinerTable::parse(
            br#"{"a": {"uid": 3, "block": 10}, "b": {"uid": 4, "block": null}, "c": {"uid": 5}}"#,
        )
        .unwrap();
        assert_eq!(t.uid("a"), Some(3));
        assert_eq!(t.blocks(), BTreeMap::from([("a".to_owned(), 10)]));
        assert_eq!(t.subnet_n(), 6);
    }

    #[test]
    fn rejects_shared_uid_and_bad_shapes() {
        let err = MinerTable::parse(br#"{"a": {"uid": 3}, "b": {"uid": 3}}"#).unwrap_err();
        assert!(err.to_string().contains("uid 3"), "{err}");
        assert!(MinerTable::parse(br#"[1, 2]"#).is_err());
        assert!(MinerTable::parse(br#"{"a": {"uid": -1}}"#).is_err());
        assert!(MinerTable::parse(br#"{"a": {"uid": 1, "extra": true}}"#).is_err());
    }
}
