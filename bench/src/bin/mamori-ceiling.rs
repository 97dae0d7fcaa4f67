//! The ceiling of the load benchmark: a minimal server (axum + sqlx, no
//! middleware, no templates, no sign-in) answering the asset list's 100-row
//! keyset query on the same database as mamori, so that mamori's figures
//! read as a share of what the hardware and the database allow.
//!
//! `mamori-ceiling --database-url sqlite://PATH|postgres://… --listen ADDR`
//! serves `GET /assets?after=REF&limit=100` (JSON) and `GET /healthz`.
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

/// The allocator mamori runs on (see crates/cli/src/main.rs): the ceiling
/// is what the hardware and the database allow, not a weaker allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use clap::Parser;
use serde::{Deserialize, Serialize};
use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

#[derive(Parser)]
#[command(
    name = "mamori-ceiling",
    about = "The minimal server of mamori's load benchmark"
)]
struct Cli {
    /// The same database mamori serves: sqlite://PATH or postgres://…
    #[arg(long)]
    database_url: String,
    #[arg(long, default_value = "127.0.0.1:8090")]
    listen: String,
}

/// The pools as mamori opens them: SQLite in WAL with 8 readers, PostgreSQL 16.
#[derive(Clone)]
enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Every column of `assets`; dates as SQLite stores them (text).
#[derive(Serialize, sqlx::FromRow)]
struct SqliteAsset {
    id: Uuid,
    ref_no: String,
    name: String,
    process: String,
    grp: String,
    form: String,
    location: String,
    usage: String,
    users: String,
    owner_id: Uuid,
    department_id: Option<Uuid>,
    c: i64,
    i: i64,
    a: i64,
    importance: i64,
    leak_impact: String,
    registered_on: String,
    note: String,
    retired_on: Option<String>,
    version: i64,
    created_at: String,
    updated_at: String,
}

/// Every column of `assets` with PostgreSQL's date and time types.
#[derive(Serialize, sqlx::FromRow)]
struct PgAsset {
    id: Uuid,
    ref_no: String,
    name: String,
    process: String,
    grp: String,
    form: String,
    location: String,
    usage: String,
    users: String,
    owner_id: Uuid,
    department_id: Option<Uuid>,
    c: i64,
    i: i64,
    a: i64,
    importance: i64,
    leak_impact: String,
    registered_on: Date,
    note: String,
    retired_on: Option<Date>,
    version: i64,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    updated_at: OffsetDateTime,
}

/// The page's query, its LIMIT written into the SQL: SQLite plans with a
/// bound LIMIT's value and so prepares such a statement again at every run
/// (see docs/decisions/0004), which mamori does not pay either.
fn sqlite_page(limit: i64) -> String {
    format!("{PAGE_SELECT} WHERE ref_no > ? ORDER BY ref_no LIMIT {limit}")
}
fn pg_page(limit: i64) -> String {
    format!("{PAGE_SELECT} WHERE ref_no > $1 ORDER BY ref_no LIMIT {limit}")
}
const PAGE_SELECT: &str = "SELECT id, ref_no, name, process, grp, form, location, usage, users, \
    owner_id, department_id, c, i, a, importance, leak_impact, registered_on, note, retired_on, \
    version, created_at, updated_at FROM assets";

#[derive(Deserialize)]
struct PageQuery {
    #[serde(default)]
    after: String,
    limit: Option<i64>,
}

async fn assets(State(db): State<Db>, Query(q): Query<PageQuery>) -> Response {
    let limit = q.limit.unwrap_or(100).clamp(1, 500);
    let page = match &db {
        Db::Sqlite(pool) => {
            sqlx::query_as::<_, SqliteAsset>(sqlx::AssertSqlSafe(sqlite_page(limit)))
                .bind(&q.after)
                .fetch_all(pool)
                .await
                .map(|rows| Json(rows).into_response())
        }
        Db::Postgres(pool) => sqlx::query_as::<_, PgAsset>(sqlx::AssertSqlSafe(pg_page(limit)))
            .bind(&q.after)
            .fetch_all(pool)
            .await
            .map(|rows| Json(rows).into_response()),
    };
    page.unwrap_or_else(|e| (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response())
}

async fn healthz() -> &'static str {
    "ok"
}

async fn connect(url: &str) -> anyhow::Result<Db> {
    if url.starts_with("sqlite:") {
        let opts = SqliteConnectOptions::from_str(url)?
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(opts)
            .await?;
        Ok(Db::Sqlite(pool))
    } else {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await?;
        Ok(Db::Postgres(pool))
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let db = connect(&cli.database_url)
        .await
        .context("opening the database")?;
    let app = Router::new()
        .route("/assets", get(assets))
        .route("/healthz", get(healthz))
        .with_state(db);
    let listener = tokio::net::TcpListener::bind(&cli.listen)
        .await
        .with_context(|| format!("listening on {}", cli.listen))?;
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
