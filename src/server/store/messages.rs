//! Queries on `messages`: the batch write that assigns each room's next `seq`, and the
//! reads by `seq`.

use std::collections::{BTreeMap, HashMap, HashSet};

use sqlx::SqliteConnection;

use super::{now_ms, Store, StoreError};
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

/// Rows per multi-row `INSERT`: six parameters each, well under SQLite's 32,766, whatever
/// `commit_batch` is.
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
    /// 1. earlier copies of every (sender, `client_msg_id`) in the batch, in one query;
    /// 2. which (room, sender) pairs are memberships, in one query;
    /// 3. per room with new messages, one `UPDATE … RETURNING` that reserves its next `seq`s;
    /// 4. one multi-row `INSERT` of the new messages (per thousand).
    ///
    /// A request repeated inside the batch is a duplicate of its first copy.
    pub async fn write_batch(&self, batch: &[SendRequest]) -> Result<Vec<SendOutcome>, StoreError> {
        let mut tx = self.write_tx().await?;
        let earlier_rows = earlier_copies(&mut tx, batch).await?;
        let earlier: HashMap<(UserId, &str), &Message> = earlier_rows
            .iter()
            .map(|m| ((m.sender_id, m.client_msg_id.as_str()), m))
            .collect();
        let members = memberships(&mut tx, batch).await?;
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
        super::webhooks::enqueue_messages(&mut tx, &self.webhook_hosts, &created).await?;
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
            "{MESSAGE_SELECT} WHERE m.room_id = ? AND m.seq < ? ORDER BY m.seq DESC LIMIT ?"
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
            "{MESSAGE_SELECT} WHERE m.room_id = ? AND m.seq > ? ORDER BY m.seq LIMIT ?"
        ))
        .bind(room)
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(Message::from).collect())
    }

    /// The `seq` of a room's newest message (0 when empty).
    pub async fn last_seq(&self, room: RoomId) -> Result<Seq, StoreError> {
        Ok(
            sqlx::query_scalar::<_, Seq>("SELECT last_seq FROM rooms WHERE id = ?")
                .bind(room)
                .fetch_optional(&self.pool)
                .await?
                .unwrap_or(0),
        )
    }
}

/// Messages already stored under any (sender, `client_msg_id`) of the batch.
async fn earlier_copies(
    tx: &mut SqliteConnection,
    batch: &[SendRequest],
) -> Result<Vec<Message>, StoreError> {
    let keys = json_pairs(
        batch
            .iter()
            .map(|r| (r.sender_id, r.client_msg_id.as_str())),
    )?;
    let rows: Vec<MessageRow> = sqlx::query_as(&format!(
        "{MESSAGE_SELECT} JOIN json_each(?) k
           ON m.sender_id = k.value ->> 0 AND m.client_msg_id = k.value ->> 1"
    ))
    .bind(keys)
    .fetch_all(&mut *tx)
    .await?;
    Ok(rows.into_iter().map(Message::from).collect())
}

/// The (room, sender) pairs of the batch whose sender may post there: a member, and in a
/// direct room not blocked by the other person.
async fn memberships(
    tx: &mut SqliteConnection,
    batch: &[SendRequest],
) -> Result<HashSet<(RoomId, UserId)>, StoreError> {
    let pairs = json_pairs(batch.iter().map(|r| (r.room_id, r.sender_id)))?;
    let rows: Vec<(RoomId, UserId)> = sqlx::query_as(
        "SELECT DISTINCT mb.room_id, mb.user_id FROM json_each(?) k
         JOIN members mb ON mb.room_id = k.value ->> 0 AND mb.user_id = k.value ->> 1
         WHERE NOT EXISTS (
             SELECT 1 FROM members other
             JOIN blocks b ON b.blocker_id = other.user_id AND b.blocked_id = mb.user_id
             JOIN rooms r ON r.id = other.room_id AND r.kind = 'direct'
             WHERE other.room_id = mb.room_id AND other.user_id <> mb.user_id)",
    )
    .bind(pairs)
    .fetch_all(&mut *tx)
    .await?;
    Ok(rows.into_iter().collect())
}

