//! Edits, deletes, reactions and replies over real sockets: each reaches every watcher once,
//! in `seq` order, with the message's full state; a client that was away resumes to the same
//! state as one that stayed; a retry applies once; the sender and the edit window are
//! checked; unread counts count messages only.

mod support;

use std::time::Duration;

use leptos::prelude::GetUntracked;
use parlor::client::Feed;
use parlor::protocol::{ClientFrame, ErrorCode, Message, MessageKind, RoomId, Seq, ServerFrame};
use support::{alice_and_bob, msg_id, Pair, Socket, TestServer};

fn edit(room_id: RoomId, id: &str, seq: Seq, body: &str) -> ClientFrame {
    ClientFrame::Edit {
        room_id,
        client_msg_id: id.into(),
        seq,
        body: body.into(),
    }
}

fn react(room_id: RoomId, id: &str, seq: Seq, on: bool) -> ClientFrame {
    ClientFrame::React {
        room_id,
        client_msg_id: id.into(),
        seq,
        emoji: "👍".into(),
        on,
    }
}

fn delete(room_id: RoomId, id: &str, seq: Seq) -> ClientFrame {
    ClientFrame::Delete {
        room_id,
        client_msg_id: id.into(),
        seq,
    }
}

/// Sends a frame and returns its answer (ack or error), skipping everything else.
async fn ask(socket: &mut Socket, frame: &ClientFrame) -> ServerFrame {
    socket.send(frame).await;
    loop {
        match socket.next_content().await {
            answer @ (ServerFrame::Ack(_) | ServerFrame::Error { .. }) => return answer,
            _ => continue,
        }
    }
}

fn acked_seq(answer: &ServerFrame) -> Seq {
    match answer {
        ServerFrame::Ack(ack) => ack.seq,
        other => panic!("not acked: {other:?}"),
    }
}

fn refused(answer: &ServerFrame) -> ErrorCode {
    match answer {
        ServerFrame::Error {
            code,
            client_msg_id: Some(_),
            ..
        } => *code,
        other => panic!("not refused: {other:?}"),
    }
}

/// The rows a socket receives until it holds `last`, then a little longer, to see that
/// nothing else comes.
async fn rows_until(socket: &mut Socket, last: Seq) -> Vec<Message> {
    let mut rows = Vec::new();
    while rows.last().is_none_or(|m: &Message| m.seq < last) {
        if let ServerFrame::Message(m) = socket.next_content().await {
            rows.push(m);
        }
    }
    for frame in socket.frames_for(Duration::from_millis(200)).await {
        if let ServerFrame::Message(m) = frame {
            rows.push(m);
        }
    }
    rows
}

#[tokio::test]
async fn every_change_reaches_every_watcher_once_in_seq_order() {
    let server = TestServer::start().await;
    let Pair {
        room,
        mut a,
        mut b,
        alice,
        bob,
    } = alice_and_bob(&server).await;
    // Two more tabs that only watch (the asking sockets skip what comes before answers).
    let mut watchers = Vec::new();
    for person in [&alice, &bob] {
        let mut socket = person.connect(&server).await;
        socket.watch(room, 0).await;
        watchers.push(socket);
    }
    assert_eq!(acked_seq(&a.say(room, &msg_id(1), "helo").await), 1);
    assert_eq!(
        acked_seq(&ask(&mut a, &edit(room, &msg_id(2), 1, "hello")).await),
        2
    );
    assert_eq!(
        acked_seq(&ask(&mut b, &react(room, &msg_id(3), 1, true)).await),
        3
    );
    assert_eq!(
        acked_seq(&ask(&mut a, &delete(room, &msg_id(4), 1)).await),
        4
    );
    for socket in &mut watchers {
        let rows = rows_until(socket, 4).await;
        let seen: Vec<(Seq, MessageKind)> = rows.iter().map(|m| (m.seq, m.kind)).collect();
        assert_eq!(
            seen,
            [
                (1, MessageKind::Message),
                (2, MessageKind::Edit),
                (3, MessageKind::React),
                (4, MessageKind::Delete)
            ]
        );
        let states: Vec<&Message> = rows[1..]
            .iter()
            .map(|m| m.target.as_deref().expect("target"))
            .collect();
        assert_eq!((states[0].body.as_str(), states[0].version), ("hello", 2));
        assert!(states[0].edited_at.is_some());
        assert_eq!(states[1].reactions[0].users.len(), 1);
        assert!(states[2].deleted && states[2].body.is_empty() && states[2].version == 4);
    }
    server.stop().await;
}

