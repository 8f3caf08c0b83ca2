//! Grayscale frames and the difference hash (SPEC §7.6).

/// One 8-bit grayscale frame, row-major.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrayFrame {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `width × height` luma samples.
    pub pixels: Vec<u8>,
}

impl GrayFrame {
    /// Builds a frame; `None` when the sample count does not match the size.
    pub fn new(width: u32, height: u32, pixels: Vec<u8>) -> Option<Self> {
        let expected = usize::try_from(u64::from(width) * u64::from(height)).ok()?;
        (pixels.len() == expected).then_some(GrayFrame {
            width,
            height,
            pixels,
        })
    }

    /// Mean luma.
    pub fn mean(&self) -> f64 {
        if self.pixels.is_empty() {
            return 0.0;
        }
        self.pixels.iter().map(|&p| f64::from(p)).sum::<f64>() / self.pixels.len() as f64
    }

    /// Mean absolute difference to another frame of the same size (`None` if sizes differ).
    pub fn mean_abs_diff(&self, other: &GrayFrame) -> Option<f64> {
        if self.width != other.width || self.height != other.height || self.pixels.is_empty() {
            return None;
        }
        let total: u64 = self
            .pixels
            .iter()
            .zip(&other.pixels)
            .map(|(&a, &b)| u64::from(a.abs_diff(b)))
            .sum();
        Some(total as f64 / self.pixels.len() as f64)
    }

    /// The 64-bit difference hash of a 9×8 frame: row by row, bit set when the left pixel is
    /// brighter than its right neighbour; the first comparison is the most significant bit.
    /// `None` for any other size.
    pub fn dhash(&self) -> Option<u64> {
        if self.width != 9 || self.height != 8 {
            return None;
        }
        let mut hash = 0u64;
        for row in self.pixels.chunks_exact(9) {
            for pair in row.windows(2) {
                let bit = matches!(pair, [l, r] if l > r);
                hash = (hash << 1) | u64::from(bit);
            }
        }
        Some(hash)
    }
}

/// Number of differing bits.
pub fn hamming(a: u64, b: u64) -> u32 {
    (a ^ b).count_ones()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dhash_bits_follow_left_brighter_than_right() {
        let mut px = vec![0u8; 72];
        // Row 0: strictly decreasing → 8 ones; other rows flat → zeros.
        for (x, p) in px.iter_mut().take(9).enumerate() {
            *p = 200 - 10 * x as u8;
        }
        let f = GrayFrame::new(9, 8, px).unwrap();
        assert_eq!(f.dhash(), Some(0xFF00_0000_0000_0000));
        let flat = GrayFrame::new(9, 8, vec![7; 72]).unwrap();
        assert_eq!(flat.dhash(), Some(0));
        assert_eq!(GrayFrame::new(8, 8, vec![0; 64]).unwrap().dhash(), None);
        assert_eq!(hamming(0xFF00_0000_0000_0000, 0), 8);
        assert!(GrayFrame::new(9, 8, vec![0; 71]).is_none());
    }

    #[test]
    fn mean_abs_diff_and_mean() {
        let a = GrayFrame::new(2, 1, vec![10, 20]).unwrap();
        let b = GrayFrame::new(2, 1, vec![13, 10]).unwrap();
        assert_eq!(a.mean_abs_diff(&b), Some(6.5));
        assert_eq!(a.mean(), 15.0);
        assert_eq!(
            a.mean_abs_diff(&GrayFrame::new(1, 2, vec![0, 0]).unwrap()),
            None
        );
    }
}
