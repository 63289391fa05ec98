//! Prometheus metrics (`prometheus-client`), served as text at `GET /metrics` on the
//! operators' listener (`metrics_listen`). Counters are bumped where things happen; gauges
//! that describe current state (connections, rooms, WAL size, tasks) are read when scraped.
//! Every series, labelled ones included, is exported from the start at zero, so a dashboard
//! can tell 0 from "not exported". Every name is listed in `docs/protocol.md`.

use std::sync::atomic::AtomicU64;

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

use crate::protocol::ResetReason;

/// What the gauges show, read when `/metrics` is scraped (from the hub and the store, which
/// this module does not know).
pub struct Gauges {
    pub connections: usize,
    pub users: usize,
    pub rooms_watched: usize,
    pub wal_bytes: u64,
    /// The webhook outbox, per host.
    pub webhooks: Vec<WebhookBacklog>,
}

/// One host's webhook outbox, as scraped.
pub struct WebhookBacklog {
    pub host: String,
    /// Deliveries not yet done (retrying, or waiting for a disabled endpoint).
    pub pending: i64,
    /// Deliveries given up after `webhook_max_attempts`.
    pub failed: i64,
    /// Age of the oldest pending delivery.
    pub oldest_seconds: i64,
}

type HostLabels = Vec<(&'static str, String)>;

/// One label, such as `limit="messages"`.
type Label = [(&'static str, &'static str); 1];

/// Which limit turned something away.
#[derive(Clone, Copy, Debug)]
pub enum Limit {
    /// `messages_per_second` / `message_burst`.
    Messages,
    /// `sign_in_per_minute`.
    SignIn,
    /// `sign_ups_per_hour`.
    SignUp,
    /// `connections_per_user`.
    Connections,
    /// `frames_per_second`.
    Frames,
    /// `rooms_per_hour`.
    Rooms,
    /// `searches_per_second`.
    Searches,
}

/// Every metric Parlor exports. Shared as `Arc<Metrics>`; bumping one is an atomic add.
pub struct Metrics {
    registry: Registry,
    /// `send` frames received.
    pub messages_in: Counter,
    /// Messages committed to the store.
    pub messages_stored: Counter,
    /// `message` frames written to sockets.
    pub messages_out: Counter,
    /// `ack` frames sent.
    pub acks: Counter,
    /// Sockets closed with 4008 because their outbound queue overflowed.
    pub queue_overflows: Counter,
    resets: Family<Label, Counter>,
    rate_limited: Family<Label, Counter>,
    /// Commits that failed (each answered with `store_unavailable`).
    pub commit_failures: Counter,
    /// Messages per group commit.
    pub commit_batch: Histogram,
    /// Seconds per group commit, `BEGIN` to `COMMIT`.
    pub commit_seconds: Histogram,
    connections: Gauge,
    users: Gauge,
    rooms_watched: Gauge,
    wal_bytes: Gauge<u64, AtomicU64>,
    tasks: Gauge,
    webhook_attempts: Family<HostLabels, Counter>,
    webhook_pending: Family<HostLabels, Gauge>,
    webhook_failed: Family<HostLabels, Gauge>,
    webhook_oldest: Family<HostLabels, Gauge>,
    /// 1 while this node's bus subscription is live (0 without a bus, or while it is down).
    pub bus_connected: Gauge,
    /// Frames the bus could not publish (queue full, Redis unreachable); a stored row among
    /// them reaches other nodes by reconciliation.
    pub bus_publish_failures: Counter,
    /// Gaps in a room's seqs seen on the bus (each later filled from the store).
    pub bus_gaps: Counter,
    /// Rows read from the store to fill gaps or catch up after a reconciliation.
    pub bus_backfilled: Counter,
    bus_reconciliations: Family<Label, Counter>,
    /// Liveness probes that did not come back (each resubscribes).
    pub bus_probes_missed: Counter,
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut m = Metrics {
            registry: Registry::with_prefix("parlor"),
            messages_in: Counter::default(),
            messages_stored: Counter::default(),
            messages_out: Counter::default(),
            acks: Counter::default(),
            queue_overflows: Counter::default(),
            resets: Family::default(),
            rate_limited: Family::default(),
            commit_failures: Counter::default(),
            // 1, 2, 4 … 512 messages.
            commit_batch: Histogram::new(exponential_buckets(1.0, 2.0, 10)),
            // 100 µs … about 3.3 s.
            commit_seconds: Histogram::new(exponential_buckets(0.0001, 2.0, 16)),
            connections: Gauge::default(),
            users: Gauge::default(),
            rooms_watched: Gauge::default(),
            wal_bytes: Gauge::default(),
            tasks: Gauge::default(),
            webhook_attempts: Family::default(),
            webhook_pending: Family::default(),
            webhook_failed: Family::default(),
            webhook_oldest: Family::default(),
            bus_connected: Gauge::default(),
            bus_publish_failures: Counter::default(),
            bus_gaps: Counter::default(),
            bus_backfilled: Counter::default(),
            bus_reconciliations: Family::default(),
            bus_probes_missed: Counter::default(),
        };
        let r = &mut m.registry;
        r.register("messages_in", "send frames received", m.messages_in.clone());
        r.register(
            "messages_stored",
            "messages committed",
            m.messages_stored.clone(),
        );
        r.register(
            "messages_out",
            "message frames written to sockets",
            m.messages_out.clone(),
        );
        r.register("acks", "acks sent", m.acks.clone());
        r.register(
            "queue_overflows",
            "sockets closed with 4008 (outbound queue full)",
            m.queue_overflows.clone(),
        );
        r.register("resets", "reset frames sent, by reason", m.resets.clone());
        r.register(
            "rate_limited",
            "requests refused by a limit",
            m.rate_limited.clone(),
        );
        r.register(
            "commit_failures",
            "group commits that failed",
            m.commit_failures.clone(),
        );
        r.register(
            "commit_batch_size",
            "messages per group commit",
            m.commit_batch.clone(),
        );
        r.register(
            "commit_seconds",
            "time per group commit",
            m.commit_seconds.clone(),
        );
        r.register("connections", "open sockets", m.connections.clone());
        r.register(
            "users_connected",
            "users with an open socket",
            m.users.clone(),
        );
        r.register(
            "rooms_watched",
            "rooms with a watching socket",
            m.rooms_watched.clone(),
        );
        r.register(
            "wal_bytes",
            "size of the SQLite write-ahead log",
            m.wal_bytes.clone(),
        );
        r.register("tasks", "tokio tasks alive", m.tasks.clone());
        r.register(
            "webhook_attempts",
            "webhook delivery attempts, by host and outcome (delivered, failed, gone)",
            m.webhook_attempts.clone(),
        );
        r.register(
            "webhook_outbox_pending",
            "webhook deliveries not yet done, by host",
            m.webhook_pending.clone(),
        );
        r.register(
            "webhook_outbox_failed",
            "webhook deliveries given up after webhook_max_attempts, by host",
            m.webhook_failed.clone(),
        );
        r.register(
            "webhook_outbox_oldest_seconds",
            "age of the oldest pending webhook delivery, by host",
            m.webhook_oldest.clone(),
        );
        r.register(
            "bus_connected",
            "1 while the bus subscription is live",
            m.bus_connected.clone(),
        );
        r.register(
            "bus_publish_failures",
            "frames the bus could not publish",
            m.bus_publish_failures.clone(),
        );
        r.register(
            "bus_gaps",
            "gaps in seqs seen on the bus",
            m.bus_gaps.clone(),
        );
        r.register(
            "bus_backfilled",
            "rows read from the store to fill bus gaps",
            m.bus_backfilled.clone(),
        );
        r.register(
            "bus_reconciliations",
            "reconciliations of watched rooms against the store, by reason",
            m.bus_reconciliations.clone(),
        );
        r.register(
            "bus_probes_missed",
            "bus liveness probes that did not come back",
            m.bus_probes_missed.clone(),
        );
        for reason in ["periodic", "resubscribed", "disconnected", "probe_missed"] {
            drop(m.bus_reconciliations.get_or_create(&[("reason", reason)]));
        }
        for reason in [
            ResetReason::EpochChanged,
            ResetReason::GapTooLarge,
            ResetReason::AheadOfRoom,
            ResetReason::NotMember,
        ] {
            drop(m.resets.get_or_create(&[("reason", reason_label(reason))]));
        }
        for limit in Limit::ALL {
            drop(m.rate_limited.get_or_create(&[("limit", limit.label())]));
        }
        m
    }

    /// A `reset` frame was sent.
    pub fn reset(&self, reason: ResetReason) {
        self.resets
            .get_or_create(&[("reason", reason_label(reason))])
            .inc();
    }

    /// One webhook attempt for `host`: `delivered`, `failed` (to be retried or given up) or
    /// `gone` (410: the endpoint is disabled).
    pub fn webhook_attempt(&self, host: &str, outcome: &'static str) {
        self.webhook_attempts
            .get_or_create(&vec![
                ("host", host.to_owned()),
                ("outcome", outcome.into()),
            ])
            .inc();
    }

    /// Exports a host's webhook series at zero from the start.
    pub fn webhook_host(&self, host: &str) {
        for outcome in ["delivered", "failed", "gone"] {
            drop(self.webhook_attempts.get_or_create(&vec![
                ("host", host.to_owned()),
                ("outcome", outcome.into()),
            ]));
        }
        let labels = vec![("host", host.to_owned())];
        drop(self.webhook_pending.get_or_create(&labels));
        drop(self.webhook_failed.get_or_create(&labels));
        drop(self.webhook_oldest.get_or_create(&labels));
    }

    /// A reconciliation ran: `periodic`, `resubscribed`, `disconnected` or `probe_missed`.
    pub fn reconciled(&self, reason: &'static str) {
        self.bus_reconciliations
            .get_or_create(&[("reason", reason)])
            .inc();
    }

    /// A limit turned a request away.
    pub fn limited(&self, limit: Limit) {
        self.rate_limited
            .get_or_create(&[("limit", limit.label())])
            .inc();
    }

    /// The text exposition, with the state gauges as read now by the caller.
    pub fn render(&self, now: Gauges) -> Result<String, std::fmt::Error> {
        self.connections.set(gauge_value(now.connections));
        self.users.set(gauge_value(now.users));
        self.rooms_watched.set(gauge_value(now.rooms_watched));
        self.wal_bytes.set(now.wal_bytes);
        for backlog in now.webhooks {
            let host = vec![("host", backlog.host)];
            self.webhook_pending
                .get_or_create(&host)
                .set(backlog.pending);
            self.webhook_failed.get_or_create(&host).set(backlog.failed);
            self.webhook_oldest
                .get_or_create(&host)
                .set(backlog.oldest_seconds);
        }
        let tasks = tokio::runtime::Handle::current()
            .metrics()
            .num_alive_tasks();
        self.tasks.set(gauge_value(tasks));
        let mut text = String::new();
        encode(&mut text, &self.registry)?;
        Ok(text)
    }
}

impl Limit {
    const ALL: [Limit; 7] = [
        Limit::Messages,
        Limit::SignIn,
        Limit::SignUp,
        Limit::Connections,
        Limit::Frames,
        Limit::Rooms,
        Limit::Searches,
    ];

    fn label(self) -> &'static str {
        match self {
            Limit::Messages => "messages",
            Limit::SignIn => "sign_in",
            Limit::SignUp => "sign_up",
            Limit::Connections => "connections",
            Limit::Frames => "frames",
            Limit::Rooms => "rooms",
            Limit::Searches => "searches",
        }
    }
}

fn reason_label(reason: ResetReason) -> &'static str {
    match reason {
        ResetReason::EpochChanged => "epoch_changed",
        ResetReason::GapTooLarge => "gap_too_large",
        ResetReason::AheadOfRoom => "ahead_of_room",
        ResetReason::NotMember => "not_member",
    }
}

fn gauge_value(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}
