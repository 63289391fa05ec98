//! Webhook delivery: one task that POSTs the outbox's events to each host's `webhook_url`,
//! signed as Standard Webhooks do it.
//!
//! - The events are written by the store in the transaction of their change
//!   (`store::webhooks`), so this task only ever reads what is committed; it is woken when
//!   something was written, and otherwise looks again when the next retry falls due.
//! - A 2xx answer delivers an event. Anything else, or no answer within
//!   `webhook_timeout_ms`, is retried after about 1 s, 2 s, 4 s… (at most an hour), each
//!   wait drawn between half and one and a half times that, so that receivers coming back
//!   are not hit by every sender at once; after `webhook_max_attempts` it is given up
//!   (kept, counted in `/metrics`).
//! - 410 Gone disables the host's endpoint: its events wait, kept, until the configured
//!   `webhook_url` is another one.
//! - Every attempt of an event sends the same body under the same `webhook-id`; only
//!   `webhook-timestamp` and the signature are the attempt's own.
//!
//! - [`sign`]: the signature.

pub mod sign;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

use super::config::{Config, HostConfig};
use super::metrics::Metrics;
use super::store::{now_ms, Attempt, Delivery, Store};

/// Deliveries attempted at once.
const BATCH: i64 = 32;
/// First retry delay, doubled per attempt up to [`MAX_DELAY_MS`].
const FIRST_DELAY_MS: i64 = 1_000;
const MAX_DELAY_MS: i64 = 60 * 60 * 1000;
/// Longest sleep without a wake-up (a retry due sooner is looked for again then).
const IDLE_LOOK_MS: i64 = 30_000;

/// A handle on the delivery task; cheap to clone. [`Webhooks::wake`] after writing events.
#[derive(Clone, Default)]
pub struct Webhooks {
    wake: Arc<Notify>,
}

impl Webhooks {
    /// Starts the delivery task when a host has a `webhook_url`. It ends with the process.
    pub fn start(config: &Config, store: Store, metrics: Arc<Metrics>) -> Webhooks {
        let handle = Webhooks::default();
        let hosts: Vec<HostConfig> = config
            .hosts
            .iter()
            .filter(|h| !h.webhook_url.is_empty())
            .cloned()
            .collect();
        if hosts.is_empty() {
            return handle;
        }
        for host in &hosts {
            metrics.webhook_host(&host.id);
        }
        let client = reqwest::Client::builder()
            .timeout(Duration::from_millis(config.webhook_timeout_ms))
            .redirect(reqwest::redirect::Policy::none())
            .build();
        let client = match client {
            Ok(client) => client,
            Err(e) => {
                tracing::error!(error = %e, "webhooks not started: no HTTP client");
                return handle;
            }
        };
        let task = Deliverer {
            store,
            metrics,
            client,
            hosts,
            max_attempts: i64::from(config.webhook_max_attempts.max(1)),
            timeout: Duration::from_millis(config.webhook_timeout_ms),
            wake: handle.wake.clone(),
        };
        tokio::spawn(task.run());
        handle
    }

    /// Something was written to the outbox: look now.
    pub fn wake(&self) {
        self.wake.notify_one();
    }
}

struct Deliverer {
    store: Store,
    metrics: Arc<Metrics>,
    client: reqwest::Client,
    hosts: Vec<HostConfig>,
    max_attempts: i64,
    /// A receiver's time to answer (`webhook_timeout_ms`).
    timeout: Duration,
    wake: Arc<Notify>,
}

