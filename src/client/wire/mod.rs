//! The client's side of the protocol, as plain Rust: what a new connection sends, what each
//! command becomes on the wire, how each server frame changes the chat, and how long to wait
//! before reconnecting. No browser here, so all of it runs in host tests; `socket` (feature
//! `hydrate`) only moves frames between this and the browser's WebSocket, and carries out the
//! [`Effect`]s.

use std::collections::BTreeSet;
use std::time::Duration;

use leptos::prelude::*;

use super::{mentions, Chat, Command, ConnStatus, FailReason, Pending, TYPING_MS};
use crate::model::{Me, Mute};
use crate::protocol::{
    ClientFrame, ErrorCode, MessageKind, ModAction, ModEvent, RoomCursor, RoomId, ServerFrame,
};

/// Longest wait between reconnection attempts.
pub const MAX_BACKOFF_MS: f64 = 15_000.0;

/// How long a retriable refusal waits before the message is sent again.
pub const RETRY_AFTER: Duration = Duration::from_secs(2);

/// What the pages asked for, replayed on every new connection.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Intents {
    pub watched: BTreeSet<RoomId>,
    pub entered: Option<RoomId>,
}

/// What applying a frame asks of the browser, beyond the state it changed.
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    /// Show a notification: someone mentioned the user.
    Notify { sender: String, body: String },
    /// Forget typing notices in this room once they may have run out ([`TYPING_MS`] on).
    ExpireTyping(RoomId),
    /// Load the room's latest page afresh and watch it again from there (after a reset).
    Reload(RoomId),
    /// Send this message again after [`RETRY_AFTER`].
    RetryLater(RoomId, String),
    /// A server complaint for the console; `true` for a client bug (`bad_frame`).
    Log(String, bool),
}

impl Intents {
    /// Notes what a command changes in what the next connection resumes.
    pub fn remember(&mut self, command: &Command) {
        match command {
            Command::Watch(room) | Command::Rewatch(room) => {
                self.watched.insert(*room);
            }
            Command::Enter(room) => self.entered = Some(*room),
            Command::Exit(room) if self.entered == Some(*room) => self.entered = None,
            Command::Exit(_) | Command::Send(..) | Command::Typing(_) | Command::Read(..) => {}
        }
    }
}

/// What a new connection sends once the server said hello: one `watch` with every room's
/// cursor, the room that is open, the read positions made offline, then the outbox (each
/// message counting one try).
pub fn opening(chat: Chat, intents: &Intents) -> Vec<ClientFrame> {
    let mut frames = vec![ClientFrame::Watch {
        rooms: intents
            .watched
            .iter()
            .map(|&room_id| RoomCursor {
                room_id,
                after_seq: chat.feed(room_id).last_seq(),
            })
            .collect(),
        epoch: chat.epoch.get_untracked(),
    }];
    frames.extend(
        intents
            .entered
            .map(|room_id| ClientFrame::Enter { room_id }),
    );
    for &room_id in &intents.watched {
        let feed = chat.feed(room_id);
        // A read made while offline; the server never moves a read position back.
        let seq = feed.read_seq.get_untracked();
        if seq > 0 {
            frames.push(ClientFrame::Read { room_id, seq });
        }
        let sends = feed
            .unsent()
            .into_iter()
            .filter_map(|id| feed.take_try(&id));
        frames.extend(sends.map(|p| send_frame(room_id, p)));
        let changes = feed.unsent_changes().into_iter();
        frames.extend(changes.filter_map(|id| feed.take_change(&id)));
    }
    frames
}

/// The frame a command becomes on a live connection, if any. Call before
/// [`Intents::remember`]: a room watched already needs no second `watch`.
pub fn frame_for(chat: Chat, intents: &Intents, command: &Command) -> Option<ClientFrame> {
    match command {
        Command::Watch(room) if intents.watched.contains(room) => None,
        Command::Watch(room) | Command::Rewatch(room) => Some(ClientFrame::Watch {
            rooms: vec![RoomCursor {
                room_id: *room,
                after_seq: chat.feed(*room).last_seq(),
            }],
            epoch: chat.epoch.get_untracked(),
        }),
        Command::Enter(room) => Some(ClientFrame::Enter { room_id: *room }),
        Command::Exit(room) => Some(ClientFrame::Exit { room_id: *room }),
        Command::Send(room, id) => {
            let feed = chat.feed(*room);
            match feed.take_try(id) {
                Some(pending) => Some(send_frame(*room, pending)),
                None => feed.take_change(id),
            }
        }
        Command::Typing(room) => Some(ClientFrame::Typing { room_id: *room }),
        Command::Read(room, seq) => Some(ClientFrame::Read {
            room_id: *room,
            seq: *seq,
        }),
    }
}

fn send_frame(room_id: RoomId, pending: Pending) -> ClientFrame {
    ClientFrame::Send {
        room_id,
        client_msg_id: pending.client_msg_id,
        body: pending.body,
        reply_to: pending.reply_to,
    }
}

