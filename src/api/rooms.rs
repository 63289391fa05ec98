//! Rooms: the list, creating, joining, direct rooms, invitations, and history pages. Every
//! call checks membership on the server.

use leptos::prelude::*;

use super::ApiError;
use crate::model::{RoomPage, RoomSummary};
use crate::protocol::{Message, RoomId, Seq};

/// `POST /api/list_rooms`: the user's rooms, then the first `public_rooms_page` public rooms
/// they may join, the most recently active first.
#[server(endpoint = "list_rooms")]
pub async fn list_rooms() -> Result<Vec<RoomSummary>, ApiError> {
    use crate::server::context;
    let (state, me) = context::signed_in().await?;
    let page = state.config.public_rooms_page;
    Ok(state.store.rooms_for(me.user_id, page).await?)
}

/// `POST /api/public_rooms`: the next `public_rooms_page` public rooms the user may join,
/// after the room `after` (the last one already listed).
#[server(endpoint = "public_rooms")]
pub async fn public_rooms(after: Option<RoomId>) -> Result<Vec<RoomSummary>, ApiError> {
    use crate::server::context;
    let (state, me) = context::signed_in().await?;
    let page = state.config.public_rooms_page;
    Ok(state.store.public_rooms(me.user_id, after, page).await?)
}

/// `POST /api/create_room`: a group room with the caller as first member (at most
/// `rooms_per_hour` per user). `public` is
/// `true` or `false`, or the checkbox's `on`; absent means private. Anything else is refused,
/// so that no client believes it made a private room that everyone can see.
#[server(endpoint = "create_room")]
pub async fn create_room(name: String, public: Option<String>) -> Result<RoomId, ApiError> {
    use crate::server::context;
    let public = match public.as_deref() {
        None | Some("false") => false,
        Some("true" | "on") => true,
        Some(_) => return Err(ApiError::Request("public must be true, false or on".into())),
    };
    let (state, me) = context::signed_in().await?;
    let name = name.trim();
    let visible = crate::server::auth::rules::is_visible_text(name);
    if name.is_empty() || name.chars().count() > crate::model::MAX_ROOM_NAME_CHARS || !visible {
        return Err(ApiError::InvalidRoomName);
    }
    if let Err(wait) = state.room_limiter.check(me.user_id) {
        state.metrics.limited(crate::server::metrics::Limit::Rooms);
        context::retry_after(wait);
        return Err(ApiError::TooManyAttempts);
    }
    let id = state.store.create_group(me.user_id, name, public).await?;
    leptos_axum::redirect(&format!("/rooms/{id}"));
    Ok(id)
}

/// `POST /api/open_direct`: the direct room with the user named `username` (the same room
/// every time). It appears in the other person's list once it has a message.
#[server(endpoint = "open_direct")]
pub async fn open_direct(username: String) -> Result<RoomId, ApiError> {
    use crate::server::context;
    let (state, me) = context::signed_in().await?;
    let other = context::user_named(&state, &username).await?;
    if other.id == me.user_id {
        return Err(ApiError::NotAllowed);
    }
    // Someone who blocked the caller cannot be found by them.
    if state.store.blocks(other.id, me.user_id).await? {
        return Err(ApiError::UserNotFound);
    }
    let id = state.store.open_direct(me.user_id, other.id).await?;
    leptos_axum::redirect(&format!("/rooms/{id}"));
    Ok(id)
}

/// `POST /api/join_room`: joins a public group room.
#[server(endpoint = "join_room")]
pub async fn join_room(room_id: RoomId) -> Result<(), ApiError> {
    use crate::server::context;
    use crate::server::store::JoinOutcome;
    let (state, me) = context::signed_in().await?;
    match state.store.join_public(me.user_id, room_id).await? {
        JoinOutcome::Joined => {
            leptos_axum::redirect(&format!("/rooms/{room_id}"));
            Ok(())
        }
        JoinOutcome::NotAllowed => Err(ApiError::RoomNotFound),
        JoinOutcome::Barred(_) => Err(ApiError::NotAllowed),
    }
}

/// `POST /api/load_room`: the room and its latest page of messages, for members only.
/// `session`: the embed's session token, as for `older_messages`.
#[server(endpoint = "load_room")]
pub async fn load_room(room_id: RoomId, session: Option<String>) -> Result<RoomPage, ApiError> {
    use crate::server::context;
    let (state, me) = context::signed_in_as(session.as_deref()).await?;
    room_page(&state, me, room_id).await
}

/// A room and its latest page, as `me` may see it.
#[cfg(feature = "ssr")]
pub(super) async fn room_page(
    state: &crate::server::state::AppState,
    me: crate::server::store::SessionUser,
    room_id: RoomId,
) -> Result<RoomPage, ApiError> {
    let room = state
        .store
        .room_for(me.user_id, room_id)
        .await?
        .ok_or(ApiError::RoomNotFound)?;
    let messages = state
        .store
        .latest(room_id, state.config.history_page)
        .await?;
    let read = state.store.read_state(room_id, me.user_id).await?;
    let (role, muted) = state.store.standing(room_id, me.user_id).await?;
    let role = match state.store.acting_role(room_id, me.user_id).await? {
        Some(crate::protocol::Role::Site) => crate::protocol::Role::Site,
        _ => role,
    };
    let open_reports = if role >= crate::protocol::Role::Moderator {
        state.store.open_reports(room_id).await?
    } else {
        0
    };
    Ok(RoomPage {
        room,
        me: crate::model::Me {
            user_id: me.user_id,
            username: me.username,
            display_name: me.display_name,
        },
        messages,
        epoch: state.store.epoch().to_owned(),
        peer_read_seq: read.peer,
        role,
        muted,
        read_only: state.store.read_only(room_id).await?,
        open_reports,
    })
}

/// `POST /api/older_messages`: the page of messages before `before_seq`, for members only.
/// `session`: the embed's session token (it has no cookie); the cookie's session otherwise.
#[server(endpoint = "older_messages")]
pub async fn older_messages(
    room_id: RoomId,
    before_seq: Seq,
    session: Option<String>,
) -> Result<Vec<Message>, ApiError> {
    use crate::server::context;
    let (state, me) = context::signed_in_as(session.as_deref()).await?;
    if !state.store.is_member(room_id, me.user_id).await? {
        return Err(ApiError::RoomNotFound);
    }
    Ok(state
        .store
        .before(room_id, before_seq, state.config.history_page)
        .await?)
}
