//! Connecting, migrating and transactions on either engine.

use std::str::FromStr;
use std::time::Duration;

use mamori_app::ports::StoreError;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{PgPool, Postgres, Sqlite, SqlitePool};

use crate::readers::{Policy, Readers, usable_after};
use crate::sql::{Exec, Row, Stmt};

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbKind {
    Sqlite,
    Postgres,
}

/// A database: readers of our own for reads (see `readers`), and sqlx's
/// pool for transactions and writes — on SQLite one writer connection (so
/// writes queue instead of failing busy).
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite {
        read: Readers<SqliteConnection>,
        write: SqlitePool,
    },
    Postgres {
        read: Readers<PgConnection>,
        write: PgPool,
    },
}

/// SQLite's reading connections.
const SQLITE_READERS: Policy = Policy {
    size: 8,
    keep_abandoned: true,
    test_after_idle: None,
};

/// How long a PostgreSQL connection may wait before it is tested on its
/// next use.
const PG_IDLE_BEFORE_TEST: Duration = Duration::from_secs(30);

/// PostgreSQL's reading connections: with the writers' at most 20 per
/// server process.
const PG_READERS: Policy = Policy {
    size: 12,
    keep_abandoned: false,
    test_after_idle: Some(PG_IDLE_BEFORE_TEST),
};

/// PostgreSQL's connections for transactions and writes.
const PG_WRITERS: u32 = 8;

/// Opens `sqlite://PATH` (created if missing) or `postgres://…`.
pub async fn connect(url: &str) -> Result<Db, StoreError> {
    if url.starts_with("sqlite:") {
        let opts = SqliteConnectOptions::from_str(url)
            .map_err(other)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            // Rows cross from SQLite's worker thread in batches rather than
            // waking the reader for each (a 1,000,000-event chain walk spent
            // a third of its time switching threads with the default of 50).
            .row_buffer_size(1024);
        // A SQLite connection is a file handle on a worker thread, never
        // dropped by a server: testing it before each use (sqlx's default)
        // was one more round trip to that thread for every query.
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .test_before_acquire(false)
            .connect_with(opts.clone())
            .await
            .map_err(other)?;
        let read = Readers::open(opts, SQLITE_READERS).await.map_err(other)?;
        Ok(Db::Sqlite { read, write })
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        let opts = PgConnectOptions::from_str(url).map_err(other)?;
        // A connection is tested (one round trip to the server) only when
        // it has been idle long enough for the server or the network to
        // have dropped it, not before every query (sqlx's default).
        let write = PgPoolOptions::new()
            .max_connections(PG_WRITERS)
            .acquire_timeout(Duration::from_secs(10))
            .test_before_acquire(false)
            .before_acquire(|conn, meta| {
                Box::pin(async move {
                    if meta.idle_for >= PG_IDLE_BEFORE_TEST {
                        sqlx::Connection::ping(conn).await?;
                    }
                    Ok(true)
                })
            })
            .connect_with(opts.clone())
            .await
            .map_err(other)?;
        // The readers' statements are planned once per connection, not at
        // every run: lists bind their OFFSET and filters, and PostgreSQL
        // otherwise plans each run with its values (custom plans) when it
        // cannot cost the generic plan — the planning took as long as the
        // run for a 100-row page (thirteenth run). Every list's order and
        // filters have an index of their own (migration 0017), which the
        // generic plan takes whatever the values.
        let read_opts = opts.options([("plan_cache_mode", "force_generic_plan")]);
        let read = Readers::open(read_opts, PG_READERS).await.map_err(other)?;
        Ok(Db::Postgres { read, write })
    } else {
        Err(StoreError::Other(format!(
            "unsupported database URL (use sqlite://PATH or postgres://…): {}",
            redact_url(url)
        )))
    }
}

/// Applies the engine's migrations.
pub async fn migrate(db: &Db) -> Result<(), StoreError> {
    match db {
        Db::Sqlite { write, .. } => {
            SQLITE_MIGRATIONS.run(write).await.map_err(other)?;
            // Statistics for the planner where they are missing or stale
            // (sampled, so it stays quick on a large database).
            let mut tx = db.begin().await?;
            tx.execute(&Stmt::new("PRAGMA analysis_limit = 400"))
                .await?;
            tx.execute(&Stmt::new("PRAGMA optimize = 0x10002")).await?;
            tx.commit().await
        }
        Db::Postgres { write, .. } => POSTGRES_MIGRATIONS.run(write).await.map_err(other),
    }
}

