//! The bus: what a node's hub must hear from the other nodes, carried by Redis pub/sub.
//!
//! With one node there is no bus (`redis_url` empty): [`Bus`] hands everything straight to
//! the hub. With several, each node's writer still commits to the one store (PostgreSQL),
//! and then:
//! - **rows** it stored go to its own hub through the [`sequencer`] and are published to
//!   the room's channel. A failed publish never fails the send: the row is stored and
//!   acked, and reaches the other nodes by reconciliation;
//! - a receiving node delivers, per watched room, only the next `seq`; an older one is
//!   dropped, a newer one is held, and after `bus_gap_wait_ms` the gap is read from the
//!   store;
//! - **reconciliation** compares each watched room's `last_seq` in the store with what was
//!   delivered, every `bus_reconcile_ms` and at once after a disconnect, a resubscription
//!   or a liveness probe that did not come back. So delivery never stops silently: a lost
//!   publish, or the last message of a quiet room, arrives within a reconciliation;
//! - **probes:** every `bus_probe_ms` a node publishes a numbered probe to itself; three
//!   unanswered periods and it drops the subscription and subscribes again. `/readyz`
//!   fails while the subscription is down;
//! - typing, read markers, removals from a room and sign-outs are passed on to the hubs of
//!   the other nodes; presence is the union of every node's, refreshed every
//!   `presence_refresh_ms` and forgotten after three refreshes missed (a dead node).
//!
//! Order is decided by `seq` alone; Redis only carries, and losing what it carries costs
//! latency (a reconciliation), never a message.

mod frames;
mod order;
mod presence;
mod probe;
mod redis;
mod sequencer;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, Notify};

pub use frames::{BusFrame, Envelope};
use sequencer::Sequencer;

use super::config::Config;
use super::hub::Hub;
use super::metrics::Metrics;
use super::store::{Store, StoreError};
use crate::protocol::{Message, RoomId, ServerFrame, UserId};

/// Frames waiting to be published; more are dropped (and counted) rather than block a sender.
const OUT_QUEUE: usize = 16 * 1024;
/// Rows per store read when a gap is filled.
const BACKFILL_PAGE: i64 = 1000;

