//! The signed messages and header names of the owner-api's two request-authentication schemes
//! (SPEC §9.2 `X-*`, §9.3 Epistula v2). Clients (validator reporter, owner and miner CLIs) and the
//! server build the message with these functions, so the two sides cannot drift apart.
//!
//! This module builds messages only: signing happens behind [`crate::signature::Signer`],
//! verification in [`crate::signature::verify_sr25519_form`], clocks and replay caches in the
//! server.

use sha2::{Digest, Sha256};

/// Scheme A: the signer's SS58 hotkey.
pub const X_VALIDATOR_HOTKEY: &str = "X-Validator-Hotkey";
/// Scheme A: `0x` + 128 hex of the sr25519 signature.
pub const X_SIGNATURE: &str = "X-Signature";
/// Scheme A: decimal Unix seconds.
pub const X_TIMESTAMP: &str = "X-Timestamp";

/// Scheme B: must be `2`.
pub const EPISTULA_VERSION: &str = "Epistula-Version";
/// Scheme B: decimal Unix milliseconds.
pub const EPISTULA_TIMESTAMP: &str = "Epistula-Timestamp";
/// Scheme B: a textual UUID, single use within the window.
pub const EPISTULA_UUID: &str = "Epistula-Uuid";
/// Scheme B: the signer's SS58 hotkey.
pub const EPISTULA_SIGNED_BY: &str = "Epistula-Signed-By";
/// Scheme B: the optional receiver binding (the owner-api's SS58 hotkey).
pub const EPISTULA_SIGNED_FOR: &str = "Epistula-Signed-For";
/// Scheme B: `0x` + 128 hex of the sr25519 signature.
pub const EPISTULA_REQUEST_SIGNATURE: &str = "Epistula-Request-Signature";

fn sha256_hex(body: &[u8]) -> String {
    hex::encode(Sha256::digest(body))
}

/// Scheme A message: `sha256hex(body) + ":" + timestamp`, over the exact body bytes sent (empty
/// for GET and DELETE) and the timestamp exactly as it appears in the header.
pub fn x_message(body: &[u8], timestamp: &str) -> String {
    format!("{}:{timestamp}", sha256_hex(body))
}

/// Scheme B message: `sha256hex(body) + "." + uuid + "." + timestamp_ms + "." + signed_for`, with
/// an empty last field when the request is not bound to a receiver.
pub fn epistula_message(
    body: &[u8],
    uuid: &str,
    timestamp_ms: &str,
    signed_for: Option<&str>,
) -> String {
    format!(
        "{}.{uuid}.{timestamp_ms}.{}",
        sha256_hex(body),
        signed_for.unwrap_or("")
    )
}

/// `0x` + lowercase hex of a 64-byte signature, the header form of both schemes.
pub fn signature_header(sig: &[u8; 64]) -> String {
    format!("0x{}", hex::encode(sig))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn x_message_of_empty_body_matches_spec_example() {
        assert_eq!(
            x_message(b"", "1767225600"),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855:1767225600"
        );
    }

    #[test]
    fn epistula_message_leaves_last_field_empty_without_receiver() {
        let m = epistula_message(b"", "u-1", "1767225600000", None);
        assert!(m.ends_with(".u-1.1767225600000."), "{m}");
        let bound = epistula_message(b"", "u-1", "1767225600000", Some("5Grw"));
        assert!(bound.ends_with(".u-1.1767225600000.5Grw"), "{bound}");
    }

    #[test]
    fn signature_header_is_prefixed_lowercase_hex() {
        let h = signature_header(&[0xAB; 64]);
        assert_eq!(h.len(), 130);
        assert!(h.starts_with("0xabab"));
    }
}
