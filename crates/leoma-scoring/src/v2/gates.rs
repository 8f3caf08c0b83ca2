//! v2 eligibility gates in integer arithmetic (SPEC §5.7).

use std::collections::BTreeSet;

use super::aggregate::MinerScoreV2;

/// v2 consensus parameters, read from the allowlist file (§3.4); parts per million.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct V2Params {
    /// A miner must cover at least this share of the window's tasks.
    pub completeness_threshold_ppm: u32,
    /// Share of the active producers a miner must have been judged by.
    pub min_distinct_ratio_ppm: u32,
    /// θ: how much a newer miner must beat every older one by.
    pub dominance_threshold_ppm: u32,
}

impl V2Params {
    /// The v1 reference defaults expressed in ppm (0.8, 0.5, 0.05).
    pub const REFERENCE_EQUIVALENT: Self = Self {
        completeness_threshold_ppm: 800_000,
        min_distinct_ratio_ppm: 500_000,
        dominance_threshold_ppm: 50_000,
    };
}

impl Default for V2Params {
    fn default() -> Self {
        Self::REFERENCE_EQUIVALENT
    }
}

const MILLION: u128 = 1_000_000;

/// `max(1, ceil(active × ppm / 1 000 000))` in integers: `(a × r + 999 999) div 1 000 000`.
pub fn required_distinct_v2(active: usize, min_distinct_ratio_ppm: u32) -> usize {
    let active = u128::try_from(active).unwrap_or(u128::MAX);
    let needed = active
        .saturating_mul(u128::from(min_distinct_ratio_ppm))
        .saturating_add(MILLION - 1)
        / MILLION;
    usize::try_from(needed).unwrap_or(usize::MAX).max(1)
}

/// `|T(m)| × 1 000 000 ≥ completeness_threshold_ppm × |W|`.
pub fn meets_completeness_v2(
    covered_tasks: usize,
    window_tasks: usize,
    completeness_threshold_ppm: u32,
) -> bool {
    let covered = u128::try_from(covered_tasks).unwrap_or(u128::MAX);
    let window = u128::try_from(window_tasks).unwrap_or(u128::MAX);
    covered.saturating_mul(MILLION) >= u128::from(completeness_threshold_ppm).saturating_mul(window)
}

/// All v2 gates: a score exists, completeness, `k(m) ≥ min_distinct`, and registration.
///
/// `registered` is the set of hotkeys holding a uid in `Keys(netuid, ·)` at B; `None` skips the
/// registration gate (dashboards, audits without chain data, simulations).
pub fn is_eligible_v2(
    score: &MinerScoreV2,
    window_tasks: usize,
    min_distinct: usize,
    params: &V2Params,
    registered: Option<&BTreeSet<String>>,
) -> bool {
    score.score.is_some()
        && meets_completeness_v2(
            score.covered_tasks,
            window_tasks,
            params.completeness_threshold_ppm,
        )
        && score.distinct_validators() >= min_distinct
        && registered.is_none_or(|set| set.contains(&score.miner_hotkey))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::v2::aggregate::ValidatorCounts;
    use num_bigint::BigInt;
    use num_rational::BigRational;

    #[test]
    fn min_distinct_in_integers() {
        let table = [(0, 1), (1, 1), (2, 1), (3, 2), (4, 2), (5, 3), (6, 3)];
        for (active, expected) in table {
            assert_eq!(
                required_distinct_v2(active, 500_000),
                expected,
                "active = {active}"
            );
        }
        // 25 × 0.28 is exactly 7 in integers (v1's f64 product gives 8).
        assert_eq!(required_distinct_v2(25, 280_000), 7);
        assert_eq!(required_distinct_v2(25, 280_001), 8);
        assert_eq!(required_distinct_v2(3, 0), 1);
        assert_eq!(required_distinct_v2(3, 1_000_000), 3);
    }

    #[test]
    fn completeness_boundary_is_inclusive() {
        assert!(meets_completeness_v2(80, 100, 800_000));
        assert!(!meets_completeness_v2(79, 100, 800_000));
        assert!(meets_completeness_v2(4, 5, 800_000));
        assert!(!meets_completeness_v2(3, 5, 800_000));
        assert!(meets_completeness_v2(0, 0, 800_000));
        assert!(!meets_completeness_v2(
            usize::MAX - 1,
            usize::MAX,
            1_000_000
        ));
    }

    fn score(hotkey: &str, covered: usize, validators: usize) -> MinerScoreV2 {
        MinerScoreV2 {
            miner_hotkey: hotkey.to_owned(),
            score: (validators > 0).then(|| BigRational::from_integer(BigInt::from(1))),
            total_passed: validators as u64,
            total_evaluated: validators as u64,
            covered_tasks: covered,
            per_validator: (0..validators)
                .map(|i| ValidatorCounts {
                    producer: format!("v{i}"),
                    passed: 1,
                    evaluated: 1,
                })
                .collect(),
        }
    }

    #[test]
    fn all_gates() {
        let params = V2Params::default();
        let registered: BTreeSet<String> = ["m".to_owned()].into();
        let gate = Some(&registered);
        assert!(is_eligible_v2(&score("m", 4, 2), 5, 2, &params, gate));
        assert!(!is_eligible_v2(&score("m", 3, 2), 5, 2, &params, gate));
        assert!(!is_eligible_v2(&score("m", 4, 1), 5, 2, &params, gate));
        assert!(!is_eligible_v2(&score("ghost", 4, 2), 5, 2, &params, gate));
        assert!(is_eligible_v2(&score("ghost", 4, 2), 5, 2, &params, None));
        assert!(!is_eligible_v2(&score("m", 5, 0), 5, 0, &params, None));
    }
}
