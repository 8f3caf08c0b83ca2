//! Python-Bittensor wallets on disk (SPEC §2.7): `<path>/<name>/hotkeys/<hotkey>` (plain JSON)
//! and `<path>/<name>/coldkey` (`$NACL`: Argon2i + XSalsa20-Poly1305 secretbox, as
//! `bittensor-wallet` writes it).
//!
//! This module reads files it is pointed at; it never reads the environment or prompts (the
//! binaries do that, see the `cli` feature). Decrypted bytes live in zeroizing buffers and no
//! error contains key material.

use std::path::{Path, PathBuf};

use crypto_secretbox::aead::{Aead, KeyInit};
use crypto_secretbox::{Key, Nonce, XSalsa20Poly1305};
use zeroize::Zeroizing;

use crate::{ChainError, Keypair};

/// The fixed Argon2 salt every Python-Bittensor `$NACL` keyfile uses.
const NACL_SALT: [u8; 16] = *b"\x13q\x83\xdf\xf1Z\t\xbc\x9c\x90\xb5Q\x879\xe9\xb1";
/// libsodium `crypto_pwhash_argon2i_OPSLIMIT_SENSITIVE`.
const ARGON2I_OPS_SENSITIVE: u32 = 8;
/// libsodium `crypto_pwhash_argon2i_MEMLIMIT_SENSITIVE` (512 MiB), in KiB.
const ARGON2I_MEM_SENSITIVE_KIB: u32 = 512 * 1024;
const NACL_MAGIC: &[u8] = b"$NACL";
const NONCE_LEN: usize = 24;

/// Where a wallet lives: `<root>/<name>/…`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wallet {
    root: PathBuf,
    name: String,
    hotkey: String,
}

impl Wallet {
    /// A wallet `name` with hotkey `hotkey` under `root` (already `~`-expanded).
    pub fn new(
        root: impl Into<PathBuf>,
        name: impl Into<String>,
        hotkey: impl Into<String>,
    ) -> Self {
        Wallet {
            root: root.into(),
            name: name.into(),
            hotkey: hotkey.into(),
        }
    }

    /// `<root>/<name>/hotkeys/<hotkey>`.
    pub fn hotkey_path(&self) -> PathBuf {
        self.root
            .join(&self.name)
            .join("hotkeys")
            .join(&self.hotkey)
    }

    /// `<root>/<name>/coldkey`.
    pub fn coldkey_path(&self) -> PathBuf {
        self.root.join(&self.name).join("coldkey")
    }

    /// Loads the (plaintext) hotkey.
    pub fn load_hotkey(&self) -> Result<Keypair, ChainError> {
        let path = self.hotkey_path();
        let bytes = read(&path)?;
        if keyfile_is_encrypted(&bytes).is_some() {
            return Err(ChainError::WalletFormat {
                path,
                reason: "hotkey file is encrypted; Leoma needs a plaintext hotkey".into(),
            });
        }
        keypair_from_keyfile_json(&bytes, &path)
    }

    /// Loads and decrypts the coldkey with `password`.
    pub fn load_coldkey(&self, password: &str) -> Result<Keypair, ChainError> {
        let path = self.coldkey_path();
        let bytes = read(&path)?;
        load_keyfile_bytes(&bytes, &path, Some(password))
    }
}

/// Expands a leading `~` or `~/` using `home` (the caller reads `$HOME`).
pub fn expand_tilde(path: &str, home: Option<&Path>) -> PathBuf {
    match (path.strip_prefix('~'), home) {
        (Some(""), Some(h)) => h.to_path_buf(),
        (Some(rest), Some(h)) if rest.starts_with('/') => h.join(rest.trim_start_matches('/')),
        _ => PathBuf::from(path),
    }
}

fn read(path: &Path) -> Result<Zeroizing<Vec<u8>>, ChainError> {
    std::fs::read(path)
        .map(Zeroizing::new)
        .map_err(|e| ChainError::WalletIo {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })
}

/// The encryption format of keyfile bytes, or `None` when they are plaintext.
pub fn keyfile_is_encrypted(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(NACL_MAGIC) {
        Some("NaCl")
    } else if bytes.starts_with(b"$ANSIBLE_VAULT") {
        Some("ansible-vault")
    } else if bytes.starts_with(b"gAAAAA") {
        Some("legacy Fernet")
    } else {
        None
    }
}

