//! Queries on `messages`: the batch write that assigns each room's next `seq`, and the
//! reads by `seq`.

use std::collections::{BTreeMap, HashMap, HashSet};

use sqlx::AnyConnection;

use super::backend::Col;
use super::{json_param, now_ms, Backend, Store, StoreError};
use crate::protocol::{Message, RoomId, Seq, UserId};

/// One message to store, already validated (trimmed, non-empty, within limits).
#[derive(Clone, Debug)]
pub struct SendRequest {
    pub room_id: RoomId,
    pub sender_id: UserId,
    pub sender_name: String,
    pub sender_username: String,
    pub client_msg_id: String,
    pub body: String,
}

/// What the batch write did with one request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SendOutcome {
    /// Stored now, with the room's next `seq`.
    Stored(Message),
    /// The sender had already stored this `client_msg_id`: the original row.
    Duplicate(Message),
    /// The sender is not a member of the room (or it does not exist). Nothing stored.
    NotMember,
}

const MESSAGE_SELECT: &str = "
    SELECT m.id, m.room_id, m.seq, m.sender_id, u.display_name AS sender_name,
           u.username AS sender_username,
           m.client_msg_id, m.body, m.created_at
    FROM messages m JOIN users u ON u.id = m.sender_id";

#[derive(sqlx::FromRow)]
struct MessageRow {
    id: i64,
    room_id: RoomId,
    seq: Seq,
    sender_id: UserId,
    sender_name: String,
    sender_username: String,
    client_msg_id: String,
    body: String,
    created_at: i64,
}

impl From<MessageRow> for Message {
    fn from(r: MessageRow) -> Message {
        Message {
            id: r.id,
            room_id: r.room_id,
            seq: r.seq,
            sender_id: r.sender_id,
            sender_name: r.sender_name,
            sender_username: r.sender_username,
            client_msg_id: r.client_msg_id,
            body: r.body,
            created_at: r.created_at,
        }
    }
}

/// Rows per multi-row `INSERT`: six parameters each, well under SQLite's 32,766 and
/// PostgreSQL's 65,535, whatever `commit_batch` is.
const INSERT_ROWS: usize = 1000;

/// What becomes of one request of a batch.
enum Plan {
    /// Stored before: answer with that row.
    Earlier(Message),
    /// Repeats an earlier request of the same batch (its index).
    SameAs(usize),
    NotMember,
    /// New: the k-th new message of its room in this batch (from 1).
    New(Seq),
}

