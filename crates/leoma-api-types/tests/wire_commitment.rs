//! Miner commitment wire format (SPEC §2.4, §3.2, §6.3): golden payload bytes, revealed-data
//! decoding, `parse_commit` and the field rules, a differential test against a Python
//! transcription of the reference rules, and properties.

// Test helpers outside #[test] functions may unwrap and panic too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::run_python;

use leoma_api_types::commitment::{
    MinerCommitment, check_fields, decode_revealed, encode_plaintext, parse_commit, repo_name,
};
use leoma_api_types::json::{PyObject, PyValue};
use leoma_api_types::reason::InvalidReason;
use proptest::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const ALICE: &str = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";

fn alice_commitment() -> MinerCommitment {
    MinerCommitment {
        model_name: format!("alice/leoma-{ALICE}"),
        model_revision: "0123456789abcdef0123456789abcdef01234567".into(),
        chute_id: "8c0e2f4a-1b2c-4d5e-8f90-a1b2c3d4e5f6".into(),
    }
}

#[test]
fn payload_golden_bytes() {
    // Checked with CPython: json.dumps({...}) with keys in this order.
    assert_eq!(
        alice_commitment().to_payload(),
        concat!(
            r#"{"model_name": "alice/leoma-5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY", "#,
            r#""model_revision": "0123456789abcdef0123456789abcdef01234567", "#,
            r#""chute_id": "8c0e2f4a-1b2c-4d5e-8f90-a1b2c3d4e5f6"}"#
        )
    );
    let odd = MinerCommitment {
        model_name: "b\u{e9}/leoma-\u{1f600}".into(),
        model_revision: "r\"\\".into(),
        chute_id: "x\n".into(),
    };
    assert_eq!(
        odd.to_payload(),
        r#"{"model_name": "b\u00e9/leoma-\ud83d\ude00", "model_revision": "r\"\\", "chute_id": "x\n"}"#
    );
}

#[test]
fn payload_matches_python_json_dumps() {
    let c = alice_commitment();
    let script = "import json, sys\n\
        a = json.loads(sys.stdin.read())\n\
        print(json.dumps({'model_name': a[0], 'model_revision': a[1], 'chute_id': a[2]}), end='')";
    let input = serde_json::to_string(&[&c.model_name, &c.model_revision, &c.chute_id]).unwrap();
    assert_eq!(run_python(script, &input), c.to_payload());
}

#[test]
fn plaintext_is_scale_string_and_decodes_back() {
    let c = alice_commitment();
    let payload = c.to_payload();
    let plaintext = c.to_plaintext();
    assert_eq!(payload.len(), 192);
    // 192 ≥ 64: two-byte compact mode, (192 << 2) | 1 = 0x0301 little endian.
    assert_eq!(plaintext[..2], [0x01, 0x03]);
    assert_eq!(&plaintext[2..], payload.as_bytes());
    assert_eq!(decode_revealed(&plaintext), payload);
    assert_eq!(encode_plaintext("ab"), b"\x08ab");
    assert_eq!(decode_revealed(&encode_plaintext("")), "");
}

