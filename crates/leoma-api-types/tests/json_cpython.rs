//! Differential test of the SPEC §3.1 encoders and `PyParse` against CPython's `json` module.
//!
//! One Python process (`$LEOMA_TEST_PYTHON`, default `python3`) runs `tests/py/json_diff.py`:
//! it re-dumps every value the Rust side generated (forward direction), then generates its own
//! values and dumps them (reverse direction). Both directions must agree byte for byte. A missing
//! Python fails the test.
#![allow(
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers outside #[test] fns"
)]

use std::io::{Read, Write};
use std::process::{Command, Stdio};

use leoma_api_types::json::{PyInt, PyObject, PyStr, PyValue, Style, encode, parse_py};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const FORWARD_VALUES: usize = 1500;
const REVERSE_VALUES: usize = 1500;
/// Chunks Python writes per reverse value: five styles, a whitespace-heavy dump, a UTF-8 dump.
const REVERSE_CHUNKS: usize = 7;

const NICE_FLOATS: &[f64] = &[
    0.0,
    -0.0,
    1.0,
    0.1,
    100.0,
    1e16,
    1e15,
    1e-4,
    1e-5,
    1.5e-7,
    5e-324,
    f64::MAX,
    f64::MIN_POSITIVE,
    1.2345678901234568e17,
    f64::NAN,
    f64::INFINITY,
    f64::NEG_INFINITY,
];

fn gen_code_points(rng: &mut StdRng) -> Vec<u32> {
    const RANGES: &[(u32, u32)] = &[
        (0x20, 0x7e),
        (0x20, 0x7e),
        (0x00, 0x1f),
        (0x7f, 0xff),
        (0x100, 0xd7ff),
        (0xd800, 0xdfff),
        (0xe000, 0xffff),
        (0x1_0000, 0x10_ffff),
    ];
    let mut cps: Vec<u32> = Vec::new();
    for _ in 0..rng.gen_range(0..9) {
        let (lo, hi) = RANGES[rng.gen_range(0..RANGES.len())];
        let mut cp = rng.gen_range(lo..=hi);
        // A high surrogate then a low one would come back from Python as one astral character.
        if cps.last().is_some_and(|p| (0xd800..0xdc00).contains(p))
            && (0xdc00..0xe000).contains(&cp)
        {
            cp = u32::from('x');
        }
        cps.push(cp);
    }
    cps
}

fn gen_str(rng: &mut StdRng) -> PyStr {
    PyStr::from_code_points(gen_code_points(rng))
}

