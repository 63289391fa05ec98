//! The language switch: English or Korean, kept in a cookie for the next pages.

use leptos::prelude::*;

use crate::i18n::{self, use_i18n, Lang};

/// A select of the interface languages.
#[component]
pub fn LanguageSwitch() -> impl IntoView {
    let i18n = use_i18n();
    let on_change = move |ev: leptos::ev::Event| {
        if let Some(lang) = Lang::from_code(&event_target_value(&ev)) {
            i18n.0.set(lang);
            i18n::remember(lang);
        }
    };
    view! {
        <select
            class="language"
            aria-label=move || i18n.t().language
            prop:value=move || i18n.0.get().code()
            on:change=on_change
        >
            {Lang::ALL
                .iter()
                .map(|lang| {
                    let code = lang.code();
                    view! {
                        <option value=code selected=move || i18n.0.get() == *lang>
                            {lang.name()}
                        </option>
                    }
                })
                .collect_view()}
        </select>
    }
}