/// Raises each room's `last_seq` by its number of new messages; returns the seq before them
/// (the room's k-th new message gets that plus k).
async fn reserve_seqs(
    tx: &mut SqliteConnection,
    new_in_room: &BTreeMap<RoomId, Seq>,
) -> Result<HashMap<RoomId, Seq>, StoreError> {
    let mut base = HashMap::new();
    for (&room, &count) in new_in_room {
        let last: Seq = sqlx::query_scalar(
            "UPDATE rooms SET last_seq = last_seq + ?, last_active_at = ? WHERE id = ?
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
    tx: &mut SqliteConnection,
    new: &[(usize, &SendRequest, Seq)],
) -> Result<HashMap<usize, Message>, StoreError> {
    let created_at = now_ms();
    let mut stored = HashMap::with_capacity(new.len());
    for chunk in new.chunks(INSERT_ROWS) {
        let mut insert = sqlx::QueryBuilder::new(
            "INSERT INTO messages (room_id, seq, sender_id, client_msg_id, body, created_at) ",
        );
        insert.push_values(chunk, |mut row, (_, req, seq)| {
            row.push_bind(req.room_id)
                .push_bind(*seq)
                .push_bind(req.sender_id)
                .push_bind(req.client_msg_id.as_str())
                .push_bind(req.body.as_str())
                .push_bind(created_at);
        });
        insert.push(" RETURNING id, room_id, seq");
        // RETURNING gives no order; (room, seq) names each row. The statement's text changes
        // with its row count, so it is not kept in the statement cache.
        let ids: HashMap<(RoomId, Seq), i64> = insert
            .build_query_as::<(i64, RoomId, Seq)>()
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
    serde_json::to_string(&pairs.collect::<Vec<_>>())
        .map_err(|e| StoreError::Db(sqlx::Error::Encode(Box::new(e))))
}

/// A row the batch write inserted but cannot find again: never expected; the batch is not
/// committed.
fn missing() -> StoreError {
    StoreError::Db(sqlx::Error::RowNotFound)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::store::test_user;

    #[sqlx::test(migrations = false)]
    async fn seq_is_gap_free_and_retries_are_answered_with_the_original(pool: sqlx::SqlitePool) {
        let store = Store::from_pool(pool).await.expect("store");
        let mut ids = Vec::new();
        for name in ["ann", "ben", "eve"] {
            ids.push(test_user(&store, name).await);
        }
        let room = store.open_direct(ids[0], ids[1]).await.expect("query");
        let req = |sender: UserId, id: &str| SendRequest {
            room_id: room,
            sender_id: sender,
            sender_name: String::new(),
            sender_username: String::new(),
            client_msg_id: id.into(),
            body: "hi".into(),
        };
        let out = store
            .write_batch(&[
                req(ids[0], "a1"),
                req(ids[1], "b1"),
                req(ids[2], "e1"),
                req(ids[0], "a1"),
            ])
            .await
            .expect("commit");
        let Some(SendOutcome::Stored(first)) = out.first() else {
            panic!("first stored: {out:?}");
        };
        assert_eq!(first.seq, 1);
        assert!(matches!(&out[1], SendOutcome::Stored(m) if m.seq == 2));
        assert_eq!(out[2], SendOutcome::NotMember);
        assert!(matches!(&out[3], SendOutcome::Duplicate(m) if m.id == first.id));
        let stored = store.after(room, 0, 10).await.expect("query");
        assert_eq!(stored.iter().map(|m| m.seq).collect::<Vec<_>>(), [1, 2]);
        assert_eq!(store.latest(room, 1).await.expect("query")[0].seq, 2);
        assert_eq!(store.before(room, 2, 10).await.expect("query").len(), 1);
    }

    #[sqlx::test(migrations = false)]
    async fn a_batch_over_several_rooms_numbers_each_room_and_names_every_row(
        pool: sqlx::SqlitePool,
    ) {
        let store = Store::from_pool(pool).await.expect("store");
        let mut ids = Vec::new();
        for name in ["ann", "ben", "cat"] {
            ids.push(test_user(&store, name).await);
        }
        let (ann, ben, cat) = (ids[0], ids[1], ids[2]);
        let ab = store.open_direct(ann, ben).await.expect("query");
        let bc = store.open_direct(ben, cat).await.expect("query");
        let req = |room: RoomId, sender: UserId, id: &str| SendRequest {
            room_id: room,
            sender_id: sender,
            sender_name: String::new(),
            sender_username: String::new(),
            client_msg_id: id.into(),
            body: format!("{id} in {room}"),
        };
        let first = store
            .write_batch(&[req(ab, ann, "x1")])
            .await
            .expect("commit");
        let out = store
            .write_batch(&[
                req(bc, ben, "y1"),
                req(ab, ben, "y2"),
                req(ab, ann, "x1"),
                req(bc, cat, "z1"),
                req(bc, ben, "y1"),
                req(ab, cat, "z2"),
                req(ab, ann, "x2"),
            ])
            .await
            .expect("commit");
        let seq_of = |o: &SendOutcome| match o {
            SendOutcome::Stored(m) => Some((m.room_id, m.seq)),
            _ => None,
        };
        assert_eq!(seq_of(&out[0]), Some((bc, 1)));
        assert_eq!(seq_of(&out[1]), Some((ab, 2)));
        let SendOutcome::Stored(x1) = &first[0] else {
            panic!("{first:?}");
        };
        assert!(matches!(&out[2], SendOutcome::Duplicate(m) if m.id == x1.id));
        assert_eq!(seq_of(&out[3]), Some((bc, 2)));
        assert!(
            matches!(&out[4], SendOutcome::Duplicate(m) if Some((m.room_id, m.seq)) == seq_of(&out[0]))
        );
        assert_eq!(out[5], SendOutcome::NotMember);
        assert_eq!(seq_of(&out[6]), Some((ab, 3)));
        // Every stored outcome is the row now in the store, id included.
        for room in [ab, bc] {
            for row in store.after(room, 0, 10).await.expect("query") {
                let told = out.iter().chain(&first).find_map(|o| match o {
                    SendOutcome::Stored(m) if m.room_id == row.room_id && m.seq == row.seq => {
                        Some(m)
                    }
                    _ => None,
                });
                let told = told.unwrap_or_else(|| panic!("no outcome for {row:?}"));
                assert_eq!((told.id, &told.body), (row.id, &row.body));
            }
        }
        assert_eq!(store.last_seq(ab).await.expect("query"), 3);
        assert_eq!(store.last_seq(bc).await.expect("query"), 2);
    }

    /// A batch larger than one `INSERT` holds (a large `commit_batch`) is stored in chunks.
    #[sqlx::test(migrations = false)]
    async fn a_batch_larger_than_one_insert_is_stored_whole(pool: sqlx::SqlitePool) {
        let store = Store::from_pool(pool).await.expect("store");
        let mut ids = Vec::new();
        for name in ["ann", "ben"] {
            ids.push(test_user(&store, name).await);
        }
        let room = store.open_direct(ids[0], ids[1]).await.expect("query");
        // 6,500 rows of six parameters would pass SQLite's 32,766 in one statement.
        let batch: Vec<SendRequest> = (0..6 * INSERT_ROWS + 500)
            .map(|i| SendRequest {
                room_id: room,
                sender_id: ids[i % 2],
                sender_name: String::new(),
                sender_username: String::new(),
                client_msg_id: format!("m{i}"),
                body: format!("message {i}"),
            })
            .collect();
        let out = store.write_batch(&batch).await.expect("commit");
        for (i, outcome) in out.iter().enumerate() {
            assert!(
                matches!(outcome, SendOutcome::Stored(m) if m.seq == i as Seq + 1 && m.body == batch[i].body),
                "{i}: {outcome:?}"
            );
        }
        assert_eq!(store.last_seq(room).await.expect("query"), out.len() as Seq);
    }
}
