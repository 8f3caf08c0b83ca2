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

    /// Wraps entries whose keys are already known to be unique.
    pub(crate) fn from_unique_entries(entries: Vec<(PyStr, PyValue)>) -> Self {
        Self { entries }
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

impl<K: Into<PyStr>, V: Into<PyValue>> FromIterator<(K, V)> for PyObject {
    /// Builds like `dict(pairs)`: a repeated key keeps its first position and takes its last value.
    ///
    /// Unlike repeated [`PyObject::insert`], this stays `O(n log n)` on large inputs.
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let entries = iter
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        Self {
            entries: merge_duplicate_keys(entries),
        }
    }
}

/// Above this many entries, duplicate detection sorts indices instead of comparing all pairs.
const PAIRWISE_LIMIT: usize = 16;

/// The first key that occurs more than once, in sorted-key order (`None` when all keys are unique).
pub(crate) fn first_duplicate_key(entries: &[(PyStr, PyValue)]) -> Option<&PyStr> {
    if entries.len() <= PAIRWISE_LIMIT {
        return entries.iter().enumerate().find_map(|(i, (key, _))| {
            entries
                .get(..i)
                .and_then(|before| before.iter().find(|(k, _)| k == key))
                .map(|(k, _)| k)
        });
    }
    let order = sorted_indices(entries);
    order.windows(2).find_map(|pair| match pair {
        [a, b] => {
            let (ka, kb) = (&entries.get(*a)?.0, &entries.get(*b)?.0);
            (ka == kb).then_some(ka)
        }
        _ => None,
    })
}

/// Entry indices ordered by key; equal keys stay in input order (stable sort).
fn sorted_indices(entries: &[(PyStr, PyValue)]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..entries.len()).collect();
    order.sort_by(|&a, &b| match (entries.get(a), entries.get(b)) {
        (Some((ka, _)), Some((kb, _))) => ka.cmp(kb),
        _ => Ordering::Equal,
    });
    order
}

/// Applies Python dict semantics to a list of pairs: each repeated key keeps the position of its
/// first occurrence and the value of its last one.
pub(crate) fn merge_duplicate_keys(entries: Vec<(PyStr, PyValue)>) -> Vec<(PyStr, PyValue)> {
    if first_duplicate_key(&entries).is_none() {
        return entries;
    }
    let order = sorted_indices(&entries);
    // For every index: where its value goes (`Some(first)` for the last of a group, the index
    // itself for a singleton) or `None` when the entry disappears.
    let mut value_target: Vec<Option<usize>> = vec![None; entries.len()];
    let mut keep = vec![false; entries.len()];
    let mut group_start = 0;
    while group_start < order.len() {
        let mut group_end = group_start + 1;
        while group_end < order.len()
            && entries.get(order[group_end]).map(|e| &e.0)
                == entries.get(order[group_start]).map(|e| &e.0)
        {
            group_end += 1;
        }
        let first = order[group_start];
        let last = order[group_end - 1];
        keep[first] = true;
        value_target[last] = Some(first);
        group_start = group_end;
    }
    let mut keys: Vec<Option<PyStr>> = Vec::with_capacity(entries.len());
    let mut values: Vec<Option<PyValue>> = vec![None; entries.len()];
    for (index, (key, value)) in entries.into_iter().enumerate() {
        keys.push(keep[index].then_some(key));
        if let Some(target) = value_target[index] {
            values[target] = Some(value);
        }
    }
    keys.into_iter()
        .zip(values)
        .filter_map(|(k, v)| Some((k?, v?)))
        .collect()
}

impl PyValue {
    /// Structural identity as Python's JSON round trip sees it: like `==`, except that floats
    /// compare by bit pattern (`-0.0` differs from `0.0`) and every NaN equals every other NaN.
    pub fn is_identical(&self, other: &PyValue) -> bool {
        match (self, other) {
            (PyValue::Float(a), PyValue::Float(b)) => {
                (a.is_nan() && b.is_nan()) || a.to_bits() == b.to_bits()
            }
            (PyValue::Array(a), PyValue::Array(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.is_identical(y))
            }
            (PyValue::Object(a), PyValue::Object(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .zip(b.iter())
                        .all(|((ka, va), (kb, vb))| ka == kb && va.is_identical(vb))
            }
            _ => self == other,
        }
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_distinguishes_signed_zero_and_equates_nans() {
        let nan = PyValue::Float(f64::NAN);
        assert!(nan.is_identical(&PyValue::Float(-f64::NAN)));
        assert_ne!(nan, nan.clone());
        assert!(!PyValue::Float(0.0).is_identical(&PyValue::Float(-0.0)));
        assert_eq!(PyValue::Float(0.0), PyValue::Float(-0.0));
        let list = |f: f64| PyValue::from(vec![PyValue::from(vec![PyValue::Float(f)])]);
        assert!(list(f64::NAN).is_identical(&list(f64::NAN)));
        assert!(!list(0.0).is_identical(&list(-0.0)));
        assert!(!PyValue::from(1i64).is_identical(&PyValue::Float(1.0)));
    }

    #[test]
    fn collecting_keeps_first_position_and_last_value() {
        let object: PyObject = [("b", 1i64), ("a", 2), ("b", 3), ("c", 4), ("a", 5)]
            .into_iter()
            .collect();
        let entries: Vec<(String, PyValue)> = object
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        assert_eq!(
            entries,
            vec![
                ("b".to_owned(), PyValue::from(3i64)),
                ("a".to_owned(), PyValue::from(5i64)),
                ("c".to_owned(), PyValue::from(4i64)),
            ]
        );
    }

    #[test]
    fn duplicate_detection_on_both_paths() {
        let small: Vec<(PyStr, PyValue)> = ["x", "y", "x"]
            .iter()
            .map(|k| (PyStr::from(*k), PyValue::Null))
            .collect();
        assert_eq!(first_duplicate_key(&small), Some(&PyStr::from("x")));
        let mut large: Vec<(PyStr, PyValue)> = (0..100)
            .map(|i| (PyStr::from(format!("k{i}")), PyValue::Null))
            .collect();
        assert_eq!(first_duplicate_key(&large), None);
        large.push((PyStr::from("k42"), PyValue::Bool(true)));
        assert_eq!(first_duplicate_key(&large), Some(&PyStr::from("k42")));
        let merged = merge_duplicate_keys(large);
        assert_eq!(merged.len(), 100);
        assert_eq!(
            merged.get(42),
            Some(&(PyStr::from("k42"), PyValue::Bool(true)))
        );
    }
}
