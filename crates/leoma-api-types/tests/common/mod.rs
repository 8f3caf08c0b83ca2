//! Test-only helpers shared by the integration tests: a schnorrkel-backed `Signer`.

#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    reason = "shared test helpers; not every test binary uses every helper"
)]

use leoma_api_types::Hotkey;
use leoma_api_types::signature::{SIGNING_CONTEXT, Signer};

/// A deterministic sr25519 key from a 32-byte mini secret (Ed25519 expansion, as Substrate).
pub struct TestSigner(schnorrkel::Keypair);

impl TestSigner {
    pub fn from_seed(seed: [u8; 32]) -> Self {
        let mini = schnorrkel::MiniSecretKey::from_bytes(&seed).unwrap();
        TestSigner(mini.expand_to_keypair(schnorrkel::ExpansionMode::Ed25519))
    }

    pub fn hotkey(&self) -> Hotkey {
        Hotkey::from_public(self.public_key(), 42)
    }

    /// Signs `<Bytes>` ‖ message ‖ `</Bytes>`, as polkadot-js `signRaw` does.
    pub fn sign_wrapped(&self, message: &[u8]) -> [u8; 64] {
        let mut m = b"<Bytes>".to_vec();
        m.extend_from_slice(message);
        m.extend_from_slice(b"</Bytes>");
        self.sign(&m)
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

pub fn producer() -> TestSigner {
    TestSigner::from_seed([1; 32])
}

pub fn other() -> TestSigner {
    TestSigner::from_seed([2; 32])
}
