//! Edits, deletes, reactions and replies in the store, on both backends: each takes the
//! room's next `seq`, carries its target's full state, is checked in the transaction, and a
//! deleted body leaves the table.

use super::*;
use crate::protocol::{MessageKind, REACTIONS};
use crate::server::store::test_user;
use crate::server::store::testing::on_both_backends;

on_both_backends!(
    every_change_is_a_row_of_the_sequence_with_its_target_state,
    an_edit_after_the_window_is_refused,
    changes_in_one_batch_see_each_other,
);

const HOUR_MS: i64 = 3_600_000;

fn request(room: RoomId, sender: UserId, id: &str, action: Action) -> SendRequest {
    SendRequest {
        room_id: room,
        sender_id: sender,
        sender_name: String::new(),
        sender_username: String::new(),
        client_msg_id: id.into(),
        action,
    }
}

async fn one(store: &Store, req: SendRequest) -> SendOutcome {
    let mut out = store.write_batch(&[req]).await.expect("commit");
    out.pop().expect("one outcome")
}

fn stored(outcome: SendOutcome) -> Message {
    match outcome {
        SendOutcome::Stored(m) => m,
        other => panic!("not stored: {other:?}"),
    }
}

async fn every_change_is_a_row_of_the_sequence_with_its_target_state(store: Store) {
    let (ann, ben) = (
        test_user(&store, "ann").await,
        test_user(&store, "ben").await,
    );
    let room = store.open_direct(ann, ben).await.expect("query");
    let req = |who, id: &str, action| request(room, who, id, action);
    let first = stored(
        one(
            &store,
            req(ann, "a1", Action::post("hello **world**", None)),
        )
        .await,
    );
    assert_eq!((first.seq, first.version), (1, 1));
    assert_eq!(first.html, "<p>hello <strong>world</strong></p>");

    let edit = |body: &str| Action::edit(1, body, HOUR_MS);
    let refused = one(&store, req(ben, "b1", edit("mine now"))).await;
    assert_eq!(refused, SendOutcome::Refused(ErrorCode::NotYours));
    let edited = stored(one(&store, req(ann, "a2", edit("hello there"))).await);
    assert_eq!((edited.seq, edited.kind), (2, MessageKind::Edit));
    assert_eq!(edited.body, "", "an event keeps no text of its own");
    let target = edited.target.expect("the edit carries its target");
    assert_eq!((target.seq, target.version), (1, 2));
    assert_eq!(
        (target.body.as_str(), target.html.as_str()),
        ("hello there", "<p>hello there</p>")
    );
    assert!(target.edited_at.is_some());

    let like = |on| Action::React {
        seq: 1,
        emoji: REACTIONS[0].into(),
        on,
    };
    let reacted = stored(one(&store, req(ben, "b2", like(true))).await);
    assert_eq!((reacted.seq, reacted.kind), (3, MessageKind::React));
    // The same request again (a retry) is answered with the same row and changes nothing.
    let again = one(&store, req(ben, "b2", like(true))).await;
    assert!(
        matches!(&again, SendOutcome::Duplicate(m) if m.seq == 3),
        "{again:?}"
    );
    let both = stored(one(&store, req(ann, "a3", like(true))).await);
    let reactions = both.target.expect("target").reactions;
    assert_eq!(reactions.len(), 1);
    let who: Vec<UserId> = reactions[0].users.iter().map(|u| u.user_id).collect();
    assert_eq!(who, [ben, ann], "in the order they reacted");
    let taken_back = stored(one(&store, req(ben, "b3", like(false))).await);
    let users = &taken_back.target.expect("target").reactions[0].users;
    assert_eq!(users.iter().map(|u| u.user_id).collect::<Vec<_>>(), [ann]);

    let reply = stored(one(&store, req(ben, "b4", Action::post("agreed", Some(1)))).await);
    let quote = reply.reply.expect("a reply carries its quote");
    assert_eq!(
        (quote.seq, quote.excerpt.as_str(), quote.deleted),
        (1, "hello there", false)
    );
    let no_parent = one(&store, req(ben, "b5", Action::post("to nothing", Some(99)))).await;
    assert_eq!(no_parent, SendOutcome::Refused(ErrorCode::NoSuchMessage));

    let delete = Action::Delete { seq: 1 };
    let refused = one(&store, req(ben, "b6", delete.clone())).await;
    assert_eq!(refused, SendOutcome::Refused(ErrorCode::NotYours));
    let deleted = stored(one(&store, req(ann, "a4", delete)).await);
    assert_eq!((deleted.seq, deleted.kind), (7, MessageKind::Delete));
    let tombstone = deleted.target.expect("target");
    assert!(tombstone.deleted && tombstone.body.is_empty() && tombstone.html.is_empty());
    assert!(tombstone.reactions.is_empty());
    for (id, action) in [("a5", edit("back")), ("a6", like(true))] {
        let late = one(&store, req(ann, id, action)).await;
        assert_eq!(late, SendOutcome::Refused(ErrorCode::NoSuchMessage), "{id}");
    }

    // The table itself holds no trace of the deleted text, in any row.
    let traces: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM messages WHERE body LIKE '%hello%' OR html LIKE '%hello%'",
    )
    .fetch_one(&store.pool)
    .await
    .expect("query");
    assert_eq!(traces, 0);

    // History pages hold messages only, in their current state; a resume holds every row.
    let page = store.latest(room, 50).await.expect("query");
    assert_eq!(page.iter().map(|m| m.seq).collect::<Vec<_>>(), [1, 6]);
    assert!(page[0].deleted && page[0].body.is_empty());
    assert!(
        page[1].reply.as_ref().is_some_and(|q| q.deleted),
        "the quote says deleted"
    );
    let replay = store.after(room, 0, 50).await.expect("query");
    assert_eq!(
        replay.iter().map(|m| m.seq).collect::<Vec<_>>(),
        [1, 2, 3, 4, 5, 6, 7]
    );
    for event in replay.iter().filter(|m| !m.is_message()) {
        let target = event.target.as_ref().expect("every event has its target");
        assert!(
            target.deleted && target.version == 7,
            "current state: {target:?}"
        );
    }

    // Unread counts count the two messages, not the five events.
    let rooms = store.rooms_for(ben, 0).await.expect("query");
    let summary = rooms.iter().find(|r| r.id == room).expect("listed");
    assert_eq!((summary.last_seq, summary.unread), (7, 2));
    assert_eq!(summary.last_message.as_ref().map(|m| m.seq), Some(6));
    store.mark_read(room, ben, 3).await.expect("query");
    let rooms = store.rooms_for(ben, 0).await.expect("query");
    assert_eq!(
        rooms.iter().find(|r| r.id == room).map(|r| r.unread),
        Some(1)
    );
}

