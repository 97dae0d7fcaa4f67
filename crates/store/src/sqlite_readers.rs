//! SQLite's reading connections.
//!
//! sqlx runs each SQLite connection on a worker thread of its own, and its
//! pool tests every connection it takes back with a round trip to that
//! thread (a "ping", in a task spawned for it). For a read of one row that
//! doubled the thread hand-overs, which were the larger part of a single
//! record's time (see docs/performance.md, eleventh run). These readers are
//! handed out and taken back without that round trip: a read is one command
//! to the worker, and the worker runs the commands it is sent in order, so a
//! connection whose last read was abandoned half-way (a dropped request)
//! finishes it before it serves the next one. Readers never open a
//! transaction (writes go through the single writer, on sqlx's pool).

use std::sync::{Arc, Mutex, PoisonError};

use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{ConnectOptions, Connection};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// At most `size` connections, opened when first needed and kept.
#[derive(Clone)]
pub struct Readers {
    inner: Arc<Inner>,
}

struct Inner {
    options: SqliteConnectOptions,
    permits: Arc<Semaphore>,
    idle: Mutex<Vec<SqliteConnection>>,
}

impl std::fmt::Debug for Readers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Readers")
            .field("available", &self.inner.permits.available_permits())
            .finish_non_exhaustive()
    }
}

impl Readers {
    /// Opens the first connection at once, so that a database that cannot be
    /// opened is reported when connecting, not at the first read.
    pub(crate) async fn open(options: SqliteConnectOptions, size: usize) -> sqlx::Result<Self> {
        let first = options.connect().await?;
        Ok(Readers {
            inner: Arc::new(Inner {
                options,
                permits: Arc::new(Semaphore::new(size)),
                idle: Mutex::new(vec![first]),
            }),
        })
    }

    /// A connection for one read; it goes back to the others when dropped.
    pub(crate) async fn acquire(&self) -> sqlx::Result<Reader> {
        let permit = Arc::clone(&self.inner.permits)
            .acquire_owned()
            .await
            .map_err(|_| sqlx::Error::PoolClosed)?;
        let idle = self.take_idle();
        let conn = match idle {
            Some(c) => c,
            None => self.inner.options.connect().await?,
        };
        Ok(Reader {
            conn: Some(conn),
            readers: Arc::clone(&self.inner),
            _permit: permit,
        })
    }

    fn take_idle(&self) -> Option<SqliteConnection> {
        self.inner
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop()
    }

    /// Closes the idle connections and hands out no more.
    pub(crate) async fn close(&self) {
        self.inner.permits.close();
        while let Some(c) = self.take_idle() {
            // Closing a file handle that is going away anyway: an error
            // here has no one to tell.
            let _ = c.close().await;
        }
    }
}

/// One reading connection, borrowed from [`Readers`].
pub(crate) struct Reader {
    conn: Option<SqliteConnection>,
    readers: Arc<Inner>,
    _permit: OwnedSemaphorePermit,
}

impl Reader {
    /// The connection (always there until the reader is dropped).
    pub(crate) fn conn(&mut self) -> sqlx::Result<&mut SqliteConnection> {
        self.conn.as_mut().ok_or(sqlx::Error::PoolClosed)
    }
}

impl Drop for Reader {
    fn drop(&mut self) {
        if let Some(c) = self.conn.take()
            && !self.readers.permits.is_closed()
        {
            self.readers
                .idle
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(c);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;
    use std::time::Duration;

    #[tokio::test]
    async fn connections_are_reused_bounded_and_survive_an_abandoned_read() -> sqlx::Result<()> {
        let dir = std::env::temp_dir().join(format!("mamori-readers-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let path = dir.join("r.db");
        let opts = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))?
            .create_if_missing(true);
        let readers = Readers::open(opts, 2).await?;
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
        let idle = |r: &Readers| {
            r.inner
                .idle
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .len()
        };
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
        let mut c = readers.acquire().await?;
        assert_eq!(one_value(3).fetch_one(c.conn()?).await?.0, 3);
        drop(c);
        readers.close().await;
        assert!(readers.acquire().await.is_err());
        let _ = std::fs::remove_dir_all(&dir);
        Ok(())
    }
}
