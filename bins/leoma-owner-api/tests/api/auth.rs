//! Authentication and abuse limits over a live server (SPEC §9.2–9.4, S1–S5).

use reqwest::Method;
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn replayed_signature_is_refused_on_the_same_and_another_endpoint() {
    let s = Server::start().await;
    let headers = Server::x_headers(b"", V1, now_s());
    let first = s
        .raw(Method::GET, "/miners/valid", &headers, b"")
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 200);
    // Same bytes, same endpoint.
    let (st, body) = sj(s
        .raw(Method::GET, "/miners/valid", &headers, b"")
        .send()
        .await
        .unwrap())
    .await;
    assert_eq!((st, detail(&body)), (401, "Signature already used"));
    // Same headers replayed against another endpoint (the signature binds no path).
    let (st, body) = sj(s
        .raw(Method::GET, "/miners/all", &headers, b"")
        .send()
        .await
        .unwrap())
    .await;
    assert_eq!((st, detail(&body)), (401, "Signature already used"));
    let (st, body) = sj(s
        .raw(
            Method::DELETE,
            &format!("/blacklist/{}", hk(7)),
            &headers,
            b"",
        )
        .send()
        .await
        .unwrap())
    .await;
    assert_eq!((st, detail(&body)), (401, "Signature already used"));
    // A fresh signature is accepted.
    let again = s
        .x(Method::GET, "/miners/all", b"", V1)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 200);
}

#[tokio::test]
async fn expired_and_far_future_timestamps_are_refused_small_skew_is_accepted() {
    let s = Server::start().await;
    let now = now_s();
    for ts in [now - 301, now + 31, now + 3600] {
        let (st, body) = sj(s
            .x_at(Method::GET, "/miners/valid", b"", V1, ts)
            .send()
            .await
            .unwrap())
        .await;
        assert_eq!(
            (st, detail(&body)),
            (401, "Timestamp expired (max 300s)"),
            "ts {ts}"
        );
    }
    for ts in [now - 290, now + 20] {
        let r = s
            .x_at(Method::GET, "/miners/valid", b"", V1, ts)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "ts {ts}");
    }
}

