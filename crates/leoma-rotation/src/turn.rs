//! Shared rotation math (SPEC §4.1) and whose turn it is (§4.2): rotation index, primary, failover
//! grace and step, effective sampler. Identical under v1 and v2.
//!
//! `V` is always the allowlist's validator list sorted ascending by code point; these functions use
//! the slice order they are given, so callers pass the sorted list. Every `div`/`mod` is floor
//! division/modulo, so odd (negative) rids behave as in the reference.

/// `block div max(1, interval)`: the rotation index (task id) of `block`.
pub fn rotation_index(block: i64, interval: i64) -> i64 {
    block.div_euclid(interval.max(1))
}

/// `V[(rid + step) mod n]` with floor modulo; `None` when `validators` is empty.
///
/// The sum is taken in `i128`, so no rid and step can overflow.
pub(crate) fn at_step<T>(validators: &[T], rid: i64, step: usize) -> Option<&T> {
    let n = i128::try_from(validators.len()).ok().filter(|n| *n > 0)?;
    let step = i128::try_from(step).ok()?;
    let index = (i128::from(rid) + step).rem_euclid(n);
    validators.get(usize::try_from(index).ok()?)
}

/// `primary(V, r)`: `V[r mod n]`, or `None` when V is empty.
pub fn primary<T>(validators: &[T], rid: i64) -> Option<&T> {
    at_step(validators, rid, 0)
}

/// The failover grace `g`: `configured` if it is positive, else `max(1, interval div 2)`.
pub fn grace(interval: i64, configured: i64) -> i64 {
    if configured > 0 {
        configured
    } else {
        interval.div_euclid(2).max(1)
    }
}

/// The failover step: 0 if `grace ≤ 0`, `n ≤ 1` or `offset < grace`; else
/// `min(offset div grace, n − 1)`.
pub fn failover_step(offset: i64, grace: i64, n: usize) -> usize {
    if grace <= 0 || n <= 1 || offset < grace {
        return 0;
    }
    let cap = n - 1;
    // offset ≥ grace > 0 here, so the quotient is positive; a quotient beyond usize is capped too.
    usize::try_from(offset.div_euclid(grace)).map_or(cap, |q| q.min(cap))
}

/// The effective sampler of task `rid` at `offset` blocks into its rotation window, with the step
/// taken: `(primary, 0)` if the primary has `produced` (or V is empty, giving `None`), else
/// `(V[(rid + s) mod n], s)` with `s = failover_step(offset, grace, n)`.
pub fn effective_sampler<T>(
    validators: &[T],
    rid: i64,
    offset: i64,
    grace: i64,
    produced: bool,
) -> Option<(&T, usize)> {
    let step = if produced {
        0
    } else {
        failover_step(offset, grace, validators.len())
    };
    at_step(validators, rid, step).map(|sampler| (sampler, step))
}

/// The rotation state at one block (SPEC §4.2 step 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Turn<'a, T> {
    /// The rotation index (task id) of the block.
    pub rid: i64,
    /// `V[rid mod n]`: the validator whose turn it is unless failover applies.
    pub primary: &'a T,
    /// Blocks elapsed in the rotation window: `block − rid × interval`.
    pub offset: i64,
}

