//! The webhook outbox (`webhook_outbox`): each event is written in the transaction of the
//! change it reports, with its id and body fixed then, so a restart, a crash or a retry
//! never loses one or changes what is sent. `server::webhooks` delivers them.

use sqlx::AnyConnection;

use super::backend::Col;
use super::{json_param, now_ms, Backend, Store, StoreError};
use crate::protocol::{RoomId, Seq, UserId};

/// An event a host hears of. The payload is thin: ids and `seq`, never a body.
pub enum Event<'a> {
    RoomCreated {
        key: &'a str,
        room_id: RoomId,
    },
    MemberAdded {
        key: &'a str,
        room_id: RoomId,
        user: &'a str,
    },
    MemberRemoved {
        key: &'a str,
        room_id: RoomId,
        user: &'a str,
    },
    /// A member reported message `seq` (`by` and `author` are `sub`s, empty when the
    /// person is not the host's user); `open` is the message's open reports now.
    ReportCreated {
        key: &'a str,
        room_id: RoomId,
        seq: Seq,
        by: &'a str,
        author: &'a str,
        reason: &'a str,
        open: i64,
    },
}

/// One delivery due now.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Delivery {
    pub id: i64,
    pub host: String,
    pub event_id: String,
    pub body: String,
    pub attempts: i64,
}

/// Deliveries not yet done, per host, and the age of the oldest (ms).
#[derive(Clone, Debug, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct OutboxBacklog {
    pub host: String,
    pub pending: i64,
    pub failed: i64,
    pub oldest_ms: i64,
}

/// The SQL of a new event's id: `evt_` and 24 random hex digits.
fn event_id(backend: Backend) -> String {
    backend.random_id("evt_")
}

