//! Queries on `messages`: the batch write that assigns each room's next `seq`, and the
//! reads by `seq`.

use super::{now_ms, Store, StoreError};
use crate::protocol::{Message, RoomId, Seq, UserId};

/// One message to store, already validated (trimmed, non-empty, within limits).
#[derive(Clone, Debug)]
pub struct SendRequest {
    pub room_id: RoomId,
    pub sender_id: UserId,
    pub sender_name: String,
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
           m.client_msg_id, m.body, m.created_at
    FROM messages m JOIN users u ON u.id = m.sender_id";

#[derive(sqlx::FromRow)]
struct MessageRow {
    id: i64,
    room_id: RoomId,
    seq: Seq,
    sender_id: UserId,
    sender_name: String,
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
            client_msg_id: r.client_msg_id,
            body: r.body,
            created_at: r.created_at,
        }
    }
}

impl Store {
    /// Stores a batch of messages in one transaction (one fsync for all of them).
    ///
    /// Each request is checked for a earlier copy (same sender and `client_msg_id`) and for
    /// membership inside the transaction, then takes its room's next `seq`. Either the whole
    /// batch commits or none of it does; the outcomes are in request order.
    pub async fn write_batch(&self, batch: &[SendRequest]) -> Result<Vec<SendOutcome>, StoreError> {
        let mut tx = self.write_tx().await?;
        let mut outcomes = Vec::with_capacity(batch.len());
        for req in batch {
            let earlier = sqlx::query_as::<_, MessageRow>(&format!(
                "{MESSAGE_SELECT} WHERE m.sender_id = ? AND m.client_msg_id = ?"
            ))
            .bind(req.sender_id)
            .bind(&req.client_msg_id)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(row) = earlier {
                outcomes.push(SendOutcome::Duplicate(row.into()));
                continue;
            }
            let seq: Option<Seq> = sqlx::query_scalar(
                "UPDATE rooms SET last_seq = last_seq + 1
                 WHERE id = ?1
                   AND EXISTS (SELECT 1 FROM members WHERE room_id = ?1 AND user_id = ?2)
                 RETURNING last_seq",
            )
            .bind(req.room_id)
            .bind(req.sender_id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(seq) = seq else {
                outcomes.push(SendOutcome::NotMember);
                continue;
            };
            let created_at = now_ms();
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO messages (room_id, seq, sender_id, client_msg_id, body, created_at)
                 VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            )
            .bind(req.room_id)
            .bind(seq)
            .bind(req.sender_id)
            .bind(&req.client_msg_id)
            .bind(&req.body)
            .bind(created_at)
            .fetch_one(&mut *tx)
            .await?;
            outcomes.push(SendOutcome::Stored(Message {
                id,
                room_id: req.room_id,
                seq,
                sender_id: req.sender_id,
                sender_name: req.sender_name.clone(),
                client_msg_id: req.client_msg_id.clone(),
                body: req.body.clone(),
                created_at,
            }));
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::store::NewUser;

    #[sqlx::test(migrations = false)]
    async fn seq_is_gap_free_and_retries_are_answered_with_the_original(pool: sqlx::SqlitePool) {
        let store = Store::from_pool(pool).await.expect("store");
        let mut ids = Vec::new();
        for name in ["ann", "ben", "eve"] {
            let user = store
                .create_user(NewUser {
                    username: name,
                    display_name: name,
                    password_hash: "x",
                })
                .await
                .expect("query")
                .expect("new");
            ids.push(user.id);
        }
        let room = store.open_direct(ids[0], ids[1]).await.expect("query");
        let req = |sender: UserId, id: &str| SendRequest {
            room_id: room,
            sender_id: sender,
            sender_name: String::new(),
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
}
