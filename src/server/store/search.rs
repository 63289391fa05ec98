//! Message search in the store: the index, written in the transaction of the write that
//! changes a message, and the query, which checks membership itself.
//!
//! Both backends index the same tokens (`server::search::tokens`), never their own parsers,
//! each qualified by the message's room (`7x서울` for `서울` in room 7):
//! - SQLite: an FTS5 table (`message_search`, contentless, `rowid` = the message's id)
//!   whose `ascii` tokenizer only splits the space-separated tokens again;
//! - PostgreSQL: a `tsvector` per message built from the token array (`array_to_tsvector`,
//!   no parser, no dictionary) under a GIN index.
//!
//! A query asks for each term in each of the reader's rooms (`("7x서울" OR "9x서울")`), so the
//! index only ever reads the entries of her rooms: a common word costs its hits there, and
//! a room of a million messages costs no more than the term's hits in it (a separate room
//! column or lexeme made every query read all the entries of the reader's rooms, and bm25
//! weigh them). A message is in one room, so all its tokens carry the same room, and an AND
//! of ORs cannot mix rooms. A term holds only letters, digits, marks and spaceless
//! characters and is quoted here, so no query can reach FTS5's or `tsquery`'s operators.

use sqlx::AnyConnection;

use super::backend::Col;
use super::{json_param, Backend, Store, StoreError};
use crate::model::{SearchHit, SearchPage};
use crate::protocol::{RoomId, Seq, UserId};
use crate::server::search::snippet::snippet;
use crate::server::search::tokens::{index_text, Term};

/// Messages indexed per transaction when the store indexes what was stored before search.
const BACKFILL_ROWS: i64 = 1000;

