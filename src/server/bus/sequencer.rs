//! The order of one node's deliveries: per watched room, the last `seq` handed to the hub.
//!
//! Rows reach a node from its own writer and, through Redis, from every other node's, in
//! no promised order. A connection sends a room's rows in `seq` order and drops any `seq`
//! not above the last it sent, so the hub must get each room's rows in order, each once:
//! - the next `seq` is delivered (with any held rows that follow it);
//! - an older one is dropped;
//! - a newer one is held: a gap, which the bus fills from the store once it is older than
//!   `bus_gap_wait_ms` (a straggler usually arrives first).
//!
//! A room starts being tracked when it gets its first watcher here ([`Sequencer::begin`]):
//! rows that arrive before the store has told where the room stands are held, then
//! [`Sequencer::start`] sets the mark. No I/O here; `server::bus` does the reading.

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use crate::protocol::{Message, RoomId, Seq};

#[derive(Default)]
struct Track {
    /// The last `seq` delivered; `None` until the store said where the room stands.
    delivered: Option<Seq>,
    held: BTreeMap<Seq, Message>,
    /// Since when the first held row has waited for the row before it.
    gap_since: Option<Instant>,
}

/// What one offered row did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Offered {
    /// Rows to hand to the hub now, in `seq` order.
    pub deliver: Vec<Message>,
    /// The row opened a gap (none was open in its room).
    pub new_gap: bool,
}

#[derive(Default)]
pub struct Sequencer {
    rooms: HashMap<RoomId, Track>,
}

impl Sequencer {
    /// Starts tracking `room` (its mark still unknown). False when it was tracked already.
    pub fn begin(&mut self, room: RoomId) -> bool {
        if self.rooms.contains_key(&room) {
            return false;
        }
        self.rooms.insert(room, Track::default());
        true
    }

    /// The store says `room` stands at `last_seq`: rows up to it are the watchers' catch-up,
    /// so delivery starts after it. Returns the held rows that follow.
    pub fn start(&mut self, room: RoomId, last_seq: Seq, now: Instant) -> Vec<Message> {
        let Some(track) = self.rooms.get_mut(&room) else {
            return Vec::new();
        };
        if track.delivered.is_some() {
            return Vec::new();
        }
        track.delivered = Some(last_seq);
        release(track, now)
    }

    /// Whether `room` is tracked and its mark known.
    pub fn is_started(&self, room: RoomId) -> bool {
        self.rooms.get(&room).is_some_and(|t| t.delivered.is_some())
    }

    /// Whether `room` is tracked (started or not).
    #[cfg(test)]
    pub fn is_tracked(&self, room: RoomId) -> bool {
        self.rooms.contains_key(&room)
    }

    /// Takes in one stored row.
    pub fn offer(&mut self, message: Message, now: Instant) -> Offered {
        let Some(track) = self.rooms.get_mut(&message.room_id) else {
            return Offered::default();
        };
        let Some(delivered) = track.delivered else {
            track.held.insert(message.seq, message);
            return Offered::default();
        };
        if message.seq <= delivered {
            return Offered::default();
        }
        let next = message.seq == delivered + 1;
        track.held.insert(message.seq, message);
        if next {
            return Offered {
                deliver: release(track, now),
                new_gap: false,
            };
        }
        let new_gap = track.gap_since.is_none();
        track.gap_since.get_or_insert(now);
        Offered {
            deliver: Vec::new(),
            new_gap,
        }
    }

    /// Rooms whose gap has waited since before `due`, with the last `seq` delivered: the
    /// store is read after it.
    pub fn gaps_due(&self, due: Instant) -> Vec<(RoomId, Seq)> {
        self.rooms
            .iter()
            .filter_map(|(&room, t)| match (t.delivered, t.gap_since) {
                (Some(d), Some(since)) if since <= due => Some((room, d)),
                _ => None,
            })
            .collect()
    }

    /// Of the rooms' `last_seq` in the store, those ahead of what was delivered, with the
    /// last `seq` delivered.
    pub fn behind(&self, last_seqs: &[(RoomId, Seq)]) -> Vec<(RoomId, Seq)> {
        last_seqs
            .iter()
            .filter_map(|&(room, last)| {
                let delivered = self.rooms.get(&room)?.delivered?;
                (last > delivered).then_some((room, delivered))
            })
            .collect()
    }

    /// The rooms tracked.
    pub fn rooms(&self) -> Vec<RoomId> {
        self.rooms.keys().copied().collect()
    }

    /// Stops tracking `room` (nobody here watches it any more).
    pub fn end(&mut self, room: RoomId) {
        self.rooms.remove(&room);
    }
}

/// Delivers the held rows that follow the mark, in order; restarts the gap clock when rows
/// are still held behind a hole.
fn release(track: &mut Track, now: Instant) -> Vec<Message> {
    let mut out = Vec::new();
    let Some(mut delivered) = track.delivered else {
        return out;
    };
    while let Some(entry) = track.held.first_entry() {
        let seq = *entry.key();
        if seq <= delivered {
            entry.remove();
        } else if seq == delivered + 1 {
            out.push(entry.remove());
            delivered = seq;
        } else {
            break;
        }
    }
    track.delivered = Some(delivered);
    track.gap_since = if track.held.is_empty() {
        None
    } else if out.is_empty() {
        track.gap_since.or(Some(now))
    } else {
        Some(now)
    };
    out
}

#[cfg(test)]
mod tests;
