//! `/healthz`, `/readyz` and `/metrics` (Prometheus text format).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::AppState;

/// Request counters by status class, and total time spent.
#[derive(Debug)]
pub struct Metrics {
    started: Instant,
    by_class: [AtomicU64; 5],
    micros: AtomicU64,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            started: Instant::now(),
            by_class: Default::default(),
            micros: AtomicU64::new(0),
        }
    }
}

impl Metrics {
    fn record(&self, status: StatusCode, micros: u64) {
        let class = (status.as_u16() / 100).clamp(1, 5) as usize - 1;
        if let Some(c) = self.by_class.get(class) {
            c.fetch_add(1, Ordering::Relaxed);
        }
        self.micros.fetch_add(micros, Ordering::Relaxed);
    }

    fn render(&self, audit_head: Option<i64>) -> String {
        let mut out = String::new();
        out.push_str(
            "# HELP mamori_http_requests_total HTTP requests answered, by status class.\n",
        );
        out.push_str("# TYPE mamori_http_requests_total counter\n");
        let mut total = 0;
        for (i, c) in self.by_class.iter().enumerate() {
            let n = c.load(Ordering::Relaxed);
            total += n;
            out.push_str(&format!(
                "mamori_http_requests_total{{class=\"{}xx\"}} {n}\n",
                i + 1
            ));
        }
        out.push_str("# HELP mamori_http_request_seconds_sum Time spent answering requests.\n");
        out.push_str("# TYPE mamori_http_request_seconds_sum counter\n");
        out.push_str(&format!(
            "mamori_http_request_seconds_sum {:.6}\n",
            self.micros.load(Ordering::Relaxed) as f64 / 1e6
        ));
        out.push_str("# TYPE mamori_http_request_count counter\n");
        out.push_str(&format!("mamori_http_request_count {total}\n"));
        out.push_str("# HELP mamori_uptime_seconds Seconds since the process started.\n# TYPE mamori_uptime_seconds gauge\n");
        out.push_str(&format!(
            "mamori_uptime_seconds {}\n",
            self.started.elapsed().as_secs()
        ));
        if let Some(seq) = audit_head {
            out.push_str("# HELP mamori_audit_events Events in the audit chain.\n# TYPE mamori_audit_events gauge\n");
            out.push_str(&format!("mamori_audit_events {seq}\n"));
        }
        out.push_str(
            "# HELP mamori_build_info Version of this binary.\n# TYPE mamori_build_info gauge\n",
        );
        out.push_str(&format!(
            "mamori_build_info{{version=\"{}\"}} 1\n",
            env!("CARGO_PKG_VERSION")
        ));
        out
    }
}

pub async fn count(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let res = next.run(req).await;
    state.metrics.record(
        res.status(),
        u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX),
    );
    res
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(state): State<AppState>) -> Response {
    match state.app.ready().await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "database not reachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
        }
    }
}

async fn metrics(State(state): State<AppState>) -> Response {
    let head = state.app.audit_event_count().await.ok();
    (
        [("content-type", "text/plain; version=0.0.4")],
        state.metrics.render(head),
    )
        .into_response()
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
}
