//! One message in the log: mine on the right, others' on the left, with name and time.
//! The body is always text, never HTML.

use leptos::prelude::*;

use crate::app::Hydrated;
use crate::client::{time, Chat, Pending, PendingState};
use crate::protocol::{Message, RoomId};

/// A stored message.
#[component]
pub fn Bubble(message: Message, mine: bool) -> impl IntoView {
    let Hydrated(hydrated) = expect_context::<Hydrated>();
    let at = message.created_at;
    let clock = move || time::clock(at, hydrated.get());
    view! {
        <article
            class="bubble"
            class:mine=mine
            data-seq=message.seq
            data-client-msg-id=message.client_msg_id
        >
            <header>
                <span class="name">{message.sender_name}</span>
                <time>{clock}</time>
            </header>
            <p class="body">{message.body}</p>
        </article>
    }
}

/// A message of mine not yet acknowledged: "sending", or failed with retry and discard.
#[component]
pub fn PendingBubble(pending: Pending, room: RoomId) -> impl IntoView {
    let chat = expect_context::<Chat>();
    let id = pending.client_msg_id.clone();
    let status = match pending.state {
        PendingState::Sending => view! { <span class="status">"Sending…"</span> }.into_any(),
        PendingState::Failed(reason) => {
            let (retry_id, discard_id) = (id.clone(), id.clone());
            view! {
                <span class="status failed">{format!("Not sent: {reason}")}</span>
                <button class="link" on:click=move |_| chat.retry(room, retry_id.clone())>
                    "Retry"
                </button>
                <button
                    class="link"
                    on:click=move |_| chat.discard(room, &discard_id)
                >
                    "Discard"
                </button>
            }
            .into_any()
        }
    };
    view! {
        <article class="bubble mine pending" data-client-msg-id=id>
            <p class="body">{pending.body}</p>
            <footer>{status}</footer>
        </article>
    }
}
