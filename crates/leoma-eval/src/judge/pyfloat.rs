//! Python's `float(str)` and `round(x)` as the judge normalisation needs them (SPEC §8.4).

use leoma_api_types::python::{py_decimal_value, py_strip};

/// Python `float(s)` for a `str`: surrounding whitespace stripped, Unicode decimal digits read
/// as their ASCII value, single underscores allowed between digits, `inf`/`infinity`/`nan` in any
/// case with an optional sign. `None` where Python raises `ValueError`.
pub fn py_float(s: &str) -> Option<f64> {
    let s = py_strip(s);
    let mut ascii = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii() {
            ascii.push(c);
        } else {
            let d = py_decimal_value(c)?;
            ascii.push(char::from_digit(d, 10)?);
        }
    }
    let body = ascii.strip_prefix(['+', '-']).unwrap_or(&ascii);
    let lower = body.to_ascii_lowercase();
    if matches!(lower.as_str(), "inf" | "infinity" | "nan") {
        let negative = ascii.starts_with('-');
        let v = if lower == "nan" {
            f64::NAN
        } else {
            f64::INFINITY
        };
        return Some(if negative { -v } else { v });
    }
    let cleaned = strip_underscores(&ascii)?;
    if !is_decimal_literal(&cleaned) {
        return None;
    }
    cleaned.parse::<f64>().ok()
}

/// Removes underscores that sit between two digits; any other underscore is an error.
fn strip_underscores(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'_' {
            let before = i.checked_sub(1).and_then(|j| bytes.get(j));
            let after = bytes.get(i + 1);
            let digit = |x: Option<&u8>| x.is_some_and(u8::is_ascii_digit);
            if !(digit(before) && digit(after)) {
                return None;
            }
        } else {
            out.push(char::from(b));
        }
    }
    Some(out)
}

/// `[sign] (digits [. [digits]] | . digits) [(e|E) [sign] digits]`.
fn is_decimal_literal(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let (int_part, frac_part) = match mantissa.split_once('.') {
        Some((a, b)) => (a, Some(b)),
        None => (mantissa, None),
    };
    let all_digits = |x: &str| x.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = all_digits(int_part)
        && frac_part.is_none_or(all_digits)
        && (!int_part.is_empty() || frac_part.is_some_and(|f| !f.is_empty()));
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && all_digits(e)
    });
    mantissa_ok && exponent_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_what_python_accepts() {
        let cases: &[(&str, f64)] = &[
            ("72.5", 72.5),
            (" 80 ", 80.0),
            ("\t-3\n", -3.0),
            ("1_000.5", 1000.5),
            ("1.", 1.0),
            (".5", 0.5),
            ("1e2", 100.0),
            ("1E+2", 100.0),
            ("+7", 7.0),
            ("\u{661}\u{662}", 12.0),
            ("\u{3000}9\u{3000}", 9.0),
        ];
        for (s, v) in cases {
            assert_eq!(py_float(s), Some(*v), "{s:?}");
        }
        assert!(py_float("nan").is_some_and(f64::is_nan));
        assert!(py_float("-NaN").is_some_and(f64::is_nan));
        assert_eq!(py_float("Infinity"), Some(f64::INFINITY));
        assert_eq!(py_float("-inf"), Some(f64::NEG_INFINITY));
    }

    #[test]
    fn rejects_what_python_rejects() {
        for s in [
            "", " ", "abc", "1_", "_1", "1__0", "1._5", ".", "e5", "1e", "--1", "0x10", "1,5",
            "infinit", "80%", "½",
        ] {
            assert_eq!(py_float(s), None, "{s:?}");
        }
    }
}
