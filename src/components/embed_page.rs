//! `/embed/rooms/:key?host=…&lang=…#token=…`: one host room inside the host's page, without
//! the app's chrome: its log, who is typing, the composer and the participant count.
//!
//! The page takes the token from the URL's fragment (never sent to a server, never in a
//! log), removes it from the address at once, and exchanges it (`embed_open`) for a session
//! it keeps in memory: no cookie is set or read, so the embed works where the browser blocks
//! third-party cookies. A reload needs a new token from the host, as tokens are single-use.

use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::room_page::Room;
use crate::api::{embed_open, ApiError, EmbedStart};
use crate::client::Chat;
use crate::i18n::use_i18n;

#[derive(Clone)]
enum Embed {
    Opening,
    Open(Box<EmbedStart>),
    Refused(ApiError),
}

#[component]
pub fn EmbedPage() -> impl IntoView {
    let i18n = use_i18n();
    let chat = expect_context::<Chat>();
    let params = use_params_map();
    let query = use_query_map();
    let state = RwSignal::new(Embed::Opening);
    // In the browser only, once.
    Effect::new(move |_| {
        let key = params.read_untracked().get("key").unwrap_or_default();
        let host = query.read_untracked().get("host");
        let Some(token) = take_token() else {
            state.set(Embed::Refused(ApiError::NotSignedIn));
            return;
        };
        leptos::task::spawn_local(async move {
            match embed_open(token, host, key).await {
                Ok(start) => {
                    chat.connect_embedded(start.page.me.clone(), start.session.clone());
                    state.set(Embed::Open(Box::new(start)));
                }
                Err(e) => state.set(Embed::Refused(e)),
            }
        });
    });
    view! {
        <div class="embed" data-testid="embed">
            {move || match state.get() {
                Embed::Opening => {
                    view! { <p class="loading">{move || i18n.t().loading}</p> }.into_any()
                }
                Embed::Open(start) => view! { <Room page=start.page embedded=true /> }.into_any(),
                Embed::Refused(e) => {
                    view! {
                        <p class="form-error" role="alert" data-testid="embed-error">
                            {i18n.t().api_error(&e)}
                        </p>
                    }
                        .into_any()
                }
            }}
        </div>
    }
}

/// The token of the URL's fragment (`#token=…`), removed from the address bar and history.
#[cfg(feature = "hydrate")]
fn take_token() -> Option<String> {
    let location = window().location();
    let hash = location.hash().ok()?;
    let token = hash
        .trim_start_matches('#')
        .split('&')
        .find_map(|pair| pair.strip_prefix("token="))
        .filter(|t| !t.is_empty())?
        .to_owned();
    let bare = format!(
        "{}{}",
        location.pathname().unwrap_or_default(),
        location.search().unwrap_or_default()
    );
    if let Ok(history) = window().history() {
        let _ =
            history.replace_state_with_url(&leptos::wasm_bindgen::JsValue::NULL, "", Some(&bare));
    }
    Some(token)
}

/// Effects never run on the server.
#[cfg(not(feature = "hydrate"))]
fn take_token() -> Option<String> {
    None
}
