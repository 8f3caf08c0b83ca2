//! Python `repr(float)`, the way `json.dumps` writes every float.
//!
//! The shortest round-tripping digits come from `zmij` (already in the build through
//! `serde_json`); this module only re-lays them out with Python's rules: positional notation when
//! the decimal exponent is in `-4..=15`, else `d[.ddd]e±XX`.

/// Most significant digits a shortest binary64 representation needs.
const MAX_DIGITS: usize = 17;

/// Python's `repr(f)` as `json.dumps` writes it (`NaN`, `Infinity`, `-Infinity` for non-finite).
///
/// ```
/// use leoma_api_types::json::float_repr;
/// assert_eq!(float_repr(1e16), "1e+16");
/// assert_eq!(float_repr(0.0001), "0.0001");
/// assert_eq!(float_repr(-0.0), "-0.0");
/// ```
pub fn float_repr(f: f64) -> String {
    let mut out = String::with_capacity(24);
    write_float(f, &mut out);
    out
}

/// Appends `float_repr(f)` to `out`.
pub(crate) fn write_float(f: f64, out: &mut String) {
    if f.is_nan() {
        out.push_str("NaN");
    } else if f.is_infinite() {
        out.push_str(if f > 0.0 { "Infinity" } else { "-Infinity" });
    } else if f == 0.0 {
        out.push_str(if f.is_sign_negative() { "-0.0" } else { "0.0" });
    } else {
        let mut buffer = zmij::Buffer::new();
        match Decimal::parse(buffer.format_finite(f)) {
            Some(decimal) => decimal.write_python(out),
            // zmij always writes a plain decimal; std's shortest `{:e}` is the same digits.
            None => match Decimal::parse(&format!("{f:e}")) {
                Some(decimal) => decimal.write_python(out),
                None => out.push_str(&format!("{f:?}")),
            },
        }
    }
}

/// A finite non-zero float as `0.DIGITS × 10^decpt`, digits without leading or trailing zeros.
struct Decimal {
    negative: bool,
    digits: [u8; MAX_DIGITS],
    len: usize,
    decpt: i32,
}

impl Decimal {
    /// Reads `[-]int[.frac][e[±]exp]`; `None` if the text has any other shape.
    fn parse(text: &str) -> Option<Self> {
        let mut bytes = text.as_bytes();
        let negative = bytes.first() == Some(&b'-');
        if negative {
            bytes = bytes.get(1..)?;
        }
        let (mantissa, exponent) = match bytes.iter().position(|&b| b == b'e' || b == b'E') {
            Some(at) => {
                let exp_text = std::str::from_utf8(bytes.get(at + 1..)?).ok()?;
                (bytes.get(..at)?, exp_text.parse::<i32>().ok()?)
            }
            None => (bytes, 0),
        };
        let mut decimal = Decimal {
            negative,
            digits: [0; MAX_DIGITS],
            len: 0,
            decpt: 0,
        };
        // Position of the point relative to the first kept digit, counted as we go.
        let mut seen_point = false;
        let mut pending_zeros: i32 = 0;
        for &b in mantissa {
            match b {
                b'.' if !seen_point => seen_point = true,
                b'0' if decimal.len == 0 => {
                    if seen_point {
                        decimal.decpt -= 1;
                    }
                }
                b'0'..=b'9' => {
                    if b == b'0' {
                        pending_zeros += 1;
                    } else {
                        for _ in 0..pending_zeros {
                            decimal.push(0)?;
                        }
                        pending_zeros = 0;
                        decimal.push(b - b'0')?;
                    }
                    if !seen_point {
                        decimal.decpt += 1;
                    }
                }
                _ => return None,
            }
        }
        if decimal.len == 0 {
            return None;
        }
        decimal.decpt = decimal.decpt.checked_add(exponent)?;
        Some(decimal)
    }

    fn push(&mut self, digit: u8) -> Option<()> {
        *self.digits.get_mut(self.len)? = digit;
        self.len += 1;
        Some(())
    }

