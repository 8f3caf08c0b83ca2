//! Shared roster scenario setup for the roster test binaries: a well-behaved miner on MemChain
//! with a hot chute and HuggingFace weights on the fakes.

use leoma_chain::mem::MemChain;
use leoma_sampler::roster::RosterSnapshot;
use leoma_testkit::roster::{good_commitment, miner_hotkey, register, reveal};
use leoma_testkit::{ChuteScript, FakeChutes, FakeHub, HubScript};

/// Subnet of the scenarios.
pub(crate) const NETUID: u16 = 7;
/// The revision every good miner commits and serves.
pub(crate) const REV: &str = "0123456789abcdef0123456789abcdef01234567";

/// Registers miner `i` with a good commitment revealed at block `100 + i`, chute `chute-<i>`
/// (hot, slug `slug-<i>`) and HF weights with LFS hash `weights`; returns its hotkey.
pub(crate) fn good_miner(
    chain: &MemChain,
    chutes: &FakeChutes,
    hub: &FakeHub,
    i: u32,
    weights: &str,
) -> String {
    let hk = miner_hotkey(i);
    register(chain, NETUID, &hk);
    let c = good_commitment(&hk, REV, &format!("chute-{i}"));
    reveal(chain, NETUID, &hk, &c.to_payload(), 100 + u64::from(i));
    chutes.set_chute(
        &c.chute_id,
        ChuteScript::hot(&format!("slug-{i}"), &c.model_name, REV),
    );
    hub.set_model(
        &c.model_name,
        REV,
        HubScript::weights(REV, &[("model.safetensors", weights)]),
    );
    hk.as_str().to_owned()
}

/// The wire reason of `hotkey` in `s` (`None` when valid); panics if the miner is absent.
pub(crate) fn reason(s: &RosterSnapshot, hotkey: &str) -> Option<String> {
    let miner = s.miner(hotkey);
    assert!(miner.is_some(), "{hotkey} is not in the snapshot");
    miner
        .and_then(|m| m.invalid_reason.as_ref())
        .map(|r| r.as_wire())
}