/// The URL without its password, for messages and logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}://{}:***@{}", &url[..scheme_end], user, &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

pub(crate) fn other<E: std::fmt::Display>(e: E) -> StoreError {
    StoreError::Other(e.to_string())
}

/// Maps an engine error to what the app can act on.
pub(crate) fn map_err(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::RowNotFound => StoreError::NotFound,
        sqlx::Error::Database(d) => {
            let msg = format!("{} {}", d.message(), d.constraint().unwrap_or_default());
            if d.is_unique_violation() {
                for field in ["employee_no", "email", "token_hash", "code"] {
                    if msg.contains(field) {
                        return StoreError::Duplicate(field);
                    }
                }
                StoreError::Duplicate("id")
            } else if d.is_foreign_key_violation() {
                StoreError::InUse
            } else {
                StoreError::Other(e.to_string())
            }
        }
        _ => StoreError::Other(e.to_string()),
    }
}

/// A connection for one read.
pub(crate) enum Reader {
    Sqlite(crate::readers::Reader<SqliteConnection>),
    Postgres(crate::readers::Reader<PgConnection>),
}

impl Reader {
    pub fn exec(&mut self) -> Result<Exec<'_>, StoreError> {
        Ok(match self {
            Reader::Sqlite(r) => Exec::SqliteConn(r.conn().map_err(map_err)?),
            Reader::Postgres(r) => Exec::PgConn(r.conn().map_err(map_err)?),
        })
    }

    /// The read's outcome; the connection serves another read only if it
    /// is known to be in order (see `readers`).
    fn finish<T>(&mut self, r: Result<T, sqlx::Error>) -> Result<T, StoreError> {
        if r.as_ref().err().is_none_or(usable_after) {
            match self {
                Reader::Sqlite(r) => r.done(),
                Reader::Postgres(r) => r.done(),
            }
        }
        r.map_err(map_err)
    }
}

/// A transaction on either engine.
pub(crate) enum Tx {
    Sqlite(sqlx::Transaction<'static, Sqlite>),
    Postgres(sqlx::Transaction<'static, Postgres>),
}

impl Tx {
    pub fn exec(&mut self) -> Exec<'_> {
        match self {
            Tx::Sqlite(t) => Exec::SqliteTx(t),
            Tx::Postgres(t) => Exec::PgTx(t),
        }
    }
    pub async fn execute(&mut self, s: &Stmt) -> Result<u64, StoreError> {
        self.exec().execute(s).await.map_err(map_err)
    }
    pub async fn fetch_one<T: Row>(&mut self, s: &Stmt) -> Result<T, StoreError> {
        self.exec().fetch_one(s).await.map_err(map_err)
    }
    pub async fn commit(self) -> Result<(), StoreError> {
        match self {
            Tx::Sqlite(t) => t.commit().await.map_err(map_err),
            Tx::Postgres(t) => t.commit().await.map_err(map_err),
        }
    }
    pub async fn rollback(self) -> Result<(), StoreError> {
        match self {
            Tx::Sqlite(t) => t.rollback().await.map_err(map_err),
            Tx::Postgres(t) => t.rollback().await.map_err(map_err),
        }
    }
    pub async fn fetch_all<T: Row>(&mut self, s: &Stmt) -> Result<Vec<T>, StoreError> {
        self.exec().fetch_all(s).await.map_err(map_err)
    }
}

impl Db {
    pub fn kind(&self) -> DbKind {
        match self {
            Db::Sqlite { .. } => DbKind::Sqlite,
            Db::Postgres { .. } => DbKind::Postgres,
        }
    }

    pub(crate) async fn reader(&self) -> Result<Reader, StoreError> {
        Ok(match self {
            Db::Sqlite { read, .. } => Reader::Sqlite(read.acquire().await.map_err(map_err)?),
            Db::Postgres { read, .. } => Reader::Postgres(read.acquire().await.map_err(map_err)?),
        })
    }

    pub(crate) fn writer(&self) -> Exec<'_> {
        match self {
            Db::Sqlite { write, .. } => Exec::SqlitePool(write),
            Db::Postgres { write, .. } => Exec::PgPool(write),
        }
    }

