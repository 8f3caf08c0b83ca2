//! Storage-key derivation for the items Leoma reads (SPEC §2.2).
//!
//! Keys are `twox128(pallet) ‖ twox128(item) ‖ hashed keys`. The loopback node and the tests use
//! these functions; the live adapter goes through subxt's metadata-driven addresses, and a test
//! checks the two agree.

use sp_crypto_hashing::{blake2_128, twox_64, twox_128};

/// `twox128(pallet) ‖ twox128(item)`: the prefix of every key of one storage item.
pub fn item_prefix(pallet: &str, item: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(32);
    k.extend_from_slice(&twox_128(pallet.as_bytes()));
    k.extend_from_slice(&twox_128(item.as_bytes()));
    k
}

/// `Identity` hasher: the key's SCALE bytes as they are.
pub fn identity(encoded: &[u8]) -> Vec<u8> {
    encoded.to_vec()
}

/// `Twox64Concat` hasher: `twox64(key) ‖ key`.
pub fn twox64_concat(encoded: &[u8]) -> Vec<u8> {
    let mut k = twox_64(encoded).to_vec();
    k.extend_from_slice(encoded);
    k
}

/// `Blake2_128Concat` hasher: `blake2_128(key) ‖ key`.
pub fn blake2_128_concat(encoded: &[u8]) -> Vec<u8> {
    let mut k = blake2_128(encoded).to_vec();
    k.extend_from_slice(encoded);
    k
}

/// A full key: the item prefix followed by already-hashed key parts.
pub fn key(pallet: &str, item: &str, hashed_parts: &[Vec<u8>]) -> Vec<u8> {
    let mut k = item_prefix(pallet, item);
    for p in hashed_parts {
        k.extend_from_slice(p);
    }
    k
}

/// `SubtensorModule.<item>(netuid)` for the many items keyed by `Identity(netuid)`.
pub fn subnet_item(item: &str, netuid: u16) -> Vec<u8> {
    key("SubtensorModule", item, &[identity(&netuid.to_le_bytes())])
}

/// `SubtensorModule.Keys(netuid, uid)`.
pub fn keys(netuid: u16, uid: u16) -> Vec<u8> {
    key(
        "SubtensorModule",
        "Keys",
        &[
            identity(&netuid.to_le_bytes()),
            identity(&uid.to_le_bytes()),
        ],
    )
}

/// `SubtensorModule.Uids(netuid, hotkey)`.
pub fn uids(netuid: u16, hotkey: &[u8; 32]) -> Vec<u8> {
    key(
        "SubtensorModule",
        "Uids",
        &[identity(&netuid.to_le_bytes()), blake2_128_concat(hotkey)],
    )
}

/// `Commitments.<item>(netuid, hotkey)` for `CommitmentOf` and `RevealedCommitments`.
pub fn commitments_item(item: &str, netuid: u16, hotkey: &[u8; 32]) -> Vec<u8> {
    key(
        "Commitments",
        item,
        &[identity(&netuid.to_le_bytes()), twox64_concat(hotkey)],
    )
}

/// The prefix that iterates `Commitments.<item>` over one subnet.
pub fn commitments_prefix(item: &str, netuid: u16) -> Vec<u8> {
    key("Commitments", item, &[identity(&netuid.to_le_bytes())])
}

/// The hotkey at the end of a `Commitments.<item>(netuid, Twox64Concat(hotkey))` key.
pub fn hotkey_from_commitments_key(key: &[u8]) -> Option<[u8; 32]> {
    // prefix (32) + netuid (2) + twox64 (8) + account (32)
    if key.len() != 32 + 2 + 8 + 32 {
        return None;
    }
    key.get(42..).and_then(|s| <[u8; 32]>::try_from(s).ok())
}

/// `SubtensorModule.RevealPeriodEpochs(Twox64Concat(netuid))`.
pub fn reveal_period_epochs(netuid: u16) -> Vec<u8> {
    key(
        "SubtensorModule",
        "RevealPeriodEpochs",
        &[twox64_concat(&netuid.to_le_bytes())],
    )
}

/// `SubtensorModule.SubnetOwnerHotkey(netuid)` (`Identity`).
pub fn subnet_owner_hotkey(netuid: u16) -> Vec<u8> {
    subnet_item("SubnetOwnerHotkey", netuid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_vector_keys_1_0() {
        // SPEC §2.2 storage-key test vector.
        assert_eq!(
            hex::encode(keys(1, 0)),
            "658faa385070e074c85bf6b568cf05559f99a2ce711f3a31b2fc05604c93f17901000000"
        );
    }

    #[test]
    fn well_known_prefixes() {
        // twox128("System") ‖ twox128("Events") is the famous events key.
        assert_eq!(
            hex::encode(item_prefix("System", "Events")),
            "26aa394eea5630e07c48ae0c9558cef780d41e5e16056765bc8461851072c9d7"
        );
    }

    #[test]
    fn hashers_concat_the_key() {
        let hk = [7u8; 32];
        let k = commitments_item("CommitmentOf", 5, &hk);
        assert_eq!(k.len(), 74);
        assert!(k.starts_with(&commitments_prefix("CommitmentOf", 5)));
        assert_eq!(hotkey_from_commitments_key(&k), Some(hk));
        assert_eq!(hotkey_from_commitments_key(&k[..73]), None);
        let u = uids(5, &hk);
        assert_eq!(u.len(), 32 + 2 + 16 + 32);
        assert_eq!(&u[50..], &hk);
        assert_eq!(reveal_period_epochs(3).len(), 32 + 8 + 2);
    }
}
