//! The state every handler shares. Built once in `main` (or a test) and passed in; there are
//! no globals.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use super::auth::{AccountLimiter, Passwords};
use super::bus::Bus;
use super::config::Config;
use super::hub::Hub;
use super::limits::UserLimiter;
use super::metrics::Metrics;
use super::store::Store;
use super::webhooks::Webhooks;
use super::writer::Writer;

/// Shared handles; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub store: Store,
    pub hub: Arc<Hub>,
    /// What this node tells the others (and hears from them); with one node, the hub.
    pub bus: Bus,
    pub writer: Writer,
    /// Wakes the webhook delivery task after an event is written.
    pub webhooks: Webhooks,
    pub limiter: Arc<AccountLimiter>,
    pub passwords: Arc<Passwords>,
    /// `messages_per_second` / `message_burst`, per user.
    pub send_limiter: Arc<UserLimiter>,
    /// `frames_per_second`: every socket frame but `send`, per user.
    pub frame_limiter: Arc<UserLimiter>,
    /// `rooms_per_hour`: group rooms created, per user.
    pub room_limiter: Arc<UserLimiter>,
    /// `searches_per_second`: searches, per user.
    pub search_limiter: Arc<UserLimiter>,
    pub metrics: Arc<Metrics>,
    pub leptos: LeptosOptions,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> LeptosOptions {
        state.leptos.clone()
    }
}
