//! End-to-end tests of `leoma-validator score`: the real binary over bucket mirrors built here
//! with real sr25519 signatures, checked against values computed by hand from SPEC §4–§5.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

use leoma_api_types::Hotkey;
use leoma_api_types::TaskId;
use leoma_api_types::allowlist::{AllowlistV1, AllowlistV2, ConsensusParamsV2, ValidatorEntryV2};
use leoma_api_types::signature::Signer;
use leoma_api_types::verdict::{
    ORIGINAL_ARTIFACTS, PRESENTATION_ORDER, VerdictEntryV1, VerdictEntryV2, VerdictFileV1,
    VerdictFileV2, VerdictStatus,
};
use schnorrkel::keys::ExpansionMode;
use schnorrkel::{Keypair, MiniSecretKey};
use serde_json::Value;

struct Key {
    hotkey: Hotkey,
    pair: Keypair,
}

impl Signer for Key {
    fn public_key(&self) -> [u8; 32] {
        self.pair.public.to_bytes()
    }
    fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.pair.sign_simple(b"substrate", message).to_bytes()
    }
}

fn key(seed: u8) -> Key {
    let pair = MiniSecretKey::from_bytes(&[seed; 32])
        .unwrap()
        .expand_to_keypair(ExpansionMode::Ed25519);
    Key {
        hotkey: Hotkey::from_public(pair.public.to_bytes(), 42),
        pair,
    }
}

/// Three validators sorted by hotkey (the rotation order) and three miners.
fn cast() -> (Vec<Key>, Vec<String>) {
    let mut validators: Vec<Key> = (1..=3).map(key).collect();
    validators.sort_by(|a, b| a.hotkey.cmp(&b.hotkey));
    let mut miners: Vec<String> = (11..=13)
        .map(|s| key(s).hotkey.as_str().to_owned())
        .collect();
    miners.sort();
    (validators, miners)
}

fn entry_v1(miner: &str, passed: bool) -> VerdictEntryV1 {
    VerdictEntryV1 {
        hotkey: miner.to_owned(),
        passed,
        status: VerdictStatus::of_passed(passed),
        confidence: 80,
        reasoning: "ok | overall_score=80 | aspect_scores={}".to_owned(),
        latency_ms: 1000,
        original_artifacts: ORIGINAL_ARTIFACTS.to_owned(),
        generated_artifacts: "{}".to_owned(),
        presentation_order: PRESENTATION_ORDER.to_owned(),
    }
}

fn entry_v2(miner: &str, passed: bool) -> VerdictEntryV2 {
    VerdictEntryV2 {
        hotkey: miner.to_owned(),
        passed,
        status: VerdictStatus::of_passed(passed),
        reason: None,
        confidence: Some(80),
        reasoning: "ok".to_owned(),
        latency_ms: Some(1000),
        original_artifacts: Some(ORIGINAL_ARTIFACTS.to_owned()),
        generated_artifacts: Some("{}".to_owned()),
        presentation_order: PRESENTATION_ORDER.to_owned(),
    }
}

fn verdict_path(root: &Path, producer: &str, rid: i64) -> PathBuf {
    root.join(producer)
        .join(rid.to_string())
        .join("evaluation_results")
        .join(format!("{producer}.json"))
}

