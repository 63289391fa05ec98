//! The writing half of a socket: every write with a deadline, error frames, and the close
//! codes.

use super::*;

/// The writing half of a socket: every write waits at most `deadline` for a client that does
/// not read, then the connection counts as gone.
pub(super) struct Sink {
    pub(super) inner: SplitSink<WebSocket, WsMessage>,
    pub(super) deadline: Duration,
}

impl Sink {
    /// Queues a message without flushing.
    pub(super) async fn feed(&mut self, message: WsMessage) -> Result<(), Gone> {
        let deadline = self.deadline;
        match tokio::time::timeout(deadline, self.inner.feed(message)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) | Err(_) => Err(Gone),
        }
    }

    /// Sends a message and flushes.
    pub(super) async fn send_message(&mut self, message: WsMessage) -> Result<(), Gone> {
        let deadline = self.deadline;
        match tokio::time::timeout(deadline, self.inner.send(message)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) | Err(_) => Err(Gone),
        }
    }

    pub(super) async fn flush(&mut self) -> Result<(), Gone> {
        let deadline = self.deadline;
        match tokio::time::timeout(deadline, self.inner.flush()).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) | Err(_) => Err(Gone),
        }
    }
}

pub(super) async fn send(sink: &mut Sink, frame: &ServerFrame) -> Result<(), Gone> {
    sink.send_message(WsMessage::Text(serialise(frame))).await
}

/// Sleeps until `at`, or for ever when there is nothing to wait for.
pub(super) async fn sleep_until_or_never(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

pub(super) async fn send_error(
    sink: &mut Sink,
    code: ErrorCode,
    message: &str,
    client_msg_id: Option<String>,
    room_id: Option<RoomId>,
) -> Result<(), Gone> {
    let frame = ServerFrame::Error {
        code,
        message: message.into(),
        client_msg_id,
        room_id,
    };
    send(sink, &frame).await
}

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
    stream: &mut Stream,
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
