//! The client's protocol on the host: what a connection sends, how frames apply, backoff.

use super::*;
use crate::client::{Change, FailReason, PendingState};
use crate::protocol::{Ack, Message, PresenceUser, ResetReason, Seq};

/// A chat for Alice, under a reactive owner of its own (each test runs on its own thread).
fn chat() -> Chat {
    let owner = Owner::new();
    owner.set();
    std::mem::forget(owner);
    let chat = Chat::new();
    chat.me.set(Some(Me {
        user_id: 1,
        username: "alice".into(),
        display_name: "Alice".into(),
    }));
    chat
}

fn message(room_id: RoomId, seq: Seq, sender_id: i64, body: &str) -> Message {
    Message {
        id: seq,
        room_id,
        seq,
        sender_id,
        sender_name: format!("user {sender_id}"),
        sender_username: format!("u{sender_id}"),
        client_msg_id: format!("c{room_id}-{seq}"),
        body: body.into(),
        created_at: 0,
        ..Message::default()
    }
}

fn pending(id: &str) -> Pending {
    Pending {
        client_msg_id: id.into(),
        body: format!("body of {id}"),
        state: PendingState::Sending,
        tries: 0,
        reply_to: None,
    }
}

fn hello(epoch: &str) -> ServerFrame {
    ServerFrame::Hello {
        user_id: 1,
        display_name: "Alice K.".into(),
        epoch: epoch.into(),
        max_body_chars: 500,
    }
}

#[test]
fn hello_sets_the_status_the_epoch_the_name_and_the_body_limit() {
    let chat = chat();
    assert_eq!(apply(chat, hello("e1"), 0.0), []);
    assert_eq!(chat.status.get_untracked(), ConnStatus::Live);
    assert_eq!(chat.epoch.get_untracked().as_deref(), Some("e1"));
    assert_eq!(
        chat.me.get_untracked().map(|m| m.display_name).as_deref(),
        Some("Alice K.")
    );
    assert_eq!(chat.max_body_chars.get_untracked(), Some(500));
}

#[test]
fn the_opening_resumes_every_room_from_its_cursor_then_enters_reads_and_resends() {
    let chat = chat();
    apply(chat, hello("e1"), 0.0);
    let mut intents = Intents::default();
    for command in [Command::Watch(4), Command::Watch(2), Command::Enter(4)] {
        intents.remember(&command);
    }
    chat.feed(2)
        .merge(&[message(2, 1, 2, "a"), message(2, 2, 2, "b")]);
    chat.feed(4).note_seen(9);
    chat.feed(4).advance_read(7);
    chat.feed(4).push_pending(pending("p1"));
    chat.feed(4).push_pending(pending("p2"));
    let frames = opening(chat, &intents);
    assert_eq!(
        frames,
        [
            ClientFrame::Watch {
                rooms: vec![
                    RoomCursor {
                        room_id: 2,
                        after_seq: 2
                    },
                    RoomCursor {
                        room_id: 4,
                        after_seq: 9
                    },
                ],
                epoch: Some("e1".into()),
            },
            ClientFrame::Enter { room_id: 4 },
            ClientFrame::Read { room_id: 4, seq: 7 },
            ClientFrame::Send {
                room_id: 4,
                client_msg_id: "p1".into(),
                body: "body of p1".into(),
                reply_to: None,
            },
            ClientFrame::Send {
                room_id: 4,
                client_msg_id: "p2".into(),
                body: "body of p2".into(),
                reply_to: None,
            },
        ]
    );
    assert_eq!(
        chat.feed(4).pending.get_untracked()[0].tries,
        1,
        "each resend is a try"
    );
}

#[test]
fn commands_become_frames_only_when_they_are_news() {
    let chat = chat();
    let mut intents = Intents::default();
    let watch = Command::Watch(3);
    assert!(matches!(
        frame_for(chat, &intents, &watch),
        Some(ClientFrame::Watch { .. })
    ));
    intents.remember(&watch);
    assert_eq!(frame_for(chat, &intents, &watch), None, "watched already");
    assert!(
        matches!(
            frame_for(chat, &intents, &Command::Rewatch(3)),
            Some(ClientFrame::Watch { .. })
        ),
        "a reset watches again"
    );
    intents.remember(&Command::Enter(3));
    intents.remember(&Command::Exit(5));
    assert_eq!(
        intents.entered,
        Some(3),
        "leaving another room keeps this one"
    );
    intents.remember(&Command::Exit(3));
    assert_eq!(intents.entered, None);
    let send = Command::Send(3, "gone".into());
    assert_eq!(
        frame_for(chat, &intents, &send),
        None,
        "nothing pending under that id"
    );
}

