//! `/search?q=…`: the messages of every room the reader belongs to that match the query,
//! the most relevant first, then the newest. Each hit names its room, sender and time, and
//! shows a snippet whose matches are `<mark>`ed text nodes (never HTML from the body); a
//! click opens the room at that message (`/rooms/:id?at=seq`). The query comes from the
//! URL, so the page works without script, and the search box (`SearchBox`) updates it as
//! the reader types.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use crate::api::search_messages;
use crate::client::{time, Hydrated};
use crate::i18n::{fill, use_i18n};
use crate::model::{SearchHit, SearchPage as Page};

#[component]
pub fn SearchPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let q = Memo::new(move |_| query.read().get("q").unwrap_or_default());
    let first = Resource::new(
        move || q.get(),
        |q| async move {
            if q.trim().is_empty() {
                Ok(None)
            } else {
                search_messages(q, None, None).await.map(Some)
            }
        },
    );
    // Later pages, appended below the first; a new query starts again.
    let more = RwSignal::new(Vec::<SearchHit>::new());
    let next = RwSignal::new(None::<i64>);
    Effect::new(move |_| {
        q.track();
        more.set(Vec::new());
        next.set(None);
    });
    let load_more = Action::new(move |page: &i64| {
        let (query, page) = (q.get_untracked(), *page);
        async move { (page, search_messages(query, Some(page), None).await) }
    });
    Effect::new(move |_| {
        if let Some((page, Ok(found))) = load_more.value().get() {
            next.set(found.more.then_some(page + 1));
            more.update(|m| m.extend(found.hits));
        }
    });
    view! {
        <section class="card search-results" data-testid="search-results">
            <h1>{move || i18n.t().search_results}</h1>
            <Transition fallback=move || view! { <p class="loading">{move || i18n.t().loading}</p> }>
                {move || {
                    first
                        .get()
                        .map(|found| match found {
                            Ok(None) => {
                                view! { <p class="hint">{move || i18n.t().search_hint}</p> }
                                    .into_any()
                            }
                            Ok(Some(Page { hits, .. })) if hits.is_empty() => {
                                view! {
                                    <p class="hint" data-testid="no-matches" role="status">
                                        {move || fill(i18n.t().no_matches, &[("q", &q.get())])}
                                    </p>
                                }
                                    .into_any()
                            }
                            Ok(Some(page)) => {
                                if next.get_untracked().is_none() && more.with_untracked(Vec::is_empty) {
                                    next.set(page.more.then_some(1));
                                }
                                view! {
                                    <ol class="hits">
                                        {page.hits.into_iter().map(|hit| view! { <Hit hit /> }).collect_view()}
                                        <For each=move || more.get() key=|h| (h.room_id, h.seq) let:hit>
                                            <Hit hit />
                                        </For>
                                    </ol>
                                    <Show when=move || next.get().is_some()>
                                        <button
                                            class="link"
                                            on:click=move |_| {
                                                if let Some(page) = next.get_untracked() {
                                                    load_more.dispatch(page);
                                                }
                                            }
                                        >
                                            {move || i18n.t().more_results}
                                        </button>
                                    </Show>
                                }
                                    .into_any()
                            }
                            Err(e) => {
                                view! { <p class="form-error" role="alert">{i18n.t().api_error(&e)}</p> }
                                    .into_any()
                            }
                        })
                }}
            </Transition>
        </section>
    }
}

/// One hit: where and when, and the snippet.
#[component]
fn Hit(hit: SearchHit) -> impl IntoView {
    let i18n = use_i18n();
    let Hydrated(hydrated) = expect_context::<Hydrated>();
    let at = hit.created_at;
    let when = move || {
        let (local, lang) = (hydrated.get(), i18n.0.get());
        format!(
            "{} {}",
            time::day_label(at, local, lang),
            time::clock(at, local, lang)
        )
    };
    let snippet = hit
        .snippet
        .into_iter()
        .map(|part| {
            if part.hit {
                view! { <mark>{part.text}</mark> }.into_any()
            } else {
                part.text.into_any()
            }
        })
        .collect_view();
    view! {
        <li class="hit">
            <A href=format!("/rooms/{}?at={}", hit.room_id, hit.seq) attr:data-testid="search-hit">
                <span class="hit-head">
                    <span class="hit-room">{hit.room_name}</span>
                    <span class="hit-sender" dir="auto">{hit.sender_name}</span>
                    <span class="hit-time">{when}</span>
                </span>
                <span class="snippet" dir="auto">{snippet}</span>
            </A>
        </li>
    }
}
