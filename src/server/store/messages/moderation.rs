//! Moderation inside the batch write: mutes, and whether an actor may act on a member,
//! read in the transaction (so no action and no send can slip past a role or a mute), and
//! each action's effects: the member's row, the bar that keeps them out, the log.

use std::collections::HashMap;

use sqlx::AnyConnection;

use super::super::backend::Col;
use super::super::{json_param, Backend, StoreError};
use super::{Action, SendRequest};
use crate::protocol::{
    ErrorCode, ModAction, ModEvent, Role, RoomId, Seq, UserId, KICK_BLOCK_MINUTES, MAX_MUTE_MINUTES,
};

const MINUTE_MS: i64 = 60_000;

/// A member's place in a room, as the batch leaves it.
struct Standing {
    role: Role,
    muted_until: i64,
}

/// The standings of every sender and target of a batch, the targets' names and kicks.
pub(super) struct Roles {
    standing: HashMap<(RoomId, UserId), Standing>,
    names: HashMap<UserId, String>,
    kicks: HashMap<(RoomId, UserId), i64>,
}

impl Roles {
    /// The senders' standings from the batch's membership query (room, user, role, muted
    /// until); then, only when the batch holds actions, its targets' standings, names and
    /// kicks, one query each.
    pub(super) async fn load(
        tx: &mut AnyConnection,
        backend: Backend,
        batch: &[SendRequest],
        senders: Vec<(RoomId, UserId, String, i64)>,
    ) -> Result<Roles, StoreError> {
        let mut roles = Roles {
            standing: HashMap::new(),
            names: HashMap::new(),
            kicks: HashMap::new(),
        };
        roles.add(senders);
        let mut pairs: Vec<(RoomId, UserId)> = Vec::new();
        let mut targets: Vec<UserId> = Vec::new();
        for req in batch {
            if let Action::Moderate { target, .. } = req.action {
                pairs.push((req.room_id, target));
                targets.push(target);
            }
        }
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
        Ok(roles)
    }

    fn add(&mut self, rows: Vec<(RoomId, UserId, String, i64)>) {
        for (room, user, role, muted_until) in rows {
            let role = Role::parse(&role);
            self.standing
                .insert((room, user), Standing { role, muted_until });
        }
    }

    /// When the sender's mute ends, if `req` is something a muted member may not do (send,
    /// edit, react) and they are muted at `now`.
    pub(super) fn muted(&self, req: &SendRequest, now: i64) -> Option<i64> {
        if matches!(req.action, Action::Delete { .. } | Action::Moderate { .. }) {
            return None;
        }
        self.standing
            .get(&(req.room_id, req.sender_id))
            .map(|s| s.muted_until)
            .filter(|&until| until > now)
    }

    /// Whether the moderation `req` may be taken at `now`: the event it stores, with its
    /// end worked out. The standings change as the batch goes on, so that a later request
    /// of the batch sees this one done.
    pub(super) fn check(&mut self, req: &SendRequest, now: i64) -> Result<ModEvent, ErrorCode> {
        let Action::Moderate {
            target,
            act,
            minutes,
            ref reason,
        } = req.action
        else {
            return Err(ErrorCode::BadFrame);
        };
        let room = req.room_id;
        let actor = self
            .standing
            .get(&(room, req.sender_id))
            .map_or(Role::Member, |s| s.role);
        let theirs = self.standing.get(&(room, target)).map(|s| s.role);
        let allowed = match act {
            // A ban and an unban reach someone outside the room too; whom they were there is
            // not known, so outside the room only the owner bans or lifts a ban.
            ModAction::Ban | ModAction::Unban => match theirs {
                Some(role) => actor >= Role::Moderator && actor > role,
                None => actor == Role::Owner,
            },
            ModAction::Kick | ModAction::Mute | ModAction::Unmute => {
                actor >= Role::Moderator && theirs.is_some_and(|t| actor > t)
            }
            ModAction::Promote => actor == Role::Owner && theirs == Some(Role::Member),
            ModAction::Demote => actor == Role::Owner && theirs == Some(Role::Moderator),
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
            ModAction::Unban => {}
        }
        Ok(ModEvent {
            action: act,
            user_id: target,
            display_name: self.names.get(&target).cloned().unwrap_or_default(),
            until,
            reason: reason.clone(),
        })
    }
}

