//! Moderation as the pages read it: the caller's role in a room, and the room's log for its
//! moderators (docs/moderation.md). The actions are `moderate` frames on the socket.

use leptos::prelude::*;

use super::ApiError;
use crate::model::ModLogEntry;
use crate::protocol::{Role, RoomId};

/// Lines of the log one call returns, the newest first.
pub const MODERATION_LOG_LINES: i64 = 200;

/// `POST /api/moderation_log`: the room's moderation log, the newest first (at most 200
/// lines), for its owner and moderators; anyone else gets `not_allowed`.
#[server(endpoint = "moderation_log")]
pub async fn moderation_log(room_id: RoomId) -> Result<Vec<ModLogEntry>, ApiError> {
    use crate::server::context;
    let (state, me) = context::signed_in().await?;
    match state.store.role(room_id, me.user_id).await? {
        Some(Role::Owner | Role::Moderator) => Ok(state
            .store
            .moderation_log(room_id, MODERATION_LOG_LINES)
            .await?),
        _ => Err(ApiError::NotAllowed),
    }
}

/// `POST /api/my_role`: the caller's role in a room (`member`, `moderator` or `owner`).
#[server(endpoint = "my_role")]
pub async fn my_role(room_id: RoomId) -> Result<Role, ApiError> {
    use crate::server::context;
    let (state, me) = context::signed_in().await?;
    state
        .store
        .role(room_id, me.user_id)
        .await?
        .ok_or(ApiError::RoomNotFound)
}
