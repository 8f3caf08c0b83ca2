//! The owner's API client commands (SPEC §1.6): `validator`, `blacklist`, `rotation`,
//! `get-rank`. Signed calls use the wallet hotkey and scheme A (§9.2), signed afresh per request.

use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use leoma_api_types::owner_api::auth::{
    X_SIGNATURE, X_TIMESTAMP, X_VALIDATOR_HOTKEY, signature_header, x_message,
};
use leoma_api_types::signature::Signer;
use leoma_chain::cli::WalletArgs;
use serde_json::{Value, json};

/// Where the API is and who signs.
#[derive(Debug, Clone, Args)]
pub struct ClientArgs {
    /// Owner-api base URL.
    #[arg(long, env = "API_URL", default_value = "http://127.0.0.1:8000")]
    pub api_url: String,
    /// Wallet flags (signed calls).
    #[command(flatten)]
    pub wallet: WalletArgs,
}

/// Writes one line of command output.
pub(crate) fn say(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stdout(), "{line}");
}

/// A signed or unsigned JSON call; non-2xx is an error carrying status and body.
pub async fn call(
    client: &ClientArgs,
    method: reqwest::Method,
    path: &str,
    body: Option<&Value>,
    signer: Option<&dyn Signer>,
) -> anyhow::Result<Value> {
    let url = format!("{}{path}", client.api_url.trim_end_matches('/'));
    let bytes = match body {
        Some(v) => serde_json::to_vec(v)?,
        None => Vec::new(),
    };
    let mut req = reqwest::Client::new()
        .request(method, &url)
        .timeout(std::time::Duration::from_secs(30))
        .header("Content-Type", "application/json");
    if let Some(signer) = signer {
        let ts = SystemTime::now()
            .duration_since(UNIX_EPOCH)?
            .as_secs()
            .to_string();
        let sig = signer.sign(x_message(&bytes, &ts).as_bytes());
        let hotkey = leoma_api_types::Hotkey::from_public(
            signer.public_key(),
            leoma_api_types::hotkey::BITTENSOR_SS58_PREFIX,
        );
        req = req
            .header(X_VALIDATOR_HOTKEY, hotkey.as_str())
            .header(X_SIGNATURE, signature_header(&sig))
            .header(X_TIMESTAMP, ts);
    }
    let resp = req
        .body(bytes)
        .send()
        .await
        .with_context(|| format!("calling {url}"))?;
    let status = resp.status();
    let text = resp.text().await.unwrap_or_default();
    if !status.is_success() {
        bail!("{url}: HTTP {status}: {text}");
    }
    Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn load_signer(client: &ClientArgs) -> anyhow::Result<leoma_chain::Keypair> {
    client
        .wallet
        .wallet()
        .load_hotkey()
        .context("loading the wallet hotkey")
}

/// `validator` subcommands.
#[derive(Debug, Subcommand)]
pub enum ValidatorCommand {
    /// `GET /validators`.
    List,
    /// Signed `POST /validators`.
    Add {
        /// SS58 hotkey.
        hotkey: String,
        /// uid (default: metagraph lookup on the server).
        #[arg(long)]
        uid: Option<i64>,
        /// Stake.
        #[arg(long)]
        stake: Option<f64>,
    },
    /// Signed `DELETE /validators/{hotkey}`.
    Remove {
        /// SS58 hotkey.
        hotkey: String,
    },
}

/// Runs a `validator` subcommand.
pub async fn validator(client: &ClientArgs, command: ValidatorCommand) -> anyhow::Result<()> {
    match command {
        ValidatorCommand::List => {
            let v = call(client, reqwest::Method::GET, "/validators", None, None).await?;
            for card in v.as_array().into_iter().flatten() {
                say(&format!(
                    "{:>5}  {}  {}",
                    card["uid"],
                    card["hotkey"].as_str().unwrap_or(""),
                    card["stake"]
                ));
            }
        }
        ValidatorCommand::Add { hotkey, uid, stake } => {
            let key = load_signer(client)?;
            let mut body = json!({ "hotkey": hotkey.trim() });
            if let Some(u) = uid {
                body["uid"] = json!(u);
            }
            if let Some(s) = stake {
                body["stake"] = json!(s);
            }
            let v = call(
                client,
                reqwest::Method::POST,
                "/validators",
                Some(&body),
                Some(&key),
            )
            .await?;
            say(&v.to_string());
        }
        ValidatorCommand::Remove { hotkey } => {
            let key = load_signer(client)?;
            let path = format!("/validators/{}", hotkey.trim());
            let v = call(client, reqwest::Method::DELETE, &path, None, Some(&key)).await?;
            say(&v.to_string());
        }
    }
    Ok(())
}

/// `blacklist` subcommands.
#[derive(Debug, Subcommand)]
pub enum BlacklistCommand {
    /// `GET /blacklist/miners`.
    List,
    /// Signed `POST /blacklist`.
    Add {
        /// SS58 hotkey.
        hotkey: String,
        /// Why.
        #[arg(long, short = 'r')]
        reason: Option<String>,
    },
    /// Signed `DELETE /blacklist/{hotkey}`.
    Remove {
        /// SS58 hotkey.
        hotkey: String,
    },
}

/// Runs a `blacklist` subcommand.
pub async fn blacklist(client: &ClientArgs, command: BlacklistCommand) -> anyhow::Result<()> {
    match command {
        BlacklistCommand::List => {
            let v = call(
                client,
                reqwest::Method::GET,
                "/blacklist/miners",
                None,
                None,
            )
            .await?;
            let list = v.as_array().cloned().unwrap_or_default();
            for hk in &list {
                say(hk.as_str().unwrap_or(""));
            }
            say(&format!("total: {}", list.len()));
        }
        BlacklistCommand::Add { hotkey, reason } => {
            let key = load_signer(client)?;
            let mut body = json!({ "hotkey": hotkey.trim() });
            if let Some(r) = reason {
                body["reason"] = json!(r);
            }
            let v = call(
                client,
                reqwest::Method::POST,
                "/blacklist",
                Some(&body),
                Some(&key),
            )
            .await?;
            say(&v.to_string());
        }
        BlacklistCommand::Remove { hotkey } => {
            let key = load_signer(client)?;
            let path = format!("/blacklist/{}", hotkey.trim());
            let v = call(client, reqwest::Method::DELETE, &path, None, Some(&key)).await?;
            say(&v.to_string());
        }
    }
    Ok(())
}

/// `rotation` subcommands.
#[derive(Debug, Subcommand)]
pub enum RotationCommand {
    /// Signed `POST /rotation/interval` (dashboard display only).
    SetInterval {
        /// Interval in blocks (> 0).
        interval: i64,
    },
}

/// Runs a `rotation` subcommand.
pub async fn rotation(client: &ClientArgs, command: RotationCommand) -> anyhow::Result<()> {
    let RotationCommand::SetInterval { interval } = command;
    let key = load_signer(client)?;
    let body = json!({ "interval": interval });
    let v = call(
        client,
        reqwest::Method::POST,
        "/rotation/interval",
        Some(&body),
        Some(&key),
    )
    .await?;
    say(&v.to_string());
    Ok(())
}

/// `get-rank`: `#rank UID uid block b hotkey[:12]... passed_count passes (pass_rate%) eligible=..`.
pub async fn get_rank(client: &ClientArgs) -> anyhow::Result<()> {
    let v = call(client, reqwest::Method::GET, "/scores/rank", None, None).await?;
    for r in v["ranks"].as_array().into_iter().flatten() {
        let hk: String = r["miner_hotkey"]
            .as_str()
            .unwrap_or("")
            .chars()
            .take(12)
            .collect();
        say(&format!(
            "#{} UID {} block {} {hk}... {} passes ({:.1}%) eligible={}",
            r["rank"],
            r["uid"],
            r["block"],
            r["passed_count"],
            r["pass_rate"].as_f64().unwrap_or(0.0) * 100.0,
            r["eligible"]
        ));
    }
    Ok(())
}
