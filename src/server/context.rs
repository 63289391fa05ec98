//! What server functions take from the request: the shared state, the session, the client's
//! address, and the session cookie they set.

use std::net::{IpAddr, SocketAddr};

use axum::extract::ConnectInfo;
use axum::http::{header, HeaderMap};
use leptos::prelude::use_context;
use leptos_axum::ResponseOptions;

use super::auth::{self, cookie};
use super::state::AppState;
use super::store::SessionUser;
use crate::api::ApiError;

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
    Ok(auth::authenticate(&state.store, &headers).await?)
}

/// The session of the request, or `NotSignedIn`.
pub async fn require_session(state: &AppState) -> Result<SessionUser, ApiError> {
    session(state).await?.ok_or(ApiError::NotSignedIn)
}

/// The client's address, when the server was started with connection info.
pub async fn client_addr() -> Option<IpAddr> {
    leptos_axum::extract::<ConnectInfo<SocketAddr>>()
        .await
        .ok()
        .map(|ConnectInfo(addr)| addr.ip())
}

/// Sets the session cookie on the response.
pub fn set_session_cookie(state: &AppState, token: &str) {
    if let Some(response) = use_context::<ResponseOptions>() {
        let value = cookie::set(
            token,
            state.config.session_days,
            state.config.secure_cookies,
        );
        response.append_header(header::SET_COOKIE, value);
    }
}

/// Removes the session cookie.
pub fn clear_session_cookie(state: &AppState) {
    if let Some(response) = use_context::<ResponseOptions>() {
        response.append_header(
            header::SET_COOKIE,
            cookie::clear(state.config.secure_cookies),
        );
    }
}
