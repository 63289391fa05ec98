//! Sign up, sign in, sign out, and who is signed in.

use leptos::prelude::*;

use super::ApiError;
use crate::model::Me;

/// `POST /api/sign_up`: creates an account, signs it in and goes to the room list.
#[server(endpoint = "sign_up")]
pub async fn sign_up(
    username: String,
    display_name: String,
    password: String,
) -> Result<(), ApiError> {
    use crate::server::{auth, context};
    let state = context::state()?;
    let days = state.config.session_days;
    let signed = auth::sign_up(
        &state.store,
        &state.passwords,
        &username,
        &display_name,
        &password,
        days,
    )
    .await?;
    context::set_session_cookie(&state, &signed.token);
    leptos_axum::redirect("/");
    Ok(())
}

/// `POST /api/sign_in`: checks the password (rate-limited per username and address) and
/// goes to the room list.
#[server(endpoint = "sign_in")]
pub async fn sign_in(username: String, password: String) -> Result<(), ApiError> {
    use crate::server::{auth, context};
    let state = context::state()?;
    let addr = context::client_addr().await;
    let days = state.config.session_days;
    let signed = auth::sign_in(
        &state.store,
        &state.passwords,
        &state.limiter,
        addr,
        &username,
        &password,
        days,
    )
    .await
    .inspect_err(|e| {
        if matches!(e, ApiError::TooManyAttempts) {
            state.metrics.limited(crate::server::metrics::Limit::SignIn);
        }
    })?;
    context::set_session_cookie(&state, &signed.token);
    leptos_axum::redirect("/");
    Ok(())
}

/// `POST /api/sign_out`: revokes the session, closes its sockets, and goes to sign-in.
#[server(endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), ApiError> {
    use crate::server::{auth, context};
    let state = context::state()?;
    if let Some(session) = context::session(&state).await? {
        auth::sign_out(&state.store, &state.hub, session.session_id).await?;
    }
    context::clear_session_cookie(&state);
    leptos_axum::redirect("/signin");
    Ok(())
}

/// `POST /api/current_user`: the signed-in user, if any.
#[server(endpoint = "current_user")]
pub async fn current_user() -> Result<Option<Me>, ApiError> {
    use crate::server::context;
    let state = context::state()?;
    Ok(context::session(&state).await?.map(|s| Me {
        user_id: s.user_id,
        username: s.username,
        display_name: s.display_name,
    }))
}
