//! Sign up, sign in, sign out, and who is signed in.

use leptos::prelude::*;

use super::ApiError;
use crate::model::Me;

/// `POST /api/sign_up`: creates an account, signs it in and goes to the room list
/// (rate-limited per address).
#[server(endpoint = "sign_up")]
pub async fn sign_up(
    username: String,
    display_name: String,
    password: String,
) -> Result<(), ApiError> {
    use crate::server::{auth, context, metrics::Limit};
    let state = context::state()?;
    let credentials = auth::Credentials {
        username: &username,
        password: &password,
        addr: context::client_addr(&state).await,
    };
    let signed = auth::sign_up(
        &state.store,
        &state.passwords,
        &state.limiter,
        credentials,
        &display_name,
        state.config.session_days,
    )
    .await
    .map_err(|refused| context::refused(&state, refused, Limit::SignUp))?;
    context::set_session_cookie(&state, &signed.token);
    leptos_axum::redirect("/");
    Ok(())
}

/// `POST /api/sign_in`: checks the password (rate-limited per username and address) and
/// goes to the room list.
#[server(endpoint = "sign_in")]
pub async fn sign_in(username: String, password: String) -> Result<(), ApiError> {
    use crate::server::{auth, context, metrics::Limit};
    let state = context::state()?;
    let credentials = auth::Credentials {
        username: &username,
        password: &password,
        addr: context::client_addr(&state).await,
    };
    let signed = auth::sign_in(
        &state.store,
        &state.passwords,
        &state.limiter,
        credentials,
        state.config.session_days,
    )
    .await
    .map_err(|refused| context::refused(&state, refused, Limit::SignIn))?;
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
        auth::sign_out(&state.store, &state.bus, session.session_id).await?;
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
