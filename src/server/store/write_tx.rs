//! The write transaction every multi-statement write runs in.
//!
//! It takes the write lock at once (`BEGIN IMMEDIATE`): a deferred transaction that reads,
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

use std::ops::{Deref, DerefMut};

use sqlx::pool::PoolConnection;
use sqlx::{Sqlite, SqliteConnection, SqlitePool};
use tokio::sync::OwnedMutexGuard;

use super::StoreError;

pub struct WriteTx {
    conn: PoolConnection<Sqlite>,
    /// Whether the transaction ended cleanly (committed or rolled back).
    ended: bool,
    /// The store's write gate, held until the transaction ends (see `Store::gate`).
    _gate: OwnedMutexGuard<()>,
}

impl WriteTx {
    /// Passes the write gate, takes a connection from the pool and begins an immediate
    /// transaction on it.
    pub async fn begin(
        pool: &SqlitePool,
        gate: OwnedMutexGuard<()>,
    ) -> Result<WriteTx, StoreError> {
        let mut conn = pool.acquire().await?;
        sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await?;
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
    type Target = SqliteConnection;

    fn deref(&self) -> &SqliteConnection {
        &self.conn
    }
}

impl DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
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
