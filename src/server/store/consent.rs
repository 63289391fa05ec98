//! Consent: invitations that wait for a yes, leaving a room, and blocking a person.
//!
//! - An invitation into a group room is pending until the invitee accepts it (they become a
//!   member) or declines it. Only a member may invite; an invitee who blocked the inviter
//!   never sees it.
//! - A member may leave a group room at any time. A direct room cannot be left; blocking is
//!   the way out of it.
//! - A block is one-way: the blocked user's direct messages to the blocker are refused (in
//!   the writer's transaction, with the membership check), their invitations are dropped,
//!   and the blocker cannot be found by their direct search.

use super::{now_ms, Store, StoreError};
use crate::model::Invitation;
use crate::protocol::{RoomId, UserId};

/// The result of an invitation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InviteOutcome {
    /// The invitation waits for the invitee (or they were already a member).
    Invited,
    /// The inviter is not a member of that group room.
    NotAllowed,
    /// The invitee has blocked the inviter: treated as if there were no such user.
    Blocked,
    /// The invitee is kept out of the room (kicked, until the block ends, or banned).
    Barred,
}

impl Store {
    /// Invites `invitee` into a group room on the word of `inviter`, who must be a member.
    pub async fn invite(
        &self,
        inviter: UserId,
        room: RoomId,
        invitee: UserId,
    ) -> Result<InviteOutcome, StoreError> {
        if self.blocks(invitee, inviter).await? {
            return Ok(InviteOutcome::Blocked);
        }
        let _gate = self.gate().await;
        let now = now_ms();
        let done = sqlx::query(
            "INSERT INTO invitations (room_id, user_id, invited_by, created_at)
             SELECT $1, $2, $3, $4
             WHERE EXISTS (SELECT 1 FROM members m JOIN rooms r ON r.id = m.room_id
                           WHERE m.room_id = $1 AND m.user_id = $3 AND r.kind = 'group')
               AND NOT EXISTS (SELECT 1 FROM members WHERE room_id = $1 AND user_id = $2)
               AND NOT EXISTS (SELECT 1 FROM room_bars
                               WHERE room_id = $1 AND user_id = $2 AND until > $4)
             ON CONFLICT DO NOTHING",
        )
        .bind(room)
        .bind(invitee)
        .bind(inviter)
        .bind(now)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 1 {
            return Ok(InviteOutcome::Invited);
        }
        // Nothing written: say why, a bar first (the insert itself checked it).
        let mut conn = self.pool.acquire().await?;
        if super::messages::moderation::barred(&mut conn, room, invitee, now)
            .await?
            .is_some()
        {
            return Ok(InviteOutcome::Barred);
        }
        drop(conn);
        let group: i64 = sqlx::query_scalar(
            "SELECT CASE WHEN EXISTS (SELECT 1 FROM rooms WHERE id = $1 AND kind = 'group')
                    THEN 1 ELSE 0 END",
        )
        .bind(room)
        .fetch_one(&self.pool)
        .await?;
        let group = group == 1;
        // Already invited, or already a member: the same answer as a first invitation.
        if group && self.is_member(room, inviter).await? {
            Ok(InviteOutcome::Invited)
        } else {
            Ok(InviteOutcome::NotAllowed)
        }
    }

