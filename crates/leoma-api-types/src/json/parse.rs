//! The two JSON readers: `PyParse` (CPython `json.loads` semantics, SPEC §3.1) and the strict v2
//! reader (RFC 8259 only, SPEC §5.6 point 1).
//!
//! Both check UTF-8 once up front and then walk bytes; strings without escapes are copied with a
//! single allocation, and duplicate keys are found by sorting indices only for large objects, so
//! parsing stays linear-ish on big verdict files.

use super::value::{PyInt, PyObject, PyStr, PyValue, first_duplicate_key, merge_duplicate_keys};
use crate::Error;

/// Deepest nesting of arrays and objects either reader accepts (SPEC §3.1).
pub const MAX_DEPTH: usize = 512;

/// Longest integer (in digits, sign excluded) `PyParse` accepts, as CPython's `int` limit.
pub const MAX_INT_DIGITS: usize = 4300;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// `PyParse`: reads a document as CPython's `json.loads` does (SPEC §3.1).
///
/// One leading UTF-8 byte order mark is skipped; the rest must be UTF-8. Accepts `NaN`,
/// `Infinity` and `-Infinity`, keeps lone surrogate escapes (as [`PyStr::CodePoints`]), reads
/// integers exactly (at most 4300 digits) and lets the last duplicate key win at the first key's
/// position. Nesting deeper than 512 is rejected.
pub fn parse_py(bytes: &[u8]) -> Result<PyValue, Error> {
    match bytes.strip_prefix(BOM) {
        Some(rest) => parse_document(rest, BOM.len(), Mode::Py),
        None => parse_document(bytes, 0, Mode::Py),
    }
}

/// The strict v2 reader (SPEC §5.6 point 1): RFC 8259 over UTF-8 and nothing more.
///
/// Rejects a byte order mark, `NaN`/`Infinity`, duplicate object keys and escapes that decode
/// to a lone surrogate; otherwise reads like [`parse_py`] (exact integers up to 4300 digits,
/// nesting up to 512).
pub fn parse_strict(bytes: &[u8]) -> Result<PyValue, Error> {
    if bytes.starts_with(BOM) {
        return Err(json_error(0, "byte order mark is not allowed"));
    }
    parse_document(bytes, 0, Mode::Strict)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Py,
    Strict,
}

fn json_error(offset: usize, reason: impl Into<String>) -> Error {
    Error::Json {
        offset,
        reason: reason.into(),
    }
}

fn parse_document(bytes: &[u8], base: usize, mode: Mode) -> Result<PyValue, Error> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| json_error(base + e.valid_up_to(), "invalid UTF-8"))?;
    let mut parser = Parser {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        base,
        depth: 0,
        mode,
    };
    parser.skip_ws();
    let value = parser.value()?;
    parser.skip_ws();
    if parser.pos < parser.bytes.len() {
        return Err(parser.error("unexpected data after the JSON value"));
    }
    Ok(value)
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    /// Bytes stripped before `text` (the BOM), added to error offsets.
    base: usize,
    depth: usize,
    mode: Mode,
}

/// String bytes the fast scan stops at: `"`, `\` and control characters.
const fn stop_table() -> [bool; 256] {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = true;
        b += 1;
    }
    table[b'"' as usize] = true;
    table[b'\\' as usize] = true;
    table
}

static STOP: [bool; 256] = stop_table();

impl<'a> Parser<'a> {
    fn error(&self, reason: impl Into<String>) -> Error {
        json_error(self.base + self.pos, reason)
    }

    fn error_at(&self, pos: usize, reason: impl Into<String>) -> Error {
        json_error(self.base + pos, reason)
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn value(&mut self) -> Result<PyValue, Error> {
        match self.peek() {
            Some(b'{') => self.object(),
            Some(b'[') => self.array(),
            Some(b'"') => {
                self.pos += 1;
                Ok(PyValue::Str(self.string()?))
            }
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b't') => self.literal("true", PyValue::Bool(true)),
            Some(b'f') => self.literal("false", PyValue::Bool(false)),
            Some(b'n') => self.literal("null", PyValue::Null),
            Some(b'N') if self.mode == Mode::Py => self.literal("NaN", PyValue::Float(f64::NAN)),
            Some(b'I') if self.mode == Mode::Py => {
                self.literal("Infinity", PyValue::Float(f64::INFINITY))
            }
            Some(_) => Err(self.error("expected a JSON value")),
            None => Err(self.error("expected a JSON value, found the end of input")),
        }
    }

    fn literal(&mut self, word: &str, value: PyValue) -> Result<PyValue, Error> {
        if self
            .bytes
            .get(self.pos..)
            .is_some_and(|rest| rest.starts_with(word.as_bytes()))
        {
            self.pos += word.len();
            Ok(value)
        } else {
            Err(self.error(format!("expected `{word}`")))
        }
    }

