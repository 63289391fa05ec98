//! `/`: the room list when signed in, a welcome otherwise.

use leptos::prelude::*;
use leptos_router::components::A;

use super::session::use_session;
use super::RoomList;

/// The room list, or a way to sign in.
#[component]
pub fn HomePage() -> impl IntoView {
    let session = use_session();
    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || {
                session
                    .user
                    .get()
                    .map(|user| match user {
                        Ok(Some(_)) => view! { <RoomList /> }.into_any(),
                        Ok(None) => view! { <Welcome /> }.into_any(),
                        Err(e) => view! { <p class="form-error">{e.to_string()}</p> }.into_any(),
                    })
            }}
        </Transition>
    }
}

#[component]
fn Welcome() -> impl IntoView {
    view! {
        <section class="card narrow welcome">
            <h1>"Parlor"</h1>
            <p>"Real-time chat for your Q&A community."</p>
            <p>
                <A href="/signin" attr:class="button">"Sign in"</A>
                " "
                <A href="/signup" attr:class="button secondary">"Create an account"</A>
            </p>
        </section>
    }
}
