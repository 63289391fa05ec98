//! The store: every SQL query lives under this module.
//!
//! The methods speak in the crate's own types ([`crate::protocol`], [`crate::model`]) and
//! never leak a database's types. Two backends stand behind the one method set, chosen by
//! `database_url`: SQLite (`sqlite://…`, the embedded default) and PostgreSQL
//! (`postgres://…`, for several nodes). Both run the same SQL through sqlx's `Any` driver
//! (`$n` parameters, which SQLite accepts too); the few places where the dialects differ ask
//! [`Backend`] for their fragment. Each file holds the queries of one table family.

mod accounts;
mod backend;
pub mod backup;
mod consent;
mod hosts;
mod messages;
mod moderation;
mod rooms;
mod search;
mod sessions;
mod webhooks;
mod write_tx;

use std::path::Path;
use std::sync::Arc;

use sqlx::AnyPool;

pub use accounts::{NewUser, UserRow};
pub use backend::Backend;
pub use consent::InviteOutcome;
pub use hosts::{HostProfile, HostRoom, HostRoomUnread, HostSignIn, HostSignedIn, SYSTEM_SUB};
pub use messages::{Action, SendOutcome, SendRequest};
pub use rooms::{JoinOutcome, ReadState};
pub use sessions::SessionUser;
pub use webhooks::{Attempt, Delivery, OutboxBacklog};
use write_tx::WriteTx;

use crate::server::config::Config;

/// What went wrong in the store. The cause is logged at the edge; clients see only
/// `store_unavailable`.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("cannot create the database directory {path}: {source}")]
    Directory {
        path: String,
        source: std::io::Error,
    },
}

/// A handle on the database; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// Every write of this process passes this gate, one at a time (see [`Store::gate`]).
    gate: Arc<tokio::sync::Mutex<()>>,
    epoch: Arc<str>,
    /// The write-ahead log's path (`<database>-wal`), when the store knows its file.
    wal: Option<Arc<Path>>,
    /// The hosts with a `webhook_url`: their events are written to the outbox.
    webhook_hosts: Arc<[String]>,
    /// The server's own user ([`SYSTEM_USERNAME`]), made by the migrations.
    system_user: crate::protocol::UserId,
}

/// The username of the server's own user, the sender of the rows it writes itself (a
/// message hidden by its reports). ':' is in no account's name, and a host user's starts
/// with its host.
pub const SYSTEM_USERNAME: &str = ":parlor";

impl Store {
    /// Opens the database `database_url` names (creating a SQLite file when missing, in WAL
    /// mode) and runs its backend's migrations.
    pub async fn open(config: &Config) -> Result<Store, StoreError> {
        let backend = Backend::of_url(&config.database_url);
        let (pool, wal) = backend.connect(config).await?;
        let store = Store::from_pool(pool, backend).await?;
        let hooked = config.hosts.iter().filter(|h| !h.webhook_url.is_empty());
        Ok(Store {
            wal: wal.map(Arc::from),
            webhook_hosts: hooked.map(|h| h.id.clone()).collect(),
            ..store
        })
    }

    /// Wraps an open pool of `backend` and runs its migrations.
    pub async fn from_pool(pool: AnyPool, backend: Backend) -> Result<Store, StoreError> {
        backend.migrate(&pool).await?;
        let epoch = backup::take_backup_mark(&pool, backend).await?;
        let system_user = sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
            .bind(SYSTEM_USERNAME)
            .fetch_one(&pool)
            .await?;
        let store = Store {
            pool,
            backend,
            gate: Arc::default(),
            epoch: epoch.into(),
            wal: None,
            webhook_hosts: Arc::new([]),
            system_user,
        };
        store.backfill_search().await?;
        Ok(store)
    }

    /// The same store, writing webhook events for these hosts (tests; `open` takes them
    /// from the config).
    pub fn with_webhook_hosts(self, hosts: &[&str]) -> Store {
        Store {
            webhook_hosts: hosts.iter().map(|h| (*h).to_owned()).collect(),
            ..self
        }
    }

