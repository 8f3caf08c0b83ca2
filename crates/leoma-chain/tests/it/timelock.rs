//! Timelock compatibility with drand quicknet and the chain (SPEC §2.6.2), proven by fixtures:
//!
//! * Real quicknet pulses (round, signature). Round 1000 is `DRAND_PULSE` in Subtensor's
//!   `pallets/drand/src/tests.rs` (opentensor/subtensor); rounds 1001 and 1002 are `PULSE1001`
//!   / `PULSE1002` in Ideal Labs' pallet-drand verifier tests (ideal-lab5/idn-sdk,
//!   `pallets/drand/src/verifier.rs`). The first test re-verifies each as a BLS signature under
//!   the quicknet public key, so a wrong fixture fails loudly.
//! * Ciphertexts produced by PyPI `bittensor-drand==2.0.0` (`encrypt_at_round`, which returns
//!   SCALE `(Vec<u8> ciphertext, u64 round)`; the inner ciphertext is what goes on chain).
//! * Live interop with that package in both directions (`decrypt_with_signature`,
//!   `encrypt_at_round`, and its reveal-round functions).

use std::process::Command;

use codec::{Decode, Encode};
use leoma_chain::timelock::{
    Beacon, EpochSchedule, QUICKNET_GENESIS, TimelockError, WeightsTlockPayload,
    commitment_plaintext, commitment_reveal_round, crv4_reveal_round, decrypt, validate_ciphertext,
};

const PULSES: [(u64, &str); 3] = [
    (
        1000,
        "b44679b9a59af2ec876b1a6b1ad52ea9b1615fc3982b19576350f93447cb1125e342b73a8dd2bacbe47e4b6b63ed5e39",
    ),
    (
        1001,
        "b33bf3667cbd5a82de3a24b4e0e9fe5513cc1a0e840368c6e31f5fcfa79bea03f73896b25883abf2853d10337fb8fa41",
    ),
    (
        1002,
        "ab066f9c12dd6de1336fca0f925192fb0c72a771c3e4c82ede1fd362c1a770f9eb05843c6308ce2530b53a99c0281a6e",
    ),
];

fn sig(round: u64) -> Vec<u8> {
    let hex_sig = PULSES.iter().find(|(r, _)| *r == round).unwrap().1;
    hex::decode(hex_sig).unwrap()
}

/// `bittensor_drand.encrypt_at_round(pt, 1000)` with `pt` the SCALE string of
/// `{"model":"leoma/demo","revision":"abc123","chute_id":"00000000-0000-0000-0000-000000000000"}`
/// (a reveal-commitment plaintext).
const PY_COMMITMENT_AT_1000: &str = "49058467519a44197c7f63f8180d94a3effc3fafca29841cdb1a5f94323944e561454e126a6a85366f55491af3e6680ec1950c0acb2817ece84b1ecadeec81e382f4570553f4647e4b0372bb4f8142b90b2b1a292a79889bc6abaa4162335bb90bf720000000000000009511ab9d3006c142d883e48dc9a092373feb50c71e4bd5db621704ad74847fd220000000000000000eaa4a01be5d4a876aef06a8043c28ad245438bee0d317e091f5c65005ca78bd8a000000000000006e00000000000000ccbaca762fffece413ac3335ef111ea6283e47d5ec016e18edd04ababa8c7dde1148be2b3763292ebfc3813b8a030eb34c135f44c96955dfb50712caaf25577f2014a36ef00dc1d6db0769b785bdc222a3b0dd7fc2a818501d1172d7a052d8bfc961211dc78bc221c36ae0b8e16a0c0000000000000040ecf774bcf6b3217febd79208000000000000004145535f47434d5fe803000000000000";

/// `bittensor_drand.encrypt_at_round(payload, 1001)` with `payload` the SCALE
/// `WeightsTlockPayload{hotkey: [0, 1, …, 31], uids: [5, 0], values: [65535, 0], version_key: 7}`.
const PY_WEIGHTS_AT_1001: &str = "9d048d73d125fc8486117bc18f48022d0524e000c79a82158c3d1cb0f194060795e20d38ebd67625259aa4aa632604c022d3004e7c3a5235bdbbe0d79307171f9d5b2d89d2d2aa8f89f334b6e50c865c0af15217fff8fa4439294f15437e6687cb5c2000000000000000f1f02f592dc21b7476e427161f5fc021ebd2196093b9fa0833c5b2e661a9fea8200000000000000052fe71f83ed527b53b9130c26ad652ac587d1366b20ab48375bcf6310dc61e535f000000000000004300000000000000374e7983f242c53d36473dd9c7104f7a287f24eea792f5ea2de9c59a3bbe8485c4cbc499b2baaf9579ec9c01f369eb941c975c79b1949d8f55476fdcd8b4f3a0bf35a30c00000000000000351ad9f0924e29912205f77908000000000000004145535f47434d5fe903000000000000";

