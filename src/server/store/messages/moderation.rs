//! Moderation inside the batch write: mutes, read-only rooms, and whether an actor may act
//! on a member, read in the transaction (so no action and no send can slip past a role or a
//! mute); each action's effects are in [`apply`].

use std::collections::{HashMap, HashSet};

use sqlx::AnyConnection;

use super::super::backend::Col;
use super::super::{json_param, Backend, StoreError};
use super::changes::Target;
use super::{Action, SendRequest};
use crate::protocol::{
    ErrorCode, ModAction, ModEvent, Role, RoomId, UserId, KICK_BLOCK_MINUTES, MAX_MUTE_MINUTES,
};

mod apply;

pub(super) use apply::apply;
pub(in super::super) use apply::barred;

/// A sender's membership as the batch's membership query reads it: room, user, role,
/// muted until, and whether the room is read-only.
pub(super) type Membership = (RoomId, UserId, String, i64, i64);

const MINUTE_MS: i64 = 60_000;

/// A member's place in a room, as the batch leaves it.
struct Standing {
    role: Role,
    muted_until: i64,
}

/// The standings of every sender and target of a batch, the targets' names and kicks, the
/// read-only rooms, and who acts for the site.
pub(super) struct Roles {
    standing: HashMap<(RoomId, UserId), Standing>,
    names: HashMap<UserId, String>,
    kicks: HashMap<(RoomId, UserId), i64>,
    read_only: HashMap<RoomId, bool>,
    /// The host's system user and its site moderators, in the rooms of that host: they act
    /// there (moderate, delete) whether members or not.
    site: HashSet<(RoomId, UserId)>,
}

impl Roles {
    /// The senders' standings from the batch's membership query; then, only when the batch
    /// holds actions or deletes (or posts in a read-only room), who of their senders and
    /// targets acts for the site, and
    /// the targets' standings, names and kicks, one query each.
    pub(super) async fn load(
        tx: &mut AnyConnection,
        backend: Backend,
        batch: &[SendRequest],
        senders: Vec<Membership>,
    ) -> Result<Roles, StoreError> {
        let mut roles = Roles {
            standing: HashMap::new(),
            names: HashMap::new(),
            kicks: HashMap::new(),
            read_only: HashMap::new(),
            site: HashSet::new(),
        };
        for &(room, _, _, _, read_only) in &senders {
            roles.read_only.insert(room, read_only != 0);
        }
        roles.add(
            senders
                .into_iter()
                .map(|(room, user, role, muted, _)| (room, user, role, muted))
                .collect(),
        );
        let mut pairs: Vec<(RoomId, UserId)> = Vec::new();
        let mut targets: Vec<UserId> = Vec::new();
        let mut acting: Vec<(RoomId, UserId)> = Vec::new();
        for req in batch {
            match req.action {
                Action::Moderate { target, act, .. } => {
                    acting.push((req.room_id, req.sender_id));
                    if !act.on_message() && !act.on_room() {
                        pairs.push((req.room_id, target));
                        targets.push(target);
                    }
                }
                Action::Delete { .. } => acting.push((req.room_id, req.sender_id)),
                // A site moderator posts in a read-only room like its moderators.
                Action::Post { .. } | Action::Edit { .. }
                    if roles.read_only.get(&req.room_id).copied().unwrap_or(false) =>
                {
                    acting.push((req.room_id, req.sender_id));
                }
                _ => {}
            }
        }
        if acting.is_empty() {
            return Ok(roles);
        }
        acting.extend(pairs.iter().copied());
        acting.sort_unstable();
        acting.dedup();
        roles.load_site(tx, backend, &acting).await?;
        if targets.is_empty() {
            return Ok(roles);
        }
        pairs.sort_unstable();
        pairs.dedup();
        let pairs_in = backend.tuple_rows("$1", &[Col::Int("room"), Col::Int("user")]);
        let rows: Vec<(RoomId, UserId, String, i64)> = sqlx::query_as(&format!(
            "SELECT mb.room_id, mb.user_id, mb.role, mb.muted_until FROM {pairs_in} k
             JOIN members mb ON mb.room_id = k.room AND mb.user_id = k.user"
        ))
        .bind(json_param(&pairs)?)
        .fetch_all(&mut *tx)
        .await?;
        roles.add(rows);
        let ids_in = backend.int_rows("$1");
        roles.names = sqlx::query_as::<_, (UserId, String)>(&format!(
            "SELECT id, display_name FROM users WHERE id IN {ids_in}"
        ))
        .bind(json_param(&targets)?)
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .collect();
        roles.kicks = sqlx::query_as::<_, (RoomId, UserId, i64)>(&format!(
            "SELECT b.room_id, b.user_id, b.kicks FROM {pairs_in} k
             JOIN room_bars b ON b.room_id = k.room AND b.user_id = k.user"
        ))
        .bind(json_param(&pairs)?)
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .map(|(room, user, kicks)| ((room, user), kicks))
        .collect();
        // The site's people outrank every role of the room, as targets too.
        for key in &roles.site {
            if let Some(s) = roles.standing.get_mut(key) {
                s.role = Role::Site;
            }
        }
        Ok(roles)
    }

