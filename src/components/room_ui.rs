//! What the parts of one open room share: the message being answered or edited in the
//! composer, the message to bring into view (a reply's parent), and the one highlighted.
//! Provided as context by the room view; `Copy`.

use leptos::prelude::*;

use crate::client::Feed;
use crate::protocol::{RoomId, Seq, UserId};

#[derive(Clone, Copy)]
pub struct RoomUi {
    pub room: RoomId,
    pub me: UserId,
    /// The composer's next message answers this one.
    pub reply_to: RwSignal<Option<Seq>>,
    /// The composer edits this message of mine.
    pub editing: RwSignal<Option<Seq>>,
    /// A request to the log: show this message, loading older pages until it is there.
    pub jump: RwSignal<Option<Seq>>,
    /// The message shown as "you were brought here".
    pub highlight: RwSignal<Option<Seq>>,
}

impl RoomUi {
    pub fn new(room: RoomId, me: UserId) -> RoomUi {
        RoomUi {
            room,
            me,
            reply_to: RwSignal::new(None),
            editing: RwSignal::new(None),
            jump: RwSignal::new(None),
            highlight: RwSignal::new(None),
        }
    }

    /// My newest message that can still be edited (not deleted), for the Up arrow.
    pub fn last_of_mine(&self, feed: &Feed) -> Option<Seq> {
        feed.messages.with_untracked(|m| {
            m.iter()
                .rev()
                .find(|m| m.sender_id == self.me && !m.deleted)
                .map(|m| m.seq)
        })
    }
}
