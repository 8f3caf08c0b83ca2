//! The sampler's persisted state in the state directory (SPEC §3.11): `used_videos.json` (the
//! recently used source keys, E8) and `sampler_turn.json` (the task being attempted and how many
//! attempts it had, so a restart keeps counting). Writes go to `<path>.tmp` and are renamed;
//! a read or parse error means "absent".

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::error::TurnError;

/// File name of the used-source history.
pub const USED_VIDEOS_FILE: &str = "used_videos.json";
/// File name of the attempt counter.
pub const TURN_FILE: &str = "sampler_turn.json";

/// Attempts made for one task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Attempts {
    /// The task id.
    pub rid: i64,
    /// Failed attempts so far.
    pub attempts: u32,
}

/// The state directory.
#[derive(Debug, Clone)]
pub struct StateDir {
    dir: PathBuf,
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Option<T> {
    let bytes = std::fs::read(path).ok()?;
    serde_json::from_slice(&bytes).ok()
}

impl StateDir {
    /// Uses `dir` (created if missing) and checks that it is writable.
    pub fn open(dir: PathBuf) -> Result<Self, TurnError> {
        std::fs::create_dir_all(&dir).map_err(|e| TurnError::io(&dir, e))?;
        let probe = dir.join(".sampler-write-check");
        std::fs::write(&probe, b"ok").map_err(|e| TurnError::io(&probe, e))?;
        let _ = std::fs::remove_file(&probe);
        Ok(StateDir { dir })
    }

    fn write_json<T: Serialize>(&self, name: &str, value: &T) -> Result<(), TurnError> {
        let path = self.dir.join(name);
        let tmp = self.dir.join(format!("{name}.tmp"));
        let bytes = serde_json::to_vec(value).map_err(|e| TurnError::io(&path, e))?;
        std::fs::write(&tmp, bytes).map_err(|e| TurnError::io(&tmp, e))?;
        std::fs::rename(&tmp, &path).map_err(|e| TurnError::io(&path, e))
    }

    /// The used-source history, oldest first.
    pub fn used_videos(&self) -> Vec<String> {
        read_json(&self.dir.join(USED_VIDEOS_FILE)).unwrap_or_default()
    }

    /// Replaces the history.
    pub fn set_used_videos(&self, keys: &[String]) -> Result<(), TurnError> {
        self.write_json(USED_VIDEOS_FILE, &keys)
    }

    /// The attempt counter.
    pub fn attempts(&self) -> Option<Attempts> {
        read_json(&self.dir.join(TURN_FILE))
    }

    /// Replaces the attempt counter.
    pub fn set_attempts(&self, attempts: Attempts) -> Result<(), TurnError> {
        self.write_json(TURN_FILE, &attempts)
    }
}

/// §7.2 step 2's history rule before a retry: keep only the last 5 used keys when at least 5
/// were used, else clear.
pub fn trimmed_history(used: &[String]) -> Vec<String> {
    if used.len() >= 5 {
        used.get(used.len() - 5..).unwrap_or_default().to_vec()
    } else {
        Vec::new()
    }
}

/// Appends `key`, keeping at most `cap` entries (the oldest are dropped).
pub fn push_history(used: &mut Vec<String>, key: &str, cap: usize) {
    used.push(key.to_owned());
    if used.len() > cap {
        let excess = used.len() - cap;
        used.drain(..excess);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_round_trips_and_tolerates_garbage() {
        let dir = tempfile::tempdir().unwrap();
        let s = StateDir::open(dir.path().join("state")).unwrap();
        assert!(s.used_videos().is_empty());
        assert_eq!(s.attempts(), None);
        s.set_used_videos(&["a.mp4".into(), "b.mp4".into()])
            .unwrap();
        s.set_attempts(Attempts {
            rid: 7,
            attempts: 2,
        })
        .unwrap();
        assert_eq!(s.used_videos(), vec!["a.mp4", "b.mp4"]);
        assert_eq!(
            s.attempts(),
            Some(Attempts {
                rid: 7,
                attempts: 2
            })
        );
        std::fs::write(dir.path().join("state").join(TURN_FILE), b"{nope").unwrap();
        assert_eq!(s.attempts(), None);
    }

    #[test]
    fn history_rules() {
        let keys: Vec<String> = (0..7).map(|i| format!("{i}")).collect();
        assert_eq!(trimmed_history(&keys), keys[2..].to_vec());
        assert!(trimmed_history(&keys[..4]).is_empty());
        let mut used = keys.clone();
        push_history(&mut used, "x", 5);
        assert_eq!(used, vec!["3", "4", "5", "6", "x"]);
    }
}
