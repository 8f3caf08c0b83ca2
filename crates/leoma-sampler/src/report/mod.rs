//! The validator's side of the owner-api (SPEC §1.2, §3.9, §3.10, §9.5): reading the miner
//! blacklist, posting the roster's miner report and the turn's sample dual-report.
//!
//! Every call is best effort for its caller: a failure is returned as a typed [`ReportError`]
//! that the caller logs once; nothing here may stop a roster pass, a turn or an epoch.
//! [`OwnerApiHttp`] is the HTTP adapter; [`NoReporter`] stands in when `API_URL` is unset.

pub mod http;

pub use http::{AuthScheme, OwnerApiHttp, OwnerApiSettings, SharedSigner};

use async_trait::async_trait;
use leoma_api_types::report::MinerReport;
use leoma_api_types::samples::SampleBatch;

/// Why an owner-api call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    /// No owner-api is configured (`API_URL` unset).
    #[error("no owner-api configured")]
    NotConfigured,
    /// No HTTP response (DNS, connect, TLS, timeout).
    #[error("owner-api: transport error: {0}")]
    Transport(String),
    /// A non-success status, with the server's `detail` when it sent one.
    #[error("owner-api: HTTP {status}: {detail}")]
    Http {
        /// Status code.
        status: u16,
        /// The `detail` string of the error body (or a short excerpt of the body).
        detail: String,
    },
    /// A success status whose body is not what the API documents.
    #[error("owner-api: malformed response: {0}")]
    Malformed(String),
    /// The request could not be built (for example a report over the size limit).
    #[error("owner-api: invalid request: {0}")]
    InvalidRequest(String),
}

impl ReportError {
    /// Whether a retry may succeed (transport errors, 429 and 5xx).
    pub fn is_transient(&self) -> bool {
        match self {
            ReportError::Transport(_) => true,
            ReportError::Http { status, .. } => *status == 429 || *status >= 500,
            _ => false,
        }
    }
}

/// The owner-api as the validator uses it.
#[async_trait]
pub trait Reporter: Send + Sync {
    /// `GET /blacklist/miners`: the blacklisted miner hotkeys (SS58 strings).
    async fn blacklist(&self) -> Result<Vec<String>, ReportError>;
    /// `POST /miners/report` (signed).
    async fn report_miners(&self, report: &MinerReport) -> Result<(), ReportError>;
    /// `POST /samples/batch` (signed), one chunk of at most 100 samples.
    async fn report_samples(&self, batch: &SampleBatch) -> Result<(), ReportError>;
}

/// The reporter of a validator without an owner-api: every call fails with
/// [`ReportError::NotConfigured`].
#[derive(Debug, Clone, Copy, Default)]
pub struct NoReporter;

#[async_trait]
impl Reporter for NoReporter {
    async fn blacklist(&self) -> Result<Vec<String>, ReportError> {
        Err(ReportError::NotConfigured)
    }
    async fn report_miners(&self, _report: &MinerReport) -> Result<(), ReportError> {
        Err(ReportError::NotConfigured)
    }
    async fn report_samples(&self, _batch: &SampleBatch) -> Result<(), ReportError> {
        Err(ReportError::NotConfigured)
    }
}