impl Deliverer {
    async fn run(self) {
        loop {
            let live = match self.live_hosts().await {
                Ok(live) => live,
                Err(e) => {
                    tracing::warn!(error = %e, "webhook outbox not read");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            };
            let due = self.store.due_webhooks(&live, BATCH, self.lease_ms()).await;
            match due {
                Ok(due) if !due.is_empty() => {
                    let attempts = due.into_iter().map(|d| self.attempt(d));
                    futures_util::future::join_all(attempts).await;
                    continue;
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "webhook outbox not read"),
            }
            let next = self.store.next_webhook_at(&live).await.ok().flatten();
            let wait = next.map_or(IDLE_LOOK_MS, |at| (at - now_ms()).clamp(0, IDLE_LOOK_MS));
            let wait = Duration::from_millis(u64::try_from(wait).unwrap_or(0));
            let _ = tokio::time::timeout(wait, self.wake.notified()).await;
        }
    }

    /// How long a claimed delivery is put off: its attempt's timeout, and as long again
    /// for the outcome to be written.
    fn lease_ms(&self) -> i64 {
        i64::try_from(self.timeout.as_millis().saturating_mul(2)).unwrap_or(i64::MAX)
    }

    /// The hosts whose endpoint is not disabled. A host disabled under a URL it no longer
    /// has is enabled again.
    async fn live_hosts(&self) -> Result<Vec<String>, super::store::StoreError> {
        let disabled = self.store.disabled_webhooks().await?;
        let mut live = Vec::new();
        for host in &self.hosts {
            match disabled.iter().find(|(id, _)| *id == host.id) {
                Some((_, url)) if *url == host.webhook_url => {}
                Some(_) => {
                    self.store.enable_webhooks(&host.id).await?;
                    tracing::info!(host = host.id, "webhooks enabled again: a new webhook_url");
                    live.push(host.id.clone());
                }
                None => live.push(host.id.clone()),
            }
        }
        Ok(live)
    }

    async fn attempt(&self, delivery: Delivery) {
        let Some(host) = self.hosts.iter().find(|h| h.id == delivery.host) else {
            return;
        };
        let key = host.webhook_key().unwrap_or_default();
        let timestamp = now_ms() / 1000;
        let signature = sign::signature(&key, &delivery.event_id, timestamp, &delivery.body);
        let sent = self
            .client
            .post(&host.webhook_url)
            .header("content-type", "application/json")
            .header("webhook-id", &delivery.event_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(delivery.body.clone())
            .send()
            .await;
        let status = sent.as_ref().ok().map(|r| r.status().as_u16());
        let outcome = match status {
            Some(200..=299) => {
                self.metrics.webhook_attempt(&host.id, "delivered");
                Attempt::Delivered
            }
            Some(410) => {
                self.metrics.webhook_attempt(&host.id, "gone");
                tracing::warn!(host = host.id, "webhook endpoint answered 410: disabled");
                if let Err(e) = self
                    .store
                    .disable_webhooks(&host.id, &host.webhook_url)
                    .await
                {
                    tracing::warn!(error = %e, "webhook endpoint not disabled");
                }
                Attempt::Retry(now_ms())
            }
            _ => {
                self.metrics.webhook_attempt(&host.id, "failed");
                let attempts = delivery.attempts + 1;
                match &sent {
                    Ok(r) => tracing::info!(
                        host = host.id,
                        status = r.status().as_u16(),
                        attempts,
                        "webhook refused"
                    ),
                    Err(e) => {
                        tracing::info!(host = host.id, error = %e, attempts, "webhook not delivered")
                    }
                }
                if attempts >= self.max_attempts {
                    tracing::warn!(
                        host = host.id,
                        event = delivery.event_id,
                        "webhook given up"
                    );
                    Attempt::GiveUp
                } else {
                    Attempt::Retry(now_ms() + delay_ms(delivery.attempts, random_unit()))
                }
            }
        };
        if let Err(e) = self
            .store
            .webhook_attempted(delivery.id, status, outcome)
            .await
        {
            tracing::warn!(error = %e, "webhook attempt not recorded; it will be sent again");
        }
    }
}

/// The wait before retry number `attempt + 1`: `FIRST_DELAY_MS · 2^attempt`, at most an hour,
/// scaled by a factor between 0.5 and 1.5 drawn from `random` (in `[0, 1)`).
pub fn delay_ms(attempt: i64, random: f64) -> i64 {
    let shift = u32::try_from(attempt.clamp(0, 30)).unwrap_or(30);
    let base = FIRST_DELAY_MS.saturating_mul(1 << shift).min(MAX_DELAY_MS);
    (base as f64 * (0.5 + random.clamp(0.0, 1.0))) as i64
}

fn random_unit() -> f64 {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    f64::from(OsRng.next_u32()) / (f64::from(u32::MAX) + 1.0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn delays_double_with_jitter_and_stop_at_an_hour() {
        assert_eq!(super::delay_ms(0, 0.5), 1_000);
        assert_eq!(super::delay_ms(3, 0.5), 8_000);
        assert_eq!(super::delay_ms(3, 0.0), 4_000);
        assert_eq!(super::delay_ms(3, 0.999_999), 11_999);
        assert_eq!(super::delay_ms(40, 0.5), 3_600_000);
    }
}
