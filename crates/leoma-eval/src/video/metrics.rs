//! Deterministic measurements of a generated video: first-frame fidelity (PSNR, SSIM against
//! the conditioning frame), flicker and motion. Recorded in each entry's artifacts and used by
//! the [`crate::judge::local::LocalJudge`].

use leoma_api_types::json::{PyObject, PyValue};

use super::GrayFrame;

/// PSNR reported for identical frames (the true value is infinite).
pub const PSNR_IDENTICAL_DB: f64 = 100.0;

/// The measurements of one video.
#[derive(Debug, Clone, PartialEq)]
pub struct VideoMetrics {
    /// PSNR (dB) of frame 0 against the conditioning frame, 256×144 luma.
    pub first_frame_psnr_db: f64,
    /// Mean SSIM of frame 0 against the conditioning frame, 256×144 luma, 8×8 windows.
    pub first_frame_ssim: f64,
    /// Flicker: mean |L(t) − (L(t−1) + L(t+1)) / 2| of per-frame mean luma (0–255 scale).
    pub flicker: f64,
    /// Motion: mean absolute luma difference between consecutive frames, 64×36 grid.
    pub motion: f64,
    /// Largest mean absolute luma difference of any frame to frame 0, 64×36 grid.
    pub max_deviation_from_first: f64,
    /// Frames decoded.
    pub frames_decoded: usize,
}

impl VideoMetrics {
    /// Computes every measurement from the analysis frames and the two fidelity frames.
    pub fn compute(frames: &[GrayFrame], first: &GrayFrame, conditioning: &GrayFrame) -> Self {
        VideoMetrics {
            first_frame_psnr_db: psnr(first, conditioning).unwrap_or(0.0),
            first_frame_ssim: ssim(first, conditioning).unwrap_or(0.0),
            flicker: flicker(frames),
            motion: motion(frames),
            max_deviation_from_first: max_deviation_from_first(frames),
            frames_decoded: frames.len(),
        }
    }

    /// The measurements as an ordered dict (for artifacts), rounded to 4 decimals.
    pub fn to_py(&self) -> PyValue {
        let r = |v: f64| PyValue::Float((v * 10_000.0).round() / 10_000.0);
        let mut o = PyObject::new();
        o.insert("first_frame_psnr_db", r(self.first_frame_psnr_db));
        o.insert("first_frame_ssim", r(self.first_frame_ssim));
        o.insert("flicker", r(self.flicker));
        o.insert("motion", r(self.motion));
        o.insert("max_deviation_from_first", r(self.max_deviation_from_first));
        o.insert("frames_decoded", self.frames_decoded as u64);
        PyValue::Object(o)
    }
}

/// Peak signal-to-noise ratio in dB (8-bit); [`PSNR_IDENTICAL_DB`] for identical frames,
/// `None` if the sizes differ.
pub fn psnr(a: &GrayFrame, b: &GrayFrame) -> Option<f64> {
    if a.width != b.width || a.height != b.height || a.pixels.is_empty() {
        return None;
    }
    let mse = a
        .pixels
        .iter()
        .zip(&b.pixels)
        .map(|(&x, &y)| (f64::from(x) - f64::from(y)).powi(2))
        .sum::<f64>()
        / a.pixels.len() as f64;
    if mse == 0.0 {
        return Some(PSNR_IDENTICAL_DB);
    }
    Some((10.0 * (255.0f64 * 255.0 / mse).log10()).min(PSNR_IDENTICAL_DB))
}

/// Mean structural similarity over 8×8 windows with stride 4 (constants of Wang et al. 2004
/// for 8-bit data); `None` if the sizes differ or the frame is smaller than one window.
pub fn ssim(a: &GrayFrame, b: &GrayFrame) -> Option<f64> {
    const WIN: usize = 8;
    const STRIDE: usize = 4;
    let c1 = (0.01f64 * 255.0).powi(2);
    let c2 = (0.03f64 * 255.0).powi(2);
    if a.width != b.width || a.height != b.height {
        return None;
    }
    let (w, h) = (a.width as usize, a.height as usize);
    if w < WIN || h < WIN {
        return None;
    }
    let px =
        |f: &GrayFrame, x: usize, y: usize| f.pixels.get(y * w + x).map_or(0.0, |&p| f64::from(p));
    let n = (WIN * WIN) as f64;
    let mut total = 0.0;
    let mut windows = 0usize;
    for y0 in (0..=h - WIN).step_by(STRIDE) {
        for x0 in (0..=w - WIN).step_by(STRIDE) {
            let (mut sa, mut sb, mut saa, mut sbb, mut sab) = (0.0, 0.0, 0.0, 0.0, 0.0);
            for y in y0..y0 + WIN {
                for x in x0..x0 + WIN {
                    let (va, vb) = (px(a, x, y), px(b, x, y));
                    sa += va;
                    sb += vb;
                    saa += va * va;
                    sbb += vb * vb;
                    sab += va * vb;
                }
            }
            let (ma, mb) = (sa / n, sb / n);
            let var_a = saa / n - ma * ma;
            let var_b = sbb / n - mb * mb;
            let cov = sab / n - ma * mb;
            total += ((2.0 * ma * mb + c1) * (2.0 * cov + c2))
                / ((ma * ma + mb * mb + c1) * (var_a + var_b + c2));
            windows += 1;
        }
    }
    Some(total / windows.max(1) as f64)
}