/// Loads a keyfile's bytes: plaintext JSON, or `$NACL` decrypted with `password`.
pub fn load_keyfile_bytes(
    bytes: &[u8],
    path: &Path,
    password: Option<&str>,
) -> Result<Keypair, ChainError> {
    match keyfile_is_encrypted(bytes) {
        None => keypair_from_keyfile_json(bytes, path),
        Some("NaCl") => {
            let password = password.ok_or_else(|| ChainError::WalletFormat {
                path: path.to_path_buf(),
                reason: "the keyfile is encrypted and no password was given".into(),
            })?;
            let plain = decrypt_nacl(bytes, password, path)?;
            keypair_from_keyfile_json(&plain, path)
        }
        Some(format) => Err(ChainError::LegacyKeyfile {
            path: path.to_path_buf(),
            format,
        }),
    }
}

/// Builds a keypair from keyfile JSON: `secretSeed` (0x-hex mini-secret) first, else
/// `secretPhrase` (mnemonic). A `publicKey`/`ss58Address` that disagrees is an error.
pub fn keypair_from_keyfile_json(bytes: &[u8], path: &Path) -> Result<Keypair, ChainError> {
    let format_err = |reason: &str| ChainError::WalletFormat {
        path: path.to_path_buf(),
        reason: reason.to_owned(),
    };
    // Parse into a zeroizing map: the JSON holds the secret.
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|_| format_err("not a JSON keyfile"))?;
    let obj = value
        .as_object()
        .ok_or_else(|| format_err("not a JSON object"))?;
    let text = |k: &str| obj.get(k).and_then(|v| v.as_str());
    let keypair = if let Some(seed) = text("secretSeed") {
        Keypair::from_seed_hex(seed)
            .map_err(|_| format_err("secretSeed is not a 32-byte hex seed"))?
    } else if let Some(phrase) = text("secretPhrase") {
        Keypair::from_mnemonic(phrase, None)
            .map_err(|_| format_err("secretPhrase is not a valid mnemonic"))?
    } else {
        return Err(format_err("neither secretSeed nor secretPhrase is present"));
    };
    if let Some(pk) = text("publicKey")
        && pk.trim_start_matches("0x").to_ascii_lowercase() != hex::encode(keypair.public_key())
    {
        return Err(format_err("publicKey does not match the secret"));
    }
    if let Some(addr) = text("ss58Address") {
        let matches = leoma_api_types::Hotkey::parse(addr)
            .map(|h| h.public_key() == &keypair.public_key())
            .unwrap_or(false);
        if !matches {
            return Err(format_err("ss58Address does not match the secret"));
        }
    }
    Ok(keypair)
}

fn derive_key(password: &str) -> Result<Zeroizing<[u8; 32]>, ChainError> {
    let params = argon2::Params::new(
        ARGON2I_MEM_SENSITIVE_KIB,
        ARGON2I_OPS_SENSITIVE,
        1,
        Some(32),
    )
    .map_err(|e| ChainError::InvalidKey(format!("argon2 parameters: {e}")))?;
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2i, argon2::Version::V0x13, params);
    let mut key = Zeroizing::new([0u8; 32]);
    argon
        .hash_password_into(password.as_bytes(), &NACL_SALT, &mut key[..])
        .map_err(|e| ChainError::InvalidKey(format!("argon2: {e}")))?;
    Ok(key)
}

/// Decrypts `$NACL` ‖ nonce(24) ‖ secretbox(ciphertext). A wrong password is
/// [`ChainError::WrongPassword`].
pub fn decrypt_nacl(
    bytes: &[u8],
    password: &str,
    path: &Path,
) -> Result<Zeroizing<Vec<u8>>, ChainError> {
    let body = bytes
        .strip_prefix(NACL_MAGIC)
        .filter(|b| b.len() >= NONCE_LEN + 16)
        .ok_or_else(|| ChainError::WalletFormat {
            path: path.to_path_buf(),
            reason: "truncated $NACL keyfile".into(),
        })?;
    let (nonce, ciphertext) = body.split_at(NONCE_LEN);
    let key = derive_key(password)?;
    let cipher = XSalsa20Poly1305::new(Key::from_slice(&key[..]));
    cipher
        .decrypt(Nonce::from_slice(nonce), ciphertext)
        .map(Zeroizing::new)
        .map_err(|_| ChainError::WrongPassword {
            path: path.to_path_buf(),
        })
}

