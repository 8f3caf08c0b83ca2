//! The start-up metadata check (SPEC §2.1): every storage item, call and runtime API this crate
//! uses must exist in the connected node's metadata, or we refuse to start naming what is missing.

use subxt::Metadata;

use crate::ChainError;

/// Storage items read, as `(pallet, item)`.
pub const STORAGE_ITEMS: &[(&str, &str)] = &[
    ("SubtensorModule", "SubnetworkN"),
    ("SubtensorModule", "Uids"),
    ("SubtensorModule", "SubnetOwnerHotkey"),
    ("SubtensorModule", "WeightsVersionKey"),
    ("SubtensorModule", "CommitRevealWeightsEnabled"),
    ("SubtensorModule", "WeightsSetRateLimit"),
    ("SubtensorModule", "MinAllowedWeights"),
    ("SubtensorModule", "LastUpdate"),
    ("SubtensorModule", "Tempo"),
    ("SubtensorModule", "RevealPeriodEpochs"),
    ("SubtensorModule", "CommitRevealWeightsVersion"),
    ("Commitments", "CommitmentOf"),
    ("Commitments", "RevealedCommitments"),
];

/// Calls submitted, as `(pallet, call)`.
pub const CALLS: &[(&str, &str)] = &[
    ("SubtensorModule", "set_weights"),
    ("SubtensorModule", "commit_timelocked_weights"),
    ("Commitments", "set_commitment"),
];

/// The dynamic-tempo epoch schedule (spec >= 423) CRv4 reveal rounds are computed from. Not
/// required at start-up: without it only commit-reveal subnets are refused (SPEC §2.6.1).
pub const EPOCH_SCHEDULE_ITEMS: &[(&str, &str)] = &[
    ("SubtensorModule", "LastEpochBlock"),
    ("SubtensorModule", "PendingEpochAt"),
    ("SubtensorModule", "SubnetEpochIndex"),
    ("SubtensorModule", "BlocksSinceLastStep"),
];

/// Runtime APIs called, as `(trait, method)`.
pub const RUNTIME_APIS: &[(&str, &str)] = &[
    ("SubnetInfoRuntimeApi", "get_metagraph"),
    ("AccountNonceApi", "account_nonce"),
];

/// Fields of the `get_metagraph` result we decode (by name, through the type registry).
pub const METAGRAPH_FIELDS: &[&str] = &[
    "hotkeys",
    "coldkeys",
    "active",
    "validator_permit",
    "last_update",
    "alpha_stake",
    "tao_stake",
    "total_stake",
];

/// Lists every used item missing from `metadata` (empty when all are present).
pub(crate) fn missing_items(metadata: &Metadata) -> Vec<String> {
    let mut missing = Vec::new();
    for (pallet, item) in STORAGE_ITEMS {
        let found = metadata
            .pallet_by_name(pallet)
            .and_then(|p| p.storage().and_then(|s| s.entry_by_name(item).map(|_| ())))
            .is_some();
        if !found {
            missing.push(format!("storage {pallet}.{item}"));
        }
    }
    for (pallet, call) in CALLS {
        let found = metadata
            .pallet_by_name(pallet)
            .and_then(|p| p.call_variant_by_name(call))
            .is_some();
        if !found {
            missing.push(format!("call {pallet}.{call}"));
        }
    }
    for (api, method) in RUNTIME_APIS {
        let found = metadata
            .runtime_api_trait_by_name(api)
            .and_then(|t| t.method_by_name(method))
            .is_some();
        if !found {
            missing.push(format!("runtime API {api}.{method}"));
        }
    }
    missing
}

/// Whether the metadata has every [`EPOCH_SCHEDULE_ITEMS`] storage item.
#[cfg(feature = "crv4")]
pub(crate) fn has_epoch_schedule(metadata: &Metadata) -> bool {
    EPOCH_SCHEDULE_ITEMS.iter().all(|(pallet, item)| {
        metadata
            .pallet_by_name(pallet)
            .and_then(|p| p.storage().and_then(|s| s.entry_by_name(item)))
            .is_some()
    })
}

/// Fails with [`ChainError::MissingMetadata`] naming every missing item.
pub(crate) fn check_metadata(metadata: &Metadata) -> Result<(), ChainError> {
    let missing = missing_items(metadata);
    if missing.is_empty() {
        Ok(())
    } else {
        Err(ChainError::MissingMetadata { missing })
    }
}

/// Decodes the vendored metadata.
pub(crate) fn vendored_metadata() -> Result<Metadata, ChainError> {
    Metadata::decode_from(crate::VENDORED_METADATA)
        .map_err(|e| ChainError::decode("vendored metadata", e))
}

/// Lists every used item missing from SCALE-encoded metadata (`RuntimeMetadataPrefixed`), for
/// tooling and tests; empty when all are present.
pub fn missing_items_in(metadata: &[u8]) -> Result<Vec<String>, ChainError> {
    let md = Metadata::decode_from(metadata).map_err(|e| ChainError::decode("metadata", e))?;
    Ok(missing_items(&md))
}
