//! What the loopback node answers from a [`MemChain`] snapshot: the storage map of one block,
//! runtime-API results and the `System.Events` of an inclusion block, all SCALE-encoded as the
//! real runtime does (simple values by hand, structs through the type registry).

use std::collections::BTreeMap;

use codec::{Compact, Encode};
use subxt::Metadata;
use subxt::ext::scale_value::Value;

use super::scale;
use crate::mem::{MemState, MemSubnet};
use crate::storage_keys as keys;

/// All storage of one block as `key → SCALE value`.
pub(crate) fn storage_map(state: &MemState, events: Option<&[u8]>) -> BTreeMap<Vec<u8>, Vec<u8>> {
    let mut m = BTreeMap::new();
    for (netuid, s) in &state.subnets {
        subnet_storage(&mut m, *netuid, s);
    }
    m.insert(
        keys::item_prefix("SubtensorModule", "CommitRevealWeightsVersion"),
        state.commit_reveal_version.encode(),
    );
    if let Some(ev) = events {
        m.insert(keys::item_prefix("System", "Events"), ev.to_vec());
    }
    m
}

fn subnet_storage(m: &mut BTreeMap<Vec<u8>, Vec<u8>>, netuid: u16, s: &MemSubnet) {
    let n = u16::try_from(s.neurons.len()).unwrap_or(u16::MAX);
    let item = |name: &str| keys::subnet_item(name, netuid);
    m.insert(item("SubnetworkN"), n.encode());
    m.insert(item("WeightsVersionKey"), s.weights_version_key.encode());
    m.insert(
        item("CommitRevealWeightsEnabled"),
        s.commit_reveal_enabled.encode(),
    );
    m.insert(
        item("WeightsSetRateLimit"),
        s.weights_set_rate_limit.encode(),
    );
    m.insert(item("Tempo"), s.tempo.encode());
    m.insert(item("MinAllowedWeights"), s.min_allowed_weights.encode());
    m.insert(item("LastEpochBlock"), s.last_epoch_block.encode());
    m.insert(item("PendingEpochAt"), s.pending_epoch_at.encode());
    m.insert(item("SubnetEpochIndex"), s.subnet_epoch_index.encode());
    m.insert(
        item("BlocksSinceLastStep"),
        s.blocks_since_last_step.encode(),
    );
    m.insert(
        keys::reveal_period_epochs(netuid),
        s.reveal_period_epochs.encode(),
    );
    let last: Vec<u64> = s.neurons.iter().map(|x| x.last_update).collect();
    m.insert(item("LastUpdate"), last.encode());
    let permits: Vec<bool> = s.neurons.iter().map(|x| x.validator_permit).collect();
    m.insert(item("ValidatorPermit"), permits.encode());
    if let Some(owner) = &s.owner_hotkey {
        m.insert(
            keys::subnet_owner_hotkey(netuid),
            owner.public_key().to_vec(),
        );
    }
    for (uid, neuron) in s.neurons.iter().enumerate() {
        let uid = u16::try_from(uid).unwrap_or(u16::MAX);
        m.insert(keys::keys(netuid, uid), neuron.hotkey.public_key().to_vec());
        m.insert(keys::uids(netuid, neuron.hotkey.public_key()), uid.encode());
    }
    for (hk, raw) in &s.commitments {
        m.insert(
            keys::commitments_item("CommitmentOf", netuid, hk.public_key()),
            raw.clone(),
        );
    }
    for (hk, entries) in &s.revealed {
        m.insert(
            keys::commitments_item("RevealedCommitments", netuid, hk.public_key()),
            entries.encode(),
        );
    }
}

/// `Core_version`: enough of `RuntimeVersion` for clients (spec 393).
pub(crate) fn runtime_version() -> Vec<u8> {
    let mut out = Vec::new();
    "node-subtensor".encode_to(&mut out);
    "node-subtensor".encode_to(&mut out);
    1u32.encode_to(&mut out); // authoring_version
    393u32.encode_to(&mut out); // spec_version
    1u32.encode_to(&mut out); // impl_version
    Vec::<([u8; 8], u32)>::new().encode_to(&mut out);
    1u32.encode_to(&mut out); // transaction_version
    1u8.encode_to(&mut out); // system_version
    out
}

/// `Metadata_metadata_at_version`: `Option<OpaqueMetadata>`.
pub(crate) fn metadata_at_version(raw_metadata: &[u8]) -> Vec<u8> {
    let mut out = vec![1u8];
    Compact(u32::try_from(raw_metadata.len()).unwrap_or(u32::MAX)).encode_to(&mut out);
    out.extend_from_slice(raw_metadata);
    out
}

