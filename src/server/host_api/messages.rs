//! Posting and reading a room's messages. A post goes through the same writer as the
//! socket's `send`: the room's next `seq`, the answer after the commit, and a retry with the
//! same `Idempotency-Key` answered with the first copy.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};

use super::rooms::find;
use super::{json, user_id, Host, HostApiError};
use crate::protocol::{ErrorCode, Message, Seq};
use crate::server::state::AppState;
use crate::server::store::{Action, SendOutcome, SendRequest, SYSTEM_SUB};

/// A message as the API shows it: the host's ids, not Parlor's users.
#[derive(Serialize)]
struct ApiMessage {
    room_key: String,
    room_id: i64,
    id: i64,
    seq: Seq,
    /// The sender's `sub`; `null` for the host's system notices.
    from: Option<String>,
    sender_name: String,
    body: String,
    created_at: i64,
    /// `message`, or the event that changed one (`edit`, `delete`, `react`, `unreact`).
    kind: &'static str,
    /// An event's message.
    #[serde(skip_serializing_if = "Option::is_none")]
    target_seq: Option<Seq>,
    #[serde(skip_serializing_if = "Option::is_none")]
    edited_at: Option<i64>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    deleted: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    removed_by_moderator: bool,
    /// Hidden pending review: the body is empty.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    hidden: bool,
    /// The `seq` of the message a reply answers.
    #[serde(skip_serializing_if = "Option::is_none")]
    reply_to: Option<Seq>,
}

