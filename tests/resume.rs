//! Nothing lost, nothing doubled: lost acks, lagging readers, resumes that tell the truth,
//! and a graceful shutdown that acks what it committed.

mod support;

use std::collections::{BTreeMap, BTreeSet};

use parlor::protocol::{close, ClientFrame, ResetReason, RoomCursor, RoomId, ServerFrame};
use support::{msg_id, Incoming, Person, Socket, TestServer};

#[tokio::test]
async fn a_lost_ack_is_answered_by_the_retry_with_one_row() {
    let server = TestServer::start().await;
    let alice = Person::sign_up(&server, "alice").await;
    Person::sign_up(&server, "bob").await;
    let room = alice.open_direct(&server, "bob").await;
    let mut a = alice.connect(&server).await;
    a.watch(room, 0).await;
    let id = msg_id(1);
    a.send(&ClientFrame::Send {
        room_id: room,
        client_msg_id: id.clone(),
        body: "are you there?".into(),
        reply_to: None,
    })
    .await;
    // The network drops right after the send, before any ack can arrive.
    a.cut();

    let mut again = alice.connect(&server).await;
    again.watch(room, 0).await;
    let retry = again.say(room, &id, "are you there?").await;
    let ServerFrame::Ack(ack) = retry else {
        panic!("expected the original ack, got {retry:?}")
    };
    assert_eq!((ack.seq, ack.client_msg_id.as_str()), (1, id.as_str()));
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM messages")
        .fetch_one(&server.db().await)
        .await
        .expect("count");
    assert_eq!(rows, 1);
    server.stop().await;
}

/// Sends every message until each is acked, reconnecting (and resending with the same id)
/// whenever the server closes the socket. Returns the acked `seq` of each id.
async fn deliver_all(
    server: &TestServer,
    person: &Person,
    room: RoomId,
    bodies: &[(String, String)],
) -> BTreeMap<String, i64> {
    let mut acked = BTreeMap::new();
    while acked.len() < bodies.len() {
        let mut socket = person.connect(server).await;
        socket.watch(room, 0).await;
        for (id, body) in bodies.iter().filter(|(id, _)| !acked.contains_key(id)) {
            socket
                .send(&ClientFrame::Send {
                    room_id: room,
                    client_msg_id: id.clone(),
                    body: body.clone(),
                    reply_to: None,
                })
                .await;
        }
        while acked.len() < bodies.len() {
            match socket.recv().await {
                Incoming::Frame(ServerFrame::Ack(ack)) => {
                    acked.insert(ack.client_msg_id, ack.seq);
                }
                Incoming::Frame(_) => {}
                Incoming::Closed(code) => {
                    assert_eq!(code, close::RESYNC, "only resync closes are expected here");
                    break;
                }
            }
        }
    }
    acked
}

#[tokio::test]
async fn a_reader_too_slow_for_its_queue_is_told_to_resync_and_ends_with_everything() {
    let dir = tempfile::tempdir().expect("dir");
    let server = TestServer::start_in(dir.path(), |c| c.outbound_queue = 4).await;
    let alice = Person::sign_up(&server, "alice").await;
    let bob = Person::sign_up(&server, "bob").await;
    let room = alice.open_direct(&server, "bob").await;
    let mut reader = bob.connect(&server).await;
    reader.watch(room, 0).await;

    let bodies: Vec<(String, String)> = (0..200)
        .map(|i| (msg_id(i), format!("burst {i}")))
        .collect();
    let acked = deliver_all(&server, &alice, room, &bodies).await;
    assert_eq!(
        acked.values().copied().collect::<BTreeSet<_>>(),
        (1..=200).collect()
    );

    // Bob's socket was closed with the resync code at some point; he resumes from what he has.
    let mut held: Vec<i64> = Vec::new();
    let code = loop {
        match reader.recv().await {
            Incoming::Frame(ServerFrame::Message(m)) => held.push(m.seq),
            Incoming::Frame(_) => {}
            Incoming::Closed(code) => break code,
        }
    };
    assert_eq!(code, close::RESYNC);
    let overflows = support::metrics(server.metrics_addr).await["parlor_queue_overflows_total"];
    assert!(overflows >= 1.0, "{overflows} queue overflows counted");
    let last = held.last().copied().unwrap_or(0);
    let mut again: Socket = bob.connect(&server).await;
    held.extend(again.watch(room, last).await.iter().map(|m| m.seq));
    assert_eq!(
        held,
        (1..=200).collect::<Vec<_>>(),
        "every message once, in order"
    );
    server.stop().await;
}

#[tokio::test]
async fn a_cursor_from_another_epoch_or_too_far_behind_is_told_to_reload() {
    let dir = tempfile::tempdir().expect("dir");
    let server = TestServer::start_in(dir.path(), |c| c.resume_limit = 3).await;
    let alice = Person::sign_up(&server, "alice").await;
    let room = alice.create_room(&server, "notes", false).await;
    let mut a = alice.connect(&server).await;
    a.watch(room, 0).await;
    for i in 0..5 {
        a.say(room, &msg_id(i), "note").await;
    }

    let mut b = alice.connect(&server).await;
    let cases = [
        (
            Some("another-epoch".to_owned()),
            2,
            ResetReason::EpochChanged,
        ),
        (Some(b.epoch.clone()), 1, ResetReason::GapTooLarge),
        (Some(b.epoch.clone()), 9, ResetReason::AheadOfRoom),
    ];
    for (epoch, after_seq, reason) in cases {
        b.send(&ClientFrame::Watch {
            rooms: vec![RoomCursor {
                room_id: room,
                after_seq,
            }],
            epoch,
        })
        .await;
        assert_eq!(
            b.next_content().await,
            ServerFrame::Reset {
                room_id: room,
                reason
            }
        );
    }
    // Within the limit, the same epoch resumes.
    assert_eq!(b.watch(room, 2).await.len(), 3);
    server.stop().await;
}

#[tokio::test]
async fn shutdown_acks_every_committed_send_then_closes_with_the_restart_code() {
    let server = TestServer::start().await;
    let alice = Person::sign_up(&server, "alice").await;
    let room = alice.create_room(&server, "burst", false).await;
    let mut a = alice.connect(&server).await;
    a.watch(room, 0).await;
    for i in 0..100 {
        a.send(&ClientFrame::Send {
            room_id: room,
            client_msg_id: msg_id(i),
            body: format!("m{i}"),
            reply_to: None,
        })
        .await;
    }
    let db = server.db().await;
    let stopping = tokio::spawn(server.stop());
    let mut acked = BTreeSet::new();
    let code = loop {
        match a.recv().await {
            Incoming::Frame(ServerFrame::Ack(ack)) => {
                acked.insert(ack.client_msg_id);
            }
            Incoming::Frame(_) => {}
            Incoming::Closed(code) => break code,
        }
    };
    let _dir = stopping.await.expect("stopped");
    assert_eq!(code, close::SERVICE_RESTART);
    let stored: BTreeSet<String> = sqlx::query_scalar("SELECT client_msg_id FROM messages")
        .fetch_all(&db)
        .await
        .expect("rows")
        .into_iter()
        .collect();
    assert_eq!(
        stored, acked,
        "every stored message was acked before the close"
    );
}
