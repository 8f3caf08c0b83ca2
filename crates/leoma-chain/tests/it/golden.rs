//! Golden call data for the two writes, decoded back through the vendored metadata, and the
//! storage keys we derive checked against subxt's metadata-driven derivation.

use std::sync::Arc;

use leoma_chain::data::Data;
use leoma_chain::storage_keys as keys;
use leoma_chain::subtensor::{commitment_call_data, set_weights_call_data};
use leoma_chain::{VENDORED_METADATA, WeightRejection, WeightVector};
use subxt::config::substrate::SpecVersionForRange;
use subxt::ext::scale_value::{Composite, Primitive, Value, ValueDef};
use subxt::{Metadata, OfflineClient, SubstrateConfig};

fn metadata() -> Metadata {
    Metadata::decode_from(VENDORED_METADATA).unwrap()
}

/// Decodes call data into (pallet, call, [(arg name, value)]) through the metadata.
fn decode_call(md: &Metadata, bytes: &[u8]) -> (String, String, Vec<(String, Value<u32>)>) {
    let pallet = md.pallet_by_call_index(bytes[0]).unwrap();
    let call = pallet.call_variant_by_index(bytes[1]).unwrap();
    let mut input = &bytes[2..];
    let mut args = Vec::new();
    for f in &call.fields {
        let v = subxt::ext::scale_value::scale::decode_as_type(&mut input, f.ty.id, md.types())
            .unwrap();
        args.push((f.name.clone().unwrap_or_default(), v));
    }
    assert!(input.is_empty(), "trailing bytes");
    (pallet.name().to_owned(), call.name.clone(), args)
}

fn numbers(v: &Value<u32>, out: &mut Vec<u128>) {
    match &v.value {
        ValueDef::Primitive(Primitive::U128(n)) => out.push(*n),
        ValueDef::Composite(c) => c.values().for_each(|x| numbers(x, out)),
        ValueDef::Variant(var) => var.values.values().for_each(|x| numbers(x, out)),
        _ => {}
    }
}

fn nums(v: &Value<u32>) -> Vec<u128> {
    let mut out = Vec::new();
    numbers(v, &mut out);
    out
}

fn variant_name(v: &Value<u32>) -> Option<String> {
    match &v.value {
        ValueDef::Variant(var) => Some(var.name.clone()),
        ValueDef::Composite(c) => c.values().find_map(variant_name),
        _ => None,
    }
}

#[test]
fn set_weights_golden_bytes_decode_back() {
    let w = WeightVector {
        uids: vec![0, 3],
        values: vec![65535, 0],
        version_key: 1,
    };
    let bytes = set_weights_call_data(7, &w).unwrap();
    assert_eq!(
        hex::encode(&bytes),
        "07000700080000030008ffff00000100000000000000"
    );
    let (pallet, call, args) = decode_call(&metadata(), &bytes);
    assert_eq!(
        (pallet.as_str(), call.as_str()),
        ("SubtensorModule", "set_weights")
    );
    let names: Vec<&str> = args.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["netuid", "dests", "weights", "version_key"]);
    assert_eq!(nums(&args[0].1), [7]);
    assert_eq!(nums(&args[1].1), [0, 3]);
    assert_eq!(nums(&args[2].1), [65535, 0]);
    assert_eq!(nums(&args[3].1), [1]);
}

#[test]
fn set_commitment_golden_bytes_decode_back() {
    let text = format!("leoma:allowlist:v1:{}", "ab".repeat(32));
    let bytes = commitment_call_data(99, &text).unwrap();
    let mut expected = hex::decode("12006300").unwrap(); // Commitments=18, call 0, netuid 99
    expected.push(4); // one field
    expected.push(84); // Raw83
    expected.extend_from_slice(text.as_bytes());
    assert_eq!(bytes, expected);
    let (pallet, call, args) = decode_call(&metadata(), &bytes);
    assert_eq!(
        (pallet.as_str(), call.as_str()),
        ("Commitments", "set_commitment")
    );
    assert_eq!(nums(&args[0].1), [99]);
    assert_eq!(variant_name(&args[1].1).as_deref(), Some("Raw83"));
    let payload: Vec<u8> = nums(&args[1].1).into_iter().map(|n| n as u8).collect();
    assert_eq!(payload, text.as_bytes());

    // Long text goes to BigRaw.
    let long = "x".repeat(300);
    let bytes = commitment_call_data(1, &long).unwrap();
    let (_, _, args) = decode_call(&metadata(), &bytes);
    assert_eq!(variant_name(&args[1].1).as_deref(), Some("BigRaw"));
    assert!(commitment_call_data(1, &"x".repeat(513)).is_err());
}

