//! The axum application: [`app`] merges the per-resource routers and wraps them in the global
//! layers (tracing, timeout, CORS, the `Content-Length` body check, per-IP rate limits on public
//! routes, FastAPI-shaped 404/405).

use std::net::SocketAddr;
use std::time::Instant;

use axum::Router;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::header::CONTENT_LENGTH;
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use leoma_api_types::owner_api::detail;
use tower_http::cors::{AllowHeaders, AllowMethods, AllowOrigin, CorsLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::config::CorsPolicy;
use crate::error::ApiError;
use crate::routes::{self, AUTHENTICATED};
use crate::state::AppState;

/// The owner-api router over `state` (serve it with
/// `into_make_service_with_connect_info::<SocketAddr>()` so per-IP limits see the peer).
pub fn app(state: AppState) -> Router {
    let cors = cors_layer(&state.settings().cors);
    let timeout = state.settings().request_timeout;
    Router::new()
        .merge(routes::miners::router())
        .merge(routes::samples::router())
        .merge(routes::scores::router())
        .merge(routes::validators::router())
        .merge(routes::blacklist::router())
        .merge(routes::tasks::router())
        .merge(crate::dashboard::router())
        .merge(crate::openapi::router())
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            public_rate_limit,
        ))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            content_length_limit,
        ))
        .layer(cors)
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

fn cors_layer(policy: &CorsPolicy) -> CorsLayer {
    match policy {
        CorsPolicy::AnyOriginNoCredentials => CorsLayer::new()
            .allow_origin(AllowOrigin::any())
            .allow_methods(AllowMethods::any())
            .allow_headers(AllowHeaders::any())
            .allow_credentials(false),
        CorsPolicy::Origins(origins) => {
            let list: Vec<HeaderValue> = origins
                .iter()
                .filter_map(|o| HeaderValue::from_str(o).ok())
                .collect();
            CorsLayer::new()
                .allow_origin(AllowOrigin::list(list))
                .allow_methods(AllowMethods::mirror_request())
                .allow_headers(AllowHeaders::mirror_request())
                .allow_credentials(true)
        }
    }
}

/// 413 before reading when a declared `Content-Length` is over the limit; streamed and chunked
/// bodies are cut while reading ([`crate::auth::read_body`]).
async fn content_length_limit(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > state.settings().max_body_size as u64) {
        return ApiError::too_large().into_response();
    }
    next.run(req).await
}

/// Whether `(method, matched path)` authenticates its caller.
pub fn is_authenticated(method: &Method, path: &str) -> bool {
    AUTHENTICATED
        .iter()
        .any(|(m, p)| *p == path && method.as_str() == *m)
}

/// Per-IP token bucket on public routes (authenticated routes are limited per hotkey).
async fn public_rate_limit(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    if !is_authenticated(req.method(), &path) {
        let ip = req
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string())
            .unwrap_or_else(|| "unknown".to_owned());
        if !state.public_limiter().allow(&ip, Instant::now()) {
            return ApiError::detail(StatusCode::TOO_MANY_REQUESTS, detail::TOO_MANY_REQUESTS)
                .into_response();
        }
    }
    next.run(req).await
}

async fn not_found() -> Response {
    ApiError::detail(StatusCode::NOT_FOUND, "Not Found").into_response()
}

async fn method_not_allowed() -> Response {
    ApiError::detail(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed").into_response()
}
