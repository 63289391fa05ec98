//! This node's presence, told to the others; theirs, expired when they go quiet.

use std::sync::Weak;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::{BusFrame, Remote};
use crate::protocol::RoomId;

/// Publishes this node's presence: each change at once, every room with someone present
/// every `every`; forgets other nodes not heard from for three periods.
pub(super) async fn share_presence(
    remote: Weak<Remote>,
    mut feed: mpsc::UnboundedReceiver<RoomId>,
    every: Duration,
) {
    let mut tick = tokio::time::interval(every);
    loop {
        tokio::select! {
            changed = feed.recv() => {
                let (Some(room), Some(r)) = (changed, remote.upgrade()) else {
                    return;
                };
                let users = r.hub.local_presence(room);
                r.send(BusFrame::Presence { room, users });
            }
            _ = tick.tick() => {
                let Some(r) = remote.upgrade() else {
                    return;
                };
                for (room, users) in r.hub.local_presence_all() {
                    r.send(BusFrame::Presence { room, users });
                }
                if let Some(before) = Instant::now().checked_sub(every * 3) {
                    r.hub.expire_remote_presence(before);
                }
            }
        }
    }
}
