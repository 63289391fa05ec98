//! `/api/v1/…`: the server-to-server API of the hosts (`docs/integration.md`).
//!
//! Every call names its host by its API key (`Authorization: Bearer …`, compared by its
//! SHA-256 with each host's `api_key_sha256`), speaks JSON both ways and answers every error
//! with a documented code. A host reaches only its own rooms and users, by its own ids: room
//! keys (`question:123`) and user ids (`sub`).
//!
//! - [`errors`]: the codes, their statuses and the error body;
//! - [`rooms`]: rooms by key and their members;
//! - [`messages`]: posting (through the writer, with `Idempotency-Key`) and reading by `seq`;
//! - [`moderation`]: actions as the site, and naming the site's moderators;
//! - [`users`]: a user's rooms with unread counts.

mod errors;
mod messages;
mod moderation;
mod rooms;
mod users;

use axum::extract::{FromRequestParts, State};
use axum::http::header;
use axum::http::request::Parts;
use axum::routing::{get, put};
use axum::Router;

pub use errors::HostApiError;

use crate::server::auth;
use crate::server::config::HostConfig;
use crate::server::state::AppState;

/// The routes under `/api/v1`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/rooms/{key}", put(rooms::ensure).get(rooms::get))
        .route(
            "/api/v1/rooms/{key}/members/{sub}",
            put(rooms::add_member).delete(rooms::remove_member),
        )
        .route(
            "/api/v1/rooms/{key}/messages",
            get(messages::read).post(messages::post),
        )
        .route(
            "/api/v1/rooms/{key}/moderation",
            axum::routing::post(moderation::moderate),
        )
        .route("/api/v1/users/{sub}/rooms", get(users::rooms))
        .route(
            "/api/v1/users/{sub}/moderator",
            put(moderation::grant).delete(moderation::revoke),
        )
        .fallback(|| async { HostApiError::NotFound("no such API call") })
}

/// The host a call comes from, by its API key.
pub struct Host(pub HostConfig);

impl FromRequestParts<AppState> for Host {
    type Rejection = HostApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Host, HostApiError> {
        let key = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .ok_or(HostApiError::Unauthorized)?;
        let digest = auth::api_key_digest(key);
        let State(state) = State::<AppState>::from_request_parts(parts, state)
            .await
            .map_err(|_| HostApiError::Unavailable)?;
        state
            .config
            .hosts
            .iter()
            .find(|h| !h.api_key_sha256.is_empty() && h.api_key_sha256 == digest)
            .cloned()
            .map(Host)
            .ok_or(HostApiError::Unauthorized)
    }
}

/// A room key: 1 to 128 of `A-Z a-z 0-9 : _ . -`.
fn room_key(key: &str) -> Result<&str, HostApiError> {
    let ok = (1..=128).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b':' | b'_' | b'.' | b'-'));
    ok.then_some(key).ok_or(HostApiError::InvalidRoomKey)
}

/// A user id (`sub`): 1 to 64 characters, none of them a control character.
fn user_id(sub: &str) -> Result<&str, HostApiError> {
    let n = sub.chars().count();
    let ok = (1..=64).contains(&n) && !sub.chars().any(char::is_control);
    ok.then_some(sub).ok_or(HostApiError::InvalidUserId)
}

/// A JSON body, or `invalid_request` saying what is wrong with it.
fn json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, HostApiError> {
    let body = if body.is_empty() {
        b"{}".as_slice()
    } else {
        body
    };
    serde_json::from_slice(body).map_err(|e| HostApiError::InvalidRequest(e.to_string()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn keys_and_user_ids_follow_their_rules() {
        assert!(super::room_key("question:123").is_ok());
        assert!(super::room_key("a.b_c-d").is_ok());
        for bad in ["", "question 1", "질문:1", "a/b", &"k".repeat(129)] {
            assert!(super::room_key(bad).is_err(), "{bad}");
        }
        assert!(super::user_id("김민수").is_ok());
        assert!(super::user_id("u/42 x").is_ok());
        for bad in ["", "a\nb", &"u".repeat(65)] {
            assert!(super::user_id(bad).is_err(), "{bad}");
        }
    }
}
