//! The browser's side of the chat.
//!
//! [`Chat`] is shared code (pages render with it on the server too): per-room [`Feed`]s,
//! the connection status, and the commands the pages give. [`wire`] is the protocol's state
//! machine (host-tested); only `socket` (feature `hydrate`) touches the browser's WebSocket,
//! and it is started once the user is signed in.

pub mod browser;
mod feed;
pub mod grouping;
pub mod notify;
pub mod outbox;
#[cfg(feature = "hydrate")]
mod socket;
pub mod time;
pub mod window;
pub mod wire;

use std::collections::HashMap;
use std::sync::Arc;

use leptos::prelude::*;

pub use crate::text::mention::mentions;
pub use feed::{
    Change, FailReason, Feed, Pending, PendingChange, PendingState, Typist, MAX_TRIES, TYPING_MS,
};

use crate::model::Me;
use crate::protocol::{RoomId, Seq, UserId};

/// Whether the page has hydrated (the WASM runs). Provided as context by `<App/>`.
#[derive(Clone, Copy)]
pub struct Hydrated(pub ReadSignal<bool>);

/// The state of the connection, as the banner shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnStatus {
    /// Not started (server rendering, or signed out).
    Idle,
    /// Opening the first connection.
    Connecting,
    /// Connected and caught up.
    Live,
    /// The connection was lost; retrying with backoff.
    Reconnecting,
}

/// What the pages ask of the connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// Receive a room's messages from the feed's cursor on.
    Watch(RoomId),
    /// Watch a room again from its (new) cursor, after a reset.
    Rewatch(RoomId),
    /// Count the user as present in a watched room.
    Enter(RoomId),
    Exit(RoomId),
    /// Send the pending message (or change) with this `client_msg_id`.
    Send(RoomId, String),
    /// Tell the room the user is typing.
    Typing(RoomId),
    /// Move the read position forward.
    Read(RoomId, Seq),
}

type CommandSink = Arc<dyn Fn(Command) + Send + Sync>;

/// The chat client, provided as context by `<App/>`; `Copy`.
#[derive(Clone, Copy)]
pub struct Chat {
    pub status: RwSignal<ConnStatus>,
    /// The signed-in user.
    pub me: RwSignal<Option<Me>>,
    /// The epoch the held cursors come from.
    pub epoch: RwSignal<Option<String>>,
    /// The longest message the server stores, once its `hello` said.
    pub max_body_chars: RwSignal<Option<usize>>,
    /// An embed's session token, held in memory only (an embed has no cookie): its socket
    /// sends it in its first frame, its HTTP calls as an argument.
    pub session: StoredValue<Option<String>>,
    feeds: StoredValue<HashMap<RoomId, Feed>>,
    /// Bumped whenever a feed is added, so sums over feeds stay reactive.
    feeds_added: RwSignal<u64>,
    sink: StoredValue<Option<CommandSink>>,
    /// When the user last told each room they were typing (browser clock, ms).
    typed: StoredValue<HashMap<RoomId, f64>>,
}

/// How often a typing user tells the room, at most.
const TYPING_EVERY_MS: f64 = 3_000.0;

impl Default for Chat {
    fn default() -> Self {
        Chat::new()
    }
}

impl Chat {
    pub fn new() -> Chat {
        Chat {
            status: RwSignal::new(ConnStatus::Idle),
            me: RwSignal::new(None),
            epoch: RwSignal::new(None),
            max_body_chars: RwSignal::new(None),
            session: StoredValue::new(None),
            feeds: StoredValue::new(HashMap::new()),
            feeds_added: RwSignal::new(0),
            typed: StoredValue::new(HashMap::new()),
            sink: StoredValue::new(None),
        }
    }

    /// Starts the connection for the signed-in user (in the browser only; once), after
    /// putting back the outbox a previous page of theirs left in storage.
    pub fn connect(self, me: Me) {
        if self.sink.with_value(Option::is_some) {
            return;
        }
        #[cfg(feature = "hydrate")]
        socket::start(self);
        let user = me.user_id;
        self.me.set(Some(me));
        self.restore_outbox(user);
    }

    /// Starts the connection of an embed, signed in by a session token instead of a cookie.
    pub fn connect_embedded(self, me: Me, session: String) {
        self.session.set_value(Some(session));
        self.connect(me);
    }

    /// The embed's session token, for the HTTP calls that need one (`None` in the app: the
    /// cookie signs those in).
    pub fn session_token(&self) -> Option<String> {
        self.session.get_value()
    }

    /// Tells the room the user is typing (at most every few seconds).
    pub fn typing(&self, room: RoomId) {
        let now_ms = browser::now_ms();
        let last = self.typed.with_value(|t| t.get(&room).copied());
        if last.is_none_or(|t| now_ms - t >= TYPING_EVERY_MS) {
            self.typed.update_value(|t| {
                t.insert(room, now_ms);
            });
            self.command(Command::Typing(room));
        }
    }

    /// Marks a room read up to `seq`, when that moves the read position forward.
    pub fn mark_read(&self, room: RoomId, seq: Seq) {
        let feed = self.feed(room);
        if seq > feed.read_seq.get_untracked() {
            feed.advance_read(seq);
            self.command(Command::Read(room, seq));
        }
    }

