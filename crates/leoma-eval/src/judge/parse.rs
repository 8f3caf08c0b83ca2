//! Reading the judge's reply (SPEC §8.3) and normalising it (SPEC §8.4).

use leoma_api_types::json::{self, PyInt, PyObject, PyStr, PyValue, Style};
use leoma_api_types::python::{json_loads_str, py_str_of_value, py_strip};

use super::pyfloat::py_float;
use super::result::{ASPECTS, AspectScores, JudgeResult};

/// The pass thresholds (SPEC §8.4; `EVALUATION_PASS_THRESHOLD`, `EVALUATION_CRITICAL_THRESHOLD`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PassRule {
    /// `overall_score` must be at least this (75).
    pub pass_threshold: i64,
    /// `critical_floor` must be at least this (50).
    pub critical_threshold: i64,
}

impl Default for PassRule {
    fn default() -> Self {
        PassRule {
            pass_threshold: 75,
            critical_threshold: 50,
        }
    }
}

impl PassRule {
    /// PASS iff `overall ≥ pass_threshold` and `critical_floor ≥ critical_threshold`.
    pub fn passes(&self, overall: i64, aspects: &AspectScores) -> bool {
        overall >= self.pass_threshold && aspects.critical_floor() >= self.critical_threshold
    }
}

/// Why a reply is "unparseable" (SPEC §8.3 point 3): retried, then fail-closed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unparseable {
    /// Not JSON (including a truncated reply).
    #[error("judge reply is not JSON: {0}")]
    Syntax(String),
    /// JSON, but not an object.
    #[error("judge reply is JSON but not an object")]
    NotAnObject,
    /// Contains NaN or an infinity.
    #[error("judge reply contains a non-finite number")]
    NonFinite,
}

/// Fence stripping (SPEC §8.3 point 1): trim; if the text contains three backticks, keep what is
/// between the first and the second occurrence (to the end if there is no second); drop a
/// leading `json`; trim.
pub fn strip_fences(text: &str) -> &str {
    let mut t = py_strip(text);
    if let Some((_, rest)) = t.split_once("```") {
        t = rest.split_once("```").map_or(rest, |(inner, _)| inner);
        t = t.strip_prefix("json").unwrap_or(t);
        t = py_strip(t);
    }
    t
}

/// Parses and normalises a reply. An `Err` is "unparseable" (the caller retries, then uses
/// [`JudgeResult::fail_safe`]).
pub fn parse_reply(text: &str, rule: &PassRule) -> Result<JudgeResult, Unparseable> {
    let body = strip_fences(text);
    let value = json_loads_str(body).map_err(|e| Unparseable::Syntax(e.to_string()))?;
    let PyValue::Object(raw) = value else {
        return Err(Unparseable::NotAnObject);
    };
    if raw.iter().any(|(_, v)| has_non_finite(v)) {
        return Err(Unparseable::NonFinite);
    }
    Ok(normalize(&raw, rule))
}

fn has_non_finite(v: &PyValue) -> bool {
    match v {
        PyValue::Float(f) => !f.is_finite(),
        PyValue::Array(a) => a.iter().any(has_non_finite),
        PyValue::Object(o) => o.iter().any(|(_, v)| has_non_finite(v)),
        _ => false,
    }
}

/// `clamp(v, default)` (SPEC §8.4): `int(round(float(v)))` limited to 0..=100 with
/// round-half-to-even; booleans are 1/0; numeric strings follow Python `float()`; null,
/// non-numeric strings, NaN, infinities, arrays and objects give `default`.
pub fn clamp_score(v: Option<&PyValue>, default: i64) -> i64 {
    let f = match v {
        Some(PyValue::Bool(b)) => f64::from(u8::from(*b)),
        Some(PyValue::Int(PyInt::Small(i))) => *i as f64,
        // Python's `float(int)` raises OverflowError past f64, which gives the default.
        Some(PyValue::Int(PyInt::Big(b))) => match b.to_string().parse::<f64>() {
            Ok(f) if f.is_finite() => f,
            _ => return default,
        },
        Some(PyValue::Float(f)) => *f,
        Some(PyValue::Str(PyStr::Utf8(s))) => match py_float(s) {
            Some(f) => f,
            None => return default,
        },
        _ => return default,
    };
    clamp_f64(f, default)
}

/// `clamp` of a float: non-finite → `default`, else round half to even and limit to 0..=100.
pub fn clamp_f64(f: f64, default: i64) -> i64 {
    if !f.is_finite() {
        return default;
    }
    let r = f.round_ties_even();
    if r <= 0.0 {
        0
    } else if r >= 100.0 {
        100
    } else {
        r as i64
    }
}

