//! Dead peers: a client process stopped with SIGSTOP (a frozen laptop, a hung process)
//! answers no ping; it drops out of presence within `idle_timeout_ms + heartbeat_ms`.

mod support;

use std::process::Stdio;

use parlor::protocol::ServerFrame;
use support::{example, Person, TestServer};
use tokio::io::{AsyncBufReadExt, BufReader};

#[tokio::test]
async fn a_stopped_process_drops_out_of_presence() {
    let dir = tempfile::tempdir().expect("dir");
    let server = TestServer::start_in(dir.path(), |c| {
        c.heartbeat_ms = 50;
        c.idle_timeout_ms = 300;
    })
    .await;
    let alice = Person::sign_up(&server, "alice").await;
    let bob = Person::sign_up(&server, "bob").await;
    let room = alice.open_direct(&server, "bob").await;
    let mut b = bob.connect(&server).await;
    b.watch(room, 0).await;

    let mut child = tokio::process::Command::new(example("idle_client"))
        .args([
            server.addr.to_string(),
            alice.cookie.clone(),
            room.to_string(),
        ])
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("examples/idle_client: run the whole `cargo test --features ssr`, which builds it");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    assert_eq!(
        lines.next_line().await.expect("read").as_deref(),
        Some("entered")
    );
    while b.presence(room).await.len() != 1 {}

    // Still answering pings: Alice stays, however long we wait for a few heartbeats.
    b.send(&parlor::protocol::ClientFrame::Ping {}).await;
    assert_eq!(b.next_content().await, ServerFrame::Pong);

    let pid = child.id().expect("running").to_string();
    let stopped = std::process::Command::new("kill")
        .args(["-STOP", &pid])
        .status();
    assert!(stopped.expect("kill").success());
    assert_eq!(
        b.presence(room).await,
        Vec::<i64>::new(),
        "Alice dropped out"
    );
    let _ = std::process::Command::new("kill")
        .args(["-CONT", &pid])
        .status();
    let _ = child.start_kill();
    server.stop().await;
}
