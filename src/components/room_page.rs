//! `/rooms/:id`: the room's header, its log and the composer.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use super::{Composer, MessageList};
use crate::api::{load_room, ApiError};
use crate::client::Chat;
use crate::model::RoomPage as Page;

/// Loads the room (latest messages rendered on the server) and shows it.
#[component]
pub fn RoomPage() -> impl IntoView {
    let params = use_params_map();
    let room_id = move || {
        params
            .read()
            .get("id")
            .and_then(|id| id.parse::<i64>().ok())
    };
    let page = Resource::new(room_id, |id| async move {
        match id {
            Some(id) => load_room(id).await,
            None => Err(ApiError::RoomNotFound),
        }
    });
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || {
                page.get()
                    .map(|page| match page {
                        Ok(page) => view! { <Room page /> }.into_any(),
                        Err(e) => {
                            view! {
                                <section class="card narrow">
                                    <p class="form-error" role="alert">{e.to_string()}</p>
                                    <a href="/">"Back to your rooms"</a>
                                </section>
                            }
                                .into_any()
                        }
                    })
            }}
        </Suspense>
    }
}

#[component]
fn Room(page: Page) -> impl IntoView {
    let chat = expect_context::<Chat>();
    let room = page.room.id;
    let feed = chat.feed(room);
    chat.note_epoch(&page.epoch);
    feed.merge(&page.messages);
    Effect::new(move |_| {
        chat.watch(room, 0);
        chat.enter(room);
    });
    on_cleanup(move || chat.exit(room));
    let online = feed.online.clone();
    let count = move || online.with(|o| o.as_ref().map_or(0, Vec::len));
    let names = feed.online.clone();
    let names = move || {
        names.with(|o| {
            o.iter()
                .flatten()
                .map(|u| u.display_name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        })
    };
    view! {
        <section class="room" data-room-id=room>
            <header class="room-header">
                <a href="/" class="back" aria-label="Back to rooms">"‹"</a>
                <h1>{page.room.name}</h1>
                <span class="online" title=names data-testid="online-count">
                    {count}
                    " online"
                </span>
            </header>
            <MessageList feed me=page.me.user_id />
            <Composer room />
        </section>
    }
}
