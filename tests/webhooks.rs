//! Webhooks against a real receiver on loopback: signed as Standard Webhooks do it (checked
//! by an independent implementation, a few lines of Python's standard library), retried
//! with the same id and body until the receiver takes them, and never lost to a `kill -9`.

mod support;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};
use serde_json::json;
use support::host::{self, room_with};
use support::{ServerProcess, TestServer};

/// One request the receiver saw.
#[derive(Clone, Debug)]
struct Seen {
    id: String,
    timestamp: String,
    signature: String,
    body: String,
    accepted: bool,
}

/// A webhook receiver that refuses (503) the first `fail` requests it sees.
#[derive(Clone)]
struct Receiver {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
    fail: Arc<AtomicUsize>,
}

impl Receiver {
    async fn start(fail: usize) -> Receiver {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let fail = Arc::new(AtomicUsize::new(fail));
        let (log, refuse) = (seen.clone(), fail.clone());
        let app = axum::Router::new().route(
            "/hooks",
            axum::routing::post(move |headers: HeaderMap, body: String| {
                let (log, refuse) = (log.clone(), refuse.clone());
                async move {
                    let refused = refuse
                        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                        .is_ok();
                    let header = |name: &str| {
                        headers
                            .get(name)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or_default()
                            .to_owned()
                    };
                    log.lock().expect("log").push(Seen {
                        id: header("webhook-id"),
                        timestamp: header("webhook-timestamp"),
                        signature: header("webhook-signature"),
                        body,
                        accepted: !refused,
                    });
                    if refused {
                        StatusCode::SERVICE_UNAVAILABLE
                    } else {
                        StatusCode::NO_CONTENT
                    }
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move { axum::serve(listener, app).await });
        Receiver { addr, seen, fail }
    }

    fn url(&self) -> String {
        format!("http://{}/hooks", self.addr)
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("log").clone()
    }

    /// Waits until `n` distinct events were accepted.
    async fn accepted(&self, n: usize) -> Vec<Seen> {
        for _ in 0..300 {
            let seen = self.seen();
            let mut ids: Vec<_> = seen
                .iter()
                .filter(|s| s.accepted)
                .map(|s| s.id.clone())
                .collect();
            ids.sort();
            ids.dedup();
            if ids.len() >= n {
                return seen;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("fewer than {n} events accepted: {:#?}", self.seen());
    }
}

/// Checks every signature with Python's hmac, hashlib and base64: not Parlor's code.
fn verify_in_python(seen: &[Seen]) {
    let cases: Vec<_> = seen
        .iter()
        .map(|s| json!({"id": s.id, "ts": s.timestamp, "sig": s.signature, "body": s.body}))
        .collect();
    let script = r#"
import base64, hashlib, hmac, json, sys
secret = base64.b64decode(sys.argv[1].removeprefix("whsec_"))
for case in json.loads(sys.stdin.read()):
    signed = f"{case['id']}.{case['ts']}.{case['body']}".encode()
    expected = base64.b64encode(hmac.new(secret, signed, hashlib.sha256).digest()).decode()
    given = [s.split(",", 1)[1] for s in case["sig"].split() if s.startswith("v1,")]
    assert any(hmac.compare_digest(expected, g) for g in given), case
print("ok")
"#;
    let mut child = std::process::Command::new("python3")
        .args(["-c", script, host::WEBHOOK_SECRET])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3");
    use std::io::Write;
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(serde_json::to_string(&cases).expect("json").as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("python");
    assert!(out.status.success(), "a signature did not verify in Python");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "ok");
}

/// A receiver failing twice gets retries, then the events; every attempt of an event has
/// the same id and body, and every signature verifies independently.
#[tokio::test]
async fn events_are_signed_and_retried_with_the_same_id() {
    let receiver = Receiver::start(2).await;
    let tmp = tempfile::tempdir().expect("dir");
    let url = receiver.url();
    let server = TestServer::start_in(tmp.path(), |c| c.hosts = vec![host::config(&url)]).await;
    room_with(server.addr, "question:9", &[("alice", "Alice")]).await;
    let post = host::api(
        server.addr,
        "POST",
        "/rooms/question:9/messages",
        Some(host::API_KEY),
        Some(json!({"from": "alice", "body": "첫 메시지"})),
        Some("m-1"),
    )
    .await;
    assert_eq!(post.status, 201);
    // room.created, member.added (alice), message.created.
    let seen = receiver.accepted(3).await;
    verify_in_python(&seen);
    assert!(
        seen.iter().filter(|s| !s.accepted).count() >= 2,
        "{seen:#?}"
    );
    for attempt in &seen {
        let first = seen.iter().find(|s| s.id == attempt.id).expect("first");
        assert_eq!(attempt.body, first.body, "a retry never changes the body");
    }
    let mut kinds: Vec<String> = seen
        .iter()
        .filter(|s| s.accepted)
        .map(|s| {
            serde_json::from_str::<serde_json::Value>(&s.body).expect("json")["type"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    kinds.sort();
    assert_eq!(kinds, ["member.added", "message.created", "room.created"]);
    let created = seen
        .iter()
        .find(|s| s.body.contains("message.created"))
        .map(|s| serde_json::from_str::<serde_json::Value>(&s.body).expect("json"))
        .expect("message.created");
    assert_eq!(created["data"]["seq"], 1);
    assert_eq!(created["data"]["from"], "alice");
    assert_eq!(created["data"]["room_key"], "question:9");
    assert!(
        created["data"].get("body").is_none(),
        "thin payloads: ids and seq only"
    );
    let metrics = support::metrics(server.metrics_addr).await;
    assert_eq!(
        metrics.get(r#"parlor_webhook_outbox_pending{host="qa"}"#),
        Some(&0.0)
    );
    assert!(metrics[r#"parlor_webhook_attempts_total{host="qa",outcome="failed"}"#] >= 2.0);
    server.stop().await;
}

/// Events written while the receiver is down survive a `kill -9` of Parlor and arrive after
/// the restart, under the ids they were first attempted with.
#[tokio::test]
async fn kill_9_loses_no_pending_delivery() {
    let receiver = Receiver::start(usize::MAX).await;
    let dir = tempfile::tempdir().expect("dir");
    let db = format!("sqlite://{}", dir.path().join("parlor.db").display());
    let hosts = host::variable(&receiver.url());
    let env = [
        ("PARLOR_HOSTS", hosts.as_str()),
        ("PARLOR_DATABASE_URL", db.as_str()),
    ];
    let mut first = ServerProcess::start(&env).await;
    room_with(
        first.addr,
        "question:5",
        &[("alice", "Alice"), ("bob", "Bob")],
    )
    .await;
    for n in 0..5 {
        let key = format!("k-{n}");
        let post = host::api(
            first.addr,
            "POST",
            "/rooms/question:5/messages",
            Some(host::API_KEY),
            Some(json!({"from": "bob", "body": format!("message {n}")})),
            Some(&key),
        )
        .await;
        assert_eq!(post.status, 201);
    }
    // 1 room.created + 2 member.added + 5 message.created, none taken yet.
    let pending = loop {
        let m = support::metrics(first.metrics_addr).await;
        let attempted = receiver.seen().len();
        if attempted > 0 {
            break m[r#"parlor_webhook_outbox_pending{host="qa"}"#];
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(pending, 8.0);
    first.child.start_kill().expect("kill -9");
    first.child.wait().await.expect("killed");
    let before: Vec<String> = receiver.seen().iter().map(|s| s.id.clone()).collect();
    receiver.fail.store(0, Ordering::SeqCst);
    let second = ServerProcess::start(&env).await;
    let seen = receiver.accepted(8).await;
    let mut delivered: Vec<String> = seen
        .iter()
        .filter(|s| s.accepted)
        .map(|s| s.id.clone())
        .collect();
    delivered.sort();
    delivered.dedup();
    assert_eq!(delivered.len(), 8, "every event, once each: {seen:#?}");
    for id in &before {
        assert!(
            delivered.contains(id),
            "{id} was attempted before the kill and never delivered"
        );
    }
    verify_in_python(&seen);
    second.stop().await;
}

/// A member's report of a message in a host's room reaches the host as `report.created`:
/// who reported whose message, why, and its open reports; the embed reports with its
/// session token, as it has no cookie.
#[tokio::test]
async fn a_report_reaches_the_host_as_report_created() {
    let receiver = Receiver::start(0).await;
    let tmp = tempfile::tempdir().expect("dir");
    let url = receiver.url();
    let server = TestServer::start_in(tmp.path(), |c| {
        c.hosts = vec![host::config(&url)];
        c.socket_origins = vec![host::FRAME_ORIGIN.into()];
    })
    .await;
    let room = room_with(
        server.addr,
        "question:5",
        &[("alice", "Alice"), ("bob", "Bob")],
    )
    .await;
    let post = host::api(
        server.addr,
        "POST",
        "/rooms/question:5/messages",
        Some(host::API_KEY),
        Some(json!({"from": "bob", "body": "buy my course"})),
        Some("m-1"),
    )
    .await;
    assert_eq!(post.status, 201);
    // room.created, two member.added, message.created.
    receiver.accepted(4).await;
    let token = host::sign(&host::claims("alice", "Alice"));
    let opened = host::embed_open(server.addr, &token, "question:5").await;
    let session = opened.json()["session"]
        .as_str()
        .expect("session")
        .to_owned();
    let room_id = room["room_id"].to_string();
    let report = support::call_at(
        server.addr,
        None,
        "report_message",
        &[
            ("room_id", &room_id),
            ("seq", "1"),
            ("reason", "advertising"),
            ("session", &session),
        ],
    )
    .await;
    assert_eq!(report.status, 200, "{}", report.body);
    let seen = receiver.accepted(5).await;
    verify_in_python(&seen);
    let event = seen
        .iter()
        .find(|s| s.body.contains("report.created"))
        .map(|s| serde_json::from_str::<serde_json::Value>(&s.body).expect("json"))
        .expect("report.created");
    let data = &event["data"];
    assert_eq!(data["room_key"], "question:5");
    assert_eq!(data["seq"], 1);
    assert_eq!(data["by"], "alice");
    assert_eq!(data["author"], "bob");
    assert_eq!(data["reason"], "advertising");
    assert_eq!(data["open_reports"], 1);
    server.stop().await;
}
