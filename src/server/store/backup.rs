//! Backups and restores that clients cannot miss.
//!
//! A store's `epoch` names its history: a client's cursors are valid only within one epoch.
//! A restored backup holds an older history, and the seqs after the backup will be given to
//! new, different messages; a client that resumed its old cursors there would keep messages
//! the store no longer has. So a restored database always starts a new epoch, and every
//! client that resumes with the old one is told `epoch_changed`:
//!
//! - [`backup`] (`parlor backup FILE`) writes a consistent copy while the server runs
//!   (`VACUUM INTO`) and marks it as a backup (`meta.backup_of`);
//! - opening a marked database ([`take_backup_mark`], at every start) gives it a new epoch
//!   and removes the mark, so even a backup copied into place by hand is caught;
//! - [`restore`] (`parlor restore FILE`) puts a backup in place of the database, with a new
//!   epoch, and refuses while a server has the database open.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};
use sqlx::{AnyPool, Connection, SqliteConnection};

use super::{Backend, StoreError};

/// Why a backup or restore could not be made.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0} already exists; choose a new file")]
    Exists(PathBuf),
    #[error("{0} is not a Parlor database: {1}")]
    NotParlor(PathBuf, sqlx::Error),
    #[error("the database is in use (is the server running?); stop it first: {0}")]
    InUse(sqlx::Error),
    #[error("cannot put the backup in place: {0}")]
    Io(#[from] std::io::Error),
    #[error("parlor backup and restore work on SQLite; back PostgreSQL up with its own tools (docs/scaling.md)")]
    NotSqlite,
}

/// Backups here are SQLite files.
fn sqlite_only(database_url: &str) -> Result<(), BackupError> {
    match Backend::of_url(database_url) {
        Backend::Sqlite => Ok(()),
        Backend::Postgres => Err(BackupError::NotSqlite),
    }
}

impl From<sqlx::Error> for BackupError {
    fn from(e: sqlx::Error) -> BackupError {
        BackupError::Store(e.into())
    }
}

/// Writes a consistent copy of the database at `database_url` to `to` (a new file), marked
/// as a backup, while a server may be running: `VACUUM INTO` a file beside `to`, the mark,
/// then a rename, so that `to` never exists unmarked. It opens the database as it is, without
/// running migrations (a newer binary must not change the schema under an older server).
pub async fn backup(database_url: &str, to: &Path) -> Result<(), BackupError> {
    sqlite_only(database_url)?;
    if to.exists() {
        return Err(BackupError::Exists(to.to_owned()));
    }
    let live = SqliteConnectOptions::from_str(database_url)
        .map_err(StoreError::from)?
        .create_if_missing(false);
    let mut live = SqliteConnection::connect_with(&live).await?;
    let epoch: String = sqlx::query_scalar("SELECT value FROM meta WHERE key = 'epoch'")
        .fetch_one(&mut live)
        .await
        .map_err(|e| BackupError::NotParlor(PathBuf::from(database_url), e))?;
    let mut staged = to.as_os_str().to_owned();
    staged.push(".partial");
    let staged = PathBuf::from(staged);
    let _ = std::fs::remove_file(&staged);
    sqlx::query("VACUUM INTO ?")
        .bind(staged.to_string_lossy().into_owned())
        .execute(&mut live)
        .await?;
    live.close().await?;
    let mut copy = SqliteConnection::connect_with(&options(&staged)).await?;
    sqlx::query("INSERT OR REPLACE INTO meta (key, value) VALUES ('backup_of', ?)")
        .bind(epoch)
        .execute(&mut copy)
        .await?;
    copy.close().await?;
    std::fs::rename(&staged, to)?;
    Ok(())
}

