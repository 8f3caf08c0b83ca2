//! The sampling turn's and the judge's tuning flags (SPEC §10.2 and the Rust additions in
//! `docs/evaluation.md`): source selection, miner-video checks, near-copy and frozen detection,
//! the Gemini judge and describer. Parsed by clap, then checked once by [`TuningArgs::resolve`]
//! into the settings structs of `leoma-sampler` and `leoma-eval`; a value out of range is a
//! startup error naming its variable (SPEC §10.1), which the commands turn into exit code 2.

use std::time::Duration;

use leoma_eval::{
    AssessSettings, CallSettings, FrozenSettings, MediaResolution, NearCopySettings, PassRule,
    RetryPolicy, VideoLimits,
};
use leoma_sampler::turn::SourceSettings;

/// A setting whose value is unusable, named by its environment variable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{var}: {reason}")]
pub struct SettingError {
    /// The variable (or variables, `A / B`) at fault.
    pub var: String,
    /// What is wrong with it.
    pub reason: String,
}

impl SettingError {
    /// An error about `var`.
    pub fn new(var: impl Into<String>, reason: impl Into<String>) -> Self {
        SettingError {
            var: var.into(),
            reason: reason.into(),
        }
    }
}

/// Video checks run ffmpeg and decode frames, so they are CPU-bound: one per core.
pub fn default_check_concurrency() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

