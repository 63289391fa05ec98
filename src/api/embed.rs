//! The embed's sign-in: a token the host signed, exchanged for a session the page keeps in
//! memory (an embed cannot count on cookies), and the room it shows.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::ApiError;
use crate::model::RoomPage;

/// What an embed starts with: its session token and its room.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmbedStart {
    /// Sent in the socket's first frame (`auth`) and with the HTTP calls that need it.
    pub session: String,
    pub page: RoomPage,
}

/// `POST /api/embed_open`: signs the token's user in (refused tokens write nothing, see
/// `TokenError`) and opens the host's room `key` for them, if they are a member. `host`, when
/// given (the embed's `?host=`), must be the token's issuer.
#[server(endpoint = "embed_open")]
pub async fn embed_open(
    token: String,
    host: Option<String>,
    key: String,
) -> Result<EmbedStart, ApiError> {
    use crate::error::TokenError;
    use crate::server::{auth, context};
    let state = context::state()?;
    let (signed, issuer) = auth::host_sign_in(&state.store, &state.config, &token).await?;
    if host.as_deref().is_some_and(|h| h != issuer) {
        return Err(ApiError::TokenRefused(TokenError::TokenIssuer));
    }
    let room = state
        .store
        .host_room(&issuer, &key)
        .await?
        .ok_or(ApiError::RoomNotFound)?;
    let me = auth::session_of_token(&state.store, &signed.token)
        .await?
        .ok_or(ApiError::NotSignedIn)?;
    let page = super::rooms::room_page(&state, me, room.room_id).await?;
    Ok(EmbedStart {
        session: signed.token,
        page,
    })
}
