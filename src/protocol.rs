//! The wire: every frame that crosses `/ws`, shared by the server and the browser.
//!
//! Frames are JSON text frames, internally tagged by `"type"` (snake_case). The full
//! description, with examples, error codes and close codes, is `docs/protocol.md`; keep the two
//! in step.
//!
//! Rules the types encode:
//! - order is the per-room `seq`, never a clock; `created_at` is for display only;
//! - a send carries the client's own `client_msg_id`, so a retry is recognised and answered
//!   with the original [`Ack`];
//! - what is broadcast is the stored row ([`Message`]).

use serde::{Deserialize, Serialize};

mod codes;
mod moderation;
mod parts;
pub use codes::*;
pub use moderation::*;
pub use parts::*;

/// A room's primary key.
pub type RoomId = i64;
/// A user's primary key.
pub type UserId = i64;
/// A position in one room's gap-free sequence, starting at 1.
pub type Seq = i64;

/// A row of a room's sequence, as the store holds it now: a chat message (`kind` is
/// `message`), or an event that changed one (`edit`, `delete`, `react`, `unreact`), which
/// carries the changed message's full state in `target`.
///
/// A message's state (body, `html`, `edited_at`, `deleted`, `reactions`) is the server's:
/// a client replaces what it holds when `version` is newer, and computes nothing itself.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub id: i64,
    pub room_id: RoomId,
    pub seq: Seq,
    pub sender_id: UserId,
    pub sender_name: String,
    /// The sender's username: display names need not be unique, so it is shown beside them.
    pub sender_username: String,
    pub client_msg_id: String,
    /// The Markdown source as the sender wrote it; empty once deleted, and in an event
    /// (a reaction event: its emoji).
    pub body: String,
    /// Milliseconds since the Unix epoch, server clock. Display only.
    pub created_at: i64,
    #[serde(default)]
    pub kind: MessageKind,
    /// The `seq` of the last event that changed this message (its own `seq` until then).
    /// A state with a higher `version` replaces one with a lower; an equal one is the same.
    #[serde(default)]
    pub version: Seq,
    /// The body rendered from its chat Markdown by the server, sanitised HTML (empty when
    /// deleted, and in events).
    #[serde(default)]
    pub html: String,
    /// When the body was last edited (server clock, display only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edited_at: Option<i64>,
    /// A tombstone: the message keeps its place, its body is gone.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deleted: bool,
    /// The tombstone is a moderator's ("removed by a moderator"), not the sender's.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub removed_by_moderator: bool,
    /// Hidden for everyone pending review (reported, or hidden by a moderator): the body
    /// is not sent until a moderator restores it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub hidden: bool,
    /// One entry per emoji with at least one reaction, in the order they were first added.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reactions: Vec<Reaction>,
    /// The message this one answers, as a short quote.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply: Option<Quote>,
    /// An event's changed message, in its state after every change stored so far.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Box<Message>>,
}

impl Message {
    /// Whether this row is a chat message (shown, and counted as unread), not an event.
    pub fn is_message(&self) -> bool {
        self.kind == MessageKind::Message
    }
}

/// What a row of the sequence is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    #[default]
    Message,
    Edit,
    Delete,
    React,
    Unreact,
    /// A moderator's action on a member; the body is a [`ModEvent`] as JSON.
    Moderation,
}

impl MessageKind {
    /// The name stored in the `kind` column and used on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::Message => "message",
            MessageKind::Edit => "edit",
            MessageKind::Delete => "delete",
            MessageKind::React => "react",
            MessageKind::Unreact => "unreact",
            MessageKind::Moderation => "moderation",
        }
    }

    pub fn parse(s: &str) -> Option<MessageKind> {
        [
            MessageKind::Message,
            MessageKind::Edit,
            MessageKind::Delete,
            MessageKind::React,
            MessageKind::Unreact,
            MessageKind::Moderation,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// Where a client is in one room: it holds every message with `seq <= after_seq`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoomCursor {
    pub room_id: RoomId,
    pub after_seq: Seq,
}

/// A user who has a room open, as shown in presence lists.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PresenceUser {
    pub user_id: UserId,
    pub display_name: String,
}

