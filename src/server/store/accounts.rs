//! Queries on `users`.

use super::{is_unique_violation, now_ms, Store, StoreError};
use crate::model::Me;
use crate::protocol::UserId;

/// A user as stored, with the password hash (never sent to a client).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct UserRow {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
}

impl From<UserRow> for Me {
    fn from(u: UserRow) -> Me {
        Me {
            user_id: u.id,
            username: u.username,
            display_name: u.display_name,
        }
    }
}

/// A validated sign-up, with its password already hashed.
pub struct NewUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
}

impl Store {
    /// Creates a user; `None` when the username is taken (in any letter case).
    pub async fn create_user(&self, new: NewUser<'_>) -> Result<Option<UserRow>, StoreError> {
        let _gate = self.gate().await;
        let row = sqlx::query_as::<_, UserRow>(
            "INSERT INTO users (username, display_name, password_hash, created_at)
             VALUES ($1, $2, $3, $4)
             RETURNING id, username, display_name, password_hash",
        )
        .bind(new.username)
        .bind(new.display_name)
        .bind(new.password_hash)
        .bind(now_ms())
        .fetch_one(&self.pool)
        .await;
        match row {
            Ok(row) => Ok(Some(row)),
            Err(e) if is_unique_violation(&e) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Finds a user by username, ignoring letter case.
    pub async fn user_by_username(&self, username: &str) -> Result<Option<UserRow>, StoreError> {
        let named = self.backend.username_is("$1");
        Ok(sqlx::query_as::<_, UserRow>(&format!(
            "SELECT id, username, display_name, password_hash FROM users WHERE {named}"
        ))
        .bind(username)
        .fetch_optional(&self.pool)
        .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::store::testing::on_both_backends;

    on_both_backends!(usernames_are_unique_ignoring_case);

    async fn usernames_are_unique_ignoring_case(store: Store) {
        let new = |name| NewUser {
            username: name,
            display_name: "김민수",
            password_hash: "x",
        };
        let first = store.create_user(new("Alice")).await.expect("query");
        assert!(first.is_some());
        assert!(store
            .create_user(new("alice"))
            .await
            .expect("query")
            .is_none());
        let found = store.user_by_username("ALICE").await.expect("query");
        assert_eq!(found.map(|u| u.display_name), Some("김민수".to_owned()));
    }
}
