//! The shared `wallet` subcommands of `leoma-validator` and `leoma-miner` (feature `cli`):
//! `wallet show`, `wallet sign --message M`, `wallet verify --ss58 A --message M --signature S`.
//!
//! This is the only module that reads the environment (`HOME` for `~` expansion, through clap
//! for the wallet flags, and an optional coldkey password variable); it prints nothing itself:
//! [`run`] returns the text and the exit status.

use std::path::PathBuf;

use leoma_api_types::Hotkey;

use crate::ChainError;
use crate::keys::{format_signature, parse_signature, verify};
use crate::wallet::{Wallet, expand_tilde};

/// `--wallet.*` flags (SPEC §10.2 `WALLET_NAME`, `HOTKEY_NAME`, `BT_WALLET_PATH`).
#[derive(Debug, Clone, clap::Args)]
pub struct WalletArgs {
    /// Wallet (coldkey) name.
    #[arg(
        long = "wallet.name",
        env = "WALLET_NAME",
        default_value = "default",
        global = true
    )]
    pub wallet_name: String,
    /// Hotkey name inside the wallet.
    #[arg(
        long = "wallet.hotkey",
        env = "HOTKEY_NAME",
        default_value = "default",
        global = true
    )]
    pub wallet_hotkey: String,
    /// Wallets directory.
    #[arg(
        long = "wallet.path",
        env = "BT_WALLET_PATH",
        default_value = "~/.bittensor/wallets",
        global = true
    )]
    pub wallet_path: String,
}

impl WalletArgs {
    /// The wallet these flags name, with `~` expanded from `$HOME`.
    pub fn wallet(&self) -> Wallet {
        let home = std::env::var_os("HOME").map(PathBuf::from);
        Wallet::new(
            expand_tilde(&self.wallet_path, home.as_deref()),
            self.wallet_name.clone(),
            self.wallet_hotkey.clone(),
        )
    }
}

/// `wallet …` subcommands.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum WalletCommand {
    /// Print the SS58 address and public key of the wallet's hotkey.
    Show,
    /// Sign a message with the hotkey; prints `0x` + 128 hex digits.
    Sign {
        /// The message (its UTF-8 bytes are signed).
        #[arg(long)]
        message: String,
    },
    /// Verify a signature; exits 0 when valid and 1 when not.
    Verify {
        /// The signer's SS58 address.
        #[arg(long)]
        ss58: String,
        /// The message that was signed.
        #[arg(long)]
        message: String,
        /// The signature (`0x` + 128 hex digits).
        #[arg(long)]
        signature: String,
    },
}

/// What a wallet command produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalletOutcome {
    /// Text for standard output (ends with a newline).
    pub output: String,
    /// Whether the command succeeded (`false` → exit status 1).
    pub success: bool,
}

impl WalletOutcome {
    /// The process exit code: 0 on success, 1 otherwise.
    pub fn exit_code(&self) -> i32 {
        if self.success { 0 } else { 1 }
    }
}

/// Runs one wallet command for a binary: writes the outcome to `out` and any error to `err`,
/// and returns the process exit code (0 valid/done, 1 invalid signature, 2 bad input or a
/// wallet that cannot be loaded). Both binaries call this, so they behave identically.
pub fn execute(
    args: &WalletArgs,
    cmd: &WalletCommand,
    out: &mut dyn std::io::Write,
    err: &mut dyn std::io::Write,
) -> u8 {
    match run(args, cmd) {
        Ok(outcome) => {
            if out.write_all(outcome.output.as_bytes()).is_err() {
                return 2;
            }
            if outcome.success { 0 } else { 1 }
        }
        Err(e) => {
            // Writing the error is best effort: the exit code already says it failed.
            let _ = writeln!(err, "error: {e}");
            2
        }
    }
}

/// Runs one wallet command. Errors (missing wallet, bad input) are `Err`; an invalid
/// signature is `Ok` with `success == false`.
pub fn run(args: &WalletArgs, cmd: &WalletCommand) -> Result<WalletOutcome, ChainError> {
    match cmd {
        WalletCommand::Show => {
            let key = args.wallet().load_hotkey()?;
            Ok(WalletOutcome {
                output: format!(
                    "ss58: {}\npublic_key: 0x{}\n",
                    key.ss58(),
                    hex::encode(key.public_key())
                ),
                success: true,
            })
        }
        WalletCommand::Sign { message } => {
            let key = args.wallet().load_hotkey()?;
            Ok(WalletOutcome {
                output: format!("{}\n", format_signature(&key.sign(message.as_bytes()))),
                success: true,
            })
        }
        WalletCommand::Verify {
            ss58,
            message,
            signature,
        } => {
            let hotkey = Hotkey::parse(ss58).map_err(|e| ChainError::InvalidInput {
                what: "ss58",
                reason: e.to_string(),
            })?;
            let sig = parse_signature(signature)?;
            let valid = verify(hotkey.public_key(), message.as_bytes(), &sig);
            Ok(WalletOutcome {
                output: if valid {
                    "valid\n".into()
                } else {
                    "invalid\n".into()
                },
                success: valid,
            })
        }
    }
}

