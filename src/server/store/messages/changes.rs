//! Edits, deletes and reactions inside the batch write: whether each may be made (checked
//! in the transaction, against the message as the earlier requests of the batch leave it),
//! and making it. Also what the checks of reports and of moderators' actions on a message
//! need to know of it.

use std::collections::HashMap;

use sqlx::AnyConnection;

use super::super::backend::Col;
use super::super::{json_param, now_ms, search, Backend, StoreError};
use super::rows::Shown;
use super::{Action, SendRequest};
use crate::protocol::{ErrorCode, ModAction, Role, RoomId, Seq, UserId};
use crate::server::markdown::RENDER_VERSION;

/// What the checks need of a message a request names.
pub(super) struct Target {
    pub(super) sender_id: UserId,
    pub(super) sender_name: String,
    /// The sender's role in the room now (a member when they left it; `site` for the host's
    /// system user and site moderators).
    pub(super) sender_role: Role,
    created_at: i64,
    /// A chat message (not an event): the only kind a change or a reply may name.
    message: bool,
    /// As the batch leaves it.
    shown: Shown,
}

impl Target {
    /// Whether the message is shown (not deleted, removed or hidden).
    pub(super) fn live(&self) -> bool {
        self.shown == Shown::Live
    }
}

/// The messages a batch's changes and replies name, as the batch goes along.
pub(super) struct Targets(HashMap<(RoomId, Seq), Target>);

impl Targets {
    /// Reads every message the batch names, in one query.
    pub(super) async fn load(
        tx: &mut AnyConnection,
        backend: Backend,
        batch: &[SendRequest],
    ) -> Result<Targets, StoreError> {
        let mut pairs: Vec<(RoomId, Seq)> = batch
            .iter()
            .filter_map(|r| r.action.target().map(|seq| (r.room_id, seq)))
            .collect();
        if pairs.is_empty() {
            return Ok(Targets(HashMap::new()));
        }
        pairs.sort_unstable();
        pairs.dedup();
        let keys_in = backend.tuple_rows("$1", &[Col::Int("room"), Col::Int("seq")]);
        type Row = (
            RoomId,
            Seq,
            UserId,
            String,
            Option<String>,
            i64,
            String,
            i64,
        );
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "SELECT m.room_id, m.seq, m.sender_id, u.display_name,
                    CASE WHEN EXISTS (
                        SELECT 1 FROM host_rooms hr
                        JOIN host_users hu ON hu.host = hr.host AND hu.user_id = m.sender_id
                        WHERE hr.room_id = m.room_id AND (hu.site_moderator = 1 OR hu.sub = ''))
                    THEN 'site' ELSE mb.role END,
                    m.created_at, m.kind, m.deleted
             FROM messages m JOIN {keys_in} k ON m.room_id = k.room AND m.seq = k.seq
             JOIN users u ON u.id = m.sender_id
             LEFT JOIN members mb ON mb.room_id = m.room_id AND mb.user_id = m.sender_id"
        ))
        .bind(json_param(&pairs)?)
        .fetch_all(&mut *tx)
        .await?;
        Ok(Targets(
            rows.into_iter()
                .map(
                    |(room, seq, sender_id, name, role, created_at, kind, state)| {
                        let target = Target {
                            sender_id,
                            sender_name: name,
                            sender_role: role.as_deref().map_or(Role::Member, Role::parse),
                            created_at,
                            message: kind == "message",
                            shown: Shown::of(state),
                        };
                        ((room, seq), target)
                    },
                )
                .collect(),
        ))
    }

    /// The message `req` names, as the batch leaves it.
    pub(super) fn of(&self, req: &SendRequest) -> Option<&Target> {
        self.0.get(&(req.room_id, req.action.target()?))
    }

    /// Whether `req`, from a sender of role `actor`, may be stored at `now`. A delete,
    /// hide or restore that may is noted, so that a later request of the batch finds the
    /// message as it leaves it.
    pub(super) fn check(
        &mut self,
        req: &SendRequest,
        now: i64,
        actor: Role,
    ) -> Result<(), ErrorCode> {
        let Some(seq) = req.action.target() else {
            return Ok(());
        };
        let target = self
            .0
            .get_mut(&(req.room_id, seq))
            .filter(|t| t.message && matches!(t.shown, Shown::Live | Shown::Hidden))
            .ok_or(ErrorCode::NoSuchMessage)?;
        let own = target.sender_id == req.sender_id;
        let live = target.shown == Shown::Live;
        // A moderator acts on the messages of lower roles only, as on their senders.
        let over = actor >= Role::Moderator && actor > target.sender_role;
        match &req.action {
            // A hidden message is not answered, edited or reacted to until it is restored.
            Action::Post { .. } | Action::React { .. } | Action::Edit { .. } if !live => {
                Err(ErrorCode::NoSuchMessage)
            }
            Action::Post { .. } | Action::React { .. } => Ok(()),
            Action::Report { .. } if own => Err(ErrorCode::NotAllowed),
            Action::Report { .. } => Ok(()),
            Action::Edit { .. } if !own => Err(ErrorCode::NotYours),
            Action::Edit { window_ms, .. } if now - target.created_at > *window_ms => {
                Err(ErrorCode::EditWindowClosed)
            }
            Action::Edit { .. } => Ok(()),
            Action::Delete { .. } if !own && !over => Err(ErrorCode::NotYours),
            Action::Delete { .. } => {
                target.shown = if own { Shown::Deleted } else { Shown::Removed };
                Ok(())
            }
            Action::Moderate { act, .. } => match act {
                ModAction::Hide if live && over => {
                    target.shown = Shown::Hidden;
                    Ok(())
                }
                ModAction::Restore if !live && over => {
                    target.shown = Shown::Live;
                    Ok(())
                }
                ModAction::Hide | ModAction::Restore => Err(ErrorCode::NotAllowed),
                _ => Ok(()),
            },
        }
    }

    /// The message the server hides when reports reach its threshold, noted as hidden.
    pub(super) fn hide(&mut self, room: RoomId, seq: Seq) {
        if let Some(t) = self.0.get_mut(&(room, seq)) {
            t.shown = Shown::Hidden;
        }
    }
}

