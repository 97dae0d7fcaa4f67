//! The reading connections of either engine.
//!
//! sqlx's pool tests every connection it takes back with a round trip:
//! for SQLite a hand-over to the connection's worker thread (a "ping", in a
//! task spawned for it), for PostgreSQL a message to the server and its
//! answer. For a read of one row that doubled the hand-overs or round trips,
//! which were the larger part of a single record's time (see
//! docs/performance.md, eleventh and thirteenth runs). These readers are
//! handed out and taken back without that round trip: a read is one command.
//!
//! A read abandoned half-way (its request dropped) is the one case where a
//! connection's state is unknown. SQLite's worker runs the commands it is
//! sent in order, so it finishes that read before the next one and the
//! connection is kept; a PostgreSQL connection may be left in the middle of
//! the server's answer, so it is closed instead ([`Reader::done`] marks a
//! read that finished). A PostgreSQL connection idle for longer than
//! `test_after_idle` is tested before it is handed out, for the server or
//! the network may have dropped it. Readers never open a transaction
//! (writes go through sqlx's pool).

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use sqlx::{ConnectOptions, Connection};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How an engine's reading connections are kept.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Policy {
    /// At most this many connections.
    pub size: usize,
    /// Whether a connection whose read was abandoned may serve another.
    pub keep_abandoned: bool,
    /// Test a connection idle for this long before handing it out.
    pub test_after_idle: Option<Duration>,
}

/// At most `size` connections, opened when first needed and kept.
pub struct Readers<C: Connection> {
    inner: Arc<Inner<C>>,
}

impl<C: Connection> Clone for Readers<C> {
    fn clone(&self) -> Self {
        Readers {
            inner: Arc::clone(&self.inner),
        }
    }
}

struct Inner<C: Connection> {
    options: C::Options,
    policy: Policy,
    permits: Arc<Semaphore>,
    /// Idle connections and since when.
    idle: Mutex<Vec<(C, Instant)>>,
}

impl<C: Connection> std::fmt::Debug for Readers<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Readers")
            .field("available", &self.inner.permits.available_permits())
            .finish_non_exhaustive()
    }
}

impl<C: Connection> Readers<C> {
    /// Opens the first connection at once, so that a database that cannot be
    /// opened is reported when connecting, not at the first read.
    pub(crate) async fn open(options: C::Options, policy: Policy) -> sqlx::Result<Self> {
        let first = options.connect().await?;
        Ok(Readers {
            inner: Arc::new(Inner {
                options,
                policy,
                permits: Arc::new(Semaphore::new(policy.size)),
                idle: Mutex::new(vec![(first, Instant::now())]),
            }),
        })
    }

    /// A connection for one read; it goes back to the others when dropped
    /// (see [`Reader::done`]).
    pub(crate) async fn acquire(&self) -> sqlx::Result<Reader<C>> {
        let permit = Arc::clone(&self.inner.permits)
            .acquire_owned()
            .await
            .map_err(|_| sqlx::Error::PoolClosed)?;
        let conn = match self.take_idle() {
            Some((mut c, since)) => match self.inner.policy.test_after_idle {
                Some(limit) if since.elapsed() >= limit => match c.ping().await {
                    Ok(()) => c,
                    // Gone while idle: a new one in its place.
                    Err(_) => self.inner.options.connect().await?,
                },
                _ => c,
            },
            None => self.inner.options.connect().await?,
        };
        Ok(Reader {
            conn: Some(conn),
            done: self.inner.policy.keep_abandoned,
            readers: Arc::clone(&self.inner),
            _permit: permit,
        })
    }

    fn take_idle(&self) -> Option<(C, Instant)> {
        self.inner
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop()
    }

    /// Closes the idle connections and hands out no more.
    pub(crate) async fn close(&self) {
        self.inner.permits.close();
        while let Some((c, _)) = self.take_idle() {
            // Closing a connection that is going away anyway: an error here
            // has no one to tell.
            let _ = c.close().await;
        }
    }
}

/// One reading connection, borrowed from [`Readers`].
pub(crate) struct Reader<C: Connection> {
    conn: Option<C>,
    /// Whether the connection may serve another read.
    done: bool,
    readers: Arc<Inner<C>>,
    _permit: OwnedSemaphorePermit,
}

impl<C: Connection> Reader<C> {
    /// The connection (always there until the reader is dropped).
    pub(crate) fn conn(&mut self) -> sqlx::Result<&mut C> {
        self.conn.as_mut().ok_or(sqlx::Error::PoolClosed)
    }

    /// The read finished (with its answer or an error of the statement's
    /// own): the connection may serve the next one.
    pub(crate) fn done(&mut self) {
        self.done = true;
    }
}

impl<C: Connection> Drop for Reader<C> {
    fn drop(&mut self) {
        if let Some(c) = self.conn.take()
            && self.done
            && !self.readers.permits.is_closed()
        {
            self.readers
                .idle
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push((c, Instant::now()));
        }
    }
}

