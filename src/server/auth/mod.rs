//! Identity: accounts, passwords, sessions and the origin rules.
//!
//! Everything that decides *who* a request is lives here, so a second way in (tokens signed
//! by the Q&A host) can be added beside [`sign_in`] without touching the chat code, which
//! only ever sees a [`SessionUser`].

pub mod cookie;
pub mod host_token;
mod limiter;
pub mod origin;
mod password;
pub mod rules;
mod token;

use std::net::IpAddr;
use std::time::Duration;

use axum::http::HeaderMap;

pub use limiter::AccountLimiter;
pub use password::Passwords;

use crate::error::{ApiError, TokenError};
use crate::model::Me;
use crate::server::bus::Bus;
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

/// A refused sign-up or sign-in: its code and, when a limit refused it, how long to wait.
#[derive(Debug)]
pub struct Refused {
    pub error: ApiError,
    pub retry_after: Option<Duration>,
}

impl From<ApiError> for Refused {
    fn from(error: ApiError) -> Refused {
        Refused {
            error,
            retry_after: None,
        }
    }
}

impl From<StoreError> for Refused {
    fn from(e: StoreError) -> Refused {
        ApiError::from(e).into()
    }
}

impl From<password::Unavailable> for Refused {
    fn from(e: password::Unavailable) -> Refused {
        ApiError::from(e).into()
    }
}

fn limited(wait: limiter::Wait) -> Refused {
    Refused {
        error: ApiError::TooManyAttempts,
        retry_after: Some(wait),
    }
}

/// What a person typed into the sign-up or sign-in form, and where it came from.
pub struct Credentials<'a> {
    pub username: &'a str,
    pub password: &'a str,
    /// The client's address (see `server::client_ip`), for the per-address limits.
    pub addr: Option<IpAddr>,
}

/// Creates an account and signs it in. The fields are checked against their rules before
/// anything costs: a limiter key, a query or a hash.
pub async fn sign_up(
    store: &Store,
    passwords: &Passwords,
    limiter: &AccountLimiter,
    credentials: Credentials<'_>,
    display_name: &str,
    session_days: i64,
) -> Result<SignedIn, Refused> {
    let username = rules::username(credentials.username)?;
    let display_name = rules::display_name(display_name, username)?;
    let password = rules::password(credentials.password)?.to_owned();
    limiter.sign_up(credentials.addr).map_err(limited)?;
    let hash = passwords.hash(password).await?;
    let user = store
        .create_user(NewUser {
            username,
            display_name,
            password_hash: &hash,
        })
        .await?
        .ok_or(ApiError::UsernameTaken)?;
    Ok(start_session(store, user.into(), session_days).await?)
}

/// Checks a username and password and starts a session.
///
/// A username or password that breaks the sign-up rules cannot belong to an account: it is
/// answered `wrong_credentials` after taking one attempt from the address's bucket only,
/// and is never a limiter key, a query or a hash.
pub async fn sign_in(
    store: &Store,
    passwords: &Passwords,
    limiter: &AccountLimiter,
    credentials: Credentials<'_>,
    session_days: i64,
) -> Result<SignedIn, Refused> {
    let Credentials {
        username,
        password,
        addr,
    } = credentials;
    let (Ok(username), Ok(password)) = (rules::username(username), rules::password(password))
    else {
        limiter.sign_in(None, addr).map_err(limited)?;
        return Err(ApiError::WrongCredentials.into());
    };
    limiter.sign_in(Some(username), addr).map_err(limited)?;
    let user = store.user_by_username(username).await?;
    let phc = user.as_ref().map(|u| u.password_hash.clone());
    let matches = passwords.verify(phc, password.to_owned()).await?;
    match user {
        Some(user) if matches => Ok(start_session(store, user.into(), session_days).await?),
        _ => Err(ApiError::WrongCredentials.into()),
    }
}

/// Signs a host's user in with a token its backend signed (see [`host_token`]): the user is
/// created on first sight and its profile refreshed, the token's `jti` spent, and a session
/// of `embed_session_hours` started, all in one transaction. A refused token writes nothing.
/// Returns the session and the id of the host that signed the token.
pub async fn host_sign_in(
    store: &Store,
    config: &crate::server::config::Config,
    token: &str,
) -> Result<(SignedIn, String), ApiError> {
    let verified = host_token::verify(&config.hosts, token, now_ms() / 1000)
        .map_err(ApiError::TokenRefused)?;
    let session = token::generate();
    let hash = token::digest(&session);
    let signed = store
        .host_sign_in(crate::server::store::HostSignIn {
            host: &verified.host.id,
            sub: &verified.sub,
            profile: crate::server::store::HostProfile {
                name: &verified.name,
                avatar_url: verified.picture.as_deref(),
                locale: verified.locale.as_deref(),
            },
            site_moderator: verified.moderator,
            jti: &verified.jti,
            token_expires_at: (verified.exp + 60) * 1000,
            session_hash: &hash,
            session_expires_at: now_ms() + config.embed_session_hours * 60 * 60 * 1000,
        })
        .await?;
    if signed == crate::server::store::HostSignedIn::Replayed {
        return Err(ApiError::TokenRefused(TokenError::TokenReplayed));
    }
    let user = store
        .session_user(&hash)
        .await?
        .ok_or(ApiError::Unavailable)?;
    let signed = SignedIn {
        me: Me {
            user_id: user.user_id,
            username: user.username,
            display_name: user.display_name,
        },
        token: session,
    };
    Ok((signed, verified.host.id.clone()))
}

/// The session a token names (the embed's, held in its page's memory rather than a
/// cookie), if it is valid.
pub async fn session_of_token(
    store: &Store,
    token: &str,
) -> Result<Option<SessionUser>, StoreError> {
    store.session_user(&token::digest(token)).await
}

/// The SHA-256 (hex) of an API key, as `api_key_sha256` holds it.
pub fn api_key_digest(key: &str) -> String {
    token::digest(key)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A new random secret: 32 bytes in hex (API keys, signing secrets).
pub fn new_secret() -> String {
    token::generate()
}

/// Revokes the session and closes its open sockets, on every node.
pub async fn sign_out(store: &Store, bus: &Bus, session_id: i64) -> Result<(), ApiError> {
    store.revoke_session(session_id).await?;
    bus.end_session(session_id);
    Ok(())
}

/// The session named by the request's cookie (`secure`: the `__Host-` one), if it is
/// valid.
pub async fn authenticate(
    store: &Store,
    headers: &HeaderMap,
    secure: bool,
) -> Result<Option<SessionUser>, StoreError> {
    match cookie::token(headers, secure) {
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
