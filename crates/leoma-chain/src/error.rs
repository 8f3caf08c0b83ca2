//! The crate's one error type. Retry decisions use [`ChainError::is_transient`], never text.
//!
//! Messages never contain secrets: key material, passwords and decrypted keyfile bytes are not
//! formatted anywhere in this crate.

use std::path::PathBuf;

/// Why the chain rejected a weight submission (SPEC §2.5 chain-side checks).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WeightRejection {
    /// `SettingWeightsTooFast`: `current_block − last_update < WeightsSetRateLimit`.
    RateLimit,
    /// `IncorrectWeightVersionKey`: our version key is below `WeightsVersionKey`.
    VersionKey,
    /// `NeuronNoValidatorPermit`: the hotkey has no validator permit.
    NoPermit,
    /// `DuplicateUids`: a uid appears twice.
    DuplicateUids,
    /// `UidVecContainInvalidOne` / `UidsLengthExceedUidsInSubNet`: a uid does not exist.
    UnknownUids,
    /// `WeightVecNotEqualSize`: uids and values differ in length.
    LengthMismatch,
    /// `WeightVecLengthIsLow`: fewer weights than `MinAllowedWeights`.
    TooFewWeights,
    /// `HotKeyNotRegisteredInSubNet` (or the network variant): the hotkey holds no uid.
    NotRegistered,
    /// `NotEnoughStakeToSetWeights`.
    StakeTooLow,
    /// `CommitRevealEnabled`: plain `set_weights` is refused while commit-reveal is on.
    CommitRevealEnabled,
    /// Any other dispatch error, named as the chain names it.
    Other {
        /// Pallet name from the metadata.
        pallet: String,
        /// Error variant name from the metadata.
        error: String,
    },
}

impl WeightRejection {
    /// Maps a `SubtensorModule` error variant name to a rejection.
    pub fn from_error_name(pallet: &str, error: &str) -> Self {
        match error {
            "SettingWeightsTooFast" => Self::RateLimit,
            "IncorrectWeightVersionKey" => Self::VersionKey,
            "NeuronNoValidatorPermit" => Self::NoPermit,
            "DuplicateUids" => Self::DuplicateUids,
            "UidVecContainInvalidOne" | "UidsLengthExceedUidsInSubNet" => Self::UnknownUids,
            "WeightVecNotEqualSize" => Self::LengthMismatch,
            "WeightVecLengthIsLow" => Self::TooFewWeights,
            "HotKeyNotRegisteredInSubNet" | "HotKeyNotRegisteredInNetwork" => Self::NotRegistered,
            "NotEnoughStakeToSetWeights" => Self::StakeTooLow,
            "CommitRevealEnabled" => Self::CommitRevealEnabled,
            // The commit-side rate limit (`commit_timelocked_weights`) is the same rule.
            "CommittingWeightsTooFast" => Self::RateLimit,
            _ => Self::Other {
                pallet: pallet.to_owned(),
                error: error.to_owned(),
            },
        }
    }

    /// The chain's name for this rejection.
    pub fn chain_name(&self) -> &str {
        match self {
            Self::RateLimit => "SettingWeightsTooFast",
            Self::VersionKey => "IncorrectWeightVersionKey",
            Self::NoPermit => "NeuronNoValidatorPermit",
            Self::DuplicateUids => "DuplicateUids",
            Self::UnknownUids => "UidVecContainInvalidOne",
            Self::LengthMismatch => "WeightVecNotEqualSize",
            Self::TooFewWeights => "WeightVecLengthIsLow",
            Self::NotRegistered => "HotKeyNotRegisteredInSubNet",
            Self::StakeTooLow => "NotEnoughStakeToSetWeights",
            Self::CommitRevealEnabled => "CommitRevealEnabled",
            Self::Other { error, .. } => error,
        }
    }
}

impl std::fmt::Display for WeightRejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Other { pallet, error } => write!(f, "{pallet}.{error}"),
            other => write!(f, "SubtensorModule.{}", other.chain_name()),
        }
    }
}

