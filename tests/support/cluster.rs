//! Several Parlor nodes on one PostgreSQL database and one Redis: the harness of
//! `tests/cluster.rs` and `tests/cluster_faults.rs`.
//!
//! PostgreSQL is the test server `TEST_POSTGRES_URL` names (`scripts/services.sh`
//! starts it), with a fresh database per cluster. Redis is either the shared test server
//! (`TEST_REDIS_URL`, each cluster under a channel prefix of its own) or a
//! `redis-server` of the test's own, which it may kill, pause and restart.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use parlor::server::config::Config;

use super::TestServer;

/// The variables `scripts/services.sh` exports.
const POSTGRES_VAR: &str = "TEST_POSTGRES_URL";
const REDIS_VAR: &str = "TEST_REDIS_URL";

fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!(
            "{name} is not set: the cluster tests need PostgreSQL and Redis. Start them with \
             `eval \"$(scripts/services.sh start)\"` (make test does)"
        )
    })
}

fn random_name() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{:x}{}{n}", t & 0xffff_ffff, std::process::id())
}

/// A new, empty database on the test PostgreSQL server; its URL.
pub async fn postgres_database() -> String {
    let admin = var(POSTGRES_VAR);
    postgres_database_on(&admin).await
}

/// A new, empty database on the server at `admin` (a URL to any database there).
pub async fn postgres_database_on(admin: &str) -> String {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(admin)
        .await
        .expect("connect to the test PostgreSQL server");
    let name = format!("parlor_cluster_{}", random_name());
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .expect("create a database");
    let base = admin.rsplit_once('/').map_or(admin, |(base, _)| base);
    format!("{base}/{name}")
}

/// Where a cluster's nodes meet: a database, a Redis URL and a channel prefix.
#[derive(Clone, Debug)]
pub struct Meeting {
    pub database_url: String,
    pub redis_url: String,
    pub prefix: String,
}

impl Meeting {
    /// A fresh database, and the shared test Redis under a prefix of its own.
    pub async fn shared() -> Meeting {
        Meeting {
            database_url: postgres_database().await,
            redis_url: var(REDIS_VAR),
            prefix: format!("t{}:", random_name()),
        }
    }

    /// The settings of node `name` of this meeting (tests also lift the flood limits).
    pub fn tune(&self, name: &str) -> impl FnOnce(&mut Config) {
        let (db, redis, prefix) = (
            self.database_url.clone(),
            self.redis_url.clone(),
            self.prefix.clone(),
        );
        let node = name.to_owned();
        move |c: &mut Config| {
            c.database_url = db;
            c.redis_url = redis;
            c.bus_prefix = prefix;
            c.node_id = node;
            c.bus_probe_ms = 200;
            c.bus_reconcile_ms = 500;
            c.presence_refresh_ms = 500;
        }
    }

    /// The same settings as `PARLOR_*` variables, for a node in its own process.
    pub fn env(&self, name: &str) -> Vec<(&'static str, String)> {
        vec![
            ("PARLOR_DATABASE_URL", self.database_url.clone()),
            ("PARLOR_REDIS_URL", self.redis_url.clone()),
            ("PARLOR_BUS_PREFIX", self.prefix.clone()),
            ("PARLOR_NODE_ID", name.to_owned()),
            ("PARLOR_BUS_PROBE_MS", "200".into()),
            ("PARLOR_BUS_RECONCILE_MS", "500".into()),
            ("PARLOR_PRESENCE_REFRESH_MS", "500".into()),
        ]
    }

    /// Node `name`, in this process.
    pub async fn node(&self, name: &str) -> (TestServer, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("temp dir");
        let server = TestServer::start_in(dir.path(), self.tune(name)).await;
        (server, dir)
    }
}

/// A `redis-server` of the test's own on a free port of 127.0.0.1, which the test may
/// kill, restart, pause and cut; stopped when dropped.
pub struct Redis {
    pub port: u16,
    child: Option<std::process::Child>,
    dir: tempfile::TempDir,
}

