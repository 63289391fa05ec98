//! One room as the browser holds it: stored messages by `seq`, the outbox of sends not yet
//! acknowledged, and presence (shown as the room's participant list, never as notices in
//! the log: a reload or a flaky network would fill it with "left"/"joined" pairs).

use std::sync::{Arc, Mutex};

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::window::Position;

use crate::protocol::{excerpt, Ack, ErrorCode, Message, PresenceUser, Quote, RoomId, Seq, UserId};

mod changes;
mod standing;
pub use changes::{Change, PendingChange};
pub use standing::Standing;

/// Sends of one message without an answer before it is shown as failed.
pub const MAX_TRIES: u32 = 5;

/// A message the user sent that the server has not acknowledged yet.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Pending {
    pub client_msg_id: String,
    pub body: String,
    pub state: PendingState,
    /// How many times it was put on the wire.
    #[serde(default)]
    pub tries: u32,
    /// The `seq` of the message it answers.
    #[serde(default)]
    pub reply_to: Option<Seq>,
}

/// Where a pending message stands.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PendingState {
    Sending,
    Failed(FailReason),
}

/// Why a message is shown as failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FailReason {
    /// It was sent [`MAX_TRIES`] times without an answer.
    NoAnswer,
    /// The server refused it.
    Refused(ErrorCode),
}

/// One room's live state. Reference-counted signals, so it outlives the page that shows it.
#[derive(Clone)]
pub struct Feed {
    pub room_id: RoomId,
    /// Stored messages (never events), ascending by `seq`, each `seq` once, each in the
    /// newest state received.
    pub messages: ArcRwSignal<Vec<Message>>,
    /// Sends not yet acknowledged, in the order they were made.
    pub pending: ArcRwSignal<Vec<Pending>>,
    /// Edits, deletes and reactions not yet acknowledged (in memory only).
    pub changes: ArcRwSignal<Vec<PendingChange>>,
    /// Why the user's last change was not made (refused, or never answered), until the next.
    pub refused: ArcRwSignal<Option<FailReason>>,
    /// Who has the room open; `None` until the server has said.
    pub online: ArcRwSignal<Option<Vec<PresenceUser>>>,
    /// The user's read position: the unread count is the messages after it.
    pub read_seq: ArcRwSignal<Seq>,
    /// In a direct room, the other person's read position.
    pub peer_read_seq: ArcRwSignal<Option<Seq>>,
    /// Who is typing, and until when (milliseconds, browser clock).
    pub typing: ArcRwSignal<Vec<Typist>>,
    /// The user's mute in this room, as the server said it (the page, a `moderation` row,
    /// a `muted` refusal); the composer shows it until it ends.
    pub muted: ArcRwSignal<Option<crate::model::Mute>>,
    /// The user's role, and whether the room is read-only.
    pub standing: Standing,
    /// Where the reader left the log, if not at the bottom.
    pub position: Arc<Mutex<Option<Position>>>,
    /// The highest `seq` known from elsewhere (the room list) when no message is held.
    floor: ArcRwSignal<Seq>,
    /// The highest `seq` of an event received (events are applied, not held).
    tail: ArcRwSignal<Seq>,
    /// The server's count from the room list: messages in (`read`, `upto`].
    counted: ArcRwSignal<Counted>,
}

/// An unread count the server made, and what it counted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Counted {
    upto: Seq,
    read: Seq,
    unread: i64,
}

/// Someone typing in a room.
#[derive(Clone, Debug, PartialEq)]
pub struct Typist {
    pub user_id: UserId,
    pub name: String,
    pub until_ms: f64,
}

/// How long a typing notice lasts without another.
pub const TYPING_MS: f64 = 6_000.0;

impl Feed {
    pub fn new(room_id: RoomId) -> Feed {
        Feed {
            room_id,
            messages: ArcRwSignal::new(Vec::new()),
            pending: ArcRwSignal::new(Vec::new()),
            changes: ArcRwSignal::new(Vec::new()),
            refused: ArcRwSignal::new(None),
            online: ArcRwSignal::new(None),
            read_seq: ArcRwSignal::new(0),
            peer_read_seq: ArcRwSignal::new(None),
            typing: ArcRwSignal::new(Vec::new()),
            muted: ArcRwSignal::new(None),
            standing: Standing::default(),
            position: Arc::new(Mutex::new(None)),
            floor: ArcRwSignal::new(0),
            tail: ArcRwSignal::new(0),
            counted: ArcRwSignal::new(Counted::default()),
        }
    }

