//! The five `json.dumps` encoders of SPEC §3.1, byte for byte with `ensure_ascii=True`.

use super::float::write_float;
use super::value::{PyInt, PyObject, PyStr, PyValue};

/// Which `json.dumps` call to reproduce (SPEC §3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Style {
    /// `PyCanon`: `json.dumps(x, sort_keys=True)`.
    Canon,
    /// `PyCompactSorted`: `json.dumps(x, sort_keys=True, separators=(",", ":"))`.
    CompactSorted,
    /// `PyDefault`: `json.dumps(x)`.
    Default,
    /// `PyCompact`: `json.dumps(x, separators=(",", ":"))`.
    Compact,
    /// `PyPretty`: `json.dumps(x, indent=2)`.
    Pretty,
}

impl Style {
    /// Every style, in declaration order.
    pub const ALL: [Style; 5] = [
        Style::Canon,
        Style::CompactSorted,
        Style::Default,
        Style::Compact,
        Style::Pretty,
    ];

    fn sorted(self) -> bool {
        matches!(self, Style::Canon | Style::CompactSorted)
    }

    /// Item and key separators for the single-line styles.
    fn separators(self) -> (&'static str, &'static str) {
        match self {
            Style::Canon | Style::Default => (", ", ": "),
            Style::CompactSorted | Style::Compact => (",", ":"),
            Style::Pretty => (",", ": "),
        }
    }
}

/// Encodes `value` exactly as the `json.dumps` call named by `style` would.
///
/// The output is pure ASCII. Values nest as deep as the caller built them (the parsers cap
/// nesting at 512); integers are written in full even past CPython's 4300-digit `str()` limit.
pub fn encode(value: &PyValue, style: Style) -> String {
    let mut out = String::new();
    encode_into(value, style, &mut out);
    out
}

/// Appends the encoding of `value` (see [`encode`]) to `out`.
pub fn encode_into(value: &PyValue, style: Style, out: &mut String) {
    let (item_sep, key_sep) = style.separators();
    let mut encoder = Encoder {
        out,
        sorted: style.sorted(),
        pretty: style == Style::Pretty,
        item_sep,
        key_sep,
    };
    encoder.value(value, 0);
}

struct Encoder<'a> {
    out: &'a mut String,
    sorted: bool,
    pretty: bool,
    item_sep: &'static str,
    key_sep: &'static str,
}

impl Encoder<'_> {
    fn value(&mut self, value: &PyValue, depth: usize) {
        match value {
            PyValue::Null => self.out.push_str("null"),
            PyValue::Bool(true) => self.out.push_str("true"),
            PyValue::Bool(false) => self.out.push_str("false"),
            PyValue::Int(PyInt::Small(v)) => self.out.push_str(itoa(*v, &mut [0; 20])),
            PyValue::Int(PyInt::Big(v)) => self.out.push_str(&v.to_string()),
            PyValue::Float(f) => write_float(*f, self.out),
            PyValue::Str(s) => write_str(s, self.out),
            PyValue::Array(items) => self.array(items, depth),
            PyValue::Object(object) => self.object(object, depth),
        }
    }

    /// Writes what goes before the `index`-th element of a non-empty container.
    fn before_item(&mut self, index: usize, depth: usize) {
        if index > 0 {
            self.out.push_str(self.item_sep);
        }
        if self.pretty {
            self.newline(depth + 1);
        }
    }

    fn close(&mut self, bracket: char, depth: usize) {
        if self.pretty {
            self.newline(depth);
        }
        self.out.push(bracket);
    }

    fn newline(&mut self, depth: usize) {
        self.out.push('\n');
        self.out.extend(std::iter::repeat_n(' ', 2 * depth));
    }

    fn array(&mut self, items: &[PyValue], depth: usize) {
        self.out.push('[');
        if items.is_empty() {
            self.out.push(']');
            return;
        }
        for (index, item) in items.iter().enumerate() {
            self.before_item(index, depth);
            self.value(item, depth + 1);
        }
        self.close(']', depth);
    }

    fn object(&mut self, object: &PyObject, depth: usize) {
        self.out.push('{');
        if object.is_empty() {
            self.out.push('}');
            return;
        }
        if self.sorted {
            let mut entries: Vec<(&PyStr, &PyValue)> = object.iter().collect();
            // Keys of a dict are unique, so an unstable sort is deterministic.
            entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
            self.entries(entries.into_iter(), depth);
        } else {
            self.entries(object.iter(), depth);
        }
        self.close('}', depth);
    }

    fn entries<'v>(
        &mut self,
        entries: impl Iterator<Item = (&'v PyStr, &'v PyValue)>,
        depth: usize,
    ) {
        for (index, (key, value)) in entries.enumerate() {
            self.before_item(index, depth);
            write_str(key, self.out);
            self.out.push_str(self.key_sep);
            self.value(value, depth + 1);
        }
    }
}

