//! Edits, deletes and reactions inside the batch write: whether each may be made (checked
//! in the transaction, against the message as the earlier requests of the batch leave it),
//! and making it.

use std::collections::HashMap;

use sqlx::AnyConnection;

use super::super::backend::Col;
use super::super::{json_param, search, Backend, StoreError};
use super::{Action, SendRequest};
use crate::protocol::{ErrorCode, RoomId, Seq, UserId};
use crate::server::markdown::RENDER_VERSION;

/// What the checks need of a message a request names.
struct Target {
    sender_id: UserId,
    created_at: i64,
    /// A chat message that is not deleted: the only kind a change or a reply may name.
    live: bool,
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
        let rows: Vec<(RoomId, Seq, UserId, i64, String, i64)> = sqlx::query_as(&format!(
            "SELECT m.room_id, m.seq, m.sender_id, m.created_at, m.kind, m.deleted
             FROM messages m JOIN {keys_in} k ON m.room_id = k.room AND m.seq = k.seq"
        ))
        .bind(json_param(&pairs)?)
        .fetch_all(&mut *tx)
        .await?;
        Ok(Targets(
            rows.into_iter()
                .map(|(room, seq, sender_id, created_at, kind, deleted)| {
                    let live = kind == "message" && deleted == 0;
                    (
                        (room, seq),
                        Target {
                            sender_id,
                            created_at,
                            live,
                        },
                    )
                })
                .collect(),
        ))
    }

    /// Whether `req` may be stored at `now`; a delete that may is noted, so that a later
    /// request of the batch finds the tombstone.
    pub(super) fn check(&mut self, req: &SendRequest, now: i64) -> Result<(), ErrorCode> {
        let Some(seq) = req.action.target() else {
            return Ok(());
        };
        let target = self
            .0
            .get_mut(&(req.room_id, seq))
            .filter(|t| t.live)
            .ok_or(ErrorCode::NoSuchMessage)?;
        let own = target.sender_id == req.sender_id;
        match &req.action {
            Action::Post { .. } | Action::React { .. } | Action::Moderate { .. } => Ok(()),
            Action::Edit { .. } | Action::Delete { .. } if !own => Err(ErrorCode::NotYours),
            Action::Edit { window_ms, .. } if now - target.created_at > *window_ms => {
                Err(ErrorCode::EditWindowClosed)
            }
            Action::Edit { .. } => Ok(()),
            Action::Delete { .. } => {
                target.live = false;
                Ok(())
            }
        }
    }
}

/// Makes the changes of the new rows (batch index, request, its `seq`), in order: the
/// changed message's state, and its `version` set to the event's `seq`.
pub(super) async fn apply(
    tx: &mut AnyConnection,
    backend: Backend,
    new: &[(usize, &SendRequest, Seq)],
    now: i64,
) -> Result<(), StoreError> {
    for &(_, req, event) in new {
        let room = req.room_id;
        match &req.action {
            Action::Post { .. } | Action::Moderate { .. } => continue,
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
                // The body goes from the row itself: a tombstone keeps only its place.
                sqlx::query(
                    "UPDATE messages SET body = '', html = '', deleted = 1, version = $1
                     WHERE room_id = $2 AND seq = $3",
                )
                .bind(event)
                .bind(room)
                .bind(*seq)
                .execute(&mut *tx)
                .await?;
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
    }
    Ok(())
}
