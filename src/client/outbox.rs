//! The outbox in browser storage: messages not yet acknowledged survive a reload and are
//! sent again, with their original `client_msg_id`, when the page comes back.

use serde::{Deserialize, Serialize};

use super::Pending;
use crate::protocol::{RoomId, UserId};

/// One unacknowledged message and its room, as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub room_id: RoomId,
    pub pending: Pending,
}

/// The `localStorage` key of a user's outbox (per user: two people may share a browser).
pub fn key(user: UserId) -> String {
    format!("parlor.outbox.v1.{user}")
}

/// Writes the outbox (removing the key when it is empty).
#[cfg(feature = "hydrate")]
pub fn save(user: UserId, entries: &[Entry]) {
    let Some(storage) = storage() else {
        return;
    };
    let key = key(user);
    // Storage can be full or disabled; the outbox then lives only as long as the page.
    let _ = if entries.is_empty() {
        storage.remove_item(&key)
    } else {
        match serde_json::to_string(entries) {
            Ok(json) => storage.set_item(&key, &json),
            Err(_) => Ok(()),
        }
    };
}

/// Reads the outbox; an unreadable one counts as empty.
#[cfg(feature = "hydrate")]
pub fn load(user: UserId) -> Vec<Entry> {
    storage()
        .and_then(|s| s.get_item(&key(user)).ok().flatten())
        .and_then(|json| serde_json::from_str(&json).ok())
        .unwrap_or_default()
}

#[cfg(feature = "hydrate")]
fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// On the server there is no browser storage: pages render the outbox empty.
#[cfg(not(feature = "hydrate"))]
pub fn save(_user: UserId, _entries: &[Entry]) {}

/// On the server there is no browser storage: pages render the outbox empty.
#[cfg(not(feature = "hydrate"))]
pub fn load(_user: UserId) -> Vec<Entry> {
    Vec::new()
}
