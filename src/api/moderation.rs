//! Moderation as the pages read it: the caller's role in a room, its members with theirs,
//! the moderators' inbox of reports and the room's log (docs/moderation.md); and reporting
//! a message. The actions are `moderate` frames on the socket. Each takes `session`, the
//! embed's session token (it has no cookie); the cookie's session otherwise.

use leptos::prelude::*;

use super::ApiError;
use crate::model::{MemberEntry, ModLogEntry, ReportOutcome, ReportedMessage};
use crate::protocol::{Role, RoomId, Seq};

/// Messages one call of `reports` returns.
pub const REPORTED_MESSAGES: i64 = 100;

/// The caller's acting role in a room, refused unless it is a moderator's or above.
#[cfg(feature = "ssr")]
async fn moderator(
    state: &crate::server::state::AppState,
    room_id: RoomId,
    user: crate::protocol::UserId,
) -> Result<(), ApiError> {
    match state.store.acting_role(room_id, user).await? {
        Some(role) if role >= Role::Moderator => Ok(()),
        _ => Err(ApiError::NotAllowed),
    }
}

/// Lines of the log one call returns, the newest first.
pub const MODERATION_LOG_LINES: i64 = 200;

/// `POST /api/moderation_log`: the room's moderation log, the newest first (at most 200
/// lines), for its owner and moderators; anyone else gets `not_allowed`.
#[server(endpoint = "moderation_log")]
pub async fn moderation_log(
    room_id: RoomId,
    session: Option<String>,
) -> Result<Vec<ModLogEntry>, ApiError> {
    use crate::server::context;
    let (state, me) = context::signed_in_as(session.as_deref()).await?;
    moderator(&state, room_id, me.user_id).await?;
    Ok(state
        .store
        .moderation_log(room_id, MODERATION_LOG_LINES)
        .await?)
}

/// `POST /api/my_role`: the caller's role in a room (`member`, `moderator` or `owner`;
/// `site` for the host's site moderators).
#[server(endpoint = "my_role")]
pub async fn my_role(room_id: RoomId, session: Option<String>) -> Result<Role, ApiError> {
    use crate::server::context;
    let (state, me) = context::signed_in_as(session.as_deref()).await?;
    state
        .store
        .acting_role(room_id, me.user_id)
        .await?
        .ok_or(ApiError::RoomNotFound)
}

/// `POST /api/room_members`: the members of a room with their roles and mutes, for its
/// members (and the site's moderators).
#[server(endpoint = "room_members")]
pub async fn room_members(
    room_id: RoomId,
    session: Option<String>,
) -> Result<Vec<MemberEntry>, ApiError> {
    use crate::server::context;
    let (state, me) = context::signed_in_as(session.as_deref()).await?;
    if state
        .store
        .acting_role(room_id, me.user_id)
        .await?
        .is_none()
    {
        return Err(ApiError::RoomNotFound);
    }
    Ok(state.store.members_of(room_id).await?)
}

/// `POST /api/reports`: the moderators' inbox, the room's messages with open reports (at
/// most 100, the most reported first), each with its body and the reasons.
#[server(endpoint = "reports")]
pub async fn reports(
    room_id: RoomId,
    session: Option<String>,
) -> Result<Vec<ReportedMessage>, ApiError> {
    use crate::server::context;
    let (state, me) = context::signed_in_as(session.as_deref()).await?;
    moderator(&state, room_id, me.user_id).await?;
    Ok(state.store.reported(room_id, REPORTED_MESSAGES).await?)
}

/// `POST /api/report_message`: reports message `seq` of a room the caller is a member of, to
/// its moderators, with a reason of at most 500 characters. One report per member per
/// message: another is answered as the first, and counts nothing. The report that makes
/// `report_threshold` open reports hides the message for everyone (`hidden`).
#[server(endpoint = "report_message")]
pub async fn report_message(
    room_id: RoomId,
    seq: Seq,
    reason: String,
    session: Option<String>,
) -> Result<ReportOutcome, ApiError> {
    use crate::server::context;
    use crate::server::store::{Action, SendOutcome, SendRequest};
    let (state, me) = context::signed_in_as(session.as_deref()).await?;
    let reason = reason.trim();
    if reason.chars().count() > crate::protocol::MAX_REASON_CHARS {
        return Err(ApiError::ReasonTooLong);
    }
    let request = SendRequest {
        room_id,
        sender_id: me.user_id,
        sender_name: me.display_name,
        sender_username: me.username,
        client_msg_id: format!("report:{room_id}:{seq}"),
        action: Action::Report {
            seq,
            reason: reason.to_owned(),
            threshold: state.config.report_threshold,
        },
    };
    let outcome = state
        .writer
        .submit(request)
        .await
        .map_err(|_| ApiError::Unavailable)?;
    let open_reports = state.store.open_reports_of(room_id, seq).await?;
    match outcome {
        SendOutcome::Reported(_) => Ok(ReportOutcome {
            open_reports,
            hidden: false,
        }),
        SendOutcome::Stored(_) => {
            state.webhooks.wake();
            Ok(ReportOutcome {
                open_reports,
                hidden: true,
            })
        }
        SendOutcome::NotMember => Err(ApiError::RoomNotFound),
        SendOutcome::Refused(crate::protocol::ErrorCode::NotAllowed) => Err(ApiError::NotAllowed),
        SendOutcome::Refused(_) | SendOutcome::Duplicate(_) | SendOutcome::Muted(_) => {
            Err(ApiError::NoSuchMessage)
        }
    }
}
