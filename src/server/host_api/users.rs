//! A user's rooms, for the host's own badge.

use axum::extract::{Path, State};
use axum::Json;

use super::{user_id, Host, HostApiError};
use crate::server::state::AppState;

/// `GET /api/v1/users/{sub}/rooms`: the host's rooms the user is in, the most recently
/// active first, each with its unread count, and their total.
pub async fn rooms(
    State(state): State<AppState>,
    Host(host): Host,
    Path(sub): Path<String>,
) -> Result<Json<serde_json::Value>, HostApiError> {
    let sub = user_id(&sub)?;
    let user = state
        .store
        .host_user(&host.id, sub)
        .await?
        .ok_or(HostApiError::UserNotFound)?;
    let rooms = state.store.host_rooms_of(&host.id, user).await?;
    let unread: i64 = rooms.iter().map(|r| r.unread).sum();
    Ok(Json(
        serde_json::json!({ "rooms": rooms, "unread": unread }),
    ))
}
