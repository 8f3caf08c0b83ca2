//! The Python-compatible JSON value model.
//!
//! Python's `json` module works on code points, unbounded integers and insertion-ordered dicts.
//! Bytes that are hashed or signed depend on all three, so the model keeps them exactly.

use std::cmp::Ordering;
use std::fmt;

/// A JSON value as CPython's `json` module sees it.
#[derive(Debug, Clone, PartialEq)]
pub enum PyValue {
    /// `null` / `None`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer of unbounded size.
    Int(PyInt),
    /// A binary64 float, including NaN and the infinities Python writes.
    Float(f64),
    /// A string as a sequence of code points (lone surrogates allowed).
    Str(PyStr),
    /// A list.
    Array(Vec<PyValue>),
    /// A dict with insertion order.
    Object(PyObject),
}

/// An integer of unbounded size, stored small when it fits in an `i64`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PyInt {
    /// Fits in an `i64`.
    Small(i64),
    /// Does not fit in an `i64` (invariant: never a value an `i64` can hold).
    Big(num_bigint::BigInt),
}

/// A Python string: a sequence of code points that may contain lone surrogates.
///
/// Ordering is by code point, as Python compares strings.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PyStr {
    /// Valid Unicode (the common case).
    Utf8(String),
    /// Contains at least one lone surrogate (U+D800..U+DFFF); each element is a code point.
    CodePoints(Vec<u32>),
}

/// A Python dict: keys in first-insertion order; re-inserting a key replaces its value in place.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PyObject {
    entries: Vec<(PyStr, PyValue)>,
}

impl From<i64> for PyInt {
    fn from(v: i64) -> Self {
        PyInt::Small(v)
    }
}

impl From<u64> for PyInt {
    fn from(v: u64) -> Self {
        match i64::try_from(v) {
            Ok(small) => PyInt::Small(small),
            Err(_) => PyInt::Big(num_bigint::BigInt::from(v)),
        }
    }
}

impl PyInt {
    /// Builds from a big integer, normalising to `Small` when it fits.
    pub fn from_big(v: num_bigint::BigInt) -> Self {
        match i64::try_from(&v) {
            Ok(small) => PyInt::Small(small),
            Err(_) => PyInt::Big(v),
        }
    }

    /// The value as an `i64`, if it fits.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            PyInt::Small(v) => Some(*v),
            PyInt::Big(_) => None,
        }
    }

    /// Whether the value is zero (Python falsiness).
    pub fn is_zero(&self) -> bool {
        matches!(self, PyInt::Small(0))
    }
}

impl fmt::Display for PyInt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PyInt::Small(v) => write!(f, "{v}"),
            PyInt::Big(v) => write!(f, "{v}"),
        }
    }
}

impl PyStr {
    /// Builds from code points, choosing the `Utf8` form when every code point is a scalar value.
    pub fn from_code_points(cps: Vec<u32>) -> Self {
        if cps.iter().all(|&c| char::from_u32(c).is_some()) {
            PyStr::Utf8(cps.iter().filter_map(|&c| char::from_u32(c)).collect())
        } else {
            PyStr::CodePoints(cps)
        }
    }

    /// The string when it is valid Unicode (no lone surrogates).
    pub fn as_str(&self) -> Option<&str> {
        match self {
            PyStr::Utf8(s) => Some(s),
            PyStr::CodePoints(_) => None,
        }
    }

    /// Iterates over the code points.
    pub fn code_points(&self) -> Box<dyn Iterator<Item = u32> + '_> {
        match self {
            PyStr::Utf8(s) => Box::new(s.chars().map(u32::from)),
            PyStr::CodePoints(c) => Box::new(c.iter().copied()),
        }
    }

    /// Number of code points (Python `len`).
    pub fn len(&self) -> usize {
        match self {
            PyStr::Utf8(s) => s.chars().count(),
            PyStr::CodePoints(c) => c.len(),
        }
    }

    /// Whether the string is empty (Python falsiness).
    pub fn is_empty(&self) -> bool {
        match self {
            PyStr::Utf8(s) => s.is_empty(),
            PyStr::CodePoints(c) => c.is_empty(),
        }
    }
}

impl Ord for PyStr {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            // UTF-8 byte order equals code point order.
            (PyStr::Utf8(a), PyStr::Utf8(b)) => a.as_bytes().cmp(b.as_bytes()),
            _ => self.code_points().cmp(other.code_points()),
        }
    }
}

