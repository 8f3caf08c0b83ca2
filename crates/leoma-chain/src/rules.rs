//! The chain-side weight checks of `internal_set_weights` and the chain's max-upscale (SPEC §2.5),
//! as the fakes enforce them.

use crate::WeightRejection;

/// What the checks need to know about the subnet and the sender at the inclusion block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeightCheckContext {
    /// The subnet (0 is root, where these weights are refused).
    pub netuid: u16,
    /// `SubnetworkN`.
    pub subnet_n: u16,
    /// The sender's uid, if registered.
    pub sender_uid: Option<u16>,
    /// Whether the sender is the subnet owner hotkey.
    pub sender_is_owner: bool,
    /// Whether the sender holds a validator permit.
    pub sender_permit: bool,
    /// `LastUpdate[sender uid]`.
    pub sender_last_update: u64,
    /// The inclusion block.
    pub current_block: u64,
    /// `WeightsVersionKey`.
    pub version_key: u64,
    /// `WeightsSetRateLimit`.
    pub rate_limit: u64,
    /// `CommitRevealWeightsEnabled`.
    pub commit_reveal_enabled: bool,
    /// `MinAllowedWeights`.
    pub min_allowed_weights: u16,
}

/// Runs the checks a plain `set_weights` meets, in the chain's order.
pub fn check_set_weights(
    ctx: &WeightCheckContext,
    uids: &[u16],
    values: &[u16],
    version_key: u64,
) -> Result<(), WeightRejection> {
    if ctx.commit_reveal_enabled {
        return Err(WeightRejection::CommitRevealEnabled);
    }
    if ctx.netuid == 0 {
        return Err(WeightRejection::Other {
            pallet: "SubtensorModule".into(),
            error: "CanNotSetRootNetworkWeights".into(),
        });
    }
    if uids.len() != values.len() {
        return Err(WeightRejection::LengthMismatch);
    }
    if uids.len() > usize::from(ctx.subnet_n) {
        return Err(WeightRejection::UnknownUids);
    }
    let Some(sender_uid) = ctx.sender_uid else {
        return Err(WeightRejection::NotRegistered);
    };
    if ctx.version_key != 0 && version_key < ctx.version_key {
        return Err(WeightRejection::VersionKey);
    }
    if ctx.sender_last_update != 0
        && ctx.current_block.saturating_sub(ctx.sender_last_update) < ctx.rate_limit
    {
        return Err(WeightRejection::RateLimit);
    }
    let self_weight = uids.len() == 1 && uids.first() == Some(&sender_uid);
    if !(self_weight || ctx.sender_is_owner || ctx.sender_permit) {
        return Err(WeightRejection::NoPermit);
    }
    let mut sorted = uids.to_vec();
    sorted.sort_unstable();
    if sorted.windows(2).any(|w| w.first() == w.get(1)) {
        return Err(WeightRejection::DuplicateUids);
    }
    if uids.iter().any(|u| *u >= ctx.subnet_n) {
        return Err(WeightRejection::UnknownUids);
    }
    let min = usize::from(ctx.min_allowed_weights.min(ctx.subnet_n));
    if !self_weight && uids.len() < min {
        return Err(WeightRejection::TooFewWeights);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> WeightCheckContext {
        WeightCheckContext {
            netuid: 7,
            subnet_n: 4,
            sender_uid: Some(1),
            sender_is_owner: false,
            sender_permit: true,
            sender_last_update: 100,
            current_block: 300,
            version_key: 5,
            rate_limit: 100,
            commit_reveal_enabled: false,
            min_allowed_weights: 1,
        }
    }

    #[test]
    fn accepts_a_valid_vector() {
        assert_eq!(check_set_weights(&ctx(), &[0, 2], &[65535, 0], 5), Ok(()));
        assert_eq!(check_set_weights(&ctx(), &[3], &[65535], 6), Ok(()));
    }

    #[test]
    fn each_rejection() {
        let c = ctx();
        let r = |c: &WeightCheckContext, u: &[u16], v: &[u16], k| check_set_weights(c, u, v, k);
        assert_eq!(
            r(&c, &[0], &[1, 2], 5),
            Err(WeightRejection::LengthMismatch)
        );
        assert_eq!(r(&c, &[0], &[1], 4), Err(WeightRejection::VersionKey));
        assert_eq!(
            r(&c, &[0, 0], &[1, 1], 5),
            Err(WeightRejection::DuplicateUids)
        );
        assert_eq!(r(&c, &[4], &[1], 5), Err(WeightRejection::UnknownUids));
        assert_eq!(
            r(&c, &[0, 1, 2, 3, 0], &[1; 5], 5),
            Err(WeightRejection::UnknownUids)
        );
        let fast = WeightCheckContext {
            current_block: 199,
            ..c.clone()
        };
        assert_eq!(r(&fast, &[0], &[1], 5), Err(WeightRejection::RateLimit));
        let edge = WeightCheckContext {
            current_block: 200,
            ..c.clone()
        };
        assert_eq!(r(&edge, &[0], &[1], 5), Ok(()));
        let never = WeightCheckContext {
            sender_last_update: 0,
            current_block: 1,
            ..c.clone()
        };
        assert_eq!(r(&never, &[0], &[1], 5), Ok(()));
        let no_permit = WeightCheckContext {
            sender_permit: false,
            ..c.clone()
        };
        assert_eq!(r(&no_permit, &[0], &[1], 5), Err(WeightRejection::NoPermit));
        assert_eq!(
            r(&no_permit, &[1], &[1], 5),
            Ok(()),
            "self weight needs no permit"
        );
        let owner = WeightCheckContext {
            sender_is_owner: true,
            ..no_permit.clone()
        };
        assert_eq!(r(&owner, &[0], &[1], 5), Ok(()));
        let unreg = WeightCheckContext {
            sender_uid: None,
            ..c.clone()
        };
        assert_eq!(
            r(&unreg, &[0], &[1], 5),
            Err(WeightRejection::NotRegistered)
        );
        let cr = WeightCheckContext {
            commit_reveal_enabled: true,
            ..c.clone()
        };
        assert_eq!(
            r(&cr, &[0], &[1], 5),
            Err(WeightRejection::CommitRevealEnabled)
        );
        let min = WeightCheckContext {
            min_allowed_weights: 3,
            ..c.clone()
        };
        assert_eq!(
            r(&min, &[0, 2], &[1, 1], 5),
            Err(WeightRejection::TooFewWeights)
        );
        assert_eq!(r(&min, &[0, 2, 3], &[1, 0, 0], 5), Ok(()));
        let no_key = WeightCheckContext {
            version_key: 0,
            ..c
        };
        assert_eq!(r(&no_key, &[0], &[1], 0), Ok(()));
    }
}
