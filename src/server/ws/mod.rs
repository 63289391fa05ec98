//! `GET /ws`: the chat socket. The only code that knows WebSockets.
//!
//! The upgrade is refused before it happens when the `Origin` is foreign (403) or there is no
//! valid session (401). After it, one task per connection reads client frames, forwards the
//! hub's deliveries (feeding every queued frame, then flushing once) and writes acks in the
//! order the sends arrived. Every frame is described in `docs/protocol.md`.
//!
//! - [`upgrade`]: the upgrade and its checks (origin, session, sockets per user);
//! - [`acks`]: the answer to each send, in send order;
//! - [`sink`]: the writing half with its deadline, errors and close codes;
//! - [`catch_up`]: `watch`: subscribe, replay what the cursor missed, `caught_up`;
//! - [`reading`]: `read` frames, stored through [`reads`];
//! - [`reads`]: read positions, coalesced per room and socket.
//!
//! Every frame is metered per user (`send` by `messages_per_second`, `read` by coalescing
//! it, the others by `frames_per_second`), and every write to the socket has a deadline (`write_timeout_ms`),
//! the catch-up and the close frame included: a client cannot make the server do unbounded
//! work, nor hold its socket by not reading.

mod acks;
mod catch_up;
mod reading;
mod reads;
mod sink;
mod upgrade;

use acks::{submit, AckJob};
pub use sink::close_code_for;
use sink::{close_with, send, send_error, sleep_until_or_never, Sink};
pub use upgrade::{limit, upgrade};

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use axum::body::Bytes;
use tokio::time::{Instant, MissedTickBehavior};