impl ApiMessage {
    fn of(m: Message, key: &str, sub: Option<&str>) -> ApiMessage {
        ApiMessage {
            room_key: key.to_owned(),
            room_id: m.room_id,
            id: m.id,
            seq: m.seq,
            from: sub.filter(|s| *s != SYSTEM_SUB).map(str::to_owned),
            sender_name: m.sender_name,
            body: m.body,
            created_at: m.created_at,
            kind: m.kind.as_str(),
            target_seq: m.target.as_ref().map(|t| t.seq),
            edited_at: m.edited_at,
            deleted: m.deleted,
            removed_by_moderator: m.removed_by_moderator,
            hidden: m.hidden,
            reply_to: m.reply.as_ref().map(|q| q.seq),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PostBody {
    /// The sender's `sub`; absent for a system notice.
    #[serde(default)]
    from: Option<String>,
    body: String,
}

/// The prefix of an API message's `client_msg_id`: a socket's are UUIDs, so the two never
/// meet.
const KEY_PREFIX: &str = "api:";

/// `POST /api/v1/rooms/{key}/messages` with `Idempotency-Key`: 201 and the stored message,
/// or 200 and the same message again for a retry (`Idempotent-Replayed: true`).
pub async fn post(
    State(state): State<AppState>,
    Host(host): Host,
    Path(key): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, HostApiError> {
    let idempotency = idempotency_key(&headers)?;
    let room = find(&state, &host.id, &key).await?;
    let PostBody { from, body } = json(&body)?;
    let body = body.trim();
    if body.is_empty() {
        return Err(HostApiError::EmptyBody);
    }
    if body.chars().count() > state.config.max_body_chars {
        return Err(HostApiError::BodyTooLong);
    }
    let sub = match &from {
        Some(sub) => user_id(sub)?,
        None => SYSTEM_SUB,
    };
    let request = request_as(&state, &host.id, sub, HostApiError::NotMember)
        .await?
        .keyed(room.room_id, idempotency, Action::post(body, None));
    let outcome = state
        .writer
        .submit(request)
        .await
        .map_err(|_| HostApiError::Unavailable)?;
    let (status, message) = match outcome {
        SendOutcome::Stored(m) => (StatusCode::CREATED, m),
        // The stored row is in its current state: edited or deleted since, its body is
        // no longer the one posted.
        SendOutcome::Duplicate(m)
            if m.room_id == room.room_id
                && (m.body == body || m.edited_at.is_some() || m.deleted || m.hidden) =>
        {
            (StatusCode::OK, m)
        }
        SendOutcome::Duplicate(_) => return Err(HostApiError::IdempotencyKeyReused),
        SendOutcome::NotMember => return Err(HostApiError::NotMember),
        SendOutcome::Muted(until) => return Err(HostApiError::Muted(until)),
        // A post names no message, so the writer has nothing to refuse it for.
        SendOutcome::Refused(ErrorCode::ReadOnly) => return Err(HostApiError::ReadOnly),
        SendOutcome::Refused(_) | SendOutcome::Reported(_) => {
            return Err(HostApiError::Unavailable)
        }
    };
    if status == StatusCode::CREATED {
        state.webhooks.wake();
    }
    let message = ApiMessage::of(message, &room.key, Some(sub));
    let mut response = (status, Json(serde_json::json!({ "message": message }))).into_response();
    if status == StatusCode::OK {
        response
            .headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    Ok(response)
}

/// A request of the API, sent as the host's user `sub` (the host itself: [`SYSTEM_SUB`]);
/// `missing` when the host has no such user.
pub(super) async fn request_as(
    state: &AppState,
    host: &str,
    sub: &str,
    missing: HostApiError,
) -> Result<ApiSender, HostApiError> {
    let user = state.store.host_user_row(host, sub).await?.ok_or(missing)?;
    Ok(ApiSender(user))
}

/// The host's user an API call sends as.
pub(super) struct ApiSender(crate::server::store::UserRow);

impl ApiSender {
    /// Its request `action` in `room`, named by the call's `Idempotency-Key`.
    pub(super) fn keyed(
        self,
        room: crate::protocol::RoomId,
        key: &str,
        action: Action,
    ) -> SendRequest {
        SendRequest {
            room_id: room,
            sender_id: self.0.id,
            sender_name: self.0.display_name,
            sender_username: self.0.username,
            client_msg_id: format!("{KEY_PREFIX}{key}"),
            action,
        }
    }
}

/// The call's `Idempotency-Key`: 1 to 255 printable ASCII characters.
pub(super) fn idempotency_key(headers: &HeaderMap) -> Result<&str, HostApiError> {
    headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .filter(|k| (1..=255).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()))
        .ok_or(HostApiError::IdempotencyKeyRequired)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReadQuery {
    #[serde(default)]
    after: Seq,
    #[serde(default = "default_limit")]
    limit: i64,
    /// Read as this user: refused unless they are a member.
    #[serde(default, rename = "as")]
    reader: Option<String>,
}

fn default_limit() -> i64 {
    100
}

/// Most messages one read returns.
const MAX_READ: i64 = 500;

/// `GET /api/v1/rooms/{key}/messages?after=&limit=&as=`: the messages after `after`, by
/// `seq`, and the room's `last_seq`.
pub async fn read(
    State(state): State<AppState>,
    Host(host): Host,
    Path(key): Path<String>,
    query: Result<Query<ReadQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<serde_json::Value>, HostApiError> {
    let Query(query) = query.map_err(|e| HostApiError::InvalidRequest(e.body_text()))?;
    if !(1..=MAX_READ).contains(&query.limit) || query.after < 0 {
        return Err(HostApiError::InvalidRequest(format!(
            "limit is 1 to {MAX_READ} and after at least 0"
        )));
    }
    let room = find(&state, &host.id, &key).await?;
    if let Some(reader) = &query.reader {
        let reader = user_id(reader)?;
        let user = state.store.host_user(&host.id, reader).await?;
        let member = match user {
            Some(user) => state.store.is_member(room.room_id, user).await?,
            None => false,
        };
        if !member {
            return Err(HostApiError::NotMember);
        }
    }
    let rows = state
        .store
        .after(room.room_id, query.after, query.limit)
        .await?;
    let senders: Vec<_> = rows.iter().map(|m| m.sender_id).collect();
    let subs = state.store.host_subs(&host.id, &senders).await?;
    let last_seq = state.store.last_seq(room.room_id).await?;
    let messages: Vec<ApiMessage> = rows
        .into_iter()
        .map(|m| {
            let sub = subs.get(&m.sender_id).cloned();
            ApiMessage::of(m, &room.key, sub.as_deref())
        })
        .collect();
    Ok(Json(
        serde_json::json!({ "messages": messages, "last_seq": last_seq }),
    ))
}
