//! The harness of the scenario tests: a real server on 127.0.0.1:0 with a real SQLite file
//! in a temporary directory, people who sign up over HTTP, and real WebSocket clients.

#![allow(
    dead_code,
    reason = "each test file uses a different part of the harness"
)]

pub mod cluster;
pub mod host;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use parlor::protocol::{ClientFrame, RoomCursor, RoomId, Seq, ServerFrame};
use parlor::server::config::Config;
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How long a test waits for any one frame before failing.
pub const PATIENCE: Duration = Duration::from_secs(5);

/// `target/<profile>/examples/<name>`: a helper program that `cargo test` builds beside the
/// tests.
pub fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test binary");
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target/<profile>");
    profile_dir.join("examples").join(name)
}

/// The real `parlor` binary in its own process, on 127.0.0.1:0 with a fresh database, its
/// stderr collected; killed when dropped.
pub struct ServerProcess {
    pub addr: SocketAddr,
    /// The operators' listener (`/metrics`).
    pub metrics_addr: SocketAddr,
    pub child: tokio::process::Child,
    stderr: Option<JoinHandle<String>>,
    _dir: tempfile::TempDir,
}

impl ServerProcess {
    /// Starts the binary with extra environment variables.
    pub async fn start(env: &[(&str, &str)]) -> ServerProcess {
        use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
        let dir = tempfile::tempdir().expect("dir");
        let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_parlor"))
            .env("PARLOR_LISTEN", "127.0.0.1:0")
            .env("PARLOR_METRICS_LISTEN", "127.0.0.1:0")
            .env("PARLOR_SIGN_UPS_PER_HOUR", "1000000")
            .env(
                "PARLOR_DATABASE_URL",
                format!("sqlite://{}", dir.path().join("parlor.db").display()),
            )
            .envs(env.iter().copied())
            .current_dir(dir.path())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start parlor");
        let mut stderr = child.stderr.take().expect("stderr");
        let stderr = tokio::spawn(async move {
            let mut all = String::new();
            let _ = stderr.read_to_string(&mut all).await;
            all
        });
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let (addr, metrics_addr) = listening(&mut stdout).await;
        tokio::spawn(async move { while let Ok(Some(_)) = stdout.next_line().await {} });
        ServerProcess {
            addr,
            metrics_addr,
            child,
            stderr: Some(stderr),
            _dir: dir,
        }
    }

    /// A line of `/proc/<pid>/status` as a number (`VmHWM` in kB, `Threads`…).
    pub fn status(&self, key: &str) -> u64 {
        let pid = self.child.id().expect("running");
        std::fs::read_to_string(format!("/proc/{pid}/status"))
            .expect("status")
            .lines()
            .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap_or_else(|| panic!("no {key} in /proc/{pid}/status"))
    }

    /// Stops the server with SIGTERM and returns everything it wrote to stderr.
    pub async fn stop(mut self) -> String {
        let pid = self.child.id().expect("running");
        std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .expect("kill");
        self.child.wait().await.expect("exit");
        match self.stderr.take() {
            Some(task) => task.await.expect("stderr"),
            None => String::new(),
        }
    }
}

/// The app's and the operators' addresses, from the two lines the binary prints first.
pub async fn listening(
    stdout: &mut tokio::io::Lines<tokio::io::BufReader<tokio::process::ChildStdout>>,
) -> (SocketAddr, SocketAddr) {
    let mut app = None;
    loop {
        let line = stdout
            .next_line()
            .await
            .expect("stdout")
            .expect("the server exited before listening");
        if let Some(url) = line.split("http://").nth(1) {
            app = Some(url.trim().parse().expect("address"));
        } else if let Some(rest) = line.strip_prefix("Metrics for operators: ") {
            let addr = rest.trim_end_matches("/metrics").parse().expect("address");
            return (app.expect("the app's line comes first"), addr);
        }
    }
}

