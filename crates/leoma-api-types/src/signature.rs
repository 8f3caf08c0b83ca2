//! sr25519 signatures as the protocol uses them (SPEC §2.7, §3.7, §9.2): the signing capability
//! ([`Signer`]), verification with the `substrate` context (raw or polkadot-js `<Bytes>`-wrapped
//! message), the strict `0x` + 128 lowercase hex form of v2 ([`SignatureHex`]) and the lenient
//! reference decoding (`0x` strip + Python `bytes.fromhex`) used by v1 readers and request auth.
//!
//! This module verifies; it never signs. Signing keys live behind [`Signer`], implemented by the
//! chain crate.

use std::fmt;
use std::str::FromStr;

use crate::Error;

/// The schnorrkel signing context every Substrate sr25519 signature uses.
pub const SIGNING_CONTEXT: &[u8] = b"substrate";

/// Length of an sr25519 signature in bytes.
pub const SIGNATURE_LEN: usize = 64;

const WRAP_OPEN: &[u8] = b"<Bytes>";
const WRAP_CLOSE: &[u8] = b"</Bytes>";

/// A holder of an sr25519 secret key that can sign messages with the `substrate` context.
///
/// Object safe, so callers take `&dyn Signer`.
pub trait Signer {
    /// The 32-byte sr25519 public key.
    fn public_key(&self) -> [u8; 32];
    /// Signs `message` (the raw bytes, not wrapped) and returns the 64-byte signature.
    fn sign(&self, message: &[u8]) -> [u8; 64];
}

/// Which form of the message a signature verified over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageForm {
    /// The message itself.
    Raw,
    /// `<Bytes>` ‖ message ‖ `</Bytes>` (what polkadot-js `signRaw` signs).
    BytesWrapped,
}

/// Verifies `sig` over `message`, or over `<Bytes>` ‖ message ‖ `</Bytes>`, and says which form
/// verified. An invalid public key or a malformed signature verifies nothing.
pub fn verify_sr25519_form(
    public: &[u8; 32],
    message: &[u8],
    sig: &[u8; 64],
) -> Option<MessageForm> {
    let public = schnorrkel::PublicKey::from_bytes(public).ok()?;
    let sig = schnorrkel::Signature::from_bytes(sig).ok()?;
    if public.verify_simple(SIGNING_CONTEXT, message, &sig).is_ok() {
        return Some(MessageForm::Raw);
    }
    let mut wrapped = Vec::with_capacity(WRAP_OPEN.len() + message.len() + WRAP_CLOSE.len());
    wrapped.extend_from_slice(WRAP_OPEN);
    wrapped.extend_from_slice(message);
    wrapped.extend_from_slice(WRAP_CLOSE);
    public
        .verify_simple(SIGNING_CONTEXT, &wrapped, &sig)
        .ok()
        .map(|()| MessageForm::BytesWrapped)
}

/// Whether `sig` is a valid sr25519 signature by `public` over `message` (raw or
/// `<Bytes>`-wrapped).
pub fn verify_sr25519(public: &[u8; 32], message: &[u8], sig: &[u8; 64]) -> bool {
    verify_sr25519_form(public, message, sig).is_some()
}

/// A 64-byte signature in its strict textual form `0x` + 128 lowercase hex digits
/// (`^0x[0-9a-f]{128}$`), as v2 verdict files require and as every Rust writer emits.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SignatureHex([u8; 64]);

impl SignatureHex {
    /// Wraps raw signature bytes.
    pub fn from_bytes(bytes: [u8; 64]) -> Self {
        SignatureHex(bytes)
    }

    /// Signs `message` with `signer`.
    pub fn sign(signer: &dyn Signer, message: &[u8]) -> Self {
        SignatureHex(signer.sign(message))
    }

