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
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::ParlorFull,
        Kind::ParlorNormal,
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
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Kind::ParlorFull => "parlor-full",
            Kind::ParlorNormal => "parlor-normal",
            Kind::Naive => "naive",
            Kind::NodeWs => "ws",
            Kind::SocketIo => "socketio",
        }
    }

    pub fn is_parlor(self) -> bool {
        matches!(self, Kind::ParlorFull | Kind::ParlorNormal)
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
    pub addr: String,
    /// Parlor's operators' listener (`/metrics`), when it has one.
    #[allow(dead_code, reason = "read by the soak, which shares this file")]
    pub metrics_addr: Option<String>,
    child: Child,
    _dir: tempfile::TempDir,
}

impl Server {
    pub async fn start(kind: Kind, programs: &Programs) -> Server {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut command = match kind {
            Kind::ParlorFull | Kind::ParlorNormal => {
                let mut c = Command::new(&programs.parlor);
                let sync = if kind == Kind::ParlorFull {
                    "FULL"
                } else {
                    "NORMAL"
                };
                c.env("PARLOR_LISTEN", "127.0.0.1:0")
                    .env("PARLOR_METRICS_LISTEN", "127.0.0.1:0")
                    // The harness signs up every member from one address.
                    .env("PARLOR_SIGN_UPS_PER_HOUR", "1000000")
                    .env("PARLOR_SIGN_IN_PER_MINUTE", "1000000")
                    // One bench user creates every room (P2 has 100), and P4's users each
                    // open hundreds of sockets, every one sending its `watch` at once.
                    .env("PARLOR_ROOMS_PER_HOUR", "1000000")
                    .env("PARLOR_FRAMES_PER_SECOND", "1000000")
                    .env(
                        "PARLOR_DATABASE_URL",
                        format!("sqlite://{}", dir.path().join("bench.db").display()),
                    )
                    .env("PARLOR_SYNCHRONOUS", sync)
                    // One publisher per room sends far faster than a person; the peers
                    // have no flood limit either. The check itself still runs per message.
                    .env("PARLOR_MESSAGES_PER_SECOND", "1000000")
                    .env("PARLOR_MESSAGE_BURST", "1000000")
                    // The harness opens one socket per member per room, as for the peers;
                    // Parlor's own client uses one socket per tab for all rooms.
                    .env("PARLOR_CONNECTIONS_PER_USER", "100000")
                    .env("RUST_LOG", "error")
                    .current_dir(dir.path());
                c
            }
            Kind::Naive => Command::new(&programs.naive),
            Kind::NodeWs => node(&programs.peers, "ws-server.js"),
            Kind::SocketIo => node(&programs.peers, "socketio-server.js"),
        };
        let mut child = command
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", kind.name()));
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
        if matches!(kind, Kind::ParlorFull | Kind::ParlorNormal) {
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(rest) = line.strip_prefix("Metrics for operators: ") {
                    metrics_addr = Some(rest.trim_end_matches("/metrics").to_owned());
                    break;
                }
            }
        }
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Server {
            kind,
            addr,
            metrics_addr,
            child,
            _dir: dir,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id().expect("running")
    }

    /// CPU seconds (user, system) and resident memory (current, peak) in bytes.
    pub fn usage(&self) -> Usage {
        Usage::of(self.pid())
    }

    pub async fn stop(mut self) {
        let _ = self.child.start_kill();
        let _ = tokio::time::timeout(Duration::from_secs(5), self.child.wait()).await;
    }
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
