//! The roster's state files in `LEOMA_STATE_DIR` (SPEC §3.11): `blacklist_cache.json` (the last
//! successfully fetched blacklist, `["hk", …]`) and `miner_snapshot.json` (the last snapshot, in
//! the format documented in `docs/roster.md`). Writes go to `<path>.tmp` and are renamed into
//! place; a read or parse error means "absent".

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use leoma_api_types::reason::InvalidReason;
use serde::{Deserialize, Serialize};

use super::miner::{MinerInfo, RosterSnapshot};

/// File name of the blacklist cache.
pub const BLACKLIST_CACHE_FILE: &str = "blacklist_cache.json";

/// File name of the persisted snapshot.
pub const SNAPSHOT_FILE: &str = "miner_snapshot.json";

/// Version of the `miner_snapshot.json` layout.
pub const SNAPSHOT_VERSION: u32 = 1;

/// The blacklist cache body: a JSON array of the hotkeys, sorted and distinct.
pub fn encode_blacklist(blacklist: &BTreeSet<String>) -> Vec<u8> {
    serde_json::to_vec(blacklist).unwrap_or_else(|_| b"[]".to_vec())
}

/// Reads a blacklist cache body; anything but a JSON array of strings is `None`.
pub fn decode_blacklist(bytes: &[u8]) -> Option<BTreeSet<String>> {
    serde_json::from_slice::<Vec<String>>(bytes)
        .ok()
        .map(|v| v.into_iter().collect())
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct MinerFile {
    uid: u16,
    hotkey: String,
    model_name: Option<String>,
    model_revision: Option<String>,
    model_hash: Option<String>,
    chute_id: Option<String>,
    chute_slug: Option<String>,
    block: Option<u64>,
    is_valid: bool,
    invalid_reason: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SnapshotFile {
    version: u32,
    block: u32,
    at_unix_secs: u64,
    at_unix_nanos: u32,
    miners: Vec<MinerFile>,
    uid_by_hotkey: BTreeMap<String, u16>,
    block_by_hotkey: BTreeMap<String, u64>,
}

/// The `miner_snapshot.json` body of `snapshot`.
pub fn encode_snapshot(snapshot: &RosterSnapshot) -> Vec<u8> {
    let at = snapshot
        .at
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO);
    let file = SnapshotFile {
        version: SNAPSHOT_VERSION,
        block: snapshot.block,
        at_unix_secs: at.as_secs(),
        at_unix_nanos: at.subsec_nanos(),
        miners: snapshot
            .miners
            .iter()
            .map(|m| MinerFile {
                uid: m.uid,
                hotkey: m.hotkey.clone(),
                model_name: m.model_name.clone(),
                model_revision: m.model_revision.clone(),
                model_hash: m.model_hash.clone(),
                chute_id: m.chute_id.clone(),
                chute_slug: m.chute_slug.clone(),
                block: m.block,
                is_valid: m.is_valid(),
                invalid_reason: m.invalid_reason.as_ref().map(InvalidReason::as_wire),
            })
            .collect(),
        uid_by_hotkey: snapshot.uid_by_hotkey.clone(),
        block_by_hotkey: snapshot.block_by_hotkey.clone(),
    };
    serde_json::to_vec(&file).unwrap_or_default()
}

/// Reads a `miner_snapshot.json` body. Another version, an unknown reason, an `is_valid` that
/// contradicts the reason, or miners out of uid order make the whole file `None`.
pub fn decode_snapshot(bytes: &[u8]) -> Option<RosterSnapshot> {
    let file: SnapshotFile = serde_json::from_slice(bytes).ok()?;
    if file.version != SNAPSHOT_VERSION || file.at_unix_nanos >= 1_000_000_000 {
        return None;
    }
    let miners = file
        .miners
        .into_iter()
        .map(|m| {
            let invalid_reason = match m.invalid_reason {
                Some(r) => Some(InvalidReason::parse(&r).ok()?),
                None => None,
            };
            (m.is_valid == invalid_reason.is_none()).then_some(MinerInfo {
                uid: m.uid,
                hotkey: m.hotkey,
                model_name: m.model_name,
                model_revision: m.model_revision,
                model_hash: m.model_hash,
                chute_id: m.chute_id,
                chute_slug: m.chute_slug,
                block: m.block,
                invalid_reason,
            })
        })
        .collect::<Option<Vec<_>>>()?;
    if !miners
        .windows(2)
        .all(|p| matches!(p, [a, b] if a.uid < b.uid))
    {
        return None;
    }
    let at = UNIX_EPOCH.checked_add(Duration::new(file.at_unix_secs, file.at_unix_nanos))?;
    Some(RosterSnapshot {
        block: file.block,
        miners,
        uid_by_hotkey: file.uid_by_hotkey,
        block_by_hotkey: file.block_by_hotkey,
        at,
    })
}

/// The roster's files in the state directory.
#[derive(Debug, Clone)]
pub struct RosterState {
    dir: PathBuf,
}

impl RosterState {
    /// The state files under `dir` (created on first write).
    pub fn new(dir: PathBuf) -> Self {
        RosterState { dir }
    }

    /// The state directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The cached blacklist, `None` when absent or unreadable.
    pub fn load_blacklist(&self) -> Option<BTreeSet<String>> {
        decode_blacklist(&std::fs::read(self.dir.join(BLACKLIST_CACHE_FILE)).ok()?)
    }

    /// Replaces the cached blacklist.
    pub fn store_blacklist(&self, blacklist: &BTreeSet<String>) -> std::io::Result<()> {
        write_atomic(
            &self.dir,
            BLACKLIST_CACHE_FILE,
            &encode_blacklist(blacklist),
        )
    }

    /// The persisted snapshot, `None` when absent or unreadable.
    pub fn load_snapshot(&self) -> Option<RosterSnapshot> {
        decode_snapshot(&std::fs::read(self.dir.join(SNAPSHOT_FILE)).ok()?)
    }

    /// Replaces the persisted snapshot.
    pub fn store_snapshot(&self, snapshot: &RosterSnapshot) -> std::io::Result<()> {
        write_atomic(&self.dir, SNAPSHOT_FILE, &encode_snapshot(snapshot))
    }
}

/// Writes `bytes` to `dir/<name>.tmp`, flushes it and renames it to `dir/<name>`.
fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!("{name}.tmp"));
    let mut file = std::fs::File::create(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&tmp, dir.join(name))
}

/// A snapshot with no miners, `block` 0 and `at` the Unix epoch: what the roster publishes
/// before its first pass completes (and nothing was persisted).
pub fn empty_snapshot() -> RosterSnapshot {
    RosterSnapshot {
        block: 0,
        miners: Vec::new(),
        uid_by_hotkey: BTreeMap::new(),
        block_by_hotkey: BTreeMap::new(),
        at: SystemTime::UNIX_EPOCH,
    }
}
