//! Shared HTTP helpers of the roster adapters.

use super::error::RosterError;

/// Largest response body read from the Chutes or Hub APIs.
pub(crate) const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// Percent-encodes one path segment: everything except `A-Z a-z 0-9 - . _ ~` (Python's
/// `quote(s, safe="")`).
pub fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The body of a 200 response (bounded); anything else is an error.
pub(crate) async fn read_body(
    service: &'static str,
    response: Result<reqwest::Response, reqwest::Error>,
) -> Result<Vec<u8>, RosterError> {
    let transport = |e: reqwest::Error| RosterError::Transport {
        service,
        reason: e.to_string(),
    };
    let mut response = response.map_err(transport)?;
    let status = response.status().as_u16();
    if status != 200 {
        let code = response
            .headers()
            .get("x-error-code")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        return Err(RosterError::Http {
            service,
            status,
            code,
        });
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(transport)? {
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(RosterError::Malformed {
                service,
                reason: format!("body larger than {MAX_BODY_BYTES} bytes"),
            });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_every_reserved_character() {
        assert_eq!(encode_segment("abcDEF019-._~"), "abcDEF019-._~");
        assert_eq!(encode_segment("a/b c?d#e%"), "a%2Fb%20c%3Fd%23e%25");
        assert_eq!(encode_segment("é"), "%C3%A9");
    }
}
