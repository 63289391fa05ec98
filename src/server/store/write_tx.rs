//! The write transaction every multi-statement write runs in.
//!
//! On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`): a deferred transaction that reads,
//! then writes, fails outright (SQLITE_BUSY, no waiting) when another writer committed in
//! between; an immediate one waits its turn, up to `busy_timeout_secs`.
//!
//! It is not sqlx's `Transaction` because of what happens when a commit fails. After
//! SQLITE_FULL (a full disk) and some I/O errors, SQLite rolls the transaction back by
//! itself; sqlx's rollback on drop then fails, and the pooled connection is left believing it
//! is still inside a transaction, so every later `BEGIN IMMEDIATE` on it fails ("non-zero
//! transaction depth") and writes never resume. Here, a transaction that ends without
//! `COMMIT` or `ROLLBACK` succeeding closes its connection instead of returning it to the
//! pool; closing rolls back whatever SQLite still holds. `tests/faults.rs` fills a real disk.
//!
//! On PostgreSQL it is a plain `BEGIN` (read committed): the statements that need a row to
//! stay put take its lock (`FOR UPDATE`, or the `UPDATE` itself), so writers on several
//! nodes queue on the rows they share and nothing else.

use std::ops::{Deref, DerefMut};

use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool};
use tokio::sync::OwnedMutexGuard;

use super::{Backend, StoreError};

pub struct WriteTx {
    conn: PoolConnection<Any>,
    /// Whether the transaction ended cleanly (committed or rolled back).
    ended: bool,
    /// The store's write gate, held until the transaction ends (see `Store::gate`).
    _gate: OwnedMutexGuard<()>,
}

impl WriteTx {
    /// Passes the write gate, takes a connection from the pool and begins a transaction on
    /// it (an immediate one on SQLite).
    pub async fn begin(
        pool: &AnyPool,
        backend: Backend,
        gate: OwnedMutexGuard<()>,
    ) -> Result<WriteTx, StoreError> {
        let mut conn = pool.acquire().await?;
        sqlx::query(backend.begin()).execute(&mut *conn).await?;
        Ok(WriteTx {
            conn,
            ended: false,
            _gate: gate,
        })
    }

    pub async fn commit(mut self) -> Result<(), StoreError> {
        sqlx::query("COMMIT").execute(&mut *self.conn).await?;
        self.ended = true;
        Ok(())
    }

    /// Ends the transaction without writing anything (a refusal found inside it).
    pub async fn rollback(mut self) -> Result<(), StoreError> {
        sqlx::query("ROLLBACK").execute(&mut *self.conn).await?;
        self.ended = true;
        Ok(())
    }
}

impl Deref for WriteTx {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        &self.conn
    }
}

impl DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.conn
    }
}

impl Drop for WriteTx {
    fn drop(&mut self) {
        if !self.ended {
            self.conn.close_on_drop();
        }
    }
}