/// The turn at `block` (SPEC §4.2 step 3), or `None` when `validators` is empty.
///
/// For `interval ≥ 1` the offset is `block mod interval`, in `[0, interval)`. For `interval ≤ 0`
/// (which both allowlist readers reject) the literal `block − rid × interval` is kept, saturated to
/// the `i64` range.
pub fn turn_at<T>(block: i64, interval: i64, validators: &[T]) -> Option<Turn<'_, T>> {
    let rid = rotation_index(block, interval);
    let offset = i128::from(block) - i128::from(rid) * i128::from(interval);
    let offset = i64::try_from(offset).unwrap_or(if offset < 0 { i64::MIN } else { i64::MAX });
    let primary = primary(validators, rid)?;
    Some(Turn {
        rid,
        primary,
        offset,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const V: [&str; 3] = ["A", "B", "C"];

    #[test]
    fn rotation_index_is_floor_division_with_guarded_interval() {
        assert_eq!(rotation_index(12_345, 100), 123);
        assert_eq!(rotation_index(99, 100), 0);
        assert_eq!(rotation_index(100, 100), 1);
        assert_eq!(rotation_index(-1, 100), -1);
        assert_eq!(rotation_index(-100, 100), -1);
        assert_eq!(rotation_index(-101, 100), -2);
        assert_eq!(rotation_index(7, 0), 7);
        assert_eq!(rotation_index(7, -5), 7);
    }

    #[test]
    fn primary_uses_floor_modulo() {
        assert_eq!(primary(&V, 123), Some(&"A"));
        assert_eq!(primary(&V, 124), Some(&"B"));
        assert_eq!(primary(&V, -1), Some(&"C"));
        assert_eq!(primary(&V, -5), Some(&"B"));
        assert_eq!(
            primary(&V, i64::MIN),
            Some(&V[i64::MIN.rem_euclid(3) as usize])
        );
        assert_eq!(primary::<&str>(&[], 5), None);
    }

    #[test]
    fn grace_defaults_to_half_interval_at_least_one() {
        assert_eq!(grace(100, 0), 50);
        assert_eq!(grace(100, -3), 50);
        assert_eq!(grace(100, 7), 7);
        assert_eq!(grace(101, 0), 50);
        assert_eq!(grace(1, 0), 1);
        assert_eq!(grace(0, 0), 1);
        assert_eq!(grace(-7, 0), 1);
    }

    #[test]
    fn failover_step_boundaries() {
        // offset < g
        assert_eq!(failover_step(49, 50, 3), 0);
        assert_eq!(failover_step(50, 50, 3), 1);
        assert_eq!(failover_step(99, 50, 3), 1);
        // capped at n − 1
        assert_eq!(failover_step(99, 10, 3), 2);
        assert_eq!(failover_step(i64::MAX, 1, 4), 3);
        // n ≤ 1
        assert_eq!(failover_step(99, 10, 1), 0);
        assert_eq!(failover_step(99, 10, 0), 0);
        // g ≤ 0
        assert_eq!(failover_step(99, 0, 3), 0);
        assert_eq!(failover_step(99, -1, 3), 0);
        // negative offset
        assert_eq!(failover_step(-10, 5, 3), 0);
    }

    #[test]
    fn effective_sampler_fails_over_only_without_file() {
        assert_eq!(effective_sampler(&V, 123, 60, 50, true), Some((&"A", 0)));
        assert_eq!(effective_sampler(&V, 123, 60, 50, false), Some((&"B", 1)));
        assert_eq!(effective_sampler(&V, 123, 45, 50, false), Some((&"A", 0)));
        assert_eq!(effective_sampler(&V, 125, 99, 10, false), Some((&"B", 2)));
        assert_eq!(effective_sampler::<&str>(&[], 123, 60, 50, false), None);
        assert_eq!(
            effective_sampler(&["A"], 123, 99, 1, false),
            Some((&"A", 0))
        );
    }

    #[test]
    fn turn_at_worked_example() {
        let turn = turn_at(12_345, 100, &V).unwrap();
        assert_eq!(
            turn,
            Turn {
                rid: 123,
                primary: &"A",
                offset: 45
            }
        );
        let turn = turn_at(12_360, 100, &V).unwrap();
        assert_eq!((turn.rid, turn.offset), (123, 60));
        assert_eq!(
            turn_at(-1, 100, &V).map(|t| (t.rid, t.offset)),
            Some((-1, 99))
        );
        assert_eq!(turn_at(7, 0, &V).map(|t| (t.rid, t.offset)), Some((7, 7)));
        assert_eq!(turn_at::<&str>(5, 100, &[]), None);
    }
}