/// Why the bus could not start.
#[derive(Debug, thiserror::Error)]
#[error("redis_url: {0}")]
pub struct BusError(#[from] ::redis::RedisError);

/// The node's side of the bus; cheap to clone.
#[derive(Clone)]
pub struct Bus {
    hub: Arc<Hub>,
    remote: Option<Arc<Remote>>,
}

struct Remote {
    node: String,
    prefix: String,
    hub: Arc<Hub>,
    store: Store,
    metrics: Arc<Metrics>,
    out: mpsc::Sender<(String, String)>,
    order: Mutex<Sequencer>,
    subscribed: AtomicBool,
    probes_sent: AtomicU64,
    probes_seen: AtomicU64,
    /// Wakes the order task for a reconciliation now (its reason in `reason`).
    reconcile: Arc<Notify>,
    reason: Mutex<&'static str>,
    /// Asks the subscriber to drop its connection and subscribe again.
    resubscribe: Arc<Notify>,
    gap_wait: Duration,
    reconcile_every: Duration,
}

impl Bus {
    /// One node: everything goes straight to the hub.
    pub fn local(hub: Arc<Hub>) -> Bus {
        Bus { hub, remote: None }
    }

    /// The bus `redis_url` names (or [`Bus::local`] when it is empty), with its tasks
    /// started. Redis need not be up yet: the node subscribes when it can, and says it is
    /// not ready until then.
    pub fn start(
        config: &Config,
        store: Store,
        hub: Arc<Hub>,
        metrics: Arc<Metrics>,
    ) -> Result<Bus, BusError> {
        if config.redis_url.is_empty() {
            return Ok(Bus::local(hub));
        }
        let client = ::redis::Client::open(config.redis_url.as_str())?;
        let node = if config.node_id.is_empty() {
            format!("node-{}", random_suffix())
        } else {
            config.node_id.clone()
        };
        let (out, queued) = mpsc::channel(OUT_QUEUE);
        let remote = Arc::new(Remote {
            node,
            prefix: config.bus_prefix.clone(),
            hub: hub.clone(),
            store,
            metrics: metrics.clone(),
            out,
            order: Mutex::default(),
            subscribed: AtomicBool::new(false),
            probes_sent: AtomicU64::new(0),
            probes_seen: AtomicU64::new(0),
            reconcile: Arc::new(Notify::new()),
            reason: Mutex::new("periodic"),
            resubscribe: Arc::new(Notify::new()),
            gap_wait: Duration::from_millis(config.bus_gap_wait_ms.max(1)),
            reconcile_every: Duration::from_millis(config.bus_reconcile_ms.max(10)),
        });
        tracing::info!(node = %remote.node, "bus: joining the other nodes through Redis");
        let presence_every = Duration::from_millis(config.presence_refresh_ms.max(10));
        let probe_every = Duration::from_millis(config.bus_probe_ms.max(10));
        let feed = hub.presence_feed();
        tokio::spawn(redis::publish(client.clone(), metrics, queued));
        tokio::spawn(redis::subscribe(client, Arc::downgrade(&remote)));
        tokio::spawn(order::keep_order(
            Arc::downgrade(&remote),
            remote.reconcile.clone(),
        ));
        tokio::spawn(probe::probe(Arc::downgrade(&remote), probe_every));
        tokio::spawn(presence::share_presence(
            Arc::downgrade(&remote),
            feed,
            presence_every,
        ));
        Ok(Bus {
            hub,
            remote: Some(remote),
        })
    }

    /// This node's name on the bus (`None` with one node).
    pub fn node(&self) -> Option<&str> {
        self.remote.as_deref().map(|r| r.node.as_str())
    }

    /// Whether this node hears the others: always with one node; with a bus, while its
    /// subscription is live and its probes come back.
    pub fn ready(&self) -> bool {
        self.remote
            .as_ref()
            .is_none_or(|r| r.subscribed.load(Ordering::Acquire))
    }

    /// A row this node's writer committed: to the watchers here, and to the other nodes.
    pub fn stored(&self, message: &Message) {
        match &self.remote {
            None => self.hub.publish_message(message),
            Some(r) => {
                r.offer([message.clone()]);
                r.send(BusFrame::Row {
                    message: message.clone(),
                });
            }
        }
    }

    /// A frame outside the sequence (typing) for every watcher of the room, on every node.
    pub fn ephemeral(&self, room: RoomId, frame: &ServerFrame) {
        self.hub.publish_ephemeral(room, frame);
        if let Some(r) = &self.remote {
            r.send(BusFrame::Ephemeral {
                room,
                frame: frame.clone(),
            });
        }
    }

    /// A read marker (see `Hub::publish_read_marker`), on every node.
    pub fn read_marker(&self, room: RoomId, reader: UserId, direct: bool, frame: &ServerFrame) {
        self.hub.publish_read_marker(room, reader, direct, frame);
        if let Some(r) = &self.remote {
            r.send(BusFrame::ReadMarker {
                room,
                reader,
                direct,
                frame: frame.clone(),
            });
        }
    }

    /// A member left or was removed: their sockets on every node lose the room.
    pub fn remove_member(&self, room: RoomId, user: UserId) {
        self.hub.remove_member(room, user);
        if let Some(r) = &self.remote {
            r.send(BusFrame::RemoveMember { room, user });
        }
    }

    /// A session was signed out: its sockets on every node close (4001).
    pub fn end_session(&self, session: i64) {
        self.hub.end_session(session);
        if let Some(r) = &self.remote {
            r.send(BusFrame::EndSession { session });
        }
    }

    /// Called when a socket here starts watching `room` (after `Hub::watch`, before its
    /// catch-up reads the store): the room's rows from the bus are delivered from where
    /// the store stands now, so none falls between the catch-up and the live stream.
    pub async fn track(&self, room: RoomId) -> Result<(), StoreError> {
        let Some(r) = &self.remote else {
            return Ok(());
        };
        if r.lock_order().is_started(room) {
            return Ok(());
        }
        // A room this node starts watching (again: the one watcher is this socket) asks the
        // other nodes who is present there.
        if r.lock_order().begin(room) || r.hub.watcher_count(room) == 1 {
            r.send(BusFrame::PresenceQuery { room });
        }
        // Every concurrent first watcher reads; the first to come back sets the mark, which
        // is then no later than any of their catch-ups.
        let last = r.store.last_seq(room).await?;
        let mut order = r.lock_order();
        let rows = order.start(room, last, Instant::now());
        for row in &rows {
            r.hub.publish_message(row);
        }
        Ok(())
    }
}

impl Remote {
    fn lock_order(&self) -> MutexGuard<'_, Sequencer> {
        self.order.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Publishes a frame (queued; a full queue drops it, counted). Whether it was queued.
    fn send(&self, frame: BusFrame) -> bool {
        let channel = format!("{}{}", self.prefix, frame.channel(&self.node));
        let envelope = Envelope {
            node: self.node.clone(),
            frame,
        };
        let Ok(payload) = serde_json::to_string(&envelope) else {
            return false;
        };
        let queued = self.out.try_send((channel, payload)).is_ok();
        if !queued {
            self.metrics.bus_publish_failures.inc();
        }
        queued
    }

    /// A frame from the bus.
    fn received(&self, payload: &[u8]) {
        let envelope: Envelope = match serde_json::from_slice(payload) {
            Ok(e) => e,
            Err(e) => {
                tracing::warn!(error = %e, "bus: a frame that does not parse, ignored");
                return;
            }
        };
        if envelope.node == self.node {
            if let BusFrame::Probe { n } = envelope.frame {
                self.probes_seen.fetch_max(n, Ordering::AcqRel);
            }
            return;
        }
        let hub = &self.hub;
        match envelope.frame {
            BusFrame::Row { message } => self.offer([message]),
            BusFrame::Ephemeral { room, frame } => hub.publish_ephemeral(room, &frame),
            BusFrame::ReadMarker {
                room,
                reader,
                direct,
                frame,
            } => hub.publish_read_marker(room, reader, direct, &frame),
            BusFrame::RemoveMember { room, user } => hub.remove_member(room, user),
            BusFrame::EndSession { session } => hub.end_session(session),
            BusFrame::Presence { room, users } => {
                hub.set_remote_presence(&envelope.node, room, users);
            }
            BusFrame::PresenceQuery { room } => {
                let users = hub.local_presence(room);
                if !users.is_empty() {
                    self.send(BusFrame::Presence { room, users });
                }
            }
            BusFrame::Probe { .. } => {}
        }
    }

    /// The subscription came up or went down: readiness, the gauge, and a reconciliation.
    fn set_subscribed(&self, live: bool) {
        self.subscribed.store(live, Ordering::Release);
        self.metrics.bus_connected.set(i64::from(live));
        if live {
            // Probes sent while it was down are lost; count from here.
            let sent = self.probes_sent.load(Ordering::Acquire);
            self.probes_seen.fetch_max(sent, Ordering::AcqRel);
        }
        self.reconcile_now(if live { "resubscribed" } else { "disconnected" });
    }

    fn reconcile_now(&self, reason: &'static str) {
        *self.reason.lock().unwrap_or_else(PoisonError::into_inner) = reason;
        self.reconcile.notify_one();
    }
}

/// A random name for a node started without `node_id`.
fn random_suffix() -> String {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    format!("{:08x}", OsRng.next_u32())
}