    fn enter(&mut self) -> Result<(), Error> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error(format!("nesting deeper than {MAX_DEPTH}")));
        }
        self.pos += 1;
        self.skip_ws();
        Ok(())
    }

    fn array(&mut self) -> Result<PyValue, Error> {
        self.enter()?;
        let mut items = Vec::new();
        if self.peek() == Some(b']') {
            self.pos += 1;
        } else {
            loop {
                items.push(self.value()?);
                self.skip_ws();
                match self.peek() {
                    Some(b',') => {
                        self.pos += 1;
                        self.skip_ws();
                    }
                    Some(b']') => {
                        self.pos += 1;
                        break;
                    }
                    _ => return Err(self.error("expected `,` or `]` in array")),
                }
            }
        }
        self.depth -= 1;
        Ok(PyValue::Array(items))
    }

    fn object(&mut self) -> Result<PyValue, Error> {
        let start = self.pos;
        self.enter()?;
        let mut entries = Vec::new();
        if self.peek() == Some(b'}') {
            self.pos += 1;
        } else {
            loop {
                if self.peek() != Some(b'"') {
                    return Err(self.error("expected a string key in object"));
                }
                self.pos += 1;
                let key = self.string()?;
                self.skip_ws();
                if self.peek() != Some(b':') {
                    return Err(self.error("expected `:` after object key"));
                }
                self.pos += 1;
                self.skip_ws();
                let value = self.value()?;
                entries.push((key, value));
                self.skip_ws();
                match self.peek() {
                    Some(b',') => {
                        self.pos += 1;
                        self.skip_ws();
                    }
                    Some(b'}') => {
                        self.pos += 1;
                        break;
                    }
                    _ => return Err(self.error("expected `,` or `}` in object")),
                }
            }
        }
        self.depth -= 1;
        let entries = match self.mode {
            Mode::Py => merge_duplicate_keys(entries),
            Mode::Strict => {
                if let Some(key) = first_duplicate_key(&entries) {
                    let shown = crate::error::truncate(&key.to_string(), 64);
                    return Err(self.error_at(start, format!("duplicate object key {shown:?}")));
                }
                entries
            }
        };
        Ok(PyValue::Object(PyObject::from_unique_entries(entries)))
    }

    /// Reads a string body; `self.pos` is just past the opening quote.
    fn string(&mut self) -> Result<PyStr, Error> {
        let start = self.pos;
        self.skip_plain();
        match self.peek() {
            Some(b'"') => {
                let body = self.slice(start, self.pos)?;
                self.pos += 1;
                Ok(PyStr::Utf8(body.to_owned()))
            }
            Some(b'\\') => {
                let mut acc = Accumulator::Text(String::with_capacity(self.pos - start + 16));
                acc.push_str(self.slice(start, self.pos)?);
                self.string_with_escapes(acc)
            }
            Some(_) => Err(self.error("control character in string")),
            None => Err(self.error_at(start.saturating_sub(1), "unterminated string")),
        }
    }

    /// Advances over bytes that need no decoding.
    fn skip_plain(&mut self) {
        let rest = self.bytes.get(self.pos..).unwrap_or_default();
        self.pos += rest
            .iter()
            .position(|&b| STOP[usize::from(b)])
            .unwrap_or(rest.len());
    }

    fn slice(&self, from: usize, to: usize) -> Result<&'a str, Error> {
        // Bounds always sit next to ASCII bytes, hence on char boundaries.
        self.text
            .get(from..to)
            .ok_or_else(|| self.error_at(from, "internal error: string bounds"))
    }

    fn string_with_escapes(&mut self, mut acc: Accumulator) -> Result<PyStr, Error> {
        let start = self.pos;
        loop {
            match self.peek() {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(acc.finish());
                }
                Some(b'\\') => self.escape(&mut acc)?,
                Some(_) => return Err(self.error("control character in string")),
                None => return Err(self.error_at(start, "unterminated string")),
            }
            let run_start = self.pos;
            self.skip_plain();
            acc.push_str(self.slice(run_start, self.pos)?);
        }
    }

    /// Decodes one escape; `self.pos` is at the backslash.
    fn escape(&mut self, acc: &mut Accumulator) -> Result<(), Error> {
        let at = self.pos;
        let decoded = match self.bytes.get(at + 1) {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => return self.unicode_escape(acc),
            _ => return Err(self.error("invalid escape in string")),
        };
        acc.push_char(decoded);
        self.pos += 2;
        Ok(())
    }

    /// Decodes `\uXXXX`, joining a following low surrogate escape as CPython does.
    fn unicode_escape(&mut self, acc: &mut Accumulator) -> Result<(), Error> {
        let unit = self
            .hex4(self.pos + 2)
            .ok_or_else(|| self.error("invalid \\uXXXX escape"))?;
        self.pos += 6;
        if (0xd800..0xdc00).contains(&unit)
            && self.bytes.get(self.pos..self.pos + 2) == Some(&b"\\u"[..])
            && let Some(low @ 0xdc00..0xe000) = self.hex4(self.pos + 2)
        {
            self.pos += 6;
            acc.push_code_point(0x1_0000 + ((unit - 0xd800) << 10) + (low - 0xdc00));
            return Ok(());
        }
        if (0xd800..0xe000).contains(&unit) && self.mode == Mode::Strict {
            return Err(self.error_at(self.pos - 6, "lone surrogate escape"));
        }
        acc.push_code_point(unit);
        Ok(())
    }

    fn hex4(&self, at: usize) -> Option<u32> {
        let digits = self.bytes.get(at..at + 4)?;
        digits.iter().try_fold(0u32, |acc, &b| {
            let nibble = char::from(b).to_digit(16)?;
            Some(acc << 4 | nibble)
        })
    }

    fn number(&mut self) -> Result<PyValue, Error> {
        let start = self.pos;
        let negative = self.peek() == Some(b'-');
        if negative {
            self.pos += 1;
            if self.peek() == Some(b'I') && self.mode == Mode::Py {
                return self.literal("Infinity", PyValue::Float(f64::NEG_INFINITY));
            }
        }
        let int_start = self.pos;
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => self.skip_digits(),
            _ => return Err(self.error("expected a digit")),
        }
        let int_digits = self.pos - int_start;
        let mut is_float = false;
        if self.peek() == Some(b'.') && self.digit_at(self.pos + 1) {
            self.pos += 1;
            self.skip_digits();
            is_float = true;
        }
        if let Some(b'e' | b'E') = self.peek() {
            let mut end = self.pos + 1;
            if let Some(b'+' | b'-') = self.bytes.get(end) {
                end += 1;
            }
            // Without digits the `e` is not part of the number (and then fails as trailing data).
            if self.digit_at(end) {
                self.pos = end;
                self.skip_digits();
                is_float = true;
            }
        }
        let token = self.slice(start, self.pos)?;
        if is_float {
            // Rust's parser is correctly rounded and overflows to ±infinity, as CPython's.
            let value: f64 = token
                .parse()
                .map_err(|_| self.error_at(start, "invalid number"))?;
            return Ok(PyValue::Float(value));
        }
        if int_digits > MAX_INT_DIGITS {
            return Err(self.error_at(
                start,
                format!("integer has {int_digits} digits, more than {MAX_INT_DIGITS}"),
            ));
        }
        let int = match token.parse::<i64>() {
            Ok(small) => PyInt::Small(small),
            Err(_) => num_bigint::BigInt::parse_bytes(token.as_bytes(), 10)
                .map(PyInt::from_big)
                .ok_or_else(|| self.error_at(start, "invalid integer"))?,
        };
        Ok(PyValue::Int(int))
    }

    fn digit_at(&self, at: usize) -> bool {
        self.bytes.get(at).is_some_and(u8::is_ascii_digit)
    }

    fn skip_digits(&mut self) {
        while self.digit_at(self.pos) {
            self.pos += 1;
        }
    }
}

