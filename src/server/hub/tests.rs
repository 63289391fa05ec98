//! The hub alone: presence per user, bounded queues, closes, fan-out by room.

use super::*;
use crate::protocol::Message;

fn user(id: UserId) -> PresenceUser {
    PresenceUser {
        user_id: id,
        display_name: format!("u{id}"),
    }
}

/// A stored row of `room` with this `seq` (also the bus's sequencer tests' row).
pub(crate) fn message(room: RoomId, seq: Seq) -> Message {
    Message {
        id: seq,
        room_id: room,
        seq,
        sender_id: 1,
        sender_name: "u1".into(),
        sender_username: "u1".into(),
        client_msg_id: format!("m{seq}"),
        body: "hi".into(),
        created_at: 0,
        ..Message::default()
    }
}

fn drain(reg: &mut Registration) -> Vec<ServerFrame> {
    std::iter::from_fn(|| reg.outbound.try_recv().ok())
        .map(|d| serde_json::from_str(d.text.as_str()).expect("valid frame"))
        .collect()
}

#[test]
fn two_tabs_of_one_user_are_one_presence_entry() {
    let hub = Hub::new(16);
    let mut watcher = hub.connect(user(9), 9);
    hub.watch(watcher.id, 1);
    let (tab1, tab2) = (hub.connect(user(2), 2), hub.connect(user(2), 3));
    for tab in [&tab1, &tab2] {
        hub.watch(tab.id, 1);
        assert!(hub.enter(tab.id, 1));
    }
    drain(&mut watcher);
    hub.disconnect(tab1.id);
    assert!(
        drain(&mut watcher).is_empty(),
        "the second tab keeps Bob here"
    );
    hub.disconnect(tab2.id);
    assert_eq!(
        drain(&mut watcher),
        [ServerFrame::Presence {
            room_id: 1,
            online: vec![]
        }]
    );
}

#[test]
fn a_full_queue_is_told_to_resync_and_never_blocks_others() {
    let hub = Hub::new(2);
    let slow = hub.connect(user(1), 1);
    let mut fast = hub.connect(user(2), 2);
    hub.watch(slow.id, 5);
    hub.watch(fast.id, 5);
    drain(&mut fast);
    for seq in 1..=3 {
        hub.publish_message(&message(5, seq));
        assert_eq!(drain(&mut fast).len(), 1);
    }
    assert_eq!(slow.closing(), Some(CloseReason::Resync));
}

#[test]
fn messages_reach_only_watchers_of_their_room() {
    let hub = Hub::new(8);
    let mut a = hub.connect(user(1), 1);
    let mut b = hub.connect(user(2), 2);
    hub.watch(a.id, 1);
    hub.watch(b.id, 2);
    drain(&mut a);
    drain(&mut b);
    hub.publish_message(&message(1, 1));
    assert_eq!(drain(&mut a), [ServerFrame::Message(message(1, 1))]);
    assert!(drain(&mut b).is_empty());
}

#[test]
fn a_close_ends_the_queue_after_what_it_holds() {
    let hub = Hub::new(8);
    let mut conn = hub.connect(user(1), 1);
    hub.watch(conn.id, 3);
    hub.publish_message(&message(3, 1));
    hub.close_all(CloseReason::Restart);
    hub.publish_message(&message(3, 2));
    assert_eq!(conn.closing(), Some(CloseReason::Restart));
    assert_eq!(
        drain(&mut conn).len(),
        2,
        "the presence snapshot and seq 1 only"
    );
    assert!(conn.outbound.is_closed() && conn.outbound.is_empty());
    hub.end_session(1);
    assert_eq!(
        conn.closing(),
        Some(CloseReason::Restart),
        "the first reason stays"
    );
}

#[test]
fn ending_a_session_closes_only_its_connections() {
    let hub = Hub::new(8);
    let a = hub.connect(user(1), 10);
    let b = hub.connect(user(1), 11);
    hub.end_session(10);
    assert_eq!(a.closing(), Some(CloseReason::SessionEnded));
    assert_eq!(b.closing(), None);
}
