//! What user text holds, for both halves: `@mentions` ([`mention`]) and text-direction
//! controls ([`bidi`]). The server's Markdown renderer marks them in a message's HTML; the
//! browser marks them in a message still sending, and finds mentions for notifications.

pub mod bidi;
pub mod mention;
