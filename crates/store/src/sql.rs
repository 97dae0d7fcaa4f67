//! One SQL text for both engines. Statements are written with `?`
//! placeholders and typed arguments; for PostgreSQL the placeholders become
//! `$1…$n`, and values are encoded so that both engines store and compare
//! them the same way (fixed-width UTC text for SQLite timestamps).

use sqlx::postgres::{PgArguments, PgRow};
use sqlx::query::Query;
use sqlx::sqlite::{SqliteArguments, SqliteRow};
use sqlx::{AssertSqlSafe, FromRow, Postgres, Sqlite};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// A bound value.
#[derive(Debug, Clone)]
pub enum Arg {
    Uuid(Option<Uuid>),
    Text(Option<String>),
    I64(Option<i64>),
    Bool(Option<bool>),
    Ts(Option<OffsetDateTime>),
    Date(Option<Date>),
    Bytes(Option<Vec<u8>>),
}

macro_rules! arg_from {
    ($t:ty, $v:ident) => {
        impl From<$t> for Arg {
            fn from(x: $t) -> Arg {
                Arg::$v(Some(x.into()))
            }
        }
        impl From<Option<$t>> for Arg {
            fn from(x: Option<$t>) -> Arg {
                Arg::$v(x.map(Into::into))
            }
        }
    };
}
arg_from!(Uuid, Uuid);
arg_from!(String, Text);
arg_from!(&str, Text);
arg_from!(i64, I64);
arg_from!(bool, Bool);
arg_from!(OffsetDateTime, Ts);
arg_from!(Date, Date);
arg_from!(Vec<u8>, Bytes);

impl From<&String> for Arg {
    fn from(x: &String) -> Arg {
        Arg::Text(Some(x.clone()))
    }
}

/// A statement: SQL with `?` placeholders and its arguments.
#[derive(Debug, Clone, Default)]
pub struct Stmt {
    sql: String,
    args: Vec<Arg>,
}

impl Stmt {
    pub fn new(sql: &str) -> Stmt {
        Stmt {
            sql: sql.to_string(),
            args: Vec::new(),
        }
    }
    /// Adds an argument for the next `?`.
    pub fn bind(mut self, a: impl Into<Arg>) -> Stmt {
        self.args.push(a.into());
        self
    }
    /// Appends SQL text (a fixed fragment written in our code, never input).
    pub fn push(mut self, sql: &str) -> Stmt {
        self.sql.push_str(sql);
        self
    }
    /// Appends SQL text with one argument for its `?`.
    pub fn push_bind(mut self, sql: &str, a: impl Into<Arg>) -> Stmt {
        self.sql.push_str(sql);
        self.args.push(a.into());
        self
    }
    /// Appends ` LIMIT n`, the number written into the SQL rather than
    /// bound: SQLite (3.4x and later) reads a bound LIMIT's value when it
    /// plans the statement, so a statement whose LIMIT is a parameter is
    /// parsed and planned again every time it runs with a new binding,
    /// which cost more than the query itself on a record's view.
    pub fn limit(mut self, n: impl Into<i64>) -> Stmt {
        use std::fmt::Write as _;
        let _ = write!(self.sql, " LIMIT {}", n.into());
        self
    }
    /// The SQL and its arguments, to append to another statement.
    pub fn into_parts(self) -> (String, Vec<Arg>) {
        (self.sql, self.args)
    }
    /// Adds arguments taken from another statement (see `into_parts`).
    pub fn extend(mut self, args: Vec<Arg>) -> Stmt {
        self.args.extend(args);
        self
    }
    pub fn sql(&self) -> &str {
        &self.sql
    }

