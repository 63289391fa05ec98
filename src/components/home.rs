//! `/`: the room list when signed in, a welcome otherwise.

use leptos::prelude::*;
use leptos_router::components::A;

use super::session::use_session;
use super::RoomList;
use crate::i18n::use_i18n;

/// The room list, or a way to sign in.
#[component]
pub fn HomePage() -> impl IntoView {
    let session = use_session();
    let i18n = use_i18n();
    view! {
        <Transition fallback=move || view! { <p class="loading">{move || i18n.t().loading}</p> }>
            {move || {
                session
                    .user
                    .get()
                    .map(|user| match user {
                        Ok(Some(_)) => view! { <RoomList /> }.into_any(),
                        Ok(None) => view! { <Welcome /> }.into_any(),
                        Err(e) => {
                            view! { <p class="form-error">{i18n.t().api_error(&e)}</p> }.into_any()
                        }
                    })
            }}
        </Transition>
    }
}

#[component]
fn Welcome() -> impl IntoView {
    let i18n = use_i18n();
    let t = move || i18n.t();
    view! {
        <section class="card narrow welcome">
            <h1>"Parlor"</h1>
            <p>{move || t().tagline}</p>
            <p>
                <A href="/signin" attr:class="button">
                    {move || t().sign_in}
                </A>
                " "
                <A href="/signup" attr:class="button secondary">
                    {move || t().create_account}
                </A>
            </p>
        </section>
    }
}
