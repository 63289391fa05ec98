//! The batch write's one `INSERT` of its new rows (per thousand), from one JSON parameter.

use std::collections::HashMap;

use sqlx::AnyConnection;

use super::super::backend::Col;
use super::super::{json_param, Backend, StoreError};
use super::write::missing;
use super::{Action, SendRequest};
use crate::protocol::{Message, MessageKind, RoomId, Seq};
use crate::server::markdown::RENDER_VERSION;

/// Rows per `INSERT` (one JSON parameter), whatever `commit_batch` is.
pub(super) const INSERT_ROWS: usize = 1000;

/// Inserts the new rows (batch index, request, seq); returns them by index, as stored.
pub(super) async fn insert(
    tx: &mut AnyConnection,
    backend: Backend,
    new: &[(usize, &SendRequest, Seq)],
    bodies: &HashMap<usize, String>,
    created_at: i64,
) -> Result<HashMap<usize, Message>, StoreError> {
    const COLUMNS: [Col; 12] = [
        Col::Int("room_id"),
        Col::Int("seq"),
        Col::Int("sender_id"),
        Col::Text("client_msg_id"),
        Col::Text("body"),
        Col::Int("created_at"),
        Col::Text("kind"),
        Col::Int("target_seq"),
        Col::Int("reply_to"),
        Col::Text("html"),
        Col::Int("render_version"),
        Col::Int("version"),
    ];
    // The rows travel as one JSON parameter: binding thousands of `$n` costs SQLite a
    // parameter-name search each (quadratic in their number: it halved the write rate at
    // twelve columns), and the statement's text is the same for every batch.
    let rows_in = backend.tuple_rows("$1", &COLUMNS);
    let sql = format!(
        "INSERT INTO messages (room_id, seq, sender_id, client_msg_id, body, created_at, \
         kind, target_seq, reply_to, html, render_version, version) \
         SELECT room_id, seq, sender_id, client_msg_id, body, created_at, kind, target_seq, \
                reply_to, html, render_version, version FROM {rows_in} r \
         RETURNING id, room_id, seq"
    );
    let mut stored = HashMap::with_capacity(new.len());
    for chunk in new.chunks(INSERT_ROWS) {
        let rows: Vec<Message> = chunk
            .iter()
            .map(|&(i, req, seq)| {
                let mut row = row_of(req, seq, created_at);
                if let Some(body) = bodies.get(&i) {
                    row.body = body.clone();
                }
                row
            })
            .collect();
        let values: Vec<serde_json::Value> = chunk
            .iter()
            .zip(&rows)
            .map(|((_, req, _), row)| {
                let (target, reply_to) = match &req.action {
                    Action::Post { reply_to, .. } => (None, *reply_to),
                    other => (other.target(), None),
                };
                serde_json::json!([
                    row.room_id,
                    row.seq,
                    row.sender_id,
                    row.client_msg_id,
                    row.body,
                    created_at,
                    row.kind.as_str(),
                    target,
                    reply_to,
                    row.html,
                    if row.is_message() { RENDER_VERSION } else { 0 },
                    row.version,
                ])
            })
            .collect();
        // RETURNING gives no order; (room, seq) names each row.
        let ids: HashMap<(RoomId, Seq), i64> = sqlx::query_as::<_, (i64, RoomId, Seq)>(&sql)
            .bind(json_param(&values)?)
            .fetch_all(&mut *tx)
            .await?
            .into_iter()
            .map(|(id, room, seq)| ((room, seq), id))
            .collect();
        for (&(i, _, _), mut row) in chunk.iter().zip(rows) {
            row.id = *ids.get(&(row.room_id, row.seq)).ok_or(missing())?;
            stored.insert(i, row);
        }
    }
    Ok(stored)
}

/// The row a request stores at `seq`, before its id is known.
fn row_of(req: &SendRequest, seq: Seq, created_at: i64) -> Message {
    let (kind, body, html) = match &req.action {
        Action::Post { body, html, .. } => (MessageKind::Message, body.clone(), html.clone()),
        Action::Edit { .. } => (MessageKind::Edit, String::new(), String::new()),
        Action::Delete { .. } => (MessageKind::Delete, String::new(), String::new()),
        // The body is the event, made by the batch's checks.
        Action::Moderate { .. } | Action::Report { .. } => {
            (MessageKind::Moderation, String::new(), String::new())
        }
        Action::React { emoji, on, .. } => {
            let kind = if *on {
                MessageKind::React
            } else {
                MessageKind::Unreact
            };
            (kind, emoji.clone(), String::new())
        }
    };
    Message {
        id: 0,
        room_id: req.room_id,
        seq,
        sender_id: req.sender_id,
        sender_name: req.sender_name.clone(),
        sender_username: req.sender_username.clone(),
        client_msg_id: req.client_msg_id.clone(),
        body,
        created_at,
        kind,
        version: seq,
        html,
        ..Message::default()
    }
}
