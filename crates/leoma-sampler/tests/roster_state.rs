//! The roster's state files (SPEC §3.11): `blacklist_cache.json` and `miner_snapshot.json`
//! encode/decode round trips, and "a read or parse error yields absent".

#![allow(clippy::unwrap_used, clippy::panic)] // proptest strategies outside #[test] functions

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, UNIX_EPOCH};

use leoma_api_types::reason::InvalidReason;
use leoma_sampler::roster::state::{
    decode_blacklist, decode_snapshot, encode_blacklist, encode_snapshot,
};
use leoma_sampler::roster::{MinerInfo, RosterSnapshot, RosterState};
use proptest::prelude::*;

fn reason() -> impl Strategy<Value = Option<InvalidReason>> {
    prop_oneof![
        Just(None),
        Just(Some(InvalidReason::Blacklisted)),
        Just(Some(InvalidReason::MaxCommitsExceeded)),
        Just(Some(InvalidReason::ChuteNotRunning)),
        Just(Some(InvalidReason::ValidationError)),
        "[a-z0-9]{0,12}".prop_map(|r| Some(InvalidReason::RevisionMismatchChute(r))),
        "[a-f0-9]{0,40}".prop_map(|r| Some(InvalidReason::RevisionMismatchHf(r))),
        any::<u16>().prop_map(|u| Some(InvalidReason::DuplicateModel { earliest_uid: u })),
    ]
}

fn text() -> impl Strategy<Value = Option<String>> {
    proptest::option::of("\\PC{0,16}")
}

fn miner() -> impl Strategy<Value = MinerInfo> {
    (
        "[1-9A-HJ-NP-Za-km-z]{47,48}",
        (text(), text(), text(), text(), text()),
        proptest::option::of(any::<u64>()),
        reason(),
    )
        .prop_map(
            |(hotkey, (model_name, model_revision, model_hash, chute_id, chute_slug), block, r)| {
                MinerInfo {
                    uid: 0,
                    hotkey,
                    model_name,
                    model_revision,
                    model_hash,
                    chute_id,
                    chute_slug,
                    block,
                    invalid_reason: r,
                }
            },
        )
}

fn snapshot() -> impl Strategy<Value = RosterSnapshot> {
    (
        any::<u32>(),
        proptest::collection::vec(miner(), 0..8),
        proptest::collection::btree_map("\\PC{1,8}", any::<u16>(), 0..6),
        proptest::collection::btree_map("\\PC{1,8}", any::<u64>(), 0..6),
        0u64..4_000_000_000,
        0u32..1_000_000_000,
    )
        .prop_map(|(block, mut miners, uids, blocks, secs, nanos)| {
            for (i, m) in miners.iter_mut().enumerate() {
                m.uid = u16::try_from(i * 3).unwrap();
            }
            RosterSnapshot {
                block,
                miners,
                uid_by_hotkey: uids,
                block_by_hotkey: blocks,
                at: UNIX_EPOCH + Duration::new(secs, nanos),
            }
        })
}

proptest! {
    #[test]
    fn snapshot_round_trips(s in snapshot()) {
        prop_assert_eq!(decode_snapshot(&encode_snapshot(&s)), Some(s));
    }

    #[test]
    fn blacklist_round_trips_sorted_and_distinct(list in proptest::collection::vec("\\PC{0,50}", 0..20)) {
        let set: BTreeSet<String> = list.iter().cloned().collect();
        let bytes = encode_blacklist(&set);
        prop_assert_eq!(decode_blacklist(&bytes), Some(set.clone()));
        // The file is the plain `["hk", …]` array readers such as the weight setter expect.
        let plain: Vec<String> = serde_json::from_slice(&bytes).unwrap();
        prop_assert_eq!(plain, set.into_iter().collect::<Vec<_>>());
    }

    #[test]
    fn whatever_decodes_re_encodes_to_itself(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        if let Some(s) = decode_snapshot(&bytes) {
            prop_assert_eq!(decode_snapshot(&encode_snapshot(&s)), Some(s));
        }
        if let Some(b) = decode_blacklist(&bytes) {
            prop_assert_eq!(decode_blacklist(&encode_blacklist(&b)), Some(b));
        }
    }

    #[test]
    fn a_truncated_snapshot_is_absent(s in snapshot(), cut in 0.0f64..1.0) {
        let bytes = encode_snapshot(&s);
        let n = (bytes.len() as f64 * cut) as usize;
        prop_assert_eq!(decode_snapshot(&bytes[..n]), None);
    }
}

