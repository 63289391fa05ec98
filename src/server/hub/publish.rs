//! What the hub sends: stored rows and frames outside the sequence to a room's watchers,
//! the last frame of a removed member, and closes; each serialised once.

use super::{unwatch_locked, CloseReason, ConnId, Delivery, Hub, SharedText, State};
use crate::protocol::{Message, ResetReason, RoomId, ServerFrame, UserId};

impl Hub {
    /// Delivers a stored message to every watcher of its room.
    pub fn publish_message(&self, message: &Message) {
        let frame = ServerFrame::Message(message.clone());
        let delivery = Delivery {
            room_id: message.room_id,
            seq: Some(message.seq),
            text: serialise(&frame),
            last: false,
        };
        let mut state = self.lock();
        deliver_room(&mut state, delivery);
    }

    /// Delivers a frame outside the message sequence (typing, read markers) to every
    /// watcher of the room. Not stored, not replayed.
    pub fn publish_ephemeral(&self, room: RoomId, frame: &ServerFrame) {
        let delivery = Delivery::outside_sequence(room, frame);
        let mut state = self.lock();
        deliver_room(&mut state, delivery);
    }

    /// Delivers a read marker: to the reader's own connections watching the room, and in a
    /// direct room to the other person's too (its only other member). Nobody else learns
    /// when a member reads.
    pub fn publish_read_marker(
        &self,
        room: RoomId,
        reader: UserId,
        direct: bool,
        frame: &ServerFrame,
    ) {
        let delivery = Delivery::outside_sequence(room, frame);
        let mut state = self.lock();
        let State { conns, rooms, .. } = &mut *state;
        let Some(r) = rooms.get(&room) else {
            return;
        };
        for id in &r.watchers {
            if let Some(conn) = conns.get_mut(id) {
                if direct || conn.user.user_id == reader {
                    conn.offer(delivery.clone());
                }
            }
        }
    }

    /// A member left or was removed: none of their connections receives the room any more,
    /// and they leave its presence.
    /// Each of their connections is told with a last frame (`reset` / `not_member`), after
    /// which it forgets the room.
    pub fn remove_member(&self, room: RoomId, user: UserId) {
        let reason = ResetReason::NotMember;
        let reset = Delivery {
            last: true,
            ..Delivery::outside_sequence(
                room,
                &ServerFrame::Reset {
                    room_id: room,
                    reason,
                },
            )
        };
        let mut state = self.lock();
        let ids: Vec<ConnId> = state
            .rooms
            .get(&room)
            .map(|r| r.watchers.iter().copied().collect())
            .unwrap_or_default();
        for id in ids {
            if let Some(conn) = state.conns.get_mut(&id).filter(|c| c.user.user_id == user) {
                conn.offer(reset.clone());
                unwatch_locked(&mut state, id, room);
            }
        }
    }

    /// Closes every connection of a session (sign-out).
    pub fn end_session(&self, session_id: i64) {
        for conn in self.lock().conns.values_mut() {
            if conn.session_id == session_id {
                conn.close(CloseReason::SessionEnded);
            }
        }
    }

    /// Asks every connection to close (shutdown).
    pub fn close_all(&self, reason: CloseReason) {
        for conn in self.lock().conns.values_mut() {
            conn.close(reason);
        }
    }
}

/// Serialises a frame once, for sharing.
pub fn serialise(frame: &ServerFrame) -> SharedText {
    // Serialising these plain structs cannot fail: no maps with non-string keys, no
    // fallible Serialize impls.
    serde_json::to_string(frame)
        .unwrap_or_else(|e| unreachable!("server frames always serialise: {e}"))
        .into()
}

pub(super) fn deliver_room(state: &mut State, delivery: Delivery) {
    let State { conns, rooms, .. } = state;
    let Some(room) = rooms.get(&delivery.room_id) else {
        return;
    };
    for id in &room.watchers {
        if let Some(conn) = conns.get_mut(id) {
            conn.offer(delivery.clone());
        }
    }
}

pub(super) fn deliver_to(state: &mut State, id: ConnId, delivery: Delivery) {
    if let Some(conn) = state.conns.get_mut(&id) {
        conn.offer(delivery);
    }
}
