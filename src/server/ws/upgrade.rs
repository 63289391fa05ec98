//! `GET /ws`: the checks before the upgrade, and the socket's settings.
//!
//! A socket comes signed in by its session cookie (the app), or by its first frame, `auth`
//! with a session token (the embed, which cannot count on cookies inside a host's page:
//! browsers that block third-party cookies never send them there). The token is never in
//! the URL, where logs would keep it.

use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::{SinkExt, StreamExt};

use super::connection::serve_frames;
use crate::protocol::{close, ClientFrame};
use crate::server::auth::{self, origin};
use crate::server::client_ip;
use crate::server::metrics::Limit;
use crate::server::state::AppState;
use crate::server::store::SessionUser;

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
    // Besides the app's own origin: `allowed_origins` and the hosts' `frame_origins`.
    let origins = origin::Origins {
        allowed: &config.socket_origins,
        ..origin::Origins::of(config, https)
    };
    if !origin::allowed(&headers, origins) {
        return (StatusCode::FORBIDDEN, "origin not allowed").into_response();
    }
    let secure = config.cookies_secure();
    let user = match auth::authenticate(&state.store, &headers, secure).await {
        Ok(user) => user,
        Err(e) => {
            tracing::error!(error = %e, "session look-up failed");
            return (StatusCode::SERVICE_UNAVAILABLE, "store unavailable").into_response();
        }
    };
    // Signing in by the first frame is for embeds: only without any session cookie, and
    // only when a host is configured. Otherwise no unauthenticated socket ever exists.
    let by_first_frame =
        !config.hosts.is_empty() && auth::cookie::token(&headers, secure).is_none();
    if user.is_none() && !by_first_frame {
        return (StatusCode::UNAUTHORIZED, "sign in first").into_response();
    }
    if let Some(user) = &user {
        if state.hub.connections_of(user.user_id) >= state.config.connections_per_user {
            state.metrics.limited(Limit::Connections);
            return (StatusCode::TOO_MANY_REQUESTS, "too many open sockets").into_response();
        }
    }
    limit(ws, state.config.max_frame_bytes).on_upgrade(move |mut socket| async move {
        let user = match user {
            Some(user) => user,
            None => match first_frame_auth(&state, &mut socket).await {
                Ok(user) => user,
                Err(reason) => {
                    let frame = CloseFrame {
                        code: close::AUTH_FAILED,
                        reason: reason.into(),
                    };
                    let _ = socket.send(WsMessage::Close(Some(frame))).await;
                    return;
                }
            },
        };
        let (sink, stream) = socket.split();
        serve_frames(
            state,
            user,
            Box::pin(sink.sink_map_err(Into::into)),
            stream.boxed(),
        )
        .await;
    })
}

/// The user of a socket that came without a cookie: its first frame must be `auth` with a
/// valid session token, within `auth_timeout_ms`.
async fn first_frame_auth(
    state: &AppState,
    socket: &mut WebSocket,
) -> Result<SessionUser, &'static str> {
    let deadline = Duration::from_millis(state.config.auth_timeout_ms);
    let first = tokio::time::timeout(deadline, async {
        loop {
            match socket.next().await {
                Some(Ok(WsMessage::Text(text))) => return Some(text),
                Some(Ok(WsMessage::Ping(_) | WsMessage::Pong(_))) => continue,
                _ => return None,
            }
        }
    })
    .await
    .map_err(|_| "no auth frame in time")?
    .ok_or("the first frame must be auth")?;
    let Ok(ClientFrame::Auth { session }) = ClientFrame::decode(first.as_str()) else {
        return Err("the first frame must be auth");
    };
    let user = auth::session_of_token(&state.store, &session)
        .await
        .map_err(|_| "store unavailable")?
        .ok_or("session not valid")?;
    if state.hub.connections_of(user.user_id) >= state.config.connections_per_user {
        state.metrics.limited(Limit::Connections);
        return Err("too many open sockets");
    }
    Ok(user)
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