/// The runtime every in-process server of this test binary runs on (two threads, never
/// shut down).
fn servers() -> &'static tokio::runtime::Runtime {
    static SERVERS: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    SERVERS.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("test-servers")
            .enable_all()
            .build()
            .expect("the servers' runtime")
    })
}

/// A Parlor server running in this process.
pub struct TestServer {
    pub addr: SocketAddr,
    /// The operators' listener (`/metrics`, `metrics_listen`).
    pub metrics_addr: SocketAddr,
    pub dir: PathBuf,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
    _tmp: Option<tempfile::TempDir>,
}

impl TestServer {
    /// A server with a fresh database.
    pub async fn start() -> TestServer {
        let tmp = tempfile::tempdir().expect("temp dir");
        let mut server = TestServer::start_in(tmp.path(), |_| {}).await;
        server._tmp = Some(tmp);
        server
    }

    /// A server on the database in `dir`, with settings adjusted by `tune`.
    /// Stories send (and search) faster than a person types, so those flood limits are
    /// lifted unless a test sets them through `tune`.
    pub async fn start_in(dir: &Path, tune: impl FnOnce(&mut Config)) -> TestServer {
        let mut config = Config {
            listen: "127.0.0.1:0".parse().expect("addr"),
            metrics_listen: Some("127.0.0.1:0".parse().expect("addr")),
            database_url: format!("sqlite://{}", dir.join("parlor.db").display()),
            messages_per_second: 1_000_000,
            message_burst: 1_000_000,
            searches_per_second: 1_000_000,
            // Every person of a story signs up from 127.0.0.1.
            sign_ups_per_hour: 1_000_000,
            ..Config::default()
        };
        tune(&mut config);
        // The server runs on one runtime shared by every test of the process, never on the
        // test's own: the reactive system's tasks (server-side rendering) may be woken from
        // another server's thread, and a test's runtime ends with its test, taking such a
        // task with it (a page that never answered, now and then, while another test
        // finished).
        let (ready, listening) = oneshot::channel();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = servers().spawn(async move {
            let listener = parlor::server::Listeners::bind(&config)
                .await
                .expect("bind");
            let addr = listener.app.local_addr().expect("addr");
            let metrics_addr = listener
                .operations
                .as_ref()
                .map_or(addr, |l| l.local_addr().expect("addr"));
            let (state, writer) = parlor::server::start(config).await.expect("start");
            let store = state.store.clone();
            let _ = ready.send((addr, metrics_addr));
            let shutdown = async {
                let _ = stopped.await;
            };
            parlor::server::serve(listener, state, shutdown)
                .await
                .expect("serve");
            let _ = tokio::time::timeout(Duration::from_secs(10), writer).await;
            // As the binary does: the log is checkpointed as the last connection goes.
            store.close().await;
        });
        let (addr, metrics_addr) = listening.await.expect("the server started");
        TestServer {
            addr,
            metrics_addr,
            dir: dir.to_owned(),
            stop: Some(stop),
            task,
            _tmp: None,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Shuts the server down gracefully and waits for it.
    pub async fn stop(mut self) -> Option<tempfile::TempDir> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let task = std::mem::replace(&mut self.task, servers().spawn(async {}));
        tokio::time::timeout(Duration::from_secs(15), task)
            .await
            .expect("server stops in time")
            .expect("server task");
        self._tmp.take()
    }

    /// A second connection to the database, to check what was stored.
    pub async fn db(&self) -> sqlx::SqlitePool {
        let url = format!("sqlite://{}", self.dir.join("parlor.db").display());
        sqlx::SqlitePool::connect(&url).await.expect("open db")
    }
}

/// Someone with an account, talking to the server over HTTP.
pub struct Person {
    pub username: String,
    pub cookie: String,
}

/// The answer to a server-function call.
pub struct Answer {
    pub status: u16,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|_| panic!("JSON: {}", self.body))
    }
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// The server's `/metrics`, as `name{labels}` → value (`# EOF` and comments left out).
pub async fn metrics(addr: SocketAddr) -> std::collections::HashMap<String, f64> {
    let res = http()
        .get(format!("http://{addr}/metrics"))
        .send()
        .await
        .expect("scrape");
    assert_eq!(res.status().as_u16(), 200, "/metrics");
    let text = res.text().await.expect("metrics text");
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| {
            let (name, value) = line.rsplit_once(' ')?;
            Some((name.to_owned(), value.parse().ok()?))
        })
        .collect()
}