    fn digit_chars(&self) -> impl Iterator<Item = char> + '_ {
        self.digits
            .iter()
            .take(self.len)
            .map(|&d| char::from(b'0' + d))
    }

    /// CPython `format_float_short` with `repr` settings.
    fn write_python(&self, out: &mut String) {
        if self.negative {
            out.push('-');
        }
        // `self.decpt - 1` is Python's decimal exponent `x`; positional iff -4 <= x <= 15.
        let len = i32::try_from(self.len).unwrap_or(i32::MAX);
        if (-3..=16).contains(&self.decpt) {
            if self.decpt <= 0 {
                out.push_str("0.");
                out.extend(std::iter::repeat_n('0', self.decpt.unsigned_abs() as usize));
                out.extend(self.digit_chars());
            } else if self.decpt < len {
                let split = self.decpt.unsigned_abs() as usize;
                out.extend(self.digit_chars().take(split));
                out.push('.');
                out.extend(self.digit_chars().skip(split));
            } else {
                out.extend(self.digit_chars());
                out.extend(std::iter::repeat_n(
                    '0',
                    (self.decpt - len).unsigned_abs() as usize,
                ));
                out.push_str(".0");
            }
        } else {
            let mut digits = self.digit_chars();
            out.extend(digits.next());
            if self.len > 1 {
                out.push('.');
                out.extend(digits);
            }
            let exponent = self.decpt - 1;
            out.push('e');
            out.push(if exponent < 0 { '-' } else { '+' });
            let magnitude = exponent.unsigned_abs();
            if magnitude < 10 {
                out.push('0');
            }
            out.push_str(&magnitude.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_repr_examples() {
        let cases: &[(f64, &str)] = &[
            (100.0, "100.0"),
            (1.0, "1.0"),
            (0.0001, "0.0001"),
            (0.00012345, "0.00012345"),
            (1e-05, "1e-05"),
            (1.5e-07, "1.5e-07"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (123456789012345.6, "123456789012345.6"),
            (1.2345678901234568e17, "1.2345678901234568e+17"),
            (-0.0, "-0.0"),
            (0.0, "0.0"),
            (0.1, "0.1"),
            (-2.5, "-2.5"),
            (5e-324, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (-1.7976931348623157e308, "-1.7976931348623157e+308"),
            (2.2250738585072014e-308, "2.2250738585072014e-308"),
            (1e100, "1e+100"),
            (1.5e300, "1.5e+300"),
            (123.456, "123.456"),
            (9999999999999998.0, "9999999999999998.0"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "Infinity"),
            (f64::NEG_INFINITY, "-Infinity"),
        ];
        for &(value, expected) in cases {
            assert_eq!(float_repr(value), expected, "repr of {value:e}");
        }
    }

    #[test]
    fn layout_of_std_shortest_digits_matches_zmij() {
        for value in [1e16, 1.5e-7, 0.1, 123.456, 5e-324, 1e22, 4.35e-5] {
            let mut via_std = String::new();
            Decimal::parse(&format!("{value:e}"))
                .expect("std {:e} parses")
                .write_python(&mut via_std);
            assert_eq!(via_std, float_repr(value));
        }
    }

    #[test]
    fn malformed_digit_text_is_refused() {
        for text in ["", "-", "1.2.3", "1e", "abc", "0.000", "1e99999999999"] {
            assert!(Decimal::parse(text).is_none(), "{text}");
        }
    }

    proptest::proptest! {
        #[test]
        fn repr_round_trips_and_agrees_with_std_digits(bits in proptest::prelude::any::<u64>()) {
            let value = f64::from_bits(bits);
            let text = float_repr(value);
            if value.is_finite() {
                let back: f64 = text.parse().expect("repr parses as f64");
                proptest::prop_assert_eq!(back.to_bits(), value.to_bits());
                if value != 0.0 {
                    let mut via_std = String::new();
                    Decimal::parse(&format!("{value:e}"))
                        .expect("std {:e} parses")
                        .write_python(&mut via_std);
                    proptest::prop_assert_eq!(via_std, text);
                }
            }
        }
    }
}
