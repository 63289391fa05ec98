//! The bar on top: the name, the language, the search box, notifications, the user, and
//! sign-out.

use leptos::prelude::*;
use leptos_router::components::A;

use super::session::use_session;
use super::{LanguageSwitch, NotifyButton, SearchBox};
use crate::i18n::use_i18n;

/// Brand, language switch, and for a signed-in user their name and a sign-out button.
#[component]
pub fn TopBar() -> impl IntoView {
    let session = use_session();
    let i18n = use_i18n();
    // An embed shows its room only, inside the host's page.
    if leptos_router::hooks::use_location()
        .pathname
        .get_untracked()
        .starts_with("/embed/")
    {
        return ().into_any();
    }
    view! {
        <header class="top-bar">
            <A href="/" attr:class="brand">
                "Parlor"
            </A>
            <LanguageSwitch />
            <Transition fallback=|| ()>
                {move || {
                    session
                        .me()
                        .map(|me| {
                            view! {
                                <SearchBox />
                                <NotifyButton />
                                <span class="me" data-testid="me">
                                    {me.display_name}
                                </span>
                                <ActionForm action=session.sign_out attr:class="inline">
                                    <button type="submit" class="link">
                                        {move || i18n.t().sign_out}
                                    </button>
                                </ActionForm>
                            }
                        })
                }}
            </Transition>
        </header>
    }
    .into_any()
}