/// Mean |L(t) − (L(t−1) + L(t+1)) / 2| over interior frames of the per-frame mean luma: brightness
/// that oscillates from frame to frame scores high, a smooth fade scores about zero.
pub fn flicker(frames: &[GrayFrame]) -> f64 {
    let means: Vec<f64> = frames.iter().map(GrayFrame::mean).collect();
    let deviations: Vec<f64> = means
        .windows(3)
        .filter_map(|w| match w {
            [a, b, c] => Some((b - (a + c) / 2.0).abs()),
            _ => None,
        })
        .collect();
    if deviations.is_empty() {
        return 0.0;
    }
    deviations.iter().sum::<f64>() / deviations.len() as f64
}

/// Mean absolute difference between consecutive frames.
pub fn motion(frames: &[GrayFrame]) -> f64 {
    let diffs: Vec<f64> = frames
        .windows(2)
        .filter_map(|w| match w {
            [a, b] => a.mean_abs_diff(b),
            _ => None,
        })
        .collect();
    if diffs.is_empty() {
        return 0.0;
    }
    diffs.iter().sum::<f64>() / diffs.len() as f64
}

/// Largest mean absolute difference of any frame to the first.
pub fn max_deviation_from_first(frames: &[GrayFrame]) -> f64 {
    let Some(first) = frames.first() else {
        return 0.0;
    };
    frames
        .iter()
        .filter_map(|f| f.mean_abs_diff(first))
        .fold(0.0, f64::max)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(w: u32, h: u32, f: impl Fn(u32, u32) -> u8) -> GrayFrame {
        let px = (0..h)
            .flat_map(|y| (0..w).map(move |x| (x, y)))
            .map(|(x, y)| f(x, y))
            .collect();
        GrayFrame::new(w, h, px).unwrap()
    }

    #[test]
    fn psnr_and_ssim_of_identical_and_different_frames() {
        let a = frame(32, 16, |x, y| ((x * 7 + y * 3) % 256) as u8);
        assert_eq!(psnr(&a, &a), Some(PSNR_IDENTICAL_DB));
        assert!((ssim(&a, &a).unwrap() - 1.0).abs() < 1e-12);
        let b = frame(32, 16, |x, y| 255 - ((x * 7 + y * 3) % 256) as u8);
        assert!(psnr(&a, &b).unwrap() < 10.0);
        assert!(ssim(&a, &b).unwrap() < 0.2);
        // Uniform offset of 10 levels: MSE 100 → 28.13 dB.
        let d = GrayFrame::new(
            32,
            16,
            a.pixels.iter().map(|p| p.saturating_add(10)).collect(),
        )
        .unwrap();
        let p = psnr(&a, &d).unwrap();
        assert!(p > 27.0 && p < 29.5, "{p}");
        assert_eq!(psnr(&a, &frame(16, 32, |_, _| 0)), None);
        assert_eq!(ssim(&frame(4, 4, |_, _| 0), &frame(4, 4, |_, _| 0)), None);
    }

    #[test]
    fn flicker_separates_oscillation_from_fades() {
        let flat = |v: u8| frame(4, 4, move |_, _| v);
        let fade: Vec<_> = (0..10).map(|i| flat(10 * i as u8)).collect();
        let strobe: Vec<_> = (0..10)
            .map(|i| flat(if i % 2 == 0 { 50 } else { 150 }))
            .collect();
        assert!(flicker(&fade) < 1e-9);
        assert!((flicker(&strobe) - 100.0).abs() < 1e-9);
        assert_eq!(flicker(&fade[..2]), 0.0);
        assert!((motion(&fade) - 10.0).abs() < 1e-9);
        assert_eq!(max_deviation_from_first(&fade), 90.0);
        assert_eq!(max_deviation_from_first(&[]), 0.0);
    }
}