#[test]
fn messages_merge_by_seq_and_a_mention_asks_for_a_notification() {
    let chat = chat();
    let room = 6;
    assert_eq!(
        apply(chat, ServerFrame::Message(message(room, 2, 2, "hi")), 0.0),
        []
    );
    let mention = ServerFrame::Message(message(room, 1, 2, "@alice look"));
    assert_eq!(
        apply(chat, mention, 0.0),
        [Effect::Notify {
            sender: "user 2".into(),
            body: "@alice look".into()
        }]
    );
    let own = ServerFrame::Message(message(room, 3, 1, "@alice myself"));
    assert_eq!(apply(chat, own, 0.0), [], "never for one's own message");
    apply(chat, ServerFrame::Message(message(room, 2, 2, "hi")), 0.0);
    let seqs: Vec<Seq> = chat
        .feed(room)
        .messages
        .get_untracked()
        .iter()
        .map(|m| m.seq)
        .collect();
    assert_eq!(seqs, [1, 2, 3]);
}

#[test]
fn acks_caught_up_and_read_markers_move_the_right_positions() {
    let chat = chat();
    let feed = chat.feed(8);
    feed.push_pending(pending("p"));
    let ack = Ack {
        room_id: 8,
        client_msg_id: "p".into(),
        id: 1,
        seq: 5,
        created_at: 0,
        html: String::new(),
    };
    apply(chat, ServerFrame::Ack(ack), 0.0);
    assert!(feed.pending.get_untracked().is_empty());
    let caught_up = ServerFrame::CaughtUp {
        room_id: 8,
        last_seq: 5,
        read_seq: 3,
        peer_read_seq: Some(2),
    };
    apply(chat, caught_up, 0.0);
    assert_eq!(
        (
            feed.read_seq.get_untracked(),
            feed.peer_read_seq.get_untracked()
        ),
        (3, Some(2))
    );
    apply(
        chat,
        ServerFrame::ReadMarker {
            room_id: 8,
            user_id: 1,
            seq: 5,
        },
        0.0,
    );
    apply(
        chat,
        ServerFrame::ReadMarker {
            room_id: 8,
            user_id: 2,
            seq: 4,
        },
        0.0,
    );
    apply(
        chat,
        ServerFrame::ReadMarker {
            room_id: 8,
            user_id: 2,
            seq: 1,
        },
        0.0,
    );
    assert_eq!(
        (
            feed.read_seq.get_untracked(),
            feed.peer_read_seq.get_untracked()
        ),
        (5, Some(4))
    );
    assert_eq!(feed.unread(), 0);
}

#[test]
fn typing_from_others_shows_and_asks_for_expiry_but_ones_own_does_not() {
    let chat = chat();
    let theirs = ServerFrame::Typing {
        room_id: 2,
        user_id: 2,
        display_name: "Bob".into(),
    };
    assert_eq!(apply(chat, theirs, 100.0), [Effect::ExpireTyping(2)]);
    let mine = ServerFrame::Typing {
        room_id: 2,
        user_id: 1,
        display_name: "Alice".into(),
    };
    assert_eq!(apply(chat, mine, 100.0), []);
    assert_eq!(chat.feed(2).typing.get_untracked().len(), 1);
    // Bob's message ends his notice.
    apply(chat, ServerFrame::Message(message(2, 1, 2, "done")), 200.0);
    assert!(chat.feed(2).typing.get_untracked().is_empty());
}

