//! `GET /ws`: the chat socket. The only code that knows WebSockets.
//!
//! The upgrade is refused before it happens when the `Origin` is foreign (403) or there is no
//! valid session (401). After it, one task per connection reads client frames, forwards the
//! hub's deliveries (feeding every queued frame, then flushing once) and writes acks in the
//! order the sends arrived. Every frame is described in `docs/protocol.md`.
//!
//! - [`reads`]: read positions, coalesced per room and socket.
//!
//! Every frame is metered per user (`send` by `messages_per_second`, `read` by coalescing
//! it, the others by `frames_per_second`), and every write to the socket has a deadline (`write_timeout_ms`),
//! the catch-up and the close frame included: a client cannot make the server do unbounded
//! work, nor hold its socket by not reading.

mod reads;

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

/// `GET /ws`: checks the origin and the session, then upgrades.
pub async fn upgrade(
    State(state): State<AppState>,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    ws: WebSocketUpgrade,
) -> Response {
    let peer = extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|info| info.0.ip());
    let config = &state.config;
    let (trusted, header) = (&config.trusted_proxies, config.forwarded_header);
    let https = client_ip::forwarded_https(peer, &headers, trusted, header);
    if !origin::allowed(&headers, origin::Origins::of(config, https)) {
        return (StatusCode::FORBIDDEN, "origin not allowed").into_response();
    }
    let secure = config.cookies_secure();
    let user = match auth::authenticate(&state.store, &headers, secure).await {
        Ok(Some(user)) => user,
        Ok(None) => return (StatusCode::UNAUTHORIZED, "sign in first").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "session look-up failed");
            return (StatusCode::SERVICE_UNAVAILABLE, "store unavailable").into_response();
        }
    };
    if state.hub.connections_of(user.user_id) >= state.config.connections_per_user {
        state.metrics.limited(Limit::Connections);
        return (StatusCode::TOO_MANY_REQUESTS, "too many open sockets").into_response();
    }
    limit(ws, state.config.max_frame_bytes)
        .on_upgrade(move |socket| Connection::open(state, user).serve(socket))
}

/// The socket settings of `/ws`: frames and messages up to `max_frame_bytes` (axum's default
/// is 64 MiB), a 1 KiB read buffer (chat frames are small; a larger one is read in more
/// steps, and an idle socket costs 3 KiB less than with 4 KiB), writes sent at once, and at
/// most four frames' worth of unsent bytes. The conformance echo server (`examples/echo_server.rs`) uses this too, so
/// the Autobahn run tests the socket the chat runs on.
pub fn limit(ws: WebSocketUpgrade, max_frame_bytes: usize) -> WebSocketUpgrade {
    ws.max_message_size(max_frame_bytes)
        .max_frame_size(max_frame_bytes)
        .read_buffer_size(1024)
        .write_buffer_size(0)
        .max_write_buffer_size(max_frame_bytes.saturating_mul(4))
}

/// The writing half of a socket: every write waits at most `deadline` for a client that does
/// not read, then the connection counts as gone.
struct Sink {
    inner: SplitSink<WebSocket, WsMessage>,
    deadline: Duration,
}

