//! The user's rooms with unread badges, live participant counts and last messages, then
//! public rooms to join. Creating a room and messaging someone are one "New chat" action
//! that opens its two small forms (a `<details>`, so it works without script too).
//!
//! `compact` is the desktop sidebar beside a room: the user's rooms only.

use leptos::prelude::*;
use leptos_router::components::A;

use super::{CreateRoomForm, DirectRoomForm, Invitations};
use crate::api::{list_rooms, public_rooms, CreateRoom, JoinRoom, OpenDirect};
use crate::client::Chat;
use crate::i18n::{fill, use_i18n};
use crate::model::{RoomKind, RoomSummary};

/// The room list. Every member room is watched, so badges, counts and previews stay live.
#[component]
pub fn RoomList(#[prop(optional)] compact: bool) -> impl IntoView {
    let i18n = use_i18n();
    let create = ServerAction::<CreateRoom>::new();
    let direct = ServerAction::<OpenDirect>::new();
    let join = ServerAction::<JoinRoom>::new();
    let rooms = Resource::new(
        move || (create.version().get(), join.version().get()),
        |_| list_rooms(),
    );
    view! {
        <section class="card rooms" class:compact=compact>
            <div class="rooms-head">
                {if compact {
                    view! { <h2>{move || i18n.t().rooms}</h2> }.into_any()
                } else {
                    view! { <h1>{move || i18n.t().rooms}</h1> }.into_any()
                }}
                <details class="new-chat" data-testid="new-chat">
                    <summary class="button">{move || i18n.t().new_chat}</summary>
                    <div class="popover">
                        <CreateRoomForm action=create />
                        <DirectRoomForm action=direct />
                    </div>
                </details>
            </div>
            <Invitations />
            <Transition fallback=move || view! { <p class="loading">{move || i18n.t().loading}</p> }>
                {move || {
                    rooms
                        .get()
                        .map(|r| match r {
                            Ok(rooms) => {
                                let (mine, others): (Vec<_>, Vec<_>) = rooms
                                    .into_iter()
                                    .partition(|r| r.is_member);
                                let others = if compact { Vec::new() } else { others };
                                let any_public = !others.is_empty();
                                let last_public = others.last().map(|r| r.id);
                                view! {
                                    <ul class="room-list" data-testid="my-rooms">
                                        {mine
                                            .into_iter()
                                            .map(|room| view! { <RoomRow room /> })
                                            .collect_view()}
                                    </ul>
                                    {any_public
                                        .then(|| view! { <h2>{move || i18n.t().public_rooms}</h2> })}
                                    <ul class="room-list public" data-testid="public-rooms">
                                        {others
                                            .into_iter()
                                            .map(|room| view! { <JoinRow room join /> })
                                            .collect_view()}
                                    </ul>
                                    {(!compact)
                                        .then(|| view! { <MorePublicRooms after=last_public join /> })}
                                }
                                    .into_any()
                            }
                            Err(e) => {
                                view! { <p class="form-error">{i18n.t().api_error(&e)}</p> }
                                    .into_any()
                            }
                        })
                }}
            </Transition>
        </section>
    }
}

#[component]
fn RoomRow(room: RoomSummary) -> impl IntoView {
    let chat = expect_context::<Chat>();
    let i18n = use_i18n();
    // On the server the row shows the summary as loaded and never touches the room's feed:
    // the room page beside it writes the same signals, possibly on another thread at the same
    // moment, and a signal read while another thread writes it panics. In the browser the
    // feed takes over these text nodes when the page hydrates.
    let feed = (!cfg!(feature = "ssr")).then(|| chat.feed(room.id));
    if let Some(feed) = &feed {
        feed.note_seen(room.last_seq);
        feed.advance_read(room.last_read_seq);
        feed.note_unread(room.last_seq, room.last_read_seq, room.unread);
    }
    let id = room.id;
    Effect::new(move |_| chat.watch(id, 0));
    let count = {
        let online = feed.as_ref().map(|f| f.online.clone());
        Memo::new(move |_| {
            online
                .as_ref()
                .map_or(0, |o| o.with(|o| o.as_ref().map_or(0, Vec::len)))
        })
    };
    let unread = {
        let feed = feed.clone();
        let loaded = room.unread;
        Memo::new(move |_| feed.as_ref().map_or(loaded, |f| f.unread()))
    };
    let fallback = room.last_message.clone();
    let messages = feed.map(|f| f.messages.clone());
    let preview = move || {
        messages
            .as_ref()
            .and_then(|m| m.with(|m| m.last().cloned()))
            .or_else(|| fallback.clone())
            .map(|m| {
                let t = i18n.t();
                let text = if m.removed_by_moderator {
                    t.moderation.removed_by_moderator
                } else if m.deleted {
                    t.message_deleted
                } else if m.hidden {
                    t.moderation.hidden_pending_review
                } else {
                    m.body.as_str()
                };
                format!("{}: {}", m.sender_name, text)
            })
            .unwrap_or_default()
    };
    let (kind, kind_text): (_, fn(&'static crate::i18n::Texts) -> &'static str) = match room.kind {
        RoomKind::Direct => ("direct", |t| t.kind_direct),
        RoomKind::Group => ("group", |t| t.kind_group),
    };
    view! {
        <li class="room-row" data-room-id=room.id>
            <A href=format!("/rooms/{}", room.id)>
                <span class="room-name">{room.name}</span>
                <span class=format!("kind {kind}")>{move || kind_text(i18n.t())}</span>
                <span class="online" class:zero=move || count.get() == 0 title=move || i18n.t().people_here>
                    {move || fill(i18n.t().online, &[("n", &count.get().to_string())])}
                </span>
                <span
                    class="badge"
                    data-testid="unread-badge"
                    class:zero=move || unread.get() == 0
                    aria-label=move || fill(i18n.t().unread, &[("n", &unread.get().to_string())])
                >
                    {move || unread.get()}
                </span>
                <span class="preview">{preview}</span>
            </A>
        </li>
    }
}

#[component]
fn JoinRow(room: RoomSummary, join: ServerAction<JoinRoom>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <li class="room-row">
            <span class="room-name">{room.name}</span>
            <ActionForm action=join attr:class="inline">
                <input type="hidden" name="room_id" value=room.id />
                <button type="submit">{move || i18n.t().join}</button>
            </ActionForm>
        </li>
    }
}

/// The next pages of public rooms, loaded on request, after the room `after`.
#[component]
fn MorePublicRooms(after: Option<i64>, join: ServerAction<JoinRoom>) -> impl IntoView {
    let i18n = use_i18n();
    let loaded = RwSignal::new(Vec::<RoomSummary>::new());
    let cursor = RwSignal::new(after);
    let more = Action::new(move |after: &Option<i64>| {
        let after = *after;
        async move { public_rooms(after).await }
    });
    Effect::new(move |_| {
        if let Some(Ok(page)) = more.value().get() {
            if let Some(last) = page.last() {
                cursor.set(Some(last.id));
            } else {
                cursor.set(None);
            }
            loaded.update(|l| l.extend(page));
        }
    });
    view! {
        <ul class="room-list public">
            {move || {
                loaded
                    .get()
                    .into_iter()
                    .map(|room| view! { <JoinRow room join /> })
                    .collect_view()
            }}
        </ul>
        {move || {
            cursor
                .get()
                .map(|after| {
                    view! {
                        <button class="link" on:click=move |_| { more.dispatch(Some(after)); }>
                            {move || i18n.t().more_public_rooms}
                        </button>
                    }
                })
        }}
    }
}