#[test]
fn errors_fail_retry_or_log_by_their_code() {
    let chat = chat();
    let feed = chat.feed(3);
    feed.push_pending(pending("a"));
    feed.push_pending(pending("b"));
    let error = |code, id: Option<&str>| ServerFrame::Error {
        code,
        message: "no".into(),
        client_msg_id: id.map(Into::into),
        room_id: Some(3),
        until: None,
    };
    assert_eq!(
        apply(chat, error(ErrorCode::BodyTooLong, Some("a")), 0.0),
        []
    );
    assert_eq!(
        feed.pending.get_untracked()[0].state,
        PendingState::Failed(FailReason::Refused(ErrorCode::BodyTooLong))
    );
    assert_eq!(
        apply(chat, error(ErrorCode::StoreUnavailable, Some("b")), 0.0),
        [Effect::RetryLater(3, "b".into())]
    );
    assert_eq!(
        apply(chat, error(ErrorCode::BadFrame, None), 0.0),
        [Effect::Log("no".into(), true)]
    );
    let reset = ServerFrame::Reset {
        room_id: 3,
        reason: ResetReason::GapTooLarge,
    };
    assert_eq!(apply(chat, reset, 0.0), [Effect::Reload(3)]);
}

#[test]
fn presence_snapshots_reach_the_feed() {
    let chat = chat();
    let online = vec![PresenceUser {
        user_id: 2,
        display_name: "Bob".into(),
    }];
    apply(
        chat,
        ServerFrame::Presence {
            room_id: 4,
            online: online.clone(),
        },
        0.0,
    );
    assert_eq!(chat.feed(4).online.get_untracked(), Some(online));
}

#[test]
fn backoff_retries_a_lost_live_connection_at_once_then_doubles_up_to_the_cap() {
    assert!(backoff(1, 0.99) <= Duration::from_millis(100));
    assert_eq!(backoff(2, 0.0), Duration::from_millis(125));
    assert_eq!(backoff(3, 0.0), Duration::from_millis(250));
    assert!(backoff(3, 0.999) < Duration::from_millis(500));
    assert_eq!(backoff(30, 0.0), Duration::from_millis(7_500));
    assert!(backoff(30, 0.999) <= Duration::from_millis(MAX_BACKOFF_MS as u64));
}

#[test]
fn a_change_goes_out_now_again_on_reconnect_and_ends_with_its_answer() {
    let chat = chat();
    apply(chat, hello("e1"), 0.0);
    let mut intents = Intents::default();
    intents.remember(&Command::Watch(4));
    let feed = chat.feed(4);
    feed.push_change("c1".into(), Change::Delete { seq: 3 });
    let now = frame_for(chat, &intents, &Command::Send(4, "c1".into()));
    assert!(
        matches!(now, Some(ClientFrame::Delete { seq: 3, .. })),
        "{now:?}"
    );
    // The connection dropped before the answer: the next one sends it again.
    let frames = opening(chat, &intents);
    assert!(
        frames.iter().any(
            |f| matches!(f, ClientFrame::Delete { client_msg_id, .. } if client_msg_id == "c1")
        ),
        "{frames:?}"
    );
    // A retriable refusal asks for a later try; a final one ends it and is kept to show.
    let busy = ServerFrame::Error {
        code: ErrorCode::StoreUnavailable,
        message: String::new(),
        client_msg_id: Some("c1".into()),
        room_id: Some(4),
        until: None,
    };
    assert_eq!(apply(chat, busy, 0.0), [Effect::RetryLater(4, "c1".into())]);
    let refused = ServerFrame::Error {
        code: ErrorCode::NotYours,
        message: String::new(),
        client_msg_id: Some("c1".into()),
        room_id: Some(4),
        until: None,
    };
    apply(chat, refused, 0.0);
    assert!(feed.unsent_changes().is_empty());
    assert_eq!(
        feed.refused.get_untracked(),
        Some(FailReason::Refused(ErrorCode::NotYours))
    );
    // An ack ends a change too, and shows nothing by itself: the event brings the state.
    feed.push_change("c2".into(), Change::Delete { seq: 3 });
    let ack = Ack {
        client_msg_id: "c2".into(),
        room_id: 4,
        seq: 9,
        id: 9,
        created_at: 0,
        html: String::new(),
    };
    apply(chat, ServerFrame::Ack(ack), 0.0);
    assert!(feed.unsent_changes().is_empty());
    assert!(feed.messages.get_untracked().is_empty());
}
