//! The button that asks for notification permission: only on a click, never on load.

use leptos::prelude::*;

use crate::client::notify;
use crate::i18n::use_i18n;

/// Shown while the browser has not been asked yet.
#[component]
pub fn NotifyButton() -> impl IntoView {
    let i18n = use_i18n();
    // Unknown until hydrated; the server renders nothing here.
    let permission = RwSignal::new(String::from("unsupported"));
    Effect::new(move |_| permission.set(notify::permission()));
    let ask = move |_| notify::ask(move |now| permission.set(now));
    move || {
        (permission.get() == "default").then(|| {
            view! {
                <button class="link" on:click=ask>
                    {move || i18n.t().enable_notifications}
                </button>
            }
        })
    }
}
