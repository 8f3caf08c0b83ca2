//! Verdict files v1 and v2 (SPEC §3.7, §3.8, §5.1, §5.6): golden bytes, writers, and every
//! acceptance and rejection rule of the readers.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test helpers outside #[test] fns"
)]

mod common;

use common::{other, producer};
use leoma_api_types::json::{self, PyObject, PyValue, Style};
use leoma_api_types::reason::VerdictReason;
use leoma_api_types::signature::{MessageForm, SignatureHex, Signer};
use leoma_api_types::verdict::{
    AcceptedV1, SignatureCheck, VERDICT_FILE_MAX_BYTES, VerdictEntryV1, VerdictEntryV2,
    VerdictFileV1, VerdictFileV2, VerdictRejection, VerdictStatus, accept_v1, accept_v2,
    canonical_bytes_v1, canonical_bytes_v2, signing_digest_v1,
};
use leoma_api_types::{Hotkey, TaskId};
use proptest::prelude::*;
use sha2::{Digest, Sha256};

const ALICE: &str = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
const BOB: &str = "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty";

fn sha(b: &[u8]) -> [u8; 32] {
    Sha256::digest(b).into()
}

fn v1_entry(hotkey: &str, passed: bool) -> VerdictEntryV1 {
    VerdictEntryV1 {
        hotkey: hotkey.into(),
        passed,
        status: VerdictStatus::of_passed(passed),
        confidence: 80,
        reasoning:
            "Smooth pan, café. | overall_score=81 | aspect_scores={\"first_frame_fidelity\":85}"
                .into(),
        latency_ms: 41_234,
        original_artifacts: "[]".into(),
        generated_artifacts: "{\"major_issues\": [], \"overall_score\": 81}".into(),
        presentation_order: "single-video benchmark".into(),
    }
}

/// Builds a v1 wrapper document from a signature value and a data value (either may be absent).
fn v1_doc(signature: Option<PyValue>, data: Option<PyValue>) -> Vec<u8> {
    let mut o = PyObject::new();
    if let Some(s) = signature {
        o.insert("signature", s);
    }
    if let Some(d) = data {
        o.insert("data", d);
    }
    json::encode(&PyValue::Object(o), Style::Pretty).into_bytes()
}

fn sig_text(sig: [u8; 64]) -> PyValue {
    PyValue::from(SignatureHex::from_bytes(sig).to_string())
}

fn entries_value(entries: &[VerdictEntryV1]) -> PyValue {
    PyValue::Array(entries.iter().map(VerdictEntryV1::to_py).collect())
}

fn accepted(bytes: &[u8]) -> AcceptedV1 {
    accept_v1(bytes, producer().hotkey().as_str()).unwrap()
}

// ---------------------------------------------------------------- v1 golden bytes and writer

#[test]
fn v1_canonical_bytes_golden() {
    let expected = format!(
        "[{{\"confidence\": 80, \"generated_artifacts\": \"{{\\\"major_issues\\\": [], \\\"overall_score\\\": 81}}\", \
         \"hotkey\": \"{ALICE}\", \"latency_ms\": 41234, \"original_artifacts\": \"[]\", \"passed\": true, \
         \"presentation_order\": \"single-video benchmark\", \
         \"reasoning\": \"Smooth pan, caf\\u00e9. | overall_score=81 | aspect_scores={{\\\"first_frame_fidelity\\\":85}}\", \
         \"status\": \"passed\"}}]"
    );
    let entries = [v1_entry(ALICE, true)];
    assert_eq!(
        String::from_utf8(canonical_bytes_v1(&entries)).unwrap(),
        expected
    );
    assert_eq!(signing_digest_v1(&entries), sha(expected.as_bytes()));
}

#[test]
fn v1_file_body_is_py_pretty_signature_then_data() {
    let file = VerdictFileV1::signed(vec![v1_entry(ALICE, false)], &producer()).unwrap();
    let expected = format!(
        "{{\n  \"signature\": \"{sig}\",\n  \"data\": [\n    {{\n      \"hotkey\": \"{ALICE}\",\n      \
         \"passed\": false,\n      \"status\": \"failed\",\n      \"confidence\": 80,\n      \
         \"reasoning\": \"Smooth pan, caf\\u00e9. | overall_score=81 | aspect_scores={{\\\"first_frame_fidelity\\\":85}}\",\n      \
         \"latency_ms\": 41234,\n      \"original_artifacts\": \"[]\",\n      \
         \"generated_artifacts\": \"{{\\\"major_issues\\\": [], \\\"overall_score\\\": 81}}\",\n      \
         \"presentation_order\": \"single-video benchmark\"\n    }}\n  ]\n}}",
        sig = file.signature
    );
    assert_eq!(String::from_utf8(file.to_bytes()).unwrap(), expected);
}