/// Adds messages (id, room, their tokens from [`index_text`]) to the index, each token
/// qualified by the room ([`in_room`]); a body without letters or digits has no tokens and
/// no entry.
pub(super) async fn index(
    tx: &mut AnyConnection,
    backend: Backend,
    messages: &[(i64, RoomId, &str)],
) -> Result<(), StoreError> {
    let rows: Vec<serde_json::Value> = messages
        .iter()
        .filter(|(_, _, tokens)| !tokens.is_empty())
        .map(|&(id, room, tokens)| {
            let qualified: Vec<String> = tokens.split(' ').map(|t| in_room(room, t)).collect();
            serde_json::json!([id, qualified.join(" ")])
        })
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    let from = backend.tuple_rows("$1", &[Col::Int("id"), Col::Text("tokens")]);
    let sql = match backend {
        Backend::Sqlite => {
            format!("INSERT INTO message_search (rowid, tokens) SELECT id, tokens FROM {from} r")
        }
        Backend::Postgres => format!(
            "INSERT INTO message_search (message_id, tokens)
             SELECT id, array_to_tsvector(string_to_array(tokens, ' ')) FROM {from} r"
        ),
    };
    sqlx::query(&sql)
        .bind(json_param(&rows)?)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// Takes the message `seq` of `room` out of the index (deleted, or about to be re-indexed).
pub(super) async fn unindex(
    tx: &mut AnyConnection,
    backend: Backend,
    room: RoomId,
    seq: Seq,
) -> Result<(), StoreError> {
    let key = match backend {
        Backend::Sqlite => "rowid",
        Backend::Postgres => "message_id",
    };
    sqlx::query(&format!(
        "DELETE FROM message_search
         WHERE {key} = (SELECT id FROM messages WHERE room_id = $1 AND seq = $2)"
    ))
    .bind(room)
    .bind(seq)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Indexes the message `seq` of `room` by the tokens of its new body (an edit).
pub(super) async fn reindex(
    tx: &mut AnyConnection,
    backend: Backend,
    room: RoomId,
    seq: Seq,
    tokens: &str,
) -> Result<(), StoreError> {
    unindex(tx, backend, room, seq).await?;
    let id: Option<i64> =
        sqlx::query_scalar("SELECT id FROM messages WHERE room_id = $1 AND seq = $2")
            .bind(room)
            .bind(seq)
            .fetch_optional(&mut *tx)
            .await?;
    match id {
        Some(id) => index(tx, backend, &[(id, room, tokens)]).await,
        None => Ok(()),
    }
}

#[derive(sqlx::FromRow)]
struct HitRow {
    room_id: RoomId,
    room_name: String,
    seq: Seq,
    sender_name: String,
    sender_username: String,
    body: String,
    created_at: i64,
}

impl Store {
    /// Page `page` (from 0) of the messages matching every term, `per_page` to a page, from
    /// the rooms `user` is a member of: the most relevant first, then the newest. No terms,
    /// no hits.
    pub async fn search(
        &self,
        user: UserId,
        terms: &[Term],
        page: i64,
        per_page: i64,
    ) -> Result<SearchPage, StoreError> {
        if terms.is_empty() {
            return Ok(SearchPage::default());
        }
        let rooms: Vec<RoomId> =
            sqlx::query_scalar("SELECT room_id FROM members WHERE user_id = $1 ORDER BY room_id")
                .bind(user)
                .fetch_all(&self.pool)
                .await?;
        if rooms.is_empty() {
            return Ok(SearchPage::default());
        }
        // The index reads only the reader's rooms (see the module's note); the JOIN on
        // `members` below is what grants access.
        let (source, matched, rank) = match self.backend {
            Backend::Sqlite => (
                "message_search s JOIN messages m ON m.id = s.rowid",
                "message_search MATCH $1",
                "bm25(message_search)",
            ),
            Backend::Postgres => (
                "message_search s JOIN messages m ON m.id = s.message_id",
                "s.tokens @@ $1::tsquery",
                // 1: divided by 1 + the log of the message's length, as bm25 weighs it.
                "ts_rank(s.tokens, $1::tsquery, 1) DESC",
            ),
        };
        let sql = format!(
            "SELECT m.room_id, m.seq, m.body, m.created_at,
                    u.display_name AS sender_name, u.username AS sender_username,
                    CASE WHEN r.kind = 'direct' THEN COALESCE(
                        (SELECT pu.display_name FROM members o JOIN users pu ON pu.id = o.user_id
                         WHERE o.room_id = r.id AND o.user_id <> $2 LIMIT 1), r.name)
                    ELSE r.name END AS room_name
             FROM {source}
             JOIN members mb ON mb.room_id = m.room_id AND mb.user_id = $2
             JOIN rooms r ON r.id = m.room_id
             JOIN users u ON u.id = m.sender_id
             WHERE {matched} AND m.kind = 'message' AND m.deleted = 0
             ORDER BY {rank}, m.id DESC
             LIMIT $3 OFFSET $4"
        );
        let rows: Vec<HitRow> = sqlx::query_as(&sql)
            .bind(match_expr(self.backend, terms, &rooms))
            .bind(user)
            .bind(per_page + 1)
            .bind(page.max(0) * per_page)
            .fetch_all(&self.pool)
            .await?;
        let more = rows.len() as i64 > per_page;
        let hits = rows
            .into_iter()
            .take(per_page as usize)
            .map(|r| SearchHit {
                snippet: snippet(&r.body, terms),
                room_id: r.room_id,
                room_name: r.room_name,
                seq: r.seq,
                sender_name: r.sender_name,
                sender_username: r.sender_username,
                created_at: r.created_at,
            })
            .collect();
        Ok(SearchPage { hits, more })
    }

    /// Indexes the messages stored before the index existed (recorded by the migration
    /// that made it), a thousand per transaction, then forgets the task. Several nodes
    /// starting at once take turns: each batch locks the task's row.
    pub(super) async fn backfill_search(&self) -> Result<(), StoreError> {
        let lock = match self.backend {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE",
        };
        loop {
            let mut tx = self.write_tx().await?;
            let task: Option<(i64, i64)> =
                sqlx::query_as(&format!("SELECT next_id, upto FROM search_backfill{lock}"))
                    .fetch_optional(&mut *tx)
                    .await?;
            let Some((next, upto)) = task else {
                tx.commit().await?;
                return Ok(());
            };
            let rows: Vec<(i64, RoomId, String)> = sqlx::query_as(
                "SELECT id, room_id, body FROM messages
                 WHERE id >= $1 AND id <= $2 AND kind = 'message' AND deleted = 0
                 ORDER BY id LIMIT $3",
            )
            .bind(next)
            .bind(upto)
            .bind(BACKFILL_ROWS)
            .fetch_all(&mut *tx)
            .await?;
            let Some(&(last, _, _)) = rows.last() else {
                sqlx::query("DELETE FROM search_backfill")
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                return Ok(());
            };
            let tokens: Vec<(i64, RoomId, String)> = rows
                .iter()
                .map(|(id, room, body)| (*id, *room, index_text(body)))
                .collect();
            let messages: Vec<(i64, RoomId, &str)> = tokens
                .iter()
                .map(|(id, room, t)| (*id, *room, t.as_str()))
                .collect();
            index(&mut tx, self.backend, &messages).await?;
            sqlx::query("UPDATE search_backfill SET next_id = $1")
                .bind(last + 1)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        }
    }
}

/// `token` as the index holds it for a message of `room`: the room's id, `x`, the token.
/// The id's digits end at the `x`, so no two rooms' tokens can meet.
fn in_room(room: RoomId, token: &str) -> String {
    format!("{room}x{token}")
}

/// The terms in the index's query syntax, all required, each in any of `rooms`: every
/// token quoted (a prefix marked), which is safe because a term holds only letters, digits,
/// marks and spaceless characters.
fn match_expr(backend: Backend, terms: &[Term], rooms: &[RoomId]) -> String {
    let (or, and) = match backend {
        Backend::Sqlite => (" OR ", " AND "),
        Backend::Postgres => (" | ", " & "),
    };
    let term = |t: &Term| {
        let each = rooms.iter().map(|&room| {
            let token = in_room(room, &t.text);
            match (backend, t.prefix) {
                (Backend::Sqlite, false) => format!("\"{token}\""),
                (Backend::Sqlite, true) => format!("\"{token}\"*"),
                (Backend::Postgres, false) => format!("'{token}'"),
                (Backend::Postgres, true) => format!("'{token}':*"),
            }
        });
        format!("({})", each.collect::<Vec<_>>().join(or))
    };
    terms.iter().map(term).collect::<Vec<_>>().join(and)
}

#[cfg(test)]
#[path = "search_tests.rs"]
mod tests;