    /// Which of `pairs` (room, user) act for the room's host: its system user (the API)
    /// and its site moderators.
    async fn load_site(
        &mut self,
        tx: &mut AnyConnection,
        backend: Backend,
        pairs: &[(RoomId, UserId)],
    ) -> Result<(), StoreError> {
        let pairs_in = backend.tuple_rows("$1", &[Col::Int("room"), Col::Int("user")]);
        let site: Vec<(RoomId, UserId)> = sqlx::query_as(&format!(
            "SELECT k.room, k.user FROM {pairs_in} k
             JOIN host_rooms hr ON hr.room_id = k.room
             JOIN host_users hu ON hu.host = hr.host AND hu.user_id = k.user
             WHERE hu.site_moderator = 1 OR hu.sub = ''"
        ))
        .bind(json_param(&pairs)?)
        .fetch_all(&mut *tx)
        .await?;
        for key in site {
            self.standing
                .entry(key)
                .and_modify(|s| s.role = Role::Site)
                .or_insert(Standing {
                    role: Role::Site,
                    muted_until: 0,
                });
            self.site.insert(key);
        }
        Ok(())
    }

    fn add(&mut self, rows: Vec<(RoomId, UserId, String, i64)>) {
        for (room, user, role, muted_until) in rows {
            let role = Role::parse(&role);
            self.standing
                .insert((room, user), Standing { role, muted_until });
        }
    }

    /// The role `user` acts with in `room` (a member's when unknown).
    pub(super) fn role(&self, room: RoomId, user: UserId) -> Role {
        self.standing
            .get(&(room, user))
            .map_or(Role::Member, |s| s.role)
    }

    /// Whether the sender of `req` acts for the site in its room, and `req` is something the
    /// site does without being a member (moderate, delete).
    pub(super) fn acts_for_site(&self, req: &SendRequest) -> bool {
        matches!(req.action, Action::Moderate { .. } | Action::Delete { .. })
            && self.site.contains(&(req.room_id, req.sender_id))
    }

    /// When the sender's mute ends, if `req` is something a muted member may not do (send,
    /// edit, react) and they are muted at `now`.
    pub(super) fn muted(&self, req: &SendRequest, now: i64) -> Option<i64> {
        if matches!(
            req.action,
            Action::Delete { .. } | Action::Moderate { .. } | Action::Report { .. }
        ) {
            return None;
        }
        self.standing
            .get(&(req.room_id, req.sender_id))
            .map(|s| s.muted_until)
            .filter(|&until| until > now)
    }

    /// Whether `req` is a post or an edit in a read-only room by someone below a moderator.
    pub(super) fn read_only_refuses(&self, req: &SendRequest) -> bool {
        matches!(req.action, Action::Post { .. } | Action::Edit { .. })
            && self.read_only.get(&req.room_id).copied().unwrap_or(false)
            && self.role(req.room_id, req.sender_id) < Role::Moderator
    }

