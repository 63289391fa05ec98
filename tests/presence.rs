//! Presence, typing and read positions over real sockets: nothing here can get stuck.

mod support;

use parlor::protocol::{close, ClientFrame, RoomId, ServerFrame};
use support::{alice_and_bob, msg_id, Incoming, Pair, Person, TestServer};

#[tokio::test]
async fn two_tabs_of_one_user_make_one_presence_entry() {
    let server = TestServer::start().await;
    let alice = Person::sign_up(&server, "alice").await;
    let bob = Person::sign_up(&server, "bob").await;
    let room = alice.open_direct(&server, "bob").await;
    let mut b = bob.connect(&server).await;
    b.watch(room, 0).await;

    let mut tab1 = alice.connect(&server).await;
    let mut tab2 = alice.connect(&server).await;
    for tab in [&mut tab1, &mut tab2] {
        tab.watch(room, 0).await;
        tab.send(&ClientFrame::Enter { room_id: room }).await;
    }
    let alice_id = tab1.user_id;
    tab1.cut();
    tab2.cut();
    // Bob's snapshots after his own: Alice arrives once and leaves once, no matter how many
    // of her tabs came and went.
    let mut seen = Vec::new();
    while seen.last() != Some(&Vec::new()) || seen.is_empty() {
        let snapshot = b.presence(room).await;
        if seen.is_empty() && snapshot.is_empty() {
            continue;
        }
        seen.push(snapshot);
    }
    b.send(&ClientFrame::Ping {}).await;
    assert_eq!(b.next_content().await, ServerFrame::Pong);
    assert_eq!(seen, [vec![alice_id], vec![]]);
    server.stop().await;
}

#[tokio::test]
async fn a_silent_connection_drops_out_after_the_idle_timeout() {
    // The server's clock drives this: pings every 50 ms, silence for 200 ms is death. The
    // test never sleeps; it waits for the server to act.
    let dir = tempfile::tempdir().expect("dir");
    let server = TestServer::start_in(dir.path(), |c| {
        c.heartbeat_ms = 50;
        c.idle_timeout_ms = 200;
    })
    .await;
    let alice = Person::sign_up(&server, "alice").await;
    let bob = Person::sign_up(&server, "bob").await;
    let room = alice.open_direct(&server, "bob").await;
    let mut b = bob.connect(&server).await;
    b.watch(room, 0).await;
    let mut a = alice.connect(&server).await;
    a.watch(room, 0).await;
    a.send(&ClientFrame::Enter { room_id: room }).await;
    while b.presence(room).await != [a.user_id] {}

    // Alice's laptop lid closes: she reads nothing, so she answers no ping. Bob keeps
    // reading (and so answering pings) and sees her leave.
    assert_eq!(b.presence(room).await, Vec::<i64>::new());
    // When Alice's machine wakes up, her socket was closed with the idle code.
    let code = loop {
        match a.recv().await {
            Incoming::Closed(code) => break code,
            Incoming::Frame(_) => continue,
        }
    };
    // The close frame (4002) sits behind the pings she never answered; reading them makes
    // her client answer on a socket the server already shut, which may surface as 1006.
    assert!(
        code == close::IDLE_TIMEOUT || code == 1006,
        "closed by the server, got {code}"
    );
    server.stop().await;
}

#[tokio::test]
async fn typing_is_passed_on_and_throttled() {
    let server = TestServer::start().await;
    let Pair {
        room, mut a, mut b, ..
    } = alice_and_bob(&server).await;
    for _ in 0..5 {
        a.send(&ClientFrame::Typing { room_id: room }).await;
    }
    a.say(room, &msg_id(1), "done").await;
    let mut typing = 0;
    loop {
        match b.next_content().await {
            ServerFrame::Typing { user_id, .. } => {
                assert_eq!(user_id, a.user_id);
                typing += 1;
            }
            ServerFrame::Message(_) => break,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(typing, 1, "five notices within a second become one");
    server.stop().await;
}

/// Bob's unread count for `room`, from the room list.
async fn unread(server: &TestServer, person: &Person, room: RoomId) -> i64 {
    let rooms = person.call(server, "list_rooms", &[]).await.json();
    let room = rooms
        .as_array()
        .and_then(|rooms| rooms.iter().find(|r| r["id"] == room))
        .unwrap_or_else(|| panic!("room {room} listed: {rooms}"))
        .clone();
    room["last_seq"].as_i64().expect("last_seq") - room["last_read_seq"].as_i64().expect("read")
}

#[tokio::test]
async fn unread_counts_follow_messages_reading_and_reconnects_and_never_go_back() {
    let server = TestServer::start().await;
    let alice = Person::sign_up(&server, "alice").await;
    let bob = Person::sign_up(&server, "bob").await;
    let room = alice.open_direct(&server, "bob").await;
    let mut a = alice.connect(&server).await;
    a.watch(room, 0).await;
    for i in 0..3 {
        a.say(room, &msg_id(i), "unread?").await;
    }
    assert_eq!(unread(&server, &bob, room).await, 3);

    // Bob reads two of them; Alice (the other person in a direct room) is told.
    let mut b = bob.connect(&server).await;
    b.watch(room, 0).await;
    b.send(&ClientFrame::Read {
        room_id: room,
        seq: 2,
    })
    .await;
    let marker = loop {
        if let ServerFrame::ReadMarker { user_id, seq, .. } = a.next_content().await {
            break (user_id, seq);
        }
    };
    assert_eq!(marker, (b.user_id, 2));
    assert_eq!(unread(&server, &bob, room).await, 1);

    // A read position never moves backwards, nor past the last message.
    b.send(&ClientFrame::Read {
        room_id: room,
        seq: 1,
    })
    .await;
    b.send(&ClientFrame::Ping {}).await;
    while b.next_content().await != ServerFrame::Pong {}
    assert_eq!(unread(&server, &bob, room).await, 1);
    b.send(&ClientFrame::Read {
        room_id: room,
        seq: 99,
    })
    .await;
    b.send(&ClientFrame::Ping {}).await;
    while b.next_content().await != ServerFrame::Pong {}
    assert_eq!(unread(&server, &bob, room).await, 0);

    // After a reconnect, the room says where Bob was and where Alice is.
    a.say(room, &msg_id(9), "one more").await;
    drop(b);
    let mut b = bob.connect(&server).await;
    b.send(&ClientFrame::Watch {
        rooms: vec![parlor::protocol::RoomCursor {
            room_id: room,
            after_seq: 3,
        }],
        epoch: Some(b.epoch.clone()),
    })
    .await;
    let caught_up = loop {
        match b.next_content().await {
            ServerFrame::CaughtUp {
                read_seq,
                peer_read_seq,
                last_seq,
                ..
            } => break (last_seq, read_seq, peer_read_seq),
            ServerFrame::Message(m) => assert_eq!(m.seq, 4),
            other => panic!("unexpected {other:?}"),
        }
    };
    assert_eq!(caught_up, (4, 3, Some(0)));
    assert_eq!(unread(&server, &bob, room).await, 1);
    server.stop().await;
}
