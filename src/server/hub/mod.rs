//! The hub: per-room fan-out in memory. No I/O, no SQL, no WebSocket types beyond the shared
//! text buffer.
//!
//! Rules:
//! - **Persist, then publish.** The hub only ever carries stored rows (published by the
//!   writer after the commit) and presence snapshots. It never decides order: `seq` does.
//! - **Serialise once.** A frame is serialised by the publisher; every recipient gets a clone
//!   of the same shared buffer.
//! - **Bounded queues.** Each connection has a queue of `outbound_queue` frames. A connection
//!   whose queue is full is told to close with the resync code (4008) and gets nothing more.
//!   It is never skipped silently and never blocks the room.
//! - **One signal per connection.** A close is its reason (set once) and the end of its
//!   queue: the hub drops the queue's sender, so the connection's one wait on its queue also
//!   wakes it to close. It polls no second channel on every delivery.
//! - **No lock across `.await`.** The state sits behind a `std::sync::Mutex`; no method here
//!   is async, so the lock cannot be held across an await point.
//! - **Subscribe before catching up.** A connection watches a room before it reads what it
//!   missed, so no message falls between the history and the live stream; the connection
//!   drops live frames whose `seq` it has already sent.
//! - **Presence is per user, not per socket.** A user with two tabs in a room is one entry,
//!   announced when the first tab enters and removed when the last one leaves.
//!
//! With several nodes, `server::bus` calls [`Hub::publish_message`] with the rows other nodes
//! stored (in `seq` order, gaps filled), and hands over the presence of other nodes
//! ([`Hub::set_remote_presence`]); the hub itself knows no node but its own.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use tokio::sync::mpsc;

use crate::protocol::{close, PresenceUser, RoomId, Seq, ServerFrame, UserId};

/// An immutable, cheaply cloned UTF-8 buffer: one serialised frame shared by all recipients.
pub type SharedText = axum::extract::ws::Utf8Bytes;

/// A connection's identity inside the hub.
pub type ConnId = u64;

/// One frame on its way to one connection.
#[derive(Clone, Debug)]
pub struct Delivery {
    pub room_id: RoomId,
    /// The message's `seq`, so the connection can drop what it already sent; `None` for
    /// frames outside the sequence (presence).
    pub seq: Option<Seq>,
    pub text: SharedText,
    /// The connection stops watching the room after this frame (the user left it).
    pub last: bool,
}

impl Delivery {
    /// A frame outside the message sequence (presence, typing, read markers, resets),
    /// serialised once.
    fn outside_sequence(room_id: RoomId, frame: &ServerFrame) -> Delivery {
        Delivery {
            room_id,
            seq: None,
            text: serialise(frame),
            last: false,
        }
    }
}

/// Why the hub asks a connection to close.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CloseReason {
    /// The outbound queue overflowed: the client must resume from its cursors.
    Resync,
    /// The session was signed out.
    SessionEnded,
    /// The server is shutting down.
    Restart,
}

impl CloseReason {
    /// The WebSocket close code documented in `docs/protocol.md`.
    pub fn code(self) -> u16 {
        match self {
            CloseReason::Resync => close::RESYNC,
            CloseReason::SessionEnded => close::SESSION_ENDED,
            CloseReason::Restart => close::SERVICE_RESTART,
        }
    }
}

/// The connection's end of its registration: its queue, which ends when the hub asks it to
/// close, and the reason.
pub struct Registration {
    pub id: ConnId,
    pub outbound: mpsc::Receiver<Delivery>,
    closing: Arc<OnceLock<CloseReason>>,
}

impl Registration {
    /// Why the hub asked this connection to close, once it has.
    pub fn closing(&self) -> Option<CloseReason> {
        self.closing.get().copied()
    }
}

struct Conn {
    user: PresenceUser,
    session_id: i64,
    /// `None` once the connection was asked to close: it is sent nothing more.
    tx: Option<mpsc::Sender<Delivery>>,
    closing: Arc<OnceLock<CloseReason>>,
    watching: HashSet<RoomId>,
    present: HashSet<RoomId>,
}

