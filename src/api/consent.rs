//! Consent: invitations that wait for a yes, leaving a group room, and blocking a person.
//! The rules are in `server::store::consent` and `docs/protocol.md`.

use leptos::prelude::*;

use super::ApiError;
use crate::model::Invitation;
use crate::protocol::RoomId;

/// `POST /api/invite`: invites the user named `username` into a group room the caller is
/// in. They become a member only when they accept.
#[server(endpoint = "invite")]
pub async fn invite(room_id: RoomId, username: String) -> Result<(), ApiError> {
    use crate::server::context;
    use crate::server::store::InviteOutcome;
    let (state, me) = context::signed_in().await?;
    let invitee = context::user_named(&state, &username).await?;
    match state.store.invite(me.user_id, room_id, invitee.id).await? {
        InviteOutcome::Invited => Ok(()),
        InviteOutcome::NotAllowed | InviteOutcome::Barred => Err(ApiError::NotAllowed),
        InviteOutcome::Blocked => Err(ApiError::UserNotFound),
    }
}

/// `POST /api/invitations`: the invitations waiting for the caller, newest first.
#[server(endpoint = "invitations")]
pub async fn invitations() -> Result<Vec<Invitation>, ApiError> {
    use crate::server::context;
    let (state, me) = context::signed_in().await?;
    Ok(state.store.invitations(me.user_id).await?)
}

/// `POST /api/answer_invitation`: `accept` is `true` (join the room and open it) or `false`
/// (decline; nobody is told).
#[server(endpoint = "answer_invitation")]
pub async fn answer_invitation(room_id: RoomId, accept: String) -> Result<(), ApiError> {
    use crate::server::context;
    let accept = parse_bool(&accept)?;
    let (state, me) = context::signed_in().await?;
    if !state
        .store
        .answer_invitation(me.user_id, room_id, accept)
        .await?
    {
        return Err(ApiError::RoomNotFound);
    }
    leptos_axum::redirect(&if accept {
        format!("/rooms/{room_id}")
    } else {
        "/".to_owned()
    });
    Ok(())
}

/// `POST /api/leave_room`: the caller leaves a group room; their sockets stop receiving it.
#[server(endpoint = "leave_room")]
pub async fn leave_room(room_id: RoomId) -> Result<(), ApiError> {
    use crate::server::context;
    let (state, me) = context::signed_in().await?;
    if !state.store.leave(me.user_id, room_id).await? {
        return Err(ApiError::RoomNotFound);
    }
    state.bus.remove_member(room_id, me.user_id);
    leptos_axum::redirect("/");
    Ok(())
}

/// `POST /api/block_user`: `block` is `true` or `false`. A blocked user's direct messages to
/// the caller are refused, their invitations dropped, and the caller is hidden from their
/// direct search.
#[server(endpoint = "block_user")]
pub async fn block_user(username: String, block: String) -> Result<(), ApiError> {
    use crate::server::context;
    let block = parse_bool(&block)?;
    let (state, me) = context::signed_in().await?;
    let other = context::user_named(&state, &username).await?;
    if other.id == me.user_id {
        return Err(ApiError::NotAllowed);
    }
    state.store.set_block(me.user_id, other.id, block).await?;
    Ok(())
}

/// `true` or `false`, strictly: any other value is the caller's mistake.
#[cfg(feature = "ssr")]
fn parse_bool(value: &str) -> Result<bool, ApiError> {
    match value {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(ApiError::Request("expected true or false".into())),
    }
}