/// Makes the action of the moderation row `seq` of `room`, taken by `actor`: the member's
/// row, the bar, and the log's line.
pub(super) async fn apply(
    tx: &mut AnyConnection,
    room: RoomId,
    seq: Seq,
    actor: UserId,
    event: &ModEvent,
    now: i64,
) -> Result<(), StoreError> {
    let user = event.user_id;
    let until = event.until;
    match event.action {
        ModAction::Kick | ModAction::Ban => {
            sqlx::query("DELETE FROM members WHERE room_id = $1 AND user_id = $2")
                .bind(room)
                .bind(user)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM invitations WHERE room_id = $1 AND user_id = $2")
                .bind(room)
                .bind(user)
                .execute(&mut *tx)
                .await?;
            let kick = i64::from(event.action == ModAction::Kick);
            sqlx::query(
                "INSERT INTO room_bars (room_id, user_id, until, kicks) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (room_id, user_id)
                 DO UPDATE SET until = excluded.until, kicks = room_bars.kicks + excluded.kicks",
            )
            .bind(room)
            .bind(user)
            .bind(until.unwrap_or(i64::MAX))
            .bind(kick)
            .execute(&mut *tx)
            .await?;
        }
        ModAction::Unban => {
            sqlx::query("UPDATE room_bars SET until = 0 WHERE room_id = $1 AND user_id = $2")
                .bind(room)
                .bind(user)
                .execute(&mut *tx)
                .await?;
        }
        ModAction::Mute | ModAction::Unmute => {
            sqlx::query("UPDATE members SET muted_until = $1 WHERE room_id = $2 AND user_id = $3")
                .bind(until.unwrap_or(0))
                .bind(room)
                .bind(user)
                .execute(&mut *tx)
                .await?;
            // Kept beside the bars too, so that leaving and joining again does not end it.
            sqlx::query(
                "INSERT INTO room_bars (room_id, user_id, muted_until) VALUES ($1, $2, $3)
                 ON CONFLICT (room_id, user_id) DO UPDATE SET muted_until = excluded.muted_until",
            )
            .bind(room)
            .bind(user)
            .bind(until.unwrap_or(0))
            .execute(&mut *tx)
            .await?;
        }
        ModAction::Promote | ModAction::Demote => {
            let role = if event.action == ModAction::Promote {
                Role::Moderator
            } else {
                Role::Member
            };
            sqlx::query("UPDATE members SET role = $1 WHERE room_id = $2 AND user_id = $3")
                .bind(role.as_str())
                .bind(room)
                .bind(user)
                .execute(&mut *tx)
                .await?;
        }
    }
    let action = serde_json::to_value(event.action)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    sqlx::query(
        "INSERT INTO moderation_log
             (room_id, seq, actor_id, target_id, action, reason, until, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(room)
    .bind(seq)
    .bind(actor)
    .bind(user)
    .bind(action)
    .bind(event.reason.as_str())
    .bind(until)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Until when `user` is kept out of `room` (kicked or banned), if they are at `now`.
pub(in super::super) async fn barred(
    tx: &mut AnyConnection,
    room: RoomId,
    user: UserId,
    now: i64,
) -> Result<Option<i64>, StoreError> {
    let until: Option<i64> =
        sqlx::query_scalar("SELECT until FROM room_bars WHERE room_id = $1 AND user_id = $2")
            .bind(room)
            .bind(user)
            .fetch_optional(&mut *tx)
            .await?;
    Ok(until.filter(|&u| u > now))
}