    /// Parses the strict form; anything else (upper case, missing `0x`, whitespace, wrong length)
    /// is rejected.
    pub fn parse(s: &str) -> Result<Self, Error> {
        let Some(digits) = s.strip_prefix("0x") else {
            return Err(Error::invalid("signature", "must start with 0x"));
        };
        if digits.len() != 2 * SIGNATURE_LEN {
            return Err(Error::invalid(
                "signature",
                format!("expected 128 hex digits, found {} bytes", digits.len()),
            ));
        }
        if !digits
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        {
            return Err(Error::invalid("signature", "hex digits must be 0-9 or a-f"));
        }
        let mut out = [0u8; 64];
        hex::decode_to_slice(digits, &mut out)
            .map_err(|e| Error::invalid("signature", e.to_string()))?;
        Ok(SignatureHex(out))
    }

    /// The raw 64 bytes.
    pub fn as_bytes(&self) -> &[u8; 64] {
        &self.0
    }

    /// Whether this signature verifies over `message` (raw or `<Bytes>`-wrapped) for `public`.
    pub fn verifies(&self, public: &[u8; 32], message: &[u8]) -> bool {
        verify_sr25519(public, message, &self.0)
    }
}

impl fmt::Display for SignatureHex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("0x")?;
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for SignatureHex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SignatureHex({self})")
    }
}

impl FromStr for SignatureHex {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        SignatureHex::parse(s)
    }
}

impl serde::Serialize for SignatureHex {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for SignatureHex {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        SignatureHex::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Why a signature string could not be decoded under the reference's lenient rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LenientDecodeError {
    /// Not valid under Python `bytes.fromhex` after removing a leading lowercase `0x`.
    #[error("signature is not hex")]
    NotHex,
    /// Decoded, but not 64 bytes long.
    #[error("signature is {0} bytes, expected 64")]
    WrongLength(usize),
}

/// Decodes a signature the way the reference does (SPEC §5.1 step 3–4, §9.2 step 3): remove one
/// leading `0x` (lowercase only), decode with Python `bytes.fromhex` rules (hex pairs of either
/// case, ASCII whitespace allowed between pairs) and require exactly 64 bytes.
pub fn decode_signature_lenient(s: &str) -> Result<[u8; 64], LenientDecodeError> {
    let digits = s.strip_prefix("0x").unwrap_or(s);
    let bytes = crate::python::bytes_fromhex(digits).ok_or(LenientDecodeError::NotHex)?;
    <[u8; 64]>::try_from(bytes.as_slice()).map_err(|_| LenientDecodeError::WrongLength(bytes.len()))
}

/// A [`Signer`] over a schnorrkel keypair, for tests only.
#[cfg(test)]
pub(crate) mod test_signer {
    use super::{SIGNING_CONTEXT, Signer};

    /// A deterministic test key derived from a 32-byte mini secret (Ed25519 expansion, as
    /// Substrate does).
    pub(crate) struct TestSigner(schnorrkel::Keypair);

    impl TestSigner {
        pub(crate) fn from_seed(seed: [u8; 32]) -> Self {
            let mini = schnorrkel::MiniSecretKey::from_bytes(&seed).unwrap();
            TestSigner(mini.expand_to_keypair(schnorrkel::ExpansionMode::Ed25519))
        }

        pub(crate) fn hotkey(&self) -> crate::Hotkey {
            crate::Hotkey::from_public(self.public_key(), 42)
        }
    }