    /// Whether the moderation `req` may be taken at `now`: the event it stores, with its
    /// end worked out. The standings change as the batch goes on, so that a later request
    /// of the batch sees this one done.
    ///
    /// `message` is the message a `hide` or `restore` names, which [`super::changes::Targets`]
    /// has checked already.
    pub(super) fn check(
        &mut self,
        req: &SendRequest,
        now: i64,
        message: Option<&Target>,
    ) -> Result<ModEvent, ErrorCode> {
        let Action::Moderate {
            target,
            act,
            minutes,
            ref reason,
            seq,
        } = req.action
        else {
            return Err(ErrorCode::BadFrame);
        };
        let room = req.room_id;
        let actor = self.role(room, req.sender_id);
        if act.on_message() || act.on_room() {
            if actor < Role::Moderator {
                return Err(ErrorCode::NotAllowed);
            }
            let (user_id, display_name) = match message {
                Some(m) if act.on_message() => (m.sender_id, m.sender_name.clone()),
                // A hide or restore of no message (none named, or no such one).
                None if act.on_message() => return Err(ErrorCode::NoSuchMessage),
                _ => (0, String::new()),
            };
            if act.on_room() {
                self.read_only.insert(room, act == ModAction::ReadOnly);
            }
            return Ok(ModEvent {
                action: act,
                user_id,
                display_name,
                seq: seq.filter(|_| act.on_message()),
                until: None,
                reason: reason.clone(),
            });
        }
        let theirs = self.standing.get(&(room, target)).map(|s| s.role);
        let allowed = match act {
            // A ban and an unban reach someone outside the room too; whom they were there is
            // not known, so outside the room only the owner (or the site) bans or lifts one.
            ModAction::Ban | ModAction::Unban => match theirs {
                Some(role) => actor >= Role::Moderator && actor > role,
                None => actor >= Role::Owner,
            },
            ModAction::Kick | ModAction::Mute | ModAction::Unmute => {
                actor >= Role::Moderator && theirs.is_some_and(|t| actor > t)
            }
            ModAction::Promote => actor >= Role::Owner && theirs == Some(Role::Member),
            // The site demotes an owner too, so that no room is stuck with a bad one.
            ModAction::Demote => match theirs {
                Some(Role::Moderator) => actor >= Role::Owner,
                Some(Role::Owner) => actor == Role::Site,
                _ => false,
            },
            ModAction::Transfer => actor >= Role::Owner && theirs.is_some_and(|t| t < Role::Owner),
            ModAction::Hide | ModAction::Restore | ModAction::ReadOnly | ModAction::ReadWrite => {
                false
            }
        };
        if !allowed || target == req.sender_id {
            return Err(ErrorCode::NotAllowed);
        }
        let minutes = minutes.map(i64::from);
        let until = match act {
            ModAction::Kick => {
                let kicks = self.kicks.entry((room, target)).or_default();
                let block = KICK_BLOCK_MINUTES[(*kicks as usize).min(KICK_BLOCK_MINUTES.len() - 1)];
                *kicks += 1;
                Some(now + block * MINUTE_MS)
            }
            ModAction::Ban => match minutes {
                Some(m) if m < 1 => return Err(ErrorCode::NotAllowed),
                Some(m) => Some(now + m * MINUTE_MS),
                None => None,
            },
            ModAction::Mute => match minutes {
                Some(m) if (1..=i64::from(MAX_MUTE_MINUTES)).contains(&m) => {
                    Some(now + m * MINUTE_MS)
                }
                _ => return Err(ErrorCode::NotAllowed),
            },
            _ => None,
        };
        match act {
            ModAction::Kick | ModAction::Ban => {
                self.standing.remove(&(room, target));
            }
            ModAction::Mute | ModAction::Unmute => {
                if let Some(s) = self.standing.get_mut(&(room, target)) {
                    s.muted_until = until.unwrap_or(0);
                }
            }
            ModAction::Promote | ModAction::Demote => {
                if let Some(s) = self.standing.get_mut(&(room, target)) {
                    s.role = if act == ModAction::Promote {
                        Role::Moderator
                    } else {
                        Role::Member
                    };
                }
            }
            ModAction::Transfer => {
                for ((r, _), s) in &mut self.standing {
                    if *r == room && s.role == Role::Owner {
                        s.role = Role::Moderator;
                    }
                }
                if let Some(s) = self.standing.get_mut(&(room, target)) {
                    s.role = Role::Owner;
                }
            }
            _ => {}
        }
        Ok(ModEvent {
            action: act,
            user_id: target,
            display_name: self.names.get(&target).cloned().unwrap_or_default(),
            seq: None,
            until,
            reason: reason.clone(),
        })
    }
}
