//! The large organisation to measure on, built once with the measured
//! build's own `mamori demo --scale` and reused: on SQLite a cached file
//! keyed by the migrations and the generator (copied fresh for every run, so
//! each run starts from the same data); on PostgreSQL the given database,
//! which `mamori demo` leaves alone when the organisation is already there.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use sha2::{Digest, Sha256};
use sqlx::Connection;

use crate::process;

/// Where the data lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    /// `postgres://…`
    Postgres(String),
}

impl Engine {
    pub fn name(&self) -> &'static str {
        match self {
            Engine::Sqlite => "SQLite",
            Engine::Postgres(_) => "PostgreSQL",
        }
    }
}

/// A database ready for a run.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub url: String,
    /// For the report: the file or the database, without a password.
    pub describe: String,
    pub size_bytes: Option<u64>,
}

/// The large organisation's generator (a file or, later, a folder).
pub const GENERATOR: [&str; 2] = ["crates/app/src/demo/scale.rs", "crates/app/src/demo/scale"];

/// The cache key of a build's data: its migrations and the generator.
pub fn data_key(source: &Path, scale: &str) -> anyhow::Result<String> {
    let mut files = Vec::new();
    collect(&source.join("crates/store/migrations"), &mut files)?;
    for generator in GENERATOR {
        let path = source.join(generator);
        if path.is_dir() {
            collect(&path, &mut files)?;
        } else if path.exists() {
            files.push(path);
        }
    }
    files.sort();
    let mut h = Sha256::new();
    h.update(scale.as_bytes());
    for f in files {
        if let Ok(rel) = f.strip_prefix(source) {
            h.update(rel.to_string_lossy().as_bytes());
        }
        h.update(std::fs::read(&f).unwrap_or_default());
    }
    Ok(hex::encode(&h.finalize()[..6]))
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            collect(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

/// How long building the data may take.
const DEMO_TIMEOUT: Duration = Duration::from_secs(60 * 60);

/// Builds (or reuses) the data and gives the URL this run serves.
pub async fn prepare(
    mamori: &Path,
    source: &Path,
    engine: &Engine,
    scale: &str,
    cache: &Path,
    run_dir: &Path,
) -> anyhow::Result<Prepared> {
    std::fs::create_dir_all(run_dir).with_context(|| format!("creating {}", run_dir.display()))?;
    match engine {
        Engine::Sqlite => prepare_sqlite(mamori, source, scale, cache, run_dir).await,
        Engine::Postgres(url) => {
            eprintln!(
                "· building the large organisation in {} (kept when already there)",
                redact(url)
            );
            let mut cmd = process::command(mamori, run_dir);
            cmd.args(["--database-url", url, "demo", "--listen", "127.0.0.1:0"])
                .args(["--scale", scale, "--data-dir"])
                .arg(run_dir.join("demo"));
            process::run_demo(cmd, &run_dir.join("demo.log"), DEMO_TIMEOUT).await?;
            Ok(Prepared {
                url: url.clone(),
                describe: redact(url),
                size_bytes: pg_size(url).await.ok(),
            })
        }
    }
}

async fn prepare_sqlite(
    mamori: &Path,
    source: &Path,
    scale: &str,
    cache: &Path,
    run_dir: &Path,
) -> anyhow::Result<Prepared> {
    let key = data_key(source, scale)?;
    let dir = cache.join(format!("{scale}-{key}"));
    let ready = dir.join("ready");
    if !ready.exists() {
        let building = cache.join(format!("{scale}-{key}.building"));
        let _ = std::fs::remove_dir_all(&building);
        std::fs::create_dir_all(&building)
            .with_context(|| format!("creating {}", building.display()))?;
        eprintln!(
            "· building the large organisation (scale {scale}) in {} — once per migration set",
            dir.display()
        );
        let started = std::time::Instant::now();
        let mut cmd = process::command(mamori, &building);
        cmd.args([
            "demo",
            "--listen",
            "127.0.0.1:0",
            "--scale",
            scale,
            "--data-dir",
        ])
        .arg(&building);
        process::run_demo(cmd, &building.join("demo.log"), DEMO_TIMEOUT).await?;
        eprintln!("  built in {:.0} s", started.elapsed().as_secs_f64());
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::rename(&building, &dir)
            .with_context(|| format!("moving the data to {}", dir.display()))?;
        std::fs::write(&ready, key.as_bytes())?;
    } else {
        eprintln!("· reusing the large organisation in {}", dir.display());
    }
    // Every run starts from the same file: sign-ins and tokens write to it.
    let db = run_dir.join("mamori.db");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(run_dir.join(format!("mamori.db{suffix}")));
    }
    for suffix in ["", "-wal"] {
        let from = dir.join(format!("mamori.db{suffix}"));
        if from.exists() {
            std::fs::copy(&from, run_dir.join(format!("mamori.db{suffix}")))
                .with_context(|| format!("copying {}", from.display()))?;
        }
    }
    let size = ["", "-wal"]
        .iter()
        .filter_map(|s| std::fs::metadata(run_dir.join(format!("mamori.db{s}"))).ok())
        .map(|m| m.len())
        .sum();
    Ok(Prepared {
        url: format!("sqlite://{}", db.display()),
        describe: format!("{} (copy of {})", db.display(), dir.display()),
        size_bytes: Some(size),
    })
}

/// The size of a PostgreSQL database.
pub async fn pg_size(url: &str) -> anyhow::Result<u64> {
    let mut conn = sqlx::PgConnection::connect(url)
        .await
        .with_context(|| format!("connecting to {}", redact(url)))?;
    let (size,): (i64,) = sqlx::query_as("SELECT pg_database_size(current_database())")
        .fetch_one(&mut conn)
        .await?;
    Ok(u64::try_from(size).unwrap_or(0))
}

/// The baseline's own database beside the given one: `NAME_baseline`,
/// created when missing.
pub async fn pg_sibling(url: &str, suffix: &str) -> anyhow::Result<String> {
    let (base, name, query) = split_pg_url(url).context("no database name in the URL")?;
    let sibling = format!("{name}_{suffix}");
    let mut conn = sqlx::PgConnection::connect(url)
        .await
        .with_context(|| format!("connecting to {}", redact(url)))?;
    let exists: Option<(i32,)> = sqlx::query_as("SELECT 1 FROM pg_database WHERE datname = $1")
        .bind(&sibling)
        .fetch_optional(&mut conn)
        .await?;
    if exists.is_none() {
        let create = format!("CREATE DATABASE \"{}\"", sibling.replace('"', "\"\""));
        sqlx::query(sqlx::AssertSqlSafe(create))
            .execute(&mut conn)
            .await
            .with_context(|| format!("creating database {sibling}"))?;
    }
    Ok(format!("{base}/{sibling}{query}"))
}

/// `postgres://u@h:5432/db?x=y` → (`postgres://u@h:5432`, `db`, `?x=y`).
pub fn split_pg_url(url: &str) -> Option<(String, String, String)> {
    let (path, query) = match url.find('?') {
        Some(i) => (&url[..i], &url[i..]),
        None => (url, ""),
    };
    let after_scheme = path.find("://")? + 3;
    let slash = after_scheme + path[after_scheme..].find('/')?;
    let name = &path[slash + 1..];
    if name.is_empty() {
        return None;
    }
    Some((
        path[..slash].to_string(),
        name.to_string(),
        query.to_string(),
    ))
}

/// The URL without its password.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let user = url[s + 3..at].split(':').next().unwrap_or("");
            format!("{}://{user}@{}", &url[..s], &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pg_urls_split_into_server_name_and_options() {
        assert_eq!(
            split_pg_url("postgres://postgres@127.0.0.1:5432/bench_large"),
            Some((
                "postgres://postgres@127.0.0.1:5432".into(),
                "bench_large".into(),
                String::new()
            ))
        );
        assert_eq!(
            split_pg_url("postgres://u:p@h/db?sslmode=disable").map(|t| t.2),
            Some("?sslmode=disable".into())
        );
        assert_eq!(split_pg_url("postgres://h:5432"), None);
    }

    #[test]
    fn passwords_are_not_reported() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u@h/db");
        assert_eq!(redact("sqlite://x.db"), "sqlite://x.db");
    }

    #[test]
    fn the_data_key_changes_with_the_migrations_and_the_scale() {
        let dir = std::env::temp_dir().join(format!("mamori-bench-key-{}", std::process::id()));
        let migrations = dir.join("crates/store/migrations/sqlite");
        std::fs::create_dir_all(&migrations).unwrap();
        std::fs::create_dir_all(dir.join("crates/app/src/demo")).unwrap();
        std::fs::write(migrations.join("0001.sql"), "CREATE TABLE a (x);").unwrap();
        let a = data_key(&dir, "large").unwrap();
        assert_eq!(a, data_key(&dir, "large").unwrap());
        assert_ne!(a, data_key(&dir, "0.1").unwrap());
        std::fs::write(migrations.join("0002.sql"), "CREATE TABLE b (x);").unwrap();
        assert_ne!(a, data_key(&dir, "large").unwrap());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
