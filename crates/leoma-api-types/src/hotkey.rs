//! SS58 hotkeys with verified checksums (SPEC §2.7, §9.1).

use std::fmt;
use std::str::FromStr;

use blake2::{Blake2b512, Digest};

use crate::Error;

/// The SS58 address format used by Bittensor (substrate generic).
pub const BITTENSOR_SS58_PREFIX: u16 = 42;

const SS58_PRE: &[u8] = b"SS58PRE";

/// An sr25519 public key written as an SS58 address whose checksum has been verified.
///
/// Equality and ordering are those of the address string (code point order), which is what the
/// protocol sorts by. The network prefix is kept as written.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Hotkey {
    address: String,
    public: [u8; 32],
}

impl Hotkey {
    /// Parses and checks an SS58 address for a 32-byte account (any network prefix).
    pub fn parse(input: &str) -> Result<Self, Error> {
        let raw = bs58::decode(input)
            .into_vec()
            .map_err(|_| Error::ss58(input, "not base58"))?;
        let prefix_len = match raw.first() {
            None => return Err(Error::ss58(input, "empty")),
            Some(b) if *b < 64 => 1,
            Some(b) if *b < 128 => 2,
            Some(_) => return Err(Error::ss58(input, "reserved address type")),
        };
        if raw.len() != prefix_len + 32 + 2 {
            return Err(Error::ss58(input, "not a 32-byte account address"));
        }
        let body_end = prefix_len + 32;
        let checksum = ss58_checksum(&raw[..body_end]);
        if raw[body_end..] != checksum[..2] {
            return Err(Error::ss58(input, "checksum mismatch"));
        }
        let mut public = [0u8; 32];
        public.copy_from_slice(&raw[prefix_len..body_end]);
        Ok(Hotkey {
            address: input.to_owned(),
            public,
        })
    }

    /// Encodes a public key under `prefix` (0..=16383).
    pub fn from_public(public: [u8; 32], prefix: u16) -> Self {
        let mut raw = Vec::with_capacity(36);
        if prefix < 64 {
            raw.push(prefix as u8);
        } else {
            let p = prefix & 0x3fff;
            raw.push((((p & 0b1111_1100) >> 2) as u8) | 0b0100_0000);
            raw.push(((p >> 8) as u8) | (((p & 0b11) << 6) as u8));
        }
        raw.extend_from_slice(&public);
        let checksum = ss58_checksum(&raw);
        raw.extend_from_slice(&checksum[..2]);
        Hotkey {
            address: bs58::encode(raw).into_string(),
            public,
        }
    }

    /// The address as written.
    pub fn as_str(&self) -> &str {
        &self.address
    }

    /// The 32-byte sr25519 public key.
    pub fn public_key(&self) -> &[u8; 32] {
        &self.public
    }

    /// Whether `s` has the shape the reference checks (`^[1-9A-HJ-NP-Za-km-z]{47,48}$`), without
    /// the checksum.
    pub fn matches_reference_regex(s: &str) -> bool {
        (47..=48).contains(&s.len()) && s.bytes().all(is_base58_char)
    }
}

fn is_base58_char(b: u8) -> bool {
    matches!(b, b'1'..=b'9' | b'A'..=b'H' | b'J'..=b'N' | b'P'..=b'Z' | b'a'..=b'k' | b'm'..=b'z')
}

fn ss58_checksum(data: &[u8]) -> [u8; 64] {
    let mut h = Blake2b512::new();
    h.update(SS58_PRE);
    h.update(data);
    h.finalize().into()
}

impl fmt::Debug for Hotkey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hotkey({})", self.address)
    }
}

impl fmt::Display for Hotkey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.address)
    }
}

impl FromStr for Hotkey {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Hotkey::parse(s)
    }
}

impl serde::Serialize for Hotkey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.address)
    }
}

impl<'de> serde::Deserialize<'de> for Hotkey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Hotkey::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // //Alice's well-known sr25519 public key and its generic-substrate address.
    const ALICE: &str = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
    const ALICE_PUB: &str = "d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d";

    #[test]
    fn parses_known_address() {
        let hk = Hotkey::parse(ALICE).unwrap();
        assert_eq!(hex::encode(hk.public_key()), ALICE_PUB);
        assert_eq!(hk.as_str(), ALICE);
        assert!(Hotkey::matches_reference_regex(ALICE));
    }

    #[test]
    fn encodes_known_address() {
        let mut public = [0u8; 32];
        hex::decode_to_slice(ALICE_PUB, &mut public).unwrap();
        assert_eq!(Hotkey::from_public(public, 42).as_str(), ALICE);
    }

    #[test]
    fn rejects_bad_checksum_and_shapes() {
        // Last character changed: still base58, wrong checksum.
        let bad = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQZ";
        assert!(matches!(
            Hotkey::parse(bad),
            Err(Error::InvalidSs58 {
                reason: "checksum mismatch",
                ..
            })
        ));
        assert!(Hotkey::parse("").is_err());
        assert!(Hotkey::parse("0OIl").is_err());
        assert!(Hotkey::parse("5Grwva").is_err());
    }

    proptest! {
        #[test]
        fn roundtrips_any_key_and_prefix(public in any::<[u8; 32]>(), prefix in 0u16..16384) {
            prop_assume!(prefix != 46 && prefix != 47); // reserved
            let hk = Hotkey::from_public(public, prefix);
            let back = Hotkey::parse(hk.as_str()).unwrap();
            prop_assert_eq!(back.public_key(), &public);
        }
    }
}