    /// The newest `seq` known (tracked).
    pub fn latest_seq(&self) -> Seq {
        let held = self.messages.with(|m| m.last().map_or(0, |m| m.seq));
        held.max(self.floor.get()).max(self.tail.get())
    }

    /// Unread messages after the read position (events never count), derived from what is
    /// held and what the server counted, never kept as a counter (tracked).
    pub fn unread(&self) -> Seq {
        let read = self.read_seq.get();
        let counted = self.counted.get();
        let held_after = |from: Seq, to: Seq| {
            self.messages.with(|m| {
                let count = m.iter().filter(|m| m.seq > from && m.seq <= to).count();
                Seq::try_from(count).unwrap_or(Seq::MAX)
            })
        };
        let below = if read >= counted.upto {
            0
        } else if read == counted.read {
            counted.unread
        } else {
            held_after(read, counted.upto)
        };
        below + held_after(read.max(counted.upto), Seq::MAX)
    }

    /// Notes the server's unread count: `unread` messages in (`read`, `upto`].
    pub fn note_unread(&self, upto: Seq, read: Seq, unread: i64) {
        let counted = Counted { upto, read, unread };
        if self.counted.get_untracked().upto <= upto {
            self.counted.set(counted);
        }
    }

    /// Moves a read position forward; it never moves back.
    pub fn advance_read(&self, seq: Seq) {
        if seq > self.read_seq.get_untracked() {
            self.read_seq.set(seq);
        }
    }

    /// Moves the other person's read position forward.
    pub fn advance_peer_read(&self, seq: Seq) {
        if self.peer_read_seq.get_untracked().is_none_or(|s| seq > s) {
            self.peer_read_seq.set(Some(seq));
        }
    }

    /// Notes that someone is typing, until `now_ms + TYPING_MS`.
    pub fn typing_from(&self, user_id: UserId, name: String, now_ms: f64) {
        self.typing.update(|t| {
            t.retain(|x| x.user_id != user_id && x.until_ms > now_ms);
            t.push(Typist {
                user_id,
                name,
                until_ms: now_ms + TYPING_MS,
            });
        });
    }

    /// Forgets typists whose notice ran out, or who just sent a message.
    pub fn expire_typing(&self, now_ms: f64, sent_by: Option<UserId>) {
        let stale = self.typing.with_untracked(|t| {
            t.iter()
                .any(|x| x.until_ms <= now_ms || Some(x.user_id) == sent_by)
        });
        if stale {
            self.typing
                .update(|t| t.retain(|x| x.until_ms > now_ms && Some(x.user_id) != sent_by));
        }
    }

    /// The cursor to resume from: the highest `seq` held or applied.
    pub fn last_seq(&self) -> Seq {
        let held = self
            .messages
            .with_untracked(|m| m.last().map_or(0, |m| m.seq));
        held.max(self.floor.get_untracked())
            .max(self.tail.get_untracked())
    }

    /// Notes that everything up to `seq` is known (used by the room list).
    pub fn note_seen(&self, seq: Seq) {
        if seq > self.floor.get_untracked() {
            self.floor.set(seq);
        }
    }

    /// Inserts stored messages in `seq` order, replaces a held one by a newer state of it
    /// (its own, or an event's target), and retires the pending sends they confirm. A repeated
    /// or older state changes nothing, so replays and reorderings are harmless.
    pub fn merge(&self, incoming: &[Message]) {
        if incoming.is_empty() {
            return;
        }
        let tail = incoming
            .iter()
            .filter(|m| !m.is_message())
            .map(|m| m.seq)
            .max();
        if let Some(tail) = tail.filter(|&t| t > self.tail.get_untracked()) {
            self.tail.set(tail);
        }
        self.messages.update(|held| {
            for m in incoming {
                // An event brings its target's state, applied to a held message only (a
                // message not loaded comes with its current state when history brings it).
                let (state, insert) = match &m.target {
                    Some(target) => (target.as_ref(), false),
                    None if m.is_message() => (m, true),
                    None => continue,
                };
                match held.binary_search_by_key(&state.seq, |h| h.seq) {
                    Ok(at) if state.version > held[at].version => held[at] = state.clone(),
                    Ok(_) => {}
                    Err(at) if insert => held.insert(at, state.clone()),
                    Err(_) => {}
                }
            }
        });
        let confirmed = |p: &Pending| incoming.iter().any(|m| m.client_msg_id == p.client_msg_id);
        if self.pending.with_untracked(|p| p.iter().any(confirmed)) {
            self.pending.update(|p| p.retain(|p| !confirmed(p)));
        }
    }

