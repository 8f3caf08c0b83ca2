use super::*;
use crate::json::{Style, encode};

fn py(text: &str) -> PyValue {
    parse_py(text.as_bytes()).unwrap_or_else(|e| panic!("{text:?} should parse: {e}"))
}

fn py_err(bytes: &[u8]) -> (usize, String) {
    match parse_py(bytes) {
        Err(Error::Json { offset, reason }) => (offset, reason),
        other => panic!("{bytes:?} should be rejected, got {other:?}"),
    }
}

fn strict_err(bytes: &[u8]) -> String {
    match parse_strict(bytes) {
        Err(Error::Json { reason, .. }) => reason,
        other => panic!("{bytes:?} should be rejected strictly, got {other:?}"),
    }
}

fn canon(text: &str) -> String {
    encode(&py(text), Style::Canon)
}

#[test]
fn scalars_and_whitespace() {
    assert_eq!(py(" \t\r\nnull \n"), PyValue::Null);
    assert_eq!(py("true"), PyValue::Bool(true));
    assert_eq!(py("false"), PyValue::Bool(false));
    assert_eq!(py("\"a/b\""), PyValue::from("a/b"));
    assert_eq!(py("0"), PyValue::from(0i64));
    assert_eq!(py("-0"), PyValue::from(0i64));
    assert_eq!(py("-9223372036854775808"), PyValue::from(i64::MIN));
    assert_eq!(py("18446744073709551615"), PyValue::from(u64::MAX));
    assert_eq!(
        py("[1, 2 ,3 ]"),
        PyValue::from(vec![1i64.into(), 2i64.into(), 3i64.into()])
    );
}

#[test]
fn floats_are_correctly_rounded_and_overflow_to_infinity() {
    assert_eq!(py("0.1"), PyValue::Float(0.1));
    assert_eq!(py("1E2"), PyValue::Float(100.0));
    assert_eq!(py("1e-7"), PyValue::Float(1e-7));
    assert_eq!(py("2.5e+3"), PyValue::Float(2500.0));
    assert!(py("-0.0").is_identical(&PyValue::Float(-0.0)));
    assert_eq!(py("1e400"), PyValue::Float(f64::INFINITY));
    assert_eq!(py("-1e400"), PyValue::Float(f64::NEG_INFINITY));
    assert_eq!(py("1e-400"), PyValue::Float(0.0));
    assert_eq!(py("9007199254740993.0"), PyValue::Float(9007199254740992.0));
    assert_eq!(canon("[1.0, 100.00, 1e16]"), "[1.0, 100.0, 1e+16]");
}

#[test]
fn big_integers_are_exact_up_to_4300_digits() {
    let digits = "9".repeat(4300);
    assert_eq!(encode(&py(&digits), Style::Compact), digits);
    let negative = format!("-{digits}");
    assert_eq!(encode(&py(&negative), Style::Compact), negative);
    assert_eq!(
        canon("123456789012345678901234567890"),
        "123456789012345678901234567890"
    );
    let (offset, reason) = py_err(format!("[{}]", "1".repeat(4301)).as_bytes());
    assert_eq!(offset, 1);
    assert!(reason.contains("4301 digits"), "{reason}");
    assert!(parse_strict("1".repeat(4301).as_bytes()).is_err());
}

#[test]
fn python_tokens_are_accepted() {
    assert!(py("NaN").is_identical(&PyValue::Float(f64::NAN)));
    assert_eq!(py("Infinity"), PyValue::Float(f64::INFINITY));
    assert_eq!(py("-Infinity"), PyValue::Float(f64::NEG_INFINITY));
    assert_eq!(
        canon("[NaN, Infinity, -Infinity]"),
        "[NaN, Infinity, -Infinity]"
    );
}