/// Turn and evaluation tuning (SPEC §10.2). Field names are the variables', lowercased, so clap
/// names the variable when a value does not parse.
#[derive(Debug, Clone, clap::Args)]
pub struct TuningArgs {
    /// Seconds a source-bucket listing is reused.
    #[arg(long, env = "SOURCE_LISTING_TTL", default_value_t = 600)]
    pub source_listing_ttl: u64,
    /// Source clips must be larger than this (bytes, exclusive).
    #[arg(long, env = "MIN_VIDEO_SIZE", default_value_t = 1_000_000)]
    pub min_video_size: u64,
    /// Source clips must be smaller than this (bytes, exclusive); also the download cap.
    #[arg(long, env = "MAX_VIDEO_SIZE", default_value_t = 200_000_000)]
    pub max_video_size: u64,
    /// Length of the clip cut from a source video, seconds.
    #[arg(long, env = "CLIP_DURATION", default_value_t = 5.0)]
    pub clip_duration: f64,
    /// Source keys remembered as recently used.
    #[arg(long, env = "MAX_VIDEO_HISTORY", default_value_t = 50)]
    pub max_video_history: usize,
    /// Scene-change score that counts as a cut (0..=1).
    #[arg(long, env = "ONE_SHOT_SCENE_THRESHOLD", default_value_t = 0.18)]
    pub one_shot_scene_threshold: f64,
    /// Seconds kept clear of a cut on each side.
    #[arg(long, env = "ONE_SHOT_BOUNDARY_MARGIN", default_value_t = 0.15)]
    pub one_shot_boundary_margin: f64,
    /// Seconds skipped at the start of a one-shot segment.
    #[arg(long, env = "SAFE_CLIP_START_OFFSET_SECONDS", default_value_t = 2.0)]
    pub safe_clip_start_offset_seconds: f64,
    /// Expected miner video width.
    #[arg(long, env = "REQUIRED_VIDEO_WIDTH", default_value_t = 832)]
    pub required_video_width: u32,
    /// Expected miner video height.
    #[arg(long, env = "REQUIRED_VIDEO_HEIGHT", default_value_t = 480)]
    pub required_video_height: u32,
    /// Pixels either way a miner video may be off (inclusive).
    #[arg(long, env = "VIDEO_RESOLUTION_TOLERANCE", default_value_t = 32)]
    pub video_resolution_tolerance: u32,
    /// Largest miner video accepted, bytes (E1).
    #[arg(long, env = "MINER_VIDEO_MAX_BYTES", default_value_t = 16_777_216)]
    pub miner_video_max_bytes: u64,
    /// Shortest miner video, seconds.
    #[arg(long, env = "MINER_VIDEO_MIN_DURATION_S", default_value_t = 2.0)]
    pub miner_video_min_duration_s: f64,
    /// Longest miner video, seconds.
    #[arg(long, env = "MINER_VIDEO_MAX_DURATION_S", default_value_t = 12.0)]
    pub miner_video_max_duration_s: f64,
    /// Lowest miner video frame rate.
    #[arg(long, env = "MINER_VIDEO_MIN_FPS", default_value_t = 8.0)]
    pub miner_video_min_fps: f64,
    /// Highest miner video frame rate.
    #[arg(long, env = "MINER_VIDEO_MAX_FPS", default_value_t = 60.0)]
    pub miner_video_max_fps: f64,
    /// Fewest miner video frames.
    #[arg(long, env = "MINER_VIDEO_MIN_FRAMES", default_value_t = 16)]
    pub miner_video_min_frames: u64,
    /// Most miner video frames.
    #[arg(long, env = "MINER_VIDEO_MAX_FRAMES", default_value_t = 400)]
    pub miner_video_max_frames: u64,
    /// Frames compared against the source clip for near-copy detection (E5).
    #[arg(long, env = "NEAR_COPY_SAMPLE_FRAMES", default_value_t = 8)]
    pub near_copy_sample_frames: u32,
    /// Largest perceptual-hash distance of a matching frame (0..=64, inclusive).
    #[arg(long, env = "NEAR_COPY_MAX_HAMMING", default_value_t = 6)]
    pub near_copy_max_hamming: u32,
    /// Fraction of sampled frames that must match for a near copy (0..=1).
    #[arg(long, env = "NEAR_COPY_MIN_FRACTION", default_value_t = 0.75)]
    pub near_copy_min_fraction: f64,
    /// Mean absolute luma difference (0..=255) under which a video is frozen.
    #[arg(long, env = "FROZEN_MAX_MEAN_ABS_DIFF", default_value_t = 1.5)]
    pub frozen_max_mean_abs_diff: f64,
    /// Timeout of one ffprobe/ffmpeg run on a miner video, seconds.
    #[arg(long, env = "VIDEO_TOOL_TIMEOUT_S", default_value_t = 30)]
    pub video_tool_timeout_s: u64,
    /// Miner-video checks in flight (default: CPU cores).
    #[arg(long, env = "VIDEO_CHECK_CONCURRENCY", default_value_t = default_check_concurrency())]
    pub video_check_concurrency: usize,
    /// Judge model.
    #[arg(
        long,
        env = "EVALUATION_MODEL",
        default_value = "gemini-3.1-flash-lite"
    )]
    pub evaluation_model: String,
    /// `overall_score` needed to pass (0..=100).
    #[arg(long, env = "EVALUATION_PASS_THRESHOLD", default_value_t = 75)]
    pub evaluation_pass_threshold: i64,
    /// Critical aspect floor needed to pass (0..=100).
    #[arg(long, env = "EVALUATION_CRITICAL_THRESHOLD", default_value_t = 50)]
    pub evaluation_critical_threshold: i64,
    /// Frames per second the judge samples from each video.
    #[arg(long, env = "EVALUATION_VIDEO_FPS", default_value_t = 16)]
    pub evaluation_video_fps: u32,
    /// Judge media resolution (`low`, `medium`, `high`; anything else is `high`).
    #[arg(long, env = "EVALUATION_MEDIA_RESOLUTION", default_value = "high")]
    pub evaluation_media_resolution: String,
    /// Judge attempts per miner video.
    #[arg(long, env = "EVALUATION_MAX_ATTEMPTS", default_value_t = 3)]
    pub evaluation_max_attempts: u32,
    /// Sleeps between judge attempts, seconds, comma-separated (the last repeats; ±20 %).
    #[arg(long, env = "EVALUATION_RETRY_BACKOFF_S", default_value = "5,15")]
    pub evaluation_retry_backoff_s: String,
    /// Judge `maxOutputTokens`.
    #[arg(long, env = "EVALUATION_MAX_OUTPUT_TOKENS", default_value_t = 1024)]
    pub evaluation_max_output_tokens: u32,
    /// Clip-description model.
    #[arg(
        long,
        env = "DESCRIPTION_MODEL",
        default_value = "gemini-3.1-flash-lite"
    )]
    pub description_model: String,
    /// Description attempts.
    #[arg(long, env = "DESCRIPTION_MAX_ATTEMPTS", default_value_t = 3)]
    pub description_max_attempts: u32,
    /// Sleep between description attempts, seconds.
    #[arg(long, env = "DESCRIPTION_RETRY_SLEEP_S", default_value_t = 10.0)]
    pub description_retry_sleep_s: f64,
    /// Frames per second the describer samples from the clip.
    #[arg(long, env = "DESCRIPTION_VIDEO_FPS", default_value_t = 16)]
    pub description_video_fps: u32,
    /// Describer media resolution (`low`, `medium`, `high`; anything else is `high`).
    #[arg(long, env = "DESCRIPTION_MEDIA_RESOLUTION", default_value = "high")]
    pub description_media_resolution: String,
    /// Gemini requests larger than this upload the video with the File API, bytes.
    #[arg(long, env = "GEMINI_INLINE_LIMIT_BYTES", default_value_t = 20_000_000)]
    pub gemini_inline_limit_bytes: usize,
}

