//! What server functions take from the request: the shared state, the session, the client's
//! address, and the session cookie they set.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::http::{header, HeaderMap, HeaderValue};
use leptos::prelude::use_context;
use leptos_axum::ResponseOptions;

use super::auth::{self, cookie};
use super::client_ip::client_ip;
use super::metrics::Limit;
use super::state::AppState;
use super::store::SessionUser;
use crate::error::ApiError;

/// The shared state, provided to every server function by the router.
pub fn state() -> Result<AppState, ApiError> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from the server function context");
        ApiError::Unavailable
    })
}

/// The session of the request, if any.
pub async fn session(state: &AppState) -> Result<Option<SessionUser>, ApiError> {
    let headers: HeaderMap = leptos_axum::extract()
        .await
        .map_err(|e| ApiError::Request(e.to_string()))?;
    let secure = state.config.cookies_secure();
    Ok(auth::authenticate(&state.store, &headers, secure).await?)
}

/// The shared state and the signed-in user: how every server function that needs a session
/// begins.
pub async fn signed_in() -> Result<(AppState, SessionUser), ApiError> {
    let state = state()?;
    let me = require_session(&state).await?;
    Ok((state, me))
}

/// [`signed_in`], or by an embed's session token when one is given instead of a cookie.
pub async fn signed_in_as(token: Option<&str>) -> Result<(AppState, SessionUser), ApiError> {
    let Some(token) = token else {
        return signed_in().await;
    };
    let state = state()?;
    let me = auth::session_of_token(&state.store, token)
        .await?
        .ok_or(ApiError::NotSignedIn)?;
    Ok((state, me))
}

/// The session of the request, or `NotSignedIn`.
pub async fn require_session(state: &AppState) -> Result<SessionUser, ApiError> {
    session(state).await?.ok_or(ApiError::NotSignedIn)
}

/// The user named `username` (surrounding spaces ignored), or `UserNotFound`.
pub async fn user_named(
    state: &AppState,
    username: &str,
) -> Result<super::store::UserRow, ApiError> {
    let username = username.trim();
    // The server's own user is nobody to message or invite.
    if username.eq_ignore_ascii_case(super::store::SYSTEM_USERNAME) {
        return Err(ApiError::UserNotFound);
    }
    state
        .store
        .user_by_username(username)
        .await?
        .ok_or(ApiError::UserNotFound)
}

/// The client's address, when the server was started with connection info: the TCP peer,
/// or the address a trusted proxy forwarded for (see [`client_ip`]).
pub async fn client_addr(state: &AppState) -> Option<IpAddr> {
    let ConnectInfo(peer) = leptos_axum::extract::<ConnectInfo<SocketAddr>>()
        .await
        .ok()?;
    let headers: HeaderMap = leptos_axum::extract().await.ok()?;
    let config = &state.config;
    Some(client_ip(
        peer.ip(),
        &headers,
        &config.trusted_proxies,
        config.forwarded_header,
    ))
}

/// Tells the client when to try again (`Retry-After`, in whole seconds, at least one).
pub fn retry_after(wait: Duration) {
    if let Some(response) = use_context::<ResponseOptions>() {
        let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        response.insert_header(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)));
    }
}

/// The answer to a refused sign-up or sign-in: a limit is counted and says when to retry.
pub fn refused(state: &AppState, refused: auth::Refused, limit: Limit) -> ApiError {
    if let Some(wait) = refused.retry_after {
        state.metrics.limited(limit);
        retry_after(wait);
    }
    refused.error
}

/// Sets the session cookie on the response.
pub fn set_session_cookie(state: &AppState, token: &str) {
    if let Some(response) = use_context::<ResponseOptions>() {
        let value = cookie::set(
            token,
            state.config.session_days,
            state.config.cookies_secure(),
        );
        response.append_header(header::SET_COOKIE, value);
    }
}

/// Removes the session cookie.
pub fn clear_session_cookie(state: &AppState) {
    if let Some(response) = use_context::<ResponseOptions>() {
        response.append_header(
            header::SET_COOKIE,
            cookie::clear(state.config.cookies_secure()),
        );
    }
}