#[test]
fn v1_writer_sorts_and_checks_entries() {
    let file = VerdictFileV1::signed(
        vec![v1_entry(BOB, true), v1_entry(ALICE, false)],
        &producer(),
    )
    .unwrap();
    let order: Vec<&str> = file.data.iter().map(|e| e.hotkey.as_str()).collect();
    let mut sorted = vec![ALICE, BOB];
    sorted.sort();
    assert_eq!(order, sorted);
    assert!(VerdictFileV1::signed(vec![], &producer()).is_err());
    assert!(
        VerdictFileV1::signed(
            vec![v1_entry(ALICE, true), v1_entry(ALICE, true)],
            &producer()
        )
        .is_err()
    );
    let mut inconsistent = v1_entry(ALICE, true);
    inconsistent.status = VerdictStatus::Failed;
    assert!(VerdictFileV1::signed(vec![inconsistent], &producer()).is_err());
    let mut not_eval = v1_entry(ALICE, false);
    not_eval.status = VerdictStatus::NotEvaluated;
    assert!(VerdictFileV1::signed(vec![not_eval], &producer()).is_err());
    let mut conf = v1_entry(ALICE, true);
    conf.confidence = 101;
    assert!(VerdictFileV1::signed(vec![conf], &producer()).is_err());
    let mut lat = v1_entry(ALICE, true);
    lat.latency_ms = -1;
    assert!(VerdictFileV1::signed(vec![lat], &producer()).is_err());
}

// ---------------------------------------------------------------- v1 acceptance: verified

#[test]
fn v1_signed_file_is_verified_and_yields_entries() {
    let file = VerdictFileV1::signed(
        vec![v1_entry(BOB, true), v1_entry(ALICE, false)],
        &producer(),
    )
    .unwrap();
    let got = accepted(&file.to_bytes());
    assert_eq!(got.signature, SignatureCheck::Verified(MessageForm::Raw));
    assert!(got.signature.is_verified());
    let expected: Vec<(String, bool)> = file
        .data
        .iter()
        .map(|e| (e.hotkey.clone(), e.passed))
        .collect();
    assert_eq!(got.entries, expected);
}

#[test]
fn v1_bytes_wrapped_signature_is_verified() {
    let entries = [v1_entry(ALICE, true)];
    let sig = producer().sign_wrapped(&signing_digest_v1(&entries));
    let got = accepted(&v1_doc(Some(sig_text(sig)), Some(entries_value(&entries))));
    assert_eq!(
        got.signature,
        SignatureCheck::Verified(MessageForm::BytesWrapped)
    );
}

#[test]
fn v1_reference_bytes_are_recanonicalised_exactly() {
    // A reference-style file: keys unsorted, a non-ASCII character, a float written as 1e16,
    // a duplicate key (last wins). The signature covers the hand-written canonical form.
    let canonical =
        r#"[{"hotkey": "5X", "note": "\u00e9\ud83d\ude00", "passed": true, "score": 1e+16}]"#;
    let sig = producer().sign(&sha(canonical.as_bytes()));
    let file = format!(
        "{{\"signature\": \"{}\", \"data\": [{{\"passed\": false, \"hotkey\": \"5X\", \"score\": 1e16, \"note\": \"é😀\", \"passed\": true}}]}}",
        SignatureHex::from_bytes(sig)
    );
    let got = accepted(file.as_bytes());
    assert_eq!(got.signature, SignatureCheck::Verified(MessageForm::Raw));
    assert_eq!(got.entries, vec![("5X".to_owned(), true)]);
}

#[test]
fn v1_signature_hex_is_decoded_with_python_rules() {
    let entries = [v1_entry(ALICE, true)];
    let sig = producer().sign(&signing_digest_v1(&entries));
    let hexed = hex::encode(sig);
    let spaced: String = hexed
        .as_bytes()
        .chunks(2)
        .map(|p| format!("{} ", std::str::from_utf8(p).unwrap()))
        .collect();
    for text in [
        hexed.to_uppercase(),
        format!("0x{}", hexed.to_uppercase()),
        hexed.clone(),
        format!("0x{spaced}"),
        format!(" {hexed}\n"),
    ] {
        let got = accepted(&v1_doc(
            Some(PyValue::from(text.clone())),
            Some(entries_value(&entries)),
        ));
        assert_eq!(
            got.signature,
            SignatureCheck::Verified(MessageForm::Raw),
            "{text:?}"
        );
    }
}

#[test]
fn v1_duplicate_signature_key_last_wins() {
    let entries = [v1_entry(ALICE, true)];
    let good = SignatureHex::from_bytes(producer().sign(&signing_digest_v1(&entries)));
    let data = json::encode(&entries_value(&entries), Style::Default);
    let file = format!("{{\"signature\": \"0x00\", \"data\": {data}, \"signature\": \"{good}\"}}");
    assert!(accepted(file.as_bytes()).signature.is_verified());
    let file = format!("{{\"signature\": \"{good}\", \"data\": {data}, \"signature\": \"\"}}");
    assert_eq!(accepted(file.as_bytes()).signature, SignatureCheck::Missing);
}

// ---------------------------------------------------------------- v1 fail-open cases

#[test]
fn v1_fail_open_missing_signature_key() {
    let got = accepted(&v1_doc(None, Some(entries_value(&[v1_entry(ALICE, true)]))));
    assert_eq!(got.signature, SignatureCheck::Missing);
    assert_eq!(got.entries, vec![(ALICE.to_owned(), true)]);
}

#[test]
fn v1_fail_open_falsy_signatures() {
    let falsy = [
        PyValue::Null,
        PyValue::Bool(false),
        PyValue::from(0i64),
        PyValue::Float(0.0),
        PyValue::Float(-0.0),
        PyValue::from(""),
        PyValue::Array(vec![]),
        PyValue::Object(PyObject::new()),
    ];
    for sig in falsy {
        let got = accepted(&v1_doc(
            Some(sig.clone()),
            Some(entries_value(&[v1_entry(ALICE, true)])),
        ));
        assert_eq!(got.signature, SignatureCheck::Missing, "{sig:?}");
    }
}