/// Encrypts keyfile bytes the way `bittensor-wallet` does, with the given nonce (tests and
/// tooling; production never writes coldkeys).
pub fn encrypt_nacl(
    plaintext: &[u8],
    password: &str,
    nonce: [u8; 24],
) -> Result<Vec<u8>, ChainError> {
    let key = derive_key(password)?;
    let cipher = XSalsa20Poly1305::new(Key::from_slice(&key[..]));
    let sealed = cipher
        .encrypt(Nonce::from_slice(&nonce), plaintext)
        .map_err(|_| ChainError::InvalidKey("secretbox encryption failed".into()))?;
    let mut out = NACL_MAGIC.to_vec();
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&sealed);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &str = "0xfac7959dbfe72f052e5a0c3c8d6530f202b02fd8f9f5ca3580ec8deb7797479e";
    const DEV_PHRASE: &str =
        "bottom drive obey lake curtain smoke basket hold race lonely fit walk";
    const DEV_SS58: &str = "5DfhGyQdFobKM8NsWvEeAKk5EQQgYe9AydgJ7rMB6E1EqRzV";

    fn p() -> PathBuf {
        PathBuf::from("/x/hotkeys/h")
    }

    #[test]
    fn loads_seed_or_phrase() {
        let j = format!(r#"{{"secretSeed":"{SEED}","ss58Address":"{DEV_SS58}"}}"#);
        assert_eq!(
            keypair_from_keyfile_json(j.as_bytes(), &p())
                .unwrap()
                .ss58(),
            DEV_SS58
        );
        let j = format!(r#"{{"secretPhrase":"{DEV_PHRASE}"}}"#);
        assert_eq!(
            keypair_from_keyfile_json(j.as_bytes(), &p())
                .unwrap()
                .ss58(),
            DEV_SS58
        );
    }

    #[test]
    fn rejects_mismatch_and_garbage_without_leaking() {
        let j = format!(
            r#"{{"secretSeed":"{SEED}","ss58Address":"5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"}}"#
        );
        let e = keypair_from_keyfile_json(j.as_bytes(), &p())
            .unwrap_err()
            .to_string();
        assert!(e.contains("ss58Address does not match"), "{e}");
        assert!(!e.contains(&SEED[2..10]));
        let e = keypair_from_keyfile_json(b"{\"secretSeed\":\"0x12\"}", &p()).unwrap_err();
        assert!(!e.to_string().contains("0x12"));
        assert!(keypair_from_keyfile_json(b"[]", &p()).is_err());
        assert!(keypair_from_keyfile_json(b"{}", &p()).is_err());
    }

    #[test]
    fn legacy_formats_get_a_btcli_hint() {
        for bytes in [&b"$ANSIBLE_VAULT;1.1;AES256\n..."[..], &b"gAAAAABk..."[..]] {
            let e = load_keyfile_bytes(bytes, &p(), Some("pw")).unwrap_err();
            assert!(matches!(e, ChainError::LegacyKeyfile { .. }));
            assert!(e.to_string().contains("re-encrypt it with btcli"));
        }
    }

    #[test]
    fn tilde_expansion() {
        let home = Path::new("/home/u");
        assert_eq!(
            expand_tilde("~/.bittensor/wallets", Some(home)),
            PathBuf::from("/home/u/.bittensor/wallets")
        );
        assert_eq!(expand_tilde("~", Some(home)), PathBuf::from("/home/u"));
        assert_eq!(expand_tilde("/abs", Some(home)), PathBuf::from("/abs"));
        assert_eq!(expand_tilde("~other", Some(home)), PathBuf::from("~other"));
        assert_eq!(expand_tilde("~/x", None), PathBuf::from("~/x"));
    }

    #[test]
    fn wallet_layout() {
        let w = Wallet::new("/w", "cold", "hot");
        assert_eq!(w.hotkey_path(), PathBuf::from("/w/cold/hotkeys/hot"));
        assert_eq!(w.coldkey_path(), PathBuf::from("/w/cold/coldkey"));
        let e = w.load_hotkey().unwrap_err();
        assert!(matches!(e, ChainError::WalletIo { .. }));
    }

    #[test]
    fn nacl_roundtrip_and_wrong_password() {
        // One Argon2i derivation at the SENSITIVE cost each way: slow but the real parameters.
        let j = format!(r#"{{"secretSeed":"{SEED}"}}"#);
        let sealed = encrypt_nacl(j.as_bytes(), "correct horse", [7; 24]).unwrap();
        assert!(sealed.starts_with(b"$NACL"));
        let kp = load_keyfile_bytes(&sealed, &p(), Some("correct horse")).unwrap();
        assert_eq!(kp.ss58(), DEV_SS58);
        let e = load_keyfile_bytes(&sealed, &p(), Some("wrong")).unwrap_err();
        assert!(matches!(e, ChainError::WrongPassword { .. }));
        assert!(load_keyfile_bytes(&sealed, &p(), None).is_err());
        assert!(load_keyfile_bytes(b"$NACLshort", &p(), Some("x")).is_err());
    }
}