use axum::extract::ws::{CloseFrame, Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::future::BoxFuture;
use futures_util::stream::{FuturesOrdered, SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};

use super::auth::{self, origin};
use super::http::client_ip;
use super::hub::{serialise, CloseReason, Delivery, Registration};
use super::metrics::Limit;
use super::state::AppState;
use super::store::{now_ms, SendOutcome, SendRequest, SessionUser};
use super::writer::WriteResult;
use crate::protocol::{
    close, is_uuid, Ack, ClientFrame, ErrorCode, PresenceUser, ResetReason, RoomCursor, RoomId,
    Seq, ServerFrame,
};

type Stream = SplitStream<WebSocket>;

/// The socket is gone; stop serving it.
struct Gone;

/// Frames forwarded in one go before a flush.
const FEED_BATCH: usize = 64;

/// How long a closing socket waits for the client's answering close frame.
const CLOSE_GRACE: Duration = Duration::from_secs(2);

/// After a `rate_limited` answer to a metered frame, further refusals in this time are
/// dropped silently.
const REFUSALS_EVERY: Duration = Duration::from_secs(1);

/// Typing notices a socket passes on, at most one per room in this time.
const TYPING_EVERY: Duration = Duration::from_secs(1);

/// One signed-in socket.
struct Connection {
    state: AppState,
    user: SessionUser,
    reg: Registration,
    /// For each watched room, the highest `seq` already sent on this socket.
    sent: HashMap<RoomId, Seq>,
    /// Watched rooms that are direct: their read markers may go to the other person.
    direct: HashSet<RoomId>,
    /// Read positions, coalesced.
    reads: reads::Reads,
    /// When this socket last passed on a typing notice, per room.
    typed: HashMap<RoomId, Instant>,
    /// Until when frames refused by `frames_per_second` are dropped without an answer.
    quiet_until: Option<Instant>,
}

impl Connection {
    fn open(state: AppState, user: SessionUser) -> Connection {
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
            reads: reads::Reads::default(),
            typed: HashMap::new(),
            quiet_until: None,
        }
    }

    async fn serve(mut self, socket: WebSocket) {
        let (sink, mut stream) = socket.split();
        let mut sink = Sink {
            inner: sink,
            deadline: Duration::from_millis(self.state.config.write_timeout_ms),
        };
        // The socket ends with its session (4001), as sign-out ends it.
        let left_ms = u64::try_from(self.user.expires_at - now_ms()).unwrap_or(0);
        let session_ends = tokio::time::sleep(Duration::from_millis(left_ms));
        tokio::pin!(session_ends);
        let mut acks = FuturesOrdered::new();
        let hello = ServerFrame::Hello {
            user_id: self.user.user_id,
            display_name: self.user.display_name.clone(),
            epoch: self.state.store.epoch().to_owned(),
        };
        let mut result = send(&mut sink, &hello).await;
        let config = self.state.config.clone();
        let mut heartbeat = tokio::time::interval(Duration::from_millis(config.heartbeat_ms));
        heartbeat.set_missed_tick_behavior(MissedTickBehavior::Delay);
        heartbeat.tick().await;
        let idle_timeout = Duration::from_millis(config.idle_timeout_ms);
        let mut last_heard = Instant::now();
        while result.is_ok() {
            let read_due = self.reads.next_due();
            tokio::select! {
                biased;
                () = &mut session_ends => {
                    close_with(&mut sink, &mut stream, close::SESSION_ENDED, "session expired").await;
                    break;
                }
                _ = self.reg.close.changed() => {
                    let reason = *self.reg.close.borrow_and_update();
                    if let Some(reason) = reason {
                        if reason == CloseReason::Resync {
                            self.state.metrics.queue_overflows.inc();
                        }
                        // Answer the sends already committed before saying goodbye.
                        while let Some((id, room, outcome)) = acks.next().await {
                            let ack = self.ack_frame(id, room, outcome);
                            if send(&mut sink, &ack).await.is_err() {
                                break;
                            }
                        }
                        close_with(&mut sink, &mut stream, reason.code(), "").await;
                        break;
                    }
                }
                Some((id, room, outcome)) = acks.next(), if !acks.is_empty() => {
                    result = send(&mut sink, &self.ack_frame(id, room, outcome)).await;
                }
                delivery = self.reg.outbound.recv() => match delivery {
                    Some(d) => result = self.forward(&mut sink, d).await,
                    None => break,
                },
                () = sleep_until_or_never(read_due) => {
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
            if fed < FEED_BATCH {
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

    async fn handle(
        &mut self,
        sink: &mut Sink,
        acks: &mut FuturesOrdered<BoxFuture<'static, AckJob>>,
        text: &str,
    ) -> Result<(), Gone> {
        let frame = match ClientFrame::decode(text) {
            Ok(frame) => frame,
            Err(e) => {
                // A broken frame costs a frame too, so a flood of them is answered once a second.
                if !self.meter(sink, 1, None).await? {
                    return Ok(());
                }
                let detail = format!("not a valid client frame: {e}");
                return send_error(sink, ErrorCode::BadFrame, &detail, None, None).await;
            }
        };
        // Sends have their own limit; reads are not refused but coalesced (see `reads`), so a
        // busy room's reader never loses its last position to the limit. A watch costs one
        // frame per room it names: each may replay up to `resume_limit` messages.
        let cost = match &frame {
            ClientFrame::Send { .. } | ClientFrame::Read { .. } => 0,
            ClientFrame::Watch { rooms, .. } => u32::try_from(rooms.len()).unwrap_or(u32::MAX),
            _ => 1,
        };
        if cost > 0 && !self.meter(sink, cost, frame.room_id()).await? {
            return Ok(());
        }
        match frame {
            ClientFrame::Watch { rooms, epoch } => {
                if let Err((code, detail)) = self.check_watch(&rooms) {
                    return send_error(sink, code, detail, None, None).await;
                }
                let same_epoch = epoch.is_none_or(|e| e == self.state.store.epoch());
                for cursor in rooms {
                    // A sign-out or an overflow waits for no further catch-up.
                    if self.reg.close.borrow().is_some() {
                        break;
                    }
                    self.watch(sink, cursor, same_epoch).await?;
                }
                Ok(())
            }
            ClientFrame::Unwatch { room_ids } => {
                for room in room_ids {
                    self.forget(room);
                }
                Ok(())
            }
            ClientFrame::Enter { room_id } => {
                if self.state.hub.enter(self.reg.id, room_id) {
                    Ok(())
                } else {
                    let detail = "enter a room after watching it";
                    send_error(sink, ErrorCode::NotWatching, detail, None, Some(room_id)).await
                }
            }
            ClientFrame::Exit { room_id } => {
                self.state.hub.exit(self.reg.id, room_id);
                Ok(())
            }
            ClientFrame::Send {
                room_id,
                client_msg_id,
                body,
            } => match self.check_send(room_id, &client_msg_id, &body) {
                Ok(()) => {
                    let request = SendRequest {
                        room_id,
                        sender_id: self.user.user_id,
                        sender_name: self.user.display_name.clone(),
                        sender_username: self.user.username.clone(),
                        client_msg_id,
                        body: body.trim().to_owned(),
                    };
                    acks.push_back(Box::pin(submit(self.state.writer.clone(), request)));
                    Ok(())
                }
                Err((code, detail)) => {
                    send_error(sink, code, detail, Some(client_msg_id), Some(room_id)).await
                }
            },
            ClientFrame::Typing { room_id } => {
                self.typing(room_id);
                Ok(())
            }
            ClientFrame::Read { room_id, seq } => self.read(sink, room_id, seq).await,
            ClientFrame::Ping {} => {
                // A ping after reads is a barrier: the pong means they are stored.
                self.flush_reads(sink, true).await?;
                send(sink, &ServerFrame::Pong).await
            }
        }
    }

    /// Passes a typing notice on to the room, at most once per [`TYPING_EVERY`] per socket.
    fn typing(&mut self, room_id: RoomId) {
        // The hub's word, not this socket's: a member who left no longer watches.
        if !self.state.hub.is_watching(self.reg.id, room_id) {
            return;
        }
        let now = Instant::now();
        if self
            .typed
            .get(&room_id)
            .is_some_and(|t| now.duration_since(*t) < TYPING_EVERY)
        {
            return;
        }
        self.typed.insert(room_id, now);
        let frame = ServerFrame::Typing {
            room_id,
            user_id: self.user.user_id,
            display_name: self.user.display_name.clone(),
        };
        self.state.hub.publish_ephemeral(room_id, &frame);
    }

    /// Charges `cost` frames to the user's `frames_per_second`. Over it, the frame is refused:
    /// answered `rate_limited` at most once a second (a flood must not make the server write
    /// a flood), dropped silently otherwise. Returns whether the frame may go on.
    async fn meter(
        &mut self,
        sink: &mut Sink,
        cost: u32,
        room: Option<RoomId>,
    ) -> Result<bool, Gone> {
        if self.state.frame_limiter.check_n(self.user.user_id, cost) {
            return Ok(true);
        }
        self.state.metrics.limited(Limit::Frames);
        let now = Instant::now();
        if self.quiet_until.is_some_and(|t| now < t) {
            return Ok(false);
        }
        self.quiet_until = Some(now + REFUSALS_EVERY);
        let detail = "slow down: too many frames (more are dropped unanswered for 1 s)";
        send_error(sink, ErrorCode::RateLimited, detail, None, room).await?;
        Ok(false)
    }

    fn check_send(
        &self,
        room: RoomId,
        client_msg_id: &str,
        body: &str,
    ) -> Result<(), (ErrorCode, &'static str)> {
        self.state.metrics.messages_in.inc();
        let body = body.trim();
        if !is_uuid(client_msg_id) {
            Err((
                ErrorCode::InvalidClientMsgId,
                "client_msg_id must be a UUID",
            ))
        } else if !self.sent.contains_key(&room) {
            Err((ErrorCode::NotWatching, "watch a room before sending to it"))
        } else if body.is_empty() {
            Err((ErrorCode::EmptyBody, "the message is empty"))
        } else if body.chars().count() > self.state.config.max_body_chars {
            Err((ErrorCode::BodyTooLong, "the message is too long"))
        } else if !self.state.send_limiter.allow(self.user.user_id) {
            self.state.metrics.limited(Limit::Messages);
            Err((ErrorCode::RateLimited, "slow down: too many messages"))
        } else {
            Ok(())
        }
    }
}