#[test]
fn v1_fail_open_non_string_signature() {
    let mut obj = PyObject::new();
    obj.insert("a", 1i64);
    for sig in [
        PyValue::Bool(true),
        PyValue::from(123i64),
        PyValue::Float(f64::NAN),
        PyValue::Array(vec![PyValue::from("0x00")]),
        PyValue::Object(obj),
    ] {
        let got = accepted(&v1_doc(
            Some(sig.clone()),
            Some(entries_value(&[v1_entry(ALICE, true)])),
        ));
        assert_eq!(got.signature, SignatureCheck::NotAString, "{sig:?}");
    }
}

#[test]
fn v1_fail_open_not_hex() {
    let hexed = "ab".repeat(64);
    for text in [
        "zz".to_owned(),
        format!("0X{hexed}"),              // only a lowercase 0x is stripped
        format!("0x{}", "a".repeat(127)),  // odd digit count
        format!("0x{}", "a b".repeat(10)), // whitespace inside a pair
        "0x0x00".to_owned(),
    ] {
        let got = accepted(&v1_doc(Some(PyValue::from(text.clone())), None));
        assert_eq!(got.signature, SignatureCheck::NotHex, "{text:?}");
    }
    // A string holding a lone surrogate is a Python str that bytes.fromhex rejects.
    let file = br#"{"signature": "\ud800", "data": []}"#;
    assert_eq!(accepted(file).signature, SignatureCheck::NotHex);
}

#[test]
fn v1_fail_open_wrong_length() {
    for (text, len) in [
        (format!("0x{}", "ab".repeat(63)), 63),
        (format!("0x{}", "ab".repeat(65)), 65),
        ("0x".to_owned(), 0),
        ("00".to_owned(), 1),
    ] {
        let got = accepted(&v1_doc(Some(PyValue::from(text.clone())), None));
        assert_eq!(got.signature, SignatureCheck::WrongLength(len), "{text:?}");
    }
}

#[test]
fn v1_fail_open_producer_not_ss58() {
    let doc = v1_doc(
        Some(sig_text([0x11; 64])),
        Some(entries_value(&[v1_entry(ALICE, true)])),
    );
    for producer in [
        "not-an-address",
        "",
        "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQZ",
    ] {
        let got = accept_v1(&doc, producer).unwrap();
        assert_eq!(
            got.signature,
            SignatureCheck::ProducerNotSs58,
            "{producer:?}"
        );
        assert_eq!(got.entries, vec![(ALICE.to_owned(), true)]);
    }
}

// ---------------------------------------------------------------- v1 rejections

#[test]
fn v1_reject_signature_that_does_not_verify() {
    let entries = [v1_entry(ALICE, true)];
    let digest = signing_digest_v1(&entries);
    for sig in [
        other().sign(&digest),                    // wrong key
        producer().sign(&sha(b"something else")), // wrong message
        [0u8; 64],                                // not a schnorrkel signature
        [0xff; 64],                               // not a valid scalar
    ] {
        let doc = v1_doc(Some(sig_text(sig)), Some(entries_value(&entries)));
        assert_eq!(
            accept_v1(&doc, producer().hotkey().as_str()),
            Err(VerdictRejection::BadSignature)
        );
    }
}

#[test]
fn v1_reject_tampered_data() {
    let file = VerdictFileV1::signed(vec![v1_entry(ALICE, false)], &producer()).unwrap();
    let tampered = String::from_utf8(file.to_bytes())
        .unwrap()
        .replace("\"passed\": false", "\"passed\": true");
    assert_eq!(
        accept_v1(tampered.as_bytes(), producer().hotkey().as_str()),
        Err(VerdictRejection::BadSignature)
    );
}

#[test]
fn v1_falsy_data_signs_empty_list() {
    let sig = sig_text(producer().sign(&sha(b"[]")));
    let falsy_data = [
        None,
        Some(PyValue::Null),
        Some(PyValue::Bool(false)),
        Some(PyValue::from(0i64)),
        Some(PyValue::from("")),
        Some(PyValue::Array(vec![])),
        Some(PyValue::Object(PyObject::new())),
    ];
    for data in falsy_data {
        let got = accepted(&v1_doc(Some(sig.clone()), data.clone()));
        assert!(got.signature.is_verified(), "{data:?}");
        assert!(got.entries.is_empty());
    }
}

