//! Python-compatible JSON: the value model, the five encoders of SPEC §3.1 and the two parsers.
//!
//! * [`encode`] with a [`Style`] reproduces `json.dumps` byte for byte
//!   (`PyCanon`, `PyCompactSorted`, `PyDefault`, `PyCompact`, `PyPretty`).
//! * [`parse_py`] is `PyParse` (CPython `json.loads` semantics: NaN/Infinity tokens, lone
//!   surrogates, unbounded integers, last duplicate key wins).
//! * [`parse_strict`] is the v2 reader: RFC 8259 only, duplicate keys rejected.

mod value;

pub use value::{PyInt, PyObject, PyStr, PyValue};
