//! Queries on `rooms` and `members`: who may read and write where.

use super::{json_param, now_ms, Store, StoreError};
use crate::model::{RoomKind, RoomSummary};
use crate::protocol::{Message, RoomId, Seq, UserId};

/// The result of joining a public room.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JoinOutcome {
    Joined,
    /// The room does not exist, is private, or is a direct room.
    NotAllowed,
    /// The user was kicked (the block has not ended) or banned, until then (ms; `i64::MAX`
    /// for ever).
    Barred(i64),
}

#[derive(sqlx::FromRow)]
struct RoomRow {
    id: RoomId,
    kind: String,
    name: String,
    // 0 or 1: neither database's flags decode as `bool` through sqlx's `Any`.
    is_public: i64,
    is_member: i64,
    last_seq: i64,
    last_read_seq: i64,
    unread: i64,
    peer_username: Option<String>,
    peer_blocked: i64,
    msg_id: Option<i64>,
    sender_id: Option<UserId>,
    sender_name: Option<String>,
    sender_username: Option<String>,
    client_msg_id: Option<String>,
    body: Option<String>,
    created_at: Option<i64>,
    msg_seq: Option<Seq>,
    html: Option<String>,
    deleted: Option<i64>,
    edited_at: Option<i64>,
    version: Option<Seq>,
}

impl From<RoomRow> for RoomSummary {
    fn from(r: RoomRow) -> RoomSummary {
        let is_member = r.is_member == 1;
        let last_message = match (is_member, r.msg_id, r.sender_id) {
            (true, Some(id), Some(sender_id)) => Some(Message {
                id,
                room_id: r.id,
                seq: r.msg_seq.unwrap_or_default(),
                sender_id,
                sender_name: r.sender_name.unwrap_or_default(),
                sender_username: r.sender_username.unwrap_or_default(),
                client_msg_id: r.client_msg_id.unwrap_or_default(),
                // A hidden message's body is kept for its review, and shown to nobody.
                body: r.body.filter(|_| r.deleted != Some(3)).unwrap_or_default(),
                created_at: r.created_at.unwrap_or_default(),
                html: r.html.filter(|_| r.deleted != Some(3)).unwrap_or_default(),
                deleted: matches!(r.deleted, Some(1 | 2)),
                removed_by_moderator: r.deleted == Some(2),
                hidden: r.deleted == Some(3),
                edited_at: r.edited_at,
                version: r.version.unwrap_or_default(),
                ..Message::default()
            }),
            _ => None,
        };
        RoomSummary {
            id: r.id,
            kind: if r.kind == "direct" {
                RoomKind::Direct
            } else {
                RoomKind::Group
            },
            name: r.name,
            is_public: r.is_public == 1,
            is_member,
            last_seq: r.last_seq,
            last_read_seq: r.last_read_seq,
            unread: r.unread,
            peer_username: r.peer_username,
            peer_blocked: r.peer_blocked == 1,
            last_message,
        }
    }
}

/// Rooms as `viewer` sees them; the caller adds the WHERE clause on `r`.
const ROOM_SELECT: &str = "
    SELECT r.id, r.kind, r.is_public, r.last_seq,
           CASE WHEN r.kind = 'direct' THEN COALESCE(
               (SELECT u.display_name FROM members o JOIN users u ON u.id = o.user_id
                WHERE o.room_id = r.id AND o.user_id <> $1), r.name)
           ELSE r.name END AS name,
           CASE WHEN EXISTS (SELECT 1 FROM members m WHERE m.room_id = r.id AND m.user_id = $1)
               THEN 1 ELSE 0 END AS is_member,
           COALESCE((SELECT m.last_read_seq FROM members m
                     WHERE m.room_id = r.id AND m.user_id = $1), 0) AS last_read_seq,
           (SELECT COUNT(*) FROM members m JOIN messages x
                ON x.room_id = m.room_id AND x.seq > m.last_read_seq AND x.kind = 'message'
            WHERE m.room_id = r.id AND m.user_id = $1) AS unread,
           CASE WHEN r.kind = 'direct' THEN
               (SELECT u.username FROM members o JOIN users u ON u.id = o.user_id
                WHERE o.room_id = r.id AND o.user_id <> $1) END AS peer_username,
           CASE WHEN r.kind = 'direct' AND EXISTS (
               SELECT 1 FROM members o
               JOIN blocks b ON b.blocked_id = o.user_id AND b.blocker_id = $1
               WHERE o.room_id = r.id AND o.user_id <> $1) THEN 1 ELSE 0 END AS peer_blocked,
           lm.id AS msg_id, lm.sender_id, su.display_name AS sender_name,
           su.username AS sender_username,
           lm.client_msg_id, lm.body, lm.created_at, lm.seq AS msg_seq, lm.html, lm.deleted,
           lm.edited_at, lm.version
    FROM rooms r
    LEFT JOIN messages lm ON lm.room_id = r.id AND lm.seq = (
        SELECT MAX(x.seq) FROM messages x WHERE x.room_id = r.id AND x.kind = 'message')
    LEFT JOIN users su ON su.id = lm.sender_id";