impl Sink {
    /// Queues a message without flushing.
    async fn feed(&mut self, message: WsMessage) -> Result<(), Gone> {
        let deadline = self.deadline;
        match tokio::time::timeout(deadline, self.inner.feed(message)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) | Err(_) => Err(Gone),
        }
    }

    /// Sends a message and flushes.
    async fn send_message(&mut self, message: WsMessage) -> Result<(), Gone> {
        let deadline = self.deadline;
        match tokio::time::timeout(deadline, self.inner.send(message)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) | Err(_) => Err(Gone),
        }
    }

    async fn flush(&mut self) -> Result<(), Gone> {
        let deadline = self.deadline;
        match tokio::time::timeout(deadline, self.inner.flush()).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) | Err(_) => Err(Gone),
        }
    }
}

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

    /// A `watch` names each room once, and leaves the socket watching at most
    /// `max_watch_rooms`; checked before anything is queried.
    fn check_watch(&self, rooms: &[RoomCursor]) -> Result<(), (ErrorCode, &'static str)> {
        let mut named = HashSet::with_capacity(rooms.len());
        if !rooms.iter().all(|c| named.insert(c.room_id)) {
            return Err((ErrorCode::BadFrame, "a watch frame names a room twice"));
        }
        let max = self.state.config.max_watch_rooms;
        let added = named.iter().filter(|r| !self.sent.contains_key(r)).count();
        if rooms.len() > max || self.sent.len() + added > max {
            return Err((
                ErrorCode::TooManyRooms,
                "more rooms than max_watch_rooms on one socket",
            ));
        }
        Ok(())
    }

    /// Stops watching a room on this socket.
    fn forget(&mut self, room: RoomId) {
        self.state.hub.unwatch(self.reg.id, room);
        self.sent.remove(&room);
        self.direct.remove(&room);
        self.reads.unwatched(room);
    }

    /// The reader has seen up to `seq`. Clamped to what this socket was sent, and written
    /// only when it moves the position (coalesced per room, see [`reads`]).
    async fn read(&mut self, sink: &mut Sink, room_id: RoomId, seq: Seq) -> Result<(), Gone> {
        let Some(&sent) = self.sent.get(&room_id) else {
            let detail = "watch a room before marking it read";
            return send_error(sink, ErrorCode::NotWatching, detail, None, Some(room_id)).await;
        };
        if self.reads.offer(room_id, seq.min(sent), Instant::now()) {
            return self.flush_reads(sink, false).await;
        }
        Ok(())
    }

    /// Stores the read positions that are due (or, with `all`, every waiting one), answering
    /// on the socket what could not be stored.
    async fn flush_reads(&mut self, sink: &mut Sink, all: bool) -> Result<(), Gone> {
        for (code, detail, room) in self.store_reads(all).await {
            send_error(sink, code, detail, None, Some(room)).await?;
        }
        Ok(())
    }

    /// Stores read positions and tells the reader's own sockets (and, in a direct room, the
    /// other person's): nobody else learns when a member reads. Returns the refusals.
    async fn store_reads(&mut self, all: bool) -> Vec<(ErrorCode, &'static str, RoomId)> {
        let now = Instant::now();
        let due = if all {
            self.reads.all_pending(now)
        } else {
            self.reads.due(now)
        };
        let mut refused = Vec::new();
        for (room_id, seq) in due {
            match self
                .state
                .store
                .mark_read(room_id, self.user.user_id, seq)
                .await
            {
                Ok(Some(seq)) => {
                    self.reads.stored(room_id, seq);
                    let frame = ServerFrame::ReadMarker {
                        room_id,
                        user_id: self.user.user_id,
                        seq,
                    };
                    let direct = self.direct.contains(&room_id);
                    let hub = &self.state.hub;
                    hub.publish_read_marker(room_id, self.user.user_id, direct, &frame);
                }
                Ok(None) => {
                    refused.push((ErrorCode::NotMember, "not a member of this room", room_id))
                }
                Err(e) => {
                    tracing::error!(error = %e, room_id, "read position not stored");
                    let detail = "the store is unavailable; send the read position again later";
                    refused.push((ErrorCode::StoreUnavailable, detail, room_id));
                }
            }
        }
        refused
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

    /// Subscribes first, then sends what the cursor missed, then `caught_up`.
    async fn watch(
        &mut self,
        sink: &mut Sink,
        cursor: RoomCursor,
        same_epoch: bool,
    ) -> Result<(), Gone> {
        let RoomCursor { room_id, after_seq } = cursor;
        let store = &self.state.store;
        match store.is_member(room_id, self.user.user_id).await {
            Ok(true) => {}
            Ok(false) => {
                let detail = "not a member of this room";
                return send_error(sink, ErrorCode::NotMember, detail, None, Some(room_id)).await;
            }
            Err(e) => return self.store_failed(sink, room_id, &e).await,
        }
        if !same_epoch && after_seq > 0 {
            return send(sink, &self.reset(room_id, ResetReason::EpochChanged)).await;
        }
        self.state.hub.watch(self.reg.id, room_id);
        self.sent.insert(room_id, after_seq);
        // A member who left between the check and the subscription must not stay subscribed.
        match store.is_member(room_id, self.user.user_id).await {
            Ok(true) => {}
            Ok(false) => {
                self.forget(room_id);
                let detail = "not a member of this room";
                return send_error(sink, ErrorCode::NotMember, detail, None, Some(room_id)).await;
            }
            Err(e) => return self.store_failed(sink, room_id, &e).await,
        }
        let limit = self.state.config.resume_limit;
        let reason = match store.last_seq(room_id).await {
            Ok(last) if after_seq > last => Some(ResetReason::AheadOfRoom),
            Ok(last) if last.saturating_sub(after_seq) > limit => Some(ResetReason::GapTooLarge),
            Ok(_) => None,
            Err(e) => return self.store_failed(sink, room_id, &e).await,
        };
        if let Some(reason) = reason {
            self.forget(room_id);
            return send(sink, &self.reset(room_id, reason)).await;
        }
        let missed = match store.after(room_id, after_seq, limit).await {
            Ok(missed) => missed,
            Err(e) => return self.store_failed(sink, room_id, &e).await,
        };
        let mut last_seq = after_seq;
        self.state.metrics.messages_out.inc_by(missed.len() as u64);
        // The whole replay has the socket's deadline, not only each write: a client that
        // reads a trickle cannot hold the socket through a long catch-up.
        let deadline = sink.deadline;
        let replay = async {
            for message in missed {
                last_seq = message.seq;
                let frame = serialise(&ServerFrame::Message(message));
                sink.feed(WsMessage::Text(frame)).await?;
            }
            Ok::<(), Gone>(())
        };
        tokio::time::timeout(deadline, replay)
            .await
            .map_err(|_| Gone)??;
        self.sent.insert(room_id, last_seq);
        let read = match store.read_state(room_id, self.user.user_id).await {
            Ok(read) => read,
            Err(e) => return self.store_failed(sink, room_id, &e).await,
        };
        self.reads.watched(room_id, read.mine);
        if read.peer.is_some() {
            self.direct.insert(room_id);
        }
        let caught_up = ServerFrame::CaughtUp {
            room_id,
            last_seq,
            read_seq: read.mine,
            peer_read_seq: read.peer,
        };
        send(sink, &caught_up).await
    }

    /// The answer to a send, counted in the metrics when it is an ack.
    fn ack_frame(
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

    /// A `reset` frame, counted in the metrics.
    fn reset(&self, room_id: RoomId, reason: ResetReason) -> ServerFrame {
        self.state.metrics.reset(reason);
        ServerFrame::Reset { room_id, reason }
    }

    async fn store_failed(
        &mut self,
        sink: &mut Sink,
        room: RoomId,
        e: &super::store::StoreError,
    ) -> Result<(), Gone> {
        tracing::error!(error = %e, room, "watch failed");
        self.forget(room);
        let detail = "the store is unavailable; watch again later";
        send_error(sink, ErrorCode::StoreUnavailable, detail, None, Some(room)).await
    }
}

type AckJob = (String, RoomId, WriteResult);

async fn submit(writer: super::writer::Writer, request: SendRequest) -> AckJob {
    let id = request.client_msg_id.clone();
    let room = request.room_id;
    (id, room, writer.submit(request).await)
}

fn ack_frame(client_msg_id: String, room_id: RoomId, outcome: WriteResult) -> ServerFrame {
    let (code, message) = match outcome {
        Ok(SendOutcome::Stored(m) | SendOutcome::Duplicate(m)) => {
            return ServerFrame::Ack(Ack::from(&m));
        }
        Ok(SendOutcome::NotMember) => (ErrorCode::NotMember, "not a member of this room"),
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
    }
}

async fn send(sink: &mut Sink, frame: &ServerFrame) -> Result<(), Gone> {
    sink.send_message(WsMessage::Text(serialise(frame))).await
}

/// Sleeps until `at`, or for ever when there is nothing to wait for.
async fn sleep_until_or_never(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

async fn send_error(
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
async fn close_with(sink: &mut Sink, stream: &mut Stream, code: u16, reason: &'static str) {
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