impl Redis {
    pub fn start() -> Redis {
        let port = free_port();
        let dir = tempfile::tempdir().expect("temp dir");
        let mut redis = Redis {
            port,
            child: None,
            dir,
        };
        redis.restart();
        redis
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// Starts the server again on the same port (after [`Redis::kill`]).
    pub fn restart(&mut self) {
        let child = std::process::Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(self.dir.path())
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("start redis-server (scripts/services.sh installs it)");
        self.child = Some(child);
        for _ in 0..100 {
            if self.cli(&["PING"]).trim() == "PONG" {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("redis-server did not answer on port {}", self.port);
    }

    /// `kill -9`: the server is gone at once.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Runs `redis-cli` against this server; its output.
    pub fn cli(&self, args: &[&str]) -> String {
        let out = std::process::Command::new("redis-cli")
            .args(["-p", &self.port.to_string()])
            .args(args)
            .output()
            .expect("redis-cli");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A PostgreSQL server of the test's own (initdb in a temp dir, as Debian's `postgres`
/// user when the tests run as root), which the test may stop with `-m immediate`.
pub struct Postgres {
    pub port: u16,
    data: PathBuf,
    _dir: tempfile::TempDir,
}

const PG_BIN: &str = "/usr/lib/postgresql/15/bin";

impl Postgres {
    pub fn start() -> Postgres {
        let dir = tempfile::tempdir().expect("temp dir");
        let data = dir.path().join("pg");
        as_postgres_owner(dir.path());
        let initdb = pg_command("initdb")
            .arg("-D")
            .arg(&data)
            .args([
                "-A",
                "trust",
                "-U",
                "parlor",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
            ])
            .output()
            .expect("initdb");
        assert!(initdb.status.success(), "initdb: {initdb:?}");
        let pg = Postgres {
            port: free_port(),
            data,
            _dir: dir,
        };
        pg.up();
        pg
    }

    /// A URL to its `postgres` database.
    pub fn admin_url(&self) -> String {
        format!("postgres://parlor@127.0.0.1:{}/postgres", self.port)
    }

    /// Starts the server (again).
    pub fn up(&self) {
        let options = format!(
            "-c listen_addresses=127.0.0.1 -c port={} -c unix_socket_directories={}",
            self.port,
            self.data.parent().expect("dir").display()
        );
        let out = pg_command("pg_ctl")
            .arg("-D")
            .arg(&self.data)
            .args(["-w", "-o", &options, "-l"])
            .arg(self.data.parent().expect("dir").join("pg.log"))
            .arg("start")
            .output()
            .expect("pg_ctl start");
        assert!(out.status.success(), "pg_ctl start: {out:?}");
    }

    /// `pg_ctl stop -m immediate`: no checkpoint, as a crash.
    pub fn crash(&self) {
        let out = pg_command("pg_ctl")
            .arg("-D")
            .arg(&self.data)
            .args(["-m", "immediate", "stop"])
            .output()
            .expect("pg_ctl stop");
        assert!(out.status.success(), "pg_ctl stop: {out:?}");
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = pg_command("pg_ctl")
            .arg("-D")
            .arg(&self.data)
            .args(["-m", "immediate", "stop"])
            .output();
    }
}

fn is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

/// A PostgreSQL program, run as `postgres` when we are root (it refuses root).
fn pg_command(program: &str) -> std::process::Command {
    let path = format!("{PG_BIN}/{program}");
    if is_root() {
        let mut c = std::process::Command::new("runuser");
        c.args(["-u", "postgres", "--", &path]);
        c
    } else {
        std::process::Command::new(path)
    }
}

/// Lets Debian's `postgres` user write into `dir` when we are root.
fn as_postgres_owner(dir: &std::path::Path) {
    if is_root() {
        let out = std::process::Command::new("chown")
            .args(["-R", "postgres"])
            .arg(dir)
            .output()
            .expect("chown");
        assert!(out.status.success(), "chown: {out:?}");
    }
}

/// A port of 127.0.0.1 nobody listens on now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a: SocketAddr| a.port())
        .expect("a free port")
}