/// Formats an `i64` in decimal into `buf` without allocating.
fn itoa(value: i64, buf: &mut [u8; 20]) -> &str {
    let mut magnitude = value.unsigned_abs();
    let mut start = buf.len();
    loop {
        start -= 1;
        if let Some(slot) = buf.get_mut(start) {
            // `magnitude % 10` is below 10, so the cast cannot truncate.
            *slot = b'0' + (magnitude % 10) as u8;
        }
        magnitude /= 10;
        if magnitude == 0 {
            break;
        }
    }
    if value < 0 {
        start -= 1;
        if let Some(slot) = buf.get_mut(start) {
            *slot = b'-';
        }
    }
    // Only ASCII digits and '-' were written.
    buf.get(start..)
        .and_then(|digits| std::str::from_utf8(digits).ok())
        .unwrap_or("0")
}

/// Bytes that `ensure_ascii` writes unchanged: printable ASCII except `"` and `\`.
const fn literal_table() -> [bool; 256] {
    let mut table = [false; 256];
    let mut b = 0x20;
    while b < 0x7f {
        table[b] = b != b'"' as usize && b != b'\\' as usize;
        b += 1;
    }
    table
}

static LITERAL: [bool; 256] = literal_table();

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Writes a JSON string literal, escaped as CPython's `ensure_ascii=True` encoder does.
pub(crate) fn write_str(s: &PyStr, out: &mut String) {
    out.push('"');
    match s {
        PyStr::Utf8(text) => write_utf8_body(text, out),
        PyStr::CodePoints(cps) => {
            for &cp in cps {
                match u8::try_from(cp) {
                    Ok(b) if LITERAL[usize::from(b)] => out.push(char::from(b)),
                    _ => write_escaped(cp, out),
                }
            }
        }
    }
    out.push('"');
}

fn write_utf8_body(text: &str, out: &mut String) {
    let mut rest = text;
    while !rest.is_empty() {
        let run = rest
            .bytes()
            .position(|b| !LITERAL[usize::from(b)])
            .unwrap_or(rest.len());
        // A run ends before a non-literal byte, which is ASCII or a UTF-8 lead byte, so it is
        // always on a char boundary.
        let (literal, tail) = rest.split_at_checked(run).unwrap_or((rest, ""));
        out.push_str(literal);
        let mut chars = tail.chars();
        if let Some(c) = chars.next() {
            write_escaped(u32::from(c), out);
        }
        rest = chars.as_str();
    }
}

/// Writes the escape for one code point that is not written literally.
fn write_escaped(cp: u32, out: &mut String) {
    match cp {
        0x22 => out.push_str("\\\""),
        0x5c => out.push_str("\\\\"),
        0x08 => out.push_str("\\b"),
        0x09 => out.push_str("\\t"),
        0x0a => out.push_str("\\n"),
        0x0c => out.push_str("\\f"),
        0x0d => out.push_str("\\r"),
        0x1_0000.. => {
            let v = cp - 0x1_0000;
            write_u_escape(0xd800 | ((v >> 10) & 0x3ff), out);
            write_u_escape(0xdc00 | (v & 0x3ff), out);
        }
        _ => write_u_escape(cp, out),
    }
}

fn write_u_escape(unit: u32, out: &mut String) {
    out.push_str("\\u");
    for shift in [12, 8, 4, 0] {
        let nibble = (unit >> shift) & 0xf;
        out.push(char::from(HEX[nibble as usize]));
    }
}

#[cfg(test)]
#[path = "encode_tests.rs"]
mod tests;
