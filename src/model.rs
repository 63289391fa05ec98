//! Shared types of the HTTP side (server functions): users and rooms as pages show them.

use serde::{Deserialize, Serialize};

use crate::protocol::{Message, RoomId, Seq, UserId};

/// Usernames' length in characters: the sign-up form's `minlength`/`maxlength` and the
/// server's check.
pub const USERNAME_CHARS: std::ops::RangeInclusive<usize> = 3..=32;
/// Longest display name, in characters (form and server).
pub const MAX_DISPLAY_NAME_CHARS: usize = 64;
/// Longest room name, in characters (form and server).
pub const MAX_ROOM_NAME_CHARS: usize = 80;

/// The signed-in user, as the pages know them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub user_id: UserId,
    pub username: String,
    pub display_name: String,
}

/// `group` rooms have a name and many members; `direct` rooms are between exactly two users.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoomKind {
    Group,
    Direct,
}

/// A room as the room list and the room header show it, from one user's point of view.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomSummary {
    pub id: RoomId,
    pub kind: RoomKind,
    /// The group's name, or the other person's display name for a direct room.
    pub name: String,
    pub is_public: bool,
    /// Whether the viewer is a member (non-members see only public rooms they may join).
    pub is_member: bool,
    pub last_seq: Seq,
    /// The viewer's read position.
    pub last_read_seq: Seq,
    /// Messages after `last_read_seq` (events such as edits and reactions are not counted).
    #[serde(default)]
    pub unread: i64,
    /// In a direct room, the other person's username (display names need not be unique).
    pub peer_username: Option<String>,
    /// In a direct room, whether the viewer has blocked the other person.
    pub peer_blocked: bool,
    /// The newest message (not event), for the preview.
    pub last_message: Option<Message>,
}

/// What the room view needs for its first paint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomPage {
    pub room: RoomSummary,
    /// The viewer, so the first paint can put their own bubbles on the right.
    pub me: Me,
    /// The latest messages, ascending by `seq`.
    pub messages: Vec<Message>,
    /// The store's epoch, which the cursors of these messages belong to.
    pub epoch: String,
    /// In a direct room, the other person's read position.
    pub peer_read_seq: Option<Seq>,
    /// The viewer's role in the room.
    #[serde(default)]
    pub role: crate::protocol::Role,
    /// The viewer's mute in the room, if one runs now.
    #[serde(default)]
    pub muted: Option<Mute>,
    /// Only moderators and the owner post (`read_only`).
    #[serde(default)]
    pub read_only: bool,
    /// For a moderator: how many messages have open reports (their inbox's count).
    #[serde(default)]
    pub open_reports: i64,
}

/// A member's mute: until when (server clock, ms), and the moderator's reason.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mute {
    pub until: i64,
    pub reason: String,
}

/// An invitation into a group room, waiting for the invitee to accept or decline it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Invitation {
    pub room_id: RoomId,
    pub room_name: String,
    /// The inviter's display name.
    pub invited_by: String,
}

/// A piece of a search hit's snippet: plain text, and whether it matched the query. The page
/// renders each piece as a text node (a matched one inside `<mark>`), never as HTML.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnippetPart {
    pub text: String,
    pub hit: bool,
}

/// One message found by a search, in a room the searcher belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchHit {
    pub room_id: RoomId,
    /// The group's name, or the other person's display name for a direct room.
    pub room_name: String,
    pub seq: Seq,
    pub sender_name: String,
    pub sender_username: String,
    pub created_at: i64,
    /// The part of the body around the first match, the matches marked.
    pub snippet: Vec<SnippetPart>,
}

/// A page of search results, best first: by relevance, then the newest.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchPage {
    pub hits: Vec<SearchHit>,
    /// Whether a next page exists.
    pub more: bool,
}

/// One line of a room's moderation log, as moderators see it (`moderation_log`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModLogEntry {
    /// The `seq` of the action's row in the room.
    pub seq: crate::protocol::Seq,
    pub actor_name: String,
    pub target_name: String,
    pub action: crate::protocol::ModAction,
    pub reason: String,
    /// When a kick's block, a ban or a mute ends (server clock, ms), if it does.
    pub until: Option<i64>,
    pub created_at: i64,
}

/// A member of a room as its member list shows them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberEntry {
    pub user_id: crate::protocol::UserId,
    pub display_name: String,
    pub username: String,
    pub role: crate::protocol::Role,
    /// When their mute ends (server clock, ms), if one runs now.
    pub muted_until: Option<i64>,
}

/// A message with open reports, as the moderators' inbox shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportedMessage {
    pub seq: crate::protocol::Seq,
    pub sender_name: String,
    /// The body as written, a hidden message's too (this is its review).
    pub body: String,
    /// Hidden for everyone pending this review.
    pub hidden: bool,
    /// One reason per report, the oldest first.
    pub reasons: Vec<String>,
}

/// The answer to a report: the message's open reports, and whether it is now hidden.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportOutcome {
    pub open_reports: i64,
    pub hidden: bool,
}