/// At start-up: when the database is a backup (it carries the mark), gives it a new epoch and
/// removes the mark. Returns the epoch the store has from now on.
/// (On PostgreSQL nothing writes the mark yet: `parlor backup` refuses, and a dump restored
/// with `pg_restore` keeps its epoch; docs/scaling.md says so.)
pub async fn take_backup_mark(pool: &AnyPool, backend: Backend) -> Result<String, StoreError> {
    let mut tx = pool.begin().await?;
    let marked: Option<String> =
        sqlx::query_scalar("SELECT value FROM meta WHERE key = 'backup_of'")
            .fetch_optional(&mut *tx)
            .await?;
    if let Some(from) = marked {
        let fresh = match backend {
            Backend::Sqlite => NEW_EPOCH,
            Backend::Postgres => {
                "UPDATE meta SET value = md5(random()::text || clock_timestamp()::text) \
                 WHERE key = 'epoch'"
            }
        };
        sqlx::query(fresh).execute(&mut *tx).await?;
        sqlx::query("DELETE FROM meta WHERE key = 'backup_of'")
            .execute(&mut *tx)
            .await?;
        tracing::warn!(
            backup_of = %from,
            "this database was restored from a backup: it starts a new epoch, and clients \
             resuming from the old one are told epoch_changed"
        );
    }
    let epoch = sqlx::query_scalar("SELECT value FROM meta WHERE key = 'epoch'")
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(epoch)
}

/// Replaces the database at `database_url` with the backup `from`, under a new epoch. The
/// server must be stopped: the database may not be open anywhere else.
pub async fn restore(database_url: &str, from: &Path) -> Result<(), BackupError> {
    sqlite_only(database_url)?;
    let target = SqliteConnectOptions::from_str(database_url)
        .map_err(StoreError::from)?
        .get_filename()
        .to_owned();
    if target.exists() {
        // Leaving WAL mode needs the only connection to the file: it fails (at once, with
        // no busy timeout) while a server has it open, and checkpoints the log otherwise.
        let live = SqliteConnectOptions::new()
            .filename(&target)
            .busy_timeout(Duration::ZERO);
        let mut live = SqliteConnection::connect_with(&live)
            .await
            .map_err(BackupError::InUse)?;
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode = DELETE")
            .fetch_one(&mut live)
            .await
            .map_err(BackupError::InUse)?;
        live.close().await?;
        if !mode.eq_ignore_ascii_case("delete") {
            return Err(BackupError::InUse(sqlx::Error::Protocol(format!(
                "the database stays in {mode} mode"
            ))));
        }
    }
    let mut staged = target.clone().into_os_string();
    staged.push(".restoring");
    let staged = PathBuf::from(staged);
    std::fs::copy(from, &staged)?;
    let mut copy = SqliteConnection::connect_with(&options(&staged).create_if_missing(false))
        .await
        .map_err(|e| BackupError::NotParlor(from.to_owned(), e))?;
    let mut tx = copy.begin().await?;
    new_epoch(&mut tx).await.map_err(|e| match e {
        StoreError::Db(e) => BackupError::NotParlor(from.to_owned(), e),
        other => other.into(),
    })?;
    sqlx::query("DELETE FROM meta WHERE key = 'backup_of'")
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    copy.close().await?;
    for stale in ["-wal", "-shm"] {
        let mut path = target.clone().into_os_string();
        path.push(stale);
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
            _ => {}
        }
    }
    std::fs::rename(&staged, &target)?;
    Ok(())
}

const NEW_EPOCH: &str = "UPDATE meta SET value = lower(hex(randomblob(16))) WHERE key = 'epoch'";

async fn new_epoch(conn: &mut SqliteConnection) -> Result<(), StoreError> {
    let changed = sqlx::query(NEW_EPOCH).execute(conn).await?;
    if changed.rows_affected() == 1 {
        Ok(())
    } else {
        Err(StoreError::Db(sqlx::Error::RowNotFound))
    }
}

fn options(path: &Path) -> SqliteConnectOptions {
    SqliteConnectOptions::new()
        .filename(path)
        .journal_mode(SqliteJournalMode::Delete)
}