impl PartialOrd for PyStr {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl From<&str> for PyStr {
    fn from(s: &str) -> Self {
        PyStr::Utf8(s.to_owned())
    }
}

impl From<String> for PyStr {
    fn from(s: String) -> Self {
        PyStr::Utf8(s)
    }
}

impl fmt::Display for PyStr {
    /// Lossy: lone surrogates are shown as U+FFFD.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PyStr::Utf8(s) => f.write_str(s),
            PyStr::CodePoints(c) => {
                let s: String = c
                    .iter()
                    .map(|&c| char::from_u32(c).unwrap_or('\u{FFFD}'))
                    .collect();
                f.write_str(&s)
            }
        }
    }
}

impl PyObject {
    /// An empty dict.
    pub fn new() -> Self {
        Self::default()
    }

    /// Inserts like `d[key] = value`: a new key goes last, an existing key keeps its place.
    pub fn insert(&mut self, key: impl Into<PyStr>, value: impl Into<PyValue>) {
        let key = key.into();
        let value = value.into();
        if let Some(slot) = self.entries.iter_mut().find(|(k, _)| *k == key) {
            slot.1 = value;
        } else {
            self.entries.push((key, value));
        }
    }

    /// Appends without checking for an existing key. The caller guarantees uniqueness.
    pub(crate) fn push_unique(&mut self, key: PyStr, value: PyValue) {
        self.entries.push((key, value));
    }

    /// Mutable access to a value by position, used by the parser to apply "last duplicate wins".
    pub(crate) fn value_at_mut(&mut self, index: usize) -> Option<&mut PyValue> {
        self.entries.get_mut(index).map(|(_, v)| v)
    }

    /// Looks a key up (`d.get(key)`).
    pub fn get(&self, key: &str) -> Option<&PyValue> {
        self.entries
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(_, v)| v)
    }

    /// Entries in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (&PyStr, &PyValue)> {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the dict is empty (Python falsiness).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl PyValue {
    /// Python truthiness: `None`, `False`, `0`, `0.0`, `-0.0`, `""`, `[]` and `{}` are false;
    /// everything else (NaN included) is true.
    pub fn is_truthy(&self) -> bool {
        match self {
            PyValue::Null => false,
            PyValue::Bool(b) => *b,
            PyValue::Int(i) => !i.is_zero(),
            // NaN != 0.0, so NaN is truthy, as in Python.
            PyValue::Float(f) => *f != 0.0,
            PyValue::Str(s) => !s.is_empty(),
            PyValue::Array(a) => !a.is_empty(),
            PyValue::Object(o) => !o.is_empty(),
        }
    }

    /// The string, if this is a valid-Unicode string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            PyValue::Str(s) => s.as_str(),
            _ => None,
        }
    }

    /// The object, if this is one.
    pub fn as_object(&self) -> Option<&PyObject> {
        match self {
            PyValue::Object(o) => Some(o),
            _ => None,
        }
    }

    /// The array, if this is one.
    pub fn as_array(&self) -> Option<&[PyValue]> {
        match self {
            PyValue::Array(a) => Some(a),
            _ => None,
        }
    }

    /// The integer as `i64`, if this is an integer (not a bool) that fits.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            PyValue::Int(i) => i.as_i64(),
            _ => None,
        }
    }
}

impl From<bool> for PyValue {
    fn from(v: bool) -> Self {
        PyValue::Bool(v)
    }
}
impl From<i64> for PyValue {
    fn from(v: i64) -> Self {
        PyValue::Int(PyInt::Small(v))
    }
}
impl From<u64> for PyValue {
    fn from(v: u64) -> Self {
        PyValue::Int(PyInt::from(v))
    }
}
impl From<u32> for PyValue {
    fn from(v: u32) -> Self {
        PyValue::Int(PyInt::Small(i64::from(v)))
    }
}
impl From<f64> for PyValue {
    fn from(v: f64) -> Self {
        PyValue::Float(v)
    }
}
impl From<&str> for PyValue {
    fn from(v: &str) -> Self {
        PyValue::Str(PyStr::from(v))
    }
}
impl From<String> for PyValue {
    fn from(v: String) -> Self {
        PyValue::Str(PyStr::Utf8(v))
    }
}
impl From<PyStr> for PyValue {
    fn from(v: PyStr) -> Self {
        PyValue::Str(v)
    }
}
impl From<PyObject> for PyValue {
    fn from(v: PyObject) -> Self {
        PyValue::Object(v)
    }
}
impl From<Vec<PyValue>> for PyValue {
    fn from(v: Vec<PyValue>) -> Self {
        PyValue::Array(v)
    }
}
impl<T: Into<PyValue>> From<Option<T>> for PyValue {
    fn from(v: Option<T>) -> Self {
        v.map_or(PyValue::Null, Into::into)
    }
}
