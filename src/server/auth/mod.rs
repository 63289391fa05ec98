//! Identity: accounts, passwords, sessions and the origin rules.
//!
//! Everything that decides *who* a request is lives here, so a second way in (tokens signed
//! by the Q&A host) can be added beside [`sign_in`] without touching the chat code, which
//! only ever sees a [`SessionUser`].

pub mod cookie;
mod limiter;
pub mod origin;
mod password;
mod rules;
mod token;

use std::net::IpAddr;

use axum::http::HeaderMap;

pub use limiter::SignInLimiter;
pub use password::Passwords;

use crate::api::ApiError;
use crate::model::Me;
use crate::server::hub::Hub;
use crate::server::store::{now_ms, NewUser, SessionUser, Store, StoreError};

/// A new session: the user and the token for their cookie.
pub struct SignedIn {
    pub me: Me,
    pub token: String,
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        tracing::error!(error = %e, "store error");
        ApiError::Unavailable
    }
}

impl From<password::Unavailable> for ApiError {
    fn from(_: password::Unavailable) -> ApiError {
        ApiError::Unavailable
    }
}

/// Creates an account and signs it in.
pub async fn sign_up(
    store: &Store,
    passwords: &Passwords,
    username: &str,
    display_name: &str,
    password: &str,
    session_days: i64,
) -> Result<SignedIn, ApiError> {
    let username = rules::username(username)?;
    let display_name = rules::display_name(display_name, username)?;
    let password = rules::password(password)?.to_owned();
    let hash = passwords.hash(password).await?;
    let user = store
        .create_user(NewUser {
            username,
            display_name,
            password_hash: &hash,
        })
        .await?
        .ok_or(ApiError::UsernameTaken)?;
    start_session(store, user.into(), session_days).await
}

/// Checks a username and password and starts a session.
pub async fn sign_in(
    store: &Store,
    passwords: &Passwords,
    limiter: &SignInLimiter,
    addr: Option<IpAddr>,
    username: &str,
    password: &str,
    session_days: i64,
) -> Result<SignedIn, ApiError> {
    let username = username.trim();
    if !limiter.attempt(username, addr) {
        return Err(ApiError::TooManyAttempts);
    }
    let user = store.user_by_username(username).await?;
    let phc = user.as_ref().map(|u| u.password_hash.clone());
    let matches = passwords.verify(phc, password.to_owned()).await?;
    match user {
        Some(user) if matches => start_session(store, user.into(), session_days).await,
        _ => Err(ApiError::WrongCredentials),
    }
}

/// Revokes the session and closes its open sockets.
pub async fn sign_out(store: &Store, hub: &Hub, session_id: i64) -> Result<(), ApiError> {
    store.revoke_session(session_id).await?;
    hub.end_session(session_id);
    Ok(())
}

/// The session named by the request's cookie, if it is valid.
pub async fn authenticate(
    store: &Store,
    headers: &HeaderMap,
) -> Result<Option<SessionUser>, StoreError> {
    match cookie::token(headers) {
        Some(token) => store.session_user(&token::digest(token)).await,
        None => Ok(None),
    }
}

async fn start_session(store: &Store, me: Me, days: i64) -> Result<SignedIn, ApiError> {
    let token = token::generate();
    let expires = now_ms() + days * 24 * 60 * 60 * 1000;
    store
        .create_session(me.user_id, &token::digest(&token), expires)
        .await?;
    Ok(SignedIn { me, token })
}
