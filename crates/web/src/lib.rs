//! mamori over HTTP: the server-rendered UI (Japanese first, English on
//! request), the JSON API under `/api/v1` with its OpenAPI document, and the
//! cross-cutting pieces: sessions, CSRF, security headers, the one mapping
//! from errors to responses, health and metrics.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::todo,
        clippy::unimplemented
    )
)]

pub mod api;
mod assets;
mod csrf;
pub mod error;
pub mod i18n;
mod markdown;
mod metrics;
pub mod routes;
mod security;
mod session;
pub mod ui;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use mamori_app::App;
use tower_http::CompressionLevel;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{DefaultPredicate, Predicate, SizeAbove};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub use metrics::Metrics;

/// How the server is reached.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Served over TLS (directly or behind a proxy): Secure cookies and HSTS.
    pub secure: bool,
    /// Trust `X-Forwarded-For` for the client address (behind a proxy).
    pub trust_proxy: bool,
    /// The organisation's name shown in the header.
    pub organisation: String,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            secure: false,
            trust_proxy: false,
            organisation: "mamori".into(),
        }
    }
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub app: App,
    pub config: Arc<WebConfig>,
    pub metrics: Arc<Metrics>,
}

impl AppState {
    pub fn new(app: App, config: WebConfig) -> AppState {
        AppState {
            app,
            config: Arc::new(config),
            metrics: Arc::new(Metrics::default()),
        }
    }
}

/// Upload limit (CSV imports).
pub const BODY_LIMIT: usize = 10 * 1024 * 1024;

/// Answers smaller than this go uncompressed (about one TCP segment).
const COMPRESS_FROM_BYTES: u64 = 1400;

/// The whole HTTP surface.
pub fn router(state: AppState) -> Router {
    let x_request_id = axum::http::HeaderName::from_static("x-request-id");
    Router::new()
        .merge(ui::routes())
        .nest("/api/v1", api::routes())
        .merge(assets::routes())
        .merge(metrics::routes())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            csrf::verify,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::headers,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::count,
        ))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        // gzip's fastest level: a fifth of the bytes at a fraction of the
        // default level's CPU, which took a sixth of a busy server's time.
        // Not below one packet's worth: setting up an encoder for a single
        // record's JSON cost 8 % of that endpoint's time and saved no packet.
        .layer(
            CompressionLayer::new()
                .quality(CompressionLevel::Fastest)
                .compress_when(DefaultPredicate::new().and(SizeAbove::new(COMPRESS_FROM_BYTES))),
        )
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ))
        .layer(CatchPanicLayer::new())
        .layer(PropagateRequestIdLayer::new(x_request_id.clone()))
        .layer(TraceLayer::new_for_http())
        .layer(SetRequestIdLayer::new(x_request_id, MakeRequestUuid))
        .with_state(state)
}
