//! The writing half of a socket: every write with a deadline, and error frames.

use std::time::Duration;

use axum::extract::ws::Message as WsMessage;
use futures_util::SinkExt;

use super::connection::FrameSink;
use super::Gone;
use crate::protocol::{ErrorCode, RoomId, ServerFrame};
use crate::server::hub::serialise;

/// The writing half of a socket: every write waits at most `deadline` for a client that does
/// not read, then the connection counts as gone.
pub(super) struct Sink {
    pub(super) inner: FrameSink,
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
        until: None,
    };
    send(sink, &frame).await
}