/// Everything that can go wrong talking to the chain or loading keys.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ChainError {
    /// The node could not be reached or the connection dropped (retryable).
    #[error("chain transport error: {0}")]
    Transport(String),
    /// A call did not finish within its deadline (retryable).
    #[error("chain call {call} timed out after {seconds} s")]
    Timeout {
        /// What was being called.
        call: &'static str,
        /// The deadline in seconds.
        seconds: u64,
    },
    /// The node answered with something we could not decode or did not expect.
    #[error("unexpected answer from the chain for {what}: {reason}")]
    Decode {
        /// What was being read.
        what: String,
        /// What was wrong with it.
        reason: String,
    },
    /// The connected node's metadata lacks items we use (startup check, SPEC §2.1).
    #[error("the node's runtime metadata lacks items this software uses: {}", missing.join(", "))]
    MissingMetadata {
        /// Every missing item, `Pallet.Item` / `Pallet.call` / `Api.method`.
        missing: Vec<String>,
    },
    /// A block the caller asked for does not exist (yet).
    #[error("block {0} not found")]
    BlockNotFound(u32),
    /// The chain rejected our weights.
    #[error("weights rejected by the chain: {0}")]
    WeightsRejected(WeightRejection),
    /// Commit-reveal is enabled on the subnet, so the chain refuses plain `set_weights`.
    #[error("commit-reveal is enabled on subnet {netuid}: plain set_weights is refused")]
    CommitRevealEnabled {
        /// The subnet.
        netuid: u16,
    },
    /// Commit-reveal is on for the subnet but no CRv4 commit can be made (a runtime without the
    /// epoch-schedule storage, another `CommitRevealWeightsVersion`, tempo 0, or a build
    /// without the `crv4` feature). Not retryable: the operator must act.
    #[error(
        "subnet {netuid} requires commit-reveal weights, but no CRv4 commit can be made: {reason}"
    )]
    CommitRevealUnsupported {
        /// The subnet.
        netuid: u16,
        /// What is missing or different.
        reason: String,
    },
    /// Timelock encryption failed or is unavailable.
    #[error("timelock encryption: {0}")]
    Timelock(String),
    /// The chain rejected an extrinsic other than weights (for example a commitment).
    #[error("extrinsic rejected by the chain: {pallet}.{error}")]
    Dispatch {
        /// Pallet name from the metadata.
        pallet: String,
        /// Error name from the metadata.
        error: String,
    },
    /// The transaction pool dropped or refused the transaction (retryable: nonce races, bans).
    #[error("transaction not included: {0}")]
    NotIncluded(String),
    /// A caller-supplied value is invalid (names what and why).
    #[error("invalid {what}: {reason}")]
    InvalidInput {
        /// The value.
        what: &'static str,
        /// Why.
        reason: String,
    },
    /// A key could not be built (bad seed, mnemonic or URI). Never contains the secret.
    #[error("invalid key: {0}")]
    InvalidKey(String),
    /// A wallet file could not be read.
    #[error("cannot read wallet file {path}: {reason}")]
    WalletIo {
        /// The file.
        path: PathBuf,
        /// The IO error text.
        reason: String,
    },
    /// A wallet file was read but is not usable.
    #[error("wallet file {path} is not usable: {reason}")]
    WalletFormat {
        /// The file.
        path: PathBuf,
        /// What is wrong (never the secret).
        reason: String,
    },
    /// A coldkey is encrypted with a format we do not read.
    #[error(
        "wallet file {path} uses the legacy {format} encryption; re-encrypt it with btcli \
         (`btcli wallet regen-coldkey` or `btcli wallet update`) to the $NACL format"
    )]
    LegacyKeyfile {
        /// The file.
        path: PathBuf,
        /// The detected format.
        format: &'static str,
    },
    /// The password did not decrypt the coldkey.
    #[error("wrong password for {path}")]
    WrongPassword {
        /// The file.
        path: PathBuf,
    },
}

impl ChainError {
    /// Whether retrying the same operation later may succeed.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Transport(_) | Self::Timeout { .. } | Self::NotIncluded(_) => true,
            Self::WeightsRejected(r) => matches!(r, WeightRejection::RateLimit),
            Self::Dispatch { error, .. } => error == "SpaceLimitExceeded",
            _ => false,
        }
    }

    pub(crate) fn decode(what: impl Into<String>, reason: impl std::fmt::Display) -> Self {
        Self::Decode {
            what: what.into(),
            reason: reason.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transient_classification() {
        assert!(ChainError::Transport("x".into()).is_transient());
        assert!(
            ChainError::Timeout {
                call: "x",
                seconds: 1
            }
            .is_transient()
        );
        assert!(ChainError::WeightsRejected(WeightRejection::RateLimit).is_transient());
        assert!(!ChainError::WeightsRejected(WeightRejection::NoPermit).is_transient());
        assert!(!ChainError::CommitRevealEnabled { netuid: 1 }.is_transient());
        assert!(!ChainError::MissingMetadata { missing: vec![] }.is_transient());
    }

    #[test]
    fn rejection_names_roundtrip() {
        for r in [
            WeightRejection::RateLimit,
            WeightRejection::VersionKey,
            WeightRejection::NoPermit,
            WeightRejection::DuplicateUids,
            WeightRejection::UnknownUids,
            WeightRejection::LengthMismatch,
            WeightRejection::TooFewWeights,
            WeightRejection::NotRegistered,
            WeightRejection::StakeTooLow,
            WeightRejection::CommitRevealEnabled,
        ] {
            assert_eq!(
                WeightRejection::from_error_name("SubtensorModule", r.chain_name()),
                r
            );
        }
        let other = WeightRejection::from_error_name("SubtensorModule", "Foo");
        assert_eq!(other.to_string(), "SubtensorModule.Foo");
    }
}
