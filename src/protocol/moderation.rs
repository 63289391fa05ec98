//! Moderation on the wire: the roles of a room's members, the actions a moderator takes,
//! and the event each action leaves in the room's sequence (docs/moderation.md).

use serde::{Deserialize, Serialize};

use super::{Seq, UserId};

/// A member's role in a room. An actor may act only on a member of a strictly lower role.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    #[default]
    Member,
    Moderator,
    /// The room's creator, until ownership is handed on.
    Owner,
    /// The host itself (its API) and the site moderators it names: above every role of a
    /// room of the host, so that no room is ever stuck. Never stored in `members.role`.
    Site,
}

impl Role {
    /// The name stored in `members.role` and used on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Member => "member",
            Role::Moderator => "moderator",
            Role::Owner => "owner",
            Role::Site => "site",
        }
    }

    /// A stored name (or `site`, as the writer's queries name it); anything unknown is a
    /// plain member.
    pub fn parse(s: &str) -> Role {
        match s {
            "site" => Role::Site,
            "owner" => Role::Owner,
            "moderator" => Role::Moderator,
            _ => Role::Member,
        }
    }
}

/// What a moderator does to a member.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModAction {
    /// Out of the room; back only after a block that grows on each kick
    /// ([`KICK_BLOCK_MINUTES`]).
    Kick,
    /// Out of the room, and no rejoining or invitation until the ban's end (or ever).
    Ban,
    /// The ban is lifted (the user may be invited or join again).
    Unban,
    /// The member reads but cannot send, react or edit until the mute's end.
    Mute,
    Unmute,
    /// A member becomes a moderator (the owner only).
    Promote,
    /// A moderator becomes a member (the owner only); the site demotes an owner too.
    Demote,
    /// The member becomes the room's owner; the owner before becomes a moderator (the
    /// owner, or the site).
    Transfer,
    /// The message `seq` is hidden for everyone pending review: by a moderator, or by the
    /// server when `report_threshold` members have reported it.
    Hide,
    /// The message `seq` is shown again and its reports are closed (a review that keeps it).
    Restore,
    /// Only moderators (and the owner) may post in the room; `user_id` is 0.
    ReadOnly,
    /// Every member may post again; `user_id` is 0.
    ReadWrite,
}

impl ModAction {
    /// Whether the action takes the member out of the room.
    pub fn removes(self) -> bool {
        matches!(self, ModAction::Kick | ModAction::Ban)
    }

    /// Whether the action is on a message (`seq`), not on a member.
    pub fn on_message(self) -> bool {
        matches!(self, ModAction::Hide | ModAction::Restore)
    }

    /// Whether the action is on the room itself (no member, no message).
    pub fn on_room(self) -> bool {
        matches!(self, ModAction::ReadOnly | ModAction::ReadWrite)
    }
}

/// The reason the server gives when reports hide a message.
pub const REPORTS_REASON: &str = "reports";

/// How long re-entry is blocked after the first, second and any later kick, in minutes
/// (Stack Exchange chat's escalation).
pub const KICK_BLOCK_MINUTES: [i64; 3] = [1, 5, 30];

/// The longest reason of an action, in characters.
pub const MAX_REASON_CHARS: usize = 500;

/// The longest mute, in minutes: 28 days, as Discord caps a timeout.
pub const MAX_MUTE_MINUTES: u32 = 28 * 24 * 60;

/// The body of a `moderation` row of the sequence: what was done, to whom, until when, and
/// why. Every client learns of it as of any row, on resume too.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModEvent {
    pub action: ModAction,
    /// The member acted on: for a message's action its sender; 0 for the room's.
    #[serde(default)]
    pub user_id: UserId,
    /// The target's display name when the action was taken.
    #[serde(default)]
    pub display_name: String,
    /// The message of a `hide` or `restore`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<Seq>,
    /// When a kick's block, a ban or a mute ends (server clock, milliseconds); none for a
    /// ban for ever and for the actions without an end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<i64>,
    #[serde(default)]
    pub reason: String,
}

impl ModEvent {
    /// The event a `moderation` row's body holds, if it is one.
    pub fn parse(body: &str) -> Option<ModEvent> {
        serde_json::from_str(body).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_ordered_and_events_round_trip() {
        assert!(Role::Site > Role::Owner);
        assert!(Role::Owner > Role::Moderator && Role::Moderator > Role::Member);
        assert_eq!(Role::parse("owner"), Role::Owner);
        assert_eq!(Role::parse("??"), Role::Member);
        let event = ModEvent {
            action: ModAction::Mute,
            user_id: 7,
            display_name: "Bob".into(),
            seq: None,
            until: Some(99),
            reason: "spam".into(),
        };
        let body = serde_json::to_string(&event).expect("json");
        assert_eq!(ModEvent::parse(&body), Some(event));
        assert!(body.contains(r#""action":"mute""#), "{body}");
    }
}