/// Calls `POST /api/<name>` with form fields, as the pages' JavaScript does.
pub async fn call(
    server: &TestServer,
    cookie: Option<&str>,
    name: &str,
    form: &[(&str, &str)],
) -> Answer {
    call_at(server.addr, cookie, name, form).await
}

/// [`call`] on a server at any address (a separate process, say).
pub async fn call_at(
    addr: SocketAddr,
    cookie: Option<&str>,
    name: &str,
    form: &[(&str, &str)],
) -> Answer {
    let body = form
        .iter()
        .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let mut req = http()
        .post(format!("http://{addr}/api/{name}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .body(body);
    if let Some(cookie) = cookie {
        req = req.header("cookie", cookie);
    }
    let res = req.send().await.expect("request");
    let status = res.status().as_u16();
    let set_cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or_default().to_owned())
        .find(|c| c.starts_with("parlor_session=") && c.len() > "parlor_session=".len());
    let body = res.text().await.expect("body");
    Answer {
        status,
        body: set_cookie.map_or(body.clone(), |c| format!("{body}\n{c}")),
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub const PASSWORD: &str = "correct horse battery";

impl Person {
    /// Signs up `username` and keeps the session cookie.
    pub async fn sign_up(server: &TestServer, username: &str) -> Person {
        Person::sign_up_at(server.addr, username).await
    }

    /// [`Person::sign_up`] on a server at any address.
    pub async fn sign_up_at(addr: SocketAddr, username: &str) -> Person {
        let answer = call_at(
            addr,
            None,
            "sign_up",
            &[
                ("username", username),
                ("display_name", ""),
                ("password", PASSWORD),
            ],
        )
        .await;
        let cookie = answer
            .body
            .lines()
            .find(|l| l.starts_with("parlor_session="))
            .unwrap_or_else(|| panic!("no session cookie: {} {}", answer.status, answer.body))
            .to_owned();
        Person {
            username: username.to_owned(),
            cookie,
        }
    }

    /// Calls a server function with this person's session.
    pub async fn call(&self, server: &TestServer, name: &str, form: &[(&str, &str)]) -> Answer {
        self.call_at(server.addr, name, form).await
    }

    /// [`Person::call`] on a server at any address.
    pub async fn call_at(&self, addr: SocketAddr, name: &str, form: &[(&str, &str)]) -> Answer {
        call_at(addr, Some(&self.cookie), name, form).await
    }

    /// Creates a group room and returns its id.
    pub async fn create_room(&self, server: &TestServer, name: &str, public: bool) -> RoomId {
        let mut form = vec![("name", name)];
        if public {
            form.push(("public", "on"));
        }
        let answer = self.call(server, "create_room", &form).await;
        answer
            .json()
            .as_i64()
            .unwrap_or_else(|| panic!("room id: {}", answer.body))
    }

    /// Opens the direct room with `other` and returns its id.
    pub async fn open_direct(&self, server: &TestServer, other: &str) -> RoomId {
        let answer = self
            .call(server, "open_direct", &[("username", other)])
            .await;
        answer
            .json()
            .as_i64()
            .unwrap_or_else(|| panic!("room id: {}", answer.body))
    }

    /// Opens a chat socket with this person's cookie and the server's own origin.
    pub async fn connect(&self, server: &TestServer) -> Socket {
        Socket::open(server, Some(&self.cookie), Some(&server.url("")))
            .await
            .expect("upgrade")
    }
}

type Stream = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// What arrives on a socket: a frame, or the server's close code.
#[derive(Debug)]
#[allow(clippy::large_enum_variant, reason = "one frame at a time, never kept")]
pub enum Incoming {
    Frame(ServerFrame),
    Closed(u16),
}

/// A real WebSocket client speaking the protocol.
pub struct Socket {
    ws: Stream,
    pub user_id: i64,
    pub epoch: String,
}

impl Socket {
    /// Opens `/ws`; `Err(status)` when the upgrade is refused.
    pub async fn open(
        server: &TestServer,
        cookie: Option<&str>,
        origin: Option<&str>,
    ) -> Result<Socket, u16> {
        Socket::open_at(server.addr, cookie, origin).await
    }

    /// [`Socket::open`] on a server at any address; `Err(0)` when it cannot be reached.
    pub async fn open_at(
        addr: SocketAddr,
        cookie: Option<&str>,
        origin: Option<&str>,
    ) -> Result<Socket, u16> {
        let mut request = format!("ws://{addr}/ws")
            .into_client_request()
            .expect("request");
        if let Some(cookie) = cookie {
            request
                .headers_mut()
                .insert("cookie", HeaderValue::from_str(cookie).expect("header"));
        }
        if let Some(origin) = origin {
            request
                .headers_mut()
                .insert("origin", HeaderValue::from_str(origin).expect("header"));
        }
        let (ws, _) = tokio_tungstenite::connect_async(request)
            .await
            .map_err(|e| match e {
                tokio_tungstenite::tungstenite::Error::Http(res) => res.status().as_u16(),
                _ => 0,
            })?;
        let mut socket = Socket {
            ws,
            user_id: 0,
            epoch: String::new(),
        };
        match socket.recv().await {
            Incoming::Frame(ServerFrame::Hello { user_id, epoch, .. }) => {
                socket.user_id = user_id;
                socket.epoch = epoch;
                Ok(socket)
            }
            Incoming::Closed(_) => Err(0),
            Incoming::Frame(other) => panic!("expected hello, got {other:?}"),
        }
    }

    /// Opens `/ws` without a cookie and signs it in by its first frame (`auth`), as an embed
    /// does. `Err(status)` when the upgrade is refused, `Err(code)` when the socket is closed
    /// instead of said hello to.
    pub async fn open_embed(
        addr: SocketAddr,
        session: &str,
        origin: Option<&str>,
    ) -> Result<Socket, u16> {
        let mut request = format!("ws://{addr}/ws")
            .into_client_request()
            .expect("request");
        if let Some(origin) = origin {
            request
                .headers_mut()
                .insert("origin", HeaderValue::from_str(origin).expect("header"));
        }
        let (ws, _) = tokio_tungstenite::connect_async(request)
            .await
            .map_err(|e| match e {
                tokio_tungstenite::tungstenite::Error::Http(res) => res.status().as_u16(),
                _ => 0,
            })?;
        let mut socket = Socket {
            ws,
            user_id: 0,
            epoch: String::new(),
        };
        socket
            .send(&ClientFrame::Auth {
                session: session.to_owned(),
            })
            .await;
        match socket.recv().await {
            Incoming::Frame(ServerFrame::Hello { user_id, epoch, .. }) => {
                socket.user_id = user_id;
                socket.epoch = epoch;
                Ok(socket)
            }
            Incoming::Closed(code) => Err(code),
            Incoming::Frame(other) => panic!("expected hello, got {other:?}"),
        }
    }

    pub async fn send(&mut self, frame: &ClientFrame) {
        let text = serde_json::to_string(frame).expect("encode");
        self.ws.send(WsMessage::text(text)).await.expect("send");
    }

    /// Sends a frame; `false` when the connection is gone.
    pub async fn try_send(&mut self, frame: &ClientFrame) -> bool {
        let text = serde_json::to_string(frame).expect("encode");
        self.ws.send(WsMessage::text(text)).await.is_ok()
    }

    pub async fn send_raw(&mut self, message: WsMessage) {
        self.ws.send(message).await.expect("send");
    }

    /// The next server text frame (fails the test after [`PATIENCE`], whatever control
    /// frames arrive meanwhile).
    #[track_caller]
    pub fn next(&mut self) -> impl std::future::Future<Output = ServerFrame> + '_ {
        let caller = std::panic::Location::caller();
        async move {
            // One deadline for the whole wait: pings alone must not keep it alive.
            let deadline = tokio::time::Instant::now() + PATIENCE;
            loop {
                let message = tokio::time::timeout_at(deadline, self.ws.next())
                    .await
                    .unwrap_or_else(|_| panic!("{caller}: no frame within {PATIENCE:?}"))
                    .unwrap_or_else(|| panic!("{caller}: socket ended"))
                    .unwrap_or_else(|e| panic!("{caller}: socket error {e}"));
                match message {
                    WsMessage::Text(text) => {
                        return serde_json::from_str(text.as_str())
                            .unwrap_or_else(|e| panic!("{caller}: bad frame {text}: {e}"))
                    }
                    WsMessage::Close(frame) => panic!("{caller}: closed: {frame:?}"),
                    _ => continue,
                }
            }
        }
    }

    /// The next presence snapshot of `room`, as user ids (other frames are skipped).
    pub async fn presence(&mut self, room: RoomId) -> Vec<i64> {
        loop {
            if let ServerFrame::Presence { room_id, online } = self.next().await {
                if room_id == room {
                    return online.iter().map(|u| u.user_id).collect();
                }
            }
        }
    }

    /// The next frame that is not presence (which arrives whenever people come and go).
    pub async fn next_content(&mut self) -> ServerFrame {
        loop {
            match self.next().await {
                ServerFrame::Presence { .. } => continue,
                other => return other,
            }
        }
    }

    /// Watches a room from `after_seq` and collects what it missed, up to `caught_up`.
    pub async fn watch(
        &mut self,
        room_id: RoomId,
        after_seq: Seq,
    ) -> Vec<parlor::protocol::Message> {
        self.send(&ClientFrame::Watch {
            rooms: vec![RoomCursor { room_id, after_seq }],
            epoch: Some(self.epoch.clone()),
        })
        .await;
        let mut missed = Vec::new();
        loop {
            match self.next_content().await {
                ServerFrame::Message(m) => missed.push(m),
                ServerFrame::CaughtUp { room_id: r, .. } if r == room_id => return missed,
                other => panic!("while watching: {other:?}"),
            }
        }
    }

    /// Sends a message and returns the server's answer to it (ack or error), skipping
    /// everything else (broadcasts, typing, read markers).
    pub async fn say(&mut self, room_id: RoomId, client_msg_id: &str, body: &str) -> ServerFrame {
        self.send(&ClientFrame::Send {
            room_id,
            client_msg_id: client_msg_id.to_owned(),
            body: body.to_owned(),
            reply_to: None,
        })
        .await;
        loop {
            match self.next_content().await {
                answer @ ServerFrame::Ack(_) => return answer,
                answer @ ServerFrame::Error { .. } => return answer,
                _ => continue,
            }
        }
    }

    /// The next frame, or the close code when the server closes the socket.
    pub async fn recv(&mut self) -> Incoming {
        loop {
            let message = tokio::time::timeout(PATIENCE, self.ws.next())
                .await
                .expect("a frame or a close in time");
            match message {
                Some(Ok(WsMessage::Text(text))) => {
                    return Incoming::Frame(serde_json::from_str(text.as_str()).expect("frame"))
                }
                Some(Ok(WsMessage::Close(Some(frame)))) => {
                    return Incoming::Closed(frame.code.into())
                }
                Some(Ok(WsMessage::Close(None))) | None => return Incoming::Closed(1005),
                Some(Ok(_)) => continue,
                Some(Err(_)) => return Incoming::Closed(1006),
            }
        }
    }

    /// The next frame or close within `wait`; `None` when nothing came (no panic, for tests
    /// that ride out faults).
    pub async fn recv_for(&mut self, wait: Duration) -> Option<Incoming> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let message = tokio::time::timeout_at(deadline, self.ws.next())
                .await
                .ok()?;
            return Some(match message {
                Some(Ok(WsMessage::Text(text))) => match serde_json::from_str(text.as_str()) {
                    Ok(frame) => Incoming::Frame(frame),
                    Err(_) => continue,
                },
                Some(Ok(WsMessage::Close(Some(frame)))) => Incoming::Closed(frame.code.into()),
                Some(Ok(WsMessage::Close(None))) | None => Incoming::Closed(1005),
                Some(Ok(_)) => continue,
                Some(Err(_)) => Incoming::Closed(1006),
            });
        }
    }

    /// Every text frame that arrives within `wait` (for checking what did not arrive).
    pub async fn frames_for(&mut self, wait: Duration) -> Vec<ServerFrame> {
        let deadline = tokio::time::Instant::now() + wait;
        let mut frames = Vec::new();
        while let Ok(Some(Ok(message))) = tokio::time::timeout_at(deadline, self.ws.next()).await {
            if let WsMessage::Text(text) = message {
                frames.push(serde_json::from_str(text.as_str()).expect("frame"));
            }
        }
        frames
    }

    /// Drops the connection without a closing handshake, as a lost network does.
    pub fn cut(self) {
        drop(self.ws);
    }

    /// Closes with 1000 and returns the code of the server's answering close frame, or 1006
    /// when the connection ends without one.
    pub async fn close(mut self) -> u16 {
        let normal = tokio_tungstenite::tungstenite::protocol::CloseFrame {
            code: 1000.into(),
            reason: "bye".into(),
        };
        self.ws.close(Some(normal)).await.expect("send close");
        loop {
            let message = tokio::time::timeout(PATIENCE, self.ws.next())
                .await
                .expect("an answer to the close in time");
            match message {
                Some(Ok(WsMessage::Close(Some(frame)))) => return frame.code.into(),
                Some(Ok(WsMessage::Close(None))) => return 1005,
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return 1006,
            }
        }
    }

    /// Waits for the server to close the socket and returns the close code.
    pub async fn closed(&mut self) -> u16 {
        loop {
            let message = tokio::time::timeout(PATIENCE, self.ws.next())
                .await
                .expect("closed in time");
            match message {
                Some(Ok(WsMessage::Close(Some(frame)))) => return frame.code.into(),
                Some(Ok(WsMessage::Close(None))) | None => return 1005,
                Some(Ok(_)) => continue,
                Some(Err(e)) => panic!("socket error instead of a close: {e}"),
            }
        }
    }
}

/// A fresh UUID-shaped client message id, unique within the test process.
pub fn msg_id(n: u64) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static SALT: AtomicU64 = AtomicU64::new(1);
    let salt = SALT.fetch_add(1, Ordering::Relaxed);
    format!("{:08x}-0000-4000-8000-{:012x}", salt, n)
}

/// Alice and Bob, signed up, in their direct room, each with a socket watching it.
pub struct Pair {
    pub alice: Person,
    pub bob: Person,
    pub room: RoomId,
    pub a: Socket,
    pub b: Socket,
}

/// The usual opening of a two-person story.
pub async fn alice_and_bob(server: &TestServer) -> Pair {
    let alice = Person::sign_up(server, "alice").await;
    let bob = Person::sign_up(server, "bob").await;
    let room = alice.open_direct(server, "bob").await;
    let mut a = alice.connect(server).await;
    let mut b = bob.connect(server).await;
    a.watch(room, 0).await;
    b.watch(room, 0).await;
    Pair {
        alice,
        bob,
        room,
        a,
        b,
    }
}
