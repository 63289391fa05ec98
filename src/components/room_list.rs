//! The user's rooms with live participant counts and last messages, then public rooms to
//! join.

use leptos::prelude::*;
use leptos_router::components::A;

use super::{CreateRoomForm, DirectRoomForm};
use crate::api::{list_rooms, CreateRoom, JoinRoom, OpenDirect};
use crate::client::Chat;
use crate::model::{RoomKind, RoomSummary};

/// The room list. Every member room is watched, so counts and previews stay live.
#[component]
pub fn RoomList() -> impl IntoView {
    let create = ServerAction::<CreateRoom>::new();
    let direct = ServerAction::<OpenDirect>::new();
    let join = ServerAction::<JoinRoom>::new();
    let rooms = Resource::new(
        move || (create.version().get(), join.version().get()),
        |_| list_rooms(),
    );
    view! {
        <section class="card rooms">
            <h1>"Rooms"</h1>
            <CreateRoomForm action=create />
            <DirectRoomForm action=direct />
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || {
                    rooms
                        .get()
                        .map(|r| match r {
                            Ok(rooms) => {
                                let (mine, others): (Vec<_>, Vec<_>) = rooms
                                    .into_iter()
                                    .partition(|r| r.is_member);
                                view! {
                                    <ul class="room-list" data-testid="my-rooms">
                                        {mine
                                            .into_iter()
                                            .map(|room| view! { <RoomRow room /> })
                                            .collect_view()}
                                    </ul>
                                    <Show when={
                                        let any = !others.is_empty();
                                        move || any
                                    }>
                                        <h2>"Public rooms"</h2>
                                    </Show>
                                    <ul class="room-list public" data-testid="public-rooms">
                                        {others
                                            .into_iter()
                                            .map(|room| view! { <JoinRow room join /> })
                                            .collect_view()}
                                    </ul>
                                }
                                    .into_any()
                            }
                            Err(e) => view! { <p class="form-error">{e.to_string()}</p> }.into_any(),
                        })
                }}
            </Transition>
        </section>
    }
}

#[component]
fn RoomRow(room: RoomSummary) -> impl IntoView {
    let chat = expect_context::<Chat>();
    let feed = chat.feed(room.id);
    let (id, last_seq) = (room.id, room.last_seq);
    Effect::new(move |_| chat.watch(id, last_seq));
    let online = feed.online.clone();
    let count = move || online.with(|o| o.as_ref().map_or(0, Vec::len));
    let fallback = room.last_message.clone();
    let messages = feed.messages.clone();
    let preview = move || {
        messages
            .with(|m| m.last().cloned())
            .or_else(|| fallback.clone())
            .map(|m| format!("{}: {}", m.sender_name, m.body))
            .unwrap_or_default()
    };
    let kind = match room.kind {
        RoomKind::Direct => "direct",
        RoomKind::Group => "group",
    };
    view! {
        <li class="room-row" data-room-id=room.id>
            <A href=format!("/rooms/{}", room.id)>
                <span class="room-name">{room.name}</span>
                <span class=format!("kind {kind}")>{kind}</span>
                <span class="online" title="people here now">{count}</span>
                <span class="preview">{preview}</span>
            </A>
        </li>
    }
}

#[component]
fn JoinRow(room: RoomSummary, join: ServerAction<JoinRoom>) -> impl IntoView {
    view! {
        <li class="room-row">
            <span class="room-name">{room.name}</span>
            <ActionForm action=join attr:class="inline">
                <input type="hidden" name="room_id" value=room.id />
                <button type="submit">"Join"</button>
            </ActionForm>
        </li>
    }
}
