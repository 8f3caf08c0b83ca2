//! Python-compatible JSON: the value model, the five encoders of SPEC §3.1 and the two parsers.
//!
//! * [`encode`] with a [`Style`] reproduces `json.dumps` byte for byte
//!   (`PyCanon`, `PyCompactSorted`, `PyDefault`, `PyCompact`, `PyPretty`), always with
//!   `ensure_ascii=True`; [`float_repr`] is Python's `repr(float)`.
//! * [`parse_py`] is `PyParse` (CPython `json.loads` semantics: NaN/Infinity tokens, lone
//!   surrogates, unbounded integers, last duplicate key wins).
//! * [`parse_strict`] is the v2 reader: RFC 8259 only, duplicate keys rejected.
//! * [`from_serde_json`] bridges values that already live in `serde_json`.

mod encode;
mod float;
mod parse;
mod serde_bridge;
mod value;

pub use encode::{Style, encode, encode_into};
pub use float::float_repr;
pub use parse::{MAX_DEPTH, MAX_INT_DIGITS, parse_py, parse_strict};
pub use serde_bridge::from_serde_json;
pub use value::{PyInt, PyObject, PyStr, PyValue};