fn one_miner_file(is_valid: bool, reason: Option<&str>, version: u32) -> String {
    serde_json::json!({
        "version": version, "block": 9, "at_unix_secs": 1, "at_unix_nanos": 0,
        "miners": [{"uid": 1, "hotkey": "h", "model_name": null, "model_revision": null,
                    "model_hash": null, "chute_id": null, "chute_slug": null, "block": null,
                    "is_valid": is_valid, "invalid_reason": reason}],
        "uid_by_hotkey": {}, "block_by_hotkey": {},
    })
    .to_string()
}

#[test]
fn inconsistent_or_unknown_snapshots_are_absent() {
    assert!(decode_snapshot(one_miner_file(true, None, 1).as_bytes()).is_some());
    assert!(decode_snapshot(one_miner_file(false, Some("blacklisted"), 1).as_bytes()).is_some());
    // is_valid contradicting the reason.
    assert_eq!(
        decode_snapshot(one_miner_file(true, Some("blacklisted"), 1).as_bytes()),
        None
    );
    assert_eq!(
        decode_snapshot(one_miner_file(false, None, 1).as_bytes()),
        None
    );
    // A reason outside the §6.7 vocabulary.
    assert_eq!(
        decode_snapshot(one_miner_file(false, Some("bored"), 1).as_bytes()),
        None
    );
    // Another layout version.
    assert_eq!(
        decode_snapshot(one_miner_file(true, None, 2).as_bytes()),
        None
    );
    // Miners out of uid order.
    let mut two: serde_json::Value = serde_json::from_str(&one_miner_file(true, None, 1)).unwrap();
    let m = two["miners"][0].clone();
    two["miners"].as_array_mut().unwrap().push(m);
    assert_eq!(decode_snapshot(two.to_string().as_bytes()), None);
}

#[test]
fn blacklist_cache_accepts_only_an_array_of_strings() {
    assert_eq!(decode_blacklist(b"[]"), Some(BTreeSet::new()));
    assert_eq!(
        decode_blacklist(br#"["b","a","b"]"#),
        Some(["a".to_owned(), "b".to_owned()].into())
    );
    for bad in [&b"{}"[..], b"[1]", b"null", b"", b"[\"a\""] {
        assert_eq!(decode_blacklist(bad), None, "{bad:?}");
    }
}

#[test]
fn state_files_are_written_whole_and_missing_files_are_absent() {
    let dir = tempfile::tempdir().unwrap();
    let state = RosterState::new(dir.path().join("nested"));
    assert_eq!(state.load_blacklist(), None);
    assert_eq!(state.load_snapshot(), None);
    let set: BTreeSet<String> = ["x".to_owned()].into();
    state.store_blacklist(&set).unwrap();
    assert_eq!(state.load_blacklist(), Some(set));
    let snap = RosterSnapshot {
        block: 5,
        miners: vec![],
        uid_by_hotkey: BTreeMap::new(),
        block_by_hotkey: BTreeMap::new(),
        at: UNIX_EPOCH,
    };
    state.store_snapshot(&snap).unwrap();
    assert_eq!(state.load_snapshot(), Some(snap));
    let names: Vec<String> = std::fs::read_dir(dir.path().join("nested"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(names, ["blacklist_cache.json", "miner_snapshot.json"]);
}
