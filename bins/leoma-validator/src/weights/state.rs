//! The weight epoch's state files in `LEOMA_STATE_DIR` (SPEC §3.11): `weights_state.json` and
//! `last_winner.json`, written to `<path>.tmp` and renamed so a crash never leaves half a file.
//! A read or parse error means "absent".

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// `last_winner.json` (reference format).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastWinner {
    /// The winner's uid.
    pub uid: u16,
    /// The winner's hotkey.
    pub hotkey: String,
    /// The epoch it won.
    pub epoch_block: Option<i64>,
}

#[derive(Debug, Serialize, Deserialize)]
struct WeightsState {
    last_epoch_block: i64,
}

/// The state directory.
#[derive(Debug, Clone)]
pub struct StateDir {
    dir: PathBuf,
}

impl StateDir {
    /// Opens (creating it if needed) a writable state directory; refuses an unwritable one.
    pub fn open(dir: &Path) -> std::io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let probe = dir.join(".write-probe.tmp");
        std::fs::write(&probe, b"")?;
        std::fs::remove_file(&probe)?;
        Ok(StateDir {
            dir: dir.to_path_buf(),
        })
    }

    /// The last processed epoch boundary.
    pub fn last_epoch_block(&self) -> Option<i64> {
        self.read::<WeightsState>("weights_state.json")
            .map(|s| s.last_epoch_block)
    }

    /// Records `block` as processed.
    pub fn set_last_epoch_block(&self, block: i64) -> std::io::Result<()> {
        self.write(
            "weights_state.json",
            &WeightsState {
                last_epoch_block: block,
            },
        )
    }

    /// The last winner, if one was saved.
    pub fn last_winner(&self) -> Option<LastWinner> {
        self.read("last_winner.json")
    }

    /// Saves the last winner.
    pub fn set_last_winner(&self, w: &LastWinner) -> std::io::Result<()> {
        self.write("last_winner.json", w)
    }

    /// The last successfully fetched miner blacklist (`blacklist_cache.json`, written by the
    /// roster loop); empty when none was ever fetched (SPEC §6.1).
    pub fn cached_blacklist(&self) -> std::collections::BTreeSet<String> {
        self.read::<Vec<String>>("blacklist_cache.json")
            .unwrap_or_default()
            .into_iter()
            .collect()
    }

    fn read<T: for<'de> Deserialize<'de>>(&self, name: &str) -> Option<T> {
        let bytes = std::fs::read(self.dir.join(name)).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    fn write<T: Serialize>(&self, name: &str, value: &T) -> std::io::Result<()> {
        let path = self.dir.join(name);
        let tmp = self.dir.join(format!("{name}.tmp"));
        let bytes = serde_json::to_vec(value).map_err(std::io::Error::other)?;
        std::fs::write(&tmp, bytes)?;
        std::fs::rename(&tmp, &path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_treats_garbage_as_absent() {
        let dir = tempfile::tempdir().unwrap();
        let s = StateDir::open(dir.path()).unwrap();
        assert_eq!(s.last_epoch_block(), None);
        s.set_last_epoch_block(360).unwrap();
        assert_eq!(s.last_epoch_block(), Some(360));
        assert_eq!(
            std::fs::read_to_string(dir.path().join("weights_state.json")).unwrap(),
            r#"{"last_epoch_block":360}"#
        );
        let w = LastWinner {
            uid: 3,
            hotkey: "5X".into(),
            epoch_block: Some(360),
        };
        s.set_last_winner(&w).unwrap();
        assert_eq!(s.last_winner(), Some(w));
        std::fs::write(dir.path().join("last_winner.json"), b"{not json").unwrap();
        assert_eq!(s.last_winner(), None);
        assert!(!dir.path().join("weights_state.json.tmp").exists());
    }
}