async fn an_edit_after_the_window_is_refused(store: Store) {
    let (ann, ben) = (
        test_user(&store, "ann").await,
        test_user(&store, "ben").await,
    );
    let room = store.open_direct(ann, ben).await.expect("query");
    stored(one(&store, request(room, ann, "a1", Action::post("typo", None))).await);
    // Two hours pass (the row's clock moved back, not the test's).
    sqlx::query("UPDATE messages SET created_at = created_at - $1")
        .bind(2 * HOUR_MS)
        .execute(&store.pool)
        .await
        .expect("query");
    let late = one(
        &store,
        request(room, ann, "a2", Action::edit(1, "fixed", HOUR_MS)),
    )
    .await;
    assert_eq!(late, SendOutcome::Refused(ErrorCode::EditWindowClosed));
    let wider = Action::edit(1, "fixed", 3 * HOUR_MS);
    let edited = stored(one(&store, request(room, ann, "a3", wider)).await);
    assert_eq!(edited.seq, 2, "a refused change takes no seq");
    // Deleting has no window.
    stored(one(&store, request(room, ann, "a4", Action::Delete { seq: 1 })).await);
}

async fn changes_in_one_batch_see_each_other(store: Store) {
    let (ann, ben) = (
        test_user(&store, "ann").await,
        test_user(&store, "ben").await,
    );
    let room = store.open_direct(ann, ben).await.expect("query");
    stored(one(&store, request(room, ann, "a1", Action::post("one", None))).await);
    let out = store
        .write_batch(&[
            request(room, ann, "a2", Action::edit(1, "two", HOUR_MS)),
            request(room, ann, "a3", Action::Delete { seq: 1 }),
            request(room, ann, "a4", Action::edit(1, "three", HOUR_MS)),
            request(room, ann, "a2", Action::edit(1, "two", HOUR_MS)),
        ])
        .await
        .expect("commit");
    assert!(matches!(&out[0], SendOutcome::Stored(m) if m.seq == 2));
    assert!(matches!(&out[1], SendOutcome::Stored(m) if m.seq == 3));
    assert_eq!(out[2], SendOutcome::Refused(ErrorCode::NoSuchMessage));
    assert!(matches!(&out[3], SendOutcome::Duplicate(m) if m.seq == 2));
    // Both events carry the state after the batch: the last word is the delete.
    for outcome in &out[..2] {
        let SendOutcome::Stored(m) = outcome else {
            unreachable!()
        };
        let target = m.target.as_ref().expect("target");
        assert!(target.deleted && target.version == 3, "{target:?}");
    }
    assert_eq!(store.last_seq(room).await.expect("query"), 3);
}
