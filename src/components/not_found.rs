//! The page for unknown paths.

use leptos::prelude::*;

/// "Page not found", with a way back.
#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <section class="card narrow">
            <h1>"Page not found"</h1>
            <a href="/">"Back to your rooms"</a>
        </section>
    }
}
