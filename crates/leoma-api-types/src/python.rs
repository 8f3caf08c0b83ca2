//! Python conversion semantics the protocol depends on (SPEC §3.3, §4.3, §5.5, §6.3).
//!
//! The reference is CPython 3.12; where a consensus input goes through `int(str)`, `str(x)`,
//! `str.strip()`, `bytes.fromhex` or `bytes.decode("utf-8", errors="ignore")`, validators only
//! agree if Rust does exactly the same. This module owns those conversions and nothing else.

use num_bigint::BigInt;
use num_traits::FromPrimitive;

use crate::Error;
use crate::json::{self, PyInt, PyStr, PyValue};

/// CPython's default `sys.get_int_max_str_digits()`: `int(str)` rejects longer digit strings.
pub const PY_INT_MAX_STR_DIGITS: usize = 4300;

/// The first code point (digit zero) of every run of ten Unicode decimal digits (category `Nd`).
///
/// Generated with CPython 3.11 (`unicodedata.unidata_version == "14.0.0"`):
/// `[cp for cp in range(0x110000) if unicodedata.category(chr(cp)) == "Nd" and
/// unicodedata.decimal(chr(cp)) == 0]`, which also checked that every `Nd` character is its run's
/// zero plus its decimal value. The reference runs CPython 3.12 (Unicode 15.0.0), which adds two
/// runs, Kawi (U+11F50) and Nag Mundari (U+1E4F0); those two were added by hand and checked with
/// the `unicodedata2==15.0.0` package. 68 runs in all.
const ND_ZEROS: [u32; 68] = [
    0x30, 0x660, 0x6F0, 0x7C0, 0x966, 0x9E6, 0xA66, 0xAE6, 0xB66, 0xBE6, 0xC66, 0xCE6, 0xD66,
    0xDE6, 0xE50, 0xED0, 0xF20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90,
    0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10,
    0x104A0, 0x10D30, 0x11066, 0x110F0, 0x11136, 0x111D0, 0x112F0, 0x11450, 0x114D0, 0x11650,
    0x116C0, 0x11730, 0x118E0, 0x11950, 0x11C50, 0x11D50, 0x11DA0, 0x11F50, 0x16A60, 0x16AC0,
    0x16B50, 0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7EC, 0x1D7F6, 0x1E140, 0x1E2F0, 0x1E4F0, 0x1E950,
    0x1FBF0,
];

/// Every code point for which CPython's `str.isspace()` is true (bidirectional class WS, B or S,
/// or category Zs). Generated with `[cp for cp in range(0x110000) if chr(cp).isspace()]` under
/// CPython 3.11 (Unicode 14.0.0) and checked unchanged under Unicode 15.0.0 (`unicodedata2`).
const PY_SPACES: [u32; 29] = [
    0x9, 0xA, 0xB, 0xC, 0xD, 0x1C, 0x1D, 0x1E, 0x1F, 0x20, 0x85, 0xA0, 0x1680, 0x2000, 0x2001,
    0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200A, 0x2028, 0x2029, 0x202F,
    0x205F, 0x3000,
];

/// Python `c.isspace()`.
pub fn py_isspace(c: char) -> bool {
    PY_SPACES.binary_search(&u32::from(c)).is_ok()
}

/// Python `s.strip()` with no argument (strips what [`py_isspace`] accepts, which includes
/// U+001C..U+001F, unlike Rust's `str::trim`).
pub fn py_strip(s: &str) -> &str {
    s.trim_matches(py_isspace)
}

/// The decimal value of a Unicode decimal digit (category `Nd`, Unicode 15.0), as CPython's
/// `unicodedata.decimal` and `int()` see it.
pub fn py_decimal_value(c: char) -> Option<u32> {
    let cp = u32::from(c);
    let idx = ND_ZEROS.partition_point(|&zero| zero <= cp);
    let zero = *ND_ZEROS.get(idx.checked_sub(1)?)?;
    let value = cp - zero;
    (value < 10).then_some(value)
}