#[test]
fn parse_commit_yields_empty_for_everything_but_objects() {
    for value in [
        "",
        " ",
        "\t\n",
        "plain",
        "{",
        "[1]",
        "[]",
        "1",
        "1.5",
        "true",
        "false",
        "null",
        "\"{}\"",
        "\u{feff}{\"a\": 1}",
        "{} x",
        "NaN",
    ] {
        assert!(parse_commit(value).is_empty(), "{value:?}");
    }
    let obj = parse_commit(r#" {"model_name": "x", "extra": {"nested": [1]}, "model_name": "y"} "#);
    assert_eq!(obj.len(), 2);
    assert_eq!(obj.get("model_name").and_then(PyValue::as_str), Some("y"));
    assert!(obj.get("extra").and_then(PyValue::as_object).is_some());
}

fn commit_json(model_name: &str, revision: &str, chute: &str) -> PyObject {
    parse_commit(&format!(
        r#"{{"model_name": {model_name}, "model_revision": {revision}, "chute_id": {chute}}}"#
    ))
}

#[test]
fn field_rules_in_order() {
    use InvalidReason::*;
    let name = format!("\"alice/leoma-{ALICE}\"");
    let cases: Vec<(PyObject, String, Result<String, InvalidReason>)> = vec![
        (PyObject::new(), ALICE.into(), Err(MissingModelName)),
        (
            commit_json("\"\"", "\"r\"", "\"c\""),
            ALICE.into(),
            Err(MissingModelName),
        ),
        (
            commit_json("null", "\"r\"", "\"c\""),
            ALICE.into(),
            Err(MissingModelName),
        ),
        (
            commit_json("0", "\"r\"", "\"c\""),
            ALICE.into(),
            Err(MissingModelName),
        ),
        (
            commit_json("false", "\"r\"", "\"c\""),
            ALICE.into(),
            Err(MissingModelName),
        ),
        (
            commit_json("[]", "\"r\"", "\"c\""),
            ALICE.into(),
            Err(MissingModelName),
        ),
        (
            commit_json("{}", "\"r\"", "\"c\""),
            ALICE.into(),
            Err(MissingModelName),
        ),
        // M1: a truthy non-string is treated as missing instead of aborting the pass.
        (
            commit_json("[\"leoma\"]", "\"r\"", "\"c\""),
            ALICE.into(),
            Err(MissingModelName),
        ),
        (
            commit_json("7", "\"r\"", "\"c\""),
            ALICE.into(),
            Err(MissingModelName),
        ),
        // Missing fields are reported in order, before naming rules.
        (
            commit_json("\"bad\"", "\"\"", "\"\""),
            ALICE.into(),
            Err(MissingModelRevision),
        ),
        (
            commit_json("\"bad\"", "1", "\"c\""),
            ALICE.into(),
            Err(MissingModelRevision),
        ),
        (
            commit_json("\"bad\"", "\"r\"", "null"),
            ALICE.into(),
            Err(MissingChuteId),
        ),
        (
            commit_json("\"bad\"", "\"r\"", "true"),
            ALICE.into(),
            Err(MissingChuteId),
        ),
        (
            commit_json("\"alice/bad-leoma\"", "\"r\"", "\"c\""),
            ALICE.into(),
            Err(ModelNameMustStartWithLeoma),
        ),
        (
            commit_json("\"leoma/x\"", "\"r\"", "\"c\""),
            ALICE.into(),
            Err(ModelNameMustStartWithLeoma),
        ),
        (
            commit_json("\"alice/leoma-x\"", "\"r\"", "\"c\""),
            ALICE.into(),
            Err(ModelNameMustEndWithHotkey),
        ),
        (
            commit_json(&name, "\"r\"", "\"c\""),
            ALICE.into(),
            Ok("leoma-5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY".into()),
        ),
        // Case-insensitive, trimmed on both sides.
        (
            commit_json(
                &format!("\" a/ LEOMA_{} \"", ALICE.to_uppercase()),
                "\"r\"",
                "\"c\"",
            ),
            format!("  {}\u{3000}", ALICE.to_lowercase()),
            Ok(format!("LEOMA_{}", ALICE.to_uppercase())),
        ),
        // A blank hotkey skips the suffix rule.
        (
            commit_json("\"leoma\"", "\"r\"", "\"c\""),
            "".into(),
            Ok("leoma".into()),
        ),
        (
            commit_json("\"leoma\"", "\"r\"", "\"c\""),
            " \t".into(),
            Ok("leoma".into()),
        ),
        // No slash: the whole trimmed name is the repo.
        (
            commit_json("\" leomaX\"", "\"r\"", "\"c\""),
            "x".into(),
            Ok("leomaX".into()),
        ),
    ];
    for (obj, hotkey, want) in cases {
        let got = check_fields(&obj, &hotkey).map(|c| c.repo);
        assert_eq!(got, want, "{obj:?} / {hotkey:?}");
    }
    let checked = check_fields(&commit_json(&name, "\"rev\"", "\"chute\""), ALICE).unwrap();
    assert_eq!(
        checked.commitment.model_name,
        format!("alice/leoma-{ALICE}")
    );
    assert_eq!(checked.commitment.model_revision, "rev");
    assert_eq!(checked.commitment.chute_id, "chute");
}

#[test]
fn lone_surrogates_read_as_replacement_characters() {
    let obj = commit_json("\"a/leoma\\ud800x\"", "\"r\"", "\"c\"");
    let checked = check_fields(&obj, "x").unwrap();
    assert_eq!(checked.repo, "leoma\u{fffd}x");
}

#[test]
fn repo_name_examples() {
    assert_eq!(repo_name("alice/leoma-1"), "leoma-1");
    assert_eq!(repo_name("  org / sub / leoma-2  "), "leoma-2");
    assert_eq!(repo_name("leoma-3"), "leoma-3");
}

/// SPEC §6.3 transcribed to Python (reference semantics; non-strings are missing, as in Rust).
const PY_RULES: &str = r#"
import json, sys
def parse_commit(v):
    if not v:
        return {}
    try:
        d = json.loads(v)
    except Exception:
        return {}
    return d if isinstance(d, dict) else {}
def check(v, hotkey):
    d = parse_commit(v)
    for key, reason in (("model_name", "missing_model_name"),
                        ("model_revision", "missing_model_revision"),
                        ("chute_id", "missing_chute_id")):
        x = d.get(key)
        if not x or not isinstance(x, str):
            return reason
    s = d["model_name"].strip()
    repo = s.rsplit("/", 1)[-1].strip() if "/" in s else s
    low = repo.lower()
    if not low.startswith("leoma"):
        return "model_name_must_start_with_leoma"
    if hotkey and hotkey.strip() and not low.endswith(hotkey.strip().lower()):
        return "model_name_must_end_with_hotkey"
    return "ok:" + repo
cases = json.loads(sys.stdin.buffer.read().decode("utf-8"))
print(json.dumps([check(v, h) for v, h in cases]))
"#;

const NAME_PIECES: &[&str] = &[
    "leoma",
    "LEOMA",
    "LeOmA",
    "leom",
    "-",
    "_",
    "/",
    " ",
    "\t",
    "\u{3000}",
    "\u{1c}",
    "\u{85}",
    "\u{a0}",
    "alice",
    "5F",
    "5f",
    "xy",
    "\u{130}",
    "\u{3a3}",
    "\u{df}",
    "\u{212a}",
    "K",
    "k",
    "\u{1f600}",
    "\u{200b}",
];
const HOTKEYS: &[&str] = &[
    "", " ", "5F", "5f", " 5F ", "xY", "\u{130}", "k", "\u{212a}", "\u{1c}5f",
];

fn gen_case(rng: &mut StdRng) -> (String, String) {
    let pick = |rng: &mut StdRng, items: &[&'static str]| items[rng.gen_range(0..items.len())];
    let hotkey = pick(rng, HOTKEYS);
    let mut name: String = (0..rng.gen_range(0..4))
        .map(|_| pick(rng, NAME_PIECES))
        .collect();
    if rng.gen_bool(0.6) {
        // Shaped like a real name so that the naming rules are reached and often pass.
        name.push_str(pick(rng, &["/", "/ ", " / ", ""]));
        name.push_str(pick(rng, &["leoma", "LEOMA", "LeOmA", "leom", " leoma"]));
        for _ in 0..rng.gen_range(0..3) {
            name.push_str(pick(rng, NAME_PIECES));
        }
        let suffix = if rng.gen_bool(0.5) {
            hotkey
        } else {
            pick(rng, HOTKEYS)
        };
        name.push_str(suffix);
        name.push_str(pick(rng, &["", " ", "\u{3000}", "\u{1c}", "\u{200b}"]));
    }
    let name_json = serde_json::to_string(&name).unwrap();
    let field = |rng: &mut StdRng, good: &str| -> String {
        match rng.gen_range(0..30) {
            0 => "\"\"".into(),
            1 => "null".into(),
            2 => "0".into(),
            3 => "[1]".into(),
            4 => "{}".into(),
            5 => "true".into(),
            _ => good.into(),
        }
    };
    let v = match rng.gen_range(0..12) {
        0 => pick(rng, &["", " ", "[]", "1", "null", "{", "\"x\"", "{}"]).to_owned(),
        _ => {
            let mut parts = vec![
                format!("\"model_name\": {}", field(rng, &name_json)),
                format!("\"model_revision\": {}", field(rng, "\"abc\"")),
                format!("\"chute_id\": {}", field(rng, "\"c-1\"")),
            ];
            if rng.gen_bool(0.15) {
                parts.remove(rng.gen_range(0..3));
            }
            if rng.gen_bool(0.2) {
                parts.push("\"extra\": {\"a\": [1, 2]}".into());
            }
            format!("{{{}}}", parts.join(", "))
        }
    };
    (v, hotkey.to_owned())
}

#[test]
fn field_rules_match_python_on_generated_commitments() {
    let mut rng = StdRng::seed_from_u64(0xc0de);
    let cases: Vec<(String, String)> = (0..500).map(|_| gen_case(&mut rng)).collect();
    let out = run_python(PY_RULES, &serde_json::to_string(&cases).unwrap());
    let expected: Vec<String> = serde_json::from_str(&out).unwrap();
    assert_eq!(expected.len(), cases.len());
    let mut ok = 0;
    let mut kinds = std::collections::BTreeSet::new();
    for ((value, hotkey), want) in cases.iter().zip(&expected) {
        let got = match check_fields(&parse_commit(value), hotkey) {
            Ok(c) => format!("ok:{}", c.repo),
            Err(reason) => reason.to_string(),
        };
        assert_eq!(&got, want, "{value:?} / {hotkey:?}");
        ok += usize::from(want.starts_with("ok:"));
        kinds.insert(want.split(':').next().unwrap_or_default().to_owned());
    }
    // Every outcome is exercised: ok and all five reasons.
    assert!(ok > 30, "{ok}");
    assert_eq!(kinds.len(), 6, "{kinds:?}");
}

proptest! {
    #[test]
    fn decode_revealed_never_panics(data in proptest::collection::vec(any::<u8>(), 0..64)) {
        let s = decode_revealed(&data);
        prop_assert!(s.len() <= data.len());
    }

    #[test]
    fn plaintext_round_trips(s in "\\PC{0,200}") {
        prop_assert_eq!(decode_revealed(&encode_plaintext(&s)), s);
    }

    #[test]
    fn long_plaintext_round_trips(len in 16_000usize..17_000) {
        let s = "a".repeat(len);
        prop_assert_eq!(decode_revealed(&encode_plaintext(&s)), s);
    }

    #[test]
    fn well_named_commitments_check_and_round_trip(
        owner in "[a-z0-9-]{1,12}",
        middle in "[A-Za-z0-9_-]{0,8}",
        revision in "[0-9a-f]{40}",
        chute in "[0-9a-f-]{1,36}",
    ) {
        let c = MinerCommitment {
            model_name: format!("{owner}/leoma{middle}{ALICE}"),
            model_revision: revision,
            chute_id: chute,
        };
        let revealed = decode_revealed(&c.to_plaintext());
        let checked = check_fields(&parse_commit(&revealed), ALICE).unwrap();
        prop_assert_eq!(checked.commitment, c);
    }

    #[test]
    fn check_fields_never_panics(value in ".*", hotkey in ".*") {
        let _ = check_fields(&parse_commit(&value), &hotkey);
    }
}
