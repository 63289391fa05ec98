//! The user's edits, deletes, reactions and moderation actions on their way to the server. They are not shown
//! ahead of time: the server's event brings the new state to every tab at once, the
//! sender's included, so what one sees is what everyone sees. A change is sent with its own
//! `client_msg_id`, again on reconnect until answered (the server applies it once), and
//! held in memory only: a reload forgets a change still unanswered.

use leptos::prelude::*;

use super::{FailReason, Feed, MAX_TRIES};
use crate::protocol::{ClientFrame, ModAction, RoomId, Seq, UserId};

/// A change to a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    Edit {
        seq: Seq,
        body: String,
    },
    Delete {
        seq: Seq,
    },
    React {
        seq: Seq,
        emoji: String,
        on: bool,
    },
    /// A moderator's action on a member, a message (`seq`) or the room
    /// (`docs/moderation.md`).
    Moderate {
        user_id: UserId,
        action: ModAction,
        minutes: Option<u32>,
        reason: String,
        seq: Option<Seq>,
    },
}

/// A change not yet answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingChange {
    pub client_msg_id: String,
    pub change: Change,
    pub tries: u32,
}

impl Change {
    /// The frame that asks for it.
    pub fn frame(&self, room_id: RoomId, client_msg_id: String) -> ClientFrame {
        match self.clone() {
            Change::Edit { seq, body } => ClientFrame::Edit {
                room_id,
                client_msg_id,
                seq,
                body,
            },
            Change::Delete { seq } => ClientFrame::Delete {
                room_id,
                client_msg_id,
                seq,
            },
            Change::React { seq, emoji, on } => ClientFrame::React {
                room_id,
                client_msg_id,
                seq,
                emoji,
                on,
            },
            Change::Moderate {
                user_id,
                action,
                minutes,
                reason,
                seq,
            } => ClientFrame::Moderate {
                room_id,
                client_msg_id,
                user_id,
                action,
                seq,
                minutes,
                reason,
            },
        }
    }
}

impl Feed {
    /// Queues a change (and forgets the last refusal).
    pub fn push_change(&self, client_msg_id: String, change: Change) {
        self.refused.set(None);
        self.changes.update(|c| {
            c.push(PendingChange {
                client_msg_id,
                change,
                tries: 0,
            })
        });
    }

    /// The ids of the changes still to (re)send, in order.
    pub fn unsent_changes(&self) -> Vec<String> {
        self.changes
            .with_untracked(|c| c.iter().map(|c| c.client_msg_id.clone()).collect())
    }

    /// One more try at sending change `client_msg_id`: its frame, or `None` when it is not
    /// waiting; after [`MAX_TRIES`] without an answer it is dropped, and said so.
    pub fn take_change(&self, client_msg_id: &str) -> Option<ClientFrame> {
        let found = self.changes.with_untracked(|c| {
            c.iter()
                .find(|c| c.client_msg_id == client_msg_id)
                .map(|c| c.tries)
        })?;
        if found >= MAX_TRIES {
            self.settle_change(client_msg_id, Some(FailReason::NoAnswer));
            return None;
        }
        let mut frame = None;
        self.changes.update(|c| {
            if let Some(c) = c.iter_mut().find(|c| c.client_msg_id == client_msg_id) {
                c.tries += 1;
                frame = Some(c.change.frame(self.room_id, c.client_msg_id.clone()));
            }
        });
        frame
    }

    /// Ends change `client_msg_id`: answered by an ack (`None`) or refused. Returns whether
    /// it was a change of this feed.
    pub fn settle_change(&self, client_msg_id: &str, refused: Option<FailReason>) -> bool {
        let known = self
            .changes
            .with_untracked(|c| c.iter().any(|c| c.client_msg_id == client_msg_id));
        if known {
            self.changes
                .update(|c| c.retain(|c| c.client_msg_id != client_msg_id));
            if refused.is_some() {
                self.refused.set(refused);
            }
        }
        known
    }
}