    fn sqlite_query(&self) -> Query<'static, Sqlite, SqliteArguments> {
        let mut q = sqlx::query::<Sqlite>(AssertSqlSafe(self.sql.clone()));
        for a in &self.args {
            q = match a.clone() {
                Arg::Uuid(v) => q.bind(v),
                Arg::Text(v) => q.bind(v),
                Arg::I64(v) => q.bind(v),
                Arg::Bool(v) => q.bind(v),
                Arg::Ts(v) => q.bind(v.map(sqlite_timestamp)),
                Arg::Date(v) => q.bind(v),
                Arg::Bytes(v) => q.bind(v),
            };
        }
        q
    }

    fn pg_query(&self) -> Query<'static, Postgres, PgArguments> {
        let mut q = sqlx::query::<Postgres>(AssertSqlSafe(numbered_placeholders(&self.sql)));
        for a in &self.args {
            q = match a.clone() {
                Arg::Uuid(v) => q.bind(v),
                Arg::Text(v) => q.bind(v),
                Arg::I64(v) => q.bind(v),
                Arg::Bool(v) => q.bind(v),
                Arg::Ts(v) => q.bind(v),
                Arg::Date(v) => q.bind(v),
                Arg::Bytes(v) => q.bind(v),
            };
        }
        q
    }
}

/// SQLite keeps timestamps as fixed-width UTC text so that they sort.
pub fn sqlite_timestamp(t: OffsetDateTime) -> String {
    mamori_domain::audit::Timestamp(t).to_string()
}

/// Reads a timestamp as [`sqlite_timestamp`] writes it
/// (`YYYY-MM-DDTHH:MM:SS.ffffffZ`) without a general parser; other RFC 3339
/// text is still read, the slow way.
pub fn parse_sqlite_timestamp(s: &str) -> Option<OffsetDateTime> {
    fn num(b: &[u8]) -> Option<u32> {
        b.iter().try_fold(0u32, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    }
    let b = s.as_bytes();
    let fixed = b.len() == 27
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && b[19] == b'.'
        && b[26] == b'Z';
    if !fixed {
        return OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok();
    }
    let year = i32::try_from(num(&b[0..4])?).ok()?;
    let month = time::Month::try_from(u8::try_from(num(&b[5..7])?).ok()?).ok()?;
    let date = Date::from_calendar_date(year, month, u8::try_from(num(&b[8..10])?).ok()?).ok()?;
    let t = time::Time::from_hms_micro(
        u8::try_from(num(&b[11..13])?).ok()?,
        u8::try_from(num(&b[14..16])?).ok()?,
        u8::try_from(num(&b[17..19])?).ok()?,
        num(&b[20..26])?,
    )
    .ok()?;
    Some(date.with_time(t).assume_utc())
}

/// `?` → `$n`, leaving quoted text and identifiers alone.
pub fn numbered_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut n = 0;
    let mut quote: Option<char> = None;
    for c in sql.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => {
                quote = None;
                out.push(c);
            }
            (Some(_), c) => out.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                out.push(c);
            }
            (None, '?') => {
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
            }
            (None, c) => out.push(c),
        }
    }
    out
}

/// A row type both engines can decode.
pub trait Row: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin {}
impl<T> Row for T where T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{}

