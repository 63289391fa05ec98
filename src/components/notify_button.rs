//! The button that asks for notification permission: only on a click, never on load.

use leptos::prelude::*;

use crate::client::notify;
use crate::i18n::use_i18n;

/// A bell, shown while the browser has not been asked yet.
#[component]
pub fn NotifyButton() -> impl IntoView {
    let i18n = use_i18n();
    // Unknown until hydrated; the server renders nothing here.
    let permission = RwSignal::new(String::from("unsupported"));
    Effect::new(move |_| permission.set(notify::permission()));
    let ask = move |_| notify::ask(move |now| permission.set(now));
    move || {
        (permission.get() == "default").then(|| {
            let label = move || i18n.t().enable_notifications;
            view! {
                <button class="link bell" on:click=ask title=label>
                    <span aria-hidden="true">"🔔"</span>
                    <span class="label">{label}</span>
                </button>
            }
        })
    }
}