    /// The invitations waiting for `user`, newest first.
    pub async fn invitations(&self, user: UserId) -> Result<Vec<Invitation>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT i.room_id, r.name AS room_name, u.display_name AS invited_by
             FROM invitations i JOIN rooms r ON r.id = i.room_id
             JOIN users u ON u.id = i.invited_by
             WHERE i.user_id = $1 ORDER BY i.created_at DESC, i.room_id DESC",
        )
        .bind(user)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Accepts (`true`) or declines an invitation. Returns whether there was one; after an
    /// accepted one, `user` is a member.
    pub async fn answer_invitation(
        &self,
        user: UserId,
        room: RoomId,
        accept: bool,
    ) -> Result<bool, StoreError> {
        let mut tx = self.write_tx().await?;
        // The room's row is locked as the writer locks it for a batch, so that a ban
        // committing on another node is seen here.
        sqlx::query(&format!(
            "SELECT id FROM rooms WHERE id = $1{}",
            self.backend.lock_for_update()
        ))
        .bind(room)
        .execute(&mut *tx)
        .await?;
        let found = sqlx::query("DELETE FROM invitations WHERE room_id = $1 AND user_id = $2")
            .bind(room)
            .bind(user)
            .execute(&mut *tx)
            .await?
            .rows_affected()
            == 1;
        if found && accept {
            if super::messages::moderation::barred(&mut tx, room, user, now_ms())
                .await?
                .is_some()
            {
                // Kept out since the invitation (a kick or a ban also drops invitations, so
                // only a race gets here): the invitation stays, unanswered.
                tx.rollback().await?;
                return Ok(false);
            }
            super::rooms::add_member(&mut tx, room, user).await?;
        }
        tx.commit().await?;
        Ok(found)
    }

    /// Takes `user` out of a group room. Returns whether they were in it.
    pub async fn leave(&self, user: UserId, room: RoomId) -> Result<bool, StoreError> {
        let _gate = self.gate().await;
        let done = sqlx::query(
            "DELETE FROM members WHERE room_id = $1 AND user_id = $2
               AND room_id IN (SELECT id FROM rooms WHERE kind = 'group')",
        )
        .bind(room)
        .bind(user)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// `blocker` blocks (`true`) or unblocks `blocked`. Blocking also drops the invitations
    /// `blocked` sent to `blocker`.
    pub async fn set_block(
        &self,
        blocker: UserId,
        blocked: UserId,
        block: bool,
    ) -> Result<(), StoreError> {
        let mut tx = self.write_tx().await?;
        if block {
            sqlx::query(
                "INSERT INTO blocks (blocker_id, blocked_id, created_at) VALUES ($1, $2, $3)
                 ON CONFLICT DO NOTHING",
            )
            .bind(blocker)
            .bind(blocked)
            .bind(now_ms())
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM invitations WHERE user_id = $1 AND invited_by = $2")
                .bind(blocker)
                .bind(blocked)
                .execute(&mut *tx)
                .await?;
        } else {
            sqlx::query("DELETE FROM blocks WHERE blocker_id = $1 AND blocked_id = $2")
                .bind(blocker)
                .bind(blocked)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Whether `blocker` has blocked `blocked`.
    pub async fn blocks(&self, blocker: UserId, blocked: UserId) -> Result<bool, StoreError> {
        let found: i64 = sqlx::query_scalar(
            "SELECT CASE WHEN EXISTS
                    (SELECT 1 FROM blocks WHERE blocker_id = $1 AND blocked_id = $2)
                    THEN 1 ELSE 0 END",
        )
        .bind(blocker)
        .bind(blocked)
        .fetch_one(&self.pool)
        .await?;
        Ok(found == 1)
    }

    /// The members of a room, by user id (for the hub, when someone leaves or is removed).
    pub async fn member_ids(&self, room: RoomId) -> Result<Vec<UserId>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT user_id FROM members WHERE room_id = $1")
                .bind(room)
                .fetch_all(&self.pool)
                .await?,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::store::test_user;
    use crate::server::store::testing::on_both_backends;

    on_both_backends!(
        an_invitation_waits_for_a_yes,
        a_block_drops_invitations_and_stops_new_ones
    );

    async fn an_invitation_waits_for_a_yes(store: Store) {
        let (a, b, c) = (
            test_user(&store, "ann").await,
            test_user(&store, "ben").await,
            test_user(&store, "cat").await,
        );
        let secret = store.create_group(a, "secret", false).await.expect("query");
        assert_eq!(
            store.invite(c, secret, b).await.expect("query"),
            InviteOutcome::NotAllowed,
            "only members invite"
        );
        assert_eq!(
            store.invite(a, secret, b).await.expect("query"),
            InviteOutcome::Invited
        );
        assert!(!store.is_member(secret, b).await.expect("query"), "not yet");
        let waiting = store.invitations(b).await.expect("query");
        assert_eq!(waiting.len(), 1);
        assert_eq!(
            (
                waiting[0].room_name.as_str(),
                waiting[0].invited_by.as_str()
            ),
            ("secret", "ann")
        );
        assert!(store
            .answer_invitation(b, secret, true)
            .await
            .expect("query"));
        assert!(store.is_member(secret, b).await.expect("query"));
        assert!(store.invitations(b).await.expect("query").is_empty());

        // Declined: nothing happens, and it is gone.
        store.invite(a, secret, c).await.expect("query");
        assert!(store
            .answer_invitation(c, secret, false)
            .await
            .expect("query"));
        assert!(!store.is_member(secret, c).await.expect("query"));
        assert!(!store
            .answer_invitation(c, secret, true)
            .await
            .expect("query"));
        assert!(!store.is_member(secret, c).await.expect("query"));

        // Leaving.
        assert!(store.leave(b, secret).await.expect("query"));
        assert!(!store.is_member(secret, b).await.expect("query"));
        let direct = store.open_direct(a, c).await.expect("query");
        assert!(
            !store.leave(a, direct).await.expect("query"),
            "direct rooms are not left"
        );
    }

    async fn a_block_drops_invitations_and_stops_new_ones(store: Store) {
        let (a, b) = (
            test_user(&store, "ann").await,
            test_user(&store, "ben").await,
        );
        let room = store.create_group(a, "r", false).await.expect("query");
        store.invite(a, room, b).await.expect("query");
        store.set_block(b, a, true).await.expect("query");
        assert!(store.invitations(b).await.expect("query").is_empty());
        assert_eq!(
            store.invite(a, room, b).await.expect("query"),
            InviteOutcome::Blocked
        );
        assert!(store.blocks(b, a).await.expect("query"));
        assert!(!store.blocks(a, b).await.expect("query"), "one-way");
        store.set_block(b, a, false).await.expect("query");
        assert_eq!(
            store.invite(a, room, b).await.expect("query"),
            InviteOutcome::Invited
        );
    }
}
