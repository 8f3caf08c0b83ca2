//! Request authentication (SPEC §9.2 scheme A `X-*`, §9.3 scheme B Epistula v2, §9.4 levels) as
//! an extractor: a handler that takes [`Signed`] receives a verified identity and the raw body
//! bytes the signature covered.
//!
//! Order of checks, scheme A: headers (422) → timestamp format → window (past-biased, S2) →
//! signature decoding and verification → replay → blacklist (cached, after the crypto, S4) →
//! identity (admin or registered validator) → per-hotkey rate limit. A signature is recorded as
//! used only once the caller is known to be an admin or a registered validator, so unregistered
//! keys cannot fill the replay cache.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, StatusCode};
use leoma_api_types::Hotkey;
use leoma_api_types::owner_api::auth::{
    EPISTULA_REQUEST_SIGNATURE, EPISTULA_SIGNED_BY, EPISTULA_SIGNED_FOR, EPISTULA_TIMESTAMP,
    EPISTULA_UUID, EPISTULA_VERSION, X_SIGNATURE, X_TIMESTAMP, X_VALIDATOR_HOTKEY,
    epistula_message, x_message,
};
use leoma_api_types::owner_api::detail;
use leoma_api_types::python::{py_int, py_int_i64};
use leoma_api_types::signature::{decode_signature_lenient, verify_sr25519_form};

use crate::error::{ApiError, ApiResult};
use crate::limits::Seen;
use crate::state::AppState;

/// Who made a signed request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The signer.
    pub hotkey: Hotkey,
    /// In `ADMIN_HOTKEYS`.
    pub admin: bool,
}

/// An authenticated request: the identity and the exact body bytes.
#[derive(Debug)]
pub struct Signed {
    /// The verified caller.
    pub who: Identity,
    /// The raw request body.
    pub body: Bytes,
}

impl Signed {
    /// PV level: admin or a registered validator (403 otherwise).
    pub async fn require_permissioned(&self, state: &AppState) -> ApiResult<()> {
        if self.who.admin
            || state
                .store()
                .validator(self.who.hotkey.as_str())
                .await?
                .is_some()
        {
            Ok(())
        } else {
            Err(ApiError::detail(
                StatusCode::FORBIDDEN,
                detail::NOT_PERMISSIONED,
            ))
        }
    }

    /// A level: admin (403 otherwise).
    pub fn require_admin(&self) -> ApiResult<()> {
        if self.who.admin {
            Ok(())
        } else {
            Err(ApiError::detail(
                StatusCode::FORBIDDEN,
                detail::ADMIN_REQUIRED,
            ))
        }
    }
}

/// Reads a body up to `limit` bytes, streaming, so chunked bodies are covered (S5).
pub async fn read_body(body: Body, limit: usize) -> ApiResult<Bytes> {
    axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| ApiError::too_large())
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn now_unix_ms() -> i128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i128)
        .unwrap_or(0)
}

impl FromRequest<AppState> for Signed {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> ApiResult<Self> {
        let (parts, body) = req.into_parts();
        let limit = state.settings().max_body_size;
        if parts.headers.contains_key(EPISTULA_VERSION) {
            let body = read_body(body, limit).await?;
            let (hotkey, key) = verify_epistula(&parts.headers, &body, state)?;
            return finish(state, hotkey, body, Replay::Uuid(key)).await;
        }
        let issues: Vec<_> = [X_VALIDATOR_HOTKEY, X_SIGNATURE, X_TIMESTAMP]
            .into_iter()
            .filter(|h| !parts.headers.contains_key(*h))
            .flat_map(|h| match ApiError::missing_header(h) {
                ApiError::Validation(issues) => issues,
                _ => Vec::new(),
            })
            .collect();
        if !issues.is_empty() {
            return Err(ApiError::Validation(issues));
        }
        let body = read_body(body, limit).await?;
        let (hotkey, key) = verify_x(&parts.headers, &body, state)?;
        finish(state, hotkey, body, Replay::Signature(key)).await
    }
}

/// The single-use key of a request.
enum Replay {
    /// Scheme A `(hotkey, signature)`.
    Signature(Vec<u8>),
    /// Scheme B `(signed_by, uuid)`.
    Uuid(Vec<u8>),
}

/// Scheme A steps 2–4 (check part of the replay test); returns the signer and its replay key.
fn verify_x(headers: &HeaderMap, body: &[u8], state: &AppState) -> ApiResult<(Hotkey, Vec<u8>)> {
    let s = state.settings();
    let hotkey_text = header(headers, X_VALIDATOR_HOTKEY).unwrap_or_default();
    let sig_text = header(headers, X_SIGNATURE).unwrap_or_default();
    let ts_text = header(headers, X_TIMESTAMP).unwrap_or_default();
    let now_s = now_unix_ms() / 1000;
    let expired =
        || ApiError::unauthorized(&detail::timestamp_expired_seconds(s.signature_expiry_s));
    match py_int_i64(ts_text) {
        Some(ts) => {
            let ts = i128::from(ts);
            if now_s - ts > i128::from(s.signature_expiry_s)
                || ts - now_s > i128::from(s.signature_future_skew_s)
            {
                return Err(expired());
            }
        }
        None if py_int(ts_text).is_some() => return Err(expired()),
        None => return Err(ApiError::unauthorized(detail::INVALID_TIMESTAMP)),
    }
    let failed = || ApiError::unauthorized(detail::SIGNATURE_VERIFICATION_FAILED);
    let hotkey = Hotkey::parse(hotkey_text).map_err(|_| failed())?;
    let sig = decode_signature_lenient(sig_text).map_err(|_| failed())?;
    let message = x_message(body, ts_text);
    if verify_sr25519_form(hotkey.public_key(), message.as_bytes(), &sig).is_none() {
        return Err(ApiError::unauthorized(detail::INVALID_SIGNATURE));
    }
    let mut key = hotkey.public_key().to_vec();
    key.extend_from_slice(&sig);
    if state.signatures().contains(&key, Instant::now()) {
        return Err(ApiError::unauthorized(detail::SIGNATURE_ALREADY_USED));
    }
    Ok((hotkey, key))
}

