//! The abuse program's side of the wire: the real server in its own process, and a minimal
//! HTTP and WebSocket client (sign-up, server functions, a chat socket).

use std::path::PathBuf;
use std::process::Stdio;

use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use parlor::protocol::{ClientFrame, ServerFrame};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// The real `parlor` binary on 127.0.0.1:0 with a fresh database; killed when dropped.
pub struct Server {
    pub addr: String,
    child: Child,
    _dir: tempfile::TempDir,
}

impl Server {
    /// Starts `target/<profile>/parlor` (beside this program's `examples/` directory).
    /// Loopback is a trusted proxy, so that attackers and bystanders can be told apart by
    /// the address they claim (`X-Forwarded-For`), as real clients behind nginx would be.
    pub async fn start() -> Result<Server, Error> {
        let exe = std::env::current_exe()?;
        let binary: PathBuf = exe
            .parent()
            .and_then(|examples| examples.parent())
            .ok_or("no target directory")?
            .join("parlor");
        let dir = tempfile::tempdir()?;
        let mut child = Command::new(&binary)
            .env("PARLOR_LISTEN", "127.0.0.1:0")
            .env("PARLOR_METRICS_LISTEN", "127.0.0.1:0")
            .env("PARLOR_TRUSTED_PROXIES", "127.0.0.1")
            .env("PARLOR_SYNCHRONOUS", "NORMAL")
            .env(
                "PARLOR_DATABASE_URL",
                format!("sqlite://{}", dir.path().join("parlor.db").display()),
            )
            .env("RUST_LOG", "error")
            .current_dir(dir.path())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e} (build it first)", binary.display()))?;
        let mut lines = BufReader::new(child.stdout.take().ok_or("no stdout")?).lines();
        let mut addr = None;
        while let Some(line) = lines.next_line().await? {
            if let Some(url) = line.split("http://").nth(1) {
                addr = Some(url.trim().to_owned());
                break;
            }
        }
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Ok(Server {
            addr: addr.ok_or("the server printed no address")?,
            child,
            _dir: dir,
        })
    }

    /// Kilobytes of a line of `/proc/<pid>/status` (`VmRSS`, `VmHWM`).
    pub fn kb(&self, key: &str) -> u64 {
        let pid = self.child.id().unwrap_or(0);
        std::fs::read_to_string(format!("/proc/{pid}/status"))
            .unwrap_or_default()
            .lines()
            .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap_or(0)
    }

    /// Whether the process is still running.
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

/// An account, from the address it claims.
#[derive(Clone)]
pub struct Person {
    pub cookie: String,
    pub from: String,
}

/// An HTTP client that never follows redirects.
pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap_or_default()
}

/// `POST /api/<name>` on the server at `addr` with a form body, from the address `from`; the
/// status and the body.
pub async fn call(
    addr: &str,
    cookie: Option<&str>,
    from: &str,
    name: &str,
    body: String,
) -> Result<(u16, String), Error> {
    let mut request = http()
        .post(format!("http://{addr}/api/{name}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .header("x-forwarded-for", from)
        .body(body);
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    let answer = request.send().await?;
    let status = answer.status().as_u16();
    let cookie = answer
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::to_owned);
    let text = answer.text().await?;
    Ok((
        status,
        cookie.map_or(text.clone(), |c| format!("{text}\n{c}")),
    ))
}

/// Signs `name` up from `from`.
pub async fn sign_up(addr: &str, name: &str, from: &str) -> Result<Person, Error> {
    let body = format!("username={name}&display_name=&password=correct+horse+battery");
    let (status, text) = call(addr, None, from, "sign_up", body).await?;
    let cookie = text
        .lines()
        .find(|l| l.starts_with("parlor_session="))
        .ok_or_else(|| format!("sign-up of {name} answered {status}: {text}"))?;
    Ok(Person {
        cookie: cookie.to_owned(),
        from: from.to_owned(),
    })
}

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// The sending half of a chat socket.
pub type Sink = SplitSink<Ws, Message>;

/// A chat socket, split so that one task can write while another reads.
pub struct Socket {
    pub tx: Sink,
    pub rx: SplitStream<Ws>,
}

impl Socket {
    pub async fn open(addr: &str, person: &Person) -> Result<Socket, Error> {
        let mut request = format!("ws://{addr}/ws").into_client_request()?;
        let headers = request.headers_mut();
        headers.insert("cookie", HeaderValue::from_str(&person.cookie)?);
        headers.insert("x-forwarded-for", HeaderValue::from_str(&person.from)?);
        // Without Nagle's algorithm, as browsers open their sockets.
        let (ws, _) = tokio_tungstenite::connect_async_with_config(request, None, true).await?;
        let (tx, rx) = ws.split();
        Ok(Socket { tx, rx })
    }

    pub async fn send(&mut self, frame: &ClientFrame) -> Result<(), Error> {
        Ok(self
            .tx
            .send(Message::text(serde_json::to_string(frame)?))
            .await?)
    }

    /// The next frame; `Err` when the socket closed or failed.
    pub async fn next(&mut self) -> Result<ServerFrame, Error> {
        loop {
            match self.rx.next().await {
                Some(Ok(Message::Text(text))) => return Ok(serde_json::from_str(text.as_str())?),
                Some(Ok(Message::Close(frame))) => return Err(format!("closed: {frame:?}").into()),
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Err(e.into()),
                None => return Err("the socket ended".into()),
            }
        }
    }
}
