//! Acceptance rules for a miner's video (SPEC §7.5, E1) and the typed rejections with their
//! §7.9 reason codes.

use leoma_api_types::reason::VerdictReason;

use super::VideoInfo;
use super::settings::VideoLimits;

/// Why a video fails without going to the judge.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum VideoRejection {
    /// Body larger than `MINER_VIDEO_MAX_BYTES`.
    #[error("video is {bytes} bytes, more than {max}")]
    TooLarge {
        /// Size seen.
        bytes: u64,
        /// The cap.
        max: u64,
    },
    /// Unreadable container, no video stream, or frames that do not decode.
    #[error("video unreadable: {detail}")]
    Unreadable {
        /// What the tools said.
        detail: String,
    },
    /// Resolution outside the tolerance.
    #[error(
        "resolution {width}x{height} is not within {tolerance} of {required_width}x{required_height}"
    )]
    ResolutionMismatch {
        /// Width seen.
        width: u32,
        /// Height seen.
        height: u32,
        /// Required width.
        required_width: u32,
        /// Required height.
        required_height: u32,
        /// Allowed deviation.
        tolerance: u32,
    },
    /// Duration out of range.
    #[error("duration {seconds}s is outside [{min}, {max}]")]
    DurationOutOfRange {
        /// Seen.
        seconds: f64,
        /// Minimum.
        min: f64,
        /// Maximum.
        max: f64,
    },
    /// Average frame rate out of range.
    #[error("frame rate {fps} is outside [{min}, {max}]")]
    FpsOutOfRange {
        /// Seen.
        fps: f64,
        /// Minimum.
        min: f64,
        /// Maximum.
        max: f64,
    },
    /// Frame count out of range.
    #[error("{frames} frames is outside [{min}, {max}]")]
    FrameCountOutOfRange {
        /// Seen.
        frames: u64,
        /// Minimum.
        min: u64,
        /// Maximum.
        max: u64,
    },
    /// Near-copy of the source clip (SPEC §7.6).
    #[error("near-copy of the source clip ({matching} of {sampled} sampled frames match)")]
    NearCopy {
        /// Timestamps within the Hamming bound.
        matching: u32,
        /// Timestamps sampled.
        sampled: u32,
    },
    /// Frames barely change over the clip.
    #[error("frozen video (no frame departs more than {max_deviation:.3} from the first)")]
    Frozen {
        /// Largest mean absolute difference to frame 0.
        max_deviation: f64,
    },
}

impl VideoRejection {
    /// The reason code recorded in a v2 entry.
    pub fn code(&self) -> VerdictReason {
        match self {
            VideoRejection::TooLarge { .. } => VerdictReason::VideoTooLarge,
            VideoRejection::Unreadable { .. } => VerdictReason::VideoUnreadable,
            VideoRejection::ResolutionMismatch { .. } => VerdictReason::ResolutionMismatch,
            VideoRejection::DurationOutOfRange { .. } => VerdictReason::DurationOutOfRange,
            VideoRejection::FpsOutOfRange { .. } => VerdictReason::FpsOutOfRange,
            VideoRejection::FrameCountOutOfRange { .. } => VerdictReason::FrameCountOutOfRange,
            VideoRejection::NearCopy { .. } => VerdictReason::NearCopyOfSource,
            VideoRejection::Frozen { .. } => VerdictReason::FrozenVideo,
        }
    }

    /// Whether a v1 entry is still written (near-copy and frozen get a failed entry; the
    /// delivery rejections give no v1 entry, SPEC §7.9).
    pub fn has_v1_entry(&self) -> bool {
        matches!(
            self,
            VideoRejection::NearCopy { .. } | VideoRejection::Frozen { .. }
        )
    }
}

/// The byte cap (checked before anything is decoded).
pub fn check_size(bytes: u64, limits: &VideoLimits) -> Result<(), VideoRejection> {
    if bytes > limits.max_bytes {
        return Err(VideoRejection::TooLarge {
            bytes,
            max: limits.max_bytes,
        });
    }
    Ok(())
}

