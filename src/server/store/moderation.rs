//! Moderation as the pages read it: a member's role, and a room's log (the actions
//! themselves are written by the batch write, `messages::moderation`).

use super::{Store, StoreError};
use crate::model::{ModLogEntry, Mute};
use crate::protocol::{ModAction, Role, RoomId, UserId};

/// A line of the log as stored: seq, actor, target, action, reason, until, when.
type LogRow = (i64, String, String, String, String, Option<i64>, i64);

impl Store {
    /// `user`'s role in `room`, if they are a member.
    pub async fn role(&self, room: RoomId, user: UserId) -> Result<Option<Role>, StoreError> {
        let role: Option<String> =
            sqlx::query_scalar("SELECT role FROM members WHERE room_id = $1 AND user_id = $2")
                .bind(room)
                .bind(user)
                .fetch_optional(&self.pool)
                .await?;
        Ok(role.as_deref().map(Role::parse))
    }

    /// `user`'s role in `room` (a member's when not one), and their mute if it runs now,
    /// with the reason of the action that set it.
    pub async fn standing(
        &self,
        room: RoomId,
        user: UserId,
    ) -> Result<(Role, Option<Mute>), StoreError> {
        let row: Option<(String, i64)> = sqlx::query_as(
            "SELECT role, muted_until FROM members WHERE room_id = $1 AND user_id = $2",
        )
        .bind(room)
        .bind(user)
        .fetch_optional(&self.pool)
        .await?;
        let Some((role, until)) = row else {
            return Ok((Role::Member, None));
        };
        if until <= super::now_ms() {
            return Ok((Role::parse(&role), None));
        }
        let reason: Option<String> = sqlx::query_scalar(
            "SELECT reason FROM moderation_log
             WHERE room_id = $1 AND target_id = $2 AND action = 'mute'
             ORDER BY id DESC LIMIT 1",
        )
        .bind(room)
        .bind(user)
        .fetch_optional(&self.pool)
        .await?;
        let reason = reason.unwrap_or_default();
        Ok((Role::parse(&role), Some(Mute { until, reason })))
    }

    /// Every action taken in `room`, the newest first, at most `limit`.
    pub async fn moderation_log(
        &self,
        room: RoomId,
        limit: i64,
    ) -> Result<Vec<ModLogEntry>, StoreError> {
        let rows: Vec<LogRow> = sqlx::query_as(
            "SELECT l.seq, a.display_name, t.display_name, l.action, l.reason, l.until,
                        l.created_at
                 FROM moderation_log l
                 JOIN users a ON a.id = l.actor_id JOIN users t ON t.id = l.target_id
                 WHERE l.room_id = $1 ORDER BY l.id DESC LIMIT $2",
        )
        .bind(room)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(
                |(seq, actor_name, target_name, action, reason, until, created_at)| {
                    let action: ModAction =
                        serde_json::from_value(serde_json::Value::String(action)).ok()?;
                    Some(ModLogEntry {
                        seq,
                        actor_name,
                        target_name,
                        action,
                        reason,
                        until,
                        created_at,
                    })
                },
            )
            .collect())
    }
}
