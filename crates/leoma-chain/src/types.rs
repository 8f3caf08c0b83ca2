//! Values the chain ports return: blocks, the metagraph, commitments and weight parameters.

use std::collections::BTreeMap;

use leoma_api_types::Hotkey;

/// Which block a read is made at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum At {
    /// The best (newest) block the node knows.
    Best,
    /// The newest finalized block.
    Finalized,
    /// An explicit block number (for example an epoch boundary).
    Number(u32),
}

/// A block's number and hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BlockInfo {
    /// Block number.
    pub number: u32,
    /// Block hash.
    pub hash: [u8; 32],
}

/// One uid of a subnet's metagraph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Neuron {
    /// The uid (index in the metagraph).
    pub uid: u16,
    /// The hotkey holding the uid.
    pub hotkey: Hotkey,
    /// Its coldkey.
    pub coldkey: Hotkey,
    /// Alpha stake (rao).
    pub alpha_stake: u64,
    /// TAO stake (rao).
    pub tao_stake: u64,
    /// Total stake (rao).
    pub total_stake: u64,
    /// Whether it holds a validator permit.
    pub validator_permit: bool,
    /// Block of its last weight update (0 if never).
    pub last_update: u64,
    /// Whether it is active.
    pub active: bool,
}

/// A subnet's metagraph at one block. `neurons[i].uid == i`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metagraph {
    /// The subnet.
    pub netuid: u16,
    /// The block it was read at.
    pub block: BlockInfo,
    /// Every uid, in uid order.
    pub neurons: Vec<Neuron>,
}

impl Metagraph {
    /// The uid held by `hotkey`, if any (compares public keys, not address strings).
    pub fn uid_of(&self, hotkey: &Hotkey) -> Option<u16> {
        self.neurons
            .iter()
            .find(|n| n.hotkey.public_key() == hotkey.public_key())
            .map(|n| n.uid)
    }

    /// The neuron at `uid`.
    pub fn neuron(&self, uid: u16) -> Option<&Neuron> {
        self.neurons.get(usize::from(uid))
    }

    /// Number of uids (`SubnetworkN`).
    pub fn len(&self) -> usize {
        self.neurons.len()
    }

    /// Whether the subnet has no uids.
    pub fn is_empty(&self) -> bool {
        self.neurons.is_empty()
    }
}

/// Why a stored commitment has no text (reported per hotkey, the read still succeeds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommitmentIssue {
    /// The first field is not `Raw*`/`BigRaw` (for example `TimelockEncrypted`); names the variant.
    NotPlain {
        /// The variant name (`Sha256`, `TimelockEncrypted`, ...).
        variant: String,
    },
    /// The commitment has no fields.
    NoFields,
    /// The stored bytes do not decode.
    Malformed(String),
}

/// A plain commitment (`Commitments.CommitmentOf`) of one hotkey.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commitment {
    /// Block at which it was set (0 when the value did not decode).
    pub block: u32,
    /// Its text (first field, UTF-8 with invalid sequences dropped), or why there is none.
    pub text: Result<String, CommitmentIssue>,
}

/// One revealed commitment (`Commitments.RevealedCommitments`), oldest first in a history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevealedCommitment {
    /// Block at which the chain revealed it.
    pub reveal_block: u64,
    /// The commitment string (SPEC §2.4 prefix skipping, invalid UTF-8 dropped).
    pub text: String,
}

/// A hotkey's revealed history, or why it could not be decoded.
pub type RevealedHistory = Result<Vec<RevealedCommitment>, CommitmentIssue>;

/// Plain commitments of a subnet by hotkey.
pub type Commitments = BTreeMap<Hotkey, Commitment>;

/// Revealed commitment histories of a subnet by hotkey.
pub type RevealedCommitments = BTreeMap<Hotkey, RevealedHistory>;

/// The weight-setting parameters of a subnet (SPEC §2.5 step 2) and our own standing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeightParams {
    /// The block they were read at.
    pub block: BlockInfo,
    /// `WeightsVersionKey` (0 if unset).
    pub version_key: u64,
    /// `CommitRevealWeightsEnabled`.
    pub commit_reveal_enabled: bool,
    /// `WeightsSetRateLimit` in blocks.
    pub rate_limit: u64,
    /// `Tempo`.
    pub tempo: u16,
    /// `RevealPeriodEpochs`.
    pub reveal_period_epochs: u64,
    /// `MinAllowedWeights`.
    pub min_allowed_weights: u16,
    /// `SubnetworkN`.
    pub subnet_n: u16,
    /// Our uid (`Uids`), if registered.
    pub own_uid: Option<u16>,
    /// `LastUpdate[own uid]`, if registered.
    pub own_last_update: Option<u64>,
}

impl WeightParams {
    /// The first block at which the rate limit allows our next `set_weights` (SPEC §2.5 step 4).
    pub fn next_allowed_block(&self) -> u64 {
        match self.own_last_update {
            None | Some(0) => 0,
            Some(last) => last.saturating_add(self.rate_limit),
        }
    }
}

/// Where a transaction was included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Inclusion {
    /// The block that includes it.
    pub block: BlockInfo,
}

/// Where a reveal commitment was included and when the chain will reveal it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RevealInclusion {
    /// The block that includes the commitment.
    pub block: BlockInfo,
    /// The drand quicknet round whose pulse opens it.
    pub reveal_round: u64,
}

/// A weight vector as submitted: parallel uids and (already max-upscaled) values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeightVector {
    /// Destination uids.
    pub uids: Vec<u16>,
    /// u16 weights, the largest 65535.
    pub values: Vec<u16>,
    /// The `version_key` argument (the `WeightsVersionKey` just read).
    pub version_key: u64,
}

/// The subnet endpoint for a `NETWORK` name (SPEC §2.1); `None` for an unknown name.
pub fn endpoint_for_network(network: &str) -> Option<&'static str> {
    match network {
        "finney" => Some("wss://entrypoint-finney.opentensor.ai:443"),
        "test" => Some("wss://test.finney.opentensor.ai:443"),
        "local" => Some("ws://127.0.0.1:9944"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_endpoints() {
        assert_eq!(
            endpoint_for_network("finney"),
            Some("wss://entrypoint-finney.opentensor.ai:443")
        );
        assert_eq!(endpoint_for_network("local"), Some("ws://127.0.0.1:9944"));
        assert_eq!(endpoint_for_network("mainnet"), None);
    }

    #[test]
    fn next_allowed_block() {
        let mut p = WeightParams {
            block: BlockInfo {
                number: 0,
                hash: [0; 32],
            },
            version_key: 0,
            commit_reveal_enabled: false,
            rate_limit: 100,
            tempo: 360,
            reveal_period_epochs: 1,
            min_allowed_weights: 1,
            subnet_n: 3,
            own_uid: Some(1),
            own_last_update: Some(0),
        };
        assert_eq!(p.next_allowed_block(), 0);
        p.own_last_update = Some(250);
        assert_eq!(p.next_allowed_block(), 350);
    }
}