#[test]
fn one_bom_is_stripped() {
    assert_eq!(py("\u{feff}[1]"), PyValue::from(vec![1i64.into()]));
    let (offset, _) = py_err("\u{feff}\u{feff}[1]".as_bytes());
    assert_eq!(offset, 3);
    let (offset, _) = py_err("\u{feff}[1,]".as_bytes());
    assert_eq!(offset, 6, "offsets count the stripped BOM");
}

#[test]
fn duplicate_keys_last_value_first_position() {
    assert_eq!(canon(r#"{"a": 1, "a": 2}"#), r#"{"a": 2}"#);
    assert_eq!(
        encode(
            &py(r#"{"b": 1, "a": 2, "b": 3, "c": 4, "a": 5}"#),
            Style::Default
        ),
        r#"{"b": 3, "a": 5, "c": 4}"#
    );
}

#[test]
fn duplicate_keys_in_large_objects() {
    let mut text = String::from("{");
    for i in 0..100 {
        text.push_str(&format!("\"k{i}\": {i}, "));
    }
    text.push_str("\"k7\": \"last\", \"k99\": null, \"new\": true}");
    let value = py(&text);
    let object = value.as_object().expect("object");
    assert_eq!(object.len(), 101);
    assert_eq!(object.get("k7"), Some(&PyValue::from("last")));
    assert_eq!(object.get("k99"), Some(&PyValue::Null));
    let keys: Vec<String> = object.iter().map(|(k, _)| k.to_string()).collect();
    assert_eq!(keys.get(7).map(String::as_str), Some("k7"));
    assert_eq!(keys.get(99).map(String::as_str), Some("k99"));
    assert_eq!(keys.last().map(String::as_str), Some("new"));
    assert!(strict_err(text.as_bytes()).contains("\"k7\""));
}

#[test]
fn escapes_decode_to_code_points() {
    assert_eq!(
        py(r#""\"\\\/\b\f\n\r\t\u0041\u00e9\u00E9""#),
        PyValue::from("\"\\/\u{8}\u{c}\n\r\tAéé")
    );
    assert_eq!(py(r#""\ud83d\ude00""#), PyValue::from("😀"));
    assert_eq!(py("\"é😀\u{7f}\""), PyValue::from("é😀\u{7f}"));
}

#[test]
fn lone_surrogates_are_kept() {
    let expect = |text: &str, cps: &[u32]| {
        assert_eq!(
            py(text),
            PyValue::Str(PyStr::CodePoints(cps.to_vec())),
            "{text}"
        );
    };
    expect(r#""\ud800""#, &[0xd800]);
    expect(r#""a\udc00b""#, &[0x61, 0xdc00, 0x62]);
    expect(r#""\ud800\u0041""#, &[0xd800, 0x41]);
    expect(r#""\udc00\ud800""#, &[0xdc00, 0xd800]);
    expect(r#""\ud800\ud800\udc00""#, &[0xd800, 0x10000]);
    expect(r#""é\ud800\n""#, &[0xe9, 0xd800, 0x0a]);
    assert_eq!(canon(r#"{"\udfff": "\ud83d"}"#), r#"{"\udfff": "\ud83d"}"#);
}

#[test]
fn rejects_trailing_data() {
    assert_eq!(py_err(b"[1] x").0, 4);
    assert_eq!(py_err(b"1 2").0, 2);
    assert_eq!(py_err(b"{}}").0, 2);
    assert!(py_err(b"1.").1.contains("after the JSON value"));
    assert!(py_err(b"1e5e").1.contains("after the JSON value"));
}

#[test]
fn rejects_control_characters_in_strings() {
    assert_eq!(py_err(b"\"a\nb\"").0, 2);
    assert!(py_err(b"\"a\x1f\"").1.contains("control character"));
    assert!(py_err(b"\"\\n\x00\"").1.contains("control character"));
    assert_eq!(py("\"\u{7f}\""), PyValue::from("\u{7f}"));
}

#[test]
fn rejects_bad_escapes() {
    for bad in [
        &br#""\x""#[..],
        br#""\u12""#,
        br#""\u12g4""#,
        br#""\"#,
        br#""\U0041""#,
        br#""\'""#,
    ] {
        let (_, reason) = py_err(bad);
        assert!(
            reason.contains("escape") || reason.contains("unterminated"),
            "{bad:?}: {reason}"
        );
    }
    assert!(py_err(br#""\ud800\u12""#).1.contains("escape"));
}

#[test]
fn rejects_malformed_documents() {
    for bad in [
        "",
        " ",
        "[",
        "[1,]",
        "[,1]",
        "{\"a\" 1}",
        "{\"a\":}",
        "{,}",
        "{\"a\":1,}",
        "{1:2}",
        "01",
        "-",
        "-a",
        "+1",
        ".5",
        "1.e5",
        "tru",
        "nul",
        "nan",
        "inf",
        "-NaN",
        "'a'",
        "\"abc",
        "[1 2]",
        "\u{a0}1",
        "\u{c}1",
    ] {
        assert!(
            parse_py(bad.as_bytes()).is_err(),
            "{bad:?} should be rejected"
        );
    }
}

#[test]
fn rejects_invalid_utf8() {
    assert_eq!(py_err(b"[\"a\xff\"]").0, 3);
    assert_eq!(
        py_err(b"\"\xed\xa0\x80\"").0,
        1,
        "encoded surrogates are not UTF-8"
    );
    assert_eq!(py_err(b"\xef\xbb\xbf\"\xc3\"").0, 4);
}

#[test]
fn nesting_limit_is_512() {
    let ok = format!("{}{}", "[".repeat(512), "]".repeat(512));
    assert!(parse_py(ok.as_bytes()).is_ok());
    assert!(parse_strict(ok.as_bytes()).is_ok());
    let deep = format!("{}{}", "[".repeat(513), "]".repeat(513));
    let (offset, reason) = py_err(deep.as_bytes());
    assert_eq!(offset, 512);
    assert!(reason.contains("512"), "{reason}");
    let objects = format!("{}1{}", "{\"a\":".repeat(513), "}".repeat(513));
    assert!(parse_py(objects.as_bytes()).is_err());
    assert!(parse_strict(deep.as_bytes()).is_err());
}

#[test]
fn strict_accepts_plain_json() {
    let text = r#"{"version": 2, "data": [{"a": "\u00e9\ud83d\ude00", "b": -0.5e1, "c": null}]}"#;
    let value = parse_strict(text.as_bytes()).expect("strict json");
    assert_eq!(value, py(text));
}

#[test]
fn strict_rejects_python_extensions() {
    assert!(strict_err(b"NaN").contains("JSON value"));
    assert!(strict_err(b"[Infinity]").contains("JSON value"));
    assert!(strict_err(b"-Infinity").contains("digit"));
    assert!(strict_err(b"\xef\xbb\xbf{}").contains("byte order mark"));
    assert!(strict_err(br#"{"a": 1, "a": 1}"#).contains("duplicate object key \"a\""));
    assert!(strict_err(br#"{"x": {"b": 1, "c": 2, "b": 3}}"#).contains("\"b\""));
    assert!(strict_err(br#""\ud800""#).contains("lone surrogate"));
    assert!(strict_err(br#""\udc00\ud800""#).contains("lone surrogate"));
    assert!(strict_err(br#""\ud800x""#).contains("lone surrogate"));
    assert!(strict_err(b"\"\xff\"").contains("UTF-8"));
    assert!(strict_err(b"[1] 2").contains("after"));
}

#[test]
fn large_objects_parse_without_duplicates() {
    let mut text = String::from("{");
    for i in 0..10_000 {
        if i > 0 {
            text.push(',');
        }
        text.push_str(&format!("\"key-{i}\":[{i},\"v\"]"));
    }
    text.push('}');
    let value = parse_strict(text.as_bytes()).expect("no duplicates");
    assert_eq!(value.as_object().map(PyObject::len), Some(10_000));
    assert_eq!(encode(&value, Style::Compact), text);
}
