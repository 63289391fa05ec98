//! Rows of `messages` as the crate's [`Message`]: each in its current state, a reply with its
//! parent's quote, a message with its reactions, an event with its target's state.

use std::collections::{BTreeMap, HashMap};

use sqlx::AnyConnection;

use super::super::backend::Col;
use super::super::{json_param, Backend, StoreError};
use crate::protocol::UserId;
use crate::protocol::{excerpt, Message, MessageKind, PresenceUser, Quote, Reaction, RoomId, Seq};
use crate::server::markdown::{render, RENDER_VERSION};

/// Every column a [`Message`] needs; the caller adds the WHERE clause on `m`.
pub(super) const MESSAGE_SELECT: &str = "
    SELECT m.id, m.room_id, m.seq, m.sender_id, u.display_name AS sender_name,
           u.username AS sender_username,
           m.client_msg_id, m.body, m.created_at, m.kind, m.target_seq, m.html,
           m.render_version, m.edited_at, m.deleted, m.version, m.reply_to,
           pu.display_name AS reply_name, p.body AS reply_body, p.deleted AS reply_deleted
    FROM messages m JOIN users u ON u.id = m.sender_id
    LEFT JOIN messages p ON p.room_id = m.room_id AND p.seq = m.reply_to
    LEFT JOIN users pu ON pu.id = p.sender_id";

/// What `messages.deleted` holds: whether a message is shown, and if not, why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Shown {
    Live = 0,
    /// Deleted by its sender: a tombstone.
    Deleted = 1,
    /// Removed by a moderator: a tombstone that says so.
    Removed = 2,
    /// Hidden for everyone pending review; the body is kept for the review.
    Hidden = 3,
}

