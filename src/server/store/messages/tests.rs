//! The batch write: gap-free seqs, retries answered with the original, batches over
//! several rooms and larger than one INSERT; on both backends.

use super::*;
use crate::server::store::test_user;
use crate::server::store::testing::on_both_backends;

on_both_backends!(
    seq_is_gap_free_and_retries_are_answered_with_the_original,
    a_batch_over_several_rooms_numbers_each_room_and_names_every_row,
    a_batch_larger_than_one_insert_is_stored_whole,
);

async fn seq_is_gap_free_and_retries_are_answered_with_the_original(store: Store) {
    let mut ids = Vec::new();
    for name in ["ann", "ben", "eve"] {
        ids.push(test_user(&store, name).await);
    }
    let room = store.open_direct(ids[0], ids[1]).await.expect("query");
    let req = |sender: UserId, id: &str| SendRequest {
        room_id: room,
        sender_id: sender,
        sender_name: String::new(),
        sender_username: String::new(),
        client_msg_id: id.into(),
        action: Action::post("hi", None),
    };
    let out = store
        .write_batch(&[
            req(ids[0], "a1"),
            req(ids[1], "b1"),
            req(ids[2], "e1"),
            req(ids[0], "a1"),
        ])
        .await
        .expect("commit");
    let Some(SendOutcome::Stored(first)) = out.first() else {
        panic!("first stored: {out:?}");
    };
    assert_eq!(first.seq, 1);
    assert!(matches!(&out[1], SendOutcome::Stored(m) if m.seq == 2));
    assert_eq!(out[2], SendOutcome::NotMember);
    assert!(matches!(&out[3], SendOutcome::Duplicate(m) if m.id == first.id));
    let stored = store.after(room, 0, 10).await.expect("query");
    assert_eq!(stored.iter().map(|m| m.seq).collect::<Vec<_>>(), [1, 2]);
    assert_eq!(store.latest(room, 1).await.expect("query")[0].seq, 2);
    assert_eq!(store.before(room, 2, 10).await.expect("query").len(), 1);
}

async fn a_batch_over_several_rooms_numbers_each_room_and_names_every_row(store: Store) {
    let mut ids = Vec::new();
    for name in ["ann", "ben", "cat"] {
        ids.push(test_user(&store, name).await);
    }
    let (ann, ben, cat) = (ids[0], ids[1], ids[2]);
    let ab = store.open_direct(ann, ben).await.expect("query");
    let bc = store.open_direct(ben, cat).await.expect("query");
    let req = |room: RoomId, sender: UserId, id: &str| SendRequest {
        room_id: room,
        sender_id: sender,
        sender_name: String::new(),
        sender_username: String::new(),
        client_msg_id: id.into(),
        action: Action::post(format!("{id} in {room}"), None),
    };
    let first = store
        .write_batch(&[req(ab, ann, "x1")])
        .await
        .expect("commit");
    let out = store
        .write_batch(&[
            req(bc, ben, "y1"),
            req(ab, ben, "y2"),
            req(ab, ann, "x1"),
            req(bc, cat, "z1"),
            req(bc, ben, "y1"),
            req(ab, cat, "z2"),
            req(ab, ann, "x2"),
        ])
        .await
        .expect("commit");
    let seq_of = |o: &SendOutcome| match o {
        SendOutcome::Stored(m) => Some((m.room_id, m.seq)),
        _ => None,
    };
    assert_eq!(seq_of(&out[0]), Some((bc, 1)));
    assert_eq!(seq_of(&out[1]), Some((ab, 2)));
    let SendOutcome::Stored(x1) = &first[0] else {
        panic!("{first:?}");
    };
    assert!(matches!(&out[2], SendOutcome::Duplicate(m) if m.id == x1.id));
    assert_eq!(seq_of(&out[3]), Some((bc, 2)));
    assert!(
        matches!(&out[4], SendOutcome::Duplicate(m) if Some((m.room_id, m.seq)) == seq_of(&out[0]))
    );
    assert_eq!(out[5], SendOutcome::NotMember);
    assert_eq!(seq_of(&out[6]), Some((ab, 3)));
    // Every stored outcome is the row now in the store, id included.
    for room in [ab, bc] {
        for row in store.after(room, 0, 10).await.expect("query") {
            let told = out.iter().chain(&first).find_map(|o| match o {
                SendOutcome::Stored(m) if m.room_id == row.room_id && m.seq == row.seq => Some(m),
                _ => None,
            });
            let told = told.unwrap_or_else(|| panic!("no outcome for {row:?}"));
            assert_eq!((told.id, &told.body), (row.id, &row.body));
        }
    }
    assert_eq!(store.last_seq(ab).await.expect("query"), 3);
    assert_eq!(store.last_seq(bc).await.expect("query"), 2);
}

/// A batch larger than one `INSERT` holds (a large `commit_batch`) is stored in chunks.
async fn a_batch_larger_than_one_insert_is_stored_whole(store: Store) {
    let mut ids = Vec::new();
    for name in ["ann", "ben"] {
        ids.push(test_user(&store, name).await);
    }
    let room = store.open_direct(ids[0], ids[1]).await.expect("query");
    // 6,500 rows of six parameters would pass SQLite's 32,766 in one statement.
    let batch: Vec<SendRequest> = (0..6 * insert::INSERT_ROWS + 500)
        .map(|i| SendRequest {
            room_id: room,
            sender_id: ids[i % 2],
            sender_name: String::new(),
            sender_username: String::new(),
            client_msg_id: format!("m{i}"),
            action: Action::post(format!("message {i}"), None),
        })
        .collect();
    let out = store.write_batch(&batch).await.expect("commit");
    for (i, outcome) in out.iter().enumerate() {
        assert!(
            matches!(outcome, SendOutcome::Stored(m) if m.seq == i as Seq + 1 && Action::post(m.body.clone(), None) == batch[i].action),
            "{i}: {outcome:?}"
        );
    }
    assert_eq!(store.last_seq(room).await.expect("query"), out.len() as Seq);
}