/// The stream rules in order: resolution (SPEC §7.5, the reference's only check), duration,
/// frame rate, frame count. Every bound is inclusive.
pub fn check_stream(info: &VideoInfo, limits: &VideoLimits) -> Result<(), VideoRejection> {
    let within = |v: u32, target: u32| v.abs_diff(target) <= limits.resolution_tolerance;
    if !within(info.width, limits.required_width) || !within(info.height, limits.required_height) {
        return Err(VideoRejection::ResolutionMismatch {
            width: info.width,
            height: info.height,
            required_width: limits.required_width,
            required_height: limits.required_height,
            tolerance: limits.resolution_tolerance,
        });
    }
    if !(limits.min_duration_s..=limits.max_duration_s).contains(&info.duration_s) {
        return Err(VideoRejection::DurationOutOfRange {
            seconds: info.duration_s,
            min: limits.min_duration_s,
            max: limits.max_duration_s,
        });
    }
    if !(limits.min_fps..=limits.max_fps).contains(&info.fps) {
        return Err(VideoRejection::FpsOutOfRange {
            fps: info.fps,
            min: limits.min_fps,
            max: limits.max_fps,
        });
    }
    if !(limits.min_frames..=limits.max_frames).contains(&info.frame_count) {
        return Err(VideoRejection::FrameCountOutOfRange {
            frames: info.frame_count,
            min: limits.min_frames,
            max: limits.max_frames,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(width: u32, height: u32, duration_s: f64, fps: f64, frame_count: u64) -> VideoInfo {
        VideoInfo {
            container: "mov,mp4".into(),
            codec: "h264".into(),
            width,
            height,
            duration_s,
            fps,
            frame_count,
        }
    }

    #[test]
    fn boundaries_are_inclusive() {
        let l = VideoLimits::default();
        assert_eq!(check_stream(&info(832, 480, 5.0, 16.0, 81), &l), Ok(()));
        assert_eq!(check_stream(&info(800, 512, 2.0, 8.0, 16), &l), Ok(()));
        assert_eq!(check_stream(&info(864, 448, 12.0, 60.0, 400), &l), Ok(()));
        assert!(matches!(
            check_stream(&info(799, 480, 5.0, 16.0, 81), &l),
            Err(VideoRejection::ResolutionMismatch { .. })
        ));
        assert!(matches!(
            check_stream(&info(832, 513, 5.0, 16.0, 81), &l),
            Err(VideoRejection::ResolutionMismatch { .. })
        ));
        assert!(matches!(
            check_stream(&info(832, 480, 12.01, 16.0, 81), &l),
            Err(VideoRejection::DurationOutOfRange { .. })
        ));
        assert!(matches!(
            check_stream(&info(832, 480, 1.99, 16.0, 81), &l),
            Err(VideoRejection::DurationOutOfRange { .. })
        ));
        assert!(matches!(
            check_stream(&info(832, 480, 5.0, 7.9, 81), &l),
            Err(VideoRejection::FpsOutOfRange { .. })
        ));
        assert!(matches!(
            check_stream(&info(832, 480, 5.0, 16.0, 401), &l),
            Err(VideoRejection::FrameCountOutOfRange { .. })
        ));
        assert!(matches!(
            check_stream(&info(832, 480, 5.0, 16.0, 15), &l),
            Err(VideoRejection::FrameCountOutOfRange { .. })
        ));
        assert_eq!(check_size(l.max_bytes, &l), Ok(()));
        assert_eq!(
            check_size(l.max_bytes + 1, &l),
            Err(VideoRejection::TooLarge {
                bytes: l.max_bytes + 1,
                max: l.max_bytes
            })
        );
    }

    #[test]
    fn codes_map_to_section_7_9() {
        let cases = [
            (
                VideoRejection::TooLarge { bytes: 2, max: 1 },
                "video_too_large",
            ),
            (
                VideoRejection::Unreadable {
                    detail: String::new(),
                },
                "video_unreadable",
            ),
            (
                VideoRejection::NearCopy {
                    matching: 8,
                    sampled: 8,
                },
                "near_copy_of_source",
            ),
            (
                VideoRejection::Frozen { max_deviation: 0.0 },
                "frozen_video",
            ),
            (
                VideoRejection::FrameCountOutOfRange {
                    frames: 1,
                    min: 2,
                    max: 3,
                },
                "frame_count_out_of_range",
            ),
            (
                VideoRejection::FpsOutOfRange {
                    fps: 1.0,
                    min: 2.0,
                    max: 3.0,
                },
                "fps_out_of_range",
            ),
            (
                VideoRejection::DurationOutOfRange {
                    seconds: 1.0,
                    min: 2.0,
                    max: 3.0,
                },
                "duration_out_of_range",
            ),
        ];
        for (rejection, wire) in cases {
            assert_eq!(rejection.code().as_wire(), wire);
        }
        assert!(VideoRejection::Frozen { max_deviation: 0.0 }.has_v1_entry());
        assert!(!VideoRejection::TooLarge { bytes: 2, max: 1 }.has_v1_entry());
    }
}