    /// Replaces everything held (after a reset) with a fresh latest page.
    pub fn replace(&self, latest: Vec<Message>) {
        self.floor.set(0);
        self.tail.set(0);
        self.counted.set(Counted::default());
        self.messages.set(Vec::new());
        self.merge(&latest);
    }

    /// Adds a send to the outbox (unless it is there already, restored from storage).
    pub fn push_pending(&self, pending: Pending) {
        let known = self
            .pending
            .with_untracked(|p| p.iter().any(|q| q.client_msg_id == pending.client_msg_id))
            || self
                .messages
                .with_untracked(|m| m.iter().any(|m| m.client_msg_id == pending.client_msg_id));
        if !known {
            self.pending.update(|p| p.push(pending));
        }
    }

    /// The ids of the sends still to (re)send, in order.
    pub fn unsent(&self) -> Vec<String> {
        self.pending.with_untracked(|p| {
            p.iter()
                .filter(|p| p.state == PendingState::Sending)
                .map(|p| p.client_msg_id.clone())
                .collect()
        })
    }

    /// Takes one more try at sending `client_msg_id`: the message to put on the wire, or
    /// `None` when it is not waiting (acked, failed, discarded) or has used up its tries, in
    /// which case it is marked failed.
    pub fn take_try(&self, client_msg_id: &str) -> Option<Pending> {
        let mut out = None;
        self.pending.update(|p| {
            let Some(p) = p.iter_mut().find(|p| p.client_msg_id == client_msg_id) else {
                return;
            };
            if p.state != PendingState::Sending {
                return;
            }
            if p.tries >= MAX_TRIES {
                p.state = PendingState::Failed(FailReason::NoAnswer);
                return;
            }
            p.tries += 1;
            out = Some(p.clone());
        });
        out
    }

    /// Turns an acknowledged send into the stored message it became.
    pub fn ack(&self, ack: &Ack, me: &crate::model::Me) {
        self.settle_change(&ack.client_msg_id, None);
        let sent = self.pending.with_untracked(|p| {
            p.iter()
                .find(|p| p.client_msg_id == ack.client_msg_id)
                .map(|p| (p.body.clone(), p.reply_to))
        });
        let Some((body, reply_to)) = sent else {
            return;
        };
        // An ack for a row at or below the cursor (a resend of a message stored long ago)
        // tells nothing new: the row is held, or was changed since and comes from history.
        if ack.seq <= self.last_seq() {
            let id = &ack.client_msg_id;
            self.pending
                .update(|p| p.retain(|p| &p.client_msg_id != id));
            return;
        }
        let reply = reply_to.map(|seq| {
            self.quote_of(seq).unwrap_or(Quote {
                seq,
                ..Quote::default()
            })
        });
        self.merge(&[Message {
            id: ack.id,
            room_id: ack.room_id,
            seq: ack.seq,
            sender_id: me.user_id,
            sender_name: me.display_name.clone(),
            sender_username: me.username.clone(),
            client_msg_id: ack.client_msg_id.clone(),
            body,
            created_at: ack.created_at,
            html: ack.html.clone(),
            reply,
            // Built here, not received: any state the server sends replaces it.
            version: 0,
            ..Message::default()
        }]);
    }

    /// The quote of a held message, as a reply to it shows it.
    pub fn quote_of(&self, seq: Seq) -> Option<Quote> {
        self.messages.with_untracked(|held| {
            let at = held.binary_search_by_key(&seq, |h| h.seq).ok()?;
            let m = &held[at];
            Some(Quote {
                seq,
                sender_name: m.sender_name.clone(),
                excerpt: excerpt(&m.body),
                deleted: m.deleted,
            })
        })
    }

    /// Marks a send as failed, with the reason to show.
    pub fn fail(&self, client_msg_id: &str, reason: FailReason) {
        self.pending.update(|p| {
            if let Some(p) = p.iter_mut().find(|p| p.client_msg_id == client_msg_id) {
                p.state = PendingState::Failed(reason);
            }
        });
    }

    /// Puts a failed send back in the queue, with a fresh set of tries.
    pub fn retry(&self, client_msg_id: &str) {
        self.pending.update(|p| {
            if let Some(p) = p.iter_mut().find(|p| p.client_msg_id == client_msg_id) {
                p.state = PendingState::Sending;
                p.tries = 0;
            }
        });
    }

    /// Drops a send from the outbox.
    pub fn discard(&self, client_msg_id: &str) {
        self.pending
            .update(|p| p.retain(|p| p.client_msg_id != client_msg_id));
    }

    /// Applies a presence snapshot: who has the room open now.
    pub fn set_presence(&self, online: Vec<PresenceUser>) {
        self.online.set(Some(online));
    }
}

#[cfg(test)]
mod tests;
