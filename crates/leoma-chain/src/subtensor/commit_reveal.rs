//! CRv4 through the live adapter (feature `crv4`): reading the commit-reveal state at the head
//! and building `SubtensorModule.commit_timelocked_weights` (SPEC §2.6.1).

use codec::Encode;
use subxt::Metadata;

use super::AtBlock;
use super::check::has_epoch_schedule;
use super::reads::{fetch_req, u64_of};
use super::writes::call_prefix;
use crate::ChainError;
use crate::timelock::{Crv4State, EpochSchedule, WeightsCommit};

/// Reads `CommitRevealWeightsVersion`, `RevealPeriodEpochs` and, where the runtime has it, the
/// epoch schedule of `netuid` at `at`.
pub(super) async fn crv4_state(at: &AtBlock, netuid: u16) -> Result<Crv4State, ChainError> {
    let m = "SubtensorModule";
    let version: u16 = fetch_req(at, m, "CommitRevealWeightsVersion", ()).await?;
    let reveal_period_epochs: u64 = fetch_req(at, m, "RevealPeriodEpochs", (netuid,)).await?;
    let schedule = if has_epoch_schedule(at.metadata_ref()) {
        Some(EpochSchedule {
            last_epoch_block: fetch_req(at, m, "LastEpochBlock", (netuid,)).await?,
            pending_epoch_at: fetch_req(at, m, "PendingEpochAt", (netuid,)).await?,
            subnet_epoch_index: fetch_req(at, m, "SubnetEpochIndex", (netuid,)).await?,
            tempo: fetch_req(at, m, "Tempo", (netuid,)).await?,
            blocks_since_last_step: fetch_req(at, m, "BlocksSinceLastStep", (netuid,)).await?,
            head: u64_of(at),
        })
    } else {
        None
    };
    Ok(Crv4State {
        version,
        reveal_period_epochs,
        schedule,
    })
}

pub(super) fn commit_bytes(
    md: &Metadata,
    netuid: u16,
    c: &WeightsCommit,
) -> Result<Vec<u8>, ChainError> {
    let mut out = call_prefix(md, "SubtensorModule", "commit_timelocked_weights")?.to_vec();
    netuid.encode_to(&mut out);
    c.commit.encode_to(&mut out);
    c.reveal_round.encode_to(&mut out);
    c.commit_reveal_version.encode_to(&mut out);
    Ok(out)
}

/// The `commit_timelocked_weights(netuid, commit, reveal_round, commit_reveal_version)` call
/// data under the vendored metadata (golden tests, tooling).
pub fn commit_timelocked_weights_call_data(
    netuid: u16,
    commit: &WeightsCommit,
) -> Result<Vec<u8>, ChainError> {
    commit_bytes(&super::check::vendored_metadata()?, netuid, commit)
}