impl Shown {
    pub(super) fn of(code: i64) -> Shown {
        match code {
            0 => Shown::Live,
            2 => Shown::Removed,
            3 => Shown::Hidden,
            _ => Shown::Deleted,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct MessageRow {
    id: i64,
    room_id: RoomId,
    seq: Seq,
    sender_id: UserId,
    sender_name: String,
    sender_username: String,
    client_msg_id: String,
    body: String,
    created_at: i64,
    kind: String,
    target_seq: Option<Seq>,
    html: String,
    render_version: i64,
    edited_at: Option<i64>,
    // The state (0 shown, 1 deleted, 2 removed by a moderator, 3 hidden: [`Shown`]):
    // neither database's flags decode as `bool` through sqlx's `Any`.
    deleted: i64,
    version: Seq,
    reply_to: Option<Seq>,
    reply_name: Option<String>,
    reply_body: Option<String>,
    reply_deleted: Option<i64>,
}

impl MessageRow {
    /// The message, and the `seq` of the message it changed when it is an event.
    fn into_message(self) -> (Message, Option<Seq>) {
        let kind = MessageKind::parse(&self.kind).unwrap_or_default();
        let shown = Shown::of(self.deleted);
        let deleted = matches!(shown, Shown::Deleted | Shown::Removed);
        let hidden = shown == Shown::Hidden;
        // A body rendered by an older renderer is rendered again (not stored: the next
        // edit stores it).
        let (body, html) = if hidden {
            // Kept for the review (`Store::reports`), sent to nobody.
            (String::new(), String::new())
        } else if kind == MessageKind::Message && !deleted && self.render_version != RENDER_VERSION
        {
            let html = render(&self.body);
            (self.body, html)
        } else {
            (self.body, self.html)
        };
        let reply = self.reply_to.map(|seq| {
            let gone = self.reply_deleted != Some(0) || self.reply_body.is_none();
            Quote {
                seq,
                sender_name: self.reply_name.unwrap_or_default(),
                excerpt: match (&self.reply_body, gone) {
                    (Some(body), false) => excerpt(body),
                    _ => String::new(),
                },
                deleted: gone,
            }
        });
        let message = Message {
            id: self.id,
            room_id: self.room_id,
            seq: self.seq,
            sender_id: self.sender_id,
            sender_name: self.sender_name,
            sender_username: self.sender_username,
            client_msg_id: self.client_msg_id,
            body,
            created_at: self.created_at,
            kind,
            version: self.version.max(self.seq),
            html,
            edited_at: self.edited_at,
            deleted,
            removed_by_moderator: shown == Shown::Removed,
            hidden,
            reactions: Vec::new(),
            reply,
            target: None,
        };
        (message, self.target_seq)
    }
}

/// The rows as messages, complete: reactions on each message, and on each event its
/// target's current state (two more queries, whatever the number of rows).
pub(super) async fn complete(
    conn: &mut AnyConnection,
    backend: Backend,
    rows: Vec<MessageRow>,
) -> Result<Vec<Message>, StoreError> {
    let (mut messages, targets): (Vec<Message>, Vec<Option<Seq>>) =
        rows.into_iter().map(MessageRow::into_message).unzip();
    let wanted: Vec<(RoomId, Seq)> = messages
        .iter()
        .zip(&targets)
        .filter_map(|(m, t)| t.map(|t| (m.room_id, t)))
        .collect();
    let mut changed: HashMap<(RoomId, Seq), Message> = HashMap::new();
    if !wanted.is_empty() {
        let rows = by_seq_rows(conn, backend, &wanted).await?;
        for row in rows {
            let (m, _) = row.into_message();
            changed.insert((m.room_id, m.seq), m);
        }
    }
    let mut keys: Vec<(RoomId, Seq)> = messages
        .iter()
        .filter(|m| m.is_message() && !m.deleted)
        .map(|m| (m.room_id, m.seq))
        .collect();
    keys.extend(changed.keys().copied());
    // A message and an event naming it can share a page: each key once, or the join
    // would count its reactions twice.
    keys.sort_unstable();
    keys.dedup();
    let mut reactions = reactions_of(conn, backend, &keys).await?;
    for m in changed.values_mut() {
        m.reactions = reactions
            .get(&(m.room_id, m.seq))
            .cloned()
            .unwrap_or_default();
    }
    for (m, target) in messages.iter_mut().zip(targets) {
        match target {
            Some(t) => m.target = changed.get(&(m.room_id, t)).cloned().map(Box::new),
            None => m.reactions = reactions.remove(&(m.room_id, m.seq)).unwrap_or_default(),
        }
    }
    Ok(messages)
}

/// The rows of these (room, seq) pairs, in no particular order.
pub(super) async fn by_seq_rows(
    conn: &mut AnyConnection,
    backend: Backend,
    pairs: &[(RoomId, Seq)],
) -> Result<Vec<MessageRow>, StoreError> {
    let keys_in = backend.tuple_rows("$1", &[Col::Int("room"), Col::Int("seq")]);
    Ok(sqlx::query_as(&format!(
        "{MESSAGE_SELECT} JOIN {keys_in} k ON m.room_id = k.room AND m.seq = k.seq"
    ))
    .bind(json_param(pairs)?)
    .fetch_all(&mut *conn)
    .await?)
}

/// The reaction summaries of these messages: per emoji in the order first added, who
/// reacted in the order they did.
async fn reactions_of(
    conn: &mut AnyConnection,
    backend: Backend,
    keys: &[(RoomId, Seq)],
) -> Result<HashMap<(RoomId, Seq), Vec<Reaction>>, StoreError> {
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    let keys_in = backend.tuple_rows("$1", &[Col::Int("room"), Col::Int("seq")]);
    let rows: Vec<(RoomId, Seq, String, UserId, String)> = sqlx::query_as(&format!(
        "SELECT r.room_id, r.seq, r.emoji, r.user_id, u.display_name
         FROM reactions r JOIN users u ON u.id = r.user_id
         JOIN {keys_in} k ON r.room_id = k.room AND r.seq = k.seq
         ORDER BY r.room_id, r.seq, r.event_seq"
    ))
    .bind(json_param(keys)?)
    .fetch_all(&mut *conn)
    .await?;
    let mut grouped: BTreeMap<(RoomId, Seq), Vec<Reaction>> = BTreeMap::new();
    for (room, seq, emoji, user_id, display_name) in rows {
        let list = grouped.entry((room, seq)).or_default();
        let user = PresenceUser {
            user_id,
            display_name,
        };
        match list.iter_mut().find(|r| r.emoji == emoji) {
            Some(r) => r.users.push(user),
            None => list.push(Reaction {
                emoji,
                users: vec![user],
            }),
        }
    }
    Ok(grouped.into_iter().collect())
}
