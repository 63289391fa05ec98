//! Order on one node: rows from every source through the sequencer to the hub, gaps and
//! quiet rooms filled from the store (see the module above).

use std::sync::{Arc, PoisonError, Weak};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use std::collections::HashSet;

use super::{Remote, BACKFILL_PAGE};
use crate::protocol::{Message, RoomId, UserId};

impl Remote {
    /// Rows (from the writer, the bus or the store) through the sequencer to the hub. The
    /// hub is called under the sequencer's lock, so two sources never hand it one room's
    /// rows out of order.
    pub(super) fn offer(&self, rows: impl IntoIterator<Item = Message>) {
        let now = Instant::now();
        let mut order = self.lock_order();
        for row in rows {
            let offered = order.offer(row, now);
            if offered.new_gap {
                self.metrics.bus_gaps.inc();
            }
            for message in &offered.deliver {
                self.hub.publish_message(message);
            }
        }
    }

    /// Reads `room`'s rows after `from` from the store and offers them.
    async fn backfill(&self, room: RoomId, mut from: i64) {
        loop {
            match self.store.after(room, from, BACKFILL_PAGE).await {
                Ok(rows) => {
                    let n = rows.len();
                    self.metrics.bus_backfilled.inc_by(n as u64);
                    from = rows.last().map_or(from, |m| m.seq);
                    self.offer(rows);
                    if n < BACKFILL_PAGE as usize {
                        return;
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, room, "bus: a gap not read from the store yet");
                    return;
                }
            }
        }
    }

    /// Compares every watched room with the store and fetches what was missed; forgets the
    /// rooms nobody here watches any more.
    async fn reconcile(&self, reason: &'static str) {
        self.metrics.reconciled(reason);
        if reason != "periodic" {
            self.recheck_watchers().await;
        }
        let rooms = {
            let mut order = self.lock_order();
            for room in order.rooms() {
                if !self.hub.is_watched(room) {
                    order.end(room);
                }
            }
            order.rooms()
        };
        if rooms.is_empty() {
            return;
        }
        let last_seqs = match self.store.last_seqs(&rooms).await {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(error = %e, "bus: reconciliation could not read the store");
                return;
            }
        };
        let behind = self.lock_order().behind(&last_seqs);
        for (room, from) in behind {
            self.backfill(room, from).await;
        }
    }
}

impl Remote {
    /// After the bus may have lost frames (a disconnect, a resubscription, a missed probe):
    /// a removal from a room or a sign-out on another node may be among them, so every
    /// socket here is checked against the store, and those that lost their room or their
    /// session are told now, as the lost frame would have.
    async fn recheck_watchers(&self) {
        let pairs = self.hub.watching_pairs();
        if !pairs.is_empty() {
            match self.store.memberships_among(&pairs).await {
                Ok(kept) => {
                    let kept: HashSet<(RoomId, UserId)> = kept.into_iter().collect();
                    for (room, user) in pairs.into_iter().filter(|p| !kept.contains(p)) {
                        self.hub.remove_member(room, user);
                    }
                }
                Err(e) => tracing::warn!(error = %e, "bus: memberships not checked"),
            }
        }
        let sessions = self.hub.session_ids();
        if !sessions.is_empty() {
            match self.store.live_sessions(&sessions).await {
                Ok(live) => {
                    let live: HashSet<i64> = live.into_iter().collect();
                    for session in sessions.into_iter().filter(|s| !live.contains(s)) {
                        self.hub.end_session(session);
                    }
                }
                Err(e) => tracing::warn!(error = %e, "bus: sessions not checked"),
            }
        }
    }
}

/// Fills gaps once they are `bus_gap_wait_ms` old, and reconciles every
/// `bus_reconcile_ms` or when woken.
pub(super) async fn keep_order(remote: Weak<Remote>, woken: Arc<Notify>) {
    let Some(r) = remote.upgrade() else {
        return;
    };
    let (gap_wait, every) = (r.gap_wait, r.reconcile_every);
    drop(r);
    let step = (gap_wait / 2).max(Duration::from_millis(5));
    let mut last = Instant::now();
    loop {
        let forced = tokio::select! {
            () = tokio::time::sleep(step) => false,
            () = woken.notified() => true,
        };
        let Some(r) = remote.upgrade() else {
            return;
        };
        let now = Instant::now();
        let due = r.lock_order().gaps_due(now - gap_wait);
        for (room, from) in due {
            r.backfill(room, from).await;
        }
        if forced || now.duration_since(last) >= every {
            let reason = if forced {
                *r.reason.lock().unwrap_or_else(PoisonError::into_inner)
            } else {
                "periodic"
            };
            r.reconcile(reason).await;
            last = Instant::now();
        }
    }
}
