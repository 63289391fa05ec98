//! What nodes tell each other over Redis: one JSON object per pub/sub message.
//!
//! Every frame names the node that sent it; a node ignores its own (it delivered them
//! already), except its liveness probes. Channels, under `bus_prefix`:
//! - `room:<id>`: the room's stored rows, typing, read markers, removals and presence;
//! - `node`: what concerns sockets anywhere (a session that ended);
//! - `probe:<node>`: a node's probes to itself.
//!
//! One pattern subscription (`<prefix>*`) takes them all in.

use serde::{Deserialize, Serialize};

use crate::protocol::{Message, PresenceUser, RoomId, ServerFrame, UserId};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
pub enum BusFrame {
    /// A row its node's writer committed.
    Row { message: Message },
    /// A frame outside the sequence for every watcher of the room (typing).
    Ephemeral { room: RoomId, frame: ServerFrame },
    /// A read marker (see `Hub::publish_read_marker`).
    ReadMarker {
        room: RoomId,
        reader: UserId,
        direct: bool,
        frame: ServerFrame,
    },
    /// A member left or was removed: their sockets everywhere lose the room.
    RemoveMember { room: RoomId, user: UserId },
    /// A session was signed out: its sockets everywhere close (4001).
    EndSession { session: i64 },
    /// Who is present in the room through the sending node (all of them; empty: nobody).
    Presence {
        room: RoomId,
        users: Vec<PresenceUser>,
    },
    /// A node started watching the room: the others answer with their presence there.
    PresenceQuery { room: RoomId },
    /// A liveness probe, numbered, that its node expects back on its own subscription.
    Probe { n: u64 },
}

/// A frame with its sender.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    pub node: String,
    pub frame: BusFrame,
}

impl BusFrame {
    /// The channel (after the prefix) this frame is published on.
    pub fn channel(&self, node: &str) -> String {
        match self {
            BusFrame::Row { message } => format!("room:{}", message.room_id),
            BusFrame::Ephemeral { room, .. }
            | BusFrame::ReadMarker { room, .. }
            | BusFrame::RemoveMember { room, .. }
            | BusFrame::Presence { room, .. }
            | BusFrame::PresenceQuery { room } => format!("room:{room}"),
            BusFrame::EndSession { .. } => "node".to_owned(),
            BusFrame::Probe { .. } => format!("probe:{node}"),
        }
    }
}