#[test]
fn v1_reject_unreadable_json() {
    let p = producer().hotkey();
    for bad in [
        &b""[..],
        b"{",
        b"{\"data\": []} x",
        b"\xff\xfe",
        b"{'a': 1}",
        b"[1,]",
    ] {
        match accept_v1(bad, p.as_str()) {
            Err(VerdictRejection::Unreadable(e)) => {
                let text = VerdictRejection::Unreadable(e).to_string();
                assert!(text.starts_with("unreadable JSON: "), "{text}");
            }
            other => panic!("{bad:?}: {other:?}"),
        }
    }
    // A UTF-8 BOM is stripped, as PyParse does.
    let mut with_bom = b"\xef\xbb\xbf".to_vec();
    with_bom.extend_from_slice(br#"{"data": []}"#);
    assert!(accept_v1(&with_bom, p.as_str()).is_ok());
}

#[test]
fn v1_reject_non_object_wrapper() {
    for bad in [&b"[]"[..], b"\"x\"", b"1", b"null", b"[{\"data\": []}]"] {
        assert_eq!(
            accept_v1(bad, ALICE),
            Err(VerdictRejection::NotAnObject),
            "{bad:?}"
        );
    }
}

#[test]
fn v1_reject_truthy_non_array_data() {
    for data in [r#""abc""#, r#"{"hotkey": "5X"}"#, "5", "true", "1.5"] {
        let file = format!(r#"{{"signature": "", "data": {data}}}"#);
        assert_eq!(
            accept_v1(file.as_bytes(), ALICE),
            Err(VerdictRejection::DataNotArray),
            "{data}"
        );
    }
}

#[test]
fn v1_reject_non_object_entry() {
    let file = br#"{"data": [{"hotkey": "5X", "passed": true}, "5Y", {"hotkey": "5Z"}]}"#;
    let err = accept_v1(file, ALICE).unwrap_err();
    assert_eq!(err, VerdictRejection::EntryNotObject { index: 1 });
    assert_eq!(err.to_string(), "data entry 1 is not an object");
}

#[test]
fn v1_reject_oversized_before_parsing() {
    let body = br#"{"data": [{"hotkey": "5X", "passed": true}]}"#;
    let mut exact = body.to_vec();
    exact.resize(VERDICT_FILE_MAX_BYTES, b' ');
    assert_eq!(accept_v1(&exact, ALICE).unwrap().entries.len(), 1);
    let mut over = exact.clone();
    over.push(b' ');
    assert_eq!(
        accept_v1(&over, ALICE),
        Err(VerdictRejection::Oversized {
            size: VERDICT_FILE_MAX_BYTES + 1,
            max: VERDICT_FILE_MAX_BYTES
        })
    );
}

// ---------------------------------------------------------------- v1 entries

#[test]
fn v1_entries_follow_python_truthiness() {
    let file = br#"{"data": [
        {"hotkey": "a", "passed": true},
        {"hotkey": "b", "passed": "false"},
        {"hotkey": "c", "passed": "0"},
        {"hotkey": "d", "passed": NaN},
        {"hotkey": "e", "passed": 0},
        {"hotkey": "f", "passed": 0.0},
        {"hotkey": "g", "passed": -0.0},
        {"hotkey": "h", "passed": []},
        {"hotkey": "i"},
        {"hotkey": "j", "passed": null},
        {"hotkey": "k", "passed": 2},
        {"hotkey": "l", "passed": {}},
        {"hotkey": "m", "passed": [0]}
    ]}"#;
    let got = accept_v1(file, ALICE).unwrap();
    let expect = [
        ("a", true),
        ("b", true),
        ("c", true),
        ("d", true),
        ("e", false),
        ("f", false),
        ("g", false),
        ("h", false),
        ("i", false),
        ("j", false),
        ("k", true),
        ("l", false),
        ("m", true),
    ];
    let expect: Vec<(String, bool)> = expect.iter().map(|(h, p)| ((*h).to_owned(), *p)).collect();
    assert_eq!(got.entries, expect);
    assert_eq!(got.signature, SignatureCheck::Missing);
}

#[test]
fn v1_entries_skip_falsy_and_non_string_hotkeys_and_keep_duplicates() {
    let file = br#"{"data": [
        {"hotkey": "", "passed": true},
        {"hotkey": null, "passed": true},
        {"passed": true},
        {"hotkey": 0, "passed": true},
        {"hotkey": 7, "passed": true},
        {"hotkey": ["x"], "passed": true},
        {"hotkey": true, "passed": true},
        {"hotkey": "x", "passed": true},
        {"hotkey": "x", "passed": false},
        {}
    ]}"#;
    let got = accept_v1(file, ALICE).unwrap();
    assert_eq!(
        got.entries,
        vec![("x".to_owned(), true), ("x".to_owned(), false)]
    );
}

