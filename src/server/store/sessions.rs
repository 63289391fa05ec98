//! Queries on `sessions`. Tokens never reach the database: only their SHA-256.

use super::{json_param, now_ms, Store, StoreError};
use crate::protocol::UserId;

/// A live session and the user it belongs to.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct SessionUser {
    pub session_id: i64,
    pub user_id: UserId,
    pub username: String,
    pub display_name: String,
    /// When the session ends (ms since the Unix epoch): its sockets are closed then (4001).
    pub expires_at: i64,
}

impl Store {
    /// Stores a new session for `user_id`, valid until `expires_at` (ms).
    pub async fn create_session(
        &self,
        user_id: UserId,
        token_hash: &[u8],
        expires_at: i64,
    ) -> Result<i64, StoreError> {
        let _gate = self.gate().await;
        Ok(sqlx::query_scalar(
            "INSERT INTO sessions (token_hash, user_id, created_at, expires_at)
             VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(token_hash)
        .bind(user_id)
        .bind(now_ms())
        .bind(expires_at)
        .fetch_one(&self.pool)
        .await?)
    }

    /// The user of an unexpired, unrevoked session.
    pub async fn session_user(&self, token_hash: &[u8]) -> Result<Option<SessionUser>, StoreError> {
        Ok(sqlx::query_as::<_, SessionUser>(
            "SELECT s.id AS session_id, u.id AS user_id, u.username, u.display_name,
                    s.expires_at
             FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2",
        )
        .bind(token_hash)
        .bind(now_ms())
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Deletes the rows of sessions that can never be used again: expired ones, and revoked
    /// ones. Returns how many went.
    pub async fn purge_sessions(&self) -> Result<u64, StoreError> {
        let _gate = self.gate().await;
        let done =
            sqlx::query("DELETE FROM sessions WHERE expires_at <= $1 OR revoked_at IS NOT NULL")
                .bind(now_ms())
                .execute(&self.pool)
                .await?;
        Ok(done.rows_affected())
    }

    /// Of these sessions, the ones still valid (not revoked, not expired): the bus's check
    /// after it may have missed a sign-out on another node.
    pub async fn live_sessions(&self, ids: &[i64]) -> Result<Vec<i64>, StoreError> {
        let ids = json_param(ids)?;
        let ids_in = self.backend.int_rows("$1");
        Ok(sqlx::query_scalar(&format!(
            "SELECT id FROM sessions
             WHERE id IN {ids_in} AND revoked_at IS NULL AND expires_at > $2"
        ))
        .bind(ids)
        .bind(now_ms())
        .fetch_all(&self.pool)
        .await?)
    }

    /// Revokes a session; later look-ups of its token find nothing.
    pub async fn revoke_session(&self, session_id: i64) -> Result<(), StoreError> {
        let _gate = self.gate().await;
        sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(now_ms())
            .bind(session_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::store::testing::on_both_backends;
    use crate::server::store::NewUser;

    on_both_backends!(revoked_and_expired_sessions_find_nobody);

    async fn revoked_and_expired_sessions_find_nobody(store: Store) {
        let user = store
            .create_user(NewUser {
                username: "bob",
                display_name: "Bob",
                password_hash: "x",
            })
            .await
            .expect("query")
            .expect("new user");
        let live = store
            .create_session(user.id, b"live", now_ms() + 60_000)
            .await
            .expect("query");
        store
            .create_session(user.id, b"old", now_ms() - 1)
            .await
            .expect("query");
        let found = store.session_user(b"live").await.expect("query");
        assert_eq!(found.map(|s| s.user_id), Some(user.id));
        assert_eq!(store.session_user(b"old").await.expect("query"), None);
        store.revoke_session(live).await.expect("query");
        assert_eq!(
            store.purge_sessions().await.expect("query"),
            2,
            "both rows go"
        );
        assert_eq!(store.session_user(b"live").await.expect("query"), None);
    }
}
