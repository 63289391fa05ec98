//! The answer to each send: an `ack` after the commit, or the error, in the order of the
//! sends.

use super::connection::Connection;
use crate::protocol::{Ack, ErrorCode, RoomId, ServerFrame};
use crate::server::store::{SendOutcome, SendRequest};
use crate::server::writer::WriteResult;

impl Connection {
    /// The answer to a send, counted in the metrics when it is an ack.
    pub(super) fn ack_frame(
        &self,
        client_msg_id: String,
        room_id: RoomId,
        outcome: WriteResult,
    ) -> ServerFrame {
        let frame = ack_frame(client_msg_id, room_id, outcome);
        if let ServerFrame::Ack(_) = frame {
            self.state.metrics.acks.inc();
        }
        frame
    }
}

pub(super) type AckJob = (String, RoomId, WriteResult);

/// The answers still to come, in send order.
pub(super) type Acks =
    futures_util::stream::FuturesOrdered<futures_util::future::BoxFuture<'static, AckJob>>;

pub(super) async fn submit(writer: crate::server::writer::Writer, request: SendRequest) -> AckJob {
    let id = request.client_msg_id.clone();
    let room = request.room_id;
    (id, room, writer.submit(request).await)
}

pub(super) fn ack_frame(
    client_msg_id: String,
    room_id: RoomId,
    outcome: WriteResult,
) -> ServerFrame {
    let mut until = None;
    let (code, message) = match outcome {
        Ok(SendOutcome::Stored(m) | SendOutcome::Duplicate(m)) => {
            return ServerFrame::Ack(Ack::from(&m));
        }
        Ok(SendOutcome::NotMember) => (ErrorCode::NotMember, "not a member of this room"),
        Ok(SendOutcome::Refused(code)) => (code, refusal(code)),
        // Reports come over HTTP (`report_message`), never through a socket's sends.
        Ok(SendOutcome::Reported(_)) => (ErrorCode::BadFrame, "reports are made over HTTP"),
        Ok(SendOutcome::Muted(end)) => {
            until = Some(end);
            (ErrorCode::Muted, "muted in this room until `until`")
        }
        Err(_) => (
            ErrorCode::StoreUnavailable,
            "not stored; retry with the same client_msg_id",
        ),
    };
    ServerFrame::Error {
        code,
        message: message.into(),
        client_msg_id: Some(client_msg_id),
        room_id: Some(room_id),
        until,
    }
}

/// The detail of a change the writer refused.
fn refusal(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::NoSuchMessage => "no such message in this room (or it was deleted)",
        ErrorCode::NotYours => "only its sender may edit or delete a message",
        ErrorCode::EditWindowClosed => "too late to edit this message",
        ErrorCode::ReadOnly => "only moderators may post in this read-only room",
        ErrorCode::NotAllowed => {
            "your role does not allow this action on that member (or the minutes are out of range)"
        }
        _ => "refused",
    }
}
