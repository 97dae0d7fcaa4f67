//! Test support: a fresh, empty database per test on SQLite (a temporary
//! file) and on PostgreSQL (a new database on the server named by
//! `MAMORI_TEST_PG_URL`, which `scripts/test.sh` always provides).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod smtp;

use std::path::PathBuf;

/// Which engine a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// A throwaway database; dropped (PostgreSQL) or deleted (SQLite) by `cleanup`.
pub struct TestDb {
    pub engine: Engine,
    pub url: String,
    dir: Option<PathBuf>,
    pg_admin: Option<(String, String)>,
}

pub const PG_ENV: &str = "MAMORI_TEST_PG_URL";

fn unique() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..16].to_string()
}

impl TestDb {
    pub async fn new(engine: Engine) -> TestDb {
        match engine {
            Engine::Sqlite => TestDb::sqlite(),
            Engine::Postgres => TestDb::postgres().await,
        }
    }

    pub fn sqlite() -> TestDb {
        let dir = std::env::temp_dir().join(format!("mamori-test-{}", unique()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let url = format!("sqlite://{}", dir.join("mamori.db").display());
        TestDb {
            engine: Engine::Sqlite,
            url,
            dir: Some(dir),
            pg_admin: None,
        }
    }

    /// Fails loudly when no PostgreSQL server is configured: these tests
    /// must run, never be skipped.
    pub async fn postgres() -> TestDb {
        let admin = std::env::var(PG_ENV).unwrap_or_else(|_| {
            panic!("{PG_ENV} is not set: run the test suite with ./scripts/test.sh, which provides PostgreSQL")
        });
        let name = format!("mamori_t_{}", unique());
        use sqlx::Connection;
        let mut conn = sqlx::PgConnection::connect(&admin)
            .await
            .unwrap_or_else(|e| panic!("cannot reach PostgreSQL at {PG_ENV}: {e}"));
        sqlx::query::<sqlx::Postgres>(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .expect("create test database");
        let _ = conn.close().await;
        let url = replace_db_name(&admin, &name);
        TestDb {
            engine: Engine::Postgres,
            url,
            dir: None,
            pg_admin: Some((admin, name)),
        }
    }

    pub async fn cleanup(self) {
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
        if let Some((admin, name)) = &self.pg_admin {
            use sqlx::Connection;
            if let Ok(mut conn) = sqlx::PgConnection::connect(admin).await {
                let _ = sqlx::query::<sqlx::Postgres>(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                )))
                .execute(&mut conn)
                .await;
                let _ = conn.close().await;
            }
        }
    }
}

/// `postgres://u@h:p/db?x` with another database name.
pub fn replace_db_name(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// Runs an async test body on both engines, each with a fresh database:
/// `db_test!(name, body)` where `async fn body(db: &TestDb)`.
#[macro_export]
macro_rules! db_test {
    ($name:ident, $body:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let db = $crate::TestDb::new($crate::Engine::Sqlite).await;
                super::$body(&db).await;
                db.cleanup().await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let db = $crate::TestDb::new($crate::Engine::Postgres).await;
                super::$body(&db).await;
                db.cleanup().await;
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_name_is_replaced() {
        assert_eq!(
            replace_db_name("postgres://postgres@127.0.0.1:5432/test", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            replace_db_name("postgres://127.0.0.1", "x"),
            "postgres://127.0.0.1/x"
        );
        assert_eq!(
            replace_db_name("postgres://u@h/db?sslmode=disable", "x"),
            "postgres://u@h/x?sslmode=disable"
        );
    }
}
