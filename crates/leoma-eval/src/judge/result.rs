//! The normalised judge result (SPEC §8.4) and the verdict-entry strings built from it (§8.5).

use leoma_api_types::json::{self, PyObject, PyValue, Style};
use leoma_api_types::verdict::PRESENTATION_ORDER;

/// The six aspects, in the order of SPEC §8.2, with their weights (§8.4).
pub const ASPECTS: [(&str, f64); 6] = [
    ("first_frame_fidelity", 0.25),
    ("prompt_adherence", 0.25),
    ("motion_quality", 0.15),
    ("temporal_consistency", 0.20),
    ("visual_quality", 0.10),
    ("camera_composition", 0.05),
];

/// Aspect scores, each an integer in 0..=100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AspectScores {
    /// Opening frame matches the conditioning frame.
    pub first_frame_fidelity: i64,
    /// The video does what the prompt says.
    pub prompt_adherence: i64,
    /// Plausible, smooth motion.
    pub motion_quality: i64,
    /// No identity drift, flicker or jumps.
    pub temporal_consistency: i64,
    /// Sharpness and absence of artifacts.
    pub visual_quality: i64,
    /// Framing and camera behaviour.
    pub camera_composition: i64,
}

impl AspectScores {
    /// The scores in §8.2 order.
    pub fn values(&self) -> [i64; 6] {
        [
            self.first_frame_fidelity,
            self.prompt_adherence,
            self.motion_quality,
            self.temporal_consistency,
            self.visual_quality,
            self.camera_composition,
        ]
    }

    /// Builds from scores in §8.2 order.
    pub fn from_values(v: [i64; 6]) -> Self {
        let [a, b, c, d, e, f] = v;
        AspectScores {
            first_frame_fidelity: a,
            prompt_adherence: b,
            motion_quality: c,
            temporal_consistency: d,
            visual_quality: e,
            camera_composition: f,
        }
    }

    /// `Σ score × weight` summed in §8.2 key order in f64 (before clamping).
    pub fn weighted_sum(&self) -> f64 {
        self.values()
            .iter()
            .zip(ASPECTS)
            .fold(0.0, |acc, (s, (_, w))| acc + (*s as f64) * w)
    }

    /// `min(first_frame_fidelity, prompt_adherence, temporal_consistency)`.
    pub fn critical_floor(&self) -> i64 {
        self.first_frame_fidelity
            .min(self.prompt_adherence)
            .min(self.temporal_consistency)
    }

    /// The scores as an ordered dict.
    pub fn to_py(&self) -> PyValue {
        let mut o = PyObject::new();
        for ((k, _), v) in ASPECTS.iter().zip(self.values()) {
            o.insert(*k, v);
        }
        PyValue::Object(o)
    }
}

/// The judge's result after normalisation (SPEC §8.4).
#[derive(Debug, Clone, PartialEq)]
pub struct JudgeResult {
    /// The pass rule's outcome.
    pub passed: bool,
    /// 0..=100.
    pub confidence: i64,
    /// The model's overall score, or the weighted score when it gave none.
    pub overall_score: i64,
    /// Per-aspect scores.
    pub aspect_scores: AspectScores,
    /// First 20 `major_issues` as the model wrote them.
    pub major_issues: Vec<PyValue>,
    /// First 20 `strengths` as the model wrote them.
    pub strengths: Vec<PyValue>,
    /// The first 20 major issues as strings.
    pub generated_artifacts: Vec<String>,
    /// Trimmed reasoning text ("" if absent).
    pub reasoning: String,
}

impl JudgeResult {
    /// The fail-safe result for output that could not be parsed (SPEC §8.3 point 2): failed,
    /// all zeros, reasoning `"Parse error: "` plus the first 100 code points of the raw text.
    pub fn fail_safe(raw: &str) -> Self {
        let head: String = raw.chars().take(100).collect();
        JudgeResult {
            passed: false,
            confidence: 0,
            overall_score: 0,
            aspect_scores: AspectScores::default(),
            major_issues: Vec::new(),
            strengths: Vec::new(),
            generated_artifacts: Vec::new(),
            reasoning: format!("Parse error: {head}"),
        }
    }

    /// The result recorded for a near-copy (SPEC §7.9): failed, confidence 100, all scores 0.
    pub fn near_copy() -> Self {
        let issue = "near-copy of the source clip";
        JudgeResult {
            passed: false,
            confidence: 100,
            overall_score: 0,
            aspect_scores: AspectScores::default(),
            major_issues: vec![PyValue::from(issue)],
            strengths: Vec::new(),
            generated_artifacts: vec![issue.to_owned()],
            reasoning: "Near-copy of the source clip".to_owned(),
        }
    }

    /// The entry `reasoning` (SPEC §8.5): `<reasoning> | overall_score=<n> |
    /// aspect_scores=<PyCompact(aspect_scores)>`.
    pub fn entry_reasoning(&self) -> String {
        format!(
            "{} | overall_score={} | aspect_scores={}",
            self.reasoning,
            self.overall_score,
            json::encode(&self.aspect_scores.to_py(), Style::Compact)
        )
    }

    /// The entry `generated_artifacts` (SPEC §8.5): `PyDefault` of `{major_issues, strengths,
    /// aspect_scores, overall_score, raw_generated_artifacts}`.
    pub fn entry_generated_artifacts(&self) -> String {
        let mut o = PyObject::new();
        o.insert("major_issues", PyValue::Array(self.major_issues.clone()));
        o.insert("strengths", PyValue::Array(self.strengths.clone()));
        o.insert("aspect_scores", self.aspect_scores.to_py());
        o.insert("overall_score", self.overall_score);
        o.insert(
            "raw_generated_artifacts",
            PyValue::Array(
                self.generated_artifacts
                    .iter()
                    .map(|s| PyValue::from(s.as_str()))
                    .collect(),
            ),
        );
        json::encode(&PyValue::Object(o), Style::Default)
    }

    /// `"passed"` or `"failed"`.
    pub fn status(&self) -> &'static str {
        if self.passed { "passed" } else { "failed" }
    }

    /// Always `"single-video benchmark"`.
    pub fn presentation_order(&self) -> &'static str {
        PRESENTATION_ORDER
    }
}
