//! Leoma epoch boundaries (SPEC §2.5 trigger): `B = H − (H mod L)`. Shared by v1 and v2.

/// The newest epoch boundary at or before `head`: `head − (head mod max(1, epoch_length))`.
///
/// Floor modulo, so a negative head maps to the boundary below it. An `epoch_length ≤ 0` (which
/// configuration and the v2 allowlist reject) is treated as 1.
pub fn epoch_boundary(head: i64, epoch_length: i64) -> i64 {
    head - head.rem_euclid(epoch_length.max(1))
}

/// Whether `block` is an epoch boundary for `epoch_length` (a multiple of it).
///
/// v2 skips a boundary that is not a multiple of the allowlist's `epoch_length` (SPEC §2.5).
pub fn is_boundary(block: i64, epoch_length: i64) -> bool {
    block.rem_euclid(epoch_length.max(1)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundary_rounds_down_to_a_multiple() {
        assert_eq!(epoch_boundary(18_000, 180), 18_000);
        assert_eq!(epoch_boundary(18_179, 180), 18_000);
        assert_eq!(epoch_boundary(18_180, 180), 18_180);
        assert_eq!(epoch_boundary(0, 180), 0);
        assert_eq!(epoch_boundary(-1, 180), -180);
        assert_eq!(epoch_boundary(17, 0), 17);
    }

    #[test]
    fn is_boundary_checks_multiples() {
        assert!(is_boundary(18_000, 180));
        assert!(!is_boundary(18_001, 180));
        assert!(is_boundary(-180, 180));
        assert!(is_boundary(5, 1));
    }
}
