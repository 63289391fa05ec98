//! The chat core as stories over real sockets: every message once, in `seq` order; history
//! for late joiners and after restarts; retries that never double.

mod support;

use parlor::protocol::{ClientFrame, ErrorCode, Message, ServerFrame};
use support::{alice_and_bob, msg_id, Pair, Person, TestServer};

fn seqs(messages: &[Message]) -> Vec<i64> {
    messages.iter().map(|m| m.seq).collect()
}

#[tokio::test]
async fn two_members_see_every_message_exactly_once_in_seq_order() {
    let server = TestServer::start().await;
    let Pair {
        room, mut a, mut b, ..
    } = alice_and_bob(&server).await;

    // Both talk at once, without waiting for acks.
    for i in 0..20 {
        let (sender, text) = if i % 2 == 0 {
            (&mut a, "from alice")
        } else {
            (&mut b, "from bob")
        };
        sender
            .send(&ClientFrame::Send {
                room_id: room,
                client_msg_id: msg_id(i),
                body: format!("{text} {i}"),
                reply_to: None,
            })
            .await;
    }
    for socket in [&mut a, &mut b] {
        let mut seen = Vec::new();
        let mut acks = 0;
        while seen.len() < 20 || acks < 10 {
            match socket.next_content().await {
                ServerFrame::Message(m) => seen.push(m),
                ServerFrame::Ack(_) => acks += 1,
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!(seqs(&seen), (1..=20).collect::<Vec<_>>());
    }
    server.stop().await;
}

#[tokio::test]
async fn a_late_joiner_gets_the_history() {
    let server = TestServer::start().await;
    let alice = Person::sign_up(&server, "alice").await;
    let bob = Person::sign_up(&server, "bob").await;
    let room = alice.create_room(&server, "lobby", true).await;
    let mut a = alice.connect(&server).await;
    a.watch(room, 0).await;
    for i in 0..3 {
        assert!(matches!(
            a.say(room, &msg_id(i), &format!("m{i}")).await,
            ServerFrame::Ack(_)
        ));
    }
    let joined = bob
        .call(&server, "join_room", &[("room_id", &room.to_string())])
        .await;
    assert_eq!(joined.status, 200, "{}", joined.body);
    let mut b = bob.connect(&server).await;
    let history = b.watch(room, 0).await;
    assert_eq!(
        history.iter().map(|m| m.body.as_str()).collect::<Vec<_>>(),
        ["m0", "m1", "m2"]
    );
    assert_eq!(history[0].sender_name, "alice");
    server.stop().await;
}

#[tokio::test]
async fn a_retried_client_msg_id_makes_one_row_and_the_same_ack() {
    let server = TestServer::start().await;
    let alice = Person::sign_up(&server, "alice").await;
    Person::sign_up(&server, "bob").await;
    let room = alice.open_direct(&server, "bob").await;
    let mut a = alice.connect(&server).await;
    a.watch(room, 0).await;
    let id = msg_id(7);
    let first = a.say(room, &id, "once").await;
    // The connection drops before the client saw anything; it reconnects and retries.
    drop(a);
    let mut again = alice.connect(&server).await;
    again.watch(room, 1).await;
    let second = again.say(room, &id, "once").await;
    assert!(matches!(first, ServerFrame::Ack(_)), "{first:?}");
    assert_eq!(first, second);
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM messages")
        .fetch_one(&server.db().await)
        .await
        .expect("count");
    assert_eq!(rows, 1);
    server.stop().await;
}

#[tokio::test]
async fn history_survives_a_server_restart() {
    let dir = tempfile::tempdir().expect("dir");
    let server = TestServer::start_in(dir.path(), |_| {}).await;
    let alice = Person::sign_up(&server, "alice").await;
    Person::sign_up(&server, "bob").await;
    let room = alice.open_direct(&server, "bob").await;
    let mut a = alice.connect(&server).await;
    a.watch(room, 0).await;
    a.say(room, &msg_id(1), "before the restart").await;
    server.stop().await;

    let server = TestServer::start_in(dir.path(), |_| {}).await;
    let mut a = alice.connect(&server).await;
    let history = a.watch(room, 0).await;
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].body, "before the restart");
    let next = a.say(room, &msg_id(2), "after").await;
    assert!(matches!(next, ServerFrame::Ack(ack) if ack.seq == 2));
    server.stop().await;
}