impl Store {
    /// Creates a group room with `creator` as its first member.
    pub async fn create_group(
        &self,
        creator: UserId,
        name: &str,
        is_public: bool,
    ) -> Result<RoomId, StoreError> {
        let mut tx = self.write_tx().await?;
        let now = now_ms();
        let id: RoomId = sqlx::query_scalar(
            "INSERT INTO rooms (kind, name, is_public, created_by, created_at, last_active_at)
             VALUES ('group', $1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(name)
        .bind(i64::from(is_public))
        .bind(creator)
        .bind(now)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        add_member(&mut tx, id, creator).await?;
        // Its creator owns it.
        sqlx::query("UPDATE members SET role = 'owner' WHERE room_id = $1 AND user_id = $2")
            .bind(id)
            .bind(creator)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The direct room of `a` and `b`, created on first use; both are members.
    pub async fn open_direct(&self, a: UserId, b: UserId) -> Result<RoomId, StoreError> {
        let key = format!("{}:{}", a.min(b), a.max(b));
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "INSERT INTO rooms (kind, name, direct_key, created_by, created_at)
             VALUES ('direct', '', $1, $2, $3) ON CONFLICT (direct_key) DO NOTHING",
        )
        .bind(&key)
        .bind(a)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        let id: RoomId = sqlx::query_scalar("SELECT id FROM rooms WHERE direct_key = $1")
            .bind(&key)
            .fetch_one(&mut *tx)
            .await?;
        add_member(&mut tx, id, a).await?;
        add_member(&mut tx, id, b).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Adds `user` to a public group room.
    pub async fn join_public(&self, user: UserId, room: RoomId) -> Result<JoinOutcome, StoreError> {
        let mut tx = self.write_tx().await?;
        // The room's row is locked as the writer locks it for a batch: a ban committing on
        // another node is seen, not raced.
        let public: Option<i64> = sqlx::query_scalar(&format!(
            "SELECT is_public FROM rooms WHERE id = $1 AND kind = 'group'{}",
            self.backend.lock_for_update()
        ))
        .bind(room)
        .fetch_optional(&mut *tx)
        .await?;
        if public != Some(1) {
            tx.rollback().await?;
            return Ok(JoinOutcome::NotAllowed);
        }
        if let Some(until) =
            super::messages::moderation::barred(&mut tx, room, user, now_ms()).await?
        {
            tx.rollback().await?;
            return Ok(JoinOutcome::Barred(until));
        }
        add_member(&mut tx, room, user).await?;
        tx.commit().await?;
        Ok(JoinOutcome::Joined)
    }

    /// Whether `user` is a member of `room`.
    pub async fn is_member(&self, room: RoomId, user: UserId) -> Result<bool, StoreError> {
        let found: i64 = sqlx::query_scalar(
            "SELECT CASE WHEN EXISTS (SELECT 1 FROM members WHERE room_id = $1 AND user_id = $2)
                    THEN 1 ELSE 0 END",
        )
        .bind(room)
        .bind(user)
        .fetch_one(&self.pool)
        .await?;
        Ok(found == 1)
    }

    /// The rooms `viewer` belongs to (most recently active first), then up to
    /// `public_limit` public rooms they may join (see [`Store::public_rooms`]).
    pub async fn rooms_for(
        &self,
        viewer: UserId,
        public_limit: i64,
    ) -> Result<Vec<RoomSummary>, StoreError> {
        let sql = format!(
            "{ROOM_SELECT}
             WHERE r.id IN (SELECT room_id FROM members WHERE user_id = $1)
               -- A direct room shows in the other person's list once it has a message.
               AND (r.kind = 'group' OR r.last_seq > 0 OR r.created_by = $1)
             ORDER BY r.last_active_at DESC, r.id DESC"
        );
        let mut rooms: Vec<RoomSummary> = sqlx::query_as::<_, RoomRow>(&sql)
            .bind(viewer)
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(RoomSummary::from)
            .collect();
        rooms.extend(self.public_rooms(viewer, None, public_limit).await?);
        Ok(rooms)
    }

    /// Public group rooms `viewer` is not in, the most recently active first: up to `limit`
    /// of them, after the room `after` (the last one of the previous page) when given.
    pub async fn public_rooms(
        &self,
        viewer: UserId,
        after: Option<RoomId>,
        limit: i64,
    ) -> Result<Vec<RoomSummary>, StoreError> {
        let sql = format!(
            "{ROOM_SELECT}
             WHERE r.kind = 'group' AND r.is_public = 1
               AND NOT EXISTS (SELECT 1 FROM members m WHERE m.room_id = r.id AND m.user_id = $1)
               AND ($2 IS NULL OR (r.last_active_at, r.id) <
                    (SELECT a.last_active_at, a.id FROM rooms a
                     WHERE a.id = $2 AND a.kind = 'group' AND a.is_public = 1))
             ORDER BY r.last_active_at DESC, r.id DESC
             LIMIT $3"
        );
        let rows = sqlx::query_as::<_, RoomRow>(&sql)
            .bind(viewer)
            .bind(after)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(RoomSummary::from).collect())
    }

    /// One room as `viewer` sees it, if they are a member.
    pub async fn room_for(
        &self,
        viewer: UserId,
        room: RoomId,
    ) -> Result<Option<RoomSummary>, StoreError> {
        let sql = format!("{ROOM_SELECT} WHERE r.id = $2");
        let row = sqlx::query_as::<_, RoomRow>(&sql)
            .bind(viewer)
            .bind(room)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(RoomSummary::from).filter(|r| r.is_member))
    }
}

/// Read positions in one room, for one member.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadState {
    /// The member's own read position.
    pub mine: Seq,
    /// In a direct room, the other member's.
    pub peer: Option<Seq>,
}

