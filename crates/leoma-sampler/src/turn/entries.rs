//! Verdict entries from the per-miner results of a turn (SPEC §7.9): which miners get an entry
//! under v1, and the status and reason of every miner's v2 entry.

use leoma_api_types::json::PyValue;
use leoma_api_types::reason::VerdictReason;
use leoma_api_types::verdict::{
    ORIGINAL_ARTIFACTS, PRESENTATION_ORDER, VerdictEntryV1, VerdictEntryV2, VerdictStatus,
};
use leoma_eval::JudgeResult;

/// Longest `reasoning` text of an entry without a judgement.
const SHORT_REASONING_CHARS: usize = 300;

/// What happened to one miner in a turn.
#[derive(Debug, Clone, PartialEq)]
pub enum MinerResult {
    /// A result with every entry field: judged (`reason` none), judge output unparseable (the
    /// fail-safe result, `judge_unparseable`), or decided without the judge (`near_copy_of_source`,
    /// `frozen_video`). Gets a v1 entry.
    Scored {
        /// The (normalised, fail-safe or synthetic) judge result.
        result: JudgeResult,
        /// Call latency.
        latency_ms: i64,
        /// The v2 reason, `None` when judged normally.
        reason: Option<VerdictReason>,
    },
    /// No result: the call failed, the video was rejected, the judge API or the upload failed.
    /// No v1 entry; a v2 entry `failed` or `not_evaluated` per the reason.
    Unscored {
        /// The §7.9 reason.
        reason: VerdictReason,
        /// Call latency, when a response arrived.
        latency_ms: Option<i64>,
        /// A short explanation for the entry's `reasoning`.
        detail: String,
    },
}

impl MinerResult {
    /// The v2 status this result gets.
    pub fn status(&self) -> VerdictStatus {
        match self {
            MinerResult::Scored { result, .. } => VerdictStatus::of_passed(result.passed),
            MinerResult::Unscored { reason, .. } if reason.is_producer_failure() => {
                VerdictStatus::NotEvaluated
            }
            MinerResult::Unscored { .. } => VerdictStatus::Failed,
        }
    }
}

/// The result recorded for a frozen video: failed, confidence 100, every score 0.
pub fn frozen_result() -> JudgeResult {
    let issue = "frozen video (frames barely change)";
    JudgeResult {
        passed: false,
        confidence: 100,
        overall_score: 0,
        aspect_scores: Default::default(),
        major_issues: vec![PyValue::from(issue)],
        strengths: Vec::new(),
        generated_artifacts: vec![issue.to_owned()],
        reasoning: "Frozen video".to_owned(),
    }
}