#[tokio::test]
async fn a_client_that_rejoins_with_its_last_seq_gets_exactly_what_it_missed() {
    let server = TestServer::start().await;
    let Pair {
        bob,
        room,
        mut a,
        mut b,
        ..
    } = alice_and_bob(&server).await;
    for i in 0..2 {
        a.say(room, &msg_id(i), &format!("seen {i}")).await;
    }
    let mut seen = Vec::new();
    while seen.len() < 2 {
        if let ServerFrame::Message(m) = b.next_content().await {
            seen.push(m);
        }
    }
    drop(b);
    for i in 2..5 {
        a.say(room, &msg_id(i), &format!("missed {i}")).await;
    }
    let mut b = bob.connect(&server).await;
    let missed = b.watch(room, seen.last().expect("seen").seq).await;
    assert_eq!(seqs(&missed), [3, 4, 5]);
    assert!(missed.iter().all(|m| m.body.starts_with("missed")));
    server.stop().await;
}

#[tokio::test]
async fn bad_bodies_get_clear_errors_and_the_socket_stays_open() {
    let server = TestServer::start().await;
    let alice = Person::sign_up(&server, "alice").await;
    let room = alice.create_room(&server, "solo", false).await;
    let mut a = alice.connect(&server).await;
    a.watch(room, 0).await;
    let long = "가".repeat(4001);
    for (id, body, code) in [
        (msg_id(1), "   ", ErrorCode::EmptyBody),
        (msg_id(2), long.as_str(), ErrorCode::BodyTooLong),
        ("not-a-uuid".to_owned(), "hi", ErrorCode::InvalidClientMsgId),
    ] {
        match a.say(room, &id, body).await {
            ServerFrame::Error {
                code: got,
                client_msg_id,
                ..
            } => {
                assert_eq!(got, code);
                assert_eq!(client_msg_id, Some(id));
            }
            other => panic!("expected {code:?}, got {other:?}"),
        }
    }
    let ok = a.say(room, &msg_id(3), "  trimmed  ").await;
    assert!(matches!(ok, ServerFrame::Ack(ack) if ack.seq == 1));
    let stored: String = sqlx::query_scalar("SELECT body FROM messages")
        .fetch_one(&server.db().await)
        .await
        .expect("row");
    assert_eq!(stored, "trimmed");
    server.stop().await;
}

#[tokio::test]
async fn a_flood_is_told_to_slow_down_and_nothing_over_the_limit_is_stored() {
    let dir = tempfile::tempdir().expect("dir");
    let server = TestServer::start_in(dir.path(), |c| {
        c.messages_per_second = 1;
        c.message_burst = 3;
    })
    .await;
    let alice = Person::sign_up(&server, "alice").await;
    let room = alice.create_room(&server, "flood", false).await;
    let mut a = alice.connect(&server).await;
    a.watch(room, 0).await;
    let mut answers = Vec::new();
    for i in 0..5 {
        answers.push(a.say(room, &msg_id(i), "spam").await);
    }
    let acks = answers
        .iter()
        .filter(|f| matches!(f, ServerFrame::Ack(_)))
        .count();
    let slowed = answers
        .iter()
        .filter(|f| {
            matches!(
                f,
                ServerFrame::Error {
                    code: ErrorCode::RateLimited,
                    ..
                }
            )
        })
        .count();
    assert_eq!((acks, slowed), (3, 2));
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM messages")
        .fetch_one(&server.db().await)
        .await
        .expect("count");
    assert_eq!(rows, 3);
    server.stop().await;
}