/// Frames a client sends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientFrame {
    /// The first frame of a socket opened without a session cookie (an embed, whose page
    /// holds its session in memory): the session token. Answered by `hello`, or by close
    /// 4003 when it is not valid or does not come within `auth_timeout_ms`. On a socket
    /// that is already signed in it is a `bad_frame`.
    Auth { session: String },
    /// Subscribe to rooms. For each, the server subscribes first, then sends every message
    /// after `after_seq`, then `caught_up`, then live messages. `epoch` is the server epoch the
    /// cursors come from (from `hello`); a different epoch makes the server answer `reset`.
    Watch {
        rooms: Vec<RoomCursor>,
        #[serde(default)]
        epoch: Option<String>,
    },
    /// Stop receiving a room's messages.
    Unwatch { room_ids: Vec<RoomId> },
    /// The user has this (watched) room open: count them in its presence.
    Enter { room_id: RoomId },
    /// The user closed the room view.
    Exit { room_id: RoomId },
    /// Store a message. Answered by `ack` after the commit, or by `error`.
    Send {
        room_id: RoomId,
        client_msg_id: String,
        body: String,
        /// The `seq` of the message this one answers.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reply_to: Option<Seq>,
    },
    /// Replace the body of one's own message `seq`, within `edit_window_secs` of sending
    /// it. Answered by `ack` (the `seq` of the edit event) after the commit, or by `error`.
    Edit {
        room_id: RoomId,
        client_msg_id: String,
        seq: Seq,
        body: String,
    },
    /// Delete one's own message `seq`: it becomes a tombstone. A moderator may delete the
    /// message of a member of a lower role: "removed by a moderator". Answered like `edit`.
    Delete {
        room_id: RoomId,
        client_msg_id: String,
        seq: Seq,
    },
    /// Add (`on: true`) or take back one's reaction `emoji` (one of [`REACTIONS`]) to
    /// message `seq`. Answered like `edit`.
    React {
        room_id: RoomId,
        client_msg_id: String,
        seq: Seq,
        emoji: String,
        on: bool,
    },
    /// A moderator's action on member `user_id` of a watched room: `minutes` is how long a
    /// ban or a mute lasts (a ban without it is for ever; a mute is 1 to
    /// [`MAX_MUTE_MINUTES`]). Answered like `edit`; the action is a `moderation` row.
    Moderate {
        room_id: RoomId,
        client_msg_id: String,
        /// The member acted on (0, or absent, for `read_only` and `read_write`).
        #[serde(default)]
        user_id: UserId,
        action: ModAction,
        /// The message of a `hide` or `restore`.
        #[serde(default)]
        seq: Option<Seq>,
        #[serde(default)]
        minutes: Option<u32>,
        #[serde(default)]
        reason: String,
    },
    /// The user is typing in a watched room. Send at most every few seconds while typing;
    /// the server passes it on to the room's watchers and stores nothing.
    Typing { room_id: RoomId },
    /// The user has seen every message up to `seq` in a watched room. The read position
    /// never moves backwards.
    Read { room_id: RoomId, seq: Seq },
    /// Application-level heartbeat; answered by `pong`. (A struct variant, so that
    /// unknown fields are refused like everywhere else.)
    Ping {},
}

impl ClientFrame {
    /// Reads a client's text frame. Anything that is not exactly one known frame (unknown
    /// `type`, missing or extra fields, wrong types, trailing data) is an error, which the
    /// server answers with `bad_frame`. Fuzzed by `fuzz/fuzz_targets/client_frame.rs`.
    pub fn decode(text: &str) -> Result<ClientFrame, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// The one room the frame is about, when there is one.
    pub fn room_id(&self) -> Option<RoomId> {
        match self {
            ClientFrame::Enter { room_id }
            | ClientFrame::Exit { room_id }
            | ClientFrame::Send { room_id, .. }
            | ClientFrame::Edit { room_id, .. }
            | ClientFrame::Delete { room_id, .. }
            | ClientFrame::React { room_id, .. }
            | ClientFrame::Moderate { room_id, .. }
            | ClientFrame::Typing { room_id }
            | ClientFrame::Read { room_id, .. } => Some(*room_id),
            ClientFrame::Watch { .. }
            | ClientFrame::Unwatch { .. }
            | ClientFrame::Ping {}
            | ClientFrame::Auth { .. } => None,
        }
    }
}

/// The answer to a `send` (or `edit`, `delete`, `react`), sent only after the row is
/// committed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ack {
    pub client_msg_id: String,
    pub room_id: RoomId,
    pub seq: Seq,
    pub id: i64,
    pub created_at: i64,
    /// A message's body as the server rendered it (empty for events).
    #[serde(default)]
    pub html: String,
}

impl From<&Message> for Ack {
    fn from(m: &Message) -> Self {
        Ack {
            client_msg_id: m.client_msg_id.clone(),
            room_id: m.room_id,
            seq: m.seq,
            id: m.id,
            created_at: m.created_at,
            html: m.html.clone(),
        }
    }
}

/// Frames the server sends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[allow(
    clippy::large_enum_variant,
    reason = "a frame is serialised once (the hub keeps bytes) or applied as it is read; none is kept"
)]
pub enum ServerFrame {
    /// First frame on every connection.
    Hello {
        user_id: UserId,
        display_name: String,
        /// Identity of the server's store; cursors are only valid within one epoch.
        epoch: String,
        /// The longest message body the server stores (`max_body_chars`), in characters.
        max_body_chars: usize,
    },
    /// A stored message, missed or live.
    Message(Message),
    /// Everything up to `last_seq` has been sent for this room; what follows is live.
    /// `read_seq` is the user's read position; `peer_read_seq` the other person's, in a
    /// direct room.
    CaughtUp {
        room_id: RoomId,
        last_seq: Seq,
        read_seq: Seq,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        peer_read_seq: Option<Seq>,
    },
    /// Someone is typing in the room (expires by itself after a few seconds).
    Typing {
        room_id: RoomId,
        user_id: UserId,
        display_name: String,
    },
    /// A member's read position moved forward.
    ReadMarker {
        room_id: RoomId,
        user_id: UserId,
        seq: Seq,
    },
    /// Who has the room open now, after any change.
    Presence {
        room_id: RoomId,
        online: Vec<PresenceUser>,
    },
    Ack(Ack),
    /// The cursor cannot be resumed: load the room afresh (latest page) and watch again.
    Reset {
        room_id: RoomId,
        reason: ResetReason,
    },
    Error {
        code: ErrorCode,
        message: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        client_msg_id: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        room_id: Option<RoomId>,
        /// `muted`: when the mute ends (server clock, milliseconds).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        until: Option<i64>,
    },
    Pong,
}

/// Why a cursor cannot be resumed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResetReason {
    /// The cursor comes from another store (restored or replaced database).
    EpochChanged,
    /// More messages were missed than the server replays on resume.
    GapTooLarge,
    /// The cursor is ahead of the room's last message.
    AheadOfRoom,
    /// The user is no longer a member (they left the room, or were removed).
    NotMember,
}

/// Whether `s` is a UUID in its canonical 8-4-4-4-12 hexadecimal text form.
pub fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

#[cfg(test)]
mod tests;
