//! `GET /ws`: the checks before the upgrade, and the socket's settings.

use axum::extract::ws::WebSocketUpgrade;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::{SinkExt, StreamExt};

use super::connection::serve_frames;
use crate::server::auth::{self, origin};
use crate::server::client_ip;
use crate::server::metrics::Limit;
use crate::server::state::AppState;

/// `GET /ws`: checks the origin and the session, then upgrades.
pub async fn upgrade(
    State(state): State<AppState>,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    ws: WebSocketUpgrade,
) -> Response {
    let peer = extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|info| info.0.ip());
    let config = &state.config;
    let (trusted, header) = (&config.trusted_proxies, config.forwarded_header);
    let https = client_ip::forwarded_https(peer, &headers, trusted, header);
    if !origin::allowed(&headers, origin::Origins::of(config, https)) {
        return (StatusCode::FORBIDDEN, "origin not allowed").into_response();
    }
    let secure = config.cookies_secure();
    let user = match auth::authenticate(&state.store, &headers, secure).await {
        Ok(Some(user)) => user,
        Ok(None) => return (StatusCode::UNAUTHORIZED, "sign in first").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "session look-up failed");
            return (StatusCode::SERVICE_UNAVAILABLE, "store unavailable").into_response();
        }
    };
    if state.hub.connections_of(user.user_id) >= state.config.connections_per_user {
        state.metrics.limited(Limit::Connections);
        return (StatusCode::TOO_MANY_REQUESTS, "too many open sockets").into_response();
    }
    limit(ws, state.config.max_frame_bytes).on_upgrade(move |socket| {
        let (sink, stream) = socket.split();
        serve_frames(
            state,
            user,
            Box::pin(sink.sink_map_err(Into::into)),
            stream.boxed(),
        )
    })
}

/// Bytes of fed frames gathered before they are written (a flush writes them sooner).
pub const WRITE_BATCH_BYTES: usize = 16 * 1024;

/// The socket settings of `/ws`: frames and messages up to `max_frame_bytes` (axum's default
/// is 64 MiB), a 1 KiB read buffer (chat frames are small; a larger one is read in more
/// steps, and an idle socket costs 3 KiB less than with 4 KiB), frames fed in one go written
/// together up to [`WRITE_BATCH_BYTES`] (one write call per batch, not per frame; nothing is
/// held for an idle socket), and at most four frames' worth of unsent bytes beyond that. The conformance echo server (`examples/echo_server.rs`) uses this too, so
/// the Autobahn run tests the socket the chat runs on.
pub fn limit(ws: WebSocketUpgrade, max_frame_bytes: usize) -> WebSocketUpgrade {
    ws.max_message_size(max_frame_bytes)
        .max_frame_size(max_frame_bytes)
        .read_buffer_size(1024)
        .write_buffer_size(WRITE_BATCH_BYTES)
        .max_write_buffer_size(max_frame_bytes.saturating_mul(4) + WRITE_BATCH_BYTES)
}
