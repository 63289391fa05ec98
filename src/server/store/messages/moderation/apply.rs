//! Each moderation action's effects, in the writer's transaction: the member's row, the bar
//! that keeps them out, the message hidden or shown, the room, and the log's line; and the
//! bar as joins and invitations read it.

use sqlx::AnyConnection;

use super::super::super::{search, Backend, StoreError};
use super::super::changes::resolve_reports;
use crate::protocol::{ModAction, ModEvent, Role, RoomId, Seq, UserId};
use crate::server::search::tokens::index_text;

/// Makes the action of the moderation row `seq` of `room`, taken by `actor`: the member's
/// row, the bar, the message, the room, and the log's line.
pub(in super::super) async fn apply(
    tx: &mut AnyConnection,
    backend: Backend,
    room: RoomId,
    seq: Seq,
    actor: UserId,
    event: &ModEvent,
    now: i64,
) -> Result<(), StoreError> {
    let user = event.user_id;
    let until = event.until;
    match event.action {
        ModAction::Hide | ModAction::Restore => {
            let message = event.seq.unwrap_or_default();
            let restore = event.action == ModAction::Restore;
            sqlx::query(
                "UPDATE messages SET deleted = $1, version = $2 WHERE room_id = $3 AND seq = $4",
            )
            .bind(if restore { 0_i64 } else { 3 })
            .bind(seq)
            .bind(room)
            .bind(message)
            .execute(&mut *tx)
            .await?;
            if restore {
                let body: Option<String> =
                    sqlx::query_scalar("SELECT body FROM messages WHERE room_id = $1 AND seq = $2")
                        .bind(room)
                        .bind(message)
                        .fetch_optional(&mut *tx)
                        .await?;
                let tokens = index_text(body.as_deref().unwrap_or_default());
                search::reindex(tx, backend, room, message, &tokens).await?;
                resolve_reports(tx, room, message).await?;
            } else {
                search::unindex(tx, backend, room, message).await?;
            }
        }
        ModAction::ReadOnly | ModAction::ReadWrite => {
            sqlx::query("UPDATE rooms SET read_only = $1 WHERE id = $2")
                .bind(i64::from(event.action == ModAction::ReadOnly))
                .bind(room)
                .execute(&mut *tx)
                .await?;
        }
        ModAction::Transfer => {
            sqlx::query(
                "UPDATE members SET role = 'moderator' WHERE room_id = $1 AND role = 'owner'",
            )
            .bind(room)
            .execute(&mut *tx)
            .await?;
            sqlx::query("UPDATE members SET role = 'owner' WHERE room_id = $1 AND user_id = $2")
                .bind(room)
                .bind(user)
                .execute(&mut *tx)
                .await?;
        }
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
    // An action on the room names its actor as the target: the column names a user.
    .bind(if event.action.on_room() { actor } else { user })
    .bind(action)
    .bind(event.reason.as_str())
    .bind(until)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Until when `user` is kept out of `room` (kicked or banned), if they are at `now`.
pub(in super::super::super) async fn barred(
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
