//! Allowlist v1 and v2 wire formats (SPEC §3.3, §3.4): golden bytes and digests, commitment
//! strings, every reader failure path, a differential test of the v1 reader against a Python
//! transcription of the reference, and round-trip properties.

// Test helpers outside #[test] functions may unwrap and panic too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

mod common;

use common::{python, run_python};

use leoma_api_types::Error;
use leoma_api_types::Hotkey;
use leoma_api_types::allowlist::{
    AllowlistCommitment, AllowlistV1, AllowlistV2, ConsensusParamsV2, ValidatorEntryV2,
    owner_commitment_string, parse_v1_commitment, parse_v2_commitment,
};
use proptest::prelude::*;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

const ALICE: &str = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
const BOB: &str = "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty";

// Hand-written from SPEC §3.3 and checked with CPython:
// json.dumps(x, sort_keys=True, separators=(",", ":")) and hashlib.sha256(...).hexdigest().
const V1_GOLDEN: &str = concat!(
    r#"{"interval":100,"validators":["#,
    r#""5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty","#,
    r#""5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"],"version":1}"#
);
const V1_DIGEST: &str = "9364dffc43d4df7820f38553cabe04b34a641806138507736b52f48873ce88f3";

// Hand-written from SPEC §3.4 (reference defaults) and checked the same way.
const V2_GOLDEN: &str = concat!(
    r#"{"epoch_length":180,"failover_grace_blocks":0,"interval":100,"#,
    r#""scoring":{"completeness_threshold_ppm":800000,"dominance_threshold_ppm":50000,"#,
    r#""max_lookback_blocks":30000,"min_distinct_ratio_ppm":500000,"settle_margin":2,"#,
    r#""window_size":100},"validators":["#,
    r#"{"bucket":"leoma-res-b","endpoint":"https://acct.r2.cloudflarestorage.com","#,
    r#""hotkey":"5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty","region":"auto"},"#,
    r#"{"bucket":"leoma-res-a","endpoint":"http://127.0.0.1:9000","#,
    r#""hotkey":"5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY","region":"us-east-1"}],"#,
    r#""version":2}"#
);
const V2_DIGEST: &str = "b6bfc368829cafec3ebe0bcc6181a8a66d58ac913eef1760872ffc0ae9573113";

fn entry(hotkey: &str, bucket: &str, endpoint: &str, region: &str) -> ValidatorEntryV2 {
    ValidatorEntryV2 {
        hotkey: Hotkey::parse(hotkey).unwrap(),
        bucket: bucket.to_owned(),
        endpoint: endpoint.to_owned(),
        region: region.to_owned(),
    }
}

fn golden_v2() -> AllowlistV2 {
    // Deliberately out of order: the constructor sorts.
    AllowlistV2::new(
        vec![
            entry(ALICE, "leoma-res-a", "http://127.0.0.1:9000", "us-east-1"),
            entry(
                BOB,
                "leoma-res-b",
                "https://acct.r2.cloudflarestorage.com",
                "auto",
            ),
        ],
        ConsensusParamsV2::REFERENCE_DEFAULTS,
    )
    .unwrap()
}

/// A change applied to the reference parameters.
type Tweak = Box<dyn Fn(&mut ConsensusParamsV2)>;

fn invalid_reason(err: Error) -> String {
    match err {
        Error::Invalid { reason, .. } => reason,
        other => panic!("expected Error::Invalid, got {other:?}"),
    }
}

// ---- v1 ----

#[test]
fn v1_golden_bytes_digest_and_commitment() {
    let list = AllowlistV1::new([ALICE, BOB, ALICE], 100).unwrap();
    assert_eq!(list.validators(), [BOB, ALICE]);
    assert_eq!(String::from_utf8(list.to_bytes()).unwrap(), V1_GOLDEN);
    assert_eq!(list.digest(), V1_DIGEST);
    let commitment = list.commitment();
    assert_eq!(commitment, format!("leoma:allowlist:v1:{V1_DIGEST}"));
    assert_eq!(commitment.len(), 83);
    assert!(AllowlistV1::bytes_match_digest(
        V1_GOLDEN.as_bytes(),
        V1_DIGEST
    ));
    assert!(!AllowlistV1::bytes_match_digest(
        V1_GOLDEN.as_bytes(),
        &V1_DIGEST.to_uppercase()
    ));
}

