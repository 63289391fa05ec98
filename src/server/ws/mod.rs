//! `GET /ws`: the chat socket. The only code that knows WebSockets.
//!
//! The upgrade is refused before it happens when the `Origin` is foreign (403) or there is no
//! valid session (401). After it, one task per connection reads client frames, forwards the
//! hub's deliveries (feeding every queued frame, then flushing once) and writes acks in the
//! order the sends arrived. Every frame is described in `docs/protocol.md`.
//!
//! - [`upgrade`]: the upgrade and its checks (origin, session, sockets per user);
//! - [`connection`]: the connection core, generic over any [`FrameSink`] and
//!   [`FrameStream`], so that tests drive it over channels (`tests`);
//! - [`dispatch`]: each client frame, validated and metered;
//! - [`catch_up`]: `watch`: subscribe, replay what [`crate::server::resume`] decided,
//!   `caught_up`;
//! - [`acks`]: the answer to each send, in send order;
//! - [`reading`]: `read` frames, stored through [`reads`];
//! - [`reads`]: read positions, coalesced per room and socket;
//! - [`sink`]: the writing half with its deadline, and error frames;
//! - [`close`]: close codes, and the closing handshake.
//!
//! Every frame is metered per user (`send` by `messages_per_second`, `read` by coalescing
//! it, the others by `frames_per_second`), and every write to the socket has a deadline
//! (`write_timeout_ms`), the catch-up and the close frame included: a client cannot make the
//! server do unbounded work, nor hold its socket by not reading.

mod acks;
mod catch_up;
mod close;
mod connection;
mod dispatch;
mod reading;
mod reads;
mod sink;
#[cfg(test)]
mod tests;
mod upgrade;

pub use close::close_code_for;
pub use connection::{serve_frames, FrameSink, FrameStream};
pub use upgrade::{limit, upgrade};

/// The socket is gone; stop serving it.
struct Gone;