/// Splits `bittensor-drand`'s SCALE `(ciphertext, round)` framing.
fn unframe(framed: &[u8]) -> (Vec<u8>, u64) {
    <(Vec<u8>, u64)>::decode(&mut &framed[..]).unwrap()
}

#[test]
fn fixture_pulses_are_real_quicknet_signatures() {
    let q = Beacon::quicknet().unwrap();
    for (round, _) in PULSES {
        assert!(q.verify_pulse(round, &sig(round)).unwrap(), "round {round}");
        assert!(
            !q.verify_pulse(round + 1, &sig(round)).unwrap(),
            "round {round}'s signature must not verify for round {}",
            round + 1
        );
    }
}

#[test]
fn ours_opens_with_the_real_pulse_of_its_round_only() {
    let q = Beacon::quicknet().unwrap();
    for (round, _) in PULSES {
        let pt = commitment_plaintext(&format!("leoma commitment for round {round}"));
        let ct = q.encrypt(&pt, round).unwrap();
        // u (96) + v, w (8 + 32 each) + body (8 + [8 + n + 16 tag] + [8 + 12 nonce])
        // + cipher suite (8 + 8): 244 bytes of framing.
        assert_eq!(ct.len(), pt.len() + 244);
        assert_eq!(decrypt(&ct, &sig(round)).unwrap(), pt, "round {round}");
        for (other, _) in PULSES.iter().filter(|(r, _)| *r != round) {
            assert!(
                matches!(
                    decrypt(&ct, &sig(*other)),
                    Err(TimelockError::WrongSignature(_))
                ),
                "round {round} opened with round {other}'s pulse"
            );
        }
        // Each encryption is fresh.
        assert_ne!(q.encrypt(&pt, round).unwrap(), ct);
    }
}

#[test]
fn tampered_ciphertexts_do_not_open() {
    let q = Beacon::quicknet().unwrap();
    let ct = q.encrypt(b"payload", 1000).unwrap();
    let mut body = ct.clone();
    let n = body.len();
    body[n - 30] ^= 1; // inside the AES-GCM body
    assert!(decrypt(&body, &sig(1000)).is_err());
    assert!(matches!(
        decrypt(&ct[..n - 1], &sig(1000)),
        Err(TimelockError::Malformed(_))
    ));
    let mut trailing = ct.clone();
    trailing.push(0);
    assert!(matches!(
        validate_ciphertext(&trailing),
        Err(TimelockError::Malformed(_))
    ));
    assert!(validate_ciphertext(&ct).is_ok());
}

#[test]
fn bittensor_drand_commitment_fixture_opens_in_rust() {
    let (ct, round) = unframe(&hex::decode(PY_COMMITMENT_AT_1000).unwrap());
    assert_eq!(round, 1000);
    let text = r#"{"model":"leoma/demo","revision":"abc123","chute_id":"00000000-0000-0000-0000-000000000000"}"#;
    assert_eq!(
        decrypt(&ct, &sig(1000)).unwrap(),
        commitment_plaintext(text)
    );
}

#[test]
fn bittensor_drand_weights_fixture_opens_to_the_payload() {
    let (ct, round) = unframe(&hex::decode(PY_WEIGHTS_AT_1001).unwrap());
    assert_eq!(round, 1001);
    let plain = decrypt(&ct, &sig(1001)).unwrap();
    let payload = WeightsTlockPayload::decode(&mut plain.as_slice()).unwrap();
    assert_eq!(
        payload,
        WeightsTlockPayload {
            hotkey: (0u8..32).collect(),
            uids: vec![5, 0],
            values: vec![65535, 0],
            version_key: 7,
        }
    );
    assert_eq!(
        payload.encode(),
        plain,
        "our SCALE layout is the reference's"
    );
}

// ---- live interop with PyPI bittensor-drand ----

fn python() -> std::path::PathBuf {
    if let Some(p) = std::env::var_os("LEOMA_TEST_PYTHON") {
        return p.into();
    }
    let home = std::env::var_os("HOME").expect("HOME is set");
    let p = std::path::PathBuf::from(home).join(".cache/leoma-tools/venv/bin/python");
    assert!(
        p.exists(),
        "no Python for interop tests: set LEOMA_TEST_PYTHON or create {} with \
         `pip install bittensor-drand==2.0.0`",
        p.display()
    );
    p
}

fn run_python(script: &str, args: &[&str]) -> Vec<String> {
    let out = Command::new(python())
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "python failed (is `bittensor-drand==2.0.0` installed?): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.trim().to_owned())
        .filter(|l| !l.is_empty())
        .collect()
}