/// The coldkey password: the environment variable `var` if set, else a no-echo prompt on the
/// terminal. Never logged.
pub fn coldkey_password(var: &str, prompt: &str) -> Result<zeroize::Zeroizing<String>, ChainError> {
    if let Ok(p) = std::env::var(var) {
        return Ok(zeroize::Zeroizing::new(p));
    }
    rpassword::prompt_password(prompt)
        .map(zeroize::Zeroizing::new)
        .map_err(|e| ChainError::InvalidInput {
            what: "password",
            reason: format!("cannot read a password from the terminal ({e}); set {var}"),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        wallet: WalletArgs,
        #[command(subcommand)]
        cmd: WalletCommand,
    }

    #[test]
    fn parses_flags_and_subcommands() {
        let cli = Cli::try_parse_from([
            "x",
            "--wallet.name",
            "w",
            "--wallet.hotkey",
            "h",
            "--wallet.path",
            "/tmp/wallets",
            "verify",
            "--ss58",
            "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY",
            "--message",
            "m",
            "--signature",
            "0x00",
        ])
        .unwrap();
        assert_eq!(cli.wallet.wallet_name, "w");
        assert_eq!(
            cli.wallet.wallet().hotkey_path(),
            PathBuf::from("/tmp/wallets/w/hotkeys/h")
        );
        assert!(matches!(cli.cmd, WalletCommand::Verify { .. }));
        let sign = Cli::try_parse_from(["x", "sign", "--message", "hi"]).unwrap();
        assert!(matches!(sign.cmd, WalletCommand::Sign { ref message } if message == "hi"));
        // Wallet flags may also follow the subcommand (they are global).
        let after = Cli::try_parse_from([
            "x",
            "show",
            "--wallet.name",
            "late",
            "--wallet.hotkey",
            "hk",
        ])
        .unwrap();
        assert_eq!(
            (
                after.wallet.wallet_name.as_str(),
                after.wallet.wallet_hotkey.as_str()
            ),
            ("late", "hk")
        );
    }

    #[test]
    fn verify_outcomes() {
        let args = WalletArgs {
            wallet_name: "none".into(),
            wallet_hotkey: "none".into(),
            wallet_path: "/nonexistent".into(),
        };
        let kp = crate::Keypair::from_uri("//Alice").unwrap();
        let sig = format_signature(&kp.sign(b"msg"));
        let ok = run(
            &args,
            &WalletCommand::Verify {
                ss58: kp.ss58().into(),
                message: "msg".into(),
                signature: sig.clone(),
            },
        )
        .unwrap();
        assert_eq!((ok.output.as_str(), ok.exit_code()), ("valid\n", 0));
        let bad = run(
            &args,
            &WalletCommand::Verify {
                ss58: kp.ss58().into(),
                message: "other".into(),
                signature: sig,
            },
        )
        .unwrap();
        assert_eq!((bad.output.as_str(), bad.exit_code()), ("invalid\n", 1));
        assert!(run(&args, &WalletCommand::Show).is_err());
    }

    #[test]
    fn execute_maps_outcomes_to_exit_codes() {
        let args = WalletArgs {
            wallet_name: "none".into(),
            wallet_hotkey: "none".into(),
            wallet_path: "/nonexistent".into(),
        };
        let kp = crate::Keypair::from_uri("//Alice").unwrap();
        let verify = |message: &str| WalletCommand::Verify {
            ss58: kp.ss58().into(),
            message: message.into(),
            signature: format_signature(&kp.sign(b"msg")),
        };
        let (mut out, mut err) = (Vec::new(), Vec::new());
        assert_eq!(execute(&args, &verify("msg"), &mut out, &mut err), 0);
        assert_eq!(out, b"valid\n");
        out.clear();
        assert_eq!(execute(&args, &verify("other"), &mut out, &mut err), 1);
        assert_eq!(out, b"invalid\n");
        assert!(err.is_empty());
        assert_eq!(execute(&args, &WalletCommand::Show, &mut out, &mut err), 2);
        assert!(
            String::from_utf8_lossy(&err).starts_with("error: "),
            "{err:?}"
        );
    }

    #[test]
    fn show_and_sign_with_a_wallet_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        let hotkeys = dir.path().join("w").join("hotkeys");
        std::fs::create_dir_all(&hotkeys).unwrap();
        let seed = "0xfac7959dbfe72f052e5a0c3c8d6530f202b02fd8f9f5ca3580ec8deb7797479e";
        std::fs::write(hotkeys.join("h"), format!(r#"{{"secretSeed":"{seed}"}}"#)).unwrap();
        let args = WalletArgs {
            wallet_name: "w".into(),
            wallet_hotkey: "h".into(),
            wallet_path: dir.path().to_str().unwrap().into(),
        };
        let show = run(&args, &WalletCommand::Show).unwrap();
        assert!(
            show.output
                .contains("5DfhGyQdFobKM8NsWvEeAKk5EQQgYe9AydgJ7rMB6E1EqRzV")
        );
        assert!(!show.output.contains(&seed[2..]));
        let signed = run(
            &args,
            &WalletCommand::Sign {
                message: "m".into(),
            },
        )
        .unwrap();
        let sig = signed.output.trim().to_owned();
        assert!(sig.starts_with("0x") && sig.len() == 130);
        let verdict = run(
            &args,
            &WalletCommand::Verify {
                ss58: "5DfhGyQdFobKM8NsWvEeAKk5EQQgYe9AydgJ7rMB6E1EqRzV".into(),
                message: "m".into(),
                signature: sig,
            },
        )
        .unwrap();
        assert!(verdict.success);
    }
}
