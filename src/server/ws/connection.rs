//! The connection core: one signed-in socket, generic over where its frames come from and
//! go to. The upgrade hands it axum's socket; the tests in `tests` hand it channels.
//!
//! One task per connection waits on, in this order: the end of its session, the next ack
//! due, the hub's queue (which also ends when the hub asks it to close), a read position due,
//! the heartbeat and the client's next frame. Each wake-up costs one poll of each; timers are
//! created once and reset, never rebuilt per wake-up.

use std::collections::{HashMap, HashSet};
use std::pin::Pin;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::ws::Message as WsMessage;
use futures_util::stream::BoxStream;
use futures_util::StreamExt;
use tokio::time::{Instant, MissedTickBehavior};

use super::acks::Acks;
use super::close::{close_code_for, close_with};
use super::reads::Reads;
use super::sink::{send, send_error, Sink};
use super::Gone;
use crate::protocol::{close, ErrorCode, PresenceUser, ResetReason, RoomId, Seq, ServerFrame};
use crate::server::hub::{CloseReason, Delivery, Registration};
use crate::server::state::AppState;
use crate::server::store::{now_ms, SessionUser};

/// Where a connection writes its frames: axum's socket, or a channel in tests.
pub type FrameSink = Pin<Box<dyn futures_util::Sink<WsMessage, Error = axum::Error> + Send>>;

/// Where a connection reads the client's frames from.
pub type FrameStream = BoxStream<'static, Result<WsMessage, axum::Error>>;

/// Frames forwarded in one go before a flush.
const FEED_BATCH: usize = 64;

/// Serves one signed-in connection until it closes: `hello`, then the chat.
pub async fn serve_frames(
    state: AppState,
    user: SessionUser,
    sink: FrameSink,
    stream: FrameStream,
) {
    Connection::open(state, user).serve(sink, stream).await;
}

/// One signed-in socket.
pub(super) struct Connection {
    pub(super) state: AppState,
    pub(super) user: SessionUser,
    pub(super) reg: Registration,
    /// For each room the hub has this socket watch, the highest `seq` already sent on it,
    /// so that a live frame the catch-up already carried is dropped. The hub alone decides
    /// what the socket watches.
    pub(super) sent: HashMap<RoomId, Seq>,
    /// Watched rooms that are direct: their read markers may go to the other person.
    pub(super) direct: HashSet<RoomId>,
    /// Read positions, coalesced.
    pub(super) reads: Reads,
    /// When this socket last passed on a typing notice, per room.
    pub(super) typed: HashMap<RoomId, Instant>,
    /// Until when frames refused by `frames_per_second` are dropped without an answer.
    pub(super) quiet_until: Option<Instant>,
}

impl Connection {
    pub(super) fn open(state: AppState, user: SessionUser) -> Connection {
        let presence = PresenceUser {
            user_id: user.user_id,
            display_name: user.display_name.clone(),
        };
        let reg = state.hub.connect(presence, user.session_id);
        Connection {
            state,
            user,
            reg,
            sent: HashMap::new(),
            direct: HashSet::new(),
            reads: Reads::default(),
            typed: HashMap::new(),
            quiet_until: None,
        }
    }