impl Conn {
    /// Queues a frame, or tells a connection whose queue is full to resync.
    fn offer(&mut self, delivery: Delivery) {
        let Some(tx) = &self.tx else {
            return;
        };
        if let Err(mpsc::error::TrySendError::Full(_)) = tx.try_send(delivery) {
            self.close(CloseReason::Resync);
        }
    }

    /// Asks the connection to close: the first reason wins, and its queue ends after what
    /// it holds.
    fn close(&mut self, reason: CloseReason) {
        let _ = self.closing.set(reason);
        self.tx = None;
    }
}

#[derive(Default)]
struct Room {
    watchers: HashSet<ConnId>,
    /// user → (display name, number of that user's connections present).
    present: BTreeMap<UserId, (String, usize)>,
}

#[derive(Default)]
struct State {
    conns: HashMap<ConnId, Conn>,
    rooms: HashMap<RoomId, Room>,
    /// Open connections per user, so the per-user limit is checked without a scan.
    per_user: HashMap<UserId, usize>,
    /// Who is present through other nodes, per room this node watches (see `presence`).
    remote: HashMap<RoomId, HashMap<Arc<str>, presence::Remote>>,
    /// Told each room whose presence changed here, when a bus carries it to other nodes.
    feed: Option<mpsc::UnboundedSender<RoomId>>,
}

/// Per-room fan-out and presence. Shared as `Arc<Hub>`.
pub struct Hub {
    state: Mutex<State>,
    /// Woken when the last connection leaves (shutdown waits on it).
    emptied: tokio::sync::Notify,
    next_id: AtomicU64,
    queue: usize,
}