    pub(crate) async fn begin(&self) -> Result<Tx, StoreError> {
        Ok(match self {
            Db::Sqlite { write, .. } => Tx::Sqlite(write.begin().await.map_err(map_err)?),
            Db::Postgres { write, .. } => Tx::Postgres(write.begin().await.map_err(map_err)?),
        })
    }

    pub(crate) async fn fetch_all<T: Row>(&self, s: &Stmt) -> Result<Vec<T>, StoreError> {
        let mut r = self.reader().await?;
        let out = r.exec()?.fetch_all(s).await;
        r.finish(out)
    }
    pub(crate) async fn fetch_optional<T: Row>(&self, s: &Stmt) -> Result<Option<T>, StoreError> {
        let mut r = self.reader().await?;
        let out = r.exec()?.fetch_optional(s).await;
        r.finish(out)
    }
    pub(crate) async fn fetch_one<T: Row>(&self, s: &Stmt) -> Result<T, StoreError> {
        let mut r = self.reader().await?;
        let out = r.exec()?.fetch_one(s).await;
        r.finish(out)
    }
    /// A single statement outside a transaction (counters, touches).
    pub(crate) async fn execute(&self, s: &Stmt) -> Result<u64, StoreError> {
        self.writer().execute(s).await.map_err(map_err)
    }

    /// Copies the live database to `path` (SQLite `VACUUM INTO`).
    pub async fn backup_sqlite(&self, path: &str) -> Result<(), StoreError> {
        match self {
            Db::Sqlite { write, .. } => sqlx::query::<Sqlite>(sqlx::AssertSqlSafe(format!(
                "VACUUM INTO '{}'",
                path.replace('\'', "''")
            )))
            .execute(write)
            .await
            .map(|_| ())
            .map_err(map_err),
            Db::Postgres { .. } => Err(StoreError::Other(
                "use pg_dump to back up PostgreSQL".into(),
            )),
        }
    }

    /// The user tables and their columns, for the migration parity test.
    pub async fn schema(&self) -> Result<Vec<(String, String)>, StoreError> {
        #[derive(sqlx::FromRow)]
        struct Col {
            table_name: String,
            column_name: String,
        }
        let stmt = match self {
            Db::Sqlite { .. } => Stmt::new(
                "SELECT m.name AS table_name, p.name AS column_name FROM sqlite_master m \
                 JOIN pragma_table_info(m.name) p WHERE m.type = 'table' \
                 AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx%' ORDER BY 1, 2",
            ),
            Db::Postgres { .. } => Stmt::new(
                "SELECT table_name::text AS table_name, column_name::text AS column_name FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name NOT LIKE '_sqlx%' ORDER BY 1, 2",
            ),
        };
        let cols: Vec<Col> = self.fetch_all(&stmt).await?;
        Ok(cols
            .into_iter()
            .map(|c| (c.table_name, c.column_name))
            .collect())
    }

    /// Applied migration versions.
    pub async fn migration_versions(&self) -> Result<Vec<i64>, StoreError> {
        #[derive(sqlx::FromRow)]
        struct V {
            version: i64,
        }
        let v: Vec<V> = self
            .fetch_all(&Stmt::new(
                "SELECT version FROM _sqlx_migrations ORDER BY version",
            ))
            .await?;
        Ok(v.into_iter().map(|v| v.version).collect())
    }

    /// The versions each engine's migration folder defines.
    pub fn defined_migrations(kind: DbKind) -> Vec<(i64, String)> {
        let m = match kind {
            DbKind::Sqlite => &SQLITE_MIGRATIONS,
            DbKind::Postgres => &POSTGRES_MIGRATIONS,
        };
        m.iter()
            .map(|m| (m.version, m.description.to_string()))
            .collect()
    }

    pub async fn close(&self) {
        match self {
            Db::Sqlite { read, write } => {
                read.close().await;
                write.close().await;
            }
            Db::Postgres { read, write } => {
                read.close().await;
                write.close().await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted_from_urls() {
        assert_eq!(
            redact_url("postgres://app:s3cret@db:5432/mamori"),
            "postgres://app:***@db:5432/mamori"
        );
        assert_eq!(
            redact_url("sqlite://data/mamori.db"),
            "sqlite://data/mamori.db"
        );
    }
}
