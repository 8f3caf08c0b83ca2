//! The one error type of the HTTP layer ([`ApiError`]): handled errors become
//! `{"detail": "<string>"}`, validation failures the FastAPI 422 shape, and everything else a 500
//! that never leaks internals (SPEC §9.1).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use leoma_api_types::owner_api::{BodyRejection, LocItem, ValidationIssue, detail};
use serde_json::json;

use crate::store::StoreError;

/// An error a handler or extractor returns.
#[derive(Debug)]
pub enum ApiError {
    /// A handled error with its status and detail string.
    Detail(StatusCode, String),
    /// 422 with FastAPI issues.
    Validation(Vec<ValidationIssue>),
    /// 500; the cause is logged, never sent.
    Internal(String),
}

impl ApiError {
    /// A handled error with a fixed detail string.
    pub fn detail(status: StatusCode, detail: &str) -> Self {
        ApiError::Detail(status, detail.to_owned())
    }

    /// 400 with `detail`.
    pub fn bad_request(detail: &str) -> Self {
        Self::detail(StatusCode::BAD_REQUEST, detail)
    }

    /// 401 with `detail`.
    pub fn unauthorized(detail: &str) -> Self {
        Self::detail(StatusCode::UNAUTHORIZED, detail)
    }

    /// 404 with `detail`.
    pub fn not_found(detail: &str) -> Self {
        Self::detail(StatusCode::NOT_FOUND, detail)
    }

    /// 422 for one missing or malformed request part (`loc` such as `["header", "x-signature"]`).
    pub fn invalid(loc: &[&str], msg: &str, kind: &str) -> Self {
        ApiError::Validation(vec![ValidationIssue {
            loc: loc.iter().map(|s| LocItem::Key((*s).to_owned())).collect(),
            msg: msg.to_owned(),
            kind: kind.to_owned(),
        }])
    }

    /// 422 for a missing required header.
    pub fn missing_header(name: &str) -> Self {
        Self::invalid(
            &["header", &name.to_ascii_lowercase()],
            "Field required",
            "missing",
        )
    }

    /// 413 `Request body too large`.
    pub fn too_large() -> Self {
        Self::detail(StatusCode::PAYLOAD_TOO_LARGE, detail::BODY_TOO_LARGE)
    }

    /// 400 `Invalid SS58 address format`.
    pub fn invalid_ss58() -> Self {
        Self::bad_request(detail::INVALID_SS58)
    }
}

impl From<BodyRejection> for ApiError {
    fn from(r: BodyRejection) -> Self {
        match r {
            BodyRejection::BadRequest(d) => ApiError::bad_request(d),
            BodyRejection::Unprocessable(issues) => ApiError::Validation(issues),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        ApiError::Internal(e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::Detail(status, d) => (status, Json(json!({ "detail": d }))).into_response(),
            ApiError::Validation(issues) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(json!({ "detail": issues })),
            )
                .into_response(),
            ApiError::Internal(cause) => {
                tracing::error!(error = %cause, "request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    Json(json!({ "detail": detail::INTERNAL })),
                )
                    .into_response()
            }
        }
    }
}

/// Result alias of handlers.
pub type ApiResult<T> = Result<T, ApiError>;
