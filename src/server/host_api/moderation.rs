//! Moderation through the API: the host acts in its rooms as the site, above every role
//! (or as one of its site moderators, `by`), through the same writer and checks as a
//! `moderate` frame; and the host names its site moderators.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

use super::messages::{idempotency_key, request_as};
use super::rooms::find;
use super::{json, user_id, Host, HostApiError};
use crate::protocol::{ErrorCode, ModAction, ModEvent, Seq, MAX_REASON_CHARS};
use crate::server::state::AppState;
use crate::server::store::{Action, SendOutcome, SYSTEM_SUB};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ModerateBody {
    action: ModAction,
    /// The member acted on (a `sub`); none for `read_only` and `read_write`.
    #[serde(default)]
    user: Option<String>,
    /// The message of a `hide` or `restore`.
    #[serde(default)]
    seq: Option<Seq>,
    #[serde(default)]
    minutes: Option<u32>,
    #[serde(default)]
    reason: String,
    /// The site moderator acting (a `sub`); the host itself when absent.
    #[serde(default)]
    by: Option<String>,
}

/// `POST /api/v1/rooms/{key}/moderation` with `Idempotency-Key`: the action, stored as the
/// room's next `seq`. 201 and `{"seq", "action", "until"}`, or 200 and the same for a retry.
pub async fn moderate(
    State(state): State<AppState>,
    Host(host): Host,
    Path(key): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, HostApiError> {
    let idempotency = idempotency_key(&headers)?;
    let room = find(&state, &host.id, &key).await?;
    let ModerateBody {
        action,
        user,
        seq,
        minutes,
        reason,
        by,
    } = json(&body)?;
    if reason.chars().count() > MAX_REASON_CHARS {
        return Err(HostApiError::InvalidRequest(
            "a reason is at most 500 characters".into(),
        ));
    }
    let target = match &user {
        Some(sub) => state
            .store
            .host_user(&host.id, user_id(sub)?)
            .await?
            .ok_or(HostApiError::UserNotFound)?,
        None if action.on_room() || action.on_message() => 0,
        None => return Err(HostApiError::InvalidRequest("`user` is required".into())),
    };
    let actor_sub = match &by {
        Some(sub) => user_id(sub)?,
        None => SYSTEM_SUB,
    };
    let action = Action::Moderate {
        target,
        act: action,
        minutes,
        reason: reason.trim().to_owned(),
        seq,
    };
    let request = request_as(&state, &host.id, actor_sub, HostApiError::UserNotFound)
        .await?
        .keyed(room.room_id, idempotency, action);
    let outcome = state
        .writer
        .submit(request)
        .await
        .map_err(|_| HostApiError::Unavailable)?;
    let (status, row) = match outcome {
        SendOutcome::Stored(m) => (StatusCode::CREATED, m),
        // The same key used before for a post (or in another room) is another request.
        SendOutcome::Duplicate(m)
            if m.room_id == room.room_id && m.kind == crate::protocol::MessageKind::Moderation =>
        {
            (StatusCode::OK, m)
        }
        SendOutcome::Duplicate(_) => return Err(HostApiError::IdempotencyKeyReused),
        SendOutcome::NotMember => return Err(HostApiError::NotMember),
        SendOutcome::Refused(ErrorCode::NoSuchMessage) => {
            return Err(HostApiError::NotFound("no such message in the room"))
        }
        SendOutcome::Refused(_) => return Err(HostApiError::NotAllowed),
        SendOutcome::Muted(_) | SendOutcome::Reported(_) => return Err(HostApiError::Unavailable),
    };
    let event = ModEvent::parse(&row.body);
    let answer = serde_json::json!({
        "seq": row.seq,
        "action": event.as_ref().map(|e| e.action),
        "until": event.and_then(|e| e.until),
    });
    let mut response = (status, Json(answer)).into_response();
    if status == StatusCode::OK {
        response
            .headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    Ok(response)
}

/// `PUT /api/v1/users/{sub}/moderator`: the user becomes a site moderator (204).
pub async fn grant(
    State(state): State<AppState>,
    Host(host): Host,
    Path(sub): Path<String>,
) -> Result<StatusCode, HostApiError> {
    set(&state, &host.id, &sub, true).await
}

/// `DELETE /api/v1/users/{sub}/moderator`: the user is a site moderator no more (204).
pub async fn revoke(
    State(state): State<AppState>,
    Host(host): Host,
    Path(sub): Path<String>,
) -> Result<StatusCode, HostApiError> {
    set(&state, &host.id, &sub, false).await
}

async fn set(
    state: &AppState,
    host: &str,
    sub: &str,
    on: bool,
) -> Result<StatusCode, HostApiError> {
    if state
        .store
        .set_site_moderator(host, user_id(sub)?, on)
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(HostApiError::UserNotFound)
    }
}