#[test]
fn data_variant_indices_match_metadata() {
    let md = metadata();
    let pallet = md.pallet_by_name("Commitments").unwrap();
    let call = pallet.call_variant_by_name("set_commitment").unwrap();
    let info_ty = call.fields[1].ty.id;
    // Walk CommitmentInfo.fields -> BoundedVec<Data> -> Data and compare variant indices.
    let mut data_ty = None;
    let mut stack = vec![info_ty];
    while let Some(id) = stack.pop() {
        let ty = md.types().resolve(id).unwrap();
        if ty.path.segments.last().map(String::as_str) == Some("Data") {
            data_ty = Some(ty);
            break;
        }
        match &ty.type_def {
            scale_info::TypeDef::Composite(c) => stack.extend(c.fields.iter().map(|f| f.ty.id)),
            scale_info::TypeDef::Sequence(s) => stack.push(s.type_param.id),
            _ => {}
        }
    }
    let scale_info::TypeDef::Variant(v) = &data_ty.unwrap().type_def else {
        panic!("not an enum")
    };
    let index = |name: &str| v.variants.iter().find(|x| x.name == name).map(|x| x.index);
    for (d, name) in [
        (Data::None, "None"),
        (Data::Raw(vec![1; 83]), "Raw83"),
        (Data::Raw(vec![1; 128]), "Raw128"),
        (Data::Sha256([0; 32]), "Sha256"),
        (
            Data::TimelockEncrypted {
                encrypted: vec![],
                reveal_round: 0,
            },
            "TimelockEncrypted",
        ),
        (Data::ResetBondsFlag, "ResetBondsFlag"),
        (Data::BigRaw(vec![]), "BigRaw"),
    ] {
        assert_eq!(Some(d.encode()[0]), index(name), "{name}");
        assert_eq!(d.variant_name(), name);
    }
}

#[test]
fn rejection_names_exist_in_metadata() {
    let md = metadata();
    let errors = md
        .pallet_by_name("SubtensorModule")
        .unwrap()
        .error_variants()
        .unwrap();
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
        assert!(
            errors.iter().any(|e| e.name == r.chain_name()),
            "{}",
            r.chain_name()
        );
    }
}

#[test]
fn vendored_metadata_has_everything_we_use() {
    let md = metadata();
    assert_eq!(
        leoma_chain::subtensor::check::missing_items_in(VENDORED_METADATA).unwrap(),
        Vec::<String>::new()
    );
    // The metagraph fields we decode by name exist on the runtime API's result type.
    let out = md
        .runtime_api_trait_by_name("SubnetInfoRuntimeApi")
        .unwrap()
        .method_by_name("get_metagraph")
        .unwrap()
        .output_ty();
    let text = format!("{:?}", md.types().resolve(out).unwrap());
    assert!(text.contains("Option"), "{text}");
}

fn offline_keys() -> OfflineClient<SubstrateConfig> {
    let md: subxt::ArcMetadata = Arc::new(metadata());
    let cfg = SubstrateConfig::builder()
        .set_metadata_for_spec_versions([(393, md)])
        .set_spec_version_for_block_ranges([SpecVersionForRange {
            block_range: 0..u64::MAX,
            spec_version: 393,
            transaction_version: 1,
        }])
        .build();
    OfflineClient::new_with_config(cfg)
}

#[test]
fn storage_keys_match_metadata_derivation() {
    let client = offline_keys();
    let at = client.at_block(0u64).unwrap();
    let hk = [9u8; 32];
    let key = |pallet: &str, item: &str, parts: Vec<Value>| {
        let addr = subxt::dynamic::storage::<Vec<Value>, Value>(pallet, item);
        at.storage().entry(addr).unwrap().fetch_key(parts).unwrap()
    };
    let acct = || Value::from_bytes(hk);
    assert_eq!(
        key(
            "SubtensorModule",
            "Keys",
            vec![Value::u128(1), Value::u128(0)]
        ),
        keys::keys(1, 0)
    );
    assert_eq!(
        key("SubtensorModule", "Uids", vec![Value::u128(5), acct()]),
        keys::uids(5, &hk)
    );
    assert_eq!(
        key("Commitments", "CommitmentOf", vec![Value::u128(5), acct()]),
        keys::commitments_item("CommitmentOf", 5, &hk)
    );
    assert_eq!(
        key(
            "Commitments",
            "RevealedCommitments",
            vec![Value::u128(5), acct()]
        ),
        keys::commitments_item("RevealedCommitments", 5, &hk)
    );
    assert_eq!(
        key(
            "SubtensorModule",
            "RevealPeriodEpochs",
            vec![Value::u128(5)]
        ),
        keys::reveal_period_epochs(5)
    );
    for item in [
        "WeightsVersionKey",
        "LastUpdate",
        "SubnetworkN",
        "SubnetOwnerHotkey",
    ] {
        assert_eq!(
            key("SubtensorModule", item, vec![Value::u128(5)]),
            keys::subnet_item(item, 5)
        );
    }
    let _ = Composite::<()>::unnamed([]);
}