#[test]
fn ours_opens_in_bittensor_drand() {
    let q = Beacon::quicknet().unwrap();
    let payload = WeightsTlockPayload {
        hotkey: vec![9; 32],
        uids: vec![0, 4, 2],
        values: vec![65535, 0, 0],
        version_key: 42,
    }
    .encode();
    for (round, sig_hex) in PULSES {
        let ct = q.encrypt(&payload, round).unwrap();
        // bittensor-drand reads its own `(ciphertext, round)` framing.
        let framed = (ct, round).encode();
        let out = run_python(
            "import sys, bittensor_drand as b\n\
             print(b.decrypt_with_signature(bytes.fromhex(sys.argv[1]), sys.argv[2]).hex())",
            &[&hex::encode(&framed), sig_hex],
        );
        assert_eq!(out, vec![hex::encode(&payload)], "round {round}");
    }
}

#[test]
fn bittensor_drand_opens_in_rust_live() {
    let pt = commitment_plaintext("live interop ✓");
    let out = run_python(
        "import sys, bittensor_drand as b\n\
         ct, r = b.encrypt_at_round(bytes.fromhex(sys.argv[1]), 1002)\n\
         print(bytes(ct).hex()); print(r)",
        &[&hex::encode(&pt)],
    );
    let (ct, round) = unframe(&hex::decode(&out[0]).unwrap());
    assert_eq!((round, out[1].as_str()), (1002, "1002"));
    assert_eq!(decrypt(&ct, &sig(1002)).unwrap(), pt);
}

fn unix_now() -> (u64, f64) {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    (d.as_secs(), d.as_secs_f64())
}

#[test]
fn reveal_commitment_round_and_format_match_bittensor_drand() {
    // The SDK's reveal commitment (what the reference miner submits) for 1 block: its raw
    // ciphertext is what the chain stores, so it must parse as ours does, and its round is
    // SPEC §2.4's formula at the moment it ran.
    let before = unix_now().0;
    let out = run_python(
        "import bittensor_drand as b\n\
         ct, r = b.get_encrypted_commitment('{\"model\":\"x\"}', 1, 12.0)\n\
         print(bytes(ct).hex()); print(r)",
        &[],
    );
    let after = unix_now().0;
    let ct = hex::decode(&out[0]).unwrap();
    validate_ciphertext(&ct).unwrap();
    assert_eq!(
        ct.len(),
        commitment_plaintext("{\"model\":\"x\"}").len() + 244
    );
    let round: u64 = out[1].parse().unwrap();
    assert!(
        (commitment_reveal_round(before, 1)..=commitment_reveal_round(after, 1)).contains(&round),
        "python round {round} outside our [{}, {}]",
        commitment_reveal_round(before, 1),
        commitment_reveal_round(after, 1)
    );
}

#[test]
fn crv4_round_and_format_match_bittensor_drand() {
    let cases = [
        // (last_epoch_block, pending_epoch_at, subnet_epoch_index, tempo, since, head, period)
        (10u64, 0u64, 0u64, 50u16, 0u64, 10u64, 1u64),
        (80, 95, 0, 20, 0, 91, 1),
        (4_000_000, 0, 1234, 360, 200, 4_000_200, 1),
        (4_000_000, 0, 1234, 360, 200, 4_000_200, 3),
        (1000, 0, 9, 99, 60_000, 1500, 2),
    ];
    for (last, pending, index, tempo, since, head, period) in cases {
        let schedule = EpochSchedule {
            last_epoch_block: last,
            pending_epoch_at: pending,
            subnet_epoch_index: index,
            tempo,
            blocks_since_last_step: since,
            head,
        };
        let before = unix_now().1;
        let out = run_python(
            "import sys, bittensor_drand as b\n\
             a = [int(x) for x in sys.argv[1:]]\n\
             ct, r = b.get_encrypted_commit_v2([1, 3], [65535, 0], 5, a[0], a[1], a[2], a[3], a[4], a[5], a[6], 12.0, bytes(range(32)))\n\
             print(bytes(ct).hex()); print(r)",
            &[
                &last.to_string(),
                &pending.to_string(),
                &index.to_string(),
                &tempo.to_string(),
                &since.to_string(),
                &head.to_string(),
                &period.to_string(),
            ],
        );
        let after = unix_now().1;
        let ct = hex::decode(&out[0]).unwrap();
        validate_ciphertext(&ct).unwrap();
        let round: u64 = out[1].parse().unwrap();
        let lo = crv4_reveal_round(&schedule, period, before).unwrap();
        let hi = crv4_reveal_round(&schedule, period, after).unwrap();
        assert!(
            (lo..=hi).contains(&round),
            "case {schedule:?} period {period}: python {round}, ours [{lo}, {hi}]"
        );
    }
    assert!(QUICKNET_GENESIS < unix_now().0);
}