    /// Unread messages over every room held (tracked).
    pub fn total_unread(&self) -> Seq {
        self.feeds_added.track();
        self.feeds().iter().map(Feed::unread).sum()
    }

    /// The feed of a room, created on first use.
    pub fn feed(&self, room: RoomId) -> Feed {
        self.feeds
            .with_value(|f| f.get(&room).cloned())
            .unwrap_or_else(|| {
                let feed = Feed::new(room);
                self.feeds.update_value(|f| {
                    f.insert(room, feed.clone());
                });
                self.feeds_added.update(|n| *n += 1);
                feed
            })
    }

    /// Forgets the signed-out user's rooms and outbox state in this page.
    pub fn forget(&self) {
        self.me.set(None);
        self.feeds.update_value(HashMap::clear);
    }

    /// Every feed held, in no order.
    pub fn feeds(&self) -> Vec<Feed> {
        self.feeds.with_value(|f| f.values().cloned().collect())
    }

    /// Notes the epoch of data loaded over HTTP.
    pub fn note_epoch(&self, epoch: &str) {
        if self.epoch.with_untracked(|e| e.as_deref() != Some(epoch)) {
            self.epoch.set(Some(epoch.to_owned()));
        }
    }

    /// Watches a room, knowing everything up to `seen`.
    pub fn watch(&self, room: RoomId, seen: Seq) {
        self.feed(room).note_seen(seen);
        self.command(Command::Watch(room));
    }

    pub fn enter(&self, room: RoomId) {
        self.command(Command::Enter(room));
    }

    pub fn exit(&self, room: RoomId) {
        self.command(Command::Exit(room));
    }

    /// Queues a message: shown at once as sending, sent when connected, retried with the
    /// same `client_msg_id` until acknowledged.
    pub fn send_message(&self, room: RoomId, body: String, reply_to: Option<Seq>) {
        let id = new_client_msg_id();
        // Typing again after sending is news at once: the receiver cleared the notice.
        self.typed.update_value(|t| {
            t.remove(&room);
        });
        self.feed(room).push_pending(Pending {
            client_msg_id: id.clone(),
            body,
            state: PendingState::Sending,
            tries: 0,
            reply_to,
        });
        self.save_outbox();
        self.command(Command::Send(room, id));
    }

    /// Asks for an edit, a delete or a reaction; the server's event shows it, in every tab.
    /// Returns its `client_msg_id` (it is pending while in the feed's `changes`).
    pub fn change(&self, room: RoomId, change: Change) -> String {
        let id = new_client_msg_id();
        self.feed(room).push_change(id.clone(), change);
        self.command(Command::Send(room, id.clone()));
        id
    }

    /// Sends a failed message again, with its original `client_msg_id`.
    pub fn retry(&self, room: RoomId, client_msg_id: String) {
        self.feed(room).retry(&client_msg_id);
        self.save_outbox();
        self.command(Command::Send(room, client_msg_id));
    }

    /// Drops a failed message from the outbox.
    pub fn discard(&self, room: RoomId, client_msg_id: &str) {
        self.feed(room).discard(client_msg_id);
        self.save_outbox();
    }

    /// Every unacknowledged message, room by room, in the order they were written.
    fn outbox(&self) -> Vec<outbox::Entry> {
        let mut feeds = self.feeds();
        feeds.sort_by_key(|f| f.room_id);
        feeds
            .iter()
            .flat_map(|f| {
                f.pending
                    .get_untracked()
                    .into_iter()
                    .map(|pending| outbox::Entry {
                        room_id: f.room_id,
                        pending,
                    })
            })
            .collect()
    }

    /// Writes the outbox to browser storage (in the browser, once the user is known).
    pub fn save_outbox(&self) {
        if let Some(me) = self.me.get_untracked() {
            outbox::save(me.user_id, &self.outbox());
        }
    }

    /// Puts the stored outbox of `user` back into the feeds and queues it for sending.
    pub fn restore_outbox(&self, user: UserId) {
        for entry in outbox::load(user) {
            let (room, id) = (entry.room_id, entry.pending.client_msg_id.clone());
            let sending = entry.pending.state == PendingState::Sending;
            self.feed(room).push_pending(entry.pending);
            self.command(Command::Watch(room));
            if sending {
                self.command(Command::Send(room, id));
            }
        }
    }

    fn command(&self, command: Command) {
        if let Some(sink) = self.sink.get_value() {
            sink(command);
        }
    }
}

/// A random UUID (version 4) for a new message.
fn new_client_msg_id() -> String {
    let mut b = random_bytes();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[cfg(feature = "hydrate")]
fn random_bytes() -> [u8; 16] {
    let mut b = [0u8; 16];
    if let Some(crypto) = web_sys::window().and_then(|w| w.crypto().ok()) {
        // getRandomValues works in insecure contexts too, unlike randomUUID.
        let _ = crypto.get_random_values_with_u8_array(&mut b);
    }
    b
}

#[cfg(not(feature = "hydrate"))]
fn random_bytes() -> [u8; 16] {
    // Messages are only composed in the browser; the server never calls this for real.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    nanos.to_le_bytes()
}

#[cfg(test)]
mod tests {
    #[test]
    fn client_msg_ids_are_uuids() {
        let id = super::new_client_msg_id();
        assert!(crate::protocol::is_uuid(&id), "{id}");
        assert_eq!(&id[14..15], "4");
    }
}
