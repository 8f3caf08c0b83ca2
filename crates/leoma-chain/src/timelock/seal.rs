//! Building the two timelocked values the chain accepts (feature `crv4`), shared by the live
//! adapter and the in-memory fake so both make byte-identical decisions.

use codec::Encode;
use leoma_api_types::Hotkey;

use super::payload::{WeightsTlockPayload, commitment_plaintext};
use super::rounds::{EpochSchedule, commitment_reveal_round, crv4_reveal_round};
use super::tle::Beacon;
use super::{COMMIT_REVEAL_VERSION, MAX_WEIGHTS_COMMIT};
use crate::ChainError;
use crate::data::{Data, TIMELOCK_MAX};
use crate::types::WeightVector;

/// What the chain says about commit-reveal for one subnet at the head (SPEC §2.5 step 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Crv4State {
    /// `CommitRevealWeightsVersion`.
    pub version: u16,
    /// `RevealPeriodEpochs`.
    pub reveal_period_epochs: u64,
    /// The epoch schedule, `None` on runtimes without the dynamic-tempo storage.
    pub schedule: Option<EpochSchedule>,
}

/// A sealed CRv4 commit: the `commit_timelocked_weights` arguments after `netuid`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeightsCommit {
    /// The timelock ciphertext of the SCALE [`WeightsTlockPayload`].
    pub commit: Vec<u8>,
    /// The drand round it opens at.
    pub reveal_round: u64,
    /// The `commit_reveal_version` argument.
    pub commit_reveal_version: u16,
}

/// The quicknet beacon, as a chain error when its constant does not parse.
pub fn quicknet() -> Result<Beacon, ChainError> {
    Beacon::quicknet().map_err(|e| ChainError::Timelock(e.to_string()))
}

/// Seals `weights` from `hotkey` for subnet `netuid` under `state` at wall-clock `now_unix_secs`
/// (SPEC §2.6.1). Refuses, naming why, when the chain's version differs from
/// [`COMMIT_REVEAL_VERSION`], the runtime has no epoch schedule, or tempo is 0.
pub fn seal_weights(
    beacon: &Beacon,
    netuid: u16,
    hotkey: &Hotkey,
    weights: &WeightVector,
    state: &Crv4State,
    now_unix_secs: f64,
) -> Result<WeightsCommit, ChainError> {
    let refuse = |reason: String| ChainError::CommitRevealUnsupported { netuid, reason };
    if state.version != COMMIT_REVEAL_VERSION {
        return Err(refuse(format!(
            "the chain's CommitRevealWeightsVersion is {}, this validator commits version {}",
            state.version, COMMIT_REVEAL_VERSION
        )));
    }
    let Some(schedule) = state.schedule else {
        return Err(refuse(
            "the runtime has no epoch-schedule storage (SubtensorModule.LastEpochBlock, \
             PendingEpochAt, SubnetEpochIndex); CRv4 reveal rounds need a dynamic-tempo \
             runtime (spec >= 423)"
                .to_owned(),
        ));
    };
    let reveal_round = crv4_reveal_round(&schedule, state.reveal_period_epochs, now_unix_secs)
        .map_err(|e| refuse(e.to_string()))?;
    let payload = WeightsTlockPayload {
        hotkey: hotkey.public_key().to_vec(),
        uids: weights.uids.clone(),
        values: weights.values.clone(),
        version_key: weights.version_key,
    };
    let commit = beacon
        .encrypt(&payload.encode(), reveal_round)
        .map_err(|e| ChainError::Timelock(e.to_string()))?;
    if commit.len() > MAX_WEIGHTS_COMMIT {
        return Err(ChainError::InvalidInput {
            what: "weights",
            reason: format!(
                "{} uids seal to {} bytes, above the chain's {MAX_WEIGHTS_COMMIT}",
                weights.uids.len(),
                commit.len()
            ),
        });
    }
    Ok(WeightsCommit {
        commit,
        reveal_round,
        commit_reveal_version: COMMIT_REVEAL_VERSION,
    })
}

/// Seals a reveal commitment of `text` that opens `blocks_until_reveal` blocks after
/// `now_unix_secs` (SPEC §2.4 steps 2–4); returns the `TimelockEncrypted` field.
pub fn seal_commitment(
    beacon: &Beacon,
    text: &str,
    blocks_until_reveal: u64,
    now_unix_secs: u64,
) -> Result<Data, ChainError> {
    let reveal_round = commitment_reveal_round(now_unix_secs, blocks_until_reveal);
    let encrypted = beacon
        .encrypt(&commitment_plaintext(text), reveal_round)
        .map_err(|e| ChainError::Timelock(e.to_string()))?;
    if encrypted.len() > TIMELOCK_MAX {
        return Err(ChainError::InvalidInput {
            what: "commitment",
            reason: format!(
                "{} bytes of text seal to {} bytes, above the chain's {TIMELOCK_MAX}",
                text.len(),
                encrypted.len()
            ),
        });
    }
    Ok(Data::TimelockEncrypted {
        encrypted,
        reveal_round,
    })
}

/// Seconds since the Unix epoch as `(whole, fractional)` views of the wall clock.
pub(crate) fn now() -> (u64, f64) {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    (d.as_secs(), d.as_secs_f64())
}