    impl Signer for TestSigner {
        fn public_key(&self) -> [u8; 32] {
            self.0.public.to_bytes()
        }
        fn sign(&self, message: &[u8]) -> [u8; 64] {
            self.0.sign_simple(SIGNING_CONTEXT, message).to_bytes()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::test_signer::TestSigner;
    use super::*;

    // Substrate's `//Alice` dev mini secret and public key.
    const ALICE_SEED: &str = "e5be9a5092b81bca64be81d212e7f2f9eba183bb7a90954f7b76361f6edb5c0a";
    const ALICE_PUB: &str = "d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d";

    fn alice() -> TestSigner {
        let mut seed = [0u8; 32];
        hex::decode_to_slice(ALICE_SEED, &mut seed).unwrap();
        TestSigner::from_seed(seed)
    }

    #[test]
    fn test_signer_derives_alice() {
        assert_eq!(hex::encode(alice().public_key()), ALICE_PUB);
        assert_eq!(
            alice().hotkey().as_str(),
            "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"
        );
    }

    #[test]
    fn sign_verify_round_trip_raw() {
        let s = alice();
        let sig = s.sign(b"hello");
        assert_eq!(
            verify_sr25519_form(&s.public_key(), b"hello", &sig),
            Some(MessageForm::Raw)
        );
        assert!(!verify_sr25519(&s.public_key(), b"hellO", &sig));
    }

    #[test]
    fn bytes_wrapped_message_is_accepted() {
        let s = alice();
        let sig = s.sign(b"<Bytes>hello</Bytes>");
        assert_eq!(
            verify_sr25519_form(&s.public_key(), b"hello", &sig),
            Some(MessageForm::BytesWrapped)
        );
    }

    #[test]
    fn wrong_key_and_garbage_do_not_verify() {
        let s = alice();
        let other = TestSigner::from_seed([7; 32]);
        let sig = s.sign(b"m");
        assert!(!verify_sr25519(&other.public_key(), b"m", &sig));
        // Not a schnorrkel-marked signature.
        assert!(!verify_sr25519(&s.public_key(), b"m", &[0u8; 64]));
        // Not a valid public key point.
        assert!(!verify_sr25519(&[0xff; 32], b"m", &sig));
    }

    #[test]
    fn strict_hex_round_trip() {
        let sig = SignatureHex::from_bytes([0xab; 64]);
        let text = sig.to_string();
        assert_eq!(text.len(), 130);
        assert!(text.starts_with("0xabab"));
        assert_eq!(SignatureHex::parse(&text).unwrap(), sig);
        assert_eq!(text.parse::<SignatureHex>().unwrap(), sig);
    }

    #[test]
    fn strict_hex_rejects_variants() {
        let good = format!("0x{}", "ab".repeat(64));
        assert!(SignatureHex::parse(&good).is_ok());
        for bad in [
            format!("0X{}", "ab".repeat(64)),
            "ab".repeat(64),
            format!("0x{}", "AB".repeat(64)),
            format!("0x{}", "ab".repeat(63)),
            format!("0x{}", "ab".repeat(65)),
            format!("0x{} ", "ab".repeat(64)),
            format!("0x{}g", "ab".repeat(63) + "a"),
            format!("0x{}é", "a".repeat(126)),
        ] {
            assert!(SignatureHex::parse(&bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn lenient_decoding_follows_python() {
        let hexed = "ab".repeat(64);
        assert_eq!(
            decode_signature_lenient(&format!("0x{hexed}")),
            Ok([0xab; 64])
        );
        assert_eq!(decode_signature_lenient(&hexed), Ok([0xab; 64]));
        assert_eq!(decode_signature_lenient(&"AB".repeat(64)), Ok([0xab; 64]));
        // Whitespace between pairs is allowed by bytes.fromhex.
        let spaced = "ab ".repeat(64);
        assert_eq!(decode_signature_lenient(&spaced), Ok([0xab; 64]));
        // Only a lowercase 0x is stripped.
        assert_eq!(
            decode_signature_lenient(&format!("0X{hexed}")),
            Err(LenientDecodeError::NotHex)
        );
        assert_eq!(
            decode_signature_lenient("0xabc"),
            Err(LenientDecodeError::NotHex)
        );
        assert_eq!(
            decode_signature_lenient("0xabcd"),
            Err(LenientDecodeError::WrongLength(2))
        );
        assert_eq!(
            decode_signature_lenient(""),
            Err(LenientDecodeError::WrongLength(0))
        );
    }
}
