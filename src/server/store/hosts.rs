//! Queries on the hosts' tables: their users (`host_users`), rooms by key (`host_rooms`),
//! single-use token ids (`used_tokens`). Every change a host's receiver hears of writes its
//! webhook in the same transaction (see `webhooks`).

use sqlx::AnyConnection;

use super::webhooks::{enqueue, Event};
use super::{json_param, now_ms, Store, StoreError};
use crate::protocol::{RoomId, Seq, UserId};

/// The profile a sign-in token carries; refreshed on every sign-in.
#[derive(Clone, Debug, Default)]
pub struct HostProfile<'a> {
    pub name: &'a str,
    pub avatar_url: Option<&'a str>,
    pub locale: Option<&'a str>,
}

/// A verified sign-in token, as the store needs it: who, and its single-use id.
pub struct HostSignIn<'a> {
    pub host: &'a str,
    pub sub: &'a str,
    pub profile: HostProfile<'a>,
    /// The token's `moderator` claim: whether the user is a site moderator from now on
    /// (absent: unchanged).
    pub site_moderator: Option<bool>,
    pub jti: &'a str,
    /// When the token expires (ms): its `jti` is kept until then.
    pub token_expires_at: i64,
    /// The new session's token digest and end (ms).
    pub session_hash: &'a [u8],
    pub session_expires_at: i64,
}

/// What a host sign-in did.
#[derive(Debug, PartialEq, Eq)]
pub enum HostSignedIn {
    /// A session for this user (created on first sight).
    Session { user_id: UserId, session_id: i64 },
    /// The token's `jti` was used before: nothing was written.
    Replayed,
}

/// A host's room, as the API shows it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct HostRoom {
    pub key: String,
    pub room_id: RoomId,
    pub title: String,
    pub link: String,
    pub last_seq: Seq,
}

/// One of a user's host rooms with its unread count.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct HostRoomUnread {
    pub key: String,
    pub room_id: RoomId,
    pub title: String,
    pub link: String,
    pub last_seq: Seq,
    pub read_seq: Seq,
    pub unread: i64,
}

/// The `sub` of a host's system notices (a user's `sub` is never empty).
pub const SYSTEM_SUB: &str = "";

const ROOM_SELECT: &str = "SELECT hr.key, hr.room_id, r.name AS title, hr.link, r.last_seq
    FROM host_rooms hr JOIN rooms r ON r.id = hr.room_id";