/// Makes the change of the new row `event` (its `seq`) that `req` stores: the changed
/// message's state, and its `version` set to the event's `seq`. The batch calls it for
/// each new row in `seq` order, so that the rows' effects follow one another as planned.
pub(super) async fn apply(
    tx: &mut AnyConnection,
    backend: Backend,
    req: &SendRequest,
    event: Seq,
    now: i64,
) -> Result<(), StoreError> {
    let room = req.room_id;
    match &req.action {
        Action::Post { .. } | Action::Moderate { .. } | Action::Report { .. } => {}
        Action::Edit {
            seq,
            body,
            html,
            tokens,
            ..
        } => {
            sqlx::query(
                "UPDATE messages SET body = $1, html = $2, render_version = $3,
                     edited_at = $4, version = $5 WHERE room_id = $6 AND seq = $7",
            )
            .bind(body.as_str())
            .bind(html.as_str())
            .bind(RENDER_VERSION)
            .bind(now)
            .bind(event)
            .bind(room)
            .bind(*seq)
            .execute(&mut *tx)
            .await?;
            search::reindex(tx, backend, room, *seq, tokens).await?;
        }
        Action::Delete { seq } => {
            search::unindex(tx, backend, room, *seq).await?;
            // The body goes from the row itself: a tombstone keeps only its place, and
            // whose it is (the sender's, or a moderator's).
            sqlx::query(
                "UPDATE messages SET body = '', html = '', version = $1,
                         deleted = CASE WHEN sender_id = $2 THEN 1 ELSE 2 END
                     WHERE room_id = $3 AND seq = $4",
            )
            .bind(event)
            .bind(req.sender_id)
            .bind(room)
            .bind(*seq)
            .execute(&mut *tx)
            .await?;
            resolve_reports(tx, room, *seq).await?;
            sqlx::query("DELETE FROM reactions WHERE room_id = $1 AND seq = $2")
                .bind(room)
                .bind(*seq)
                .execute(&mut *tx)
                .await?;
        }
        Action::React { seq, emoji, on } => {
            let change = if *on {
                sqlx::query(
                    "INSERT INTO reactions (room_id, seq, user_id, emoji, created_at, event_seq)
                         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
                )
            } else {
                sqlx::query(
                    "DELETE FROM reactions
                         WHERE room_id = $1 AND seq = $2 AND user_id = $3 AND emoji = $4",
                )
            };
            let change = change
                .bind(room)
                .bind(*seq)
                .bind(req.sender_id)
                .bind(emoji.as_str());
            let change = if *on {
                change.bind(now).bind(event)
            } else {
                change
            };
            change.execute(&mut *tx).await?;
            sqlx::query("UPDATE messages SET version = $1 WHERE room_id = $2 AND seq = $3")
                .bind(event)
                .bind(room)
                .bind(*seq)
                .execute(&mut *tx)
                .await?;
        }
    }
    Ok(())
}

/// Closes the open reports of message `seq` of `room` (a moderator has decided on it, or
/// it is gone).
pub(super) async fn resolve_reports(
    tx: &mut AnyConnection,
    room: RoomId,
    seq: Seq,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE reports SET resolved_at = $1
         WHERE room_id = $2 AND seq = $3 AND resolved_at IS NULL",
    )
    .bind(now_ms())
    .bind(room)
    .bind(seq)
    .execute(&mut *tx)
    .await?;
    Ok(())
}
