//! Subtensor's max-upscale of a submitted weight row (SPEC §2.5): the one implementation that
//! the validator's weight vectors, the audit and the in-memory chain all use.
//!
//! [`max_upscale`] reproduces subtensor's `vec_u16_max_upscale_to_u16` (pallet
//! `subtensor_modules::epoch::math`), which `set_weights` applies before storing a row. That
//! function converts each `u16` to the fixed-point type `I32F32` (64-bit, 32 fractional bits) and:
//!
//! * max = 0 → every value stays 0;
//! * max > 32768 → `q = u16_max.safe_div(max)` (fixed division truncates), then each value is
//!   `(e × q).round()` (fixed multiplication floors; `round` is half away from zero);
//! * max ≤ 32768 → each value is `((e × u16_max).safe_div(max)).round()` (the product fits because
//!   `32768 × 65535 < 2^31`, which is why the threshold exists).
//!
//! In raw `I32F32` bits (value × 2^32) every step is exact integer arithmetic, which this module
//! performs in `u128`: with `Q = 2^32`, case 2 is `q = ⌊65535·Q² / (max·Q)⌋ = ⌊65535·Q / max⌋`,
//! `product = ⌊e·Q·q / Q⌋ = e·q`, `round = ⌊(product + Q/2) / Q⌋`; case 3 is
//! `⌊(⌊e·65535·Q / max⌋ + Q/2) / Q⌋`. No intermediate saturates for `u16` inputs. Checked against
//! the §2.5 examples `[43690, 21845] → [65535, 32768]` (q = 1.5 exactly; 32767.5 rounds up) and
//! `[100, 0, 50] → [65535, 0, 32768]`, and against the source of the substrate-fixed fork
//! (`mul`: widen, multiply, arithmetic shift right; `div`: widen, shift left, truncating divide;
//! `round`: ties away from zero).

const FRAC_ONE: u128 = 1 << 32;
const HALF: u128 = 1 << 31;
const U16_MAX: u128 = u16::MAX as u128;
const UPSCALE_THRESHOLD: u128 = 32_768;

/// What subtensor stores for a submitted weight row: values max-upscaled so the largest becomes
/// 65535 (see the module documentation for the exact fixed-point arithmetic).
pub fn max_upscale(values: &[u16]) -> Vec<u16> {
    let Some(max) = values.iter().copied().max().map(u128::from) else {
        return Vec::new();
    };
    if max == 0 {
        return vec![0; values.len()];
    }
    let to_u16 = |raw: u128| -> u16 {
        // `round()` then `saturating_to_num::<u16>()`.
        let rounded = raw.saturating_add(HALF) / FRAC_ONE;
        u16::try_from(rounded).unwrap_or(u16::MAX)
    };
    if max > UPSCALE_THRESHOLD {
        let q = U16_MAX * FRAC_ONE / max;
        values.iter().map(|&e| to_u16(u128::from(e) * q)).collect()
    } else {
        values
            .iter()
            .map(|&e| to_u16(u128::from(e) * U16_MAX * FRAC_ONE / max))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::max_upscale;

    #[test]
    fn spec_examples() {
        assert_eq!(max_upscale(&[43690, 21845]), [65535, 32768]);
        assert_eq!(max_upscale(&[100, 0, 50]), [65535, 0, 32768]);
    }

    #[test]
    fn edge_cases() {
        assert_eq!(max_upscale(&[]), Vec::<u16>::new());
        assert_eq!(max_upscale(&[0, 0]), [0, 0]);
        assert_eq!(max_upscale(&[1]), [65535]);
        assert_eq!(max_upscale(&[65535]), [65535]);
        assert_eq!(
            max_upscale(&[65535, 1, 32767, 32768]),
            [65535, 1, 32767, 32768]
        );
        // Threshold boundary: max 32768 uses the multiply-first path, 32769 the quotient path.
        assert_eq!(max_upscale(&[32768, 1]), [65535, 2]);
        assert_eq!(max_upscale(&[32768, 16384]), [65535, 32768]);
        // 1 × ⌊65535·2^32 / 32769⌋ / 2^32 = 1.99993…, rounds to 2.
        assert_eq!(max_upscale(&[32769, 1]), [65535, 2]);
        // 3 × 65535 / 7 = 28086.43 → 28086.
        assert_eq!(max_upscale(&[7, 3]), [65535, 28086]);
    }

    #[test]
    fn quotient_path_truncates_before_multiplying() {
        // max 65534: q = ⌊65535·2^32 / 65534⌋; 32767·q / 2^32 = 32767.49999…, so 32767 even though
        // the exact ratio 32767·65535/65534 = 32767.5 would round up to 32768.
        assert_eq!(max_upscale(&[65534, 32767]), [65535, 32767]);
    }
}