    pub(super) async fn serve(mut self, sink: FrameSink, mut stream: FrameStream) {
        let config = self.state.config.clone();
        let mut sink = Sink {
            inner: sink,
            deadline: Duration::from_millis(config.write_timeout_ms),
        };
        // The socket ends with its session (4001), as sign-out ends it.
        let left_ms = u64::try_from(self.user.expires_at - now_ms()).unwrap_or(0);
        let session_ends = tokio::time::sleep(Duration::from_millis(left_ms));
        tokio::pin!(session_ends);
        // One timer for the read positions, moved when they fall due at another time.
        let read_timer = tokio::time::sleep(Duration::ZERO);
        tokio::pin!(read_timer);
        let mut acks = Acks::new();
        let hello = ServerFrame::Hello {
            user_id: self.user.user_id,
            display_name: self.user.display_name.clone(),
            epoch: self.state.store.epoch().to_owned(),
            max_body_chars: config.max_body_chars,
        };
        let mut result = send(&mut sink, &hello).await;
        let mut heartbeat = tokio::time::interval(Duration::from_millis(config.heartbeat_ms));
        heartbeat.set_missed_tick_behavior(MissedTickBehavior::Delay);
        heartbeat.tick().await;
        let idle_timeout = Duration::from_millis(config.idle_timeout_ms);
        let mut last_heard = Instant::now();
        while result.is_ok() {
            let read_due = self.reads.next_due();
            if let Some(due) = read_due.filter(|due| *due != read_timer.deadline()) {
                read_timer.as_mut().reset(due);
            }
            tokio::select! {
                biased;
                () = &mut session_ends => {
                    close_with(&mut sink, &mut stream, close::SESSION_ENDED, "session expired").await;
                    break;
                }
                Some((id, room, outcome)) = acks.next(), if !acks.is_empty() => {
                    result = send(&mut sink, &self.ack_frame(id, room, outcome)).await;
                }
                delivery = self.reg.outbound.recv() => match delivery {
                    Some(d) if self.reg.closing().is_none() => {
                        result = self.forward(&mut sink, d).await;
                    }
                    // Asked to close: what is still queued is not sent.
                    _ => {
                        self.close_for_hub(&mut sink, &mut stream, &mut acks).await;
                        break;
                    }
                },
                () = &mut read_timer, if read_due.is_some() => {
                    result = self.flush_reads(&mut sink, false).await;
                }
                _ = heartbeat.tick() => {
                    if last_heard.elapsed() >= idle_timeout {
                        close_with(&mut sink, &mut stream, close::IDLE_TIMEOUT, "nothing heard").await;
                        break;
                    }
                    result = sink.send_message(WsMessage::Ping(Bytes::new())).await;
                }
                incoming = stream.next() => match incoming {
                    Some(Ok(WsMessage::Text(text))) => {
                        last_heard = Instant::now();
                        result = self.handle(&mut sink, &mut acks, text.as_str()).await;
                    }
                    Some(Ok(WsMessage::Binary(_))) => {
                        last_heard = Instant::now();
                        result = match self.meter(&mut sink, 1, None).await {
                            Ok(true) => send_error(&mut sink, ErrorCode::BadFrame,
                                "binary frames are not part of the protocol", None, None).await,
                            other => other.map(|_| ()),
                        };
                    }
                    Some(Ok(WsMessage::Ping(_) | WsMessage::Pong(_))) => last_heard = Instant::now(),
                    Some(Ok(WsMessage::Close(_))) => {
                        // The answering close frame is queued; a flush sends it.
                        let _ = sink.flush().await;
                        break;
                    }
                    None => break,
                    Some(Err(e)) => {
                        tracing::debug!(error = %e, "socket read failed");
                        let (code, reason) = close_code_for(&e);
                        close_with(&mut sink, &mut stream, code, reason).await;
                        break;
                    }
                },
            }
        }
        // A closing tab loses no read.
        self.store_reads(true).await;
        self.state.hub.disconnect(self.reg.id);
    }

    /// The hub asked this socket to close (overflow, sign-out, shutdown): the sends already
    /// committed are answered first, then the close code says why.
    async fn close_for_hub(&mut self, sink: &mut Sink, stream: &mut FrameStream, acks: &mut Acks) {
        let reason = self.reg.closing().unwrap_or(CloseReason::Restart);
        if reason == CloseReason::Resync {
            self.state.metrics.queue_overflows.inc();
        }
        while let Some((id, room, outcome)) = acks.next().await {
            let ack = self.ack_frame(id, room, outcome);
            if send(sink, &ack).await.is_err() {
                return;
            }
        }
        close_with(sink, stream, reason.code(), "").await;
    }

    /// Writes a delivery and whatever else is queued, then flushes once.
    /// A client that stops reading for `write_timeout_ms` is dropped: its socket task must
    /// never wait forever on a full TCP buffer.
    async fn forward(&mut self, sink: &mut Sink, first: Delivery) -> Result<(), Gone> {
        let mut next = Some(first);
        let mut fed = 0;
        let mut messages = 0;
        while let Some(d) = next.take() {
            if self.take(&d) {
                messages += u64::from(d.seq.is_some());
                let (room, last) = (d.room_id, d.last);
                sink.feed(WsMessage::Text(d.text)).await?;
                if last {
                    self.state.metrics.reset(ResetReason::NotMember);
                    self.forget(room);
                }
            }
            fed += 1;
            if fed < FEED_BATCH && self.reg.closing().is_none() {
                next = self.reg.outbound.try_recv().ok();
            }
        }
        self.state.metrics.messages_out.inc_by(messages);
        sink.flush().await
    }

    /// Whether a delivery is for a watched room and not yet sent (updating the cursor).
    fn take(&mut self, d: &Delivery) -> bool {
        let Some(sent) = self.sent.get_mut(&d.room_id) else {
            return false;
        };
        match d.seq {
            Some(seq) if seq <= *sent => false,
            Some(seq) => {
                *sent = seq;
                true
            }
            None => true,
        }
    }
}
