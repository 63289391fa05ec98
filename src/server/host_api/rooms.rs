//! Rooms by the host's key, and their members.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

use super::{json, room_key, user_id, Host, HostApiError};
use crate::server::auth::rules;
use crate::server::state::AppState;
use crate::server::store::HostRoom;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RoomBody {
    title: String,
    #[serde(default)]
    link: String,
}

/// `PUT /api/v1/rooms/{key}`: the room for this key, created (201) on first use, else (200)
/// given the title and link sent.
pub async fn ensure(
    State(state): State<AppState>,
    Host(host): Host,
    Path(key): Path<String>,
    body: Bytes,
) -> Result<Response, HostApiError> {
    let key = room_key(&key)?;
    let RoomBody { title, link } = json(&body)?;
    let title = title.trim();
    let title_ok = !title.is_empty()
        && title.chars().count() <= crate::model::MAX_ROOM_NAME_CHARS
        && rules::is_visible_text(title);
    if !title_ok {
        return Err(HostApiError::InvalidRoom(
            "the title must be 1 to 80 visible characters",
        ));
    }
    let link = link.trim();
    let link_ok = link.is_empty()
        || (link.len() <= 2048
            && url::Url::parse(link).is_ok_and(|u| matches!(u.scheme(), "https" | "http")));
    if !link_ok {
        return Err(HostApiError::InvalidRoom("the link must be an http(s) URL"));
    }
    let (room, created) = state
        .store
        .ensure_host_room(&host.id, host.display_name(), key, title, link)
        .await?;
    if created {
        state.webhooks.wake();
    }
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(room)).into_response())
}

/// `GET /api/v1/rooms/{key}`.
pub async fn get(
    State(state): State<AppState>,
    Host(host): Host,
    Path(key): Path<String>,
) -> Result<Json<HostRoom>, HostApiError> {
    Ok(Json(find(&state, &host.id, &key).await?))
}

/// The host's room with this key, or `room_not_found`.
pub(super) async fn find(
    state: &AppState,
    host: &str,
    key: &str,
) -> Result<HostRoom, HostApiError> {
    let key = room_key(key)?;
    state
        .store
        .host_room(host, key)
        .await?
        .ok_or(HostApiError::RoomNotFound)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MemberBody {
    #[serde(default)]
    name: String,
}

/// `PUT /api/v1/rooms/{key}/members/{sub}`: `{"added": true}` when the user joined now,
/// `false` when they were a member already. A user never seen is created, named `name`
/// (their first sign-in replaces it with their token's).
pub async fn add_member(
    State(state): State<AppState>,
    Host(host): Host,
    Path((key, sub)): Path<(String, String)>,
    body: Bytes,
) -> Result<Json<serde_json::Value>, HostApiError> {
    let room = find(&state, &host.id, &key).await?;
    let sub = user_id(&sub)?;
    let MemberBody { name } = json(&body)?;
    let name = name.trim();
    if name.chars().count() > crate::model::MAX_DISPLAY_NAME_CHARS {
        return Err(HostApiError::InvalidRequest(
            "name: at most 64 characters".into(),
        ));
    }
    let (_, added) = state
        .store
        .add_host_member(&host.id, &room, sub, name)
        .await?;
    if added {
        state.webhooks.wake();
    }
    Ok(Json(serde_json::json!({ "added": added })))
}

/// `DELETE /api/v1/rooms/{key}/members/{sub}`: `{"removed": true}` when they were a member.
/// Their open sockets lose the room at once.
pub async fn remove_member(
    State(state): State<AppState>,
    Host(host): Host,
    Path((key, sub)): Path<(String, String)>,
) -> Result<Json<serde_json::Value>, HostApiError> {
    let room = find(&state, &host.id, &key).await?;
    let sub = user_id(&sub)?;
    let removed = state.store.remove_host_member(&host.id, &room, sub).await?;
    if let Some(user) = removed {
        state.bus.remove_member(room.room_id, user);
        state.webhooks.wake();
    }
    Ok(Json(serde_json::json!({ "removed": removed.is_some() })))
}