/// Whether a connection is known to be in order after a read that failed
/// with this error: the statement's own errors (the server's, a missing
/// row, a value that did not decode) leave it so; a broken connection or a
/// misread answer does not.
pub(crate) fn usable_after(e: &sqlx::Error) -> bool {
    matches!(
        e,
        sqlx::Error::Database(_)
            | sqlx::Error::RowNotFound
            | sqlx::Error::ColumnDecode { .. }
            | sqlx::Error::Decode(_)
            | sqlx::Error::ColumnNotFound(_)
            | sqlx::Error::ColumnIndexOutOfBounds { .. }
            | sqlx::Error::TypeNotFound { .. }
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::postgres::PgConnectOptions;
    use sqlx::sqlite::SqliteConnectOptions;
    use std::str::FromStr;

    fn idle<C: Connection>(r: &Readers<C>) -> usize {
        r.inner
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    #[tokio::test]
    async fn sqlite_connections_are_reused_bounded_and_survive_an_abandoned_read()
    -> sqlx::Result<()> {
        let dir = std::env::temp_dir().join(format!("mamori-readers-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let path = dir.join("r.db");
        let opts = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))?
            .create_if_missing(true);
        let policy = Policy {
            size: 2,
            keep_abandoned: true,
            test_after_idle: None,
        };
        let readers: Readers<sqlx::SqliteConnection> = Readers::open(opts, policy).await?;
        let one_value = |n: i64| sqlx::query_as::<_, (i64,)>("SELECT ?").bind(n);
        {
            let mut a = readers.acquire().await?;
            let mut b = readers.acquire().await?;
            let one = one_value(1).fetch_one(a.conn()?).await?;
            let two = one_value(2).fetch_one(b.conn()?).await?;
            assert_eq!((one.0, two.0), (1, 2));
            // Both are out: a third waits.
            let third = tokio::time::timeout(Duration::from_millis(50), readers.acquire()).await;
            assert!(third.is_err(), "a third reader was handed out");
        }
        assert_eq!(idle(&readers), 2, "both went back");
        // A long read abandoned half-way (its request dropped) leaves the
        // connection usable: the next read gets its own answer.
        {
            let mut c = readers.acquire().await?;
            let long = sqlx::query(
                "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n LIMIT 10000000) \
                 SELECT x FROM n",
            )
            .fetch_all(c.conn()?);
            let abandoned = tokio::time::timeout(Duration::from_millis(5), long).await;
            assert!(abandoned.is_err(), "the long read finished within 5 ms");
        }
        assert_eq!(idle(&readers), 2, "SQLite keeps the abandoned reader");
        let mut c = readers.acquire().await?;
        assert_eq!(one_value(3).fetch_one(c.conn()?).await?.0, 3);
        drop(c);
        readers.close().await;
        assert!(readers.acquire().await.is_err());
        let _ = std::fs::remove_dir_all(&dir);
        Ok(())
    }

    /// A PostgreSQL reader abandoned half-way is closed, not reused; one
    /// the server dropped while it was idle is replaced when tested.
    #[tokio::test]
    async fn postgres_readers_close_abandoned_reads_and_replace_dropped_connections()
    -> sqlx::Result<()> {
        let db = mamori_testkit::TestDb::postgres().await;
        let policy = Policy {
            size: 2,
            keep_abandoned: false,
            test_after_idle: Some(Duration::ZERO),
        };
        let readers: Readers<sqlx::PgConnection> =
            Readers::open(PgConnectOptions::from_str(&db.url)?, policy).await?;
        let backend =
            |n: i64| sqlx::query_as::<_, (i64, i32)>("SELECT $1::bigint, pg_backend_pid()").bind(n);
        let first = {
            let mut r = readers.acquire().await?;
            let (n, pid) = backend(1).fetch_one(r.conn()?).await?;
            assert_eq!(n, 1);
            r.done();
            pid
        };
        assert_eq!(
            idle(&readers),
            1,
            "a finished read gives its connection back"
        );
        {
            let mut r = readers.acquire().await?;
            let long = sqlx::query("SELECT pg_sleep(5)").execute(r.conn()?);
            let abandoned = tokio::time::timeout(Duration::from_millis(50), long).await;
            assert!(abandoned.is_err(), "the long read finished within 50 ms");
        }
        assert_eq!(idle(&readers), 0, "the abandoned connection is closed");
        // The server drops an idle connection: the next reader is a new one.
        let second = {
            let mut r = readers.acquire().await?;
            let (n, pid) = backend(2).fetch_one(r.conn()?).await?;
            assert_eq!(n, 2);
            assert_ne!(pid, first, "the abandoned connection was reused");
            r.done();
            pid
        };
        let mut admin = sqlx::PgConnection::connect(&db.url).await?;
        let (ended,): (bool,) = sqlx::query_as("SELECT pg_terminate_backend($1)")
            .bind(second)
            .fetch_one(&mut admin)
            .await?;
        assert!(ended);
        // Until the server has let it go (the signal is not the exit).
        for _ in 0..100 {
            let (alive,): (i64,) =
                sqlx::query_as("SELECT COUNT(*) FROM pg_stat_activity WHERE pid = $1")
                    .bind(second)
                    .fetch_one(&mut admin)
                    .await?;
            if alive == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let _ = admin.close().await;
        let mut r = readers.acquire().await?;
        let (n, pid) = backend(3).fetch_one(r.conn()?).await?;
        assert_eq!(n, 3);
        assert_ne!(pid, second);
        r.done();
        drop(r);
        readers.close().await;
        db.cleanup().await;
        Ok(())
    }
}
