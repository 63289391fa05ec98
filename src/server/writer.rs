//! The writer: one task that stores every chat message, committing in batches (group commit).
//!
//! With `synchronous=FULL` an fsync costs milliseconds, so one commit per message would cap a
//! server at a few hundred messages per second. The writer takes every request waiting in its
//! queue (up to `commit_batch`), stores them in one transaction, and only after the commit
//! publishes the stored rows (to the hub, and through the bus to the other nodes) and
//! answers each sender. An ack therefore always follows its commit; a failed commit answers
//! the whole batch with `store_unavailable` and stores none of it.

use std::sync::Arc;
use std::time::Instant;

use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use super::bus::Bus;
use super::metrics::Metrics;
use super::store::{SendOutcome, SendRequest, Store};
use super::webhooks::Webhooks;
use crate::protocol::{MessageKind, ModEvent};

/// The store could not commit; the sender may retry with the same `client_msg_id`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the store is unavailable")]
pub struct Unavailable;

/// The answer to one submitted message.
pub type WriteResult = Result<SendOutcome, Unavailable>;

struct Job {
    request: SendRequest,
    reply: oneshot::Sender<WriteResult>,
}

/// A handle for submitting messages to the writer task; cheap to clone. The task ends when
/// every handle is dropped, after storing what was already submitted.
#[derive(Clone)]
pub struct Writer {
    jobs: mpsc::Sender<Job>,
}

impl Writer {
    /// Starts the writer task.
    pub fn spawn(
        store: Store,
        bus: Bus,
        metrics: Arc<Metrics>,
        webhooks: Webhooks,
        commit_batch: usize,
    ) -> (Writer, JoinHandle<()>) {
        let batch = commit_batch.max(1);
        let (jobs, rx) = mpsc::channel(batch * 4);
        let task = tokio::spawn(run(store, bus, metrics, webhooks, rx, batch));
        (Writer { jobs }, task)
    }

    /// Queues a message and returns a future of its outcome, resolved after the commit.
    pub async fn submit(&self, request: SendRequest) -> WriteResult {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job { request, reply })
            .await
            .map_err(|_| Unavailable)?;
        answer.await.map_err(|_| Unavailable)?
    }
}

async fn run(
    store: Store,
    bus: Bus,
    metrics: Arc<Metrics>,
    webhooks: Webhooks,
    mut rx: mpsc::Receiver<Job>,
    batch: usize,
) {
    let mut jobs = Vec::with_capacity(batch);
    while rx.recv_many(&mut jobs, batch).await > 0 {
        let (requests, replies): (Vec<SendRequest>, Vec<_>) =
            jobs.drain(..).map(|j| (j.request, j.reply)).unzip();
        let started = Instant::now();
        let written = store.write_batch(&requests).await;
        metrics
            .commit_seconds
            .observe(started.elapsed().as_secs_f64());
        metrics.commit_batch.observe(requests.len() as f64);
        match written {
            Ok(outcomes) => {
                // Messages of a host's room wrote their `message.created` in the commit.
                webhooks.wake();
                for (reply, outcome) in replies.into_iter().zip(outcomes) {
                    if let SendOutcome::Stored(message) = &outcome {
                        metrics.messages_stored.inc();
                        bus.stored(message);
                    }
                    // A kicked or banned member's sockets leave the room now, on every node,
                    // after the row that says why (again for a retried action: its first
                    // answer may have been lost after the commit).
                    if let SendOutcome::Stored(message) | SendOutcome::Duplicate(message) = &outcome
                    {
                        if message.kind == MessageKind::Moderation {
                            if let Some(event) = ModEvent::parse(&message.body) {
                                if event.action.removes() {
                                    bus.remove_member(message.room_id, event.user_id);
                                }
                            }
                        }
                    }
                    // The sender may have gone; its message is stored all the same.
                    let _ = reply.send(Ok(outcome));
                }
            }
            Err(e) => {
                metrics.commit_failures.inc();
                tracing::error!(error = %e, batch = requests.len(), "commit failed");
                for reply in replies {
                    let _ = reply.send(Err(Unavailable));
                }
            }
        }
    }
}