#[tokio::test]
async fn malformed_credentials_get_the_reference_errors() {
    let s = Server::start().await;
    let (st, body) = sj(s.http.get(s.url("/miners/valid")).send().await.unwrap()).await;
    assert_eq!(st, 422);
    assert_eq!(
        body["detail"][0]["loc"],
        json!(["header", "x-validator-hotkey"])
    );
    let tampered = |name: &str, value: &str| {
        let mut h = Server::x_headers(b"", V1, now_s());
        for (k, v) in h.iter_mut() {
            if k == name {
                *v = value.to_owned();
            }
        }
        h
    };
    let (st, body) = sj(s
        .raw(
            Method::GET,
            "/miners/valid",
            &tampered("X-Timestamp", "soon"),
            b"",
        )
        .send()
        .await
        .unwrap())
    .await;
    assert_eq!((st, detail(&body)), (401, "Invalid timestamp format"));
    let (st, body) = sj(s
        .raw(
            Method::GET,
            "/miners/valid",
            &tampered("X-Signature", "0xzz"),
            b"",
        )
        .send()
        .await
        .unwrap())
    .await;
    assert_eq!((st, detail(&body)), (401, "Signature verification failed"));
    // Signed over different bytes than sent.
    let h = Server::x_headers(b"{}", V1, now_s());
    let (st, body) = sj(s
        .raw(Method::POST, "/miners/report", &h, br#"{"miners":[]}"#)
        .send()
        .await
        .unwrap())
    .await;
    assert_eq!((st, detail(&body)), (401, "Invalid signature"));
    let (st, body) = sj(s
        .x(Method::GET, "/miners/valid", b"", STRANGER)
        .send()
        .await
        .unwrap())
    .await;
    assert_eq!(st, 401);
    assert!(
        detail(&body).starts_with("Validator not registered."),
        "{body}"
    );
}

#[tokio::test]
async fn non_admin_gets_403_on_admin_routes_and_admin_succeeds() {
    let s = Server::start().await;
    let body = json!({"hotkey": hk(7), "reason": "spam"}).to_string();
    let (st, b) = sj(s
        .x(Method::POST, "/blacklist", body.as_bytes(), V1)
        .send()
        .await
        .unwrap())
    .await;
    assert_eq!((st, detail(&b)), (403, "Admin access required"));
    let interval = br#"{"interval": 50}"#;
    let (st, b) = sj(s
        .x(Method::POST, "/rotation/interval", interval, V2)
        .send()
        .await
        .unwrap())
    .await;
    assert_eq!((st, detail(&b)), (403, "Admin access required"));
    let (st, b) = sj(s
        .x(Method::DELETE, &format!("/validators/{}", hk(V2)), b"", V1)
        .send()
        .await
        .unwrap())
    .await;
    assert_eq!((st, detail(&b)), (403, "Admin access required"));
    let (st, b) = sj(s
        .x(Method::POST, "/blacklist", body.as_bytes(), ADMIN)
        .send()
        .await
        .unwrap())
    .await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(b["added_by"], json!(hk(ADMIN)));
    // Blacklisted after the signature check: the miner's own signed call is refused as such.
    let (st, b) = sj(s
        .x(Method::GET, "/miners/valid", b"", 7)
        .send()
        .await
        .unwrap())
    .await;
    assert_eq!((st, detail(&b)), (401, "Hotkey is blacklisted"));
}

#[tokio::test]
async fn oversized_bodies_get_413_including_chunked() {
    let s = Server::start().await;
    let big = vec![b' '; 70 * 1024];
    // Declared length over the limit.
    let (st, b) = sj(s
        .x(Method::POST, "/miners/report", &big, V1)
        .send()
        .await
        .unwrap())
    .await;
    assert_eq!((st, detail(&b)), (413, "Request body too large"));
    // Chunked: no Content-Length, the limit is hit while streaming (raw HTTP/1.1 so the
    // client cannot add a length).
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let ts = now_s().to_string();
    let k = key(V1);
    let sig = k.sign(leoma_api_types::owner_api::auth::x_message(b"", &ts).as_bytes());
    let addr = s.base.trim_start_matches("http://").to_owned();
    let mut tcp = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let head = format!(
        "POST /miners/report HTTP/1.1\r\nHost: {addr}\r\nTransfer-Encoding: chunked\r\n\
         Content-Type: application/json\r\nX-Validator-Hotkey: {}\r\nX-Signature: {}\r\n\
         X-Timestamp: {ts}\r\nConnection: close\r\n\r\n",
        k.hotkey().as_str(),
        leoma_api_types::owner_api::auth::signature_header(&sig)
    );
    tcp.write_all(head.as_bytes()).await.unwrap();
    let chunk = vec![b' '; 1024];
    for _ in 0..70 {
        if tcp.write_all(b"400\r\n").await.is_err()
            || tcp.write_all(&chunk).await.is_err()
            || tcp.write_all(b"\r\n").await.is_err()
        {
            break;
        }
    }
    let _ = tcp.write_all(b"0\r\n\r\n").await;
    let mut response = Vec::new();
    let _ = tcp.read_to_end(&mut response).await;
    let text = String::from_utf8_lossy(&response);
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
    assert!(
        text.contains(r#"{"detail":"Request body too large"}"#),
        "{text}"
    );
}

#[tokio::test]
async fn epistula_is_accepted_once_and_checks_window_and_receiver() {
    let s = Server::start().await;
    let now_ms = now_s() * 1000;
    let uuid = "123e4567-e89b-12d3-a456-426614174000";
    let r = s
        .epistula(Method::GET, "/miners/valid", b"", V1, uuid, now_ms, None)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (st, b) = sj(s
        .epistula(Method::GET, "/miners/all", b"", V1, uuid, now_ms, None)
        .send()
        .await
        .unwrap())
    .await;
    assert_eq!((st, detail(&b)), (401, "Request already seen"));
    let other = "123e4567-e89b-12d3-a456-426614174001";
    let (st, b) = sj(s
        .epistula(
            Method::GET,
            "/miners/all",
            b"",
            V1,
            other,
            now_ms - 9000,
            None,
        )
        .send()
        .await
        .unwrap())
    .await;
    assert_eq!((st, detail(&b)), (401, "Timestamp expired (max 8000ms)"));
    let (st, b) = sj(s
        .epistula(
            Method::GET,
            "/miners/all",
            b"",
            V1,
            other,
            now_ms + 3000,
            None,
        )
        .send()
        .await
        .unwrap())
    .await;
    assert_eq!((st, detail(&b)), (401, "Timestamp expired (max 8000ms)"));
    let (st, b) = sj(s
        .epistula(
            Method::GET,
            "/miners/all",
            b"",
            V1,
            other,
            now_ms,
            Some(&hk(5)),
        )
        .send()
        .await
        .unwrap())
    .await;
    assert_eq!((st, detail(&b)), (401, "Signed-For mismatch"));
    let (st, b) = sj(s
        .http
        .get(s.url("/miners/all"))
        .header("Epistula-Version", "1")
        .send()
        .await
        .unwrap())
    .await;
    assert_eq!((st, detail(&b)), (401, "Invalid Epistula headers"));
    let r = s
        .epistula(Method::GET, "/miners/all", b"", V1, other, now_ms, None)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn public_routes_are_rate_limited_per_ip() {
    let mut settings = test_settings();
    settings.public_rate = leoma_owner_api::config::Rate {
        rps: 1.0,
        burst: 3.0,
    };
    let s = Server::start_with(Db::sqlite(), settings, Default::default()).await;
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(
            s.http
                .get(s.url("/health"))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16(),
        );
    }
    assert_eq!(&statuses[..3], &[200, 200, 200]);
    let (st, b) = sj(s.http.get(s.url("/health")).send().await.unwrap()).await;
    assert_eq!((st, detail(&b)), (429, "Too many requests"));
}

#[tokio::test]
async fn cors_never_allows_credentials_with_any_origin() {
    let s = Server::start().await;
    let r = s
        .http
        .get(s.url("/health"))
        .header("Origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers().get("access-control-allow-origin").unwrap(), "*");
    assert!(
        r.headers()
            .get("access-control-allow-credentials")
            .is_none()
    );
    let mut settings = test_settings();
    settings.cors = leoma_owner_api::config::CorsPolicy::parse("https://dash.example");
    let s = Server::start_with(Db::sqlite(), settings, Default::default()).await;
    let r = s
        .http
        .get(s.url("/health"))
        .header("Origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert!(r.headers().get("access-control-allow-origin").is_none());
    let r = s
        .http
        .get(s.url("/health"))
        .header("Origin", "https://dash.example")
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers().get("access-control-allow-origin").unwrap(),
        "https://dash.example"
    );
    assert_eq!(
        r.headers().get("access-control-allow-credentials").unwrap(),
        "true"
    );
}
