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
        let n = r.probes_sent.fetch_add(1, Ordering::AcqRel) + 1;
        r.send(BusFrame::Probe { n });
        let seen = r.probes_seen.load(Ordering::Acquire);
        if r.subscribed.load(Ordering::Acquire) && n.saturating_sub(seen) > 3 {
            tracing::warn!(node = %r.node, "bus: liveness probes did not come back; subscribing again");
            r.metrics.bus_probes_missed.inc();
            r.subscribed.store(false, Ordering::Release);
            r.metrics.bus_connected.set(0);
            r.reconcile_now("probe_missed");
            r.resubscribe.notify_one();
        }
    }
}
