//! One store suite, two backends: each test of `server::store` is an `async fn(Store)`, and
//! [`on_both_backends!`] runs it once on a fresh SQLite file and once on a fresh PostgreSQL
//! database.
//!
//! PostgreSQL comes from `TEST_POSTGRES_URL`, the URL of a server where the test user may
//! create databases (`make test` starts one: `scripts/services.sh`). Without it the
//! PostgreSQL half fails and says so: a suite that skipped a backend would prove nothing.

use sqlx::any::AnyPoolOptions;

use super::{random_hex, Backend, Store};

/// The variable that names the test PostgreSQL server.
pub const POSTGRES_VAR: &str = "TEST_POSTGRES_URL";

/// A store on a new SQLite file (kept while the directory lives).
pub async fn sqlite() -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = crate::server::config::Config {
        database_url: format!("sqlite://{}", dir.path().join("parlor.db").display()),
        ..crate::server::config::Config::default()
    };
    (Store::open(&config).await.expect("sqlite store"), dir)
}

/// A store on a new, empty PostgreSQL database.
pub async fn postgres() -> Store {
    let url = new_postgres_database().await;
    let config = crate::server::config::Config {
        database_url: url,
        ..crate::server::config::Config::default()
    };
    let store = Store::open(&config).await.expect("postgres store");
    assert_eq!(store.backend(), Backend::Postgres);
    store
}

/// Two stores on one new database, as two nodes would have: two SQLite pools on one file,
/// or two PostgreSQL pools on one database.
pub async fn pair(backend: Backend) -> (Store, Store, Option<tempfile::TempDir>) {
    let (url, dir) = match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}", dir.path().join("parlor.db").display());
            (url, Some(dir))
        }
        Backend::Postgres => (new_postgres_database().await, None),
    };
    let config = crate::server::config::Config {
        database_url: url,
        ..crate::server::config::Config::default()
    };
    let a = Store::open(&config).await.expect("first store");
    let b = Store::open(&config).await.expect("second store");
    (a, b, dir)
}

/// Creates a database on the test server and returns its URL.
pub async fn new_postgres_database() -> String {
    let admin = std::env::var(POSTGRES_VAR).unwrap_or_else(|_| {
        panic!(
            "{POSTGRES_VAR} is not set: the store tests run on PostgreSQL too. Start one with \
             `eval \"$(scripts/services.sh start)\"` (make test does)"
        )
    });
    sqlx::any::install_default_drivers();
    let pool = AnyPoolOptions::new()
        .max_connections(1)
        .connect(&admin)
        .await
        .expect("connect to the test PostgreSQL server");
    let name = format!("parlor_test_{}", random_hex(6));
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&pool)
        .await
        .expect("create a test database");
    pool.close().await;
    let base = admin
        .rsplit_once('/')
        .map_or(admin.as_str(), |(base, _)| base);
    format!("{base}/{name}")
}

/// Runs each named `async fn(Store)` of the enclosing module on both backends, as the tests
/// `<name>::sqlite` and `<name>::postgres`.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test]
                async fn sqlite() {
                    let (store, _dir) = $crate::server::store::testing::sqlite().await;
                    super::$name(store).await;
                }

                #[tokio::test]
                async fn postgres() {
                    super::$name($crate::server::store::testing::postgres().await).await;
                }
            }
        )*
    };
}
pub(crate) use on_both_backends;