/// A string under construction: UTF-8 until a lone surrogate forces code points.
enum Accumulator {
    Text(String),
    CodePoints(Vec<u32>),
}

impl Accumulator {
    fn push_str(&mut self, s: &str) {
        match self {
            Accumulator::Text(text) => text.push_str(s),
            Accumulator::CodePoints(cps) => cps.extend(s.chars().map(u32::from)),
        }
    }

    fn push_char(&mut self, c: char) {
        match self {
            Accumulator::Text(text) => text.push(c),
            Accumulator::CodePoints(cps) => cps.push(u32::from(c)),
        }
    }

    fn push_code_point(&mut self, cp: u32) {
        match (char::from_u32(cp), &mut *self) {
            (Some(c), _) => self.push_char(c),
            (None, Accumulator::CodePoints(cps)) => cps.push(cp),
            (None, Accumulator::Text(text)) => {
                let mut cps: Vec<u32> = text.chars().map(u32::from).collect();
                cps.push(cp);
                *self = Accumulator::CodePoints(cps);
            }
        }
    }

    /// Keeps [`PyStr`]'s invariant: `CodePoints` only when a lone surrogate is present.
    fn finish(self) -> PyStr {
        match self {
            Accumulator::Text(text) => PyStr::Utf8(text),
            Accumulator::CodePoints(cps) => PyStr::CodePoints(cps),
        }
    }
}

#[cfg(test)]
#[path = "parse_tests.rs"]
mod tests;
