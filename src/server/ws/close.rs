//! Close codes, and the closing handshake.

use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message as WsMessage};
use futures_util::StreamExt;

use super::connection::FrameStream;
use super::sink::Sink;
use crate::protocol::close;

/// How long a closing socket waits for the client's answering close frame.
const CLOSE_GRACE: Duration = Duration::from_secs(2);

/// The close code (and reason) for a frame the socket could not read: 1009 for a frame or
/// message over the limit, 1007 for text that is not UTF-8, 1002 for anything else that
/// breaks RFC 6455 (bad opcode, reserved bits, unmasked or fragmented control frames…).
pub fn close_code_for(e: &axum::Error) -> (u16, &'static str) {
    use std::error::Error as _;
    use tungstenite::Error as WsError;
    let mut cause: Option<&(dyn std::error::Error + 'static)> = e.source();
    while let Some(err) = cause {
        match err.downcast_ref::<WsError>() {
            Some(WsError::Capacity(_)) => return (close::TOO_BIG, "frame or message too large"),
            Some(WsError::Utf8(_)) => return (close::INVALID_TEXT, "text is not UTF-8"),
            Some(_) => break,
            None => cause = err.source(),
        }
    }
    (close::PROTOCOL_ERROR, "malformed frame")
}

/// Sends a close frame, then waits (briefly) for the client's answering close before the
/// connection is dropped. Dropping a socket with unread data would send a TCP reset, which
/// can destroy the close frame (and the last acks) before the client reads them.
pub(super) async fn close_with(
    sink: &mut Sink,
    stream: &mut FrameStream,
    code: u16,
    reason: &'static str,
) {
    let frame = CloseFrame {
        code,
        reason: reason.into(),
    };
    // The peer may already be gone, or not reading (the write has the socket's deadline);
    // there is nothing more to tell it then.
    if sink
        .send_message(WsMessage::Close(Some(frame)))
        .await
        .is_err()
    {
        return;
    }
    let answered = async {
        while let Some(Ok(message)) = stream.next().await {
            if let WsMessage::Close(_) = message {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(CLOSE_GRACE, answered).await;
}