fn gen_float(rng: &mut StdRng) -> f64 {
    match rng.gen_range(0..5) {
        0 => f64::from_bits(rng.r#gen()),
        1 => NICE_FLOATS[rng.gen_range(0..NICE_FLOATS.len())],
        // Extreme exponents: near subnormal and near overflow.
        2 => {
            let exponent: u64 = if rng.gen_bool(0.5) {
                rng.gen_range(0..40)
            } else {
                rng.gen_range(2000..2047)
            };
            let sign: u64 = rng.gen_range(0..2);
            f64::from_bits(sign << 63 | exponent << 52 | rng.gen_range(0..1u64 << 52))
        }
        3 => rng.gen_range(-1e6..1e6),
        _ => rng.r#gen::<f64>() * 10f64.powi(rng.gen_range(-30..30)),
    }
}

fn gen_int(rng: &mut StdRng) -> PyInt {
    match rng.gen_range(0..3) {
        0 => PyInt::Small(rng.gen_range(-1000..1000)),
        1 => PyInt::Small(rng.r#gen()),
        _ => {
            let digits: String = (0..rng.gen_range(19..70))
                .map(|i| {
                    let low = if i == 0 { 1 } else { 0 };
                    char::from(b'0' + rng.gen_range(low..10u8))
                })
                .collect();
            let sign = if rng.gen_bool(0.5) { "-" } else { "" };
            PyInt::from_big(format!("{sign}{digits}").parse().expect("digits"))
        }
    }
}

fn gen_value(rng: &mut StdRng, depth: usize) -> PyValue {
    match rng.gen_range(0..if depth < 4 { 10 } else { 7 }) {
        0 => PyValue::Null,
        1 => PyValue::Bool(rng.r#gen()),
        2 => PyValue::Int(gen_int(rng)),
        3 | 4 => PyValue::Float(gen_float(rng)),
        5 | 6 => PyValue::Str(gen_str(rng)),
        7 | 8 => {
            let len = rng.gen_range(0..6);
            let object: PyObject = (0..len)
                .map(|_| (gen_str(rng), gen_value(rng, depth + 1)))
                .collect();
            PyValue::Object(object)
        }
        _ => PyValue::Array(
            (0..rng.gen_range(0..6))
                .map(|_| gen_value(rng, depth + 1))
                .collect(),
        ),
    }
}

/// Runs the Python side once: forward lines in, all NUL-terminated chunks out.
fn run_python(forward_input: String) -> Vec<Vec<u8>> {
    let python = std::env::var("LEOMA_TEST_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/py/json_diff.py");
    let mut child = Command::new(&python)
        .args([script, &REVERSE_VALUES.to_string(), "20240611"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {python:?} (set LEOMA_TEST_PYTHON): {e}"));
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || {
        stdin
            .write_all(forward_input.as_bytes())
            .expect("write to python");
    });
    let mut output = Vec::new();
    child
        .stdout
        .take()
        .expect("stdout")
        .read_to_end(&mut output)
        .expect("read python output");
    writer.join().expect("writer thread");
    let status = child.wait().expect("python exit");
    assert!(status.success(), "python failed: {status}");
    let mut chunks: Vec<Vec<u8>> = output.split(|&b| b == 0).map(<[u8]>::to_vec).collect();
    assert_eq!(
        chunks.pop().as_deref(),
        Some(&b""[..]),
        "output ends with NUL"
    );
    chunks
}

fn text(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).expect("python output is UTF-8")
}

#[test]
fn encoders_and_parser_match_cpython_byte_for_byte() {
    let mut rng = StdRng::seed_from_u64(0x1e0a_2024);
    let values: Vec<PyValue> = (0..FORWARD_VALUES)
        .map(|_| gen_value(&mut rng, 0))
        .collect();
    let mut forward_input = String::new();
    for value in &values {
        // Compact output is one line: every control character, newline included, is escaped.
        forward_input.push_str(&encode(value, Style::Compact));
        forward_input.push('\n');
    }
    let chunks = run_python(forward_input);
    let forward_chunks = FORWARD_VALUES * Style::ALL.len();
    assert_eq!(
        chunks.len(),
        forward_chunks + REVERSE_VALUES * REVERSE_CHUNKS
    );
    let (forward, reverse) = chunks.split_at(forward_chunks);

    // Forward: our encoding of our values equals json.dumps(json.loads(ours)).
    for (value, expected) in values.iter().zip(forward.chunks(Style::ALL.len())) {
        for (style, python) in Style::ALL.iter().zip(expected) {
            assert_eq!(
                encode(value, *style),
                text(python),
                "{style:?} of {value:?}"
            );
        }
    }

    // Reverse: parsing any of Python's dumps and re-encoding reproduces each style exactly.
    let mut utf8_checked = 0;
    for group in reverse.chunks(REVERSE_CHUNKS) {
        let (styles, extra) = group.split_at(Style::ALL.len());
        let parsed = parse_py(&styles[2]).expect("PyDefault dump parses");
        let mut sources: Vec<Vec<u8>> = styles.to_vec();
        sources.push(extra[0].clone());
        let mut with_bom = b"\xEF\xBB\xBF".to_vec();
        with_bom.extend_from_slice(&styles[4]);
        sources.push(with_bom);
        if !extra[1].is_empty() {
            sources.push(extra[1].clone());
            utf8_checked += 1;
        }
        for (index, source) in sources.iter().enumerate() {
            let shown = String::from_utf8_lossy(source);
            let reparsed =
                parse_py(source).unwrap_or_else(|e| panic!("source {index} {shown:?}: {e}"));
            // Sources 0 and 1 are key-sorted, so only the sorted styles can be reproduced.
            assert_eq!(
                encode(&reparsed, Style::Canon),
                text(&styles[0]),
                "source {index}"
            );
            assert_eq!(
                encode(&reparsed, Style::CompactSorted),
                text(&styles[1]),
                "source {index}"
            );
            assert!(
                index < 2 || reparsed.is_identical(&parsed),
                "source {index} {shown:?}: {reparsed:?} != {parsed:?}"
            );
        }
        for (style, python) in Style::ALL.iter().zip(styles) {
            assert_eq!(
                encode(&parsed, *style),
                text(python),
                "{style:?} of {parsed:?}"
            );
        }
    }
    assert!(
        utf8_checked > REVERSE_VALUES / 2,
        "only {utf8_checked} UTF-8 dumps checked"
    );
}
