//! The validator's `/health` and Prometheus `/metrics` endpoints.
//!
//! A small hand-rolled registry in the text exposition format (version 0.0.4): neither the
//! `prometheus` nor the `metrics` crate is in the dependency tree, and the handful of counters
//! and one latency histogram the loops need do not justify a new crate on a 2-core builder.
//! Series are kept in `BTreeMap`s so the output order is stable.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use tokio_util::sync::CancellationToken;

/// Upper bounds (seconds) of the miner-call latency histogram.
const LATENCY_BUCKETS: [f64; 10] = [0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0];

/// A series: metric name and its labels, sorted.
type Series = (&'static str, Vec<(&'static str, String)>);

#[derive(Debug, Default)]
struct Registry {
    /// Series → value.
    counters: BTreeMap<Series, u64>,
    latency_counts: [u64; LATENCY_BUCKETS.len()],
    latency_sum: f64,
    latency_total: u64,
}

/// The metrics of one validator process; cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct Metrics {
    inner: Arc<Mutex<Registry>>,
}

const HELP: [(&str, &str); 7] = [
    (
        "leoma_turns_total",
        "Sampler polls that ended a turn, by outcome.",
    ),
    (
        "leoma_miner_calls_total",
        "Miner generation calls, by result.",
    ),
    (
        "leoma_verdicts_total",
        "Verdict entries published, by status.",
    ),
    ("leoma_epochs_total", "Weight epochs processed."),
    (
        "leoma_weight_submissions_total",
        "Weight submissions, by result.",
    ),
    ("leoma_errors_total", "Errors, by loop and kind."),
    (
        "leoma_roster_passes_total",
        "Miner-validation passes, by result.",
    ),
];

impl Metrics {
    fn lock(&self) -> MutexGuard<'_, Registry> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Adds `n` to counter `name` with `labels`.
    pub fn add(&self, name: &'static str, labels: &[(&'static str, &str)], n: u64) {
        let mut l: Vec<(&'static str, String)> =
            labels.iter().map(|(k, v)| (*k, (*v).to_owned())).collect();
        l.sort();
        *self.lock().counters.entry((name, l)).or_default() += n;
    }

    /// Adds one to counter `name` with `labels`.
    pub fn inc(&self, name: &'static str, labels: &[(&'static str, &str)]) {
        self.add(name, labels, 1);
    }

    /// Records one miner call's latency.
    pub fn observe_latency(&self, latency: Duration) {
        let s = latency.as_secs_f64();
        let mut r = self.lock();
        for (i, le) in LATENCY_BUCKETS.iter().enumerate() {
            if s <= *le
                && let Some(c) = r.latency_counts.get_mut(i)
            {
                *c += 1;
            }
        }
        r.latency_sum += s;
        r.latency_total += 1;
    }

    /// The current value of a counter (sum over every label set matching `labels`).
    pub fn value(&self, name: &str, labels: &[(&str, &str)]) -> u64 {
        self.lock()
            .counters
            .iter()
            .filter(|((n, l), _)| {
                *n == name
                    && labels
                        .iter()
                        .all(|(k, v)| l.iter().any(|(lk, lv)| lk == k && lv == v))
            })
            .map(|(_, v)| *v)
            .sum()
    }

    /// The registry in the Prometheus text format.
    pub fn render(&self) -> String {
        let r = self.lock();
        let mut out = String::new();
        for (name, help) in HELP {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
            for ((n, labels), v) in &r.counters {
                if *n != name {
                    continue;
                }
                let l: Vec<String> = labels
                    .iter()
                    .map(|(k, v)| format!("{k}=\"{}\"", escape(v)))
                    .collect();
                if l.is_empty() {
                    let _ = writeln!(out, "{name} {v}");
                } else {
                    let _ = writeln!(out, "{name}{{{}}} {v}", l.join(","));
                }
            }
        }
        let h = "leoma_miner_call_latency_seconds";
        let _ = writeln!(
            out,
            "# HELP {h} Miner generation call latency (request sent to body received).\n# TYPE {h} histogram"
        );
        for (le, c) in LATENCY_BUCKETS.iter().zip(r.latency_counts) {
            let _ = writeln!(out, "{h}_bucket{{le=\"{le}\"}} {c}");
        }
        let _ = writeln!(out, "{h}_bucket{{le=\"+Inf\"}} {}", r.latency_total);
        let _ = writeln!(out, "{h}_sum {}", r.latency_sum);
        let _ = writeln!(out, "{h}_count {}", r.latency_total);
        out
    }
}

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

async fn metrics(State(m): State<Metrics>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        m.render(),
    )
}

async fn health() -> impl IntoResponse {
    axum::Json(serde_json::json!({"status": "ok"}))
}

/// The `/health` and `/metrics` routes.
pub fn router(metrics_state: Metrics) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/metrics", get(metrics))
        .with_state(metrics_state)
}

/// Binds `addr` and serves [`router`] until `cancel` fires; returns the bound address.
pub async fn serve(
    addr: &str,
    metrics_state: Metrics,
    cancel: CancellationToken,
) -> std::io::Result<std::net::SocketAddr> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    tokio::spawn(async move {
        let app = router(metrics_state);
        let result = axum::serve(listener, app)
            .with_graceful_shutdown(async move { cancel.cancelled().await })
            .await;
        if let Err(e) = result {
            tracing::error!(error = %e, "metrics server stopped");
        }
    });
    Ok(bound)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_histogram_in_text_format() {
        let m = Metrics::default();
        m.inc("leoma_turns_total", &[("outcome", "produced")]);
        m.inc("leoma_turns_total", &[("outcome", "produced")]);
        m.inc(
            "leoma_errors_total",
            &[("loop", "sampler"), ("kind", "st\"orage")],
        );
        m.observe_latency(Duration::from_millis(300));
        let text = m.render();
        assert!(
            text.contains("leoma_turns_total{outcome=\"produced\"} 2\n"),
            "{text}"
        );
        assert!(text.contains("leoma_errors_total{kind=\"st\\\"orage\",loop=\"sampler\"} 1"));
        assert!(text.contains("leoma_miner_call_latency_seconds_bucket{le=\"0.25\"} 0"));
        assert!(text.contains("leoma_miner_call_latency_seconds_bucket{le=\"0.5\"} 1"));
        assert!(text.contains("leoma_miner_call_latency_seconds_count 1"));
        assert_eq!(m.value("leoma_turns_total", &[]), 2);
        assert_eq!(m.value("leoma_turns_total", &[("outcome", "skipped")]), 0);
    }
}
