//! `/rooms/:id`: on a desktop the room list beside the room; the room's header with who is
//! here (and for its moderators, the moderation panel), its log, who is typing, and the
//! composer. Going to another room from the list
//! changes the route's parameter only: the list stays, and the room is swapped in place.

use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::{
    Avatar, Composer, MessageList, ModerationPanel, RoomActions, RoomList, RoomUi, TypingLine,
};
use crate::api::{load_room, ApiError};
use crate::client::Chat;
use crate::i18n::{fill, use_i18n};
use crate::model::RoomPage as Page;

/// Loads the room (latest messages rendered on the server) and shows it.
#[component]
pub fn RoomPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let room_id = move || {
        params
            .read()
            .get("id")
            .and_then(|id| id.parse::<i64>().ok())
    };
    let page = Resource::new(room_id, |id| async move {
        match id {
            Some(id) => load_room(id, None).await,
            None => Err(ApiError::RoomNotFound),
        }
    });
    view! {
        <div class="split">
        // Hidden on a phone, where the list and the room are two screens.
        <aside class="sidebar" aria-label=move || i18n.t().rooms>
            <RoomList compact=true />
        </aside>
        <div class="pane">
        <Suspense fallback=move || view! { <p class="loading">{move || i18n.t().loading}</p> }>
            {move || {
                page.get()
                    .map(|page| match page {
                        Ok(page) => view! { <Room page /> }.into_any(),
                        Err(e) => {
                            view! {
                                <section class="card narrow">
                                    <p class="form-error" role="alert">
                                        {i18n.t().api_error(&e)}
                                    </p>
                                    <a href="/">{move || i18n.t().back_to_rooms}</a>
                                </section>
                            }
                                .into_any()
                        }
                    })
            }}
        </Suspense>
        </div>
        </div>
    }
}

/// A room's view. `embedded`: inside a host's page (`EmbedPage`), without the way back to
/// the room list or the room's actions.
#[component]
pub(super) fn Room(page: Page, #[prop(optional)] embedded: bool) -> impl IntoView {
    let chat = expect_context::<Chat>();
    let i18n = use_i18n();
    let room = page.room.id;
    let feed = chat.feed(room);
    chat.note_epoch(&page.epoch);
    feed.merge(&page.messages);
    if let Some(seq) = page.peer_read_seq {
        feed.advance_peer_read(seq);
    }
    // The read position and unread count matter only to the browser; on the server the
    // sidebar's row of this room writes the same signals, possibly on another thread at
    // the same moment, and a signal read while another thread writes it panics. Watching
    // resumes from the room's last row: the page holds its state up to there (events after
    // the last message included).
    let summary = page.room.clone();
    let resumed = feed.clone();
    let muted = page.muted.clone();
    let (role, read_only) = (page.role, page.read_only);
    Effect::new(move |_| {
        let feed = &resumed;
        if muted.is_some() {
            feed.muted.set(muted.clone());
        }
        feed.standing.role.set(role);
        feed.standing.read_only.set(read_only);
        feed.advance_read(summary.last_read_seq);
        feed.note_unread(summary.last_seq, summary.last_read_seq, summary.unread);
        chat.watch(room, summary.last_seq);
        chat.enter(room);
    });
    on_cleanup(move || chat.exit(room));
    let ui = RoomUi::new(room, page.me.user_id);
    provide_context(ui);
    // `?at=seq` (a search hit): the log brings that message into view, highlighted.
    let query = use_query_map();
    Effect::new(move |_| {
        if let Some(seq) = query.read().get("at").and_then(|s| s.parse().ok()) {
            ui.jump.set(Some(seq));
        }
    });
    let online = feed.online.clone();
    let count = move || online.with(|o| o.as_ref().map_or(0, Vec::len));
    let here = feed.online.clone();
    let here = move || here.get().unwrap_or_default();
    let direct = page.room.kind == crate::model::RoomKind::Direct;
    // A display name need not be unique: a direct room also names the person's username.
    let handle = page.room.peer_username.clone().map(|u| format!("@{u}"));
    let actions = page.room.clone();
    let standing = feed.standing.clone();
    let reports_at_load = page.open_reports;
    let moderation = move || {
        standing
            .moderates()
            .then(|| view! { <ModerationPanel room reports_at_load /> })
    };
    view! {
        <section class="room" data-room-id=room>
            <header class="room-header">
                {(!embedded)
                    .then(|| {
                        view! {
                            <a href="/" class="back" aria-label=move || i18n.t().back_to_rooms>
                                "‹"
                            </a>
                        }
                    })}
                <h1>{page.room.name}</h1>
                {handle.map(|h| view! { <span class="handle">{h}</span> })}
                // Who is here: a list that opens from the count, without script too.
                <details class="people">
                    <summary class="online" data-testid="online-count">
                        {move || fill(i18n.t().online, &[("n", &count().to_string())])}
                    </summary>
                    <div class="people-list" data-testid="people">
                        <h2>{move || i18n.t().here_now}</h2>
                        <ul>
                            <For each=here key=|u| u.user_id let:u>
                                <li>
                                    <Avatar user_id=u.user_id name=u.display_name.clone() />
                                    <span dir="auto">{u.display_name}</span>
                                </li>
                            </For>
                        </ul>
                    </div>
                </details>
                {(!embedded).then(|| view! { <RoomActions room=actions /> })}
                {moderation}
            </header>
            <MessageList feed=feed.clone() me=page.me.user_id direct />
            <TypingLine feed />
            <Composer room focus=!embedded />
        </section>
    }
}