/// Runs statements on a pool or inside a transaction, on either engine.
pub(crate) enum Exec<'a> {
    SqlitePool(&'a sqlx::SqlitePool),
    SqliteConn(&'a mut sqlx::SqliteConnection),
    PgPool(&'a sqlx::PgPool),
    PgConn(&'a mut sqlx::PgConnection),
    SqliteTx(&'a mut sqlx::Transaction<'static, Sqlite>),
    PgTx(&'a mut sqlx::Transaction<'static, Postgres>),
}

impl Exec<'_> {
    pub async fn execute(&mut self, s: &Stmt) -> Result<u64, sqlx::Error> {
        Ok(match self {
            Exec::SqlitePool(p) => s.sqlite_query().execute(*p).await?.rows_affected(),
            Exec::SqliteConn(c) => s.sqlite_query().execute(&mut **c).await?.rows_affected(),
            Exec::PgPool(p) => s.pg_query().execute(*p).await?.rows_affected(),
            Exec::PgConn(c) => s.pg_query().execute(&mut **c).await?.rows_affected(),
            Exec::SqliteTx(tx) => s.sqlite_query().execute(&mut ***tx).await?.rows_affected(),
            Exec::PgTx(tx) => s.pg_query().execute(&mut ***tx).await?.rows_affected(),
        })
    }

    pub async fn fetch_all<T: Row>(&mut self, s: &Stmt) -> Result<Vec<T>, sqlx::Error> {
        match self {
            Exec::SqlitePool(p) => rows_to(s.sqlite_query().fetch_all(*p).await?),
            Exec::SqliteConn(c) => rows_to(s.sqlite_query().fetch_all(&mut **c).await?),
            Exec::PgPool(p) => rows_to(s.pg_query().fetch_all(*p).await?),
            Exec::PgConn(c) => rows_to(s.pg_query().fetch_all(&mut **c).await?),
            Exec::SqliteTx(tx) => rows_to(s.sqlite_query().fetch_all(&mut ***tx).await?),
            Exec::PgTx(tx) => rows_to(s.pg_query().fetch_all(&mut ***tx).await?),
        }
    }

    pub async fn fetch_optional<T: Row>(&mut self, s: &Stmt) -> Result<Option<T>, sqlx::Error> {
        let row = match self {
            Exec::SqlitePool(p) => s
                .sqlite_query()
                .fetch_optional(*p)
                .await?
                .map(|r| T::from_row(&r)),
            Exec::SqliteConn(c) => s
                .sqlite_query()
                .fetch_optional(&mut **c)
                .await?
                .map(|r| T::from_row(&r)),
            Exec::PgPool(p) => s
                .pg_query()
                .fetch_optional(*p)
                .await?
                .map(|r| T::from_row(&r)),
            Exec::PgConn(c) => s
                .pg_query()
                .fetch_optional(&mut **c)
                .await?
                .map(|r| T::from_row(&r)),
            Exec::SqliteTx(tx) => s
                .sqlite_query()
                .fetch_optional(&mut ***tx)
                .await?
                .map(|r| T::from_row(&r)),
            Exec::PgTx(tx) => s
                .pg_query()
                .fetch_optional(&mut ***tx)
                .await?
                .map(|r| T::from_row(&r)),
        };
        row.transpose()
    }

    pub async fn fetch_one<T: Row>(&mut self, s: &Stmt) -> Result<T, sqlx::Error> {
        self.fetch_optional(s)
            .await?
            .ok_or(sqlx::Error::RowNotFound)
    }
}

fn rows_to<R: sqlx::Row, T: for<'r> FromRow<'r, R>>(rows: Vec<R>) -> Result<Vec<T>, sqlx::Error> {
    rows.iter().map(T::from_row).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// No statement of the store binds its LIMIT (see `Stmt::limit`).
    #[test]
    fn no_statement_binds_its_limit() -> std::io::Result<()> {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut read = 0;
        for entry in std::fs::read_dir(&src)? {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path)?;
                read += 1;
                for (n, line) in text.lines().enumerate() {
                    let bound = line.contains(&["LIMIT", " ?"].concat());
                    assert!(!bound, "{}:{}: {line}", path.display(), n + 1);
                }
            }
        }
        assert!(read > 10, "read {read} files of {}", src.display());
        Ok(())
    }

    #[test]
    fn placeholders_are_numbered_outside_quotes() {
        assert_eq!(
            numbered_placeholders("SELECT '?' , \"a?\" FROM t WHERE a = ? AND b IN (?, ?)"),
            "SELECT '?' , \"a?\" FROM t WHERE a = $1 AND b IN ($2, $3)"
        );
    }

    #[test]
    fn sqlite_timestamps_are_fixed_width() {
        let t = time::macros::datetime!(2026-11-26 19:00:00 +09:00);
        assert_eq!(sqlite_timestamp(t), "2026-11-26T10:00:00.000000Z");
    }

    #[test]
    fn sqlite_timestamps_read_back() {
        let t = time::macros::datetime!(2026-02-28 23:59:59.123456 +09:00);
        assert_eq!(parse_sqlite_timestamp(&sqlite_timestamp(t)), Some(t));
        assert_eq!(
            parse_sqlite_timestamp("2026-11-26T10:00:00+09:00"),
            Some(time::macros::datetime!(2026-11-26 10:00:00 +09:00))
        );
        for bad in [
            "",
            "2026-13-01T00:00:00.000000Z",
            "2026-02-30T00:00:00.000000Z",
            "2026-01-01T00:00:00.00000xZ",
        ] {
            assert_eq!(parse_sqlite_timestamp(bad), None, "{bad}");
        }
    }
}
