//! The page for unknown paths.

use leptos::prelude::*;

use crate::i18n::use_i18n;

/// "Page not found", with a way back.
#[component]
pub fn NotFound() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="card narrow">
            <h1>{move || i18n.t().page_not_found}</h1>
            <a href="/">{move || i18n.t().back_to_rooms}</a>
        </section>
    }
}
