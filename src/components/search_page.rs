//! `/search?q=…`: the messages of every room the reader belongs to that match the query,
//! the most relevant first, then the newest. Each hit names its room, sender and time, and
//! shows a snippet whose matches are `<mark>`ed text nodes (never HTML from the body); a
//! click opens the room at that message (`/rooms/:id?at=seq`). The query comes from the
//! URL, so the page works without script, and the search box (`SearchBox`) updates it as
//! the reader types.

use std::collections::HashSet;

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use crate::api::search_messages;
use crate::client::{time, Hydrated};
use crate::i18n::{fill, use_i18n};
use crate::model::{SearchHit, SearchPage as Page};

/// The pages loaded after the first for `query`, their hits in order, each once.
struct More {
    query: String,
    hits: Vec<SearchHit>,
    seen: HashSet<(i64, i64)>,
    /// The next page to ask for, while there is one.
    next: Option<i64>,
}

impl More {
    fn new(query: String) -> Self {
        More {
            query,
            hits: Vec::new(),
            seen: HashSet::new(),
            next: None,
        }
    }

    /// Page `page`'s hits, after those already here; a hit seen before is skipped (a page
    /// boundary moves when a message arrives or goes between two loads).
    fn add(&mut self, found: Page, page: i64) {
        for hit in found.hits {
            if self.seen.insert((hit.room_id, hit.seq)) {
                self.hits.push(hit);
            }
        }
        self.next = found.more.then_some(page + 1);
    }
}

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
    // The pages after the first, for the query they were loaded for: a page that comes back
    // after the query changed is dropped, and a new query starts from its own first page
    // (nothing to reset, so a page rendered on the server keeps its "More results").
    let extra = RwSignal::new(None::<More>);
    let load_more = Action::new(move |(query, page): &(String, i64)| {
        let (query, page) = (query.clone(), *page);
        async move {
            let found = search_messages(query.clone(), Some(page), None).await?;
            if q.get_untracked() == query {
                extra.update(|extra| match extra {
                    Some(more) if more.query == query => more.add(found, page),
                    _ => {
                        let mut more = More::new(query);
                        more.add(found, page);
                        *extra = Some(more);
                    }
                });
            }
            Ok::<_, crate::api::ApiError>(())
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
                                let shown = q.get_untracked();
                                let first: HashSet<(i64, i64)> =
                                    page.hits.iter().map(|h| (h.room_id, h.seq)).collect();
                                let first_more = page.more;
                                // The page after the last one shown, if there is one.
                                let next = {
                                    let shown = shown.clone();
                                    move || match extra.read().as_ref() {
                                        Some(more) if more.query == shown => more.next,
                                        _ => first_more.then_some(1),
                                    }
                                };
                                let later = {
                                    let shown = shown.clone();
                                    move || match extra.read().as_ref() {
                                        Some(more) if more.query == shown => more
                                            .hits
                                            .iter()
                                            .filter(|h| !first.contains(&(h.room_id, h.seq)))
                                            .cloned()
                                            .collect(),
                                        _ => Vec::new(),
                                    }
                                };
                                let has_next = next.clone();
                                view! {
                                    <ol class="hits">
                                        {page.hits.into_iter().map(|hit| view! { <Hit hit /> }).collect_view()}
                                        <For each=later key=|h| (h.room_id, h.seq) let:hit>
                                            <Hit hit />
                                        </For>
                                    </ol>
                                    <Show when=move || has_next().is_some()>
                                        <button
                                            class="link"
                                            data-testid="more-results"
                                            disabled=move || load_more.pending().get()
                                            on:click={
                                                let (next, shown) = (next.clone(), shown.clone());
                                                move |_| {
                                                    if let Some(page) = next() {
                                                        load_more.dispatch((shown.clone(), page));
                                                    }
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