/// [`TuningArgs`], checked and mapped onto the library settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Tuning {
    /// `TurnSettings::source`.
    pub source: SourceSettings,
    /// `TurnSettings::assess`.
    pub assess: AssessSettings,
    /// `TurnSettings::check_concurrency`.
    pub check_concurrency: usize,
    /// Timeout of each ffprobe/ffmpeg run on a miner video (`FfmpegProbe`).
    pub video_tool_timeout: Duration,
    /// `GeminiConfig::judge`.
    pub judge: CallSettings,
    /// `GeminiConfig::describe`.
    pub describe: CallSettings,
    /// `GeminiConfig::pass_rule`.
    pub pass_rule: PassRule,
    /// `GeminiConfig::inline_limit_bytes`.
    pub inline_limit_bytes: usize,
}

/// Parses `EVALUATION_RETRY_BACKOFF_S`: one or more non-negative seconds, comma-separated.
pub fn parse_backoff(text: &str) -> Result<Vec<Duration>, String> {
    text.split(',')
        .map(|part| {
            let p = part.trim();
            let s: f64 = p.parse().map_err(|_| {
                format!("{p:?} is not a number of seconds (expected e.g. \"5,15\")")
            })?;
            if !(s.is_finite() && (0.0..=86_400.0).contains(&s)) {
                return Err(format!("{p} is not within 0..=86400 seconds"));
            }
            Ok(Duration::from_secs_f64(s))
        })
        .collect()
}

fn finite_in(var: &str, v: f64, lo: f64, hi: f64) -> Result<f64, SettingError> {
    if v.is_finite() && (lo..=hi).contains(&v) {
        Ok(v)
    } else {
        Err(SettingError::new(
            var,
            format!("{v} is not within {lo}..={hi}"),
        ))
    }
}

fn at_least<T: PartialOrd + std::fmt::Display + Copy>(
    var: &str,
    v: T,
    min: T,
) -> Result<T, SettingError> {
    if v >= min {
        Ok(v)
    } else {
        Err(SettingError::new(var, format!("{v} is below {min}")))
    }
}

fn ordered<T: PartialOrd + std::fmt::Display>(
    (lo_var, lo): (&str, T),
    (hi_var, hi): (&str, T),
    strict: bool,
) -> Result<(), SettingError> {
    let bad = if strict { lo >= hi } else { lo > hi };
    if bad {
        let rel = if strict { "below" } else { "at most" };
        return Err(SettingError::new(
            format!("{lo_var} / {hi_var}"),
            format!("{lo_var} ({lo}) must be {rel} {hi_var} ({hi})"),
        ));
    }
    Ok(())
}

const MAX_SECONDS: f64 = 86_400.0;

