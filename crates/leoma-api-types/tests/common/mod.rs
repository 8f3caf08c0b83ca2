//! Test-only helpers shared by the integration tests: a schnorrkel-backed `Signer` and the
//! CPython runner of the differential tests.

#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "shared test helpers; not every test binary uses every helper"
)]

use std::io::Write;
use std::process::{Command, Stdio};

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

/// The CPython the differential tests compare against (`LEOMA_TEST_PYTHON`, else `python3`).
pub fn python() -> String {
    std::env::var("LEOMA_TEST_PYTHON").unwrap_or_else(|_| "python3".to_owned())
}

/// Runs a Python script with `input` on stdin and returns its stdout; fails the test when Python
/// is missing, so a differential test never passes vacuously.
pub fn run_python(script: &str, input: &str) -> String {
    let mut child = Command::new(python())
        .arg("-c")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 is required (set LEOMA_TEST_PYTHON to its path)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "python failed");
    String::from_utf8(out.stdout).unwrap()
}
