//! Near-copy detection against the source clip (SPEC §7.6, E5).

use super::FrameHashes;
use super::frames::hamming;
use super::settings::NearCopySettings;
use crate::EvalError;

/// The outcome of a near-copy comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct NearCopyReport {
    /// Timestamps compared (K).
    pub sampled: u32,
    /// Timestamps whose dHash distance was within the bound.
    pub matching: u32,
    /// Hamming distance at each timestamp.
    pub distances: Vec<u32>,
    /// `matching ≥ min_fraction × K`.
    pub is_copy: bool,
}

/// The K sample timestamps `(i + 1) / (K + 1) × min(generated, clip)`, i = 0..K (t = 0 excluded).
pub fn sample_times(k: u32, generated_s: f64, clip_s: f64) -> Vec<f64> {
    let span = generated_s.min(clip_s).max(0.0);
    (0..k)
        .map(|i| f64::from(i + 1) / f64::from(k + 1) * span)
        .collect()
}

/// Whether `matching` of `sampled` timestamps makes a near-copy.
pub fn is_near_copy(matching: u32, sampled: u32, min_fraction: f64) -> bool {
    sampled > 0 && f64::from(matching) >= min_fraction * f64::from(sampled)
}

/// Compares the generated video with the source clip at the sample timestamps: at each, the
/// frame each video shows at that time. `generated_s` and `clip_s` are the two durations.
pub fn compare(
    generated: &FrameHashes,
    generated_s: f64,
    clip: &FrameHashes,
    clip_s: f64,
    settings: &NearCopySettings,
) -> Result<NearCopyReport, EvalError> {
    let times = sample_times(settings.sample_frames, generated_s, clip_s);
    let mut distances = Vec::with_capacity(times.len());
    for t in &times {
        let no_frame =
            |which: &str| EvalError::InvalidInput(format!("{which}: no frame at {t:.3}s"));
        let g = generated
            .at(*t)
            .ok_or_else(|| no_frame("generated video"))?;
        let c = clip.at(*t).ok_or_else(|| no_frame("source clip"))?;
        distances.push(hamming(g, c));
    }
    let matching = u32::try_from(
        distances
            .iter()
            .filter(|d| **d <= settings.max_hamming)
            .count(),
    )
    .unwrap_or(u32::MAX);
    Ok(NearCopyReport {
        sampled: settings.sample_frames,
        matching,
        is_copy: is_near_copy(matching, settings.sample_frames, settings.min_fraction),
        distances,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_exclude_zero_and_use_the_shorter_video() {
        let t = sample_times(8, 5.0625, 4.5);
        assert_eq!(t.len(), 8);
        assert!((t[0] - 0.5).abs() < 1e-12);
        assert!((t[7] - 4.0).abs() < 1e-12);
        assert!(t.iter().all(|x| *x > 0.0 && *x < 4.5));
        assert!(sample_times(0, 5.0, 5.0).is_empty());
    }

    #[test]
    fn hashes_are_read_at_the_frame_shown() {
        let h = FrameHashes {
            hashes: vec![10, 11, 12, 13],
            fps: 4.0,
        };
        assert_eq!(h.at(0.0), Some(10));
        assert_eq!(h.at(0.2499), Some(10));
        assert_eq!(h.at(0.25), Some(11));
        assert_eq!(h.at(0.75), Some(13));
        assert_eq!(h.at(9.0), Some(13));
        assert_eq!(h.at(f64::NAN), None);
        assert_eq!(h.at(-1.0), None);
        let empty = FrameHashes {
            hashes: vec![],
            fps: 4.0,
        };
        assert_eq!(empty.at(0.5), None);
    }

    #[test]
    fn identical_hashes_are_a_copy_and_distant_ones_are_not() {
        let s = NearCopySettings::default();
        let a = FrameHashes {
            hashes: (0..80)
                .map(|i| 0x0123_4567_89ab_cdef_u64.rotate_left(i))
                .collect(),
            fps: 16.0,
        };
        let r = compare(&a, 5.0, &a, 5.0, &s).unwrap();
        assert!(r.is_copy && r.matching == 8 && r.distances.iter().all(|d| *d == 0));
        let b = FrameHashes {
            hashes: a.hashes.iter().map(|h| !h).collect(),
            fps: 16.0,
        };
        let r = compare(&a, 5.0, &b, 5.0, &s).unwrap();
        assert!(!r.is_copy && r.matching == 0, "{r:?}");
        let none = FrameHashes {
            hashes: vec![],
            fps: 16.0,
        };
        let err = compare(&a, 5.0, &none, 5.0, &s).unwrap_err().to_string();
        assert!(err.contains("source clip"), "{err}");
    }

    #[test]
    fn fraction_boundary() {
        assert!(is_near_copy(6, 8, 0.75));
        assert!(!is_near_copy(5, 8, 0.75));
        assert!(is_near_copy(8, 8, 1.0));
        assert!(!is_near_copy(0, 0, 0.0));
    }
}