impl TuningArgs {
    /// Checks every value and maps them onto the library settings.
    pub fn resolve(&self) -> Result<Tuning, SettingError> {
        ordered(
            ("MIN_VIDEO_SIZE", self.min_video_size),
            ("MAX_VIDEO_SIZE", self.max_video_size),
            true,
        )?;
        let clip = finite_in("CLIP_DURATION", self.clip_duration, 0.0, MAX_SECONDS)?;
        if clip <= 0.0 {
            return Err(SettingError::new("CLIP_DURATION", "must be above 0"));
        }
        let source = SourceSettings {
            min_video_size: self.min_video_size,
            max_video_size: self.max_video_size,
            clip_duration_s: clip,
            max_video_history: self.max_video_history,
            scene_threshold: finite_in(
                "ONE_SHOT_SCENE_THRESHOLD",
                self.one_shot_scene_threshold,
                0.0,
                1.0,
            )?,
            boundary_margin_s: finite_in(
                "ONE_SHOT_BOUNDARY_MARGIN",
                self.one_shot_boundary_margin,
                0.0,
                MAX_SECONDS,
            )?,
            safe_start_offset_s: finite_in(
                "SAFE_CLIP_START_OFFSET_SECONDS",
                self.safe_clip_start_offset_seconds,
                0.0,
                MAX_SECONDS,
            )?,
            listing_ttl: Duration::from_secs(self.source_listing_ttl),
            ..SourceSettings::default()
        };

        at_least("REQUIRED_VIDEO_WIDTH", self.required_video_width, 1)?;
        at_least("REQUIRED_VIDEO_HEIGHT", self.required_video_height, 1)?;
        at_least("MINER_VIDEO_MAX_BYTES", self.miner_video_max_bytes, 1)?;
        let min_d = finite_in(
            "MINER_VIDEO_MIN_DURATION_S",
            self.miner_video_min_duration_s,
            0.0,
            MAX_SECONDS,
        )?;
        let max_d = finite_in(
            "MINER_VIDEO_MAX_DURATION_S",
            self.miner_video_max_duration_s,
            0.0,
            MAX_SECONDS,
        )?;
        ordered(
            ("MINER_VIDEO_MIN_DURATION_S", min_d),
            ("MINER_VIDEO_MAX_DURATION_S", max_d),
            false,
        )?;
        let min_fps = finite_in("MINER_VIDEO_MIN_FPS", self.miner_video_min_fps, 0.0, 1000.0)?;
        let max_fps = finite_in("MINER_VIDEO_MAX_FPS", self.miner_video_max_fps, 0.0, 1000.0)?;
        ordered(
            ("MINER_VIDEO_MIN_FPS", min_fps),
            ("MINER_VIDEO_MAX_FPS", max_fps),
            false,
        )?;
        ordered(
            ("MINER_VIDEO_MIN_FRAMES", self.miner_video_min_frames),
            ("MINER_VIDEO_MAX_FRAMES", self.miner_video_max_frames),
            false,
        )?;
        at_least("NEAR_COPY_SAMPLE_FRAMES", self.near_copy_sample_frames, 1)?;
        if self.near_copy_max_hamming > 64 {
            return Err(SettingError::new(
                "NEAR_COPY_MAX_HAMMING",
                format!(
                    "{} is not within 0..=64 (64-bit hashes)",
                    self.near_copy_max_hamming
                ),
            ));
        }
        let assess = AssessSettings {
            limits: VideoLimits {
                required_width: self.required_video_width,
                required_height: self.required_video_height,
                resolution_tolerance: self.video_resolution_tolerance,
                max_bytes: self.miner_video_max_bytes,
                min_duration_s: min_d,
                max_duration_s: max_d,
                min_fps,
                max_fps,
                min_frames: self.miner_video_min_frames,
                max_frames: self.miner_video_max_frames,
            },
            near_copy: NearCopySettings {
                sample_frames: self.near_copy_sample_frames,
                max_hamming: self.near_copy_max_hamming,
                min_fraction: finite_in(
                    "NEAR_COPY_MIN_FRACTION",
                    self.near_copy_min_fraction,
                    0.0,
                    1.0,
                )?,
            },
            frozen: FrozenSettings {
                max_mean_abs_diff: finite_in(
                    "FROZEN_MAX_MEAN_ABS_DIFF",
                    self.frozen_max_mean_abs_diff,
                    0.0,
                    255.0,
                )?,
            },
        };
        at_least("VIDEO_TOOL_TIMEOUT_S", self.video_tool_timeout_s, 1)?;
        at_least("VIDEO_CHECK_CONCURRENCY", self.video_check_concurrency, 1)?;

        for (var, v) in [
            ("EVALUATION_PASS_THRESHOLD", self.evaluation_pass_threshold),
            (
                "EVALUATION_CRITICAL_THRESHOLD",
                self.evaluation_critical_threshold,
            ),
        ] {
            if !(0..=100).contains(&v) {
                return Err(SettingError::new(var, format!("{v} is not within 0..=100")));
            }
        }
        at_least("EVALUATION_VIDEO_FPS", self.evaluation_video_fps, 1)?;
        at_least("DESCRIPTION_VIDEO_FPS", self.description_video_fps, 1)?;
        at_least("EVALUATION_MAX_ATTEMPTS", self.evaluation_max_attempts, 1)?;
        at_least("DESCRIPTION_MAX_ATTEMPTS", self.description_max_attempts, 1)?;
        at_least(
            "EVALUATION_MAX_OUTPUT_TOKENS",
            self.evaluation_max_output_tokens,
            1,
        )?;
        at_least(
            "GEMINI_INLINE_LIMIT_BYTES",
            self.gemini_inline_limit_bytes,
            1,
        )?;
        let backoff = parse_backoff(&self.evaluation_retry_backoff_s)
            .map_err(|r| SettingError::new("EVALUATION_RETRY_BACKOFF_S", r))?;
        let sleep = finite_in(
            "DESCRIPTION_RETRY_SLEEP_S",
            self.description_retry_sleep_s,
            0.0,
            MAX_SECONDS,
        )?;
        for (var, v) in [
            ("EVALUATION_MODEL", &self.evaluation_model),
            ("DESCRIPTION_MODEL", &self.description_model),
        ] {
            // The model id becomes a URL path segment.
            if v.trim().is_empty() || v.contains(['/', '?', '#', ' ']) {
                return Err(SettingError::new(var, format!("{v:?} is not a model id")));
            }
        }
        // Temperatures, jitter and the describer's token budget are not settings (SPEC §8.1,
        // §8.6): they stay the library's.
        let judge_default = CallSettings::judge_default();
        let judge = CallSettings {
            model: self.evaluation_model.trim().to_owned(),
            max_output_tokens: self.evaluation_max_output_tokens,
            video_fps: self.evaluation_video_fps,
            media_resolution: MediaResolution::parse_setting(&self.evaluation_media_resolution),
            retry: RetryPolicy {
                max_attempts: self.evaluation_max_attempts,
                backoff,
                ..judge_default.retry.clone()
            },
            ..judge_default
        };
        let describe_default = CallSettings::describe_default();
        let describe = CallSettings {
            model: self.description_model.trim().to_owned(),
            video_fps: self.description_video_fps,
            media_resolution: MediaResolution::parse_setting(&self.description_media_resolution),
            retry: RetryPolicy {
                max_attempts: self.description_max_attempts,
                backoff: vec![Duration::from_secs_f64(sleep)],
                ..describe_default.retry.clone()
            },
            ..describe_default
        };
        Ok(Tuning {
            source,
            assess,
            check_concurrency: self.video_check_concurrency,
            video_tool_timeout: Duration::from_secs(self.video_tool_timeout_s),
            judge,
            describe,
            pass_rule: PassRule {
                pass_threshold: self.evaluation_pass_threshold,
                critical_threshold: self.evaluation_critical_threshold,
            },
            inline_limit_bytes: self.gemini_inline_limit_bytes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, clap::Parser)]
    struct Cli {
        #[command(flatten)]
        t: TuningArgs,
    }

    fn parse(args: &[&str]) -> TuningArgs {
        let mut all = vec!["x"];
        all.extend_from_slice(args);
        Cli::try_parse_from(all)
            .map(|c| c.t)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn defaults_are_the_library_defaults() {
        let t = parse(&[]).resolve().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(t.source, SourceSettings::default());
        assert_eq!(t.assess, AssessSettings::default());
        let g = leoma_eval::GeminiConfig::new("http://x", leoma_api_types::keys::Secret::new("k"));
        assert_eq!(t.judge, g.judge);
        assert_eq!(t.describe, g.describe);
        assert_eq!(t.pass_rule, g.pass_rule);
        assert_eq!(t.inline_limit_bytes, g.inline_limit_bytes);
        assert_eq!(
            t.video_tool_timeout,
            leoma_eval::video::settings::DEFAULT_TOOL_TIMEOUT
        );
        assert!(t.check_concurrency >= 1);
    }

    #[test]
    fn values_reach_their_fields() {
        let t = parse(&[
            "--near-copy-max-hamming",
            "9",
            "--near-copy-min-fraction",
            "0.5",
            "--evaluation-retry-backoff-s",
            " 1, 2.5 ,30",
            "--evaluation-media-resolution",
            "LOW",
            "--evaluation-model",
            "gemini-x",
            "--miner-video-max-bytes",
            "1000",
            "--video-check-concurrency",
            "3",
            "--source-listing-ttl",
            "7",
            "--description-retry-sleep-s",
            "0.5",
            "--evaluation-pass-threshold",
            "80",
        ])
        .resolve()
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(t.assess.near_copy.max_hamming, 9);
        assert!((t.assess.near_copy.min_fraction - 0.5).abs() < f64::EPSILON);
        assert_eq!(
            t.judge.retry.backoff,
            vec![
                Duration::from_secs(1),
                Duration::from_millis(2500),
                Duration::from_secs(30)
            ]
        );
        assert_eq!(t.judge.media_resolution, MediaResolution::Low);
        assert_eq!(t.judge.model, "gemini-x");
        assert_eq!(t.assess.limits.max_bytes, 1000);
        assert_eq!(t.check_concurrency, 3);
        assert_eq!(t.source.listing_ttl, Duration::from_secs(7));
        assert_eq!(t.describe.retry.backoff, vec![Duration::from_millis(500)]);
        assert_eq!(t.pass_rule.pass_threshold, 80);
    }

    #[test]
    fn bad_values_name_their_variable() {
        for (args, var) in [
            (
                &["--near-copy-min-fraction", "1.5"][..],
                "NEAR_COPY_MIN_FRACTION",
            ),
            (
                &["--near-copy-min-fraction", "NaN"][..],
                "NEAR_COPY_MIN_FRACTION",
            ),
            (
                &["--near-copy-max-hamming", "65"][..],
                "NEAR_COPY_MAX_HAMMING",
            ),
            (
                &["--min-video-size", "5", "--max-video-size", "5"][..],
                "MIN_VIDEO_SIZE / MAX_VIDEO_SIZE",
            ),
            (
                &["--miner-video-min-fps", "30", "--miner-video-max-fps", "10"][..],
                "MINER_VIDEO_MIN_FPS / MINER_VIDEO_MAX_FPS",
            ),
            (
                &["--miner-video-min-frames", "500"][..],
                "MINER_VIDEO_MIN_FRAMES / MINER_VIDEO_MAX_FRAMES",
            ),
            (
                &["--miner-video-min-duration-s", "13"][..],
                "MINER_VIDEO_MIN_DURATION_S / MINER_VIDEO_MAX_DURATION_S",
            ),
            (
                &["--evaluation-retry-backoff-s", "5,,15"][..],
                "EVALUATION_RETRY_BACKOFF_S",
            ),
            (
                &["--evaluation-retry-backoff-s", "5;15"][..],
                "EVALUATION_RETRY_BACKOFF_S",
            ),
            (
                &["--evaluation-retry-backoff-s=-1"][..],
                "EVALUATION_RETRY_BACKOFF_S",
            ),
            (
                &["--evaluation-max-attempts", "0"][..],
                "EVALUATION_MAX_ATTEMPTS",
            ),
            (
                &["--evaluation-pass-threshold", "101"][..],
                "EVALUATION_PASS_THRESHOLD",
            ),
            (
                &["--video-check-concurrency", "0"][..],
                "VIDEO_CHECK_CONCURRENCY",
            ),
            (&["--clip-duration", "0"][..], "CLIP_DURATION"),
            (&["--evaluation-model", "a/b"][..], "EVALUATION_MODEL"),
        ] {
            let err = parse(args).resolve().expect_err(var);
            assert_eq!(err.var, var, "{args:?}: {err}");
            assert!(err.to_string().starts_with(var), "{err}");
        }
    }

    #[test]
    fn backoff_parses_lists_of_seconds() {
        assert_eq!(
            parse_backoff("5,15"),
            Ok(vec![Duration::from_secs(5), Duration::from_secs(15)])
        );
        assert_eq!(parse_backoff("0"), Ok(vec![Duration::ZERO]));
        assert!(parse_backoff("").is_err());
        assert!(parse_backoff("inf").is_err());
        assert!(parse_backoff("5s").is_err());
    }
}
