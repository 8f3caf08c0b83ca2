//! sr25519 keys (SPEC §2.7): building a keypair from a seed, a mnemonic or a secret URI such as
//! `//Alice`, signing with the `substrate` context, and verification that also accepts messages
//! wrapped in `<Bytes>…</Bytes>` (as polkadot-js and the Python SDK do).
//!
//! A [`Keypair`] never shows its secret: `Debug` prints the SS58 address only, and no error built
//! here contains seed, phrase or password text.

use std::str::FromStr;

use leoma_api_types::Hotkey;
use leoma_api_types::hotkey::BITTENSOR_SS58_PREFIX;
use subxt_signer::sr25519;
use zeroize::Zeroizing;

use crate::ChainError;

/// An sr25519 keypair. The secret stays inside; only the public side can be printed.
#[derive(Clone)]
pub struct Keypair {
    inner: sr25519::Keypair,
    hotkey: Hotkey,
}

impl Keypair {
    fn wrap(inner: sr25519::Keypair) -> Self {
        let hotkey = Hotkey::from_public(inner.public_key().0, BITTENSOR_SS58_PREFIX);
        Keypair { inner, hotkey }
    }

    /// From a 32-byte mini-secret (the `secretSeed` of a Bittensor keyfile).
    pub fn from_seed(seed: &[u8; 32]) -> Result<Self, ChainError> {
        sr25519::Keypair::from_secret_key(*seed)
            .map(Self::wrap)
            .map_err(|_| ChainError::InvalidKey("seed is not a valid sr25519 mini-secret".into()))
    }

    /// From a `0x`-prefixed (or bare) hex 32-byte seed.
    pub fn from_seed_hex(hex_seed: &str) -> Result<Self, ChainError> {
        let digits = hex_seed.trim().trim_start_matches("0x");
        let mut seed = Zeroizing::new([0u8; 32]);
        hex::decode_to_slice(digits, &mut seed[..])
            .map_err(|_| ChainError::InvalidKey("seed is not 32 bytes of hex".into()))?;
        Self::from_seed(&seed)
    }

    /// From a BIP-39 mnemonic and an optional BIP-39 password, as substrate derives it.
    pub fn from_mnemonic(phrase: &str, password: Option<&str>) -> Result<Self, ChainError> {
        let mnemonic = sr25519_phrase(phrase)?;
        sr25519::Keypair::from_phrase(&mnemonic, password)
            .map(Self::wrap)
            .map_err(|_| ChainError::InvalidKey("mnemonic does not yield a key".into()))
    }

    /// From a secret URI: `//Alice`, `<mnemonic>//hard/soft///password`, `0x<seed>//path`.
    pub fn from_uri(uri: &str) -> Result<Self, ChainError> {
        let parsed = subxt_signer::SecretUri::from_str(uri)
            .map_err(|_| ChainError::InvalidKey("not a valid secret URI".into()))?;
        sr25519::Keypair::from_uri(&parsed)
            .map(Self::wrap)
            .map_err(|_| ChainError::InvalidKey("secret URI does not yield a key".into()))
    }

    /// The 32-byte public key (the `AccountId32`).
    pub fn public_key(&self) -> [u8; 32] {
        self.inner.public_key().0
    }

    /// The SS58 address (prefix 42) as a checked [`Hotkey`].
    pub fn hotkey(&self) -> &Hotkey {
        &self.hotkey
    }

    /// The SS58 address string.
    pub fn ss58(&self) -> &str {
        self.hotkey.as_str()
    }

    /// Signs `message` with the `substrate` signing context (randomized, 64 bytes).
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.inner.sign(message).0
    }

    /// The subxt signer, for extrinsics. Crate-internal so no subxt type leaks.
    pub(crate) fn subxt_signer(&self) -> &sr25519::Keypair {
        &self.inner
    }
}

fn sr25519_phrase(phrase: &str) -> Result<subxt_signer::bip39::Mnemonic, ChainError> {
    // The parse error names the offending word, which is part of the secret: drop it.
    subxt_signer::bip39::Mnemonic::parse_normalized(phrase.trim())
        .map_err(|_| ChainError::InvalidKey("not a valid BIP-39 mnemonic".into()))
}

impl std::fmt::Debug for Keypair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Keypair({}, secret: ***)", self.hotkey.as_str())
    }
}

