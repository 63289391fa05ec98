//! The user's place in a room as the server last said it: their role, whether the room is
//! read-only, and a counter of the room's moderation rows and removals, which tells the
//! moderators' panel to read its inbox, members and log again. The page gives the first values; the
//! room's `moderation` rows, live or replayed on resume, move them on.

use leptos::prelude::*;

use crate::protocol::{ModAction, ModEvent, Role, UserId};

#[derive(Clone)]
pub struct Standing {
    pub role: ArcRwSignal<Role>,
    pub read_only: ArcRwSignal<bool>,
    pub reviews: ArcRwSignal<u32>,
}

impl Default for Standing {
    fn default() -> Standing {
        Standing {
            role: ArcRwSignal::new(Role::Member),
            read_only: ArcRwSignal::new(false),
            reviews: ArcRwSignal::new(0),
        }
    }
}

impl Standing {
    /// What `event`, a row of the room, changes for user `me`.
    pub fn apply(&self, event: &ModEvent, me: Option<UserId>) {
        let mine = me == Some(event.user_id);
        // The site's moderators are above the room's roles: its events do not move them.
        let site = self.role.get_untracked() == Role::Site;
        match event.action {
            ModAction::ReadOnly => self.read_only.set(true),
            ModAction::ReadWrite => self.read_only.set(false),
            ModAction::Promote if mine && !site => self.role.set(Role::Moderator),
            ModAction::Demote if mine && !site => self.role.set(Role::Member),
            ModAction::Transfer if mine && !site => self.role.set(Role::Owner),
            ModAction::Transfer if self.role.get_untracked() == Role::Owner => {
                self.role.set(Role::Moderator)
            }
            _ => {}
        }
        self.reviews.update(|n| *n += 1);
    }

    /// Whether the user may post: the room is open, or they moderate it (tracked).
    pub fn may_post(&self) -> bool {
        !self.read_only.get() || self.role.get() >= Role::Moderator
    }

    /// Whether the user moderates the room (tracked).
    pub fn moderates(&self) -> bool {
        self.role.get() >= Role::Moderator
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(action: ModAction, user_id: UserId) -> ModEvent {
        ModEvent {
            action,
            user_id,
            display_name: String::new(),
            seq: None,
            until: None,
            reason: String::new(),
        }
    }

    #[test]
    fn rows_move_the_role_and_the_room() {
        let s = Standing::default();
        s.apply(&event(ModAction::ReadOnly, 0), Some(7));
        assert!(!s.may_post());
        s.apply(&event(ModAction::Promote, 7), Some(7));
        assert!(s.may_post() && s.moderates());
        s.apply(&event(ModAction::Transfer, 7), Some(7));
        assert_eq!(s.role.get_untracked(), Role::Owner);
        // The owner hands the room on: a moderator now.
        s.apply(&event(ModAction::Transfer, 8), Some(7));
        assert_eq!(s.role.get_untracked(), Role::Moderator);
        s.apply(&event(ModAction::Demote, 9), Some(7));
        assert_eq!(s.role.get_untracked(), Role::Moderator);
        s.apply(&event(ModAction::ReadWrite, 0), Some(7));
        s.apply(&event(ModAction::Demote, 7), Some(7));
        assert!(s.may_post() && !s.moderates());
    }
}