/// ASCII whitespace as C `isspace` in the "C" locale (CPython's `Py_ISSPACE`).
fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// CPython `int(s)` (base 10) for a `str`.
///
/// As CPython does, every non-ASCII whitespace character is first turned into a space and every
/// non-ASCII decimal digit into its ASCII digit; then surrounding ASCII whitespace, one optional
/// sign, and digits with single underscores between them are accepted. More than
/// [`PY_INT_MAX_STR_DIGITS`] digits is rejected, as CPython's default limit does.
///
/// ```
/// use leoma_api_types::python::py_int;
/// assert_eq!(py_int(" -1_000\u{3000}").map(|v| v.to_string()), Some("-1000".into()));
/// assert_eq!(py_int("\u{0661}\u{0662}").map(|v| v.to_string()), Some("12".into()));
/// assert_eq!(py_int("1__0"), None);
/// ```
pub fn py_int(s: &str) -> Option<BigInt> {
    let ascii = transform_decimal_and_space(s)?;
    let mut rest = ascii.as_slice();
    while let [b, tail @ ..] = rest
        && is_c_space(*b)
    {
        rest = tail;
    }
    while let [head @ .., b] = rest
        && is_c_space(*b)
    {
        rest = head;
    }
    let (negative, body) = match rest {
        [b'-', tail @ ..] => (true, tail),
        [b'+', tail @ ..] => (false, tail),
        _ => (false, rest),
    };
    let digits = digits_with_underscores(body)?;
    if digits.len() > PY_INT_MAX_STR_DIGITS {
        return None;
    }
    let magnitude = BigInt::parse_bytes(&digits, 10)?;
    Some(if negative { -magnitude } else { magnitude })
}

/// `_PyUnicode_TransformDecimalAndSpaceToASCII`: ASCII stays, other whitespace becomes a space,
/// other decimal digits become ASCII digits, anything else makes the conversion fail.
fn transform_decimal_and_space(s: &str) -> Option<Vec<u8>> {
    s.chars()
        .map(|c| {
            let cp = u32::from(c);
            if cp < 127 {
                u8::try_from(cp).ok()
            } else if py_isspace(c) {
                Some(b' ')
            } else {
                py_decimal_value(c)
                    .and_then(|d| u8::try_from(d).ok())
                    .map(|d| b'0' + d)
            }
        })
        .collect()
}

/// Digits with single underscores strictly between them; returns the digits alone.
fn digits_with_underscores(body: &[u8]) -> Option<Vec<u8>> {
    let mut digits = Vec::with_capacity(body.len());
    let mut prev_underscore = true; // a leading underscore is as bad as a doubled one
    for &b in body {
        match b {
            b'0'..=b'9' => {
                digits.push(b);
                prev_underscore = false;
            }
            b'_' if !prev_underscore => prev_underscore = true,
            _ => return None,
        }
    }
    (!digits.is_empty() && !prev_underscore).then_some(digits)
}

/// [`py_int`] narrowed to an `i64` (`None` when it does not parse or does not fit).
pub fn py_int_i64(s: &str) -> Option<i64> {
    py_int(s).and_then(|v| i64::try_from(&v).ok())
}

/// Python `int(x)` of a JSON value (SPEC §3.3 step 4): integers as they are, finite floats
/// truncated toward zero, strings through [`py_int`], `true` → 1, `false` → 0; anything else
/// (`None`, NaN, ±∞, lists, dicts) raises in Python and gives `None` here.
pub fn py_int_of_value(v: &PyValue) -> Option<BigInt> {
    match v {
        PyValue::Int(PyInt::Small(i)) => Some(BigInt::from(*i)),
        PyValue::Int(PyInt::Big(b)) => Some(b.clone()),
        PyValue::Float(f) if f.is_finite() => BigInt::from_f64(f.trunc()),
        PyValue::Str(s) => s.as_str().and_then(py_int),
        PyValue::Bool(b) => Some(BigInt::from(u8::from(*b))),
        _ => None,
    }
}

/// Python `str(f)` of a float: `repr`, except that non-finite values are `inf`, `-inf`, `nan`
/// (JSON writes `Infinity`, `-Infinity`, `NaN` instead).
pub fn py_float_str(f: f64) -> String {
    if f.is_nan() {
        "nan".to_owned()
    } else if f.is_infinite() {
        if f > 0.0 { "inf" } else { "-inf" }.to_owned()
    } else {
        json::float_repr(f)
    }
}

/// Python `str(x)` of a JSON scalar: strings as they are, integers in decimal, floats as
/// [`py_float_str`], `True`/`False`, `None`.
///
/// Lists and dicts give `None` (documented divergence, SPEC §3.3: the Rust reader rejects the
/// file rather than reproduce Python's `repr` of containers), and so does a string holding a lone
/// surrogate, which no Rust `String` can carry.
pub fn py_str_of_value(v: &PyValue) -> Option<String> {
    match v {
        PyValue::Null => Some("None".to_owned()),
        PyValue::Bool(true) => Some("True".to_owned()),
        PyValue::Bool(false) => Some("False".to_owned()),
        PyValue::Int(i) => Some(i.to_string()),
        PyValue::Float(f) => Some(py_float_str(*f)),
        PyValue::Str(PyStr::Utf8(s)) => Some(s.clone()),
        PyValue::Str(PyStr::CodePoints(_)) | PyValue::Array(_) | PyValue::Object(_) => None,
    }
}

