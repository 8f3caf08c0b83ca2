//! Conversion from `serde_json` values, for callers that already hold one.

use super::value::{PyInt, PyObject, PyStr, PyValue};

/// Converts a `serde_json::Value` into the Python value model.
///
/// Object keys keep the order in which `serde_json` iterates them: sorted by key in this
/// workspace (`serde_json` is built without `preserve_order`), insertion order if some crate
/// in the build enables that feature. Numbers map as `serde_json` stored them: integers that fit
/// `i64`/`u64` become [`PyInt`], everything else (including integers too large for `u64`, which
/// `serde_json` already rounded to `f64`) becomes a float.
pub fn from_serde_json(value: &serde_json::Value) -> PyValue {
    match value {
        serde_json::Value::Null => PyValue::Null,
        serde_json::Value::Bool(b) => PyValue::Bool(*b),
        serde_json::Value::Number(n) => {
            if let Some(small) = n.as_i64() {
                PyValue::Int(PyInt::Small(small))
            } else if let Some(unsigned) = n.as_u64() {
                PyValue::Int(PyInt::from(unsigned))
            } else {
                PyValue::Float(n.as_f64().unwrap_or(f64::NAN))
            }
        }
        serde_json::Value::String(s) => PyValue::Str(PyStr::Utf8(s.clone())),
        serde_json::Value::Array(items) => {
            PyValue::Array(items.iter().map(from_serde_json).collect())
        }
        serde_json::Value::Object(map) => {
            let mut object = PyObject::new();
            for (key, value) in map {
                // A serde_json map never holds a key twice.
                object.push_unique(PyStr::Utf8(key.clone()), from_serde_json(value));
            }
            PyValue::Object(object)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::{Style, encode};

    #[test]
    fn converts_every_kind() {
        let source: serde_json::Value = serde_json::from_str(
            r#"{"b": [1, -2, 18446744073709551615, 1.5, 2.0, null, true], "a": "x\u00e9"}"#,
        )
        .expect("valid json");
        let value = from_serde_json(&source);
        assert_eq!(
            encode(&value, Style::Default),
            r#"{"a": "x\u00e9", "b": [1, -2, 18446744073709551615, 1.5, 2.0, null, true]}"#
        );
    }
}
