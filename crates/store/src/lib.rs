//! mamori's database: one `Db` over SQLite (embedded, one node) or
//! PostgreSQL (several nodes), the migrations of both, and the repositories
//! the app's ports name. Every change is written with its audit event in one
//! transaction.
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

mod audit;
mod auth;
mod checklists;
mod committee;
mod compliance;
mod db;
mod documents;
mod duties;
mod incidents;
mod org;
pub mod plans;
mod readers;
mod risk;
mod risk_reviews;
mod settings;
pub mod sql;
mod workflow;

pub use db::{Db, DbKind, connect, migrate, redact_url};

/// The repositories on one database.
#[derive(Clone)]
pub struct SqlStore {
    pub(crate) db: Db,
}

impl SqlStore {
    pub fn new(db: Db) -> SqlStore {
        SqlStore { db }
    }

    /// The number a `SELECT COUNT(*) AS n …` statement gives.
    pub(crate) async fn count(&self, s: &sql::Stmt) -> Result<u64, mamori_app::ports::StoreError> {
        #[derive(sqlx::FromRow)]
        struct N {
            n: i64,
        }
        let r: N = self.db.fetch_one(s).await?;
        Ok(u64::try_from(r.n).unwrap_or(0))
    }
    pub fn db(&self) -> &Db {
        &self.db
    }
}
