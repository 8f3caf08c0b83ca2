//! The chain ports (ARCHITECTURE §3): readers split from writers, object safe, std and
//! `leoma-api-types` types only.

use async_trait::async_trait;
use leoma_api_types::Hotkey;

use crate::ChainError;
use crate::types::{
    At, BlockInfo, Commitment, Commitments, Inclusion, Metagraph, RevealInclusion,
    RevealedCommitments, WeightParams, WeightVector,
};

/// Reads Subtensor state (SPEC §2.2).
#[async_trait]
pub trait ChainReader: Send + Sync {
    /// The best (newest) block.
    async fn best_block(&self) -> Result<BlockInfo, ChainError>;
    /// The newest finalized block.
    async fn finalized_block(&self) -> Result<BlockInfo, ChainError>;
    /// The subnet's metagraph at `at`.
    async fn metagraph(&self, netuid: u16, at: At) -> Result<Metagraph, ChainError>;
    /// `SubnetOwnerHotkey(netuid)` at `at` (`None` when unset).
    async fn subnet_owner_hotkey(&self, netuid: u16, at: At) -> Result<Option<Hotkey>, ChainError>;
    /// `CommitmentOf(netuid, hotkey)` at `at` (`None` when absent).
    async fn commitment(
        &self,
        netuid: u16,
        hotkey: &Hotkey,
        at: At,
    ) -> Result<Option<Commitment>, ChainError>;
    /// Every `CommitmentOf` of the subnet at `at`; undecodable entries are reported per hotkey.
    async fn commitments(&self, netuid: u16, at: At) -> Result<Commitments, ChainError>;
    /// Every `RevealedCommitments` history of the subnet at `at`.
    async fn revealed_commitments(
        &self,
        netuid: u16,
        at: At,
    ) -> Result<RevealedCommitments, ChainError>;
    /// The weight-setting parameters and `hotkey`'s uid and last update at `at`.
    async fn weight_params(
        &self,
        netuid: u16,
        hotkey: &Hotkey,
        at: At,
    ) -> Result<WeightParams, ChainError>;
}

/// Sets weights with the validator's hotkey (only the validator holds one).
#[async_trait]
pub trait WeightSetter: Send + Sync {
    /// The hotkey that signs.
    fn hotkey(&self) -> &Hotkey;
    /// Sets already max-upscaled weights the way the subnet requires; returns the inclusion
    /// block or the chain's typed rejection. With `CommitRevealWeightsEnabled` off this is
    /// `SubtensorModule.set_weights`; with it on, a CRv4 `commit_timelocked_weights` of the same
    /// vector, sealed to the drand round of its reveal (SPEC §2.6), or
    /// [`ChainError::CommitRevealUnsupported`] naming why no commit can be made.
    async fn set_weights(
        &self,
        netuid: u16,
        weights: &WeightVector,
    ) -> Result<Inclusion, ChainError>;
}

/// Writes commitments (`Commitments.set_commitment` with one field).
#[async_trait]
pub trait CommitmentWriter: Send + Sync {
    /// The hotkey that signs.
    fn hotkey(&self) -> &Hotkey;
    /// Commits `text` (≤ 512 bytes) as a plain `Raw*`/`BigRaw` field on `netuid`; returns the
    /// inclusion block.
    async fn set_commitment(&self, netuid: u16, text: &str) -> Result<Inclusion, ChainError>;
    /// Commits `text` as a `TimelockEncrypted` field that the chain itself reveals into
    /// `RevealedCommitments` once the drand pulse of its round is on chain, about
    /// `blocks_until_reveal` blocks from now (SPEC §2.4). One attempt; the caller retries.
    ///
    /// The default refuses: writers that cannot timelock (builds without `crv4`) keep it.
    async fn set_reveal_commitment(
        &self,
        netuid: u16,
        text: &str,
        blocks_until_reveal: u64,
    ) -> Result<RevealInclusion, ChainError> {
        let _ = (netuid, text, blocks_until_reveal);
        Err(ChainError::Timelock(
            "this commitment writer cannot timelock (built without the `crv4` feature)".into(),
        ))
    }
}
