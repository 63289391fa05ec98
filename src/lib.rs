//! # Parlor
//!
//! Real-time chat for a Q&A platform: one Leptos app. An axum server stores messages in
//! SQLite (or, for several nodes, PostgreSQL) and pushes them over a WebSocket to everyone
//! in the room; a WASM client renders rooms reactively.
//!
//! ## Layout
//! - [`protocol`]: the `/ws` frames, shared by both halves (see `docs/protocol.md`);
//! - [`model`]: users and rooms as pages see them;
//! - [`api`]: server functions, the HTTP API of the pages;
//! - [`app`]: the HTML shell, `<App/>` and its routes;
//! - [`components`]: one component per file;
//! - [`client`]: the browser's chat state (feeds, outbox, presence, unread); its `socket`
//!   is the only browser WebSocket code;
//! - [`i18n`]: every user-facing string, in English and Korean;
//! - [`text`]: what user text holds, for both halves: `@mentions`, direction controls;
//! - `server` (feature `ssr`): config, store (SQLite or PostgreSQL), writer, markdown,
//!   search, hub, bus (Redis, between nodes), ws, auth, limits, metrics, logs, router.
//!
//! ## The path of a message
//! composer → [`client::Chat::send_message`] (shown as sending) → `send` frame on `/ws` →
//! `server::ws` checks it → `server::writer` commits it in a batch with the room's next
//! `seq` → `server::bus` hands the stored row to this node's `server::hub` (and, with
//! several nodes, publishes it to the others, whose bus delivers it in `seq` order) → the hub
//! fans it out to every watcher → `ack` to the sender → each browser's [`client::Feed`]
//! inserts it by `seq`.
//!
//! An edit, a delete or a reaction takes the same path and the room's next `seq`, checked
//! in the writer's transaction; its row carries the changed message's full state, which
//! [`client::Feed::merge`] puts in place of an older one (`ARCHITECTURE.md`, "The path of a
//! change").
//!
//! Search indexes a message in the same transaction (`server::store::search`, tokens from
//! `server::search::tokens`); `api::search_messages` answers from the caller's rooms only,
//! and a hit opens its room at `?at=seq` (`docs/search.md`).
//!
//! A moderator's action (`moderate` frame: kick, ban, mute, promote…) is a row of the same
//! sequence, allowed by the roles as the writer's transaction reads them
//! (`server::store::messages::moderation`), logged in `moderation_log`; a mute and a
//! read-only room are checked with the membership of every send, and the host's site acts
//! above the owner. A report is counted by the writer too (`messages::reports`); the one at
//! `report_threshold` hides the message by a row from the server's own user
//! (`docs/moderation.md`).

pub mod api;
pub mod app;
pub mod client;
pub mod components;
pub mod error;
pub mod i18n;
pub mod model;
pub mod protocol;
#[cfg(feature = "ssr")]
pub mod server;
pub mod text;

/// The WASM entry point: hydrates the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