#[test]
fn v1_golden_bytes_match_python_json_dumps() {
    let script = "import json, sys\n\
        x = {'version': 1, 'validators': sorted({sys.argv[1], sys.argv[2]}), 'interval': 100}\n\
        print(json.dumps(x, sort_keys=True, separators=(',', ':')), end='')";
    let out = Command::new(python())
        .args(["-c", script, ALICE, BOB])
        .output()
        .expect("python3 is required (set LEOMA_TEST_PYTHON to its path)");
    assert!(out.status.success());
    assert_eq!(String::from_utf8(out.stdout).unwrap(), V1_GOLDEN);
}

#[test]
fn v1_constructor_rejects_bad_input() {
    assert!(AllowlistV1::new(Vec::<String>::new(), 100).is_err());
    assert!(AllowlistV1::new([ALICE, ""], 100).is_err());
    assert!(AllowlistV1::new([ALICE], 0).is_err());
}

#[test]
fn v1_reader_follows_python_conversions() {
    let read = |s: &str| AllowlistV1::read_reference(s.as_bytes());
    let list = read(V1_GOLDEN).unwrap();
    assert_eq!(list, AllowlistV1::new([ALICE, BOB], 100).unwrap());

    // str() of truthy scalars, falsy entries skipped, sorted set, version ignored.
    let list = read(
        r#"{"validators":["b","a","b","",0,false,null,[],{},7,1.5,true,1e16],"interval":" 1_0 ","version":9}"#,
    )
    .unwrap();
    assert_eq!(list.validators(), ["1.5", "1e+16", "7", "True", "a", "b"]);
    assert_eq!(list.interval(), 10);

    // int() of the interval.
    for (interval, want) in [
        ("100", 100),
        ("1.9", 1),
        ("\"\\u0661\\u0662\"", 12),
        ("true", 1),
        ("18446744073709551615", u64::MAX),
    ] {
        let doc = format!(r#"{{"validators":["a"],"interval":{interval}}}"#);
        assert_eq!(read(&doc).unwrap().interval(), want, "{interval}");
    }
    // A string iterates its characters, a dict its keys (Python iteration).
    assert_eq!(
        read(r#"{"validators":"bab","interval":1}"#)
            .unwrap()
            .validators(),
        ["a", "b"]
    );
    assert_eq!(
        read(r#"{"validators":{"k":0,"":1,"j":2},"interval":1}"#)
            .unwrap()
            .validators(),
        ["j", "k"]
    );
    // Last duplicate key wins (json.loads).
    assert_eq!(
        read(r#"{"validators":["a"],"interval":0,"interval":5}"#)
            .unwrap()
            .interval(),
        5
    );
}

#[test]
fn v1_reader_failure_paths_name_the_field() {
    let cases: &[(&str, &str)] = &[
        (r#"[1]"#, "object"),
        (r#"{"interval":1}"#, "validators"),
        (r#"{"validators":["a"]}"#, "interval"),
        (r#"{"validators":[],"interval":1}"#, "validators"),
        (r#"{"validators":["",0,null],"interval":1}"#, "validators"),
        (r#"{"validators":5,"interval":1}"#, "validators"),
        (r#"{"validators":null,"interval":1}"#, "validators"),
        (r#"{"validators":[[1]],"interval":1}"#, "validators"),
        (r#"{"validators":[{"a":1}],"interval":1}"#, "validators"),
        (r#"{"validators":["\ud800"],"interval":1}"#, "validators"),
        (r#"{"validators":["a"],"interval":0}"#, "interval"),
        (r#"{"validators":["a"],"interval":-3}"#, "interval"),
        (r#"{"validators":["a"],"interval":0.9}"#, "interval"),
        (r#"{"validators":["a"],"interval":false}"#, "interval"),
        (r#"{"validators":["a"],"interval":null}"#, "interval"),
        (r#"{"validators":["a"],"interval":"1e3"}"#, "interval"),
        (r#"{"validators":["a"],"interval":"1__0"}"#, "interval"),
        (r#"{"validators":["a"],"interval":NaN}"#, "interval"),
        (r#"{"validators":["a"],"interval":Infinity}"#, "interval"),
        (r#"{"validators":["a"],"interval":[]}"#, "interval"),
        (
            r#"{"validators":["a"],"interval":18446744073709551616}"#,
            "interval",
        ),
        (r#"{"validators":["a"],"interval":1e300}"#, "interval"),
    ];
    for (doc, field) in cases {
        let reason = invalid_reason(AllowlistV1::read_reference(doc.as_bytes()).unwrap_err());
        assert!(reason.contains(field), "{doc}: {reason}");
    }
    assert!(matches!(
        AllowlistV1::read_reference(b"{"),
        Err(Error::Json { .. })
    ));
    assert!(AllowlistV1::read_reference(b"").is_err());
}

/// The reference reader transcribed from SPEC §3.3 steps 4-5, with the documented Rust
/// divergences applied (nested containers and lone surrogates among validators, intervals
/// above 2^64 - 1, non-UTF-8 bytes) so that everything else must match exactly.
const PY_V1_READER: &str = r#"
import json, sys
def read(b):
    try:
        b.decode('utf-8')
        body = json.loads(b)
        vals = body["validators"]
        out = set()
        for h in vals:
            if h:
                if isinstance(h, (list, dict)):
                    return None
                s = str(h)
                if any(0xD800 <= ord(c) <= 0xDFFF for c in s):
                    return None
                out.add(s)
        interval = int(body["interval"])
        if not out or interval <= 0 or interval >= 2**64:
            return None
        return [sorted(out), interval]
    except Exception:
        return None
docs = json.loads(sys.stdin.read())
print(json.dumps([read(bytes.fromhex(d)) for d in docs]))
"#;

fn gen_v1_doc(rng: &mut StdRng) -> String {
    const ITEMS: &[&str] = &[
        "\"5A\"",
        "\"b\"",
        "\"\"",
        "\" x \"",
        "\"\\u00e9\"",
        "\"\\ud83d\\ude00\"",
        "0",
        "1",
        "-7",
        "1.5",
        "-0.0",
        "0.0",
        "1e16",
        "1e-5",
        "true",
        "false",
        "null",
        "[]",
        "{}",
        "NaN",
        "Infinity",
        "-Infinity",
        "123456789012345678901234567890",
    ];
    const INTERVALS: &[&str] = &[
        "100",
        "\"100\"",
        "\" 1_0 \"",
        "\"\\u0661\\u0662\"",
        "1.9",
        "0.5",
        "-3",
        "0",
        "true",
        "false",
        "null",
        "\"abc\"",
        "[]",
        "{}",
        "1e300",
        "\"1e3\"",
        "18446744073709551615",
        "18446744073709551616",
        "NaN",
        "-Infinity",
        "\"\\u3000-5\"",
        "\"+7\"",
        "2.0",
        "\"1__0\"",
        "\"\\u00b2\"",
    ];
    let validators = match rng.gen_range(0..10) {
        0 => "\"bca\"".to_owned(),
        1 => r#"{"k":1,"":2,"a":null}"#.to_owned(),
        2 => ITEMS[rng.gen_range(0..ITEMS.len())].to_owned(),
        _ => {
            let n = rng.gen_range(0..5);
            let items: Vec<&str> = (0..n)
                .map(|_| ITEMS[rng.gen_range(0..ITEMS.len())])
                .collect();
            format!("[{}]", items.join(","))
        }
    };
    let interval = INTERVALS[rng.gen_range(0..INTERVALS.len())];
    let mut fields = vec![
        format!("\"validators\":{validators}"),
        format!("\"interval\":{interval}"),
        "\"version\":1".to_owned(),
    ];
    if rng.gen_bool(0.1) {
        fields.remove(rng.gen_range(0..2));
    }
    fields.shuffle(rng);
    match rng.gen_range(0..20) {
        0 => format!("[{}]", fields.len()),
        1 => format!("{{{}}} x", fields.join(",")),
        _ => format!(" {{{}}}\n", fields.join(", ")),
    }
}

#[test]
fn v1_reader_matches_python_reference_semantics() {
    let mut rng = StdRng::seed_from_u64(0xa11);
    let mut docs: Vec<String> = (0..400).map(|_| gen_v1_doc(&mut rng)).collect();
    docs.push(V1_GOLDEN.to_owned());
    let hexes: Vec<String> = docs.iter().map(hex::encode).collect();
    let out = run_python(PY_V1_READER, &serde_json::to_string(&hexes).unwrap());
    let expected: Vec<Option<(Vec<String>, u64)>> = serde_json::from_str(&out).unwrap();
    assert_eq!(expected.len(), docs.len());
    let mut accepted = 0;
    for (doc, want) in docs.iter().zip(&expected) {
        let got = AllowlistV1::read_reference(doc.as_bytes())
            .ok()
            .map(|l| (l.validators().to_vec(), l.interval()));
        assert_eq!(&got, want, "{doc}");
        accepted += usize::from(want.is_some());
    }
    assert!(accepted > 60 && accepted < docs.len() - 60, "{accepted}");
}

// ---- commitments ----

#[test]
fn commitment_parsing() {
    let c1 = format!("leoma:allowlist:v1:{V1_DIGEST}");
    assert_eq!(parse_v1_commitment(&c1).unwrap(), V1_DIGEST);
    assert_eq!(
        parse_v1_commitment("leoma:allowlist:v1: \u{3000}ab\x1c\n").unwrap(),
        "ab"
    );
    assert_eq!(
        parse_v1_commitment("leoma:allowlist:v1:ABC").unwrap(),
        "ABC"
    );
    for bad in [
        "",
        "leoma:allowlist:v1:",
        "leoma:allowlist:v1: \t",
        " leoma:allowlist:v1:ab",
    ] {
        assert!(parse_v1_commitment(bad).is_err(), "{bad:?}");
    }
    let c2 = format!("leoma:allowlist:v2:{V2_DIGEST}");
    assert_eq!(parse_v2_commitment(&c2).unwrap(), V2_DIGEST);
    for bad in [
        format!("leoma:allowlist:v2:{}", V2_DIGEST.to_uppercase()),
        format!("leoma:allowlist:v2: {V2_DIGEST}"),
        format!("leoma:allowlist:v2:{V2_DIGEST} "),
        format!("leoma:allowlist:v2:{}", &V2_DIGEST[1..]),
        format!("leoma:allowlist:v2:{V2_DIGEST}0"),
        format!("leoma:allowlist:v2:{}g", &V2_DIGEST[1..]),
        format!("leoma:allowlist:v1:{V2_DIGEST}"),
    ] {
        assert!(parse_v2_commitment(&bad).is_err(), "{bad:?}");
    }
}

#[test]
fn protocol_selection_from_owner_commitment() {
    let classify = |s: &str| AllowlistCommitment::classify(Some(s));
    let v1 = classify(&format!("leoma:allowlist:v1:{V1_DIGEST}"));
    assert_eq!(v1, AllowlistCommitment::V1(V1_DIGEST.to_owned()));
    assert!(!v1.is_v2_rules());
    let v2 = classify(&format!("leoma:allowlist:v2:{V2_DIGEST}"));
    assert_eq!(v2, AllowlistCommitment::V2(V2_DIGEST.to_owned()));
    assert!(v2.is_v2_rules());
    let bad_v2 = classify("leoma:allowlist:v2:XYZ");
    assert_eq!(bad_v2, AllowlistCommitment::MalformedV2);
    assert!(bad_v2.is_v2_rules());
    for other in ["", "hello", "leoma:allowlist:v1:", "leoma:allowlist:v3:ab"] {
        assert_eq!(classify(other), AllowlistCommitment::Other, "{other:?}");
    }
    assert_eq!(
        AllowlistCommitment::classify(None),
        AllowlistCommitment::Other
    );
}

#[test]
fn owner_commitment_string_drops_invalid_utf8() {
    let mut raw = b"leoma:allowlist:v1:".to_vec();
    raw.extend_from_slice(b"\xffab\xc3");
    assert_eq!(owner_commitment_string(&raw), "leoma:allowlist:v1:ab");
    assert_eq!(owner_commitment_string(b""), "");
}

// ---- v2 ----

#[test]
fn v2_golden_bytes_digest_commitment_and_key() {
    let list = golden_v2();
    assert_eq!(String::from_utf8(list.to_bytes()).unwrap(), V2_GOLDEN);
    assert_eq!(list.digest(), V2_DIGEST);
    assert_eq!(list.commitment(), format!("leoma:allowlist:v2:{V2_DIGEST}"));
    assert_eq!(list.commitment().len(), 83);
    assert_eq!(list.object_key(), format!("allowlist/v2/{V2_DIGEST}.json"));
    assert_eq!(AllowlistV2::parse(V2_GOLDEN.as_bytes()).unwrap(), list);
    let hotkeys: Vec<&str> = list
        .validators()
        .iter()
        .map(|v| v.hotkey.as_str())
        .collect();
    assert_eq!(hotkeys, [BOB, ALICE]);
}

#[test]
fn v2_golden_bytes_are_python_canonical() {
    let script = "import json, sys\n\
        s = sys.stdin.read()\n\
        print(json.dumps(json.loads(s), sort_keys=True, separators=(',', ':')), end='')";
    assert_eq!(run_python(script, V2_GOLDEN), V2_GOLDEN);
}

#[test]
fn v2_defaults_are_the_reference_defaults() {
    let d = ConsensusParamsV2::REFERENCE_DEFAULTS;
    assert_eq!(
        (d.interval, d.failover_grace_blocks, d.epoch_length),
        (100, 0, 180)
    );
    let s = d.scoring;
    assert_eq!(
        (s.window_size, s.settle_margin, s.max_lookback_blocks),
        (100, 2, 30_000)
    );
    assert_eq!(
        (
            s.completeness_threshold_ppm,
            s.min_distinct_ratio_ppm,
            s.dominance_threshold_ppm
        ),
        (800_000, 500_000, 50_000)
    );
    assert!(d.validate().is_ok());
}

#[test]
fn v2_constructor_checks_every_constraint() {
    let ok = entry(ALICE, "leoma-res-a", "https://h", "auto");
    let base = ConsensusParamsV2::REFERENCE_DEFAULTS;
    let with = |f: &dyn Fn(&mut ConsensusParamsV2)| {
        let mut p = base;
        f(&mut p);
        AllowlistV2::new(vec![ok.clone()], p)
    };
    let param_cases: Vec<(Tweak, &str)> = vec![
        (Box::new(|p| p.interval = 0), "interval"),
        (Box::new(|p| p.interval = 1 << 32), "interval"),
        (Box::new(|p| p.epoch_length = 0), "epoch_length"),
        (
            Box::new(|p| p.scoring.window_size = 0),
            "scoring.window_size",
        ),
        (
            Box::new(|p| p.scoring.settle_margin = 0),
            "scoring.settle_margin",
        ),
        (
            Box::new(|p| p.scoring.completeness_threshold_ppm = 1_000_001),
            "scoring.completeness_threshold_ppm",
        ),
        (
            Box::new(|p| p.scoring.min_distinct_ratio_ppm = 1_000_001),
            "scoring.min_distinct_ratio_ppm",
        ),
        (
            Box::new(|p| p.scoring.dominance_threshold_ppm = 1_000_001),
            "scoring.dominance_threshold_ppm",
        ),
    ];
    for (change, field) in param_cases {
        let reason = invalid_reason(with(&*change).unwrap_err());
        assert!(reason.starts_with(field), "{field}: {reason}");
    }
    // Boundaries that are allowed.
    for change in [
        Box::new(|p: &mut ConsensusParamsV2| p.interval = u64::from(u32::MAX)) as Tweak,
        Box::new(|p| p.interval = 1),
        Box::new(|p| p.failover_grace_blocks = 0),
        Box::new(|p| p.scoring.max_lookback_blocks = 0),
        Box::new(|p| p.scoring.completeness_threshold_ppm = 1_000_000),
        Box::new(|p| p.scoring.dominance_threshold_ppm = 0),
    ] {
        assert!(with(&*change).is_ok());
    }

    let entry_cases: &[(&str, &str, &str, &str)] = &[
        ("ab", "https://h", "auto", "bucket"),
        (&"a".repeat(64), "https://h", "auto", "bucket"),
        ("Leoma", "https://h", "auto", "bucket"),
        ("le_oma", "https://h", "auto", "bucket"),
        ("abc", "ftp://h", "auto", "endpoint"),
        ("abc", "h", "auto", "endpoint"),
        ("abc", "HTTPS://h", "auto", "endpoint"),
        ("abc", "https://", "auto", "endpoint"),
        ("abc", "https://h/", "auto", "endpoint"),
        ("abc", "https://h/path", "auto", "endpoint"),
        ("abc", "https://h?q=1", "auto", "endpoint"),
        ("abc", "https://u@h", "auto", "endpoint"),
        ("abc", "https://h:0", "auto", "endpoint"),
        ("abc", "https://h:65536", "auto", "endpoint"),
        ("abc", "https://h:+1", "auto", "endpoint"),
        ("abc", "https://h:", "auto", "endpoint"),
        ("abc", "https://[::1", "auto", "endpoint"),
        ("abc", "https://[]", "auto", "endpoint"),
        ("abc", "https://h", "", "region"),
        ("abc", "https://h", &"r".repeat(65), "region"),
        ("abc", "https://h", "eu\u{7f}", "region"),
        ("abc", "https://h", "\u{e9}u", "region"),
    ];
    for (bucket, endpoint, region, field) in entry_cases {
        let e = ValidatorEntryV2 {
            hotkey: Hotkey::parse(ALICE).unwrap(),
            bucket: (*bucket).to_owned(),
            endpoint: (*endpoint).to_owned(),
            region: (*region).to_owned(),
        };
        let reason = invalid_reason(AllowlistV2::new(vec![e], base).unwrap_err());
        assert!(
            reason.starts_with(&format!("validators[0].{field}")),
            "{reason}"
        );
    }
    for (bucket, endpoint, region) in [
        ("abc", "https://[::1]:9000", "auto"),
        ("a.b-c", "http://10.0.0.1:65535", "us east 1"),
        (&"a".repeat(63), "https://A-b.example", &"r".repeat(64)),
    ] {
        let e = entry(ALICE, bucket, endpoint, region);
        assert!(
            AllowlistV2::new(vec![e], base).is_ok(),
            "{bucket} {endpoint} {region}"
        );
    }

    assert!(invalid_reason(AllowlistV2::new(vec![], base).unwrap_err()).starts_with("validators"));
    let dup = AllowlistV2::new(vec![ok.clone(), ok.clone()], base).unwrap_err();
    assert!(invalid_reason(dup).contains("duplicate"));
}

/// The golden file with one textual replacement applied (the replacement must match).
fn mutate(from: &str, to: &str) -> String {
    assert!(V2_GOLDEN.contains(from), "{from}");
    V2_GOLDEN.replacen(from, to, 1)
}

#[test]
fn v2_reader_failure_paths_name_the_field() {
    let bad_checksum = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQZ";
    let cases: Vec<(String, &str)> = vec![
        ("[]".into(), "object"),
        (
            mutate(r#""version":2"#, r#""version":2,"zzz":1"#),
            "zzz: unknown key",
        ),
        (
            mutate(r#""epoch_length":180,"#, ""),
            "epoch_length: missing",
        ),
        (mutate(r#""version":2"#, r#""version":1"#), "version"),
        (mutate(r#""version":2"#, r#""version":"2""#), "version"),
        (mutate(r#""interval":100"#, r#""interval":0"#), "interval"),
        (
            mutate(r#""interval":100"#, r#""interval":4294967296"#),
            "interval",
        ),
        (mutate(r#""interval":100"#, r#""interval":-1"#), "interval"),
        (
            mutate(r#""interval":100"#, r#""interval":100.0"#),
            "interval: must be an integer",
        ),
        (
            mutate(r#""interval":100"#, r#""interval":true"#),
            "interval: must be an integer",
        ),
        (
            mutate(r#""interval":100"#, r#""interval":1e2"#),
            "interval: must be an integer",
        ),
        (
            mutate(r#""interval":100"#, r#""interval":99999999999999999999"#),
            "interval",
        ),
        (
            mutate(
                r#""failover_grace_blocks":0"#,
                r#""failover_grace_blocks":-1"#,
            ),
            "failover_grace_blocks",
        ),
        (
            mutate(r#""epoch_length":180"#, r#""epoch_length":0"#),
            "epoch_length",
        ),
        (
            mutate(r#""scoring":{"#, r#""scoring":[],"x":{"#),
            "x: unknown key",
        ),
        (
            mutate(r#""window_size":100"#, r#""window_size":0"#),
            "scoring.window_size",
        ),
        (
            mutate(r#""settle_margin":2"#, r#""settle_margin":0"#),
            "scoring.settle_margin",
        ),
        (
            mutate(
                r#""max_lookback_blocks":30000"#,
                r#""max_lookback_blocks":-5"#,
            ),
            "scoring.max_lookback_blocks",
        ),
        (
            mutate(
                r#""completeness_threshold_ppm":800000"#,
                r#""completeness_threshold_ppm":1000001"#,
            ),
            "scoring.completeness_threshold_ppm",
        ),
        (
            mutate(
                r#""min_distinct_ratio_ppm":500000"#,
                r#""min_distinct_ratio_ppm":1000001"#,
            ),
            "scoring.min_distinct_ratio_ppm",
        ),
        (
            mutate(
                r#""dominance_threshold_ppm":50000"#,
                r#""dominance_threshold_ppm":2000000"#,
            ),
            "scoring.dominance_threshold_ppm",
        ),
        (
            mutate(r#""settle_margin":2,"#, r#""settle_margin":2,"surplus":1,"#),
            "scoring.surplus: unknown key",
        ),
        (
            mutate(r#""settle_margin":2,"#, ""),
            "scoring.settle_margin: missing",
        ),
        (
            V2_GOLDEN[..V2_GOLDEN.find(r#""validators""#).unwrap()].to_owned()
                + r#""validators":[],"version":2}"#,
            "validators",
        ),
        (
            V2_GOLDEN[..V2_GOLDEN.find(r#""validators""#).unwrap()].to_owned()
                + r#""validators":{},"version":2}"#,
            "validators: must be an array",
        ),
        (
            V2_GOLDEN[..V2_GOLDEN.find(r#""validators""#).unwrap()].to_owned()
                + r#""validators":[1],"version":2}"#,
            "validators[0]: must be an object",
        ),
        (
            mutate(r#""region":"auto""#, r#""region":"auto","x":1"#),
            "validators[0].x: unknown key",
        ),
        (
            mutate(r#","region":"auto""#, ""),
            "validators[0].region: missing",
        ),
        (
            mutate(r#""region":"auto""#, r#""region":7"#),
            "validators[0].region: must be a string",
        ),
        (
            mutate(r#""region":"auto""#, r#""region":"""#),
            "validators[0].region",
        ),
        (
            mutate(r#""bucket":"leoma-res-b""#, r#""bucket":"LEOMA""#),
            "validators[0].bucket",
        ),
        (
            mutate(
                "https://acct.r2.cloudflarestorage.com",
                "https://acct.r2.cloudflarestorage.com/",
            ),
            "validators[0].endpoint",
        ),
        (mutate(ALICE, bad_checksum), "validators[1].hotkey"),
        (mutate(BOB, "not-a-key"), "validators[0].hotkey"),
        // Out of order: swap the two hotkeys.
        (
            V2_GOLDEN
                .replace(BOB, "@@")
                .replace(ALICE, BOB)
                .replace("@@", ALICE),
            "validators[1].hotkey: not strictly ascending",
        ),
        // Duplicate hotkey.
        (
            mutate(BOB, ALICE),
            "validators[1].hotkey: not strictly ascending",
        ),
        // Not canonical: whitespace, escapes that decode to the same text, key order.
        (format!("{V2_GOLDEN}\n"), "canonical"),
        (
            mutate(r#""interval":100"#, r#""interval": 100"#),
            "canonical",
        ),
        (
            mutate(r#""region":"auto""#, r#""region":"\u0061uto""#),
            "canonical",
        ),
        (
            mutate(
                r#""epoch_length":180,"failover_grace_blocks":0,"#,
                r#""failover_grace_blocks":0,"epoch_length":180,"#,
            ),
            "canonical",
        ),
    ];
    for (doc, needle) in cases {
        let err = AllowlistV2::parse(doc.as_bytes()).unwrap_err();
        let reason = invalid_reason(err);
        assert!(reason.contains(needle), "{needle}: {reason}\n{doc}");
    }
    // Syntax errors come from the strict parser: trailing commas, NaN, duplicate keys, BOM.
    for doc in [
        mutate(r#""version":2"#, r#""version":2,"#),
        mutate(r#""interval":100"#, r#""interval":NaN"#),
        mutate(r#""interval":100"#, r#""interval":100,"interval":100"#),
        format!("\u{feff}{V2_GOLDEN}"),
        mutate(r#""interval":100"#, r#""interval":0100"#),
    ] {
        assert!(AllowlistV2::parse(doc.as_bytes()).is_err(), "{doc}");
    }
}

// ---- properties ----

fn any_v1() -> impl Strategy<Value = (Vec<String>, u64)> {
    (
        proptest::collection::vec(prop_oneof!["[1-9A-HJ-NP-Za-km-z]{1,48}", "\\PC{1,8}"], 1..8),
        1u64..=u64::MAX,
    )
}

fn any_entry() -> impl Strategy<Value = ValidatorEntryV2> {
    (
        any::<[u8; 32]>(),
        prop_oneof![Just(42u16), 0u16..64],
        "[a-z0-9.-]{3,63}",
        "(https|http)://[a-z0-9.-]{1,20}(:[1-9][0-9]{0,3})?",
        "[ -~]{1,64}",
    )
        .prop_map(
            |(public, prefix, bucket, endpoint, region)| ValidatorEntryV2 {
                hotkey: Hotkey::from_public(public, prefix),
                bucket,
                endpoint,
                region,
            },
        )
}

fn any_params() -> impl Strategy<Value = ConsensusParamsV2> {
    (
        (1u64..=u64::from(u32::MAX), any::<u64>(), 1u64..=u64::MAX),
        (1u64..=u64::MAX, 1u64..=u64::MAX, any::<u64>()),
        (0u32..=1_000_000, 0u32..=1_000_000, 0u32..=1_000_000),
    )
        .prop_map(
            |((interval, grace, epoch), (window, margin, lookback), (c, m, d))| ConsensusParamsV2 {
                interval,
                failover_grace_blocks: grace,
                epoch_length: epoch,
                scoring: leoma_api_types::allowlist::ScoringParamsV2 {
                    window_size: window,
                    settle_margin: margin,
                    max_lookback_blocks: lookback,
                    completeness_threshold_ppm: c,
                    min_distinct_ratio_ppm: m,
                    dominance_threshold_ppm: d,
                },
            },
        )
}

proptest! {
    #[test]
    fn v1_round_trip_and_stable_digest((validators, interval) in any_v1(), seed in any::<u64>()) {
        let list = AllowlistV1::new(validators.clone(), interval).unwrap();
        let back = AllowlistV1::read_reference(&list.to_bytes()).unwrap();
        prop_assert_eq!(&back, &list);
        let mut shuffled = validators;
        shuffled.shuffle(&mut StdRng::seed_from_u64(seed));
        let again = AllowlistV1::new(shuffled, interval).unwrap();
        prop_assert_eq!(again.digest(), list.digest());
        prop_assert!(AllowlistV1::bytes_match_digest(&list.to_bytes(), &list.digest()));
        prop_assert_eq!(
            parse_v1_commitment(&list.commitment()).unwrap(),
            list.digest()
        );
    }

    #[test]
    fn v2_round_trip_and_stable_digest(
        entries in proptest::collection::vec(any_entry(), 1..6),
        params in any_params(),
        seed in any::<u64>(),
    ) {
        let mut seen = std::collections::BTreeSet::new();
        prop_assume!(entries.iter().all(|e| seen.insert(e.hotkey.as_str().to_owned())));
        let list = AllowlistV2::new(entries.clone(), params).unwrap();
        let bytes = list.to_bytes();
        prop_assert_eq!(AllowlistV2::parse(&bytes).unwrap(), list.clone());
        let mut shuffled = entries;
        shuffled.shuffle(&mut StdRng::seed_from_u64(seed));
        prop_assert_eq!(AllowlistV2::new(shuffled, params).unwrap().digest(), list.digest());
        prop_assert_eq!(parse_v2_commitment(&list.commitment()).unwrap(), list.digest());
        prop_assert_eq!(
            AllowlistCommitment::classify(Some(&list.commitment())),
            AllowlistCommitment::V2(list.digest())
        );
    }

    #[test]
    fn v2_reader_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = AllowlistV2::parse(&bytes);
        let _ = AllowlistV1::read_reference(&bytes);
    }

    #[test]
    fn v2_reader_rejects_any_single_byte_change(index in 0usize..V2_GOLDEN.len(), byte in any::<u8>()) {
        let mut bytes = V2_GOLDEN.as_bytes().to_vec();
        prop_assume!(bytes[index] != byte);
        bytes[index] = byte;
        // Any accepted variant must itself be canonical, hence a different digest.
        if let Ok(list) = AllowlistV2::parse(&bytes) {
            prop_assert_eq!(list.to_bytes(), bytes);
            prop_assert_ne!(list.digest(), V2_DIGEST);
        }
    }
}