#[tokio::test]
async fn a_client_that_was_away_resumes_to_the_state_of_one_that_stayed() {
    let server = TestServer::start().await;
    let Pair {
        room,
        mut a,
        mut b,
        bob,
        ..
    } = alice_and_bob(&server).await;
    let mut watcher = bob.connect(&server).await;
    watcher.watch(room, 0).await;
    let mut leaving = bob.connect(&server).await;
    leaving.watch(room, 0).await;
    for i in 1..=3 {
        a.say(room, &msg_id(i), &format!("message {i}")).await;
    }
    let stayed = Feed::new(room);
    stayed.merge(&rows_until(&mut watcher, 3).await);
    // Bob's third tab saw the first three, then lost its network.
    let away = Feed::new(room);
    away.merge(&rows_until(&mut leaving, 3).await);
    leaving.cut();
    let changes = [
        ask(&mut a, &edit(room, &msg_id(10), 2, "message two, edited")).await,
        ask(&mut b, &react(room, &msg_id(11), 1, true)).await,
        ask(&mut a, &react(room, &msg_id(12), 1, true)).await,
        ask(&mut b, &react(room, &msg_id(13), 1, false)).await,
        ask(&mut a, &delete(room, &msg_id(14), 3)).await,
        a.say(room, &msg_id(15), "message four").await,
    ];
    let last = changes.iter().map(acked_seq).max().expect("acked");
    stayed.merge(&rows_until(&mut watcher, last).await);
    let mut back = bob.connect(&server).await;
    away.merge(&back.watch(room, away.last_seq()).await);
    assert_eq!(
        away.messages.get_untracked(),
        stayed.messages.get_untracked()
    );
    assert_eq!(away.last_seq(), last);
    let held = stayed.messages.get_untracked();
    assert_eq!(held.len(), 4, "four messages, the events applied to them");
    assert_eq!(held[1].body, "message two, edited");
    assert_eq!(held[0].reactions[0].users.len(), 1);
    assert!(held[2].deleted);
    // The events applied again, or in another order, change nothing.
    let replay = bob.connect(&server).await.watch(room, 0).await;
    let reordered = Feed::new(room);
    reordered.merge(&replay.iter().rev().cloned().collect::<Vec<_>>());
    reordered.merge(&replay);
    assert_eq!(reordered.messages.get_untracked(), held);
    server.stop().await;
}

#[tokio::test]
async fn a_retried_change_applies_once() {
    let server = TestServer::start().await;
    let Pair {
        room,
        mut a,
        mut b,
        alice,
        ..
    } = alice_and_bob(&server).await;
    let mut watcher = alice.connect(&server).await;
    watcher.watch(room, 0).await;
    a.say(room, &msg_id(1), "hi").await;
    let like = react(room, &msg_id(2), 1, true);
    let first = acked_seq(&ask(&mut b, &like).await);
    assert_eq!(acked_seq(&ask(&mut b, &like).await), first);
    let fix = edit(room, &msg_id(3), 1, "hi all");
    let edited = acked_seq(&ask(&mut a, &fix).await);
    assert_eq!(acked_seq(&ask(&mut a, &fix).await), edited);
    let rows = rows_until(&mut watcher, edited).await;
    assert_eq!(rows.iter().map(|m| m.seq).collect::<Vec<_>>(), [1, 2, 3]);
    let state = rows[2].target.as_deref().expect("target");
    assert_eq!(state.reactions[0].users.len(), 1);
    server.stop().await;
}

#[tokio::test]
async fn only_the_sender_edits_or_deletes_and_only_within_the_window() {
    let server = TestServer::start().await;
    let Pair {
        room, mut a, mut b, ..
    } = alice_and_bob(&server).await;
    a.say(room, &msg_id(1), "alice's").await;
    let theirs = edit(room, &msg_id(2), 1, "bob's now");
    assert_eq!(refused(&ask(&mut b, &theirs).await), ErrorCode::NotYours);
    assert_eq!(
        refused(&ask(&mut b, &delete(room, &msg_id(3), 1)).await),
        ErrorCode::NotYours
    );
    let missing = edit(room, &msg_id(4), 99, "nothing");
    assert_eq!(
        refused(&ask(&mut a, &missing).await),
        ErrorCode::NoSuchMessage
    );
    let odd = ClientFrame::React {
        room_id: room,
        client_msg_id: msg_id(5),
        seq: 1,
        emoji: "🦀".into(),
        on: true,
    };
    assert_eq!(refused(&ask(&mut b, &odd).await), ErrorCode::BadEmoji);
    // The message was sent two hours ago (its row's clock moved; the window is an hour).
    sqlx::query("UPDATE messages SET created_at = created_at - 7200000")
        .execute(&server.db().await)
        .await
        .expect("query");
    let late = edit(room, &msg_id(6), 1, "too late");
    assert_eq!(
        refused(&ask(&mut a, &late).await),
        ErrorCode::EditWindowClosed
    );
    // Nothing of it was stored: the next row is 2.
    assert_eq!(
        acked_seq(&ask(&mut a, &delete(room, &msg_id(7), 1)).await),
        2
    );
    server.stop().await;
}

#[tokio::test]
async fn unread_counts_ignore_edits_and_reactions() {
    let server = TestServer::start().await;
    let Pair {
        room, mut a, bob, ..
    } = alice_and_bob(&server).await;
    a.say(room, &msg_id(1), "one").await;
    ask(&mut a, &edit(room, &msg_id(2), 1, "one!")).await;
    ask(&mut a, &react(room, &msg_id(3), 1, true)).await;
    a.say(room, &msg_id(4), "two").await;
    ask(&mut a, &react(room, &msg_id(5), 4, true)).await;
    let rooms = bob.call(&server, "list_rooms", &[]).await.json();
    let summary = rooms
        .as_array()
        .expect("rooms")
        .iter()
        .find(|r| r["id"] == room)
        .expect("listed")
        .clone();
    assert_eq!(
        (summary["last_seq"].as_i64(), summary["unread"].as_i64()),
        (Some(5), Some(2))
    );
    assert_eq!(summary["last_message"]["body"], "two");
    // The browser's count agrees, from the same summary and the rows the socket brings.
    let feed = Feed::new(room);
    feed.note_seen(5);
    feed.note_unread(5, 0, 2);
    assert_eq!(feed.unread(), 2);
    let mut b2 = bob.connect(&server).await;
    feed.merge(&b2.watch(room, 0).await);
    assert_eq!(feed.unread(), 2);
    feed.advance_read(4);
    assert_eq!(feed.unread(), 0);
    server.stop().await;
}
