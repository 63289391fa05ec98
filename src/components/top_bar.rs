//! The bar on top: the name, the user, and sign-out.

use leptos::prelude::*;
use leptos_router::components::A;

use super::session::use_session;

/// Brand, the signed-in user's name and a sign-out button.
#[component]
pub fn TopBar() -> impl IntoView {
    let session = use_session();
    view! {
        <header class="top-bar">
            <A href="/" attr:class="brand">"Parlor"</A>
            <Transition fallback=|| ()>
                {move || {
                    session
                        .me()
                        .map(|me| {
                            view! {
                                <span class="me" data-testid="me">{me.display_name}</span>
                                <ActionForm action=session.sign_out attr:class="inline">
                                    <button type="submit" class="link">"Sign out"</button>
                                </ActionForm>
                            }
                        })
                }}
            </Transition>
        </header>
    }
}
