//! Error bodies and the result of the owner-api's request-body checks: `{"detail": "..."}` for
//! handled errors (400 and others) and the FastAPI 422 validation shape.

use serde::{Deserialize, Serialize};

/// A handled error body: `{"detail": "<string>"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The message.
    pub detail: String,
}

/// One element of a FastAPI request-validation error (`loc` path, `msg`, `type`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidationIssue {
    /// Where: `["body", "samples", 0, "prompt"]`.
    pub loc: Vec<LocItem>,
    /// Human-readable message.
    pub msg: String,
    /// Machine-readable kind (`string_too_long`, `greater_than_equal`, ...).
    #[serde(rename = "type")]
    pub kind: String,
}

/// A `loc` element: a key or a list index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum LocItem {
    /// An object key.
    Key(String),
    /// A list index.
    Index(usize),
}

impl ValidationIssue {
    fn loc(prefix: &[&str], index: Option<usize>, field: &str) -> Vec<LocItem> {
        let mut loc: Vec<LocItem> = prefix
            .iter()
            .map(|k| LocItem::Key((*k).to_owned()))
            .collect();
        loc.extend(index.map(LocItem::Index));
        loc.push(LocItem::Key(field.to_owned()));
        loc
    }

    /// `Some` issue if `value` has more than `max` characters (code points, as Python counts).
    pub fn too_long(
        prefix: &[&str],
        index: Option<usize>,
        field: &str,
        value: &str,
        max: usize,
    ) -> Option<Self> {
        (value.chars().count() > max).then(|| ValidationIssue {
            loc: Self::loc(prefix, index, field),
            msg: format!("String should have at most {max} characters"),
            kind: "string_too_long".into(),
        })
    }

    /// `Some` issue if `value` has fewer than `min` characters.
    pub fn too_short(
        prefix: &[&str],
        index: Option<usize>,
        field: &str,
        value: &str,
        min: usize,
    ) -> Option<Self> {
        (value.chars().count() < min).then(|| ValidationIssue {
            loc: Self::loc(prefix, index, field),
            msg: format!(
                "String should have at least {min} character{}",
                if min == 1 { "" } else { "s" }
            ),
            kind: "string_too_short".into(),
        })
    }

    /// `Some` issue if `value < min` (`ge` constraint).
    pub fn below(
        prefix: &[&str],
        index: Option<usize>,
        field: &str,
        value: f64,
        min: f64,
    ) -> Option<Self> {
        (value < min || value.is_nan()).then(|| ValidationIssue {
            loc: Self::loc(prefix, index, field),
            msg: format!("Input should be greater than or equal to {min}"),
            kind: "greater_than_equal".into(),
        })
    }

    /// `Some` issue if `value > max` (`le` constraint).
    pub fn above(
        prefix: &[&str],
        index: Option<usize>,
        field: &str,
        value: f64,
        max: f64,
    ) -> Option<Self> {
        (value > max).then(|| ValidationIssue {
            loc: Self::loc(prefix, index, field),
            msg: format!("Input should be less than or equal to {max}"),
            kind: "less_than_equal".into(),
        })
    }

    /// `Some` issue if `value ≤ bound` (`gt` constraint).
    pub fn not_above(
        prefix: &[&str],
        index: Option<usize>,
        field: &str,
        value: f64,
        bound: f64,
    ) -> Option<Self> {
        (value <= bound || value.is_nan()).then(|| ValidationIssue {
            loc: Self::loc(prefix, index, field),
            msg: format!("Input should be greater than {bound}"),
            kind: "greater_than".into(),
        })
    }
}

/// A 422 body: `{"detail": [ValidationIssue…]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidationErrorBody {
    /// The issues.
    pub detail: Vec<ValidationIssue>,
}

/// Why a request body was refused by the owner-api's checks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BodyRejection {
    /// 400 `{"detail": "<string>"}` with one of the [`super::detail`] strings.
    #[error("{0}")]
    BadRequest(&'static str),
    /// 422 FastAPI validation error.
    #[error("request validation failed ({} issue(s))", .0.len())]
    Unprocessable(Vec<ValidationIssue>),
}

impl BodyRejection {
    /// The HTTP status code.
    pub fn status(&self) -> u16 {
        match self {
            BodyRejection::BadRequest(_) => 400,
            BodyRejection::Unprocessable(_) => 422,
        }
    }

    /// The JSON response body.
    pub fn body(&self) -> serde_json::Value {
        match self {
            BodyRejection::BadRequest(d) => serde_json::json!({ "detail": d }),
            BodyRejection::Unprocessable(issues) => serde_json::json!({ "detail": issues }),
        }
    }
}
