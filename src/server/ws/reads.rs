//! Read positions of one socket, coalesced.
//!
//! A `read` frame costs a durable UPDATE and a `read_marker` to the reader's tabs (and, in a
//! direct room, to the other person). So a read that does not move the position (at or
//! below what this socket already stored, once clamped to what this socket has been sent)
//! does nothing at all, and moving reads of one room are written at most once per
//! [`READ_EVERY`]: the first at once, later ones together when the window ends. Whatever
//! waits is written before a `pong` (so a ping after reads is a barrier) and when the socket
//! ends (so closing a tab loses no read).

use std::collections::HashMap;
use std::time::Duration;

use tokio::time::Instant;

use crate::protocol::{RoomId, Seq};

/// At most one stored read position per room and socket in this time.
pub const READ_EVERY: Duration = Duration::from_millis(250);

#[derive(Default)]
struct Room {
    /// The position this socket knows is stored.
    stored: Seq,
    /// A higher position waiting for the window to end.
    pending: Option<Seq>,
    /// When this socket last wrote the room's position.
    written: Option<Instant>,
}

/// The read positions of the rooms one socket watches.
#[derive(Default)]
pub struct Reads {
    rooms: HashMap<RoomId, Room>,
    /// Rooms with a pending position: when none, [`Reads::next_due`] answers at once (it is
    /// asked on every wake-up of the socket).
    waiting: usize,
}

impl Reads {
    /// A room is watched, with the user's stored position.
    pub fn watched(&mut self, room: RoomId, stored: Seq) {
        self.rooms.entry(room).or_default().stored = stored;
    }

    /// A room is no longer watched.
    pub fn unwatched(&mut self, room: RoomId) {
        if self
            .rooms
            .remove(&room)
            .is_some_and(|r| r.pending.is_some())
        {
            self.waiting -= 1;
        }
    }

    /// The reader has seen `seq` (already clamped to what the socket was sent). Returns
    /// whether a write is due now; otherwise it waits for [`Reads::due`].
    pub fn offer(&mut self, room: RoomId, seq: Seq, now: Instant) -> bool {
        let Some(r) = self.rooms.get_mut(&room) else {
            return false;
        };
        if seq <= r.stored.max(r.pending.unwrap_or(0)) {
            return false;
        }
        if r.pending.replace(seq).is_none() {
            self.waiting += 1;
        }
        r.written
            .is_none_or(|t| now.duration_since(t) >= READ_EVERY)
    }

    /// The earliest moment a waiting position is due.
    pub fn next_due(&self) -> Option<Instant> {
        if self.waiting == 0 {
            return None;
        }
        self.rooms
            .values()
            .filter(|r| r.pending.is_some())
            .map(|r| r.written.map_or_else(Instant::now, |t| t + READ_EVERY))
            .min()
    }

    /// Takes the positions due at `now`, marking them written.
    pub fn due(&mut self, now: Instant) -> Vec<(RoomId, Seq)> {
        let mut due = Vec::new();
        for (room, r) in &mut self.rooms {
            let ready = r
                .written
                .is_none_or(|t| now.duration_since(t) >= READ_EVERY);
            if let (true, Some(seq)) = (ready, r.pending) {
                r.pending = None;
                self.waiting -= 1;
                r.written = Some(now);
                due.push((*room, seq));
            }
        }
        due
    }

    /// Takes every waiting position, due or not (before a `pong`, and when the socket ends).
    pub fn all_pending(&mut self, now: Instant) -> Vec<(RoomId, Seq)> {
        let mut due = Vec::new();
        for (room, r) in &mut self.rooms {
            if let Some(seq) = r.pending.take() {
                self.waiting -= 1;
                r.written = Some(now);
                due.push((*room, seq));
            }
        }
        due
    }

    /// The store answered: `seq` is now stored for the room.
    pub fn stored(&mut self, room: RoomId, seq: Seq) {
        if let Some(r) = self.rooms.get_mut(&room) {
            r.stored = r.stored.max(seq);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_that_does_not_move_does_nothing() {
        let mut reads = Reads::default();
        let t = Instant::now();
        reads.watched(4, 10);
        assert!(!reads.offer(4, 10, t));
        assert!(!reads.offer(4, 3, t));
        assert!(!reads.offer(9, 30, t), "an unwatched room");
        assert_eq!(reads.next_due(), None);
    }

    #[test]
    fn moving_reads_are_written_at_once_then_coalesced() {
        let mut reads = Reads::default();
        let t = Instant::now();
        reads.watched(4, 0);
        assert!(reads.offer(4, 1, t));
        assert_eq!(reads.due(t), [(4, 1)]);
        reads.stored(4, 1);
        // Twenty more within the window: one write, of the highest, when it ends.
        for seq in 2..=21 {
            assert!(!reads.offer(4, seq, t + Duration::from_millis(10)));
        }
        assert_eq!(reads.next_due(), Some(t + READ_EVERY));
        assert!(reads.due(t + Duration::from_millis(100)).is_empty());
        assert_eq!(reads.due(t + READ_EVERY), [(4, 21)]);
        assert_eq!(reads.next_due(), None);
        // A pong, or the socket's end, takes what waits at once.
        reads.stored(4, 21);
        assert!(!reads.offer(4, 22, t + READ_EVERY));
        assert_eq!(reads.all_pending(t + READ_EVERY), [(4, 22)]);
        assert!(reads.all_pending(t + READ_EVERY).is_empty());
    }
}
