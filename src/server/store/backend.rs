//! The two databases behind [`super::Store`], and the few SQL fragments where they differ.
//!
//! Every query of the store is written once, in the SQL both speak: `$n` parameters,
//! `ON CONFLICT`, `RETURNING`, `CASE` instead of SQLite's two-argument `MAX`. What remains
//! is asked of [`Backend`]: how a JSON array bound as text becomes rows (`json_each` on
//! SQLite, `jsonb_array_elements` on PostgreSQL), and how a write transaction begins.

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use sqlx::any::AnyPoolOptions;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{AnyPool, Executor};

use super::StoreError;
use crate::server::config::{Config, Synchronous};

/// Connections per pool: SQLite writes one at a time (the rest read); PostgreSQL serves
/// several nodes, each with its own pool.
const SQLITE_CONNECTIONS: u32 = 8;
const POSTGRES_CONNECTIONS: u32 = 16;

/// Which database a store runs on, chosen by the scheme of `database_url`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// `sqlite://path`: one file, one server (the default of `make run`).
    Sqlite,
    /// `postgres://…`: the shared store of several nodes.
    Postgres,
}

impl Backend {
    /// The backend a database URL names: `postgres://` or `postgresql://`, else SQLite.
    pub fn of_url(url: &str) -> Backend {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }

    /// Opens the pool; for SQLite also the path of its write-ahead log.
    pub(super) async fn connect(
        self,
        config: &Config,
    ) -> Result<(AnyPool, Option<PathBuf>), StoreError> {
        sqlx::any::install_default_drivers();
        match self {
            Backend::Postgres => {
                let pool = AnyPoolOptions::new()
                    .max_connections(POSTGRES_CONNECTIONS)
                    .acquire_timeout(Duration::from_secs(config.busy_timeout_secs.max(1)))
                    .connect(&config.database_url)
                    .await?;
                Ok((pool, None))
            }
            Backend::Sqlite => {
                let url = &config.database_url;
                let file = SqliteConnectOptions::from_str(url)?
                    .get_filename()
                    .to_owned();
                if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(|source| StoreError::Directory {
                        path: dir.display().to_string(),
                        source,
                    })?;
                }
                let mut wal = file.into_os_string();
                wal.push("-wal");
                let separator = if url.contains('?') { '&' } else { '?' };
                let pragmas = sqlite_pragmas(config);
                let pool = AnyPoolOptions::new()
                    .max_connections(SQLITE_CONNECTIONS)
                    .after_connect(move |conn, _| {
                        let pragmas = pragmas.clone();
                        Box::pin(async move {
                            for pragma in pragmas {
                                conn.execute(pragma.as_str()).await?;
                            }
                            Ok(())
                        })
                    })
                    .connect(&format!("{url}{separator}mode=rwc"))
                    .await?;
                Ok((pool, Some(PathBuf::from(wal))))
            }
        }
    }

    /// Runs this backend's migrations (`migrations/sqlite` or `migrations/postgres`).
    pub(super) async fn migrate(self, pool: &AnyPool) -> Result<(), StoreError> {
        match self {
            Backend::Sqlite => sqlx::migrate!("./migrations/sqlite").run(pool).await?,
            Backend::Postgres => sqlx::migrate!("./migrations/postgres").run(pool).await?,
        }
        Ok(())
    }

    /// The statement that opens a write transaction. SQLite's takes the write lock at once
    /// (see `WriteTx`); PostgreSQL's takes row locks as its statements reach them.
    pub(super) fn begin(self) -> &'static str {
        match self {
            Backend::Sqlite => "BEGIN IMMEDIATE",
            Backend::Postgres => "BEGIN",
        }
    }

    /// The condition "`users.username` is the name at `param`, in any ASCII letter case"
    /// (SQLite's column is `COLLATE NOCASE`; PostgreSQL's index is on `lower(username)`).
    pub(super) fn username_is(self, param: &str) -> String {
        match self {
            Backend::Sqlite => format!("username = {param}"),
            Backend::Postgres => format!("lower(username) = lower({param})"),
        }
    }

    /// The clause that locks the selected rows until the transaction ends (PostgreSQL);
    /// nothing on SQLite, whose write transaction holds the whole file.
    pub(super) fn lock_for_update(self) -> &'static str {
        match self {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE",
        }
    }

    /// The clause that locks the selected rows and skips those another transaction holds
    /// (PostgreSQL: several nodes claim work from one table); nothing on SQLite, whose write
    /// transaction holds the whole file.
    pub(super) fn skip_locked(self) -> &'static str {
        match self {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        }
    }

    /// On PostgreSQL, a statement that holds a lock named by the text at `param` until the
    /// transaction ends (`pg_advisory_xact_lock`): writers on several nodes that would check
    /// and then insert the same row queue on it. `None` on SQLite, where the write
    /// transaction already excludes every other.
    pub(super) fn key_lock(self, param: &str) -> Option<String> {
        match self {
            Backend::Sqlite => None,
            Backend::Postgres => Some(format!("SELECT pg_advisory_xact_lock(hashtext({param}))")),
        }
    }

    /// A row source for a JSON array of integers bound as text at `param` (`$1`): one row
    /// per element, its column `value` a 64-bit integer.
    pub(super) fn int_rows(self, param: &str) -> String {
        match self {
            Backend::Sqlite => format!("(SELECT value FROM json_each({param}))"),
            Backend::Postgres => {
                format!("(SELECT value::bigint AS value FROM jsonb_array_elements_text({param}::jsonb))")
            }
        }
    }

    /// A row source for a JSON array of strings bound as text at `param`: column `value`.
    pub(super) fn text_rows(self, param: &str) -> String {
        match self {
            Backend::Sqlite => format!("(SELECT value FROM json_each({param}))"),
            Backend::Postgres => {
                format!("(SELECT value FROM jsonb_array_elements_text({param}::jsonb))")
            }
        }
    }

    /// A row source for a JSON array of arrays bound as text at `param`: one row per inner
    /// array, with its elements as the columns `cols` names, in order (each a 64-bit
    /// integer, or text).
    pub(super) fn tuple_rows(self, param: &str, cols: &[Col]) -> String {
        let columns: Vec<String> = cols
            .iter()
            .enumerate()
            .map(|(i, col)| match (self, col) {
                (Backend::Sqlite, Col::Int(name) | Col::Text(name)) => {
                    format!("value ->> {i} AS {name}")
                }
                (Backend::Postgres, Col::Int(name)) => format!("(value ->> {i})::bigint AS {name}"),
                (Backend::Postgres, Col::Text(name)) => format!("value ->> {i} AS {name}"),
            })
            .collect();
        let columns = columns.join(", ");
        match self {
            Backend::Sqlite => format!("(SELECT {columns} FROM json_each({param}))"),
            Backend::Postgres => {
                format!("(SELECT {columns} FROM jsonb_array_elements({param}::jsonb))")
            }
        }
    }

    /// The function that builds a JSON object from key, value, … arguments.
    pub(super) fn json_object(self) -> &'static str {
        match self {
            Backend::Sqlite => "json_object",
            Backend::Postgres => "json_build_object",
        }
    }

    /// `expr` (a JSON object built by [`Backend::json_object`]) as text.
    pub(super) fn json_text(self, expr: &str) -> String {
        match self {
            Backend::Sqlite => expr.to_owned(),
            Backend::Postgres => format!("({expr})::text"),
        }
    }

    /// An expression of `prefix` followed by 24 random lowercase hex digits.
    pub(super) fn random_id(self, prefix: &str) -> String {
        match self {
            Backend::Sqlite => format!("'{prefix}' || lower(hex(randomblob(12)))"),
            Backend::Postgres => format!(
                "'{prefix}' || substr(md5(random()::text || clock_timestamp()::text), 1, 24)"
            ),
        }
    }
}

/// One column of [`Backend::tuple_rows`].
#[derive(Clone, Copy, Debug)]
pub(super) enum Col {
    Int(&'static str),
    Text(&'static str),
}

/// The pragmas every SQLite connection starts with: the write-ahead log, the configured
/// sync, foreign keys, the busy timeout, and no checkpoint inside a commit (see
/// `Store::checkpoint`).
fn sqlite_pragmas(config: &Config) -> Vec<String> {
    let synchronous = match config.synchronous {
        Synchronous::Full => "FULL",
        Synchronous::Normal => "NORMAL",
    };
    vec![
        "PRAGMA journal_mode = WAL".to_owned(),
        format!("PRAGMA synchronous = {synchronous}"),
        "PRAGMA foreign_keys = ON".to_owned(),
        format!(
            "PRAGMA busy_timeout = {}",
            config.busy_timeout_secs.saturating_mul(1000)
        ),
        "PRAGMA wal_autocheckpoint = 0".to_owned(),
    ]
}
