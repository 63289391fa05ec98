//! Liveness: a node's probes to itself, which tell a subscription that stopped delivering.

use std::sync::atomic::Ordering;
use std::sync::Weak;
use std::time::Duration;

use super::{BusFrame, Remote};

/// Publishes a numbered probe to itself every `every`; three unanswered and the
/// subscription is dropped and made again (and the node is not ready meanwhile).
pub(super) async fn probe(remote: Weak<Remote>, every: Duration) {
    loop {
        tokio::time::sleep(every).await;
        let Some(r) = remote.upgrade() else {
            return;
        };
        let n = r.probes_sent.load(Ordering::Acquire) + 1;
        // A probe the full queue refused says publishing is overloaded, not that the
        // subscription is dead: it is not counted.
        if !r.send(BusFrame::Probe { n }) {
            continue;
        }
        r.probes_sent.store(n, Ordering::Release);
        let seen = r.probes_seen.load(Ordering::Acquire);
        if r.subscribed.load(Ordering::Acquire) && n.saturating_sub(seen) > 3 {
            tracing::warn!(node = %r.node, "bus: liveness probes did not come back; subscribing again");
            r.metrics.bus_probes_missed.inc();
            r.subscribed.store(false, Ordering::Release);
            r.metrics.bus_connected.set(0);
            r.reconcile_now("probe_missed");
            // Wakes the subscriber if it is waiting, and leaves no permit behind that would
            // tear down the next subscription at once.
            r.resubscribe.notify_waiters();
        }
    }
}
