//! The API's error codes. Each has one HTTP status; the body is
//! `{"error": {"code": "…", "message": "…"}}`, the message for the developer reading it.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::server::store::StoreError;

/// A refused or failed API call.
#[derive(Debug, PartialEq, Eq)]
pub enum HostApiError {
    /// No API key, or not one of any host's.
    Unauthorized,
    /// The body is not the JSON the call takes (the detail says where).
    InvalidRequest(String),
    InvalidRoomKey,
    InvalidUserId,
    /// A title empty or too long, or a link that is not an http(s) URL.
    InvalidRoom(&'static str),
    RoomNotFound,
    UserNotFound,
    /// No such call.
    NotFound(&'static str),
    /// The user is not a member of the room.
    NotMember,
    /// The user is muted in the room until then (ms, server clock).
    Muted(i64),
    /// The room is read-only and the user is not one of its moderators.
    ReadOnly,
    /// A moderation the actor's role does not allow, or whose target is not there.
    NotAllowed,
    IdempotencyKeyRequired,
    /// The key was used before for another message.
    IdempotencyKeyReused,
    EmptyBody,
    BodyTooLong,
    /// The store could not answer; retry (with the same `Idempotency-Key`).
    Unavailable,
}

impl HostApiError {
    pub fn code(&self) -> &'static str {
        match self {
            HostApiError::Unauthorized => "unauthorized",
            HostApiError::InvalidRequest(_) => "invalid_request",
            HostApiError::InvalidRoomKey => "invalid_room_key",
            HostApiError::InvalidUserId => "invalid_user_id",
            HostApiError::InvalidRoom(_) => "invalid_room",
            HostApiError::RoomNotFound => "room_not_found",
            HostApiError::UserNotFound => "user_not_found",
            HostApiError::NotFound(_) => "not_found",
            HostApiError::NotMember => "not_member",
            HostApiError::Muted(_) => "muted",
            HostApiError::ReadOnly => "read_only",
            HostApiError::NotAllowed => "not_allowed",
            HostApiError::IdempotencyKeyRequired => "idempotency_key_required",
            HostApiError::IdempotencyKeyReused => "idempotency_key_reused",
            HostApiError::EmptyBody => "empty_body",
            HostApiError::BodyTooLong => "body_too_long",
            HostApiError::Unavailable => "store_unavailable",
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            HostApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            HostApiError::InvalidRequest(_)
            | HostApiError::InvalidRoomKey
            | HostApiError::InvalidUserId
            | HostApiError::InvalidRoom(_)
            | HostApiError::IdempotencyKeyRequired => StatusCode::BAD_REQUEST,
            HostApiError::NotMember
            | HostApiError::Muted(_)
            | HostApiError::ReadOnly
            | HostApiError::NotAllowed => StatusCode::FORBIDDEN,
            HostApiError::RoomNotFound | HostApiError::UserNotFound | HostApiError::NotFound(_) => {
                StatusCode::NOT_FOUND
            }
            HostApiError::IdempotencyKeyReused => StatusCode::CONFLICT,
            HostApiError::EmptyBody | HostApiError::BodyTooLong => StatusCode::UNPROCESSABLE_ENTITY,
            HostApiError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn message(&self) -> String {
        match self {
            HostApiError::Unauthorized => {
                "send the host's API key as `Authorization: Bearer <key>`".into()
            }
            HostApiError::InvalidRequest(detail) => detail.clone(),
            HostApiError::InvalidRoomKey => "a room key is 1 to 128 of A-Z a-z 0-9 : _ . -".into(),
            HostApiError::InvalidUserId => {
                "a user id is 1 to 64 characters without control characters".into()
            }
            HostApiError::InvalidRoom(why) | HostApiError::NotFound(why) => (*why).into(),
            HostApiError::RoomNotFound => "the host has no room with this key".into(),
            HostApiError::UserNotFound => "the host has no user with this id".into(),
            HostApiError::NotMember => "the user is not a member of the room".into(),
            HostApiError::Muted(until) => {
                format!("the user is muted in the room until {until} (ms since the epoch)")
            }
            HostApiError::ReadOnly => {
                "the room is read-only: only its moderators and owner post".into()
            }
            HostApiError::NotAllowed => {
                "the action is not allowed on this target (its role, or it is not in the room)"
                    .into()
            }
            HostApiError::IdempotencyKeyRequired => {
                "send an `Idempotency-Key` header (1 to 255 printable ASCII characters)".into()
            }
            HostApiError::IdempotencyKeyReused => {
                "this Idempotency-Key was used for another message".into()
            }
            HostApiError::EmptyBody => "the message is empty".into(),
            HostApiError::BodyTooLong => "the message is longer than max_body_chars".into(),
            HostApiError::Unavailable => "the store is unavailable; retry".into(),
        }
    }
}

impl From<StoreError> for HostApiError {
    fn from(e: StoreError) -> HostApiError {
        tracing::error!(error = %e, "store error in the host API");
        HostApiError::Unavailable
    }
}

impl IntoResponse for HostApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(code = self.code(), "host API call failed");
        } else {
            tracing::info!(code = self.code(), "host API call refused");
        }
        let body = serde_json::json!({
            "error": { "code": self.code(), "message": self.message() }
        });
        let mut response = (status, axum::Json(body)).into_response();
        if self == HostApiError::Unauthorized {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}
