//! `LocalJudge`: an offline judge built only on the deterministic measurements, for devnet and
//! tests without a Gemini key. It never looks at the prompt, so it cannot measure prompt
//! adherence; that aspect gets a fixed configured score. Not for production scoring.

use async_trait::async_trait;
use leoma_api_types::json::PyValue;

use super::parse::{PassRule, clamp_f64};
use super::result::{AspectScores, JudgeResult};
use super::{Judge, JudgeOutcome, JudgeRequest};
use crate::EvalError;
use crate::video::VideoMetrics;

/// Settings of the offline judge.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LocalJudgeSettings {
    /// Pass thresholds (the same rule as the Gemini judge).
    pub pass_rule: PassRule,
    /// Score given to `prompt_adherence`, which cannot be measured offline (75).
    pub prompt_adherence: i64,
    /// PSNR (dB) at and below which fidelity's PSNR half scores 0 (15).
    pub psnr_floor_db: f64,
    /// PSNR (dB) at and above which it scores 100 (40).
    pub psnr_full_db: f64,
    /// Temporal consistency lost per luma level of flicker (10).
    pub flicker_penalty: f64,
}

impl Default for LocalJudgeSettings {
    fn default() -> Self {
        LocalJudgeSettings {
            pass_rule: PassRule::default(),
            prompt_adherence: 75,
            psnr_floor_db: 15.0,
            psnr_full_db: 40.0,
            flicker_penalty: 10.0,
        }
    }
}

/// The offline judge.
#[derive(Debug, Clone, Default)]
pub struct LocalJudge {
    settings: LocalJudgeSettings,
}

impl LocalJudge {
    /// A judge with these settings.
    pub fn new(settings: LocalJudgeSettings) -> Self {
        LocalJudge { settings }
    }

    /// Scores measurements (SPEC §8.4 shape; aspects derived as documented in
    /// `docs/evaluation.md`).
    pub fn score(&self, m: &VideoMetrics) -> JudgeResult {
        let s = &self.settings;
        let unit = |v: f64| v.clamp(0.0, 1.0);
        let psnr_part =
            unit((m.first_frame_psnr_db - s.psnr_floor_db) / (s.psnr_full_db - s.psnr_floor_db));
        let fidelity = clamp_f64(50.0 * psnr_part + 50.0 * unit(m.first_frame_ssim), 0);
        let temporal = clamp_f64(100.0 - s.flicker_penalty * m.flicker, 0);
        let motion = clamp_f64(motion_score(m.motion), 0);
        let aspects = AspectScores {
            first_frame_fidelity: fidelity,
            prompt_adherence: s.prompt_adherence.clamp(0, 100),
            motion_quality: motion,
            temporal_consistency: temporal,
            visual_quality: fidelity.min(temporal),
            camera_composition: motion,
        };
        let overall = clamp_f64(aspects.weighted_sum(), 0);
        let mut issues = Vec::new();
        if fidelity < s.pass_rule.critical_threshold {
            issues.push("opening frame differs from the conditioning frame");
        }
        if temporal < s.pass_rule.critical_threshold {
            issues.push("strong flicker");
        }
        if motion < s.pass_rule.critical_threshold {
            issues.push("little or erratic motion");
        }
        JudgeResult {
            passed: s.pass_rule.passes(overall, &aspects),
            confidence: 50,
            overall_score: overall,
            aspect_scores: aspects,
            major_issues: issues.iter().map(|i| PyValue::from(*i)).collect(),
            strengths: Vec::new(),
            generated_artifacts: issues.iter().map(|i| (*i).to_owned()).collect(),
            reasoning: format!(
                "Local judge: psnr={:.2}dB ssim={:.3} flicker={:.3} motion={:.3}",
                m.first_frame_psnr_db, m.first_frame_ssim, m.flicker, m.motion
            ),
        }
    }
}

/// 0 for a still video, 100 for ordinary motion (2–20 luma levels per frame on the analysis
/// grid), falling to 0 at 60 (chaos).
fn motion_score(motion: f64) -> f64 {
    if motion <= 0.5 {
        0.0
    } else if motion < 2.0 {
        (motion - 0.5) / 1.5 * 100.0
    } else if motion <= 20.0 {
        100.0
    } else {
        (60.0 - motion).max(0.0) / 40.0 * 100.0
    }
}

#[async_trait]
impl Judge for LocalJudge {
    async fn judge(&self, request: &JudgeRequest<'_>) -> Result<JudgeOutcome, EvalError> {
        let metrics = request
            .metrics
            .ok_or_else(|| EvalError::InvalidInput("LocalJudge needs the video metrics".into()))?;
        Ok(JudgeOutcome::Judged(self.score(metrics)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metrics(psnr: f64, ssim: f64, flicker: f64, motion: f64) -> VideoMetrics {
        VideoMetrics {
            first_frame_psnr_db: psnr,
            first_frame_ssim: ssim,
            flicker,
            motion,
            max_deviation_from_first: motion * 5.0,
            frames_decoded: 81,
        }
    }

    #[test]
    fn faithful_smooth_video_passes() {
        let r = LocalJudge::default().score(&metrics(42.0, 0.97, 0.1, 6.0));
        assert!(r.passed, "{r:?}");
        // 50 + 48.5 = 98.5 rounds half to even.
        assert_eq!(r.aspect_scores.first_frame_fidelity, 98);
        assert_eq!(r.aspect_scores.temporal_consistency, 99);
        assert_eq!(r.aspect_scores.prompt_adherence, 75);
    }

    #[test]
    fn wrong_first_frame_or_flicker_fails() {
        let j = LocalJudge::default();
        let bad_frame = j.score(&metrics(9.0, 0.05, 0.1, 6.0));
        assert!(!bad_frame.passed);
        assert!(bad_frame.aspect_scores.first_frame_fidelity < 50);
        let strobe = j.score(&metrics(42.0, 0.97, 30.0, 6.0));
        assert!(!strobe.passed);
        assert_eq!(strobe.aspect_scores.temporal_consistency, 0);
        assert_eq!(motion_score(0.0), 0.0);
        assert_eq!(motion_score(10.0), 100.0);
        assert_eq!(motion_score(80.0), 0.0);
    }
}
