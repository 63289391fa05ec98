//! The servers under test: each started as its own process on a free loopback port, with
//! its CPU time and memory read from `/proc`.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// Which server, and how it speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Parlor with `synchronous = FULL` (every message durable before fan-out).
    ParlorFull,
    /// Parlor with `synchronous = NORMAL`.
    ParlorNormal,
    /// axum + `tokio::sync::broadcast`, no storage, no auth.
    Naive,
    /// Node `ws`, no storage, no auth.
    NodeWs,
    /// Socket.IO, websocket transport, rooms; no storage, no auth.
    SocketIo,
    /// Parlor on PostgreSQL, one node (the store of a cluster, without the bus).
    ParlorPostgres,
    /// Two Parlor nodes on one PostgreSQL and one Redis: each room's publisher on one node,
    /// its members alternating between the two (so half the deliveries cross the bus).
    ParlorTwoNodes,
}

impl Kind {
    pub const ALL: [Kind; 7] = [
        Kind::ParlorFull,
        Kind::ParlorNormal,
        Kind::ParlorPostgres,
        Kind::ParlorTwoNodes,
        Kind::Naive,
        Kind::NodeWs,
        Kind::SocketIo,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::ParlorFull => "parlor (FULL)",
            Kind::ParlorNormal => "parlor (NORMAL)",
            Kind::Naive => "naive axum broadcast",
            Kind::NodeWs => "node ws",
            Kind::SocketIo => "socket.io",
            Kind::ParlorPostgres => "parlor (PostgreSQL, 1 node)",
            Kind::ParlorTwoNodes => "parlor (2 nodes, PostgreSQL + Redis)",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Kind::ParlorFull => "parlor-full",
            Kind::ParlorNormal => "parlor-normal",
            Kind::Naive => "naive",
            Kind::NodeWs => "ws",
            Kind::SocketIo => "socketio",
            Kind::ParlorPostgres => "parlor-pg",
            Kind::ParlorTwoNodes => "parlor-2nodes",
        }
    }

    pub fn is_parlor(self) -> bool {
        matches!(
            self,
            Kind::ParlorFull | Kind::ParlorNormal | Kind::ParlorPostgres | Kind::ParlorTwoNodes
        )
    }
}

/// Where the programs are.
pub struct Programs {
    pub parlor: PathBuf,
    pub naive: PathBuf,
    pub peers: PathBuf,
}

/// A running server.
pub struct Server {
    pub kind: Kind,
    /// The first node's address (the only one, but for `ParlorTwoNodes`).
    pub addr: String,
    /// Every node's address.
    pub addrs: Vec<String>,
    /// The nodes after the first.
    others: Vec<Child>,
    /// Parlor's operators' listener (`/metrics`), when it has one.
    #[allow(dead_code, reason = "read by the soak, which shares this file")]
    pub metrics_addr: Option<String>,
    child: Child,
    _dir: tempfile::TempDir,
}

impl Server {
    pub async fn start(kind: Kind, programs: &Programs) -> Server {
        let dir = tempfile::tempdir().expect("temp dir");
        let nodes = if kind == Kind::ParlorTwoNodes { 2 } else { 1 };
        let database_url = match kind {
            Kind::ParlorPostgres | Kind::ParlorTwoNodes => postgres_database(),
            _ => format!("sqlite://{}", dir.path().join("bench.db").display()),
        };
        let prefix = format!("bench{}:", std::process::id());
        let mut children = Vec::new();
        for node in 0..nodes {
            let mut command = match kind {
                Kind::Naive => Command::new(&programs.naive),
                Kind::NodeWs => self::node(&programs.peers, "ws-server.js"),
                Kind::SocketIo => self::node(&programs.peers, "socketio-server.js"),
                _ => parlor(programs, kind, dir.path(), &database_url),
            };
            if kind == Kind::ParlorTwoNodes {
                let redis = std::env::var("TEST_REDIS_URL")
                    .expect("TEST_REDIS_URL (scripts/bench.sh starts Redis)");
                command
                    .env("PARLOR_REDIS_URL", redis)
                    .env("PARLOR_BUS_PREFIX", &prefix)
                    .env("PARLOR_NODE_ID", format!("bench-{node}"));
            }
            let child = command
                .stdout(Stdio::piped())
                .kill_on_drop(true)
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {}: {e}", kind.name()));
            children.push(child);
        }
        let mut addrs = Vec::new();
        let mut metrics_addr = None;
        for child in &mut children {
            let (addr, metrics) = listening(kind, child).await;
            addrs.push(addr);
            metrics_addr = metrics_addr.or(metrics);
        }
        let mut children = children.into_iter();
        Server {
            kind,
            addr: addrs[0].clone(),
            addrs,
            metrics_addr,
            child: children.next().expect("a node"),
            others: children.collect(),
            _dir: dir,
        }
    }

    /// The node the `i`-th socket of a scenario goes to (round robin).
    pub fn addr_for(&self, i: usize) -> &str {
        &self.addrs[i % self.addrs.len()]
    }

