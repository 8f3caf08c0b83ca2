//! Timelock encryption to a drand round (SPEC §2.6.2), through the `timelock` crate: the
//! crates.io release of the `tle` code that Subtensor's reveal and PyPI `bittensor-drand` use.
//!
//! Identity of round `r` = SHA-256 of `r` as 8 big-endian bytes; Boneh–Franklin IBE of a fresh
//! 32-byte key to that identity under the beacon's G2 public key; the payload under AES-256-GCM
//! with that key; the whole `TLECiphertext<TinyBLS381>` serialized in arkworks compressed form.
//! The round's beacon signature (a G1 point) is the IBE secret that opens it.
//!
//! Fixtures pinning bit compatibility live in `tests/it/timelock.rs`: real quicknet pulses and
//! ciphertexts produced by `bittensor-drand` in both directions.

use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use rand::{CryptoRng, RngCore};
use timelock::curves::drand::TinyBLS381;
use timelock::ibe::fullident::Identity;
use timelock::stream_ciphers::AESGCMStreamCipherProvider;
use timelock::tlock::{EngineBLS, TLECiphertext, tld, tle};

use super::QUICKNET_PUBLIC_KEY_HEX;

type PublicKeyGroup = <TinyBLS381 as EngineBLS>::PublicKeyGroup;
type SignatureGroup = <TinyBLS381 as EngineBLS>::SignatureGroup;

/// Why a timelock operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimelockError {
    /// The beacon public key is not a compressed G2 point.
    #[error("beacon public key is not a valid compressed G2 point: {0}")]
    PublicKey(String),
    /// The signature is not a compressed G1 point.
    #[error("beacon signature is not a valid compressed G1 point: {0}")]
    Signature(String),
    /// The ciphertext does not deserialize as a `TLECiphertext`.
    #[error("malformed timelock ciphertext: {0}")]
    Malformed(String),
    /// The signature is not the one of the round the ciphertext is locked to (or the body was
    /// tampered with).
    #[error("the signature does not open this ciphertext ({0})")]
    WrongSignature(String),
    /// Encryption failed inside the cipher.
    #[error("timelock encryption failed: {0}")]
    Encrypt(String),
}

/// The identity a round's ciphertexts are encrypted to: SHA-256 of the big-endian round.
pub fn round_identity(round: u64) -> [u8; 32] {
    sp_crypto_hashing::sha2_256(&round.to_be_bytes())
}

fn identity(round: u64) -> Identity {
    Identity::new(b"", vec![round_identity(round).to_vec()])
}

/// A drand beacon to encrypt to: quicknet in production; tests may use a key they hold.
#[derive(Clone, PartialEq, Eq)]
pub struct Beacon {
    public_key: PublicKeyGroup,
}

impl std::fmt::Debug for Beacon {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Beacon({})", hex::encode(self.public_key_bytes()))
    }
}

impl Beacon {
    /// Drand quicknet (chain hash [`super::QUICKNET_CHAIN_HASH`]).
    pub fn quicknet() -> Result<Self, TimelockError> {
        let bytes = hex::decode(QUICKNET_PUBLIC_KEY_HEX)
            .map_err(|e| TimelockError::PublicKey(e.to_string()))?;
        Self::from_public_key(&bytes)
    }

    /// A beacon with this 96-byte compressed G2 public key.
    pub fn from_public_key(bytes: &[u8]) -> Result<Self, TimelockError> {
        let mut input = bytes;
        let public_key = PublicKeyGroup::deserialize_compressed(&mut input)
            .map_err(|e| TimelockError::PublicKey(e.to_string()))?;
        if !input.is_empty() {
            return Err(TimelockError::PublicKey(format!(
                "{} trailing bytes",
                input.len()
            )));
        }
        Ok(Beacon { public_key })
    }

    /// The compressed public key.
    pub fn public_key_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(96);
        // Serializing a valid point into a Vec cannot fail.
        let _ = self.public_key.serialize_compressed(&mut out);
        out
    }

    /// Encrypts `plaintext` to `round` with the operating system's randomness.
    pub fn encrypt(&self, plaintext: &[u8], round: u64) -> Result<Vec<u8>, TimelockError> {
        self.encrypt_with_rng(plaintext, round, &mut rand::rngs::OsRng)
    }

    /// Encrypts `plaintext` to `round` drawing the ephemeral key and nonces from `rng`.
    pub fn encrypt_with_rng<R: RngCore + CryptoRng>(
        &self,
        plaintext: &[u8],
        round: u64,
        rng: &mut R,
    ) -> Result<Vec<u8>, TimelockError> {
        let mut key = [0u8; 32];
        rng.fill_bytes(&mut key);
        let ct = tle::<TinyBLS381, AESGCMStreamCipherProvider, _>(
            self.public_key,
            key,
            plaintext,
            identity(round),
            rng,
        )
        .map_err(|e| TimelockError::Encrypt(format!("{e:?}")))?;
        let mut out = Vec::new();
        ct.serialize_compressed(&mut out)
            .map_err(|e| TimelockError::Encrypt(e.to_string()))?;
        Ok(out)
    }

    /// Whether `signature` is this beacon's signature of `round` (a BLS check of the pulse).
    pub fn verify_pulse(&self, round: u64, signature: &[u8]) -> Result<bool, TimelockError> {
        let sig = signature_point(signature)?;
        let message = w3f_bls::Message::new(b"", &round_identity(round));
        Ok(w3f_bls::Signature::<TinyBLS381>(sig)
            .verify(&message, &w3f_bls::PublicKey(self.public_key)))
    }
}