fn put(root: &Path, producer: &str, rid: i64, bytes: &[u8]) {
    let path = verdict_path(root, producer, rid);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// Miner 0 passes every task, miner 1 half of them, miner 2 none.
fn passes(miner: usize, rid: i64) -> bool {
    match miner {
        0 => true,
        1 => rid % 2 == 0,
        _ => false,
    }
}

struct Epoch {
    dir: tempfile::TempDir,
    validators: Vec<Key>,
    miners: Vec<String>,
}

impl Epoch {
    fn buckets(&self) -> PathBuf {
        self.dir.path().join("buckets")
    }
    fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.file(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }
    /// Miners file: uids 1..=3, blocks ascending in hotkey order (miner 0 is the oldest).
    fn miners_file(&self) -> PathBuf {
        let table: serde_json::Map<String, Value> = self
            .miners
            .iter()
            .enumerate()
            .map(|(i, m)| {
                (
                    m.clone(),
                    serde_json::json!({"uid": i + 1, "block": 100 + i}),
                )
            })
            .collect();
        self.write("miners.json", &serde_json::to_vec(&table).unwrap())
    }
}

/// Boundary block: epoch task id 30.
const EPOCH_BLOCK: i64 = 3_000;

/// Every task 20..=30 produced by its primary, v1 files.
fn epoch_v1() -> Epoch {
    let (validators, miners) = cast();
    let dir = tempfile::tempdir().unwrap();
    let e = Epoch {
        dir,
        validators,
        miners,
    };
    for rid in 20..=30 {
        let v = &e.validators[usize::try_from(rid).unwrap() % 3];
        let entries = (0..3)
            .map(|m| entry_v1(&e.miners[m], passes(m, rid)))
            .collect();
        let bytes = VerdictFileV1::signed(entries, v).unwrap().to_bytes();
        put(&e.buckets(), v.hotkey.as_str(), rid, &bytes);
    }
    let allowlist = AllowlistV1::new(
        e.validators.iter().map(|v| v.hotkey.as_str().to_owned()),
        100,
    )
    .unwrap();
    e.write("allowlist.json", &allowlist.to_bytes());
    e
}

fn epoch_v2() -> Epoch {
    let (validators, miners) = cast();
    let dir = tempfile::tempdir().unwrap();
    let e = Epoch {
        dir,
        validators,
        miners,
    };
    for rid in 20..=30 {
        let v = &e.validators[usize::try_from(rid).unwrap() % 3];
        let data = (0..3)
            .map(|m| entry_v2(&e.miners[m], passes(m, rid)))
            .collect();
        let file = VerdictFileV2::signed(TaskId(rid as u64), v.hotkey.clone(), data, v).unwrap();
        put(&e.buckets(), v.hotkey.as_str(), rid, &file.to_bytes());
    }
    let entries = e
        .validators
        .iter()
        .enumerate()
        .map(|(i, v)| ValidatorEntryV2 {
            hotkey: v.hotkey.clone(),
            bucket: format!("bucket-{i}"),
            endpoint: "https://s3.example.org".to_owned(),
            region: "auto".to_owned(),
        })
        .collect();
    let params = ConsensusParamsV2 {
        epoch_length: 100,
        ..ConsensusParamsV2::REFERENCE_DEFAULTS
    };
    let allowlist = AllowlistV2::new(entries, params).unwrap();
    e.write("allowlist.json", &allowlist.to_bytes());
    e
}

fn score(e: &Epoch, extra: &[&str]) -> (i32, Value, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_leoma-validator"))
        .arg("score")
        .arg(e.buckets())
        .arg("--allowlist")
        .arg(e.file("allowlist.json"))
        .args(["--epoch-block", &EPOCH_BLOCK.to_string()])
        .args(extra)
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
    let code = out.status.code().unwrap_or(-1);
    let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (
        code,
        json,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn ids(v: &Value) -> Vec<i64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_i64().unwrap())
        .collect()
}

#[test]
fn v1_epoch_matches_a_hand_computation() {
    let e = epoch_v1();
    let miners = e.miners_file();
    let (code, r, stderr) = score(&e, &["--miners", miners.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(r["rules"], "v1");
    // Produced 20..=30; margin 2 drops 30 and 29 (produced rids), N = 100 keeps the rest.
    assert_eq!(ids(&r["window"]["task_ids"]), (20..=28).collect::<Vec<_>>());
    assert_eq!(r["window"]["epoch_task_id"], 30);
    assert_eq!(r["active_validators"].as_array().unwrap().len(), 3);
    // ceil(3 × 0.5) = 2 distinct validators needed.
    assert_eq!(r["min_distinct_validators"], 2);
    let m1 = r["miners"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["hotkey"] == e.miners[1].as_str())
        .unwrap();
    // Miner 1 passes even task ids: 20, 22, 24, 26, 28 of 20..=28.
    assert_eq!(
        (m1["passed"].as_u64(), m1["evaluated"].as_u64()),
        (Some(5), Some(9))
    );
    assert_eq!(m1["completeness"], 1.0);
    // Per-validator rates: V0 produces 21, 24, 27 (rate 1/3); V1 22, 25, 28 (2/3); V2 20, 23, 26 (2/3).
    let rates: Vec<f64> = m1["per_validator_rate"]
        .as_object()
        .unwrap()
        .values()
        .map(|x| x.as_f64().unwrap())
        .collect();
    let mut sorted = rates.clone();
    sorted.sort_by(f64::total_cmp);
    assert_eq!(sorted, [1.0 / 3.0, 2.0 / 3.0, 2.0 / 3.0]);
    // Miner 0 is oldest and best: rank 1, uid 1 gets all the weight.
    assert_eq!(r["winner"]["hotkey"], e.miners[0].as_str());
    assert_eq!(r["winner"]["uid"], 1);
    assert_eq!(r["weights"]["uids"], serde_json::json!([1]));
    assert_eq!(r["weights"]["values"], serde_json::json!([65535]));
    assert_eq!(r["burn_reason"], Value::Null);
    assert_eq!(r["ranks"][0]["rank"], 1);
    assert!(r["rejected_files"].as_array().unwrap().is_empty());
}

#[test]
fn v1_bad_files_are_reported_and_skipped_as_the_reference_does() {
    let e = epoch_v1();
    let miners = e.miners_file();
    let owner = |rid: i64| {
        e.validators[usize::try_from(rid).unwrap() % 3]
            .hotkey
            .as_str()
            .to_owned()
    };
    // 21: not JSON. 22: valid JSON but a forged signature. 23: oversized.
    put(
        &e.buckets(),
        &owner(21),
        21,
        b"{\"signature\": \"0x\", \"data\": [",
    );
    let forged = format!(
        "{{\"signature\": \"0x{}\", \"data\": [{{\"hotkey\": \"{}\", \"passed\": true}}]}}",
        "ab".repeat(64),
        e.miners[2]
    );
    put(&e.buckets(), &owner(22), 22, forged.as_bytes());
    put(
        &e.buckets(),
        &owner(23),
        23,
        &vec![b' '; 16 * 1024 * 1024 + 1],
    );
    // 24: unsigned — accepted fail-open, and noted.
    let unsigned = format!(
        "{{\"signature\": \"\", \"data\": [{{\"hotkey\": \"{}\", \"passed\": true}}]}}",
        e.miners[2]
    );
    put(&e.buckets(), &owner(24), 24, unsigned.as_bytes());

    let (code, r, stderr) = score(&e, &["--miners", miners.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    let rejected = r["rejected_files"].as_array().unwrap();
    assert_eq!(rejected.len(), 3, "{rejected:?}");
    for (rid, needle) in [(21, "JSON"), (22, "signature"), (23, "oversized")] {
        let path = verdict_path(&e.buckets(), &owner(rid), rid)
            .display()
            .to_string();
        let hit = rejected
            .iter()
            .find(|x| x["path"] == path.as_str())
            .unwrap_or_else(|| panic!("no rejection for task {rid}: {rejected:?}"));
        let reason = hit["reason"].as_str().unwrap();
        assert!(
            reason.to_lowercase().contains(&needle.to_lowercase()),
            "{rid}: {reason}"
        );
        // Also on stderr, with the path.
        assert!(stderr.contains(&path), "stderr lacks {path}");
    }
    assert!(
        r["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n.as_str().unwrap().contains("Missing")),
        "{:?}",
        r["notes"]
    );
    // Miner 2 only has the unsigned file's pass (rid 24): 1 of 6 judged.
    let m2 = r["miners"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["hotkey"] == e.miners[2].as_str())
        .unwrap();
    assert_eq!(m2["passed"], 1);
    assert_eq!(m2["evaluated"], 6);
    assert_eq!(r["winner"]["hotkey"], e.miners[0].as_str());
}

#[test]
fn v1_unusable_allowlist_burns_and_says_why() {
    let e = epoch_v1();
    e.write("allowlist.json", br#"{"interval": 100, "validators": []}"#);
    let (code, r, stderr) = score(&e, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        r["allowlist"]["error"]
            .as_str()
            .unwrap()
            .contains("validators")
    );
    assert_eq!(r["weights"]["uids"], serde_json::json!([0]));
    assert!(r["burn_reason"].as_str().unwrap().contains("allowlist"));
}

#[test]
fn v1_commitment_mismatch_burns() {
    let e = epoch_v1();
    let wrong = format!("leoma:allowlist:v1:{}", "0".repeat(64));
    let (code, r, _) = score(&e, &["--commitment", &wrong]);
    assert_eq!(code, 0);
    assert!(
        r["allowlist"]["error"]
            .as_str()
            .unwrap()
            .contains("does not match"),
        "{}",
        r["allowlist"]
    );
    assert_eq!(r["weights"]["uids"], serde_json::json!([0]));
}

#[test]
fn without_a_miners_file_the_winner_has_no_uid_and_weights_burn() {
    let e = epoch_v1();
    let (code, r, _) = score(&e, &[]);
    assert_eq!(code, 0);
    assert_eq!(r["winner"]["hotkey"], e.miners[0].as_str());
    assert_eq!(r["winner"]["uid"], Value::Null);
    assert_eq!(r["weights"]["uids"], serde_json::json!([0]));
    assert!(r["burn_reason"].as_str().unwrap().contains("no uid"));
}

#[test]
fn v2_falls_through_to_the_backup_and_ignores_illegitimate_producers() {
    let e = epoch_v2();
    let miners = e.miners_file();
    let v = |rid: i64, step: usize| &e.validators[(usize::try_from(rid).unwrap() + step) % 3];
    // Task 27: the primary's file is tampered with (signature no longer covers the data); the
    // backup (step 1, legitimate: S_max = min(99 div 50, 2) = 1) produced a valid file in which
    // miner 2 passes.
    let primary = v(27, 0);
    let path = verdict_path(&e.buckets(), primary.hotkey.as_str(), 27);
    let tampered = std::fs::read_to_string(&path).unwrap().replacen(
        "\"passed\": false",
        "\"passed\": true",
        1,
    );
    std::fs::write(&path, tampered).unwrap();
    let backup = v(27, 1);
    let data = (0..3)
        .map(|m| entry_v2(&e.miners[m], m == 2 || passes(m, 27)))
        .collect();
    let file = VerdictFileV2::signed(TaskId(27), backup.hotkey.clone(), data, backup).unwrap();
    put(&e.buckets(), backup.hotkey.as_str(), 27, &file.to_bytes());
    // Task 19 (outside the primaries' history) only has a file from step 2: not legitimate.
    let third = v(19, 2);
    let data = (0..3).map(|m| entry_v2(&e.miners[m], true)).collect();
    let file = VerdictFileV2::signed(TaskId(19), third.hotkey.clone(), data, third).unwrap();
    put(&e.buckets(), third.hotkey.as_str(), 19, &file.to_bytes());

    let (code, r, stderr) = score(&e, &["--miners", miners.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(r["rules"], "v2");
    // Index margin: hi = 30 − 2 = 28; 19 has no legitimate file, so the window is 20..=28.
    assert_eq!(ids(&r["window"]["task_ids"]), (20..=28).collect::<Vec<_>>());
    assert_eq!(r["window"]["producers"]["27"], backup.hotkey.as_str());
    let rejected = r["rejected_files"].as_array().unwrap();
    assert_eq!(rejected.len(), 1, "{rejected:?}");
    assert!(
        rejected[0]["reason"]
            .as_str()
            .unwrap()
            .contains("next legitimate producer")
    );
    let m2 = r["miners"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["hotkey"] == e.miners[2].as_str())
        .unwrap();
    assert_eq!(m2["passed"], 1);
    assert!(m2["exact_score"].as_str().unwrap().contains('/'));
    assert_eq!(r["winner"]["uid"], 1);
}

#[test]
fn v2_epoch_block_must_be_a_boundary() {
    let e = epoch_v2();
    let out = Command::new(env!("CARGO_BIN_EXE_leoma-validator"))
        .arg("score")
        .arg(e.buckets())
        .arg("--allowlist")
        .arg(e.file("allowlist.json"))
        .args(["--epoch-block", "3001"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a boundary"));
}

#[test]
fn unreadable_inputs_exit_3_with_the_path() {
    let e = epoch_v1();
    let out = Command::new(env!("CARGO_BIN_EXE_leoma-validator"))
        .arg("score")
        .arg(e.file("nowhere"))
        .arg("--allowlist")
        .arg(e.file("allowlist.json"))
        .args(["--epoch-block", "3000"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nowhere"));
    let bad_miners = e.write("bad-miners.json", b"[1, 2]");
    let (code, _, stderr) = score(&e, &["--miners", bad_miners.to_str().unwrap()]);
    assert_eq!(code, 3);
    assert!(stderr.contains("bad-miners.json"), "{stderr}");
}

#[test]
fn garbage_everywhere_never_panics() {
    let e = epoch_v1();
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for rid in 20..=30 {
        for v in &e.validators {
            let len = usize::try_from(seed % 300).unwrap();
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    seed.to_le_bytes()[0]
                })
                .collect();
            put(&e.buckets(), v.hotkey.as_str(), rid, &bytes);
        }
    }
    // Odd keys in a bucket too: a non-numeric task segment and a negative one.
    put(&e.buckets(), e.validators[0].hotkey.as_str(), -3, b"{}");
    std::fs::create_dir_all(
        e.buckets()
            .join(e.validators[0].hotkey.as_str())
            .join("x/evaluation_results"),
    )
    .unwrap();
    for rules in ["v1", "v2"] {
        let (code, r, stderr) = score(&e, &["--rules", rules]);
        assert_eq!(code, 0, "{rules}: {stderr}");
        assert!(r["weights"]["uids"].is_array(), "{rules}: {r}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}
