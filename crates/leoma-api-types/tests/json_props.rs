//! Properties of the SPEC §3.1 encoders and the two parsers over generated values.
#![allow(
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers outside #[test] fns"
)]

use leoma_api_types::json::{
    PyInt, PyObject, PyStr, PyValue, Style, encode, parse_py, parse_strict,
};
use proptest::collection::vec;
use proptest::prelude::*;

fn code_point() -> impl Strategy<Value = u32> {
    prop_oneof![
        4 => 0x20u32..0x7f,
        1 => 0u32..0x20,
        1 => 0x7fu32..0x800,
        1 => 0xd800u32..0xe000,
        1 => 0u32..0x11_0000,
    ]
}

fn py_str() -> impl Strategy<Value = PyStr> {
    prop_oneof![
        "[a-c]{0,3}".prop_map(PyStr::from),
        any::<String>().prop_map(PyStr::from),
        // A high surrogate then a low one would read back as one astral character.
        vec(code_point(), 0..8).prop_map(|mut cps| {
            for i in 1..cps.len() {
                if (0xd800..0xdc00).contains(&cps[i - 1]) && (0xdc00..0xe000).contains(&cps[i]) {
                    cps[i] = 0x78;
                }
            }
            PyStr::from_code_points(cps)
        }),
    ]
}

fn big_int() -> impl Strategy<Value = PyInt> {
    ("-?[1-9][0-9]{18,80}").prop_map(|digits| PyInt::from_big(digits.parse().expect("digits")))
}

fn leaf() -> impl Strategy<Value = PyValue> {
    prop_oneof![
        Just(PyValue::Null),
        any::<bool>().prop_map(PyValue::Bool),
        any::<i64>().prop_map(PyValue::from),
        big_int().prop_map(PyValue::Int),
        any::<u64>().prop_map(|bits| PyValue::Float(f64::from_bits(bits))),
        any::<f64>().prop_map(PyValue::Float),
        py_str().prop_map(PyValue::Str),
    ]
}

fn py_value() -> impl Strategy<Value = PyValue> {
    leaf().prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(PyValue::Array),
            vec((py_str(), inner), 0..6)
                .prop_map(|entries| PyValue::Object(entries.into_iter().collect())),
        ]
    })
}

/// Whether the strict reader should accept the value's encoding.
fn is_strict_json(value: &PyValue) -> bool {
    match value {
        PyValue::Float(f) => f.is_finite(),
        PyValue::Str(s) => s.as_str().is_some(),
        PyValue::Array(items) => items.iter().all(is_strict_json),
        PyValue::Object(object) => object
            .iter()
            .all(|(k, v)| k.as_str().is_some() && is_strict_json(v)),
        _ => true,
    }
}

/// The same value with every object's entries in reverse insertion order.
fn reverse_objects(value: &PyValue) -> PyValue {
    match value {
        PyValue::Array(items) => PyValue::Array(items.iter().map(reverse_objects).collect()),
        PyValue::Object(object) => {
            let mut entries: Vec<(PyStr, PyValue)> = object
                .iter()
                .map(|(k, v)| (k.clone(), reverse_objects(v)))
                .collect();
            entries.reverse();
            PyValue::Object(entries.into_iter().collect())
        }
        other => other.clone(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn every_style_round_trips_through_parse_py(value in py_value()) {
        for style in Style::ALL {
            let text = encode(&value, style);
            prop_assert!(text.is_ascii(), "{style:?} wrote non-ASCII: {text:?}");
            let back = parse_py(text.as_bytes()).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(encode(&back, style), text.clone());
            // Sorted styles reorder keys; the others must give back the very same value.
            if !matches!(style, Style::Canon | Style::CompactSorted) {
                prop_assert!(back.is_identical(&value), "{style:?}: {text}");
            }
        }
    }

    #[test]
    fn strict_reader_accepts_exactly_plain_json(value in py_value()) {
        let text = encode(&value, Style::Pretty);
        match parse_strict(text.as_bytes()) {
            Ok(back) => {
                prop_assert!(is_strict_json(&value), "accepted {text}");
                prop_assert!(back.is_identical(&value));
            }
            Err(_) => prop_assert!(!is_strict_json(&value), "rejected {text}"),
        }
    }

    #[test]
    fn sorted_styles_ignore_insertion_order(value in py_value()) {
        let reversed = reverse_objects(&value);
        prop_assert_eq!(encode(&value, Style::Canon), encode(&reversed, Style::Canon));
        prop_assert_eq!(
            encode(&value, Style::CompactSorted),
            encode(&reversed, Style::CompactSorted)
        );
    }

    #[test]
    fn collecting_pairs_matches_repeated_insert(
        pairs in vec(("[a-z]{1,2}", any::<i64>()), 0..80)
    ) {
        let mut inserted = PyObject::new();
        for (k, v) in &pairs {
            inserted.insert(k.as_str(), *v);
        }
        let collected: PyObject = pairs.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        prop_assert_eq!(collected, inserted);
    }

    #[test]
    fn parse_py_keeps_first_position_and_last_value(
        pairs in vec(("[a-d]{1,2}", any::<i64>()), 1..60)
    ) {
        let body: Vec<String> = pairs.iter().map(|(k, v)| format!("\"{k}\": {v}")).collect();
        let text = format!("{{{}}}", body.join(", "));
        let parsed = parse_py(text.as_bytes()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let mut expected = PyObject::new();
        for (k, v) in &pairs {
            expected.insert(k.as_str(), *v);
        }
        prop_assert_eq!(parsed, PyValue::Object(expected.clone()));
        let unique = expected.len() == pairs.len();
        prop_assert_eq!(parse_strict(text.as_bytes()).is_ok(), unique);
    }

    #[test]
    fn parsers_never_panic_on_arbitrary_bytes(bytes in vec(any::<u8>(), 0..64)) {
        let _ = parse_py(&bytes);
        let _ = parse_strict(&bytes);
    }

    #[test]
    fn parsers_never_panic_on_damaged_documents(
        value in py_value(),
        cut in any::<prop::sample::Index>(),
        byte in any::<u8>(),
    ) {
        let mut bytes = encode(&value, Style::Default).into_bytes();
        let at = cut.index(bytes.len() + 1);
        let mut truncated = bytes.clone();
        truncated.truncate(at);
        let _ = parse_py(&truncated);
        if let Some(slot) = bytes.get_mut(at) {
            *slot = byte;
        }
        let _ = parse_py(&bytes);
        let _ = parse_strict(&bytes);
    }
}