fn signature_point(signature: &[u8]) -> Result<SignatureGroup, TimelockError> {
    let mut input = signature;
    let sig = SignatureGroup::deserialize_compressed(&mut input)
        .map_err(|e| TimelockError::Signature(e.to_string()))?;
    if !input.is_empty() {
        return Err(TimelockError::Signature(format!(
            "{} trailing bytes",
            input.len()
        )));
    }
    Ok(sig)
}

fn parse(ciphertext: &[u8]) -> Result<TLECiphertext<TinyBLS381>, TimelockError> {
    let mut input = ciphertext;
    let ct = TLECiphertext::<TinyBLS381>::deserialize_compressed(&mut input)
        .map_err(|e| TimelockError::Malformed(e.to_string()))?;
    if !input.is_empty() {
        return Err(TimelockError::Malformed(format!(
            "{} trailing bytes",
            input.len()
        )));
    }
    Ok(ct)
}

/// Checks that `ciphertext` is a well-formed `TLECiphertext` (what the chain will try to
/// deserialize on reveal) without opening it.
pub fn validate_ciphertext(ciphertext: &[u8]) -> Result<(), TimelockError> {
    parse(ciphertext).map(|_| ())
}

/// Decrypts `ciphertext` with the beacon `signature` (48-byte compressed G1) of the round it
/// is locked to, as the chain does on reveal.
pub fn decrypt(ciphertext: &[u8], signature: &[u8]) -> Result<Vec<u8>, TimelockError> {
    let ct = parse(ciphertext)?;
    let sig = signature_point(signature)?;
    tld::<TinyBLS381, AESGCMStreamCipherProvider>(ct, sig)
        .map_err(|e| TimelockError::WrongSignature(format!("{e:?}")))
}

/// A beacon whose secret key the tests hold, so they can produce "future" pulses (feature
/// `test-utils`; never in production paths).
#[cfg(feature = "test-utils")]
#[derive(Clone)]
pub struct TestBeacon {
    secret: w3f_bls::SecretKeyVT<TinyBLS381>,
}

#[cfg(feature = "test-utils")]
impl std::fmt::Debug for TestBeacon {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TestBeacon(..)")
    }
}

#[cfg(feature = "test-utils")]
impl TestBeacon {
    /// The beacon derived from `seed`.
    pub fn from_seed(seed: &[u8]) -> Self {
        TestBeacon {
            secret: w3f_bls::SecretKeyVT::from_seed(seed),
        }
    }

    /// Its public side, to encrypt to.
    pub fn beacon(&self) -> Beacon {
        Beacon {
            public_key: self.secret.into_public().0,
        }
    }

    /// Its pulse signature for `round` (48-byte compressed G1).
    pub fn signature(&self, round: u64) -> Vec<u8> {
        let message = w3f_bls::Message::new(b"", &round_identity(round));
        let mut out = Vec::with_capacity(48);
        let _ = self.secret.sign(&message).0.serialize_compressed(&mut out);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quicknet_key_parses_and_round_trips() {
        let b = Beacon::quicknet().unwrap();
        assert_eq!(hex::encode(b.public_key_bytes()), QUICKNET_PUBLIC_KEY_HEX);
        assert!(Beacon::from_public_key(&[0u8; 96]).is_err());
        let mut long = b.public_key_bytes();
        long.push(0);
        assert!(matches!(
            Beacon::from_public_key(&long),
            Err(TimelockError::PublicKey(_))
        ));
    }

    #[test]
    fn identity_is_sha256_of_big_endian_round() {
        assert_eq!(
            round_identity(1),
            sp_crypto_hashing::sha2_256(&[0, 0, 0, 0, 0, 0, 0, 1])
        );
    }

    #[test]
    fn garbage_is_rejected_with_a_reason() {
        assert!(matches!(
            decrypt(&[1, 2, 3], &[0u8; 48]),
            Err(TimelockError::Malformed(_))
        ));
        assert!(matches!(
            Beacon::quicknet().unwrap().verify_pulse(1, &[7u8; 10]),
            Err(TimelockError::Signature(_))
        ));
    }
}
