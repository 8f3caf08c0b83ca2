//! Winner-take-all weight vectors (SPEC §2.5).
//!
//! The chain's max-upscale lives in `leoma_api_types::weights` (shared with the chain fakes)
//! and is re-exported here.

pub use leoma_api_types::weights::max_upscale;

/// A weight row as submitted to `set_weights`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeightVector {
    /// Destination uids, no duplicates.
    pub uids: Vec<u16>,
    /// Weights, same length as `uids`.
    pub values: Vec<u16>,
}

/// The winner-take-all row of §2.5 step 3.
///
/// `dests = [winner]` with value 65535 (`None` burns to uid 0). If `min_allowed_weights > 1`, the
/// lowest other uids are appended with value 0 until the row has `min(min_allowed_weights,
/// subnet_n)` entries; zeros do not change the winner-take-all outcome.
pub fn winner_take_all(
    winner_uid: Option<u16>,
    min_allowed_weights: u16,
    subnet_n: u16,
) -> WeightVector {
    let winner = winner_uid.unwrap_or(0);
    let mut uids = vec![winner];
    let mut values = vec![u16::MAX];
    if min_allowed_weights > 1 {
        let target = usize::from(min_allowed_weights.min(subnet_n));
        for uid in (0..subnet_n).filter(|&uid| uid != winner) {
            if uids.len() >= target {
                break;
            }
            uids.push(uid);
            values.push(0);
        }
    }
    WeightVector { uids, values }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn winner_take_all_single() {
        let w = winner_take_all(Some(7), 1, 256);
        assert_eq!(
            w,
            WeightVector {
                uids: vec![7],
                values: vec![65535]
            }
        );
        assert_eq!(winner_take_all(Some(7), 0, 256).uids, [7]);
    }

    #[test]
    fn burn_goes_to_uid_zero() {
        assert_eq!(
            winner_take_all(None, 1, 256),
            WeightVector {
                uids: vec![0],
                values: vec![65535]
            }
        );
        assert_eq!(
            winner_take_all(None, 3, 256),
            WeightVector {
                uids: vec![0, 1, 2],
                values: vec![65535, 0, 0]
            }
        );
    }

    #[test]
    fn pads_with_lowest_other_uids() {
        assert_eq!(
            winner_take_all(Some(1), 4, 256),
            WeightVector {
                uids: vec![1, 0, 2, 3],
                values: vec![65535, 0, 0, 0]
            }
        );
        // Capped at the subnet size.
        assert_eq!(winner_take_all(Some(2), 8, 3).uids, [2, 0, 1]);
        assert_eq!(winner_take_all(Some(0), 8, 1).uids, [0]);
    }
}
