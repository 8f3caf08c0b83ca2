//! Interop with the Python stack (PyPI `bittensor-wallet`): wallets it writes load to the same
//! SS58 here, and signatures verify in both directions.
//!
//! The interpreter is `$LEOMA_TEST_PYTHON`, else `$HOME/.cache/leoma-tools/venv/bin/python`
//! (made by `.ci/run`). A missing interpreter or package fails these tests: they never skip.

use std::path::PathBuf;
use std::process::Command;

use leoma_chain::keys::{format_signature, parse_signature, verify};
use leoma_chain::{Keypair, Wallet};

fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("LEOMA_TEST_PYTHON") {
        return PathBuf::from(p);
    }
    let home = std::env::var_os("HOME").expect("HOME is set");
    let p = PathBuf::from(home).join(".cache/leoma-tools/venv/bin/python");
    assert!(
        p.exists(),
        "no Python for interop tests: set LEOMA_TEST_PYTHON or create {} with `pip install bittensor-wallet`",
        p.display()
    );
    p
}

/// Runs `script` with `args`; returns stdout lines. Fails the test on any Python error.
fn run_python(script: &str, args: &[&str]) -> Vec<String> {
    let out = Command::new(python())
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.trim().to_owned())
        .filter(|l| !l.is_empty())
        .collect()
}

const MAKE_WALLET: &str = r#"
import sys
from bittensor_wallet import Keypair, Wallet, Keyfile
path, password = sys.argv[1], sys.argv[2]
w = Wallet(name="interop", hotkey="hk", path=path)
w.create_new_hotkey(use_password=False, overwrite=True, suppress=True)
cold = Keypair.create_from_mnemonic(Keypair.generate_mnemonic())
Keyfile(path + "/interop/coldkey").set_keypair(cold, encrypt=True, overwrite=True, password=password)
print(w.hotkey.ss58_address)
print(cold.ss58_address)
"#;

#[test]
fn python_wallet_files_load_to_the_same_ss58() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_str().unwrap();
    let lines = run_python(MAKE_WALLET, &[root, "interop-pw-1"]);
    let [hot_ss58, cold_ss58] = [&lines[lines.len() - 2], &lines[lines.len() - 1]];
    let wallet = Wallet::new(dir.path(), "interop", "hk");
    assert_eq!(wallet.load_hotkey().unwrap().ss58(), hot_ss58);
    let coldkey_bytes = std::fs::read(wallet.coldkey_path()).unwrap();
    assert!(
        coldkey_bytes.starts_with(b"$NACL"),
        "Python wrote a $NACL coldkey"
    );
    assert_eq!(
        wallet.load_coldkey("interop-pw-1").unwrap().ss58(),
        cold_ss58
    );
    assert!(matches!(
        wallet.load_coldkey("wrong"),
        Err(leoma_chain::ChainError::WrongPassword { .. })
    ));
}

const SIGN: &str = r#"
import sys
from bittensor_wallet import Keypair
kp = Keypair.create_from_uri(sys.argv[1])
print(kp.ss58_address)
print("0x" + kp.sign(sys.argv[2].encode()).hex())
"#;

const VERIFY: &str = r#"
import sys
from bittensor_wallet import Keypair
kp = Keypair(ss58_address=sys.argv[1])
print(kp.verify(sys.argv[2].encode(), bytes.fromhex(sys.argv[3][2:])))
"#;

#[test]
fn signatures_verify_across_python_and_rust() {
    // Python signs, Rust verifies.
    let lines = run_python(SIGN, &["//Ferdie", "leoma interop message"]);
    let ferdie = Keypair::from_uri("//Ferdie").unwrap();
    assert_eq!(lines[0], ferdie.ss58(), "same SS58 from the same dev URI");
    let sig = parse_signature(&lines[1]).unwrap();
    assert!(verify(&ferdie.public_key(), b"leoma interop message", &sig));
    assert!(!verify(&ferdie.public_key(), b"another message", &sig));

    // Rust signs, Python verifies (and rejects a tampered message).
    let rust_sig = format_signature(&ferdie.sign(b"from rust"));
    assert_eq!(
        run_python(VERIFY, &[ferdie.ss58(), "from rust", &rust_sig]),
        ["True"]
    );
    assert_eq!(
        run_python(VERIFY, &[ferdie.ss58(), "from rusT", &rust_sig]),
        ["False"]
    );
}
