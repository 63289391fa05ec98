//! Moderation as the pages read it: a member's role, the members with theirs, the open
//! reports, and a room's log (the actions themselves, and reports, are written by the batch
//! write, `messages::moderation` and `messages::reports`).

use super::{Store, StoreError};
use crate::model::{MemberEntry, ModLogEntry, Mute, ReportedMessage};
use crate::protocol::{ModAction, Role, RoomId, Seq, UserId};

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

    /// The role `user` acts with in `room`: [`Role::Site`] for the room's host's system
    /// user and site moderators (members or not), else their role if they are a member.
    pub async fn acting_role(
        &self,
        room: RoomId,
        user: UserId,
    ) -> Result<Option<Role>, StoreError> {
        let site: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM host_rooms hr
             JOIN host_users hu ON hu.host = hr.host AND hu.user_id = $2
             WHERE hr.room_id = $1 AND (hu.site_moderator = 1 OR hu.sub = '')",
        )
        .bind(room)
        .bind(user)
        .fetch_optional(&self.pool)
        .await?;
        if site.is_some() {
            return Ok(Some(Role::Site));
        }
        self.role(room, user).await
    }

    /// Makes the host's user `sub` a site moderator of the host, or not. Returns whether the
    /// user exists.
    pub async fn set_site_moderator(
        &self,
        host: &str,
        sub: &str,
        on: bool,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE host_users SET site_moderator = $1 WHERE host = $2 AND sub = $3 AND sub <> ''",
        )
        .bind(i64::from(on))
        .bind(host)
        .bind(sub)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// The members of `room` with their roles and mutes, owner first, then moderators, then
    /// by name.
    pub async fn members_of(&self, room: RoomId) -> Result<Vec<MemberEntry>, StoreError> {
        let now = super::now_ms();
        let rows: Vec<(UserId, String, String, String, i64)> = sqlx::query_as(
            "SELECT u.id, u.display_name, u.username, mb.role, mb.muted_until
             FROM members mb JOIN users u ON u.id = mb.user_id
             WHERE mb.room_id = $1 ORDER BY u.display_name, u.id",
        )
        .bind(room)
        .fetch_all(&self.pool)
        .await?;
        let mut members: Vec<MemberEntry> = rows
            .into_iter()
            .map(
                |(user_id, display_name, username, role, muted)| MemberEntry {
                    user_id,
                    display_name,
                    username,
                    role: Role::parse(&role),
                    muted_until: Some(muted).filter(|&m| m > now),
                },
            )
            .collect();
        members.sort_by_key(|m| std::cmp::Reverse(m.role));
        Ok(members)
    }

    /// Whether only moderators and the owner post in `room`.
    pub async fn read_only(&self, room: RoomId) -> Result<bool, StoreError> {
        let flag: Option<i64> = sqlx::query_scalar("SELECT read_only FROM rooms WHERE id = $1")
            .bind(room)
            .fetch_optional(&self.pool)
            .await?;
        Ok(flag == Some(1))
    }

    /// The open reports of message `seq` of `room`.
    pub async fn open_reports_of(&self, room: RoomId, seq: Seq) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM reports
             WHERE room_id = $1 AND seq = $2 AND resolved_at IS NULL",
        )
        .bind(room)
        .bind(seq)
        .fetch_one(&self.pool)
        .await?)
    }

    /// Whether `user` may post in `room` now: a member, not muted, and in a read-only room
    /// a moderator or the owner (what the writer checks; here for typing notices).
    pub async fn may_post(&self, room: RoomId, user: UserId) -> Result<bool, StoreError> {
        let row: Option<(String, i64, i64)> = sqlx::query_as(
            "SELECT mb.role, mb.muted_until, r.read_only
             FROM members mb JOIN rooms r ON r.id = mb.room_id
             WHERE mb.room_id = $1 AND mb.user_id = $2",
        )
        .bind(room)
        .bind(user)
        .fetch_optional(&self.pool)
        .await?;
        let Some((role, muted_until, read_only)) = row else {
            return Ok(false);
        };
        if muted_until > super::now_ms() {
            return Ok(false);
        }
        if read_only == 0 || Role::parse(&role) >= Role::Moderator {
            return Ok(true);
        }
        Ok(self.acting_role(room, user).await? == Some(Role::Site))
    }

    /// How many messages of `room` have open reports.
    pub async fn open_reports(&self, room: RoomId) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(DISTINCT r.seq) FROM reports r
             JOIN messages m ON m.room_id = r.room_id AND m.seq = r.seq
             WHERE r.room_id = $1 AND r.resolved_at IS NULL AND m.deleted NOT IN (1, 2)",
        )
        .bind(room)
        .fetch_one(&self.pool)
        .await?)
    }

    /// The messages of `room` with open reports, the most reported first: each with its
    /// body as written (a hidden one's too: this is its review), and the reasons.
    pub async fn reported(
        &self,
        room: RoomId,
        limit: i64,
    ) -> Result<Vec<ReportedMessage>, StoreError> {
        let rows: Vec<(Seq, String, String, i64, String, i64)> = sqlx::query_as(
            "SELECT m.seq, u.display_name, m.body, m.deleted, r.reason, r.created_at
             FROM reports r
             JOIN messages m ON m.room_id = r.room_id AND m.seq = r.seq
             JOIN users u ON u.id = m.sender_id
             WHERE r.room_id = $1 AND r.resolved_at IS NULL AND m.deleted NOT IN (1, 2)
             ORDER BY r.seq, r.created_at",
        )
        .bind(room)
        .fetch_all(&self.pool)
        .await?;
        let mut out: Vec<ReportedMessage> = Vec::new();
        for (seq, sender_name, body, state, reason, _) in rows {
            match out.last_mut() {
                Some(last) if last.seq == seq => last.reasons.push(reason),
                _ => out.push(ReportedMessage {
                    seq,
                    sender_name,
                    body,
                    hidden: state == 3,
                    reasons: vec![reason],
                }),
            }
        }
        out.sort_by_key(|m| (std::cmp::Reverse(m.reasons.len()), std::cmp::Reverse(m.seq)));
        out.truncate(usize::try_from(limit).unwrap_or(0));
        Ok(out)
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
