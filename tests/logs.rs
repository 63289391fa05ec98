//! Logs: the real server binary at `RUST_LOG=trace` with `log_format = "json"` writes one JSON
//! object per line, and no line holds a message body, a password or a session token, even
//! after a wrong password, a bad frame and a refused body.

mod support;

use parlor::protocol::ServerFrame;
use support::{call_at, msg_id, Person, ServerProcess, Socket, PASSWORD};

const BODY: &str = "the-secret-body-7f3a 비밀 메시지";
const WRONG_PASSWORD: &str = "wrong-password-91c2";

#[tokio::test]
async fn trace_logs_are_json_and_hold_no_bodies_passwords_or_tokens() {
    let server =
        ServerProcess::start(&[("PARLOR_LOG_FORMAT", "json"), ("RUST_LOG", "trace")]).await;
    let addr = server.addr;

    let alice = Person::sign_up_at(addr, "alice").await;
    let bob = Person::sign_up_at(addr, "bob").await;
    let wrong = call_at(
        addr,
        None,
        "sign_in",
        &[("username", "alice"), ("password", WRONG_PASSWORD)],
    )
    .await;
    assert_ne!(wrong.status, 200);
    let room: i64 = alice
        .call_at(addr, "open_direct", &[("username", "bob")])
        .await
        .body
        .trim()
        .parse()
        .expect("room id");
    let mut a = Socket::open_at(addr, Some(&alice.cookie), None)
        .await
        .expect("socket");
    let mut b = Socket::open_at(addr, Some(&bob.cookie), None)
        .await
        .expect("socket");
    a.watch(room, 0).await;
    b.watch(room, 0).await;
    assert!(matches!(
        a.say(room, &msg_id(1), BODY).await,
        ServerFrame::Ack(_)
    ));
    while !matches!(b.next_content().await, ServerFrame::Message(m) if m.body == BODY) {}
    // A refused body and a malformed frame carrying the body are answered, not logged.
    let long = format!("{BODY} {}", "x".repeat(5000));
    assert!(matches!(
        a.say(room, &msg_id(2), &long).await,
        ServerFrame::Error { .. }
    ));
    a.send_raw(tokio_tungstenite::tungstenite::Message::text(format!(
        r#"{{"type":"send","body":"{BODY}"#
    )))
    .await;
    assert!(matches!(a.next_content().await, ServerFrame::Error { .. }));
    alice.call_at(addr, "sign_out", &[]).await;

    let logs = server.stop().await;

    let lines: Vec<&str> = logs.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(lines.len() > 50, "only {} log lines at trace", lines.len());
    for line in &lines {
        let event: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("not a JSON log line ({e}): {line}"));
        for key in ["timestamp", "level", "target", "fields"] {
            assert!(event.get(key).is_some(), "no {key}: {line}");
        }
    }
    let token = |cookie: &str| cookie.trim_start_matches("parlor_session=").to_owned();
    let secrets = [
        ("a message body", "the-secret-body-7f3a".to_owned()),
        ("a message body", "비밀 메시지".to_owned()),
        // tungstenite prints payloads in hex.
        ("a hex message body", hex("the-secret-body-7f3a")),
        ("a password", PASSWORD.to_owned()),
        ("a password", WRONG_PASSWORD.to_owned()),
        ("a session token", token(&alice.cookie)),
        ("a session token", token(&bob.cookie)),
    ];
    for (what, secret) in &secrets {
        if let Some(line) = lines.iter().find(|l| l.contains(secret.as_str())) {
            panic!("the log holds {what}: {line}");
        }
    }
}

fn hex(text: &str) -> String {
    text.bytes().map(|b| format!("{b:02x}")).collect()
}
