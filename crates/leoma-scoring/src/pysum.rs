//! CPython 3.12's float `sum()` (SPEC §5.2 step 4, §5.5).
//!
//! The reference averages per-validator pass rates with Python's built-in `sum()`, which since
//! CPython 3.12 accumulates floats with Neumaier's compensated algorithm. Reproducing the exact
//! algorithm (not a plain loop, and not an exactly rounded sum) keeps `avg_rate` bit-identical.

/// Sums `values` exactly as CPython 3.12 evaluates `sum(values)` for a list of floats.
///
/// The start value is the int `0`, so the first addition `0 + r₁` is exact (it only turns `-0.0`
/// into `0.0`). The remaining items are added with Neumaier compensation:
/// `t = f + x`; if `|f| ≥ |x|` then `c += (f − t) + x` else `c += (x − t) + f`; `f = t`.
/// At the end the compensation is added only if it is non-zero and finite, so an infinite or
/// overflowed sum never becomes NaN. An empty slice sums to `0.0` (Python returns the int `0`).
pub fn py_sum(values: &[f64]) -> f64 {
    let Some((&first, rest)) = values.split_first() else {
        return 0.0;
    };
    // `int 0 + float` converts the int to 0.0 first; keep the addition for the `-0.0` case.
    let mut f = 0.0 + first;
    let mut c = 0.0_f64;
    for &x in rest {
        let t = f + x;
        if f.abs() >= x.abs() {
            c += (f - t) + x;
        } else {
            c += (x - t) + f;
        }
        f = t;
    }
    if c != 0.0 && c.is_finite() {
        f += c;
    }
    f
}

#[cfg(test)]
mod tests {
    use super::py_sum;

    #[test]
    fn ten_tenths_sum_to_one() {
        let values = [0.1_f64; 10];
        // A naive left fold gives 0.9999999999999999; CPython 3.12 gives 1.0.
        let naive = values.iter().fold(0.0, |acc, x| acc + x);
        assert_eq!(naive, 0.999_999_999_999_999_9);
        assert_eq!(py_sum(&values), 1.0);
    }

    #[test]
    fn compensation_recovers_absorbed_term() {
        assert_eq!(py_sum(&[1e16, 1.0, -1e16]), 1.0);
        assert_eq!(py_sum(&[1.0, 1e100, 1.0, -1e100]), 2.0);
    }

    #[test]
    fn empty_and_single() {
        assert_eq!(py_sum(&[]), 0.0);
        assert_eq!(py_sum(&[0.65]), 0.65);
        assert_eq!(py_sum(&[1.0 / 3.0]), 1.0 / 3.0);
    }

    #[test]
    fn negative_zero_becomes_positive_zero() {
        // Python: sum([-0.0]) == 0.0 with a positive sign (0 + -0.0).
        let s = py_sum(&[-0.0]);
        assert_eq!(s, 0.0);
        assert!(s.is_sign_positive());
        assert!(py_sum(&[-0.0, -0.0]).is_sign_positive());
    }

    #[test]
    fn non_finite_compensation_is_not_added() {
        assert_eq!(py_sum(&[f64::INFINITY, 1.0]), f64::INFINITY);
        assert_eq!(py_sum(&[1e308, 1e308]), f64::INFINITY);
        assert_eq!(py_sum(&[-1e308, -1e308]), f64::NEG_INFINITY);
        assert!(py_sum(&[f64::INFINITY, f64::NEG_INFINITY]).is_nan());
    }

    #[test]
    fn typical_rates() {
        // Per-validator rates of a miner: 13/20, 2/3, 7/10.
        let rates = [13.0 / 20.0, 2.0 / 3.0, 7.0 / 10.0];
        // Equals math.fsum (the correctly rounded sum) here.
        assert_eq!(py_sum(&rates), 2.016_666_666_666_666_6);
        assert_eq!(py_sum(&[0.5, 0.25, 0.25]), 1.0);
    }
}