impl leoma_api_types::signature::Signer for Keypair {
    fn public_key(&self) -> [u8; 32] {
        Keypair::public_key(self)
    }
    fn sign(&self, message: &[u8]) -> [u8; 64] {
        Keypair::sign(self, message)
    }
}

/// Verifies an sr25519 signature (`substrate` context) over `message`, or over
/// `<Bytes>message</Bytes>` if the plain message does not verify. One implementation for the
/// whole workspace: this delegates to `leoma_api_types::signature::verify_sr25519`.
pub fn verify(public_key: &[u8; 32], message: &[u8], signature: &[u8; 64]) -> bool {
    leoma_api_types::signature::verify_sr25519(public_key, message, signature)
}

/// Parses `0x` + 128 hex digits (either case; the prefix is optional) into a signature.
pub fn parse_signature(text: &str) -> Result<[u8; 64], ChainError> {
    let digits = text.trim().strip_prefix("0x").unwrap_or(text.trim());
    let mut sig = [0u8; 64];
    hex::decode_to_slice(digits, &mut sig).map_err(|_| ChainError::InvalidInput {
        what: "signature",
        reason: "expected 0x followed by 128 hex digits".into(),
    })?;
    Ok(sig)
}

/// Formats a signature as `0x` + 128 lowercase hex digits.
pub fn format_signature(signature: &[u8; 64]) -> String {
    format!("0x{}", hex::encode(signature))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALICE: &str = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
    const DEV_PHRASE: &str =
        "bottom drive obey lake curtain smoke basket hold race lonely fit walk";

    #[test]
    fn dev_uri_gives_alice() {
        let kp = Keypair::from_uri("//Alice").unwrap();
        assert_eq!(kp.ss58(), ALICE);
        let kp2 = Keypair::from_uri(&format!("{DEV_PHRASE}//Alice")).unwrap();
        assert_eq!(kp2.public_key(), kp.public_key());
    }

    #[test]
    fn mnemonic_and_seed_agree() {
        // The dev phrase's mini-secret (substrate's well-known value).
        let seed = "0xfac7959dbfe72f052e5a0c3c8d6530f202b02fd8f9f5ca3580ec8deb7797479e";
        let a = Keypair::from_mnemonic(DEV_PHRASE, None).unwrap();
        let b = Keypair::from_seed_hex(seed).unwrap();
        assert_eq!(a.public_key(), b.public_key());
        assert_eq!(a.ss58(), "5DfhGyQdFobKM8NsWvEeAKk5EQQgYe9AydgJ7rMB6E1EqRzV");
    }

    #[test]
    fn sign_verify_and_bytes_wrapping() {
        let kp = Keypair::from_uri("//Bob").unwrap();
        let sig = kp.sign(b"hello");
        assert!(verify(&kp.public_key(), b"hello", &sig));
        assert!(!verify(&kp.public_key(), b"hellO", &sig));
        let wrapped = kp.sign(b"<Bytes>hello</Bytes>");
        assert!(verify(&kp.public_key(), b"hello", &wrapped));
        let other = Keypair::from_uri("//Alice").unwrap();
        assert!(!verify(&other.public_key(), b"hello", &sig));
    }

    #[test]
    fn signature_text_roundtrip() {
        let kp = Keypair::from_uri("//Alice").unwrap();
        let sig = kp.sign(b"m");
        let text = format_signature(&sig);
        assert_eq!(text.len(), 130);
        assert_eq!(parse_signature(&text).unwrap(), sig);
        assert_eq!(parse_signature(&text[2..]).unwrap(), sig);
        assert!(parse_signature("0x1234").is_err());
    }

    #[test]
    fn secrets_never_printed() {
        let kp = Keypair::from_mnemonic(DEV_PHRASE, None).unwrap();
        let dbg = format!("{kp:?}");
        assert!(dbg.contains(kp.ss58()));
        assert!(!dbg.contains("bottom"));
        let err = Keypair::from_mnemonic(
            "bottom drive obey lake curtain smoke basket hold race lonely fit wxlk",
            None,
        )
        .unwrap_err()
        .to_string();
        assert!(!err.contains("wxlk") && !err.contains("bottom"), "{err}");
        let err = Keypair::from_seed_hex("0xzz").unwrap_err().to_string();
        assert!(!err.contains("zz"));
        let err = Keypair::from_uri("not a uri with secret words")
            .unwrap_err()
            .to_string();
        assert!(!err.contains("secret words"));
    }
}