impl Hub {
    /// A hub whose connections each queue at most `queue` frames.
    pub fn new(queue: usize) -> Hub {
        Hub {
            state: Mutex::default(),
            emptied: tokio::sync::Notify::new(),
            next_id: AtomicU64::new(1),
            queue: queue.max(1),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves plain maps behind, still consistent enough
        // to keep serving; recover rather than take the whole server down.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Registers a connection of `user` in session `session_id`.
    pub fn connect(&self, user: PresenceUser, session_id: i64) -> Registration {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, outbound) = mpsc::channel(self.queue);
        let closing = Arc::new(OnceLock::new());
        let mut state = self.lock();
        *state.per_user.entry(user.user_id).or_default() += 1;
        state.conns.insert(
            id,
            Conn {
                user,
                session_id,
                tx: Some(tx),
                closing: closing.clone(),
                watching: HashSet::new(),
                present: HashSet::new(),
            },
        );
        Registration {
            id,
            outbound,
            closing,
        }
    }

    /// Users with at least one open connection.
    pub fn users(&self) -> usize {
        self.lock().per_user.len()
    }

    /// Rooms that at least one connection watches.
    pub fn watched_rooms(&self) -> usize {
        self.lock()
            .rooms
            .values()
            .filter(|r| !r.watchers.is_empty())
            .count()
    }

    /// Every (room, user) some connection here watches, once each.
    pub fn watching_pairs(&self) -> Vec<(RoomId, UserId)> {
        let state = self.lock();
        let pairs: HashSet<(RoomId, UserId)> = state
            .conns
            .values()
            .flat_map(|c| c.watching.iter().map(move |&r| (r, c.user.user_id)))
            .collect();
        pairs.into_iter().collect()
    }

    /// The sessions of the connections here, once each.
    pub fn session_ids(&self) -> Vec<i64> {
        let state = self.lock();
        let ids: HashSet<i64> = state.conns.values().map(|c| c.session_id).collect();
        ids.into_iter().collect()
    }

    /// How many connections here watch `room`.
    pub fn watcher_count(&self, room: RoomId) -> usize {
        self.lock().rooms.get(&room).map_or(0, |r| r.watchers.len())
    }

    /// Whether at least one connection here watches `room`.
    pub fn is_watched(&self, room: RoomId) -> bool {
        self.lock()
            .rooms
            .get(&room)
            .is_some_and(|r| !r.watchers.is_empty())
    }

    /// Removes a connection from every room, announcing presence changes.
    pub fn disconnect(&self, id: ConnId) {
        let mut state = self.lock();
        let Some(conn) = state.conns.remove(&id) else {
            return;
        };
        if let Some(n) = state.per_user.get_mut(&conn.user.user_id) {
            *n -= 1;
            if *n == 0 {
                state.per_user.remove(&conn.user.user_id);
            }
        }
        for room in &conn.watching {
            if let Some(r) = state.rooms.get_mut(room) {
                r.watchers.remove(&id);
            }
        }
        for room in conn.present {
            leave_presence(&mut state, room, conn.user.user_id);
        }
        state
            .rooms
            .retain(|_, r| !r.watchers.is_empty() || !r.present.is_empty());
        if state.conns.is_empty() {
            self.emptied.notify_waiters();
        }
    }

    /// Resolves once no connection is registered.
    pub async fn all_gone(&self) {
        loop {
            // Created before the check, so a last disconnect in between still wakes it.
            let emptied = self.emptied.notified();
            if self.connections() == 0 {
                return;
            }
            emptied.await;
        }
    }

    /// Starts delivering `room`'s frames to the connection, and sends it the room's presence.
    /// The caller has checked membership.
    pub fn watch(&self, id: ConnId, room: RoomId) {
        let mut state = self.lock();
        let Some(conn) = state.conns.get_mut(&id) else {
            return;
        };
        conn.watching.insert(room);
        state.rooms.entry(room).or_default().watchers.insert(id);
        let snapshot = presence_frame(&state, room);
        deliver_to(&mut state, id, snapshot);
    }

    /// Stops delivering `room` to the connection (and leaves its presence).
    pub fn unwatch(&self, id: ConnId, room: RoomId) {
        unwatch_locked(&mut self.lock(), id, room);
    }

    /// Whether the connection watches `room`.
    pub fn is_watching(&self, id: ConnId, room: RoomId) -> bool {
        self.lock()
            .conns
            .get(&id)
            .is_some_and(|c| c.watching.contains(&room))
    }

    /// How many rooms the connection watches, and how many of `rooms` it does not yet.
    pub fn watch_counts(&self, id: ConnId, rooms: &[RoomId]) -> (usize, usize) {
        let state = self.lock();
        let watching = state.conns.get(&id).map(|c| &c.watching);
        let watched = watching.map_or(0, HashSet::len);
        let new = rooms
            .iter()
            .filter(|r| !watching.is_some_and(|w| w.contains(r)))
            .count();
        (watched, new)
    }

    /// Number of registered connections of one user.
    pub fn connections_of(&self, user: UserId) -> usize {
        self.lock().per_user.get(&user).copied().unwrap_or(0)
    }

    /// Number of registered connections.
    pub fn connections(&self) -> usize {
        self.lock().conns.len()
    }
}

fn unwatch_locked(state: &mut State, id: ConnId, room: RoomId) {
    let Some(conn) = state.conns.get_mut(&id) else {
        return;
    };
    conn.watching.remove(&room);
    let was_present = conn.present.remove(&room);
    let user = conn.user.user_id;
    if let Some(r) = state.rooms.get_mut(&room) {
        r.watchers.remove(&id);
    }
    if was_present {
        leave_presence(state, room, user);
    }
    if state
        .rooms
        .get(&room)
        .is_some_and(|r| r.watchers.is_empty() && r.present.is_empty())
    {
        state.rooms.remove(&room);
    }
}

mod presence;
mod publish;
#[cfg(test)]
pub(crate) mod tests;

use presence::{leave_presence, presence_frame};
pub use publish::serialise;
use publish::{deliver_room, deliver_to};