/// One line, at most [`SHORT_REASONING_CHARS`] characters, control characters replaced (the text
/// may quote a miner's response or a tool's output).
fn short_text(s: &str) -> String {
    s.chars()
        .take(SHORT_REASONING_CHARS)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// v1 entries (SPEC §7.9): one per scored miner, sorted by hotkey.
pub fn entries_v1(records: &[(String, MinerResult)]) -> Vec<VerdictEntryV1> {
    let mut out: Vec<VerdictEntryV1> = records
        .iter()
        .filter_map(|(hotkey, r)| match r {
            MinerResult::Scored {
                result, latency_ms, ..
            } => Some(VerdictEntryV1 {
                hotkey: hotkey.clone(),
                passed: result.passed,
                status: VerdictStatus::of_passed(result.passed),
                confidence: result.confidence,
                reasoning: result.entry_reasoning(),
                latency_ms: (*latency_ms).max(0),
                original_artifacts: ORIGINAL_ARTIFACTS.to_owned(),
                generated_artifacts: result.entry_generated_artifacts(),
                presentation_order: PRESENTATION_ORDER.to_owned(),
            }),
            MinerResult::Unscored { .. } => None,
        })
        .collect();
    out.sort_by(|a, b| a.hotkey.cmp(&b.hotkey));
    out
}

/// v2 entries (SPEC §7.9): one per miner of the turn, sorted by hotkey.
pub fn entries_v2(records: &[(String, MinerResult)]) -> Vec<VerdictEntryV2> {
    let mut out: Vec<VerdictEntryV2> = records
        .iter()
        .map(|(hotkey, r)| match r {
            MinerResult::Scored {
                result,
                latency_ms,
                reason,
            } => VerdictEntryV2 {
                hotkey: hotkey.clone(),
                passed: result.passed,
                status: r.status(),
                reason: *reason,
                confidence: Some(result.confidence),
                reasoning: result.entry_reasoning(),
                latency_ms: Some((*latency_ms).max(0)),
                original_artifacts: Some(ORIGINAL_ARTIFACTS.to_owned()),
                generated_artifacts: Some(result.entry_generated_artifacts()),
                presentation_order: PRESENTATION_ORDER.to_owned(),
            },
            MinerResult::Unscored {
                reason,
                latency_ms,
                detail,
            } => VerdictEntryV2 {
                hotkey: hotkey.clone(),
                passed: false,
                status: r.status(),
                reason: Some(*reason),
                confidence: None,
                reasoning: short_text(detail),
                latency_ms: latency_ms.map(|l| l.max(0)),
                original_artifacts: None,
                generated_artifacts: None,
                presentation_order: PRESENTATION_ORDER.to_owned(),
            },
        })
        .collect();
    out.sort_by(|a, b| a.hotkey.cmp(&b.hotkey));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judged(passed: bool) -> MinerResult {
        let mut result = JudgeResult::fail_safe("x");
        result.passed = passed;
        result.confidence = 80;
        MinerResult::Scored {
            result,
            latency_ms: 1200,
            reason: None,
        }
    }

    fn unscored(reason: VerdictReason) -> MinerResult {
        MinerResult::Unscored {
            reason,
            latency_ms: None,
            detail: "line one\nline two".into(),
        }
    }

    #[test]
    fn v1_keeps_only_scored_miners_sorted() {
        let records = vec![
            ("c".to_owned(), judged(true)),
            ("a".to_owned(), unscored(VerdictReason::ChuteHttp(500))),
            (
                "b".to_owned(),
                MinerResult::Scored {
                    result: JudgeResult::near_copy(),
                    latency_ms: 5,
                    reason: Some(VerdictReason::NearCopyOfSource),
                },
            ),
        ];
        let v1 = entries_v1(&records);
        assert_eq!(
            v1.iter().map(|e| e.hotkey.as_str()).collect::<Vec<_>>(),
            ["b", "c"]
        );
        assert!(!v1[0].passed && v1[0].confidence == 100);
        assert!(v1[1].passed && v1[1].status == VerdictStatus::Passed);
    }

    #[test]
    fn v2_has_every_miner_with_status_by_reason() {
        let records = vec![
            ("d".to_owned(), unscored(VerdictReason::JudgeError)),
            ("a".to_owned(), judged(false)),
            ("c".to_owned(), unscored(VerdictReason::ChuteTimeout)),
            (
                "b".to_owned(),
                MinerResult::Scored {
                    result: frozen_result(),
                    latency_ms: -3,
                    reason: Some(VerdictReason::FrozenVideo),
                },
            ),
        ];
        let v2 = entries_v2(&records);
        let got: Vec<(&str, VerdictStatus, Option<String>)> = v2
            .iter()
            .map(|e| (e.hotkey.as_str(), e.status, e.reason.map(|r| r.as_wire())))
            .collect();
        assert_eq!(
            got,
            vec![
                ("a", VerdictStatus::Failed, None),
                ("b", VerdictStatus::Failed, Some("frozen_video".into())),
                ("c", VerdictStatus::Failed, Some("chute_timeout".into())),
                ("d", VerdictStatus::NotEvaluated, Some("judge_error".into())),
            ]
        );
        for e in &v2 {
            e.check().unwrap();
        }
        assert_eq!(v2[1].latency_ms, Some(0));
        assert_eq!(v2[2].reasoning, "line one line two");
        assert_eq!(v2[2].confidence, None);
    }
}