/// Queues one event for `host`, inside the caller's transaction, when the host has a
/// receiver (`hooked`: the hosts with a `webhook_url`).
pub(super) async fn enqueue(
    tx: &mut AnyConnection,
    backend: Backend,
    hooked: &[String],
    host: &str,
    event: &Event<'_>,
) -> Result<(), StoreError> {
    if !hooked.iter().any(|h| h == host) {
        return Ok(());
    }
    let now = now_ms();
    let (kind, data) = match event {
        Event::RoomCreated { key, room_id } => (
            "room.created",
            serde_json::json!({ "room_key": key, "room_id": room_id }),
        ),
        Event::MemberAdded { key, room_id, user } => (
            "member.added",
            serde_json::json!({ "room_key": key, "room_id": room_id, "user": user }),
        ),
        Event::MemberRemoved { key, room_id, user } => (
            "member.removed",
            serde_json::json!({ "room_key": key, "room_id": room_id, "user": user }),
        ),
        Event::ReportCreated {
            key,
            room_id,
            seq,
            by,
            author,
            reason,
            open,
        } => (
            "report.created",
            serde_json::json!({
                "room_key": key, "room_id": room_id, "seq": seq,
                "by": Some(*by).filter(|s| !s.is_empty()),
                "author": Some(*author).filter(|s| !s.is_empty()),
                "reason": reason, "open_reports": open,
            }),
        ),
    };
    let body = serde_json::json!({ "type": kind, "created_at": now, "data": data }).to_string();
    let event_id = event_id(backend);
    sqlx::query(&format!(
        "INSERT INTO webhook_outbox (host, event_id, body, created_at, next_attempt_at)
         VALUES ($1, {event_id}, $2, $3, $4)"
    ))
    .bind(host)
    .bind(body)
    .bind(now)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Queues `message.created` for every new message of a batch that is in a host's room,
/// in the batch's transaction: one statement, whatever the batch (`(room, seq, id,
/// sender)` of each new message).
pub(super) async fn enqueue_messages(
    tx: &mut AnyConnection,
    backend: Backend,
    hooked: &[String],
    stored: &[(RoomId, Seq, i64, UserId)],
) -> Result<(), StoreError> {
    if hooked.is_empty() || stored.is_empty() {
        return Ok(());
    }
    let rows = json_param(stored)?;
    let hosts = json_param(hooked)?;
    let event_id = event_id(backend);
    let object = backend.json_object();
    let body = backend.json_text(&format!(
        "{object}('type', 'message.created', 'created_at', $1, 'data',
            {object}('room_key', hr.key, 'room_id', hr.room_id,
                     'seq', m.seq, 'message_id', m.id, 'from', NULLIF(hu.sub, '')))"
    ));
    let new = backend.tuple_rows(
        "$2",
        &[
            Col::Int("room_id"),
            Col::Int("seq"),
            Col::Int("id"),
            Col::Int("sender"),
        ],
    );
    let hosts_in = backend.text_rows("$3");
    sqlx::query(&format!(
        "INSERT INTO webhook_outbox (host, event_id, body, created_at, next_attempt_at)
         SELECT hr.host, {event_id}, {body}, $1, $1
         FROM {new} m
         JOIN host_rooms hr ON hr.room_id = m.room_id
         LEFT JOIN host_users hu ON hu.user_id = m.sender AND hu.host = hr.host
         WHERE hr.host IN {hosts_in}
         ORDER BY m.room_id, m.seq"
    ))
    .bind(now_ms())
    .bind(rows)
    .bind(hosts)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

impl Store {
    /// Claims up to `limit` deliveries due now, oldest first, of hosts not disabled
    /// (`live`): each is put off until `lease_ms` from now, so that another node's deliverer
    /// (or this one, after a crash) takes it only if this attempt never records its outcome.
    /// On PostgreSQL rows another node is claiming are skipped, not waited for.
    pub async fn due_webhooks(
        &self,
        live: &[String],
        limit: i64,
        lease_ms: i64,
    ) -> Result<Vec<Delivery>, StoreError> {
        let hosts = json_param(live)?;
        let hosts_in = self.backend.text_rows("$2");
        let skip_locked = self.backend.skip_locked();
        let _gate = self.gate().await;
        let now = now_ms();
        let mut due = sqlx::query_as::<_, Delivery>(&format!(
            "UPDATE webhook_outbox SET next_attempt_at = $4
             WHERE id IN (SELECT id FROM webhook_outbox
                          WHERE delivered_at IS NULL AND failed_at IS NULL
                            AND next_attempt_at <= $1 AND host IN {hosts_in}
                          ORDER BY next_attempt_at, id LIMIT $3{skip_locked})
             RETURNING id, host, event_id, body, attempts"
        ))
        .bind(now)
        .bind(hosts)
        .bind(limit)
        .bind(now + lease_ms)
        .fetch_all(&self.pool)
        .await?;
        // RETURNING keeps no order; the outbox's is by id within a claim.
        due.sort_by_key(|d| d.id);
        Ok(due)
    }

    /// When the next delivery of a live host falls due (ms), if any is waiting.
    pub async fn next_webhook_at(&self, live: &[String]) -> Result<Option<i64>, StoreError> {
        let hosts = json_param(live)?;
        let hosts_in = self.backend.text_rows("$1");
        Ok(sqlx::query_scalar(&format!(
            "SELECT MIN(next_attempt_at) FROM webhook_outbox
             WHERE delivered_at IS NULL AND failed_at IS NULL AND host IN {hosts_in}"
        ))
        .bind(hosts)
        .fetch_one(&self.pool)
        .await?)
    }

    /// Records one attempt: delivered, or due again at `retry_at` (ms), or given up (`None`).
    pub async fn webhook_attempted(
        &self,
        id: i64,
        status: Option<u16>,
        outcome: Attempt,
    ) -> Result<(), StoreError> {
        let _gate = self.gate().await;
        let now = now_ms();
        let (delivered, failed, next) = match outcome {
            Attempt::Delivered => (Some(now), None, now),
            Attempt::Retry(at) => (None, None, at),
            Attempt::GiveUp => (None, Some(now), now),
        };
        sqlx::query(
            "UPDATE webhook_outbox SET attempts = attempts + 1, last_status = $1,
                    delivered_at = $2, failed_at = $3, next_attempt_at = $4
             WHERE id = $5",
        )
        .bind(status.map(i64::from))
        .bind(delivered)
        .bind(failed)
        .bind(next)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A receiver answered 410: its host's deliveries wait until its URL is another one.
    pub async fn disable_webhooks(&self, host: &str, url: &str) -> Result<(), StoreError> {
        let _gate = self.gate().await;
        sqlx::query(
            "INSERT INTO webhook_disabled (host, url, disabled_at) VALUES ($1, $2, $3)
             ON CONFLICT (host) DO UPDATE SET url = excluded.url,
                                              disabled_at = excluded.disabled_at",
        )
        .bind(host)
        .bind(url)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The hosts disabled by a 410, with the URL that answered it.
    pub async fn disabled_webhooks(&self) -> Result<Vec<(String, String)>, StoreError> {
        Ok(sqlx::query_as("SELECT host, url FROM webhook_disabled")
            .fetch_all(&self.pool)
            .await?)
    }

    /// Enables a host's deliveries again (its URL changed).
    pub async fn enable_webhooks(&self, host: &str) -> Result<(), StoreError> {
        let _gate = self.gate().await;
        sqlx::query("DELETE FROM webhook_disabled WHERE host = $1")
            .bind(host)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// What the outbox holds, per host (for `/metrics`).
    pub async fn webhook_backlog(&self) -> Result<Vec<OutboxBacklog>, StoreError> {
        Ok(sqlx::query_as::<_, OutboxBacklog>(
            "SELECT host,
                    SUM(CASE WHEN delivered_at IS NULL AND failed_at IS NULL THEN 1 ELSE 0 END)
                        AS pending,
                    SUM(CASE WHEN failed_at IS NOT NULL THEN 1 ELSE 0 END) AS failed,
                    COALESCE($1 - MIN(CASE WHEN delivered_at IS NULL AND failed_at IS NULL
                                          THEN created_at END), 0) AS oldest_ms
             FROM webhook_outbox GROUP BY host ORDER BY host",
        )
        .bind(now_ms())
        .fetch_all(&self.pool)
        .await?)
    }
}

/// What became of one delivery attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attempt {
    Delivered,
    /// Due again at this time (ms).
    Retry(i64),
    /// Attempts exhausted: kept, marked failed.
    GiveUp,
}

impl Store {
    /// Deletes deliveries done more than `keep_ms` ago. Returns how many went.
    pub async fn purge_webhooks(&self, keep_ms: i64) -> Result<u64, StoreError> {
        let _gate = self.gate().await;
        let done = sqlx::query("DELETE FROM webhook_outbox WHERE delivered_at < $1")
            .bind(now_ms() - keep_ms)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}
