//! Presence: per user, local and through other nodes.
//!
//! A room's presence is the union of the users present here (counted per connection, so two
//! tabs are one entry) and those other nodes report (`server::bus`), one entry per user
//! whichever nodes they are on. A node's report replaces its previous one; a node not heard
//! from for a while (it died) is forgotten by [`Hub::expire_remote_presence`].

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use super::{deliver_room, ConnId, Delivery, Hub, RoomId, State};
use crate::protocol::{PresenceUser, ServerFrame, UserId};

/// What one other node last said of one room.
pub(super) struct Remote {
    seen: Instant,
    users: Vec<PresenceUser>,
}

impl Hub {
    /// Marks the connection's user present in a watched room. Announces only when the user
    /// was not present through another connection.
    pub fn enter(&self, id: ConnId, room: RoomId) -> bool {
        let mut state = self.lock();
        let Some(conn) = state.conns.get_mut(&id) else {
            return false;
        };
        if !conn.watching.contains(&room) {
            return false;
        }
        if !conn.present.insert(room) {
            return true;
        }
        let user = conn.user.clone();
        let entry = state.rooms.entry(room).or_default();
        let slot = entry
            .present
            .entry(user.user_id)
            .or_insert((user.display_name, 0));
        slot.1 += 1;
        if slot.1 == 1 {
            local_changed(&mut state, room);
        }
        true
    }

    /// Removes the connection's presence from a room.
    pub fn exit(&self, id: ConnId, room: RoomId) {
        let mut state = self.lock();
        let Some(conn) = state.conns.get_mut(&id) else {
            return;
        };
        if conn.present.remove(&room) {
            let user = conn.user.user_id;
            leave_presence(&mut state, room, user);
        }
    }

    /// Tells the hub each room whose local presence changes from now on (the bus publishes
    /// them). Called once, by the bus.
    pub fn presence_feed(&self) -> tokio::sync::mpsc::UnboundedReceiver<RoomId> {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        self.lock().feed = Some(tx);
        rx
    }

    /// The users present in `room` through this node.
    pub fn local_presence(&self, room: RoomId) -> Vec<PresenceUser> {
        local_users(&self.lock(), room)
    }

    /// Every room with someone present through this node, with those users.
    pub fn local_presence_all(&self) -> Vec<(RoomId, Vec<PresenceUser>)> {
        let state = self.lock();
        state
            .rooms
            .iter()
            .filter(|(_, r)| !r.present.is_empty())
            .map(|(&room, _)| (room, local_users(&state, room)))
            .collect()
    }

    /// Node `node` reports who is present in `room` through it (replacing its last report).
    /// Kept only for rooms watched here; announced when the union changes.
    pub fn set_remote_presence(&self, node: &str, room: RoomId, users: Vec<PresenceUser>) {
        let mut state = self.lock();
        if state.rooms.get(&room).is_none_or(|r| r.watchers.is_empty()) {
            state.remote.remove(&room);
            return;
        }
        let before = online_ids(&state, room);
        let nodes = state.remote.entry(room).or_default();
        if users.is_empty() {
            nodes.remove(node);
        } else {
            let seen = Instant::now();
            nodes.insert(Arc::from(node), Remote { seen, users });
        }
        if online_ids(&state, room) != before {
            broadcast_presence(&mut state, room);
        }
    }

    /// Forgets every report older than `before` (nodes that stopped refreshing), and the
    /// reports of rooms no longer watched here; announces the rooms whose presence changed.
    pub fn expire_remote_presence(&self, before: Instant) {
        let mut state = self.lock();
        let rooms: Vec<RoomId> = state.remote.keys().copied().collect();
        for room in rooms {
            let watched = state
                .rooms
                .get(&room)
                .is_some_and(|r| !r.watchers.is_empty());
            let old = online_ids(&state, room);
            if let Some(nodes) = state.remote.get_mut(&room) {
                nodes.retain(|_, r| watched && r.seen >= before);
                if nodes.is_empty() {
                    state.remote.remove(&room);
                }
            }
            if watched && online_ids(&state, room) != old {
                broadcast_presence(&mut state, room);
            }
        }
    }
}

fn local_users(state: &State, room: RoomId) -> Vec<PresenceUser> {
    state.rooms.get(&room).map_or_else(Vec::new, |r| {
        r.present
            .iter()
            .map(|(id, (name, _))| PresenceUser {
                user_id: *id,
                display_name: name.clone(),
            })
            .collect()
    })
}

/// Everyone present in `room`, here or through another node, by user id.
fn online(state: &State, room: RoomId) -> BTreeMap<UserId, String> {
    let mut users: BTreeMap<UserId, String> = state
        .rooms
        .get(&room)
        .map(|r| {
            r.present
                .iter()
                .map(|(id, (name, _))| (*id, name.clone()))
                .collect()
        })
        .unwrap_or_default();
    for remote in state.remote.get(&room).into_iter().flat_map(|n| n.values()) {
        for u in &remote.users {
            users
                .entry(u.user_id)
                .or_insert_with(|| u.display_name.clone());
        }
    }
    users
}

fn online_ids(state: &State, room: RoomId) -> Vec<UserId> {
    online(state, room).into_keys().collect()
}

/// The local presence of `room` changed: announce it here, and tell the bus.
pub(super) fn local_changed(state: &mut State, room: RoomId) {
    if let Some(feed) = &state.feed {
        let _ = feed.send(room);
    }
    broadcast_presence(state, room);
}

pub(super) fn leave_presence(state: &mut State, room: RoomId, user: UserId) {
    let Some(r) = state.rooms.get_mut(&room) else {
        return;
    };
    let Some(slot) = r.present.get_mut(&user) else {
        return;
    };
    slot.1 -= 1;
    if slot.1 == 0 {
        r.present.remove(&user);
        local_changed(state, room);
    }
}

pub(super) fn presence_frame(state: &State, room: RoomId) -> Delivery {
    let online = online(state, room)
        .into_iter()
        .map(|(user_id, display_name)| PresenceUser {
            user_id,
            display_name,
        })
        .collect();
    Delivery::outside_sequence(
        room,
        &ServerFrame::Presence {
            room_id: room,
            online,
        },
    )
}

pub(super) fn broadcast_presence(state: &mut State, room: RoomId) {
    let frame = presence_frame(state, room);
    deliver_room(state, frame);
}
