//! The two Redis connections of a node: one that publishes (the `redis` crate's connection
//! manager, which reconnects by itself, with a response timeout), and one pattern
//! subscription (`<prefix>*`), made again whenever it ends or its probes stop coming back.

use std::sync::{Arc, Weak};
use std::time::Duration;

use futures_util::StreamExt;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::Client;
use tokio::sync::mpsc;

use super::Remote;
use crate::server::metrics::Metrics;

/// Frames per pipeline of `PUBLISH`es.
const PIPELINE: usize = 256;
/// How long connecting and subscribing may take before the attempt counts as failed.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// Publishes what the node queued, a pipeline at a time. A pipeline that fails is counted
/// and dropped: rows reach the other nodes by reconciliation, presence by its refresh.
pub(super) async fn publish(
    client: Client,
    metrics: Arc<Metrics>,
    mut queued: mpsc::Receiver<(String, String)>,
) {
    let config = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(Duration::from_secs(1)))
        .set_response_timeout(Some(Duration::from_secs(1)))
        .set_max_delay(Duration::from_secs(1));
    let mut conn = match ConnectionManager::new_lazy_with_config(client, config) {
        Ok(conn) => conn,
        Err(e) => {
            tracing::error!(error = %e, "bus: cannot publish");
            return;
        }
    };
    let mut batch = Vec::with_capacity(PIPELINE);
    let mut failing = false;
    while queued.recv_many(&mut batch, PIPELINE).await > 0 {
        let mut pipe = redis::pipe();
        for (channel, payload) in &batch {
            pipe.cmd("PUBLISH").arg(channel).arg(payload).ignore();
        }
        match pipe.query_async::<()>(&mut conn).await {
            Ok(()) => {
                if failing {
                    tracing::info!("bus: publishing again");
                }
                failing = false;
            }
            Err(e) => {
                metrics.bus_publish_failures.inc_by(batch.len() as u64);
                if !failing {
                    tracing::warn!(error = %e, "bus: publishing failed (rows arrive by reconciliation)");
                }
                failing = true;
            }
        }
        batch.clear();
    }
}

/// Keeps the pattern subscription up and hands each message to the node.
pub(super) async fn subscribe(client: Client, remote: Weak<Remote>) {
    let mut backoff = Duration::from_millis(50);
    let mut reported = false;
    loop {
        let Some(r) = remote.upgrade() else {
            return;
        };
        let pattern = format!("{}*", r.prefix);
        let attempt = tokio::time::timeout(CONNECT_TIMEOUT, async {
            let mut pubsub = client.get_async_pubsub().await?;
            pubsub.psubscribe(&pattern).await?;
            Ok::<_, redis::RedisError>(pubsub)
        })
        .await;
        match attempt {
            Ok(Ok(pubsub)) => {
                backoff = Duration::from_millis(50);
                reported = false;
                tracing::info!(node = %r.node, "bus: subscribed");
                let (_sink, mut stream) = pubsub.split();
                r.set_subscribed(true);
                let resubscribe = r.resubscribe.clone();
                drop(r);
                loop {
                    tokio::select! {
                        message = stream.next() => match (message, remote.upgrade()) {
                            (Some(m), Some(r)) => r.received(m.get_payload_bytes()),
                            _ => break,
                        },
                        () = resubscribe.notified() => break,
                    }
                }
                let Some(r) = remote.upgrade() else {
                    return;
                };
                tracing::warn!(node = %r.node, "bus: subscription lost; subscribing again");
                r.set_subscribed(false);
            }
            Ok(Err(e)) => {
                if !reported {
                    tracing::warn!(error = %e, "bus: cannot subscribe yet");
                }
                reported = true;
            }
            Err(_) => {
                if !reported {
                    tracing::warn!("bus: subscribing timed out");
                }
                reported = true;
            }
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(1));
    }
}
