//! The plaintexts that get timelocked: what the chain decodes after it decrypts a reveal.

use codec::{Decode, Encode};

/// The CRv4 weight payload Subtensor decodes on reveal (SPEC §2.6.1): SCALE of
/// `compact(len) ‖ hotkey ‖ compact(k) ‖ k × u16 ‖ compact(k) ‖ k × u16 ‖ u64`.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct WeightsTlockPayload {
    /// The committing validator's 32-byte sr25519 public key (the chain checks it is the
    /// committer's).
    pub hotkey: Vec<u8>,
    /// Destination uids.
    pub uids: Vec<u16>,
    /// Weights, parallel to `uids`.
    pub values: Vec<u16>,
    /// The `version_key` argument of the eventual `set_weights`.
    pub version_key: u64,
}

/// The plaintext of a reveal commitment: the SCALE string encoding (compact length, UTF-8
/// bytes) that lands in `RevealedCommitments` (SPEC §2.4 step 2).
pub fn commitment_plaintext(text: &str) -> Vec<u8> {
    text.encode()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_layout() {
        let p = WeightsTlockPayload {
            hotkey: vec![0xAB; 32],
            uids: vec![3, 0],
            values: vec![65535, 0],
            version_key: 0x0102_0304_0506_0708,
        };
        let mut expected = vec![32 << 2];
        expected.extend([0xAB; 32]);
        expected.extend([2 << 2, 3, 0, 0, 0]);
        expected.extend([2 << 2, 0xFF, 0xFF, 0, 0]);
        expected.extend([8, 7, 6, 5, 4, 3, 2, 1]);
        assert_eq!(p.encode(), expected);
        assert_eq!(WeightsTlockPayload::decode(&mut &expected[..]), Ok(p));
    }

    #[test]
    fn commitment_plaintext_is_a_scale_string() {
        assert_eq!(commitment_plaintext("ab"), vec![8, b'a', b'b']);
        let long = "x".repeat(64);
        let pt = commitment_plaintext(&long);
        assert_eq!(&pt[..2], &[0x01, 0x01], "64 bytes: two-byte compact mode");
        assert_eq!(pt.len(), 66);
    }
}