#[test]
fn v1_lone_surrogate_hotkey_is_kept_lossily() {
    let got = accept_v1(br#"{"data": [{"hotkey": "a\udc00", "passed": 1}]}"#, ALICE).unwrap();
    assert_eq!(got.entries, vec![("a\u{fffd}".to_owned(), true)]);
}

// ---------------------------------------------------------------- v2 helpers

fn judged(hotkey: &str, passed: bool) -> VerdictEntryV2 {
    VerdictEntryV2 {
        hotkey: hotkey.into(),
        passed,
        status: VerdictStatus::of_passed(passed),
        reason: None,
        confidence: Some(90),
        reasoning: "ok | overall_score=90 | aspect_scores={}".into(),
        latency_ms: Some(1200),
        original_artifacts: Some("[]".into()),
        generated_artifacts: Some("{}".into()),
        presentation_order: "single-video benchmark".into(),
    }
}

fn unjudged(hotkey: &str, status: VerdictStatus, reason: VerdictReason) -> VerdictEntryV2 {
    VerdictEntryV2 {
        hotkey: hotkey.into(),
        passed: false,
        status,
        reason: Some(reason),
        confidence: None,
        reasoning: "no video".into(),
        latency_ms: None,
        original_artifacts: None,
        generated_artifacts: None,
        presentation_order: "single-video benchmark".into(),
    }
}

const TASK: TaskId = TaskId(4242);

fn signed_v2(data: Vec<VerdictEntryV2>) -> VerdictFileV2 {
    let p = producer();
    VerdictFileV2::signed(TASK, p.hotkey(), data, &p).unwrap()
}

fn three_entries() -> Vec<VerdictEntryV2> {
    vec![
        judged("5C", true),
        unjudged("5A", VerdictStatus::Failed, VerdictReason::ChuteHttp(503)),
        unjudged("5B", VerdictStatus::NotEvaluated, VerdictReason::JudgeError),
    ]
}

/// A v2 wrapper with the given members, signed correctly over `data` (for entry-level checks
/// that happen after the signature).
fn v2_doc_signed(data: PyValue) -> Vec<u8> {
    let p = producer();
    let hk = p.hotkey();
    let digest = sha(&canonical_bytes_v2(&data, TASK, hk.as_str()));
    let mut o = PyObject::new();
    o.insert("version", 2i64);
    o.insert("task_id", TASK.0);
    o.insert("validator_hotkey", hk.as_str());
    o.insert(
        "signature",
        SignatureHex::from_bytes(p.sign(&digest)).to_string(),
    );
    o.insert("data", data);
    json::encode(&PyValue::Object(o), Style::Pretty).into_bytes()
}

fn v2_accept(bytes: &[u8]) -> Result<VerdictFileV2, VerdictRejection> {
    accept_v2(bytes, TASK, &producer().hotkey())
}

/// Rewrites one member of a correctly signed file's wrapper (signature left as is).
fn v2_with_member(key: &str, value: Option<PyValue>) -> Vec<u8> {
    let file = signed_v2(three_entries());
    let mut doc = json::parse_strict(&file.to_bytes()).unwrap();
    let PyValue::Object(o) = &mut doc else {
        unreachable!()
    };
    let mut out = PyObject::new();
    for (k, v) in o.iter() {
        if k.as_str() == Some(key) {
            if let Some(v) = &value {
                out.insert(k.clone(), v.clone());
            }
        } else {
            out.insert(k.clone(), v.clone());
        }
    }
    if let (None, Some(v)) = (o.get(key), value) {
        out.insert(key, v);
    }
    json::encode(&PyValue::Object(out), Style::Pretty).into_bytes()
}

fn data_with(entry_edit: impl Fn(&mut PyObject)) -> PyValue {
    let mut first = judged("5A", true).to_py();
    if let PyValue::Object(o) = &mut first {
        entry_edit(o);
    }
    PyValue::Array(vec![first])
}

// ---------------------------------------------------------------- v2 golden bytes and writer

#[test]
fn v2_canonical_bytes_golden() {
    let data = PyValue::Array(vec![judged(ALICE, true).to_py()]);
    let expected = format!(
        "{{\"data\": [{{\"confidence\": 90, \"generated_artifacts\": \"{{}}\", \"hotkey\": \"{ALICE}\", \
         \"latency_ms\": 1200, \"original_artifacts\": \"[]\", \"passed\": true, \
         \"presentation_order\": \"single-video benchmark\", \"reason\": null, \
         \"reasoning\": \"ok | overall_score=90 | aspect_scores={{}}\", \"status\": \"passed\"}}], \
         \"task_id\": 4242, \"validator_hotkey\": \"{BOB}\"}}"
    );
    assert_eq!(
        String::from_utf8(canonical_bytes_v2(&data, TASK, BOB)).unwrap(),
        expected
    );
    // Same bytes as PyCanon of the dict built the plain way.
    let mut o = PyObject::new();
    o.insert("validator_hotkey", BOB);
    o.insert("task_id", TASK.0);
    o.insert("data", data.clone());
    assert_eq!(json::encode(&PyValue::Object(o), Style::Canon), expected);
}

#[test]
fn v2_file_body_is_py_pretty_in_reference_order() {
    let file = signed_v2(vec![unjudged(
        "5A",
        VerdictStatus::Failed,
        VerdictReason::ChuteTimeout,
    )]);
    let expected = format!(
        "{{\n  \"version\": 2,\n  \"task_id\": 4242,\n  \"validator_hotkey\": \"{hk}\",\n  \
         \"signature\": \"{sig}\",\n  \"data\": [\n    {{\n      \"hotkey\": \"5A\",\n      \
         \"passed\": false,\n      \"status\": \"failed\",\n      \"reason\": \"chute_timeout\",\n      \
         \"confidence\": null,\n      \"reasoning\": \"no video\",\n      \"latency_ms\": null,\n      \
         \"original_artifacts\": null,\n      \"generated_artifacts\": null,\n      \
         \"presentation_order\": \"single-video benchmark\"\n    }}\n  ]\n}}",
        hk = producer().hotkey(),
        sig = file.signature
    );
    assert_eq!(String::from_utf8(file.to_bytes()).unwrap(), expected);
}

#[test]
fn v2_writer_sorts_and_checks() {
    let file = signed_v2(three_entries());
    let order: Vec<&str> = file.data.iter().map(|e| e.hotkey.as_str()).collect();
    assert_eq!(order, ["5A", "5B", "5C"]);
    assert!(file.verifies());
    let p = producer();
    let sign = |data| VerdictFileV2::signed(TASK, p.hotkey(), data, &p);
    assert!(sign(vec![]).is_err());
    assert!(sign(vec![judged("5A", true), judged("5A", false)]).is_err());
    // Signer must hold the validator hotkey.
    assert!(VerdictFileV2::signed(TASK, other().hotkey(), vec![judged("5A", true)], &p).is_err());
    let mut e = judged("5A", true);
    e.passed = false;
    assert!(sign(vec![e]).is_err());
    let mut e = unjudged("5A", VerdictStatus::NotEvaluated, VerdictReason::JudgeError);
    e.reason = None;
    assert!(sign(vec![e]).is_err());
    assert!(
        sign(vec![unjudged(
            "5A",
            VerdictStatus::NotEvaluated,
            VerdictReason::ChuteTimeout
        )])
        .is_err()
    );
    assert!(
        sign(vec![unjudged(
            "5A",
            VerdictStatus::Failed,
            VerdictReason::StorageError
        )])
        .is_err()
    );
    let mut e = judged("5A", true);
    e.reason = Some(VerdictReason::NearCopyOfSource);
    assert!(sign(vec![e]).is_err());
    let mut e = judged("5A", false);
    e.confidence = None;
    assert!(sign(vec![e]).is_err());
}

// ---------------------------------------------------------------- v2 acceptance

#[test]
fn v2_signed_file_is_accepted_unchanged() {
    let file = signed_v2(three_entries());
    assert_eq!(v2_accept(&file.to_bytes()).unwrap(), file);
}

#[test]
fn v2_bytes_wrapped_signature_is_accepted() {
    let file = signed_v2(three_entries());
    let wrapped = SignatureHex::from_bytes(producer().sign_wrapped(&file.signing_digest()));
    let bytes = v2_with_member("signature", Some(PyValue::from(wrapped.to_string())));
    assert!(v2_accept(&bytes).is_ok());
}

#[test]
fn v2_extra_entry_keys_are_tolerated_and_signed() {
    let data = data_with(|o| o.insert("rust_future_field", 1i64));
    let accepted = v2_accept(&v2_doc_signed(data)).unwrap();
    assert_eq!(accepted.data, vec![judged("5A", true)]);
}

#[test]
fn v2_reject_oversized() {
    let mut bytes = signed_v2(three_entries()).to_bytes();
    bytes.resize(VERDICT_FILE_MAX_BYTES + 1, b' ');
    assert!(matches!(
        v2_accept(&bytes),
        Err(VerdictRejection::Oversized { .. })
    ));
}

#[test]
fn v2_reject_non_strict_json() {
    let good = String::from_utf8(signed_v2(three_entries()).to_bytes()).unwrap();
    let nan = good.replacen("\"confidence\": 90", "\"confidence\": NaN", 1);
    let dup = good.replacen("\"version\": 2,", "\"version\": 2,\n  \"version\": 2,", 1);
    for bad in [nan, dup, "{".to_owned(), String::new()] {
        assert!(
            matches!(
                v2_accept(bad.as_bytes()),
                Err(VerdictRejection::Unreadable(_))
            ),
            "{bad}"
        );
    }
    assert!(matches!(
        v2_accept(b"\xff"),
        Err(VerdictRejection::Unreadable(_))
    ));
}

#[test]
fn v2_reject_non_object() {
    assert_eq!(v2_accept(b"[]"), Err(VerdictRejection::NotAnObject));
}

#[test]
fn v2_reject_wrong_key_set() {
    for key in [
        "version",
        "task_id",
        "validator_hotkey",
        "signature",
        "data",
    ] {
        assert!(
            matches!(
                v2_accept(&v2_with_member(key, None)),
                Err(VerdictRejection::WrongKeys(_))
            ),
            "missing {key}"
        );
    }
    let err = v2_accept(&v2_with_member("extra", Some(PyValue::Null))).unwrap_err();
    assert!(matches!(err, VerdictRejection::WrongKeys(_)));
    assert!(err.to_string().contains("extra"), "{err}");
}

#[test]
fn v2_reject_wrong_version() {
    for v in [
        PyValue::from(1i64),
        PyValue::from("2"),
        PyValue::Float(2.0),
        PyValue::Bool(true),
        PyValue::Null,
    ] {
        assert_eq!(
            v2_accept(&v2_with_member("version", Some(v.clone()))),
            Err(VerdictRejection::WrongVersion),
            "{v:?}"
        );
    }
}

#[test]
fn v2_reject_task_id_mismatch() {
    for v in [
        PyValue::from(4243i64),
        PyValue::from("4242"),
        PyValue::Float(4242.0),
        PyValue::from(-1i64),
    ] {
        assert_eq!(
            v2_accept(&v2_with_member("task_id", Some(v.clone()))),
            Err(VerdictRejection::TaskIdMismatch { expected: 4242 }),
            "{v:?}"
        );
    }
    let file = signed_v2(three_entries());
    assert!(matches!(
        accept_v2(&file.to_bytes(), TaskId(1), &producer().hotkey()),
        Err(VerdictRejection::TaskIdMismatch { .. })
    ));
}

#[test]
fn v2_reject_producer_mismatch() {
    let file = signed_v2(three_entries());
    assert!(matches!(
        accept_v2(&file.to_bytes(), TASK, &other().hotkey()),
        Err(VerdictRejection::ProducerMismatch { .. })
    ));
    // Same key, different SS58 prefix: the string differs, so the file is rejected.
    let prefixed = Hotkey::from_public(producer().public_key(), 0);
    assert!(matches!(
        accept_v2(&file.to_bytes(), TASK, &prefixed),
        Err(VerdictRejection::ProducerMismatch { .. })
    ));
}

#[test]
fn v2_reject_signature_format() {
    let sig = signed_v2(three_entries()).signature.to_string();
    for bad in [
        PyValue::from(sig.to_uppercase().replacen("0X", "0x", 1)),
        PyValue::from(sig.trim_start_matches("0x")),
        PyValue::from(&sig[..129]),
        PyValue::from(format!("{sig} ")),
        PyValue::from(""),
        PyValue::Null,
    ] {
        assert_eq!(
            v2_accept(&v2_with_member("signature", Some(bad.clone()))),
            Err(VerdictRejection::SignatureFormat),
            "{bad:?}"
        );
    }
}

#[test]
fn v2_reject_bad_signature() {
    let file = signed_v2(three_entries());
    let wrong = SignatureHex::from_bytes(other().sign(&file.signing_digest())).to_string();
    assert_eq!(
        v2_accept(&v2_with_member("signature", Some(PyValue::from(wrong)))),
        Err(VerdictRejection::BadSignature)
    );
    // A v1-style signature over PyCanon(data) alone does not verify under v2.
    let v1_digest = sha(json::encode(
        &PyValue::Array(file.data.iter().map(VerdictEntryV2::to_py).collect()),
        Style::Canon,
    )
    .as_bytes());
    let v1_sig = SignatureHex::from_bytes(producer().sign(&v1_digest)).to_string();
    assert_eq!(
        v2_accept(&v2_with_member("signature", Some(PyValue::from(v1_sig)))),
        Err(VerdictRejection::BadSignature)
    );
}

#[test]
fn v2_reject_empty_or_non_array_data() {
    assert_eq!(
        v2_accept(&v2_doc_signed(PyValue::Array(vec![]))),
        Err(VerdictRejection::EmptyData)
    );
    assert_eq!(
        v2_accept(&v2_doc_signed(PyValue::Object(PyObject::new()))),
        Err(VerdictRejection::DataNotArray)
    );
    assert_eq!(
        v2_accept(&v2_doc_signed(PyValue::Null)),
        Err(VerdictRejection::DataNotArray)
    );
}

#[test]
fn v2_reject_non_object_entry() {
    let data = PyValue::Array(vec![judged("5A", true).to_py(), PyValue::from("5B")]);
    assert_eq!(
        v2_accept(&v2_doc_signed(data)),
        Err(VerdictRejection::EntryNotObject { index: 1 })
    );
}

fn assert_entry_rejected(data: PyValue, needle: &str) {
    match v2_accept(&v2_doc_signed(data)) {
        Err(e @ VerdictRejection::InvalidEntry { index: 0, .. }) => {
            assert!(
                e.to_string().contains(needle),
                "{e} should mention {needle}"
            );
        }
        other => panic!("expected InvalidEntry mentioning {needle}, got {other:?}"),
    }
}

#[test]
fn v2_reject_entry_missing_keys() {
    for key in [
        "hotkey",
        "passed",
        "status",
        "reason",
        "confidence",
        "reasoning",
        "latency_ms",
        "original_artifacts",
        "generated_artifacts",
        "presentation_order",
    ] {
        let data = data_with(|o| {
            let mut out = PyObject::new();
            for (k, v) in o.iter().filter(|(k, _)| k.as_str() != Some(key)) {
                out.insert(k.clone(), v.clone());
            }
            *o = out;
        });
        assert_entry_rejected(data, key);
    }
}

#[test]
fn v2_reject_entry_wrong_types() {
    let cases: Vec<(&str, PyValue)> = vec![
        ("hotkey", PyValue::from(5i64)),
        ("hotkey", PyValue::Null),
        ("passed", PyValue::from("true")),
        ("passed", PyValue::from(1i64)),
        ("status", PyValue::Null),
        ("status", PyValue::from("PASSED")),
        ("reason", PyValue::from(3i64)),
        ("confidence", PyValue::Float(90.0)),
        ("confidence", PyValue::from("90")),
        ("confidence", PyValue::Bool(true)),
        ("reasoning", PyValue::Null),
        ("latency_ms", PyValue::Float(1.5)),
        ("original_artifacts", PyValue::Array(vec![])),
        ("generated_artifacts", PyValue::from(0i64)),
        ("presentation_order", PyValue::Null),
    ];
    for (key, value) in cases {
        assert_entry_rejected(data_with(|o| o.insert(key, value.clone())), key);
    }
}

#[test]
fn v2_reject_passed_status_mismatch() {
    assert_entry_rejected(data_with(|o| o.insert("passed", false)), "contradicts");
    let data = PyValue::Array(vec![{
        let mut e = judged("5A", false).to_py();
        if let PyValue::Object(o) = &mut e {
            o.insert("passed", true);
        }
        e
    }]);
    assert_entry_rejected(data, "contradicts");
}

#[test]
fn v2_reject_not_evaluated_without_reason() {
    let mut e = unjudged("5A", VerdictStatus::NotEvaluated, VerdictReason::JudgeError).to_py();
    if let PyValue::Object(o) = &mut e {
        o.insert("reason", PyValue::Null);
    }
    assert_entry_rejected(PyValue::Array(vec![e]), "requires a reason");
}

#[test]
fn v2_reject_unknown_or_misplaced_reason() {
    assert_entry_rejected(
        data_with(|o| {
            o.insert("status", "failed");
            o.insert("passed", false);
            o.insert("reason", "made_up");
        }),
        "reason",
    );
    assert_entry_rejected(
        data_with(|o| {
            o.insert("status", "not_evaluated");
            o.insert("passed", false);
            o.insert("reason", "chute_timeout");
        }),
        "non-producer",
    );
}

#[test]
fn v2_reject_duplicate_hotkeys() {
    let data = PyValue::Array(vec![
        judged("5A", true).to_py(),
        judged("5A", false).to_py(),
    ]);
    assert_eq!(
        v2_accept(&v2_doc_signed(data)),
        Err(VerdictRejection::DuplicateHotkey { index: 1 })
    );
}

#[test]
fn v2_reject_unsorted_data() {
    let data = PyValue::Array(vec![
        judged("5A", true).to_py(),
        judged("5C", true).to_py(),
        judged("5B", true).to_py(),
    ]);
    assert_eq!(
        v2_accept(&v2_doc_signed(data)),
        Err(VerdictRejection::NotSorted { index: 2 })
    );
}

// ---------------------------------------------------------------- properties

fn text() -> impl Strategy<Value = String> {
    proptest::string::string_regex("[ -~é😀\u{7f}\\n\"\\\\]{0,24}").unwrap()
}

fn ascii_word() -> impl Strategy<Value = String> {
    proptest::string::string_regex("[A-Za-z0-9 ]{1,16}").unwrap()
}

fn arb_v1_entries() -> impl Strategy<Value = Vec<VerdictEntryV1>> {
    proptest::collection::btree_map(
        text().prop_filter("non-empty", |s| !s.is_empty()),
        (any::<bool>(), 0i64..=100, text(), 0i64..10_000_000, text()),
        1..6,
    )
    .prop_map(|m| {
        m.into_iter()
            .map(
                |(hotkey, (passed, confidence, reasoning, latency_ms, generated))| VerdictEntryV1 {
                    hotkey,
                    passed,
                    status: VerdictStatus::of_passed(passed),
                    confidence,
                    reasoning,
                    latency_ms,
                    original_artifacts: "[]".into(),
                    generated_artifacts: generated,
                    presentation_order: "single-video benchmark".into(),
                },
            )
            .collect()
    })
}

fn arb_v2_entry(hotkey: String, kind: u8, word: String, n: i64) -> VerdictEntryV2 {
    match kind % 3 {
        0 => VerdictEntryV2 {
            reasoning: word,
            confidence: Some(n % 101),
            latency_ms: Some(n),
            ..judged(&hotkey, n % 2 == 0)
        },
        1 => VerdictEntryV2 {
            reasoning: word,
            ..unjudged(
                &hotkey,
                VerdictStatus::Failed,
                VerdictReason::ChuteHttp((n % 600) as u16),
            )
        },
        _ => VerdictEntryV2 {
            reasoning: word,
            ..unjudged(
                &hotkey,
                VerdictStatus::NotEvaluated,
                VerdictReason::InternalError,
            )
        },
    }
}

fn arb_v2_entries(
    words: impl Strategy<Value = String>,
) -> impl Strategy<Value = Vec<VerdictEntryV2>> {
    proptest::collection::btree_map(ascii_word(), (any::<u8>(), words, 0i64..100_000), 1..5)
        .prop_map(|m| {
            m.into_iter()
                .map(|(h, (k, w, n))| arb_v2_entry(h, k, w, n))
                .collect()
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn prop_signed_v1_file_is_accepted(entries in arb_v1_entries(), wrapped in any::<bool>()) {
        let p = producer();
        let file = if wrapped {
            let mut sorted = entries.clone();
            sorted.sort_by(|a, b| a.hotkey.cmp(&b.hotkey));
            VerdictFileV1 {
                signature: SignatureHex::from_bytes(p.sign_wrapped(&signing_digest_v1(&sorted))),
                data: sorted,
            }
        } else {
            VerdictFileV1::signed(entries, &p).unwrap()
        };
        let got = accept_v1(&file.to_bytes(), p.hotkey().as_str()).unwrap();
        prop_assert!(got.signature.is_verified());
        let expected: Vec<(String, bool)> = file.data.iter().map(|e| (e.hotkey.clone(), e.passed)).collect();
        prop_assert_eq!(got.entries, expected);
    }

    #[test]
    fn prop_signed_v2_file_is_accepted(entries in arb_v2_entries(text()), task in 0u64..u64::MAX) {
        let p = producer();
        let file = VerdictFileV2::signed(TaskId(task), p.hotkey(), entries, &p).unwrap();
        prop_assert_eq!(accept_v2(&file.to_bytes(), TaskId(task), &p.hotkey()).unwrap(), file);
    }

    #[test]
    fn prop_flipping_a_data_byte_of_a_v2_file_rejects(
        entries in arb_v2_entries(ascii_word()),
        pick in any::<prop::sample::Index>(),
        mask in 1u8..=255,
    ) {
        let file = signed_v2(entries);
        let mut bytes = file.to_bytes();
        let start = String::from_utf8(bytes.clone()).unwrap().find("\"data\": [").unwrap() + 8;
        // Whitespace outside tokens is not data; every other byte of the data section is.
        let positions: Vec<usize> = (start..bytes.len())
            .filter(|&i| !matches!(bytes[i], b' ' | b'\n'))
            .collect();
        let at = positions[pick.index(positions.len())];
        bytes[at] ^= mask;
        prop_assert!(v2_accept(&bytes).is_err());
    }

    #[test]
    fn prop_accept_v1_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = accept_v1(&bytes, ALICE);
        let _ = accept_v2(&bytes, TASK, &producer().hotkey());
    }

    #[test]
    fn prop_accept_v1_never_panics_on_mutated_files(
        entries in arb_v1_entries(),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
    ) {
        let p = producer();
        let mut bytes = VerdictFileV1::signed(entries, &p).unwrap().to_bytes();
        for (i, b) in edits {
            let at = i.index(bytes.len());
            bytes[at] = b;
        }
        let _ = accept_v1(&bytes, p.hotkey().as_str());
    }
}