/// Python `bytes.fromhex(s)`: pairs of hex digits in either case; ASCII whitespace may appear
/// between pairs (and around them), never inside a pair.
pub fn bytes_fromhex(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() / 2);
    let mut bytes = s.bytes();
    while let Some(b) = bytes.next() {
        if is_c_space(b) {
            continue;
        }
        let high = hex_value(b)?;
        let low = hex_value(bytes.next()?)?;
        out.push((high << 4) | low);
    }
    Some(out)
}

fn hex_value(b: u8) -> Option<u8> {
    char::from(b)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

/// Python `data.decode("utf-8", errors="ignore")`: the valid UTF-8 parts, invalid sequences
/// dropped.
pub fn decode_utf8_ignore(data: &[u8]) -> String {
    data.utf8_chunks().map(|chunk| chunk.valid()).collect()
}

/// Python `json.loads(text)` for a `str`: like [`json::parse_py`], except that a leading U+FEFF
/// is an error ("Unexpected UTF-8 BOM"), as it is for a `str` in CPython.
pub fn json_loads_str(text: &str) -> Result<PyValue, Error> {
    if text.starts_with('\u{feff}') {
        return Err(Error::Json {
            offset: 0,
            reason: "unexpected UTF-8 BOM".to_owned(),
        });
    }
    json::parse_py(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};
    use std::io::Write;
    use std::process::{Command, Stdio};

    fn int_str(s: &str) -> Option<String> {
        py_int(s).map(|v| v.to_string())
    }

    #[test]
    fn py_int_matches_cpython_examples() {
        // Expected values recorded from CPython 3.11 `int(s)`.
        let cases: &[(&str, Option<&str>)] = &[
            ("0", Some("0")),
            ("-0", Some("0")),
            ("00012", Some("12")),
            ("0_0", Some("0")),
            ("1_000", Some("1000")),
            ("+\u{661}\u{662}", Some("12")),
            ("1_\u{662}", Some("12")),
            ("\u{ff11}\u{ff12}", Some("12")),
            ("\x0b1\x0c", Some("1")),
            ("\u{3000}1\u{3000}", Some("1")),
            ("\u{a0}-1", Some("-1")),
            ("\u{85} 7", Some("7")),
            ("\u{2028} 5\u{2029}", Some("5")),
            ("\u{11F59}", Some("9")), // Kawi nine (Unicode 15.0)
            ("\u{1E4F3}", Some("3")), // Nag Mundari three (Unicode 15.0)
            ("\x1c1", None),          // isspace() in Python, but int() only strips C spaces
            ("1\x1c", None),
            ("-\u{a0}1", None),
            ("\x7f1", None),
            ("1\0", None),
            ("+_1", None),
            ("1__2", None),
            ("_1", None),
            ("1_", None),
            (" ", None),
            ("", None),
            ("+", None),
            ("--1", None),
            ("1 2", None),
            ("\u{2212}1", None), // MINUS SIGN is not a sign
            ("\u{b2}", None),    // SUPERSCRIPT TWO is a digit (No) but not decimal (Nd)
            ("0x10", None),
            ("1.0", None),
            ("1e3", None),
        ];
        for (input, expected) in cases {
            assert_eq!(int_str(input).as_deref(), *expected, "int({input:?})");
        }
    }

    #[test]
    fn py_int_digit_limit_counts_digits_not_underscores() {
        assert!(py_int(&"1".repeat(4300)).is_some());
        assert_eq!(py_int(&"1".repeat(4301)), None);
        assert_eq!(py_int(&"0".repeat(4301)), None);
        assert!(py_int(&format!("{}1", "1_".repeat(4299))).is_some());
        assert_eq!(py_int(&format!("{}1", "1_".repeat(4300))), None);
        assert!(py_int(&format!("  -{}  ", "9".repeat(4300))).is_some());
    }

    #[test]
    fn py_int_i64_bounds() {
        assert_eq!(py_int_i64("9223372036854775807"), Some(i64::MAX));
        assert_eq!(py_int_i64("-9223372036854775808"), Some(i64::MIN));
        assert_eq!(py_int_i64("9223372036854775808"), None);
        assert_eq!(py_int_i64(" \u{669}_9 "), Some(99));
    }

    #[test]
    fn decimal_table_runs_are_ten_long() {
        for &zero in &ND_ZEROS {
            for d in 0..10 {
                let c = char::from_u32(zero + d).unwrap();
                assert_eq!(py_decimal_value(c), Some(d), "U+{:04X}", zero + d);
                // Rust agrees these are numeric characters.
                assert!(c.is_numeric(), "U+{:04X}", zero + d);
            }
        }
        assert!(ND_ZEROS.windows(2).all(|w| w[0] + 10 <= w[1]));
        assert_eq!(py_decimal_value('/'), None);
        assert_eq!(py_decimal_value(':'), None);
        assert_eq!(py_decimal_value('\u{65f}'), None);
        assert_eq!(py_decimal_value('\u{66a}'), None);
        assert_eq!(py_decimal_value('\u{2460}'), None); // CIRCLED DIGIT ONE (No)
    }

    #[test]
    fn strip_uses_python_whitespace() {
        assert_eq!(py_strip("\x1c\u{3000} ab \u{85}\x1f"), "ab");
        assert_eq!(py_strip("\u{200b}a"), "\u{200b}a"); // ZERO WIDTH SPACE is not whitespace
        assert!(PY_SPACES.windows(2).all(|w| w[0] < w[1]));
        for c in ['\u{180e}', '\u{feff}', 'a', '\0'] {
            assert!(!py_isspace(c), "{c:?}");
        }
    }

    #[test]
    fn int_of_value_follows_python_int() {
        let big = BigInt::parse_bytes(b"123456789012345678901234567890", 10).unwrap();
        let cases: Vec<(PyValue, Option<BigInt>)> = vec![
            (PyValue::from(7i64), Some(7.into())),
            (PyValue::Int(PyInt::Big(big.clone())), Some(big)),
            (PyValue::Float(1.9), Some(1.into())),
            (PyValue::Float(-1.9), Some((-1).into())),
            (PyValue::Float(-0.5), Some(0.into())),
            (PyValue::Float(1e20), Some(BigInt::from(10u64.pow(19)) * 10)),
            (PyValue::Float(f64::NAN), None),
            (PyValue::Float(f64::INFINITY), None),
            (PyValue::Float(f64::NEG_INFINITY), None),
            (PyValue::from(" 1_0 "), Some(10.into())),
            (PyValue::from("1.5"), None),
            (PyValue::Str(PyStr::CodePoints(vec![0x31, 0xd800])), None),
            (PyValue::Bool(true), Some(1.into())),
            (PyValue::Bool(false), Some(0.into())),
            (PyValue::Null, None),
            (PyValue::Array(vec![]), None),
            (PyValue::Object(Default::default()), None),
        ];
        for (value, expected) in cases {
            assert_eq!(py_int_of_value(&value), expected, "int({value:?})");
        }
    }

    #[test]
    fn str_of_value_follows_python_str() {
        let cases: Vec<(PyValue, Option<&str>)> = vec![
            (PyValue::from("5Abc"), Some("5Abc")),
            (PyValue::from(-12i64), Some("-12")),
            (PyValue::Float(1e16), Some("1e+16")),
            (PyValue::Float(100.0), Some("100.0")),
            (PyValue::Float(-0.0), Some("-0.0")),
            (PyValue::Float(f64::INFINITY), Some("inf")),
            (PyValue::Float(f64::NEG_INFINITY), Some("-inf")),
            (PyValue::Float(f64::NAN), Some("nan")),
            (PyValue::Bool(true), Some("True")),
            (PyValue::Bool(false), Some("False")),
            (PyValue::Null, Some("None")),
            (PyValue::Array(vec![PyValue::Null]), None),
            (PyValue::Object(Default::default()), None),
            (PyValue::Str(PyStr::CodePoints(vec![0xdc00])), None),
        ];
        for (value, expected) in cases {
            assert_eq!(
                py_str_of_value(&value).as_deref(),
                expected,
                "str({value:?})"
            );
        }
    }

    #[test]
    fn fromhex_examples() {
        let cases: &[(&str, Option<&[u8]>)] = &[
            ("", Some(b"")),
            ("  ", Some(b"")),
            ("0a0B", Some(b"\n\x0b")),
            (" 0a ", Some(b"\n")),
            ("0a\t0b\n0c\x0b0d\x0c0e\r", Some(b"\n\x0b\x0c\x0d\x0e")),
            ("0a0", None),
            ("0 a", None),
            ("0a\x1c0b", None),
            ("0a\u{a0}0b", None),
            ("zz", None),
            ("\u{661}\u{662}", None),
        ];
        for (input, expected) in cases {
            assert_eq!(
                bytes_fromhex(input).as_deref(),
                *expected,
                "fromhex({input:?})"
            );
        }
    }

    #[test]
    fn utf8_ignore_drops_invalid_sequences() {
        assert_eq!(decode_utf8_ignore(b"a\xffb"), "ab");
        assert_eq!(decode_utf8_ignore(b"\xe0\x80A"), "A");
        assert_eq!(decode_utf8_ignore(b"\xed\xa0\x80x"), "x"); // encoded surrogate
        assert_eq!(decode_utf8_ignore(b"\xe2\x82"), "");
        assert_eq!(decode_utf8_ignore("h\u{e9}".as_bytes()), "h\u{e9}");
    }

    // ---- differential tests against CPython ----

    fn python() -> String {
        std::env::var("LEOMA_TEST_PYTHON").unwrap_or_else(|_| "python3".to_owned())
    }

    /// Runs `script` with `input` on stdin and returns its stdout. Panics (fails the test) when
    /// Python is missing: the differential tests must not pass vacuously.
    fn run_python(script: &str, input: &str) -> String {
        let mut child = Command::new(python())
            .arg("-c")
            .arg(script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 is required (set LEOMA_TEST_PYTHON to its path)");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "python failed");
        String::from_utf8(out.stdout).unwrap()
    }

    const PY_PRELUDE: &str = "import sys, json, unicodedata\n\
        xs = json.loads(sys.stdin.buffer.read().decode('utf-8'))\n\
        def conv(f, x):\n\
        \x20   try:\n\
        \x20       return f(x)\n\
        \x20   except ValueError:\n\
        \x20       return None\n";

    fn pick<'a>(rng: &mut StdRng, items: &[&'a str]) -> &'a str {
        items[rng.gen_range(0..items.len())]
    }

    const INT_PIECES: &[&str] = &[
        "0",
        "1",
        "7",
        "9",
        "_",
        "__",
        "+",
        "-",
        " ",
        "\t",
        "\x0b",
        "\x0c",
        "\r",
        "\n",
        "\x1c",
        "\x1f",
        "\u{85}",
        "\u{a0}",
        "\u{3000}",
        "\u{2028}",
        "\u{661}",
        "\u{6f5}",
        "\u{966}",
        "\u{ff19}",
        "\u{1d7ce}",
        "\u{1d7ff}",
        "\u{104a9}",
        "\u{2212}",
        "\u{b2}",
        "\u{bd}",
        "a",
        "x",
        "0x",
        "\u{7f}",
        "\0",
        ".",
        "e",
        "\u{180e}",
        "\u{200b}",
        "\u{feff}",
    ];
    const DIGITS: &[&str] = &[
        "0",
        "1",
        "2",
        "5",
        "9",
        "\u{660}",
        "\u{669}",
        "\u{9e7}",
        "\u{ff10}",
        "\u{1d7d9}",
        "\u{1e950}",
        "\u{1fbf9}",
    ];

    fn gen_int_input(rng: &mut StdRng) -> String {
        if rng.gen_bool(0.4) {
            return (0..rng.gen_range(0..8))
                .map(|_| pick(rng, INT_PIECES))
                .collect();
        }
        let mut s = String::new();
        for _ in 0..rng.gen_range(0..3) {
            s.push_str(pick(rng, &[" ", "\t", "\u{3000}", "\x0b"]));
        }
        s.push_str(pick(rng, &["", "", "+", "-"]));
        for group in 0..rng.gen_range(1..4) {
            if group > 0 {
                s.push('_');
            }
            for _ in 0..rng.gen_range(1..6) {
                s.push_str(pick(rng, DIGITS));
            }
        }
        for _ in 0..rng.gen_range(0..3) {
            s.push_str(pick(rng, &[" ", "\r\n", "\u{a0}", "\x0c"]));
        }
        if rng.gen_bool(0.2) {
            let cut = s
                .char_indices()
                .map(|(i, _)| i)
                .nth(rng.gen_range(0..=s.chars().count()));
            s.insert_str(cut.unwrap_or(s.len()), pick(rng, INT_PIECES));
        }
        s
    }

    #[test]
    fn py_int_matches_python_on_generated_strings() {
        let mut rng = StdRng::seed_from_u64(0x1e0a);
        let mut inputs: Vec<String> = (0..600).map(|_| gen_int_input(&mut rng)).collect();
        inputs.extend([
            "1".repeat(4300),
            "1".repeat(4301),
            "0".repeat(4301),
            format!("{}1", "1_".repeat(4299)),
            "\u{661}".repeat(4301),
            format!("-{}", "\u{967}".repeat(4300)),
        ]);
        let script =
            format!("{PY_PRELUDE}print(json.dumps([conv(lambda s: str(int(s)), s) for s in xs]))");
        let out = run_python(&script, &serde_json::to_string(&inputs).unwrap());
        let expected: Vec<Option<String>> = serde_json::from_str(&out).unwrap();
        assert_eq!(expected.len(), inputs.len());
        let mut accepted = 0;
        for (input, want) in inputs.iter().zip(&expected) {
            assert_eq!(&int_str(input), want, "int({input:?})");
            accepted += usize::from(want.is_some());
        }
        // The generator must exercise both outcomes.
        assert!(
            accepted > 150 && accepted < inputs.len() - 150,
            "{accepted}"
        );
    }

    const HEX_PIECES: &[&str] = &[
        "0", "a", "F", "f", "9", "g", " ", "\t", "\n", "\x0b", "\x0c", "\r", "\x1c", "\u{a0}",
        "ab", "CD", "01", "\u{661}", "  ",
    ];

    #[test]
    fn bytes_fromhex_matches_python_on_generated_strings() {
        let mut rng = StdRng::seed_from_u64(0xfeed);
        let mut inputs: Vec<String> = Vec::new();
        for _ in 0..300 {
            inputs.push(
                (0..rng.gen_range(0..10))
                    .map(|_| pick(&mut rng, HEX_PIECES))
                    .collect(),
            );
            let mut s = String::new();
            for _ in 0..rng.gen_range(0..6) {
                s.push_str(&format!("{:02x}", rng.r#gen::<u8>()));
                s.push_str(pick(&mut rng, &["", "", " ", "\t\n", "\x0b"]));
            }
            if rng.gen_bool(0.5) {
                s = s.to_uppercase();
            }
            inputs.push(s);
        }
        let script = format!(
            "{PY_PRELUDE}print(json.dumps([conv(lambda s: bytes.fromhex(s).hex(), s) for s in xs]))"
        );
        let out = run_python(&script, &serde_json::to_string(&inputs).unwrap());
        let expected: Vec<Option<String>> = serde_json::from_str(&out).unwrap();
        assert_eq!(expected.len(), inputs.len());
        let mut accepted = 0;
        for (input, want) in inputs.iter().zip(&expected) {
            assert_eq!(
                &bytes_fromhex(input).map(hex::encode),
                want,
                "fromhex({input:?})"
            );
            accepted += usize::from(want.is_some());
        }
        assert!(
            accepted > 100 && accepted < inputs.len() - 100,
            "{accepted}"
        );
    }

    #[test]
    fn utf8_ignore_matches_python_on_generated_bytes() {
        const BYTES: &[u8] = &[
            0x00, 0x41, 0x7f, 0x80, 0x9f, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xe2, 0xed, 0xef, 0xf0,
            0xf4, 0xf5, 0xff, 0xa0, 0x82, 0x90,
        ];
        let mut rng = StdRng::seed_from_u64(7);
        let inputs: Vec<Vec<u8>> = (0..400)
            .map(|_| {
                let mut v = Vec::new();
                for _ in 0..rng.gen_range(0..10) {
                    if rng.gen_bool(0.2) {
                        let c = pick(&mut rng, &["é", "€", "😀", "\u{10ffff}", "\u{d7ff}"]);
                        v.extend_from_slice(c.as_bytes());
                    } else {
                        v.push(BYTES[rng.gen_range(0..BYTES.len())]);
                    }
                }
                v
            })
            .collect();
        let hexes: Vec<String> = inputs.iter().map(hex::encode).collect();
        let script = format!(
            "{PY_PRELUDE}print(json.dumps([bytes.fromhex(h).decode('utf-8', 'ignore') for h in xs]))"
        );
        let out = run_python(&script, &serde_json::to_string(&hexes).unwrap());
        let expected: Vec<String> = serde_json::from_str(&out).unwrap();
        for (input, want) in inputs.iter().zip(&expected) {
            assert_eq!(&decode_utf8_ignore(input), want, "{input:02x?}");
        }
    }
}
