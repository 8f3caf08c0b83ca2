//! The chain ports (ARCHITECTURE §3): readers split from writers, object safe, std and
//! `leoma-api-types` types only.

use async_trait::async_trait;
use leoma_api_types::Hotkey;

use crate::ChainError;
use crate::types::{
    At, BlockInfo, Commitment, Commitments, Inclusion, Metagraph, RevealedCommitments,
    WeightParams, WeightVector,
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
    /// `SubtensorModule.set_weights` with already max-upscaled values; returns the inclusion
    /// block or the chain's typed rejection. With commit-reveal on the subnet this returns
    /// [`ChainError::CommitRevealEnabled`] without submitting.
    async fn set_weights(
        &self,
        netuid: u16,
        weights: &WeightVector,
    ) -> Result<Inclusion, ChainError>;
}

/// Writes a plain commitment (`Commitments.set_commitment` with one `Raw*`/`BigRaw` field).
#[async_trait]
pub trait CommitmentWriter: Send + Sync {
    /// The hotkey that signs.
    fn hotkey(&self) -> &Hotkey;
    /// Commits `text` (≤ 512 bytes) on `netuid`; returns the inclusion block.
    async fn set_commitment(&self, netuid: u16, text: &str) -> Result<Inclusion, ChainError>;
}
