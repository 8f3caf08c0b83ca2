//! `MinerInfo` (one validated miner, SPEC §6.2 step 9) and the snapshot of a pass.

use std::collections::BTreeMap;
use std::time::SystemTime;

use leoma_api_types::reason::InvalidReason;
use leoma_api_types::report::{MinerReport, MinerReportEntry};

/// One miner as a pass saw it; fields are filled as far as the pipeline got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MinerInfo {
    /// Metagraph uid.
    pub uid: u16,
    /// SS58 hotkey.
    pub hotkey: String,
    /// Committed HF repo (when a string).
    pub model_name: Option<String>,
    /// Committed revision (when a string).
    pub model_revision: Option<String>,
    /// Weight hash, once computed (§6.5 step 2).
    pub model_hash: Option<String>,
    /// Committed chute id (when a string).
    pub chute_id: Option<String>,
    /// Chute slug, once chute info was read.
    pub chute_slug: Option<String>,
    /// Reveal block of the latest commitment (none for blacklisted miners).
    pub block: Option<u64>,
    /// `None` when valid.
    pub invalid_reason: Option<InvalidReason>,
}

impl MinerInfo {
    /// Whether the miner passed every rule.
    pub fn is_valid(&self) -> bool {
        self.invalid_reason.is_none()
    }

    /// The §3.9 report entry.
    pub fn report_entry(&self) -> MinerReportEntry {
        MinerReportEntry {
            uid: i64::from(self.uid),
            miner_hotkey: self.hotkey.clone(),
            model_name: self.model_name.clone(),
            model_revision: self.model_revision.clone(),
            model_hash: self.model_hash.clone(),
            chute_id: self.chute_id.clone(),
            chute_slug: self.chute_slug.clone(),
            block: self.block.and_then(|b| i64::try_from(b).ok()),
            is_valid: self.is_valid(),
            invalid_reason: self.invalid_reason.as_ref().map(InvalidReason::as_wire),
        }
    }
}

/// The result of one validation pass (SPEC §6.2 step 9).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterSnapshot {
    /// The block the pass read.
    pub block: u32,
    /// Every miner with a revealed commitment, in uid order.
    pub miners: Vec<MinerInfo>,
    /// Every metagraph hotkey → uid.
    pub uid_by_hotkey: BTreeMap<String, u16>,
    /// Reveal block of the latest commitment of every non-blacklisted miner.
    pub block_by_hotkey: BTreeMap<String, u64>,
    /// When the pass finished.
    pub at: SystemTime,
}

impl RosterSnapshot {
    /// The valid miners, in uid order.
    pub fn valid_miners(&self) -> impl Iterator<Item = &MinerInfo> {
        self.miners.iter().filter(|m| m.is_valid())
    }

    /// The miner with `hotkey`.
    pub fn miner(&self, hotkey: &str) -> Option<&MinerInfo> {
        self.miners.iter().find(|m| m.hotkey == hotkey)
    }

    /// The `POST /miners/report` body (§3.9), in metagraph order.
    pub fn report(&self) -> MinerReport {
        MinerReport {
            miners: self.miners.iter().map(MinerInfo::report_entry).collect(),
        }
    }
}
