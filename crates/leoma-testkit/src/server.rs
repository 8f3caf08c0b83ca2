//! Running an axum router on an ephemeral local port for the lifetime of a handle.

use std::net::SocketAddr;

use axum::Router;
use tokio::task::JoinHandle;

/// A server bound to `127.0.0.1:0`; it stops when the handle is dropped.
#[derive(Debug)]
pub struct FakeServer {
    addr: SocketAddr,
    task: JoinHandle<()>,
}

/// Why a fake could not start.
#[derive(Debug, thiserror::Error)]
pub enum FakeError {
    /// Binding the local port failed.
    #[error("cannot bind a local port: {0}")]
    Bind(#[from] std::io::Error),
}

impl FakeServer {
    /// Serves `router` on a fresh local port (needs a running tokio runtime).
    pub async fn start(router: Router) -> Result<Self, FakeError> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, router).await {
                tracing::warn!(error = %e, "fake server stopped");
            }
        });
        Ok(FakeServer { addr, task })
    }

    /// `http://127.0.0.1:<port>` (no trailing slash).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}
