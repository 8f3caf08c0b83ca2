use super::*;

fn s(text: &str) -> PyValue {
    PyValue::Str(PyStr::from(text))
}

fn enc(value: &PyValue) -> String {
    encode(value, Style::Default)
}

#[test]
fn escapes_quote_backslash_and_named_controls() {
    assert_eq!(enc(&s("\"")), r#""\"""#);
    assert_eq!(enc(&s("\\")), r#""\\""#);
    assert_eq!(enc(&s("\u{8}")), r#""\b""#);
    assert_eq!(enc(&s("\t")), r#""\t""#);
    assert_eq!(enc(&s("\n")), r#""\n""#);
    assert_eq!(enc(&s("\u{c}")), r#""\f""#);
    assert_eq!(enc(&s("\r")), r#""\r""#);
}

#[test]
fn other_controls_use_lowercase_u00xx() {
    assert_eq!(enc(&s("\u{0}")), r#""\u0000""#);
    assert_eq!(enc(&s("\u{1}")), r#""\u0001""#);
    assert_eq!(enc(&s("\u{b}")), r#""\u000b""#);
    assert_eq!(enc(&s("\u{1f}")), r#""\u001f""#);
}

#[test]
fn del_and_non_ascii_use_lowercase_hex() {
    assert_eq!(enc(&s("\u{7f}")), r#""\u007f""#);
    assert_eq!(enc(&s("é")), r#""\u00e9""#);
    assert_eq!(enc(&s("\u{abcd}")), r#""\uabcd""#);
    assert_eq!(enc(&s("\u{ffff}")), r#""\uffff""#);
    assert_eq!(enc(&s("a\u{2028}b")), r#""a\u2028b""#);
}

#[test]
fn astral_code_points_become_lowercase_surrogate_pairs() {
    assert_eq!(enc(&s("😀")), r#""\ud83d\ude00""#);
    assert_eq!(enc(&s("\u{10000}")), r#""\ud800\udc00""#);
    assert_eq!(enc(&s("\u{10ffff}")), r#""\udbff\udfff""#);
}

#[test]
fn lone_surrogates_are_written_as_themselves() {
    let value = PyValue::Str(PyStr::CodePoints(vec![0x61, 0xd800, 0xdfff, 0x1f600, 0x22]));
    assert_eq!(enc(&value), r#""a\ud800\udfff\ud83d\ude00\"""#);
}

#[test]
fn printable_ascii_and_slash_are_literal() {
    let printable: String = (0x20u8..0x7f).map(char::from).collect();
    let expected = format!(
        "\"{}\"",
        printable.replace('\\', "\\\\").replace('"', "\\\"")
    );
    assert_eq!(enc(&s(&printable)), expected);
    assert_eq!(enc(&s("a/b")), r#""a/b""#);
    assert_eq!(enc(&s("")), r#""""#);
}

#[test]
fn scalars() {
    assert_eq!(enc(&PyValue::Null), "null");
    assert_eq!(enc(&PyValue::Bool(true)), "true");
    assert_eq!(enc(&PyValue::Bool(false)), "false");
    assert_eq!(enc(&PyValue::from(0i64)), "0");
    assert_eq!(enc(&PyValue::from(-17i64)), "-17");
    assert_eq!(enc(&PyValue::from(i64::MIN)), "-9223372036854775808");
    assert_eq!(enc(&PyValue::from(i64::MAX)), "9223372036854775807");
    assert_eq!(enc(&PyValue::from(u64::MAX)), "18446744073709551615");
    assert_eq!(enc(&PyValue::Float(f64::NAN)), "NaN");
    assert_eq!(enc(&PyValue::Float(-0.0)), "-0.0");
}

#[test]
fn big_integers_are_written_in_full() {
    let big: num_bigint::BigInt = "-123456789012345678901234567890123456789".parse().unwrap();
    let value = PyValue::Int(PyInt::from_big(big));
    assert_eq!(enc(&value), "-123456789012345678901234567890123456789");
    let huge = num_bigint::BigInt::from(10u8).pow(300);
    assert_eq!(
        enc(&PyValue::Int(PyInt::from_big(huge))),
        format!("1{}", "0".repeat(300))
    );
}

/// `{"b": [1, {}, [], {"z": null, "a": 1.5}], "a": "é", "c": {}}` in that insertion order.
fn nested_sample() -> PyValue {
    let mut inner = PyObject::new();
    inner.insert("z", PyValue::Null);
    inner.insert("a", 1.5);
    let mut root = PyObject::new();
    root.insert(
        "b",
        vec![
            PyValue::from(1i64),
            PyValue::Object(PyObject::new()),
            PyValue::Array(vec![]),
            PyValue::Object(inner),
        ],
    );
    root.insert("a", "é");
    root.insert("c", PyObject::new());
    PyValue::Object(root)
}

#[test]
fn canon_sorts_keys_with_spaced_separators() {
    assert_eq!(
        encode(&nested_sample(), Style::Canon),
        r#"{"a": "\u00e9", "b": [1, {}, [], {"a": 1.5, "z": null}], "c": {}}"#
    );
}

#[test]
fn compact_sorted_sorts_keys_without_spaces() {
    assert_eq!(
        encode(&nested_sample(), Style::CompactSorted),
        r#"{"a":"\u00e9","b":[1,{},[],{"a":1.5,"z":null}],"c":{}}"#
    );
}

#[test]
fn default_keeps_insertion_order() {
    assert_eq!(
        encode(&nested_sample(), Style::Default),
        r#"{"b": [1, {}, [], {"z": null, "a": 1.5}], "a": "\u00e9", "c": {}}"#
    );
}

#[test]
fn compact_keeps_insertion_order_without_spaces() {
    assert_eq!(
        encode(&nested_sample(), Style::Compact),
        r#"{"b":[1,{},[],{"z":null,"a":1.5}],"a":"\u00e9","c":{}}"#
    );
}

#[test]
fn pretty_indents_two_spaces_per_level() {
    let expected = r#"{
  "b": [
    1,
    {},
    [],
    {
      "z": null,
      "a": 1.5
    }
  ],
  "a": "\u00e9",
  "c": {}
}"#;
    assert_eq!(encode(&nested_sample(), Style::Pretty), expected);
    assert_eq!(encode(&PyValue::Array(vec![]), Style::Pretty), "[]");
    assert_eq!(encode(&PyValue::from(3i64), Style::Pretty), "3");
}

#[test]
fn sorted_styles_order_keys_by_code_point() {
    let mut object = PyObject::new();
    object.insert("é", 1i64);
    object.insert("😀", 2i64);
    object.insert(PyStr::CodePoints(vec![0xdc00]), 3i64);
    object.insert("\u{ffff}", 4i64);
    object.insert("ab", 5i64);
    object.insert("a", 6i64);
    object.insert("B", 7i64);
    assert_eq!(
        encode(&PyValue::Object(object), Style::CompactSorted),
        r#"{"B":7,"a":6,"ab":5,"\u00e9":1,"\udc00":3,"\uffff":4,"\ud83d\ude00":2}"#
    );
}

#[test]
fn encode_into_appends() {
    let mut out = String::from("x=");
    encode_into(
        &PyValue::from(vec![PyValue::Null]),
        Style::Compact,
        &mut out,
    );
    assert_eq!(out, "x=[null]");
}