    pub fn pid(&self) -> u32 {
        self.child.id().expect("running")
    }

    /// CPU seconds (user, system) and resident memory (current, peak) in bytes, summed
    /// over the nodes.
    pub fn usage(&self) -> Usage {
        let mut total = Usage::of(self.pid());
        for other in &self.others {
            let u = Usage::of(other.id().unwrap_or(0));
            total.user_s += u.user_s;
            total.sys_s += u.sys_s;
            total.rss += u.rss;
            total.peak_rss += u.peak_rss;
        }
        total
    }

    pub async fn stop(mut self) {
        for child in std::iter::once(&mut self.child).chain(self.others.iter_mut()) {
            let _ = child.start_kill();
            let _ = tokio::time::timeout(Duration::from_secs(5), child.wait()).await;
        }
    }
}

/// A Parlor node with the harness's settings.
fn parlor(programs: &Programs, kind: Kind, dir: &Path, database_url: &str) -> Command {
    let mut c = Command::new(&programs.parlor);
    let sync = if kind == Kind::ParlorNormal {
        "NORMAL"
    } else {
        "FULL"
    };
    c.env("PARLOR_LISTEN", "127.0.0.1:0")
        .env("PARLOR_METRICS_LISTEN", "127.0.0.1:0")
        // The harness signs up every member from one address.
        .env("PARLOR_SIGN_UPS_PER_HOUR", "1000000")
        .env("PARLOR_SIGN_IN_PER_MINUTE", "1000000")
        // One bench user creates every room (P2 has 100), and P4's users each open
        // hundreds of sockets, every one sending its `watch` at once.
        .env("PARLOR_ROOMS_PER_HOUR", "1000000")
        .env("PARLOR_FRAMES_PER_SECOND", "1000000")
        .env("PARLOR_DATABASE_URL", database_url)
        .env("PARLOR_SYNCHRONOUS", sync)
        // One publisher per room sends far faster than a person; the peers have no flood
        // limit either. The check itself still runs per message.
        .env("PARLOR_MESSAGES_PER_SECOND", "1000000")
        .env("PARLOR_MESSAGE_BURST", "1000000")
        // The harness opens one socket per member per room, as for the peers; Parlor's own
        // client uses one socket per tab for all rooms.
        .env("PARLOR_CONNECTIONS_PER_USER", "100000")
        .env("RUST_LOG", "error")
        .current_dir(dir);
    c
}

/// A new database on the test PostgreSQL server (`TEST_POSTGRES_URL`, which
/// scripts/bench.sh starts); its URL.
fn postgres_database() -> String {
    let admin = std::env::var("TEST_POSTGRES_URL")
        .expect("TEST_POSTGRES_URL (scripts/bench.sh starts PostgreSQL)");
    let name = format!(
        "parlor_bench_{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis())
    );
    let made = std::process::Command::new("psql")
        .args([
            admin.as_str(),
            "-q",
            "-c",
            &format!("CREATE DATABASE {name}"),
        ])
        .status()
        .expect("psql");
    assert!(made.success(), "cannot create the bench database");
    let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
    format!("{base}/{name}")
}

/// The app's (and Parlor's operators') address, from what the server prints first.
async fn listening(kind: Kind, child: &mut Child) -> (String, Option<String>) {
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let addr = loop {
        let line = lines
            .next_line()
            .await
            .expect("read stdout")
            .unwrap_or_else(|| panic!("{} exited before listening", kind.name()));
        if let Some(url) = line.split("http://").nth(1) {
            break url.trim().to_owned();
        }
    };
    let mut metrics_addr = None;
    if kind.is_parlor() {
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(rest) = line.strip_prefix("Metrics for operators: ") {
                metrics_addr = Some(rest.trim_end_matches("/metrics").to_owned());
                break;
            }
        }
    }
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (addr, metrics_addr)
}

fn node(peers: &Path, script: &str) -> Command {
    let mut c = Command::new("node");
    c.arg(peers.join(script)).env("PORT", "0");
    c
}

/// A process's resource use, from `/proc`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Usage {
    pub user_s: f64,
    pub sys_s: f64,
    pub rss: u64,
    pub peak_rss: u64,
}

impl Usage {
    pub fn of(pid: u32) -> Usage {
        let ticks = clock_ticks();
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        // Fields after the command name, which is in parentheses and may hold spaces.
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .map(|(_, rest)| rest.split_whitespace().collect())
            .unwrap_or_default();
        let field = |i: usize| {
            fields
                .get(i)
                .and_then(|f| f.parse::<f64>().ok())
                .unwrap_or(0.0)
        };
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        let kb = |key: &str| {
            status
                .lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0)
                * 1024
        };
        Usage {
            // utime and stime are the 14th and 15th fields of stat (11 and 12 after the name).
            user_s: field(11) / ticks,
            sys_s: field(12) / ticks,
            rss: kb("VmRSS:"),
            peak_rss: kb("VmHWM:"),
        }
    }
}

fn clock_ticks() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}
