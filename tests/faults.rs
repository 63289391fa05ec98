//! Store faults: while another process holds the database's write lock past the busy
//! timeout, a sender gets a clear retriable error and no ack, reads keep working, and writes
//! resume once the lock is gone.

mod support;

use parlor::protocol::{ErrorCode, ServerFrame};
use sqlx::Connection;
use support::{msg_id, Person, TestServer};

#[tokio::test]
async fn a_locked_database_refuses_writes_retriably_and_they_resume() {
    let dir = tempfile::tempdir().expect("dir");
    let server = TestServer::start_in(dir.path(), |c| c.busy_timeout_secs = 1).await;
    let alice = Person::sign_up(&server, "alice").await;
    Person::sign_up(&server, "bob").await;
    let room = alice.open_direct(&server, "bob").await;
    let mut a = alice.connect(&server).await;
    a.watch(room, 0).await;
    assert!(matches!(
        a.say(room, &msg_id(1), "before").await,
        ServerFrame::Ack(_)
    ));

    // Another process takes the write lock and keeps it.
    let url = format!("sqlite://{}", dir.path().join("parlor.db").display());
    let mut locker = sqlx::SqliteConnection::connect(&url)
        .await
        .expect("connect");
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut locker)
        .await
        .expect("lock");
    sqlx::query("UPDATE rooms SET name = name")
        .execute(&mut locker)
        .await
        .expect("write");

    let id = msg_id(2);
    match a.say(room, &id, "during").await {
        ServerFrame::Error {
            code,
            client_msg_id,
            ..
        } => {
            assert_eq!(code, ErrorCode::StoreUnavailable);
            assert!(code.is_retriable());
            assert_eq!(client_msg_id, Some(id.clone()));
        }
        other => panic!("expected store_unavailable, got {other:?}"),
    }
    // Reads still work: the room's history loads.
    let page = alice
        .call(&server, "load_room", &[("room_id", &room.to_string())])
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("before"));

    sqlx::query("ROLLBACK")
        .execute(&mut locker)
        .await
        .expect("unlock");
    let retry = a.say(room, &id, "during").await;
    assert!(
        matches!(&retry, ServerFrame::Ack(ack) if ack.seq == 2),
        "{retry:?}"
    );
    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut locker)
        .await
        .expect("check");
    assert_eq!(check, "ok");
    server.stop().await;
}