/// `SubnetInfoRuntimeApi_get_metagraph(netuid)`: `Option<Metagraph>` through the registry.
pub(crate) fn metagraph(md: &Metadata, state: &MemState, netuid: u16) -> Result<Vec<u8>, String> {
    let out_ty = md
        .runtime_api_trait_by_name("SubnetInfoRuntimeApi")
        .and_then(|t| t.method_by_name("get_metagraph").map(|m| m.output_ty()))
        .ok_or("get_metagraph not in metadata")?;
    let types = md.types();
    let Some(s) = state.subnets.get(&netuid) else {
        return Ok(vec![0]); // None
    };
    let some_fields = scale::variant_field_types(types, out_ty, "Some");
    let mg_ty = *some_fields
        .first()
        .ok_or("get_metagraph does not return an Option")?;
    let bytes = |v: &[u8; 32]| Value::from_bytes(v);
    let seq = |name: &str, leaves: Vec<Value>| -> Option<Value> {
        let ty = scale::field_type(types, mg_ty, name)?;
        Some(scale::sequence(types, ty, leaves))
    };
    let pick = |name: &str, _ty: u32| -> Option<Value> {
        let ns = &s.neurons;
        match name {
            "netuid" => Some(Value::u128(u128::from(netuid))),
            "hotkeys" => seq(
                name,
                ns.iter().map(|n| bytes(n.hotkey.public_key())).collect(),
            ),
            "coldkeys" => seq(
                name,
                ns.iter().map(|n| bytes(n.coldkey.public_key())).collect(),
            ),
            "active" => seq(name, ns.iter().map(|n| Value::bool(n.active)).collect()),
            "validator_permit" => seq(
                name,
                ns.iter().map(|n| Value::bool(n.validator_permit)).collect(),
            ),
            "last_update" => seq(
                name,
                ns.iter()
                    .map(|n| Value::u128(u128::from(n.last_update)))
                    .collect(),
            ),
            "alpha_stake" => seq(
                name,
                ns.iter()
                    .map(|n| Value::u128(u128::from(n.alpha_stake)))
                    .collect(),
            ),
            "tao_stake" => seq(
                name,
                ns.iter()
                    .map(|n| Value::u128(u128::from(n.tao_stake)))
                    .collect(),
            ),
            "total_stake" => seq(
                name,
                ns.iter()
                    .map(|n| Value::u128(u128::from(n.alpha_stake.saturating_add(n.tao_stake))))
                    .collect(),
            ),
            _ => None,
        }
    };
    let mg = scale::composite(types, mg_ty, &pick);
    let value = Value::variant("Some", subxt::ext::scale_value::Composite::unnamed([mg]));
    scale::encode(types, out_ty, &value)
}

/// `System.Events` for a block with one extrinsic at index 0 that succeeded or failed with
/// `SubtensorModule`/`Commitments` error `failure = (pallet, error)`.
pub(crate) fn events(md: &Metadata, failure: Option<(&str, &str)>) -> Result<Vec<u8>, String> {
    let types = md.types();
    let events_ty = md
        .pallet_by_name("System")
        .and_then(|p| p.storage())
        .and_then(|s| s.entry_by_name("Events"))
        .map(|e| e.value_ty())
        .ok_or("System.Events not in metadata")?;
    let record_ty = scale::sequence_item(types, events_ty).ok_or("Events is not a sequence")?;
    let event_ty = scale::field_type(types, record_ty, "event").ok_or("EventRecord.event")?;
    let system_event_ty = *scale::variant_field_types(types, event_ty, "System")
        .first()
        .ok_or("RuntimeEvent.System")?;
    let system_event = match failure {
        None => scale::variant(types, system_event_ty, "ExtrinsicSuccess", &|_, _| None),
        Some((pallet, error)) => {
            let p = md
                .pallet_by_name(pallet)
                .ok_or("failing pallet not in metadata")?;
            let err_index = p
                .error_variants()
                .and_then(|vs| vs.iter().find(|v| v.name == error))
                .map(|v| v.index)
                .ok_or("error variant not in metadata")?;
            let pallet_index = p.error_index();
            let pick = move |name: &str, ty: u32| -> Option<Value> {
                (name == "dispatch_error").then(|| {
                    let module = |n: &str, t: u32| -> Option<Value> {
                        match n {
                            "index" => Some(Value::u128(u128::from(pallet_index))),
                            "error" => Some(scale::fit(
                                types,
                                t,
                                Value::from_bytes([err_index, 0, 0, 0]),
                            )),
                            _ => None,
                        }
                    };
                    let module_ty = scale::variant_field_types(types, ty, "Module");
                    let inner = module_ty
                        .first()
                        .map(|t| scale::composite(types, *t, &module))
                        .unwrap_or_else(|| Value::unnamed_composite([]));
                    Value::variant(
                        "Module",
                        subxt::ext::scale_value::Composite::unnamed([inner]),
                    )
                })
            };
            scale::variant(types, system_event_ty, "ExtrinsicFailed", &pick)
        }
    };
    let event = Value::variant(
        "System",
        subxt::ext::scale_value::Composite::unnamed([system_event]),
    );
    let record_pick = |name: &str, _: u32| -> Option<Value> {
        match name {
            "phase" => Some(Value::variant(
                "ApplyExtrinsic",
                subxt::ext::scale_value::Composite::unnamed([Value::u128(0)]),
            )),
            "event" => Some(event.clone()),
            _ => None,
        }
    };
    let record = scale::composite(types, record_ty, &record_pick);
    scale::encode(types, events_ty, &Value::unnamed_composite([record]))
}