    /// A write transaction (`BEGIN IMMEDIATE` on SQLite); see [`WriteTx`] for why it is not
    /// sqlx's.
    async fn write_tx(&self) -> Result<WriteTx, StoreError> {
        WriteTx::begin(&self.pool, self.backend, self.gate().await).await
    }

    /// Which database this store runs on.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The write gate. SQLite takes one writer at a time, and a pooled connection that finds
    /// the write lock taken sleeps in SQLite's busy handler (1, 2, 5, 10… ms) before it
    /// tries again: two of this process's own writes colliding cost a group commit tens of
    /// milliseconds. So every write here waits its turn on this in-process queue instead, and
    /// the busy handler is left for other processes (a `parlor backup`, an operator's
    /// `sqlite3`).
    async fn gate(&self) -> tokio::sync::OwnedMutexGuard<()> {
        self.gate.clone().lock_owned().await
    }

    /// The identity of this database: cursors from another epoch are not resumable.
    pub fn epoch(&self) -> &str {
        &self.epoch
    }

    /// The size of the write-ahead log in bytes (0 when there is none, or the store has no
    /// file of its own).
    pub fn wal_bytes(&self) -> u64 {
        self.wal
            .as_deref()
            .and_then(|wal| std::fs::metadata(wal).ok())
            .map_or(0, |m| m.len())
    }

    /// Closes every connection (SQLite checkpoints the log as the last one goes). Any later
    /// query fails.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Copies the write-ahead log back into the database (`PRAGMA wal_checkpoint(PASSIVE)`),
    /// as far as readers allow, without blocking writers. SQLite would otherwise checkpoint
    /// inside whichever commit crosses 1,000 pages of log, and that commit (and every send
    /// in its batch) would wait for the checkpoint's flush to disk, tens of milliseconds.
    /// The server calls this every second from a task of its own.
    /// On PostgreSQL, which checkpoints by itself, it does nothing.
    pub async fn checkpoint(&self) -> Result<(), StoreError> {
        if self.backend != Backend::Sqlite {
            return Ok(());
        }
        sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Whether the database answers a trivial query.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}

/// Milliseconds since the Unix epoch, for `created_at` columns (display only) and for the
/// ends of mutes, bans and sessions.
pub fn now_ms() -> i64 {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since.as_millis())
        .unwrap_or(i64::MAX)
        .saturating_add(CLOCK_AHEAD_MS.load(std::sync::atomic::Ordering::Relaxed))
}

/// How far [`now_ms`] runs ahead of the system clock: always 0 in a server.
static CLOCK_AHEAD_MS: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);

/// Moves this process's store clock forward by `ms`, for tests that wait out a mute or a
/// block without sleeping. Nothing in the server calls it.
#[doc(hidden)]
pub fn advance_clock_for_tests(ms: i64) {
    CLOCK_AHEAD_MS.fetch_add(ms, std::sync::atomic::Ordering::Relaxed);
}

/// `n` random bytes in lowercase hex.
fn random_hex(n: usize) -> String {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    let mut bytes = vec![0u8; n];
    OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A value as JSON text, bound as one parameter and read back as rows by
/// [`Backend`]'s row sources.
fn json_param<T: serde::Serialize + ?Sized>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Db(sqlx::Error::Encode(Box::new(e))))
}

/// Whether a database error is a UNIQUE constraint violation.
fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

#[cfg(test)]
pub(crate) mod testing;
#[cfg(test)]
mod two_writers;

/// A user for store tests, named `name`.
#[cfg(test)]
async fn test_user(store: &Store, name: &str) -> crate::protocol::UserId {
    store
        .create_user(NewUser {
            username: name,
            display_name: name,
            password_hash: "x",
        })
        .await
        .expect("query")
        .expect("new user")
        .id
}
