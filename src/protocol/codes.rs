//! The codes of the wire: an `error` frame's code, and the socket's close codes.

use serde::{Deserialize, Serialize};

/// A small code that crosses the wire; the detail stays in the server log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The frame is not valid JSON of a known type.
    BadFrame,
    /// The user is not a member of the room (or it does not exist).
    NotMember,
    /// The room is not watched on this connection.
    NotWatching,
    /// The body is empty after trimming.
    EmptyBody,
    /// The body is longer than `max_body_chars`.
    BodyTooLong,
    /// `client_msg_id` is not a UUID.
    InvalidClientMsgId,
    /// The store could not commit; retry later with the same `client_msg_id`.
    StoreUnavailable,
    /// Too many frames; slow down and retry.
    RateLimited,
    /// A `watch` would leave the socket watching more than `max_watch_rooms` rooms.
    TooManyRooms,
    /// An `edit`, `delete`, `react` or reply names no message of the room (or a deleted one).
    NoSuchMessage,
    /// An `edit` or `delete` of someone else's message.
    NotYours,
    /// An `edit` after `edit_window_secs`.
    EditWindowClosed,
    /// A `react` with an emoji outside the server's set.
    BadEmoji,
    /// The sender is muted in this room until the error's `until`: not stored.
    Muted,
    /// A `moderate` the actor's role does not allow (the target's role is not lower, or
    /// the target is not in the room), or a `minutes` out of range.
    NotAllowed,
    /// A post or an edit in a read-only room by a member who is not a moderator.
    ReadOnly,
}

impl ErrorCode {
    /// Whether the same frame may succeed if sent again later.
    pub fn is_retriable(self) -> bool {
        matches!(self, ErrorCode::StoreUnavailable | ErrorCode::RateLimited)
    }
}

/// WebSocket close codes Parlor uses (besides the standard ones in `docs/protocol.md`).
pub mod close {
    /// The session was signed out or revoked. Do not reconnect until signed in again.
    pub const SESSION_ENDED: u16 = 4001;
    /// A socket opened without a session cookie did not send a valid `auth` frame first,
    /// within `auth_timeout_ms`. Get a new session (the embed: a new token) first.
    pub const AUTH_FAILED: u16 = 4003;
    /// Nothing was heard from the client (not even a pong) for `idle_timeout_ms`.
    pub const IDLE_TIMEOUT: u16 = 4002;
    /// The client fell behind its outbound queue. Reconnect and watch from your cursors.
    pub const RESYNC: u16 = 4008;
    /// The server is restarting (standard 1012). Reconnect with backoff.
    pub const SERVICE_RESTART: u16 = 1012;
    /// A frame or message was larger than `max_frame_bytes` (standard 1009).
    pub const TOO_BIG: u16 = 1009;
    /// A text frame was not UTF-8 (standard 1007).
    pub const INVALID_TEXT: u16 = 1007;
    /// A frame broke RFC 6455: a reserved bit or opcode, an unmasked frame, a fragmented or
    /// oversized control frame, a stray continuation… (standard 1002).
    pub const PROTOCOL_ERROR: u16 = 1002;
}
