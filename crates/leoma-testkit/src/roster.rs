//! Roster scenario builders on [`MemChain`]: deterministic miner hotkeys, registration and
//! revealed commitments.

use leoma_api_types::Hotkey;
use leoma_api_types::commitment::{MinerCommitment, encode_plaintext};
use leoma_chain::mem::MemChain;

/// A deterministic SS58 hotkey (generic prefix 42) for miner number `i`.
pub fn miner_hotkey(i: u32) -> Hotkey {
    let mut public = [0x5au8; 32];
    public[..4].copy_from_slice(&i.to_be_bytes());
    Hotkey::from_public(public, 42)
}

/// The commitment a well-behaved miner `hotkey` makes: repo `miner/leoma-<hotkey>`, the given
/// revision and chute id.
pub fn good_commitment(hotkey: &Hotkey, revision: &str, chute_id: &str) -> MinerCommitment {
    MinerCommitment {
        model_name: format!("miner/leoma-{}", hotkey.as_str()),
        model_revision: revision.to_owned(),
        chute_id: chute_id.to_owned(),
    }
}

/// Registers `hotkey` on `netuid` (coldkey = hotkey) and returns its uid.
pub fn register(chain: &MemChain, netuid: u16, hotkey: &Hotkey) -> u16 {
    chain.with_subnet(netuid, |s| s.register(hotkey.clone(), hotkey.clone()))
}

/// Appends a revealed commitment with text `text` at `reveal_block` to `hotkey`'s history.
pub fn reveal(chain: &MemChain, netuid: u16, hotkey: &Hotkey, text: &str, reveal_block: u64) {
    chain.with_subnet(netuid, |s| {
        s.revealed
            .entry(hotkey.clone())
            .or_default()
            .push((encode_plaintext(text), reveal_block));
    });
}
