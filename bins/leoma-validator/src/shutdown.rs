//! Process plumbing for the long-running subcommands: the async runtime, and graceful shutdown
//! through one [`CancellationToken`] cancelled on Ctrl-C or SIGTERM.

use tokio_util::sync::CancellationToken;

/// A token cancelled at the first Ctrl-C or SIGTERM (needs a running runtime).
pub fn on_signal() -> CancellationToken {
    let token = CancellationToken::new();
    let t = token.clone();
    tokio::spawn(async move {
        wait_for_signal().await;
        tracing::info!("shutting down");
        t.cancel();
    });
    token
}

#[cfg(unix)]
async fn wait_for_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, "cannot listen for SIGTERM; Ctrl-C only");
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[cfg(not(unix))]
async fn wait_for_signal() {
    let _ = tokio::signal::ctrl_c().await;
}

/// Runs a subcommand's future on a fresh multi-threaded runtime and returns its exit code
/// (1 when the runtime cannot start).
pub fn block_on(fut: impl std::future::Future<Output = u8>) -> u8 {
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt.block_on(fut),
        Err(e) => {
            tracing::error!(error = %e, "cannot start the async runtime");
            1
        }
    }
}