impl Store {
    /// Signs a host's user in: spends the token's `jti`, creates the user on first sight (or
    /// refreshes its profile) and starts a session, in one transaction.
    pub async fn host_sign_in(&self, t: HostSignIn<'_>) -> Result<HostSignedIn, StoreError> {
        let mut tx = self.write_tx().await?;
        // Not a caught unique violation: on PostgreSQL that would abort the transaction.
        let spent = sqlx::query(
            "INSERT INTO used_tokens (host, jti, expires_at) VALUES ($1, $2, $3)
             ON CONFLICT DO NOTHING",
        )
        .bind(t.host)
        .bind(t.jti)
        .bind(t.token_expires_at)
        .execute(&mut *tx)
        .await?;
        if spent.rows_affected() == 0 {
            tx.rollback().await?;
            return Ok(HostSignedIn::Replayed);
        }
        let user_id = upsert_user(&mut tx, self.backend, t.host, t.sub, &t.profile, true).await?;
        if let Some(on) = t.site_moderator {
            sqlx::query("UPDATE host_users SET site_moderator = $1 WHERE user_id = $2")
                .bind(i64::from(on))
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
        }
        let session_id: i64 = sqlx::query_scalar(
            "INSERT INTO sessions (token_hash, user_id, created_at, expires_at)
             VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(t.session_hash)
        .bind(user_id)
        .bind(now_ms())
        .bind(t.session_expires_at)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(HostSignedIn::Session {
            user_id,
            session_id,
        })
    }

    /// The Parlor user of a host's `sub`, if it was ever seen.
    pub async fn host_user(&self, host: &str, sub: &str) -> Result<Option<UserId>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT user_id FROM host_users WHERE host = $1 AND sub = $2")
                .bind(host)
                .bind(sub)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// The user of a host's `sub`, with its names, if it was ever seen.
    pub async fn host_user_row(
        &self,
        host: &str,
        sub: &str,
    ) -> Result<Option<super::UserRow>, StoreError> {
        Ok(sqlx::query_as::<_, super::UserRow>(
            "SELECT u.id, u.username, u.display_name, u.password_hash
             FROM host_users hu JOIN users u ON u.id = hu.user_id
             WHERE hu.host = $1 AND hu.sub = $2",
        )
        .bind(host)
        .bind(sub)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// The host's room with this key.
    pub async fn host_room(&self, host: &str, key: &str) -> Result<Option<HostRoom>, StoreError> {
        Ok(sqlx::query_as::<_, HostRoom>(&format!(
            "{ROOM_SELECT} WHERE hr.host = $1 AND hr.key = $2"
        ))
        .bind(host)
        .bind(key)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// The host's room for `key`, created with this title and link when it does not exist
    /// (then `true`), else given them. The host's system user is a member of each, so that
    /// its notices pass the writer's membership check like anyone's messages.
    pub async fn ensure_host_room(
        &self,
        host: &str,
        system_name: &str,
        key: &str,
        title: &str,
        link: &str,
    ) -> Result<(HostRoom, bool), StoreError> {
        let mut tx = self.write_tx().await?;
        // Two nodes creating the same new room: the second waits, then finds it.
        if let Some(lock) = self.backend.key_lock("$1") {
            sqlx::query(&lock)
                .bind(format!("room:{host}:{key}"))
                .execute(&mut *tx)
                .await?;
        }
        let found: Option<RoomId> =
            sqlx::query_scalar("SELECT room_id FROM host_rooms WHERE host = $1 AND key = $2")
                .bind(host)
                .bind(key)
                .fetch_optional(&mut *tx)
                .await?;
        let created = found.is_none();
        let room_id = match found {
            Some(id) => {
                sqlx::query("UPDATE rooms SET name = $1 WHERE id = $2 AND name <> $3")
                    .bind(title)
                    .bind(id)
                    .bind(title)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("UPDATE host_rooms SET link = $1 WHERE room_id = $2")
                    .bind(link)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                id
            }
            None => {
                let now = now_ms();
                let id: RoomId = sqlx::query_scalar(
                    "INSERT INTO rooms (kind, name, is_public, created_at, last_active_at)
                     VALUES ('group', $1, 0, $2, $3) RETURNING id",
                )
                .bind(title)
                .bind(now)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
                sqlx::query(
                    "INSERT INTO host_rooms (host, key, room_id, link) VALUES ($1, $2, $3, $4)",
                )
                .bind(host)
                .bind(key)
                .bind(id)
                .bind(link)
                .execute(&mut *tx)
                .await?;
                let system = HostProfile {
                    name: system_name,
                    ..HostProfile::default()
                };
                let system =
                    upsert_user(&mut tx, self.backend, host, SYSTEM_SUB, &system, true).await?;
                super::rooms::add_member(&mut tx, id, system).await?;
                let event = Event::RoomCreated { key, room_id: id };
                enqueue(&mut tx, self.backend, &self.webhook_hosts, host, &event).await?;
                id
            }
        };
        let room = sqlx::query_as::<_, HostRoom>(&format!("{ROOM_SELECT} WHERE hr.room_id = $1"))
            .bind(room_id)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok((room, created))
    }

    /// Makes the host's user `sub` a member of its room (creating the user, named `name`,
    /// on first sight). Returns the user and whether they were added now.
    pub async fn add_host_member(
        &self,
        host: &str,
        room: &HostRoom,
        sub: &str,
        name: &str,
    ) -> Result<(UserId, bool), StoreError> {
        let mut tx = self.write_tx().await?;
        let profile = HostProfile {
            name,
            ..HostProfile::default()
        };
        let user = upsert_user(&mut tx, self.backend, host, sub, &profile, false).await?;
        let added = sqlx::query(
            "INSERT INTO members (room_id, user_id, joined_at) VALUES ($1, $2, $3)
             ON CONFLICT DO NOTHING",
        )
        .bind(room.room_id)
        .bind(user)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if added {
            let event = Event::MemberAdded {
                key: &room.key,
                room_id: room.room_id,
                user: sub,
            };
            enqueue(&mut tx, self.backend, &self.webhook_hosts, host, &event).await?;
        }
        tx.commit().await?;
        Ok((user, added))
    }

    /// Takes the host's user out of its room. Returns the user, when they were a member.
    pub async fn remove_host_member(
        &self,
        host: &str,
        room: &HostRoom,
        sub: &str,
    ) -> Result<Option<UserId>, StoreError> {
        let mut tx = self.write_tx().await?;
        let removed: Option<UserId> = sqlx::query_scalar(
            "DELETE FROM members WHERE room_id = $1
               AND user_id = (SELECT user_id FROM host_users WHERE host = $2 AND sub = $3)
             RETURNING user_id",
        )
        .bind(room.room_id)
        .bind(host)
        .bind(sub)
        .fetch_optional(&mut *tx)
        .await?;
        if removed.is_some() {
            let event = Event::MemberRemoved {
                key: &room.key,
                room_id: room.room_id,
                user: sub,
            };
            enqueue(&mut tx, self.backend, &self.webhook_hosts, host, &event).await?;
        }
        tx.commit().await?;
        Ok(removed)
    }

    /// The host's `sub` of each of these users (`""` for its system user); users of other
    /// hosts, or Parlor's own accounts, are left out.
    pub async fn host_subs(
        &self,
        host: &str,
        users: &[UserId],
    ) -> Result<std::collections::HashMap<UserId, String>, StoreError> {
        let ids = json_param(users)?;
        let ids_in = self.backend.int_rows("$2");
        let rows: Vec<(UserId, String)> = sqlx::query_as(&format!(
            "SELECT user_id, sub FROM host_users WHERE host = $1 AND user_id IN {ids_in}"
        ))
        .bind(host)
        .bind(ids)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().collect())
    }

    /// The host's rooms `user` is a member of, with their unread counts, the most recently
    /// active first.
    pub async fn host_rooms_of(
        &self,
        host: &str,
        user: UserId,
    ) -> Result<Vec<HostRoomUnread>, StoreError> {
        Ok(sqlx::query_as::<_, HostRoomUnread>(
            "SELECT hr.key, hr.room_id, r.name AS title, hr.link, r.last_seq,
                    m.last_read_seq AS read_seq,
                    (SELECT COUNT(*) FROM messages x WHERE x.room_id = m.room_id
                     AND x.seq > m.last_read_seq AND x.kind = 'message') AS unread
             FROM members m
             JOIN host_rooms hr ON hr.room_id = m.room_id AND hr.host = $1
             JOIN rooms r ON r.id = m.room_id
             WHERE m.user_id = $2
             ORDER BY r.last_active_at DESC, r.id DESC",
        )
        .bind(host)
        .bind(user)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Forgets the ids of tokens that have expired (they are refused as expired anyway).
    pub async fn purge_used_tokens(&self) -> Result<u64, StoreError> {
        let _gate = self.gate().await;
        let done = sqlx::query("DELETE FROM used_tokens WHERE expires_at < $1")
            .bind(now_ms())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}

/// The user of `(host, sub)`, created when missing. `refresh`: a sign-in, whose profile
/// replaces the stored one; otherwise (the API naming a member) an existing user is left as
/// it is.
async fn upsert_user(
    tx: &mut AnyConnection,
    backend: super::Backend,
    host: &str,
    sub: &str,
    profile: &HostProfile<'_>,
    refresh: bool,
) -> Result<UserId, StoreError> {
    // Two nodes signing in the same new `sub` at once: the second waits, then finds it.
    if let Some(lock) = backend.key_lock("$1") {
        sqlx::query(&lock)
            .bind(format!("user:{host}:{sub}"))
            .execute(&mut *tx)
            .await?;
    }
    let found: Option<UserId> =
        sqlx::query_scalar("SELECT user_id FROM host_users WHERE host = $1 AND sub = $2")
            .bind(host)
            .bind(sub)
            .fetch_optional(&mut *tx)
            .await?;
    let name = if profile.name.is_empty() {
        sub
    } else {
        profile.name
    };
    if let Some(id) = found {
        if refresh {
            sqlx::query(
                "UPDATE users SET display_name = $1, avatar_url = $2, locale = $3 WHERE id = $4",
            )
            .bind(name)
            .bind(profile.avatar_url)
            .bind(profile.locale)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        return Ok(id);
    }
    // `<host>:<sub>` cannot be a Parlor account's name; two subs that differ only in letter
    // case (usernames are compared without it) get a suffix.
    let base = format!("{host}:{sub}");
    let mut username = base.clone();
    let id = loop {
        let inserted = sqlx::query_scalar::<_, UserId>(
            "INSERT INTO users (username, display_name, password_hash, created_at, avatar_url,
                                locale)
             VALUES ($1, $2, '!', $3, $4, $5) ON CONFLICT DO NOTHING RETURNING id",
        )
        .bind(&username)
        .bind(name)
        .bind(now_ms())
        .bind(profile.avatar_url)
        .bind(profile.locale)
        .fetch_optional(&mut *tx)
        .await?;
        match inserted {
            Some(id) => break id,
            None => username = format!("{base}~{}", super::random_hex(3)),
        }
    };
    sqlx::query("INSERT INTO host_users (host, sub, user_id) VALUES ($1, $2, $3)")
        .bind(host)
        .bind(sub)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    Ok(id)
}