impl Store {
    /// Stores a batch of messages in one transaction (one fsync for all of them).
    ///
    /// Either the whole batch commits or none of it does; the outcomes are in request order.
    /// The work is a fixed handful of statements, whatever the batch size:
    /// 0. on PostgreSQL, the batch's rooms, then its senders, are locked in id order
    ///    (`FOR UPDATE`), so that writers on other nodes wait for this commit before they
    ///    look for copies or take seqs, and two nodes never deadlock (SQLite's transaction
    ///    holds the whole file);
    /// 1. earlier copies of every (sender, `client_msg_id`) in the batch, in one query;
    /// 2. which (room, sender) pairs are memberships, in one query;
    /// 3. per room with new messages, one `UPDATE … RETURNING` that reserves its next `seq`s;
    /// 4. one multi-row `INSERT` of the new messages (per thousand).
    ///
    /// A request repeated inside the batch is a duplicate of its first copy.
    pub async fn write_batch(&self, batch: &[SendRequest]) -> Result<Vec<SendOutcome>, StoreError> {
        let mut tx = self.write_tx().await?;
        if self.backend == Backend::Postgres {
            lock_batch(&mut tx, self.backend, batch).await?;
        }
        let earlier_rows = earlier_copies(&mut tx, self.backend, batch).await?;
        let earlier: HashMap<(UserId, &str), &Message> = earlier_rows
            .iter()
            .map(|m| ((m.sender_id, m.client_msg_id.as_str()), m))
            .collect();
        let members = memberships(&mut tx, self.backend, batch).await?;
        let mut first_copy: HashMap<(UserId, &str), usize> = HashMap::new();
        let mut new_in_room: BTreeMap<RoomId, Seq> = BTreeMap::new();
        let plans: Vec<Plan> = batch
            .iter()
            .enumerate()
            .map(|(i, req)| {
                let key = (req.sender_id, req.client_msg_id.as_str());
                if let Some(&m) = earlier.get(&key) {
                    Plan::Earlier(m.clone())
                } else if let Some(&first) = first_copy.get(&key) {
                    Plan::SameAs(first)
                } else if !members.contains(&(req.room_id, req.sender_id)) {
                    Plan::NotMember
                } else {
                    first_copy.insert(key, i);
                    let n = new_in_room.entry(req.room_id).or_default();
                    *n += 1;
                    Plan::New(*n)
                }
            })
            .collect();
        let base = reserve_seqs(&mut tx, &new_in_room).await?;
        let new: Vec<(usize, &SendRequest, Seq)> = plans
            .iter()
            .zip(batch)
            .enumerate()
            .filter_map(|(i, (plan, req))| match plan {
                Plan::New(k) => Some((i, req, base.get(&req.room_id).copied()? + k)),
                _ => None,
            })
            .collect();
        let stored = insert(&mut tx, &new).await?;
        let outcomes = plans
            .into_iter()
            .enumerate()
            .map(|(i, plan)| match plan {
                Plan::Earlier(m) => Ok(SendOutcome::Duplicate(m)),
                Plan::SameAs(first) => stored
                    .get(&first)
                    .map(|m| SendOutcome::Duplicate(m.clone()))
                    .ok_or(missing()),
                Plan::NotMember => Ok(SendOutcome::NotMember),
                Plan::New(_) => stored
                    .get(&i)
                    .map(|m| SendOutcome::Stored(m.clone()))
                    .ok_or(missing()),
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let mut created: Vec<_> = stored
            .values()
            .map(|m| (m.room_id, m.seq, m.id, m.sender_id))
            .collect();
        created.sort_unstable();
        super::webhooks::enqueue_messages(&mut tx, self.backend, &self.webhook_hosts, &created)
            .await?;
        tx.commit().await?;
        Ok(outcomes)
    }

    /// The newest `limit` messages of a room, ascending by `seq`.
    pub async fn latest(&self, room: RoomId, limit: i64) -> Result<Vec<Message>, StoreError> {
        self.before(room, Seq::MAX, limit).await
    }

    /// Up to `limit` messages with `seq < before`, the newest of them, ascending by `seq`.
    pub async fn before(
        &self,
        room: RoomId,
        before: Seq,
        limit: i64,
    ) -> Result<Vec<Message>, StoreError> {
        let mut rows = sqlx::query_as::<_, MessageRow>(&format!(
            "{MESSAGE_SELECT} WHERE m.room_id = $1 AND m.seq < $2 ORDER BY m.seq DESC LIMIT $3"
        ))
        .bind(room)
        .bind(before)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.reverse();
        Ok(rows.into_iter().map(Message::from).collect())
    }

    /// Up to `limit` messages with `seq > after`, ascending by `seq`.
    pub async fn after(
        &self,
        room: RoomId,
        after: Seq,
        limit: i64,
    ) -> Result<Vec<Message>, StoreError> {
        let rows = sqlx::query_as::<_, MessageRow>(&format!(
            "{MESSAGE_SELECT} WHERE m.room_id = $1 AND m.seq > $2 ORDER BY m.seq LIMIT $3"
        ))
        .bind(room)
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(Message::from).collect())
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

    /// The `seq` of a room's newest message (0 when empty).
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

/// Locks the rows of the batch's rooms, then of its senders, each in id order (PostgreSQL).
/// The senders too because a `client_msg_id` is unique per sender, whatever the room: the
/// same id sent to two rooms through two nodes would otherwise pass both checks, and the
/// second insert would fail its whole batch. Rooms first, then senders: one lock order for
/// every writer, so no deadlock.
async fn lock_batch(
    tx: &mut AnyConnection,
    backend: Backend,
    batch: &[SendRequest],
) -> Result<(), StoreError> {
    let ids_in = backend.int_rows("$1");
    let rooms: Vec<i64> = batch.iter().map(|r| r.room_id).collect();
    let senders: Vec<i64> = batch.iter().map(|r| r.sender_id).collect();
    for (table, lock, mut ids) in [
        ("rooms", "FOR UPDATE", rooms),
        ("users", "FOR NO KEY UPDATE", senders),
    ] {
        ids.sort_unstable();
        ids.dedup();
        sqlx::query(&format!(
            "SELECT id FROM {table} WHERE id IN {ids_in} ORDER BY id {lock}"
        ))
        .bind(json_param(&ids)?)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

/// Messages already stored under any (sender, `client_msg_id`) of the batch.
async fn earlier_copies(
    tx: &mut AnyConnection,
    backend: Backend,
    batch: &[SendRequest],
) -> Result<Vec<Message>, StoreError> {
    let keys = json_pairs(
        batch
            .iter()
            .map(|r| (r.sender_id, r.client_msg_id.as_str())),
    )?;
    let keys_in = backend.tuple_rows("$1", &[Col::Int("sender"), Col::Text("cmid")]);
    let rows: Vec<MessageRow> = sqlx::query_as(&format!(
        "{MESSAGE_SELECT} JOIN {keys_in} k ON m.sender_id = k.sender AND m.client_msg_id = k.cmid"
    ))
    .bind(keys)
    .fetch_all(&mut *tx)
    .await?;
    Ok(rows.into_iter().map(Message::from).collect())
}

/// The (room, sender) pairs of the batch whose sender may post there: a member, and in a
/// direct room not blocked by the other person.
async fn memberships(
    tx: &mut AnyConnection,
    backend: Backend,
    batch: &[SendRequest],
) -> Result<HashSet<(RoomId, UserId)>, StoreError> {
    let pairs = json_pairs(batch.iter().map(|r| (r.room_id, r.sender_id)))?;
    let pairs_in = backend.tuple_rows("$1", &[Col::Int("room"), Col::Int("sender")]);
    let rows: Vec<(RoomId, UserId)> = sqlx::query_as(&format!(
        "SELECT DISTINCT mb.room_id, mb.user_id FROM {pairs_in} k
         JOIN members mb ON mb.room_id = k.room AND mb.user_id = k.sender
         WHERE NOT EXISTS (
             SELECT 1 FROM members other
             JOIN blocks b ON b.blocker_id = other.user_id AND b.blocked_id = mb.user_id
             JOIN rooms r ON r.id = other.room_id AND r.kind = 'direct'
             WHERE other.room_id = mb.room_id AND other.user_id <> mb.user_id)"
    ))
    .bind(pairs)
    .fetch_all(&mut *tx)
    .await?;
    Ok(rows.into_iter().collect())
}

/// Raises each room's `last_seq` by its number of new messages; returns the seq before them
/// (the room's k-th new message gets that plus k).
async fn reserve_seqs(
    tx: &mut AnyConnection,
    new_in_room: &BTreeMap<RoomId, Seq>,
) -> Result<HashMap<RoomId, Seq>, StoreError> {
    let mut base = HashMap::new();
    for (&room, &count) in new_in_room {
        let last: Seq = sqlx::query_scalar(
            "UPDATE rooms SET last_seq = last_seq + $1, last_active_at = $2 WHERE id = $3
             RETURNING last_seq",
        )
        .bind(count)
        .bind(now_ms())
        .bind(room)
        .fetch_one(&mut *tx)
        .await?;
        base.insert(room, last - count);
    }
    Ok(base)
}

/// Inserts the new messages (batch index, request, seq); returns the stored rows by index.
async fn insert(
    tx: &mut AnyConnection,
    new: &[(usize, &SendRequest, Seq)],
) -> Result<HashMap<usize, Message>, StoreError> {
    let created_at = now_ms();
    let mut stored = HashMap::with_capacity(new.len());
    for chunk in new.chunks(INSERT_ROWS) {
        // `$n` written out: sqlx's query builder would write `?` for the `Any` driver,
        // which PostgreSQL does not take.
        let mut sql = String::from(
            "INSERT INTO messages (room_id, seq, sender_id, client_msg_id, body, created_at) \
             VALUES ",
        );
        for k in 0..chunk.len() {
            let p = k * 6;
            let comma = if k == 0 { "" } else { ", " };
            sql.push_str(&format!(
                "{comma}(${}, ${}, ${}, ${}, ${}, ${})",
                p + 1,
                p + 2,
                p + 3,
                p + 4,
                p + 5,
                p + 6
            ));
        }
        sql.push_str(" RETURNING id, room_id, seq");
        let mut insert = sqlx::query_as::<_, (i64, RoomId, Seq)>(&sql);
        for (_, req, seq) in chunk {
            insert = insert
                .bind(req.room_id)
                .bind(*seq)
                .bind(req.sender_id)
                .bind(req.client_msg_id.as_str())
                .bind(req.body.as_str())
                .bind(created_at);
        }
        // RETURNING gives no order; (room, seq) names each row. The statement's text changes
        // with its row count, so it is not kept in the statement cache.
        let ids: HashMap<(RoomId, Seq), i64> = insert
            .persistent(false)
            .fetch_all(&mut *tx)
            .await?
            .into_iter()
            .map(|(id, room, seq)| ((room, seq), id))
            .collect();
        for &(i, req, seq) in chunk {
            let id = *ids.get(&(req.room_id, seq)).ok_or(missing())?;
            let message = Message {
                id,
                room_id: req.room_id,
                seq,
                sender_id: req.sender_id,
                sender_name: req.sender_name.clone(),
                sender_username: req.sender_username.clone(),
                client_msg_id: req.client_msg_id.clone(),
                body: req.body.clone(),
                created_at,
            };
            stored.insert(i, message);
        }
    }
    Ok(stored)
}

/// `[[a, b], …]` as JSON text, for `json_each` in a query.
fn json_pairs<A: serde::Serialize, B: serde::Serialize>(
    pairs: impl Iterator<Item = (A, B)>,
) -> Result<String, StoreError> {
    json_param(&pairs.collect::<Vec<_>>())
}

/// A row the batch write inserted but cannot find again: never expected; the batch is not
/// committed.
fn missing() -> StoreError {
    StoreError::Db(sqlx::Error::RowNotFound)
}

#[cfg(test)]
mod tests;