/// Normalises a parsed reply object (SPEC §8.4).
pub fn normalize(raw: &PyObject, rule: &PassRule) -> JudgeResult {
    let aspects_raw = raw.get("aspect_scores").and_then(PyValue::as_object);
    let mut values = [0i64; 6];
    for (slot, (key, _)) in values.iter_mut().zip(ASPECTS) {
        *slot = clamp_score(aspects_raw.and_then(|o| o.get(key)), 0);
    }
    let aspect_scores = AspectScores::from_values(values);
    let weighted = clamp_f64(aspect_scores.weighted_sum(), 0);
    let overall_score = clamp_score(raw.get("overall_score"), weighted);
    let major_issues = first_20(raw.get("major_issues"));
    let strengths = first_20(raw.get("strengths"));
    let generated_artifacts = major_issues.iter().map(py_str).collect();
    JudgeResult {
        passed: rule.passes(overall_score, &aspect_scores),
        confidence: clamp_score(raw.get("confidence"), 0),
        overall_score,
        aspect_scores,
        major_issues,
        strengths,
        generated_artifacts,
        reasoning: reasoning_text(raw.get("reasoning")),
    }
}

fn first_20(v: Option<&PyValue>) -> Vec<PyValue> {
    match v {
        Some(PyValue::Array(a)) => a.iter().take(20).cloned().collect(),
        _ => Vec::new(),
    }
}

/// Python `str(x)` for list items: scalars exactly; containers (and lone surrogates) as their
/// JSON text, a documented divergence from Python's `repr`.
fn py_str(v: &PyValue) -> String {
    py_str_of_value(v).unwrap_or_else(|| json::encode(v, Style::Default))
}

fn reasoning_text(v: Option<&PyValue>) -> String {
    match v {
        None | Some(PyValue::Null) => String::new(),
        Some(other) => py_strip(&py_str(other)).to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule() -> PassRule {
        PassRule::default()
    }

    #[test]
    fn fences_and_truncation() {
        assert_eq!(strip_fences(" ```json\n{\"a\":1}\n``` "), "{\"a\":1}");
        assert_eq!(strip_fences("x ```{\"a\":1}"), "{\"a\":1}");
        assert_eq!(strip_fences("{\"a\":1}"), "{\"a\":1}");
        assert!(matches!(
            parse_reply("{\"overall_score\": 8", &rule()),
            Err(Unparseable::Syntax(_))
        ));
        assert_eq!(parse_reply("[1]", &rule()), Err(Unparseable::NotAnObject));
        assert_eq!(
            parse_reply("{\"x\": [Infinity]}", &rule()),
            Err(Unparseable::NonFinite)
        );
    }

    #[test]
    fn clamp_vectors() {
        let v = |s: &str| leoma_api_types::json::parse_py(s.as_bytes()).unwrap();
        let cases: &[(&str, i64)] = &[
            ("72.5", 72),
            ("73.5", 74),
            ("-3", 0),
            ("101", 100),
            ("true", 1),
            ("false", 0),
            ("\"80\"", 80),
            ("\" 1_0.5 \"", 10),
            ("\"abc\"", 9),
            ("null", 9),
            ("[1]", 9),
            ("{}", 9),
            ("\"nan\"", 9),
            ("\"inf\"", 9),
            ("1e400", 9),
            ("99999999999999999999", 100),
        ];
        for (raw, want) in cases {
            assert_eq!(clamp_score(Some(&v(raw)), 9), *want, "{raw}");
        }
        assert_eq!(clamp_score(None, 9), 9);
    }

    #[test]
    fn normalisation_and_pass_rule() {
        let r = parse_reply(
            r#"{"aspect_scores": {"first_frame_fidelity": 80, "prompt_adherence": 80,
            "motion_quality": 80, "temporal_consistency": 49, "visual_quality": 80,
            "camera_composition": 80}, "confidence": "70", "major_issues": "x",
            "strengths": [1, {"a": 2}]}"#,
            &rule(),
        )
        .unwrap();
        // weighted = 80 − 0.2 × 31 = 73.8 → 74; no overall given, so 74 < 75 fails.
        assert_eq!(r.overall_score, 74);
        assert!(!r.passed);
        assert_eq!(r.confidence, 70);
        assert!(r.major_issues.is_empty());
        assert_eq!(r.strengths.len(), 2);
        assert_eq!(r.reasoning, "");
        let r = parse_reply(
            r#"{"overall_score": 90, "aspect_scores": {"first_frame_fidelity": 50,
            "prompt_adherence": 50, "temporal_consistency": 50}, "major_issues": [1, "b"],
            "reasoning": "Fine."}"#,
            &rule(),
        )
        .unwrap();
        assert!(r.passed, "model's overall wins and the floor is exactly 50");
        assert_eq!(r.generated_artifacts, ["1", "b"]);
        assert_eq!(
            r.entry_reasoning(),
            "Fine. | overall_score=90 | aspect_scores={\"first_frame_fidelity\":50,\"prompt_adherence\":50,\"motion_quality\":0,\"temporal_consistency\":50,\"visual_quality\":0,\"camera_composition\":0}"
        );
        assert!(
            r.entry_generated_artifacts()
                .starts_with("{\"major_issues\": [1, \"b\"], \"strengths\": []")
        );
        let f = JudgeResult::fail_safe(&"x".repeat(150));
        assert_eq!(f.reasoning.len(), "Parse error: ".len() + 100);
    }
}