/// Applies one server frame to the chat's state at `now_ms` (browser clock), and returns
/// what the browser must do besides.
pub fn apply(chat: Chat, frame: ServerFrame, now_ms: f64) -> Vec<Effect> {
    let me = chat.me.get_untracked();
    let mine = |user| me.as_ref().is_some_and(|me| me.user_id == user);
    match frame {
        ServerFrame::Hello {
            user_id,
            display_name,
            epoch,
            max_body_chars,
        } => {
            if let Some(me) = me.filter(|me| me.user_id == user_id) {
                if me.display_name != display_name {
                    chat.me.set(Some(Me { display_name, ..me }));
                }
            }
            chat.note_epoch(&epoch);
            if chat.max_body_chars.get_untracked() != Some(max_body_chars) {
                chat.max_body_chars.set(Some(max_body_chars));
            }
            chat.status.set(ConnStatus::Live);
        }
        ServerFrame::Message(m) => {
            let feed = chat.feed(m.room_id);
            if m.kind == MessageKind::Moderation {
                let event = ModEvent::parse(&m.body);
                if let Some(e) = &event {
                    feed.standing.apply(e, me.as_ref().map(|me| me.user_id));
                }
                match event.filter(|e| mine(e.user_id)) {
                    Some(e) if e.action == ModAction::Mute => feed.muted.set(Some(Mute {
                        until: e.until.unwrap_or_default(),
                        reason: e.reason,
                    })),
                    Some(e) if e.action == ModAction::Unmute => feed.muted.set(None),
                    _ => {}
                }
            }
            if m.is_message() {
                feed.expire_typing(now_ms, Some(m.sender_id));
            }
            if m.kind == MessageKind::Delete {
                // A removed message leaves the moderators' inbox.
                feed.standing.reviews.update(|n| *n += 1);
            }
            let mention = m.is_message()
                && me
                    .as_ref()
                    .is_some_and(|me| m.sender_id != me.user_id && mentions(&m.body, &me.username));
            let effect = mention.then(|| Effect::Notify {
                sender: m.sender_name.clone(),
                body: m.body.clone(),
            });
            feed.merge(&[m]);
            return effect.into_iter().collect();
        }
        ServerFrame::CaughtUp {
            room_id,
            read_seq,
            peer_read_seq,
            ..
        } => {
            let feed = chat.feed(room_id);
            feed.advance_read(read_seq);
            if let Some(seq) = peer_read_seq {
                feed.advance_peer_read(seq);
            }
        }
        ServerFrame::Typing {
            room_id,
            user_id,
            display_name,
        } => {
            if me.is_some() && !mine(user_id) {
                chat.feed(room_id)
                    .typing_from(user_id, display_name, now_ms);
                return vec![Effect::ExpireTyping(room_id)];
            }
        }
        ServerFrame::ReadMarker {
            room_id,
            user_id,
            seq,
        } => {
            let feed = chat.feed(room_id);
            if mine(user_id) {
                feed.advance_read(seq);
            } else {
                feed.advance_peer_read(seq);
            }
        }
        ServerFrame::Pong => {}
        ServerFrame::Presence { room_id, online } => {
            chat.feed(room_id).set_presence(online);
        }
        ServerFrame::Ack(ack) => {
            if let Some(me) = &me {
                chat.feed(ack.room_id).ack(&ack, me);
            }
        }
        ServerFrame::Reset { room_id, .. } => return vec![Effect::Reload(room_id)],
        ServerFrame::Error {
            code,
            message,
            client_msg_id,
            room_id,
            until,
        } => match (client_msg_id, room_id) {
            (Some(id), Some(room)) if code.is_retriable() => {
                return vec![Effect::RetryLater(room, id)];
            }
            (Some(id), Some(room)) => {
                let feed = chat.feed(room);
                if let (ErrorCode::Muted, Some(until)) = (code, until) {
                    let reason = feed
                        .muted
                        .with_untracked(|m| m.as_ref().map(|m| m.reason.clone()))
                        .unwrap_or_default();
                    feed.muted.set(Some(Mute { until, reason }));
                }
                if !feed.settle_change(&id, Some(FailReason::Refused(code))) {
                    feed.fail(&id, FailReason::Refused(code));
                }
            }
            _ => return vec![Effect::Log(message, code == ErrorCode::BadFrame)],
        },
    }
    Vec::new()
}

/// The wait before reconnection attempt `failures` (1 for the first after a live
/// connection): exponential backoff with full jitter, 250 ms × 2ⁿ⁻¹, capped, times a factor
/// in [0.5, 1) from `random` in [0, 1). The first retry after a live connection is almost
/// immediate, so a server that restarts is back in the time it takes.
pub fn backoff(failures: u32, random: f64) -> Duration {
    if failures <= 1 {
        return Duration::from_millis((100.0 * random) as u64);
    }
    let base = (250.0 * 2f64.powi(failures.min(10) as i32 - 2)).min(MAX_BACKOFF_MS);
    Duration::from_millis((base * (0.5 + random / 2.0)) as u64)
}

/// How long after a typing notice its room is checked for expired ones.
pub fn typing_expiry() -> Duration {
    Duration::from_millis(TYPING_MS as u64 + 50)
}

#[cfg(test)]
mod tests;