impl Store {
    /// Moves `user`'s read position in `room` forward to `seq` (never backwards, never past
    /// the room's last message). Returns the position now stored, or `None` for a
    /// non-member.
    pub async fn mark_read(
        &self,
        room: RoomId,
        user: UserId,
        seq: Seq,
    ) -> Result<Option<Seq>, StoreError> {
        let _gate = self.gate().await;
        Ok(sqlx::query_scalar(
            "UPDATE members
             SET last_read_seq = CASE WHEN capped.seq > last_read_seq THEN capped.seq
                                      ELSE last_read_seq END
             FROM (SELECT CASE WHEN $3 < r.last_seq THEN $3 ELSE r.last_seq END AS seq
                   FROM rooms r WHERE r.id = $1) AS capped
             WHERE room_id = $1 AND user_id = $2
             RETURNING last_read_seq",
        )
        .bind(room)
        .bind(user)
        .bind(seq)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// `user`'s read position in `room` and, in a direct room, the other member's.
    pub async fn read_state(&self, room: RoomId, user: UserId) -> Result<ReadState, StoreError> {
        let rows: Vec<(UserId, Seq, String)> = sqlx::query_as(
            "SELECT m.user_id, m.last_read_seq, r.kind
             FROM members m JOIN rooms r ON r.id = m.room_id WHERE m.room_id = $1",
        )
        .bind(room)
        .fetch_all(&self.pool)
        .await?;
        let mine = rows.iter().find(|r| r.0 == user).map_or(0, |r| r.1);
        let peer = rows
            .iter()
            .find(|r| r.0 != user && r.2 == "direct")
            .map(|r| r.1);
        Ok(ReadState { mine, peer })
    }
}

impl Store {
    /// Of these (room, user) pairs, the memberships: the bus's check after it may have
    /// missed a removal on another node.
    pub async fn memberships_among(
        &self,
        pairs: &[(RoomId, UserId)],
    ) -> Result<Vec<(RoomId, UserId)>, StoreError> {
        let json = json_param(pairs)?;
        let pairs_in = self.backend.tuple_rows(
            "$1",
            &[
                super::backend::Col::Int("room"),
                super::backend::Col::Int("member"),
            ],
        );
        Ok(sqlx::query_as(&format!(
            "SELECT m.room_id, m.user_id FROM {pairs_in} k
             JOIN members m ON m.room_id = k.room AND m.user_id = k.member"
        ))
        .bind(json)
        .fetch_all(&self.pool)
        .await?)
    }
}

pub(super) async fn add_member(
    tx: &mut sqlx::AnyConnection,
    room: RoomId,
    user: UserId,
) -> Result<(), StoreError> {
    // A mute still running when the member left comes back with them.
    sqlx::query(
        "INSERT INTO members (room_id, user_id, joined_at, muted_until)
         VALUES ($1, $2, $3, COALESCE(
             (SELECT muted_until FROM room_bars WHERE room_id = $1 AND user_id = $2), 0))
         ON CONFLICT DO NOTHING",
    )
    .bind(room)
    .bind(user)
    .bind(now_ms())
    .execute(tx)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::store::test_user;
    use crate::server::store::testing::on_both_backends;

    on_both_backends!(
        a_direct_room_opened_twice_is_the_same_room,
        private_rooms_stay_hidden_and_public_ones_are_joined,
        public_rooms_are_paged_by_activity_and_capped
    );

    async fn a_direct_room_opened_twice_is_the_same_room(store: Store) {
        let (a, b) = (
            test_user(&store, "ann").await,
            test_user(&store, "ben").await,
        );
        let first = store.open_direct(a, b).await.expect("query");
        let second = store.open_direct(b, a).await.expect("query");
        assert_eq!(first, second);
        let seen_by_a = store
            .room_for(a, first)
            .await
            .expect("query")
            .expect("member");
        assert_eq!(seen_by_a.name, "ben");
        assert_eq!(seen_by_a.kind, RoomKind::Direct);
    }

    async fn private_rooms_stay_hidden_and_public_ones_are_joined(store: Store) {
        let (a, b) = (
            test_user(&store, "ann").await,
            test_user(&store, "ben").await,
        );
        let secret = store.create_group(a, "secret", false).await.expect("query");
        let lobby = store.create_group(a, "lobby", true).await.expect("query");
        let listed: Vec<_> = store.rooms_for(b, 50).await.expect("query");
        assert_eq!(listed.iter().map(|r| r.id).collect::<Vec<_>>(), [lobby]);
        assert!(!listed[0].is_member);
        assert_eq!(
            store.join_public(b, secret).await.expect("query"),
            JoinOutcome::NotAllowed
        );
        assert_eq!(
            store.join_public(b, lobby).await.expect("query"),
            JoinOutcome::Joined
        );
    }

    async fn public_rooms_are_paged_by_activity_and_capped(store: Store) {
        let (a, b) = (
            test_user(&store, "ann").await,
            test_user(&store, "ben").await,
        );
        let mut made = Vec::new();
        for i in 0..7 {
            made.push(
                store
                    .create_group(a, &format!("r{i}"), true)
                    .await
                    .expect("query"),
            );
            // Distinct activity times (milliseconds).
            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        }
        let first = store.rooms_for(b, 3).await.expect("query");
        let ids: Vec<RoomId> = first.iter().map(|r| r.id).collect();
        assert_eq!(ids, [made[6], made[5], made[4]], "newest first, capped");
        let next = store
            .public_rooms(b, Some(made[4]), 3)
            .await
            .expect("query");
        let ids: Vec<RoomId> = next.iter().map(|r| r.id).collect();
        assert_eq!(ids, [made[3], made[2], made[1]]);
        // A direct room with no message yet is in its opener's list only.
        let direct = store.open_direct(a, b).await.expect("query");
        let of = |rooms: Vec<RoomSummary>| rooms.iter().any(|r| r.id == direct);
        assert!(of(store.rooms_for(a, 0).await.expect("query")));
        assert!(!of(store.rooms_for(b, 0).await.expect("query")));
    }
}
