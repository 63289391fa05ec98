//! Queries on `messages`: the batch write that assigns each room's next `seq` (to messages
//! and to the events that change them), and the reads by `seq`, each row in its current
//! state.
//!
//! - [`rows`]: a row as a complete [`Message`] (quote, reactions, an event's target);
//! - [`write`]: the batch write;
//! - [`changes`]: what an edit, a delete or a reaction may do, and doing it.

mod changes;
mod insert;
pub(super) mod moderation;
mod reports;
mod rows;
mod write;

use super::{json_param, Store, StoreError};
use crate::protocol::{ErrorCode, Message, ModAction, RoomId, Seq, UserId};
use crate::server::markdown;
use crate::server::search::tokens::index_text;
use rows::MESSAGE_SELECT;

/// One row to store, already validated (trimmed, non-empty, within limits).
#[derive(Clone, Debug)]
pub struct SendRequest {
    pub room_id: RoomId,
    pub sender_id: UserId,
    pub sender_name: String,
    pub sender_username: String,
    pub client_msg_id: String,
    pub action: Action,
}

/// What a request stores: a message, or an event that changes one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// A new message; `html` is its body rendered and `tokens` its search tokens
    /// ([`Action::post`]).
    Post {
        body: String,
        html: String,
        tokens: String,
        reply_to: Option<Seq>,
    },
    /// A new body for the sender's own message `seq`, if it is at most `window_ms` old.
    Edit {
        seq: Seq,
        body: String,
        html: String,
        tokens: String,
        window_ms: i64,
    },
    /// Message `seq` becomes a tombstone: the sender's own, or (by a moderator) the message
    /// of a member of a lower role, "removed by a moderator".
    Delete { seq: Seq },
    /// The sender's reaction `emoji` to message `seq`, added (`on`) or taken back.
    React { seq: Seq, emoji: String, on: bool },
    /// A moderator's action on member `target` (`docs/moderation.md`): allowed by the
    /// roles as the transaction reads them, stored as a `moderation` row.
    Moderate {
        target: UserId,
        act: ModAction,
        minutes: Option<u32>,
        reason: String,
        /// The message of a `hide` or `restore`.
        seq: Option<Seq>,
    },
    /// The sender reports message `seq` to the room's moderators (once per message). The
    /// report that makes `threshold` open reports hides the message: a `moderation` row
    /// from the server's own user ([`SendOutcome::Stored`]); any other is
    /// [`SendOutcome::Reported`].
    Report {
        seq: Seq,
        reason: String,
        threshold: i64,
    },
}

impl Action {
    /// A new message, its Markdown rendered and its search tokens made here (in the
    /// caller's task, not the writer's).
    pub fn post(body: impl Into<String>, reply_to: Option<Seq>) -> Action {
        let body = body.into();
        Action::Post {
            html: markdown::render(&body),
            tokens: index_text(&body),
            body,
            reply_to,
        }
    }

    /// An edit, its Markdown rendered and its search tokens made here.
    pub fn edit(seq: Seq, body: impl Into<String>, window_ms: i64) -> Action {
        let body = body.into();
        Action::Edit {
            seq,
            html: markdown::render(&body),
            tokens: index_text(&body),
            body,
            window_ms,
        }
    }

    /// The message an edit, delete or reaction changes, or a reply answers.
    fn target(&self) -> Option<Seq> {
        match self {
            Action::Post { reply_to, .. } => *reply_to,
            Action::Edit { seq, .. }
            | Action::Delete { seq }
            | Action::React { seq, .. }
            | Action::Report { seq, .. } => Some(*seq),
            Action::Moderate { seq, .. } => *seq,
        }
    }
}

/// What the batch write did with one request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SendOutcome {
    /// Stored now, with the room's next `seq` (an event: with its target's new state).
    Stored(Message),
    /// The sender had already stored this `client_msg_id`: the original row.
    Duplicate(Message),
    /// The sender is not a member of the room (or it does not exist). Nothing stored.
    NotMember,
    /// The change may not be made: `no_such_message`, `not_yours` or
    /// `edit_window_closed`. Nothing stored.
    Refused(ErrorCode),
    /// The sender is muted in the room until then (server clock, ms). Nothing stored.
    Muted(i64),
    /// A report was stored (or had been: one per member per message), and the message's
    /// open reports are now this many; no row of the sequence.
    Reported(i64),
}

impl Store {
    /// The newest `limit` messages of a room (events left out), ascending by `seq`.
    pub async fn latest(&self, room: RoomId, limit: i64) -> Result<Vec<Message>, StoreError> {
        self.before(room, Seq::MAX, limit).await
    }

    /// Up to `limit` messages with `seq < before`, the newest of them, ascending by `seq`,
    /// each in its current state. Events are left out: their effect is in the state.
    pub async fn before(
        &self,
        room: RoomId,
        before: Seq,
        limit: i64,
    ) -> Result<Vec<Message>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let mut rows = sqlx::query_as::<_, rows::MessageRow>(&format!(
            "{MESSAGE_SELECT} WHERE m.room_id = $1 AND m.seq < $2 AND m.kind = 'message'
             ORDER BY m.seq DESC LIMIT $3"
        ))
        .bind(room)
        .bind(before)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
        rows.reverse();
        rows::complete(&mut conn, self.backend, rows).await
    }

    /// Up to `limit` rows with `seq > after`, ascending by `seq`: messages and events, each
    /// event with its target's current state (what a resuming client replays).
    pub async fn after(
        &self,
        room: RoomId,
        after: Seq,
        limit: i64,
    ) -> Result<Vec<Message>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let rows = sqlx::query_as::<_, rows::MessageRow>(&format!(
            "{MESSAGE_SELECT} WHERE m.room_id = $1 AND m.seq > $2 ORDER BY m.seq LIMIT $3"
        ))
        .bind(room)
        .bind(after)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
        rows::complete(&mut conn, self.backend, rows).await
    }

    /// The `last_seq` of each of these rooms that exists (one query, for the bus's
    /// reconciliation).
    pub async fn last_seqs(&self, rooms: &[RoomId]) -> Result<Vec<(RoomId, Seq)>, StoreError> {
        let ids = json_param(rooms)?;
        let ids_in = self.backend.int_rows("$1");
        Ok(sqlx::query_as(&format!(
            "SELECT id, last_seq FROM rooms WHERE id IN {ids_in}"
        ))
        .bind(ids)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The `seq` of a room's newest row (0 when empty).
    pub async fn last_seq(&self, room: RoomId) -> Result<Seq, StoreError> {
        Ok(
            sqlx::query_scalar::<_, Seq>("SELECT last_seq FROM rooms WHERE id = $1")
                .bind(room)
                .fetch_optional(&self.pool)
                .await?
                .unwrap_or(0),
        )
    }
}

#[cfg(test)]
mod changes_tests;
#[cfg(test)]
mod moderation_tests;
#[cfg(test)]
mod reports_tests;
#[cfg(test)]
mod tests;
