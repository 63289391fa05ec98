//! Each client frame: decoded, metered, validated, then acted on.

use std::time::Duration;

use tokio::time::Instant;

use super::acks::{submit, Acks};
use super::connection::Connection;
use super::sink::{send, send_error, Sink};
use super::Gone;
use crate::protocol::{
    is_uuid, ClientFrame, ErrorCode, RoomId, ServerFrame, MAX_REASON_CHARS, REACTIONS,
};
use crate::server::metrics::Limit;
use crate::server::store::{Action, SendRequest};

/// After a `rate_limited` answer to a metered frame, further refusals in this time are
/// dropped silently.
const REFUSALS_EVERY: Duration = Duration::from_secs(1);

/// Typing notices a socket passes on, at most one per room in this time.
const TYPING_EVERY: Duration = Duration::from_secs(1);

impl Connection {
    pub(super) async fn handle(
        &mut self,
        sink: &mut Sink,
        acks: &mut Acks,
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
            ClientFrame::Send { .. }
            | ClientFrame::Edit { .. }
            | ClientFrame::Delete { .. }
            | ClientFrame::React { .. }
            | ClientFrame::Moderate { .. }
            | ClientFrame::Read { .. } => 0,
            ClientFrame::Watch { rooms, .. } => u32::try_from(rooms.len()).unwrap_or(u32::MAX),
            _ => 1,
        };
        if cost > 0 && !self.meter(sink, cost, frame.room_id()).await? {
            return Ok(());
        }
        match frame {
            ClientFrame::Auth { .. } => {
                let detail = "this socket is signed in already";
                send_error(sink, ErrorCode::BadFrame, detail, None, None).await
            }
            ClientFrame::Watch { rooms, epoch } => {
                if let Err((code, detail)) = self.check_watch(&rooms) {
                    return send_error(sink, code, detail, None, None).await;
                }
                let same_epoch = epoch.is_none_or(|e| e == self.state.store.epoch());
                for cursor in rooms {
                    // A sign-out or an overflow waits for no further catch-up.
                    if self.reg.closing().is_some() {
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
                reply_to,
            } => {
                let checked = self.check_send(room_id, &client_msg_id, Some(&body));
                let action = || Action::post(body.trim(), reply_to);
                self.submit(
                    sink,
                    acks,
                    room_id,
                    client_msg_id,
                    checked.map(|()| action()),
                )
                .await
            }
            ClientFrame::Edit {
                room_id,
                client_msg_id,
                seq,
                body,
            } => {
                let checked = self.check_send(room_id, &client_msg_id, Some(&body));
                let window_ms = self.state.config.edit_window_secs.saturating_mul(1000);
                let action = || Action::edit(seq, body.trim(), window_ms);
                self.submit(
                    sink,
                    acks,
                    room_id,
                    client_msg_id,
                    checked.map(|()| action()),
                )
                .await
            }
            ClientFrame::Delete {
                room_id,
                client_msg_id,
                seq,
            } => {
                let checked = self.check_send(room_id, &client_msg_id, None);
                let action = Action::Delete { seq };
                self.submit(sink, acks, room_id, client_msg_id, checked.map(|()| action))
                    .await
            }
            ClientFrame::React {
                room_id,
                client_msg_id,
                seq,
                emoji,
                on,
            } => {
                let checked = if REACTIONS.contains(&emoji.as_str()) {
                    self.check_send(room_id, &client_msg_id, None)
                } else {
                    Err((ErrorCode::BadEmoji, "not one of the server's reactions"))
                };
                let action = Action::React { seq, emoji, on };
                self.submit(sink, acks, room_id, client_msg_id, checked.map(|()| action))
                    .await
            }
            ClientFrame::Moderate {
                room_id,
                client_msg_id,
                user_id,
                action,
                seq,
                minutes,
                reason,
            } => {
                let checked = if reason.chars().count() > MAX_REASON_CHARS {
                    Err((ErrorCode::BodyTooLong, "a reason is at most 500 characters"))
                } else {
                    self.check_send(room_id, &client_msg_id, None)
                };
                let action = Action::Moderate {
                    target: user_id,
                    act: action,
                    minutes,
                    reason: reason.trim().to_owned(),
                    seq,
                };
                self.submit(sink, acks, room_id, client_msg_id, checked.map(|()| action))
                    .await
            }
            ClientFrame::Typing { room_id } => {
                self.typing(room_id).await;
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

    /// Passes a typing notice on to the room, at most once per [`TYPING_EVERY`] per socket,
    /// and only from someone who may post there now (not muted; in a read-only room, a
    /// moderator): the store says, once per notice passed on.
    async fn typing(&mut self, room_id: RoomId) {
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
        if !matches!(
            self.state.store.may_post(room_id, self.user.user_id).await,
            Ok(true)
        ) {
            return;
        }
        let frame = ServerFrame::Typing {
            room_id,
            user_id: self.user.user_id,
            display_name: self.user.display_name.clone(),
        };
        self.state.bus.ephemeral(room_id, &frame);
    }

    /// Charges `cost` frames to the user's `frames_per_second`. Over it, the frame is refused:
    /// answered `rate_limited` at most once a second (a flood must not make the server write
    /// a flood), dropped silently otherwise. Returns whether the frame may go on.
    pub(super) async fn meter(
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

    /// Hands a checked request to the writer; its answer comes in send order (`acks`).
    async fn submit(
        &self,
        sink: &mut Sink,
        acks: &mut Acks,
        room_id: RoomId,
        client_msg_id: String,
        checked: Result<Action, (ErrorCode, &'static str)>,
    ) -> Result<(), Gone> {
        match checked {
            Ok(action) => {
                let request = SendRequest {
                    room_id,
                    sender_id: self.user.user_id,
                    sender_name: self.user.display_name.clone(),
                    sender_username: self.user.username.clone(),
                    client_msg_id,
                    action,
                };
                acks.push_back(Box::pin(submit(self.state.writer.clone(), request)));
                Ok(())
            }
            Err((code, detail)) => {
                send_error(sink, code, detail, Some(client_msg_id), Some(room_id)).await
            }
        }
    }

    /// The checks of a `send` (and of an `edit`, `delete` or `react`, which count as
    /// messages for the limits): the id, the room watched, the body (when there is one)
    /// non-empty and within `max_body_chars`, and `messages_per_second`.
    fn check_send(
        &self,
        room: RoomId,
        client_msg_id: &str,
        body: Option<&str>,
    ) -> Result<(), (ErrorCode, &'static str)> {
        self.state.metrics.messages_in.inc();
        let body = body.map(str::trim);
        if !is_uuid(client_msg_id) {
            Err((
                ErrorCode::InvalidClientMsgId,
                "client_msg_id must be a UUID",
            ))
        } else if !self.state.hub.is_watching(self.reg.id, room) {
            Err((ErrorCode::NotWatching, "watch a room before sending to it"))
        } else if body.is_some_and(str::is_empty) {
            Err((ErrorCode::EmptyBody, "the message is empty"))
        } else if body.is_some_and(|b| b.chars().count() > self.state.config.max_body_chars) {
            Err((ErrorCode::BodyTooLong, "the message is too long"))
        } else if !self.state.send_limiter.allow(self.user.user_id) {
            self.state.metrics.limited(Limit::Messages);
            Err((ErrorCode::RateLimited, "slow down: too many messages"))
        } else {
            Ok(())
        }
    }
}
