//! The server half (feature `ssr`): config → store → writer → hub → router → serve.
//!
//! - [`config`]: `Leptos.toml` and `PARLOR_*` variables;
//! - [`store`]: every SQL query (SQLite or PostgreSQL through sqlx);
//! - [`writer`]: the one task that commits messages in batches, then publishes them;
//! - [`markdown`]: a message body's chat Markdown rendered to sanitised HTML;
//! - [`hub`]: per-room fan-out and presence in memory;
//! - [`bus`]: with several nodes, what each hub hears from the others (Redis pub/sub), in
//!   `seq` order with gaps filled from the store;
//! - [`resume`]: what a `watch` from a cursor must replay, or why it cannot (no socket);
//! - [`search`]: the search tokenizer (the index and the query come next);
//! - [`ws`]: the `/ws` socket, the only code that knows WebSockets;
//! - [`auth`]: accounts, passwords, sessions, origin rules;
//! - [`limits`]: messages per user per second;
//! - [`metrics`]: Prometheus counters, gauges and histograms at `/metrics`;
//! - [`logs`]: structured logs (text or JSON) that never hold bodies, passwords or tokens;
//! - [`client_ip`]: the client's address behind `trusted_proxies`;
//! - [`context`]: what server functions take from the request;
//! - [`host_api`]: `/api/v1`, the server-to-server API of the Q&A hosts;
//! - [`webhooks`]: the hosts' signed webhooks, delivered from a durable outbox;
//! - [`http`]: the router, its middleware and graceful shutdown.

pub mod auth;
pub mod bus;
pub mod client_ip;
pub mod config;
pub mod context;
pub mod host_api;
pub mod http;
pub mod hub;
pub mod limits;
pub mod logs;
pub mod markdown;
pub mod metrics;
pub mod resume;
pub mod search;
pub mod state;
pub mod store;
pub mod webhooks;
pub mod writer;
pub mod ws;

use std::sync::Arc;

use leptos::config::{Env, LeptosOptions};
use tokio::task::JoinHandle;

use self::auth::{AccountLimiter, Passwords};
use self::bus::Bus;
use self::config::Config;
use self::hub::Hub;
use self::limits::UserLimiter;
use self::metrics::Metrics;
use self::state::AppState;
use self::store::{Store, StoreError};
use self::webhooks::Webhooks;
use self::writer::Writer;

pub use self::http::{operations_router, router, serve, Listeners};

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot start the password threads: {0}")]
    Threads(std::io::Error),
    #[error(transparent)]
    Bus(#[from] bus::BusError),
}

/// Opens the store and starts the writer. The returned task ends once every clone of the
/// state is dropped and the writer has stored what it was given.
pub async fn start(config: Config) -> Result<(AppState, JoinHandle<()>), StartError> {
    let passwords = Passwords::start(config.password_threads()).map_err(StartError::Threads)?;
    let store = Store::open(&config).await?;
    let hub = Arc::new(Hub::new(config.outbound_queue));
    let metrics = Arc::new(Metrics::new());
    let webhooks = Webhooks::start(&config, store.clone(), metrics.clone());
    let bus = Bus::start(&config, store.clone(), hub.clone(), metrics.clone())?;
    let (writer, writer_task) = Writer::spawn(
        store.clone(),
        bus.clone(),
        metrics.clone(),
        webhooks.clone(),
        config.commit_batch,
    );
    let (env, reload_port) = match config.live_reload {
        Some(port) => (Env::DEV, port),
        None => (Env::PROD, 3001),
    };
    // The built files' names: content-hashed by scripts/build-site.sh.
    let assets = http::assets::Assets::of(&config.site_root);
    let leptos = LeptosOptions::builder()
        .output_name(assets.stem.as_str())
        .site_root(config.site_root.as_str())
        .site_pkg_dir("pkg")
        .site_addr(config.listen)
        .reload_port(u32::from(reload_port))
        .env(env)
        .build();
    let sign_in_limiter = Arc::new(AccountLimiter::new(
        config.sign_in_per_minute,
        config.sign_ups_per_hour,
    ));
    let send_limiter = Arc::new(UserLimiter::per_second(
        config.messages_per_second,
        config.message_burst,
    ));
    // Three seconds' worth, and at least one full `watch` (it costs a frame per room).
    let watch_all = u32::try_from(config.max_watch_rooms).unwrap_or(u32::MAX);
    let frame_limiter = Arc::new(UserLimiter::per_second(
        config.frames_per_second,
        config.frames_per_second.saturating_mul(3).max(watch_all),
    ));
    let room_limiter = Arc::new(UserLimiter::per_hour(config.rooms_per_hour));
    let search_limiter = Arc::new(UserLimiter::per_second(
        config.searches_per_second,
        config.searches_per_second.saturating_mul(5),
    ));
    // Buckets that are full again are forgotten, so the limiters' memory follows recent
    // traffic only; sessions that can never be used again are deleted.
    let janitor = (
        Arc::downgrade(&sign_in_limiter),
        [
            Arc::downgrade(&send_limiter),
            Arc::downgrade(&frame_limiter),
            Arc::downgrade(&room_limiter),
            Arc::downgrade(&search_limiter),
        ],
        store.clone(),
    );
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            every.tick().await;
            let Some(accounts) = janitor.0.upgrade() else {
                break;
            };
            accounts.forget_idle();
            for limiter in janitor.1.iter().filter_map(std::sync::Weak::upgrade) {
                limiter.forget_idle();
            }
            match janitor.2.purge_sessions().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(sessions = n, "expired and revoked sessions deleted"),
                Err(e) => tracing::warn!(error = %e, "sessions not purged"),
            }
            // Spent token ids past their token's expiry, and webhooks delivered a week ago.
            if let Err(e) = janitor.2.purge_used_tokens().await {
                tracing::warn!(error = %e, "used token ids not purged");
            }
            if let Err(e) = janitor.2.purge_webhooks(7 * 24 * 60 * 60 * 1000).await {
                tracing::warn!(error = %e, "delivered webhooks not purged");
            }
        }
    });
    // The write-ahead log is copied back every second, outside any commit.
    let log = store.clone();
    let writing = Arc::downgrade(&room_limiter);
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(1));
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        while writing.strong_count() > 0 {
            every.tick().await;
            if let Err(e) = log.checkpoint().await {
                tracing::debug!(error = %e, "checkpoint not done");
            }
        }
    });
    let state = AppState {
        limiter: sign_in_limiter,
        passwords: Arc::new(passwords),
        send_limiter,
        frame_limiter,
        room_limiter,
        search_limiter,
        metrics,
        config: Arc::new(config),
        store,
        hub,
        bus,
        writer,
        webhooks,
        leptos,
    };
    Ok((state, writer_task))
}
