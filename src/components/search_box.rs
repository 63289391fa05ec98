//! The search box in the top bar, on every page of a signed-in reader. Typing updates the
//! results page (`/search?q=…`) a moment after the last key, without a reload; Enter goes
//! there at once, and without script the box is a plain GET form. `/` (when not typing
//! elsewhere) and Ctrl+K or ⌘K focus it.

use leptos::html::Input;
use leptos::leptos_dom::helpers::TimeoutHandle;
use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate, use_query_map};
use leptos_router::location::Url;
use leptos_router::NavigateOptions;

use crate::i18n::use_i18n;

/// Milliseconds after the last key before the results follow the box.
const DEBOUNCE_MS: u64 = 250;

#[component]
pub fn SearchBox() -> impl IntoView {
    let i18n = use_i18n();
    let input = NodeRef::<Input>::new();
    let location = use_location();
    let query = use_query_map();
    let on_results = move || location.pathname.get_untracked() == "/search";
    // The box shows the query of the results page it is on.
    let shown = move || {
        (location.pathname.get() == "/search")
            .then(|| query.read().get("q"))
            .flatten()
            .unwrap_or_default()
    };
    let navigate = use_navigate();
    // The pending debounce, cleared by the next key, by Enter and when the box goes.
    let pending = StoredValue::new(None::<TimeoutHandle>);
    let cancel = move || {
        if let Some(handle) = pending.try_update_value(Option::take).flatten() {
            handle.clear();
        }
    };
    let go = move |q: String, now: bool| {
        cancel();
        let navigate = navigate.clone();
        // The page the reader typed on: if she has gone elsewhere by the time the debounce
        // ends, the results do not pull her back.
        let from = location.pathname.get_untracked();
        let run = move |now: bool| {
            if !now && location.pathname.try_get_untracked().as_ref() != Some(&from) {
                return;
            }
            let replace = on_results();
            navigate(
                &format!("/search?q={}", Url::escape(&q)),
                NavigateOptions {
                    replace,
                    // Typing must not throw the reader to the top of a long list each time.
                    scroll: !replace,
                    ..Default::default()
                },
            );
        };
        if now {
            run(true);
        } else if let Ok(handle) = set_timeout_with_handle(
            move || {
                pending.try_set_value(None);
                run(false)
            },
            std::time::Duration::from_millis(DEBOUNCE_MS),
        ) {
            pending.try_set_value(Some(handle));
        }
    };
    let on_input = {
        let go = go.clone();
        move |ev| go(event_target_value(&ev), false)
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Some(el) = input.get_untracked() {
            go(el.value(), true);
        }
    };
    let keys = window_event_listener(leptos::ev::keydown, move |ev| {
        let chord = (ev.ctrl_key() || ev.meta_key()) && ev.key().eq_ignore_ascii_case("k");
        let slash = ev.key() == "/" && !ev.ctrl_key() && !ev.meta_key() && !typing_elsewhere();
        if chord || slash {
            if let Some(el) = input.get_untracked() {
                ev.prevent_default();
                let _ = el.focus();
                el.select();
            }
        }
    });
    on_cleanup(move || {
        keys.remove();
        cancel();
    });
    view! {
        <form class="search-box" role="search" action="/search" method="get" on:submit=on_submit>
            <input
                type="search"
                name="q"
                node_ref=input
                data-testid="search-box"
                // The attribute for the server's page (the box keeps its query without
                // script), the property once hydrated (an attribute is only the default).
                value=shown
                prop:value=shown
                placeholder=move || i18n.t().search_placeholder
                aria-label=move || i18n.t().search_label
                aria-keyshortcuts="/ Control+K Meta+K"
                autocomplete="off"
                on:input=on_input
            />
        </form>
    }
}

/// Whether the focus is in a field where `/` is text.
fn typing_elsewhere() -> bool {
    document().active_element().is_some_and(|el| {
        matches!(
            el.tag_name().to_ascii_lowercase().as_str(),
            "input" | "textarea" | "select"
        ) || el.get_attribute("contenteditable").is_some()
    })
}
