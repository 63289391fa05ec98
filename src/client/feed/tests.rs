//! `Feed` on the host: merging by `seq`, the outbox of pending sends, and unread counts
//! derived from `seq`s.

use super::*;
use crate::model::Me;
use crate::protocol::{ClientFrame, MessageKind};

pub(crate) fn message(seq: Seq, client_msg_id: &str) -> Message {
    Message {
        id: seq,
        room_id: 7,
        seq,
        sender_id: 2,
        sender_name: "Bob".into(),
        sender_username: "bob".into(),
        client_msg_id: client_msg_id.into(),
        body: format!("body {seq}"),
        created_at: seq * 1_000,
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

fn seqs(feed: &Feed) -> Vec<Seq> {
    feed.messages
        .get_untracked()
        .iter()
        .map(|m| m.seq)
        .collect()
}

fn me() -> Me {
    Me {
        user_id: 1,
        username: "alice".into(),
        display_name: "Alice".into(),
    }
}

#[test]
fn merging_keeps_seq_order_and_each_seq_once_whatever_the_arrival_order() {
    let feed = Feed::new(7);
    feed.merge(&[message(3, "c"), message(1, "a")]);
    feed.merge(&[message(2, "b"), message(3, "c"), message(5, "e")]);
    feed.merge(&[message(1, "a"), message(4, "d")]);
    assert_eq!(seqs(&feed), [1, 2, 3, 4, 5]);
    feed.merge(&[]);
    assert_eq!(feed.last_seq(), 5);
}

#[test]
fn a_stored_copy_retires_the_pending_send_with_its_client_msg_id() {
    let feed = Feed::new(7);
    feed.push_pending(pending("x"));
    feed.push_pending(pending("y"));
    feed.merge(&[message(1, "x")]);
    let left: Vec<String> = feed
        .pending
        .get_untracked()
        .into_iter()
        .map(|p| p.client_msg_id)
        .collect();
    assert_eq!(left, ["y"]);
    // A send restored from storage after its copy arrived is not shown twice.
    feed.push_pending(pending("x"));
    assert_eq!(feed.pending.get_untracked().len(), 1);
}

#[test]
fn an_ack_becomes_the_stored_message_and_a_repeated_ack_changes_nothing() {
    let feed = Feed::new(7);
    feed.push_pending(pending("x"));
    let ack = Ack {
        room_id: 7,
        client_msg_id: "x".into(),
        id: 40,
        seq: 9,
        created_at: 5,
        html: String::new(),
    };
    feed.ack(&ack, &me());
    feed.ack(&ack, &me());
    let held = feed.messages.get_untracked();
    assert_eq!(held.len(), 1);
    assert_eq!(
        (held[0].seq, held[0].sender_id, held[0].body.as_str()),
        (9, 1, "body of x")
    );
    assert!(feed.pending.get_untracked().is_empty());
}

#[test]
fn a_send_without_answer_fails_after_max_tries_and_a_retry_starts_over() {
    let feed = Feed::new(7);
    feed.push_pending(pending("x"));
    for n in 1..=MAX_TRIES {
        assert_eq!(feed.take_try("x").map(|p| p.tries), Some(n));
    }
    assert_eq!(feed.take_try("x"), None);
    assert_eq!(
        feed.pending.get_untracked()[0].state,
        PendingState::Failed(FailReason::NoAnswer)
    );
    assert!(feed.unsent().is_empty(), "a failed send waits for the user");
    feed.retry("x");
    assert_eq!(feed.unsent(), ["x"]);
    assert_eq!(feed.take_try("x").map(|p| p.tries), Some(1));
    feed.discard("x");
    assert_eq!(feed.take_try("x"), None);
}

#[test]
fn a_refused_send_is_failed_with_its_reason_and_not_resent() {
    let feed = Feed::new(7);
    feed.push_pending(pending("x"));
    feed.push_pending(pending("y"));
    feed.fail("x", FailReason::Refused(ErrorCode::BodyTooLong));
    assert_eq!(feed.unsent(), ["y"]);
}

#[test]
fn unread_counts_messages_from_the_servers_count_and_what_is_held() {
    let feed = Feed::new(7);
    feed.note_seen(10);
    // Ten rows, six of them messages (the rest edits and reactions), none read.
    feed.note_unread(10, 0, 6);
    assert_eq!(
        feed.unread(),
        6,
        "the server's count before any message is held"
    );
    feed.merge(&[
        message(12, "l"),
        event(13, MessageKind::React, state(12, 13, "body 12")),
    ]);
    assert_eq!(
        feed.unread(),
        7,
        "the new message counts, the reaction does not"
    );
    feed.advance_read(10);
    assert_eq!(feed.unread(), 1);
    feed.advance_read(2);
    assert_eq!(
        feed.read_seq.get_untracked(),
        10,
        "a read position never moves back"
    );
    feed.advance_read(13);
    assert_eq!(feed.unread(), 0);
    feed.advance_read(99);
    assert_eq!(feed.unread(), 0, "never negative");
}

/// Message `seq` in the state of `version`, with this body.
fn state(seq: Seq, version: Seq, body: &str) -> Message {
    Message {
        version,
        body: body.into(),
        ..message(seq, &format!("m{seq}"))
    }
}

/// An event at `seq` that brings `target`.
fn event(seq: Seq, kind: MessageKind, target: Message) -> Message {
    Message {
        kind,
        body: String::new(),
        target: Some(Box::new(target)),
        ..message(seq, &format!("e{seq}"))
    }
}

#[test]
fn an_event_replaces_a_held_message_by_a_newer_state_only() {
    let feed = Feed::new(7);
    feed.merge(&[state(1, 1, "first")]);
    feed.merge(&[event(3, MessageKind::Edit, state(1, 3, "edited"))]);
    let held = feed.messages.get_untracked();
    assert_eq!(
        (held.len(), held[0].body.as_str()),
        (1, "edited"),
        "events are not held"
    );
    assert_eq!(feed.last_seq(), 3, "the cursor counts the event");
    // An older state, arriving late, changes nothing; nor does the same one again.
    feed.merge(&[event(2, MessageKind::React, state(1, 2, "first"))]);
    feed.merge(&[event(3, MessageKind::Edit, state(1, 3, "edited"))]);
    assert_eq!(feed.messages.get_untracked()[0].body, "edited");
    // A message's own row, replayed after its edit, is older too.
    feed.merge(&[state(1, 1, "first")]);
    assert_eq!(feed.messages.get_untracked()[0].body, "edited");
    // An event about a message not loaded moves only the cursor.
    feed.merge(&[event(9, MessageKind::Delete, state(5, 9, ""))]);
    assert_eq!(seqs(&feed), [1]);
    assert_eq!(feed.last_seq(), 9);
}

#[test]
fn a_change_is_sent_until_answered_and_a_refusal_is_kept() {
    let feed = Feed::new(7);
    feed.push_change("c1".into(), Change::Delete { seq: 1 });
    assert_eq!(feed.unsent_changes(), ["c1"]);
    let frame = feed.take_change("c1");
    assert!(
        matches!(frame, Some(ClientFrame::Delete { seq: 1, .. })),
        "{frame:?}"
    );
    assert!(feed.settle_change("c1", Some(FailReason::Refused(ErrorCode::NotYours))));
    assert_eq!(
        feed.refused.get_untracked(),
        Some(FailReason::Refused(ErrorCode::NotYours))
    );
    assert!(feed.unsent_changes().is_empty());
    assert!(!feed.settle_change("c1", None), "answered once");
    let edit = Change::Edit {
        seq: 1,
        body: "x".into(),
    };
    feed.push_change("c2".into(), edit);
    assert_eq!(
        feed.refused.get_untracked(),
        None,
        "a new change clears the refusal"
    );
    for _ in 0..MAX_TRIES {
        assert!(feed.take_change("c2").is_some());
    }
    assert!(feed.take_change("c2").is_none(), "dropped after its tries");
    assert!(feed.unsent_changes().is_empty());
}

#[test]
fn replacing_after_a_reset_drops_what_was_held_and_the_old_floor() {
    let feed = Feed::new(7);
    feed.note_seen(50);
    feed.merge(&[message(49, "a"), message(50, "b")]);
    feed.replace(vec![message(3, "c"), message(4, "d")]);
    assert_eq!(seqs(&feed), [3, 4]);
    assert_eq!(
        feed.last_seq(),
        4,
        "the resume cursor comes from the new database"
    );
}

#[test]
fn typing_notices_expire_and_end_when_the_typist_sends() {
    let feed = Feed::new(7);
    feed.typing_from(2, "Bob".into(), 0.0);
    feed.typing_from(3, "Carol".into(), 1_000.0);
    feed.typing_from(2, "Bob".into(), 2_000.0);
    assert_eq!(feed.typing.get_untracked().len(), 2, "one entry per typist");
    feed.expire_typing(2_500.0, Some(3));
    assert_eq!(feed.typing.get_untracked()[0].user_id, 2);
    feed.expire_typing(2_000.0 + TYPING_MS, None);
    assert!(feed.typing.get_untracked().is_empty());
}