/// A textual UUID: 8-4-4-4-12 hex digits (any version).
fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Scheme B checks up to the replay test; returns the signer and its `(signed_by, uuid)` key.
fn verify_epistula(
    headers: &HeaderMap,
    body: &[u8],
    state: &AppState,
) -> ApiResult<(Hotkey, Vec<u8>)> {
    let s = state.settings();
    let bad = || ApiError::unauthorized(detail::INVALID_EPISTULA_HEADERS);
    let version = header(headers, EPISTULA_VERSION).ok_or_else(bad)?;
    let ts_text = header(headers, EPISTULA_TIMESTAMP).ok_or_else(bad)?;
    let uuid = header(headers, EPISTULA_UUID).ok_or_else(bad)?;
    let signed_by = header(headers, EPISTULA_SIGNED_BY).ok_or_else(bad)?;
    let sig_text = header(headers, EPISTULA_REQUEST_SIGNATURE).ok_or_else(bad)?;
    let signed_for = header(headers, EPISTULA_SIGNED_FOR);
    if version.trim() != "2" || !is_uuid(uuid) {
        return Err(bad());
    }
    let ts: i128 = match ts_text.parse::<u64>() {
        Ok(t) => i128::from(t),
        Err(_) => return Err(bad()),
    };
    let now = now_unix_ms();
    if now - ts > i128::from(s.epistula_max_age_ms)
        || ts - now > i128::from(s.epistula_future_skew_ms)
    {
        return Err(ApiError::unauthorized(&detail::timestamp_expired_ms(
            s.epistula_max_age_ms,
        )));
    }
    if let Some(target) = signed_for
        && s.owner_api_hotkey.as_deref() != Some(target)
    {
        return Err(ApiError::unauthorized(detail::SIGNED_FOR_MISMATCH));
    }
    let failed = || ApiError::unauthorized(detail::SIGNATURE_VERIFICATION_FAILED);
    let hotkey = Hotkey::parse(signed_by).map_err(|_| failed())?;
    let sig = decode_signature_lenient(sig_text).map_err(|_| failed())?;
    let message = epistula_message(body, uuid, ts_text, signed_for);
    if verify_sr25519_form(hotkey.public_key(), message.as_bytes(), &sig).is_none() {
        return Err(ApiError::unauthorized(detail::INVALID_SIGNATURE));
    }
    let mut key = hotkey.public_key().to_vec();
    key.extend_from_slice(uuid.to_ascii_lowercase().as_bytes());
    if state.uuids().contains(&key, Instant::now()) {
        return Err(ApiError::unauthorized(detail::REQUEST_ALREADY_SEEN));
    }
    Ok((hotkey, key))
}

/// Steps 5–6 and the rate limit, shared by both schemes; records the signature or uuid as used.
async fn finish(
    state: &AppState,
    hotkey: Hotkey,
    body: Bytes,
    replay: Replay,
) -> ApiResult<Signed> {
    if state.blacklist().await?.contains(hotkey.as_str()) {
        return Err(ApiError::unauthorized(detail::HOTKEY_BLACKLISTED));
    }
    let admin = state
        .settings()
        .admin_hotkeys
        .iter()
        .any(|a| a.public_key() == hotkey.public_key());
    let registered = if admin {
        false
    } else {
        state.store().validator(hotkey.as_str()).await?.is_some()
    };
    if !admin && !registered {
        return Err(ApiError::unauthorized(&format!(
            "{} Ask the subnet owner to add this hotkey to the validator allowlist.",
            detail::VALIDATOR_NOT_REGISTERED_PREFIX
        )));
    }
    let now = Instant::now();
    let (cache, refusal) = match &replay {
        Replay::Signature(_) => (state.signatures(), detail::SIGNATURE_ALREADY_USED),
        Replay::Uuid(_) => (state.uuids(), detail::REQUEST_ALREADY_SEEN),
    };
    let (Replay::Signature(key) | Replay::Uuid(key)) = replay;
    if cache.insert(key, now) != Seen::Fresh {
        return Err(ApiError::unauthorized(refusal));
    }
    if registered && state.last_seen_due(hotkey.as_str()) {
        state
            .store()
            .touch_validator(hotkey.as_str(), &crate::clock::now_iso())
            .await?;
    }
    if !state.auth_limiter().allow(hotkey.as_str(), now) {
        return Err(ApiError::detail(
            StatusCode::TOO_MANY_REQUESTS,
            detail::TOO_MANY_REQUESTS,
        ));
    }
    Ok(Signed {
        who: Identity { hotkey, admin },
        body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_shape() {
        assert!(is_uuid("123e4567-e89b-12d3-a456-426614174000"));
        assert!(is_uuid("123E4567-E89B-72D3-A456-426614174000"));
        assert!(!is_uuid("123e4567e89b12d3a456426614174000"));
        assert!(!is_uuid("123e4567-e89b-12d3-a456-42661417400g"));
    }
}
