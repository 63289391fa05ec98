//! One message in the log: mine on the right, others' on the left, with name and time.
//! The body is always text, never HTML; `@mentions` are highlighted.

use leptos::prelude::*;

use crate::client::mention::{segments, Segment};
use crate::client::Hydrated;
use crate::client::{time, Chat, FailReason, Pending, PendingState};
use crate::i18n::{fill, use_i18n};
use crate::protocol::{Message, RoomId};

/// A stored message; `read` says whether to show the other person's read marker under it.
#[component]
pub fn Bubble(message: Message, mine: bool, #[prop(into)] read: Signal<bool>) -> impl IntoView {
    let Hydrated(hydrated) = expect_context::<Hydrated>();
    let i18n = use_i18n();
    let at = message.created_at;
    let clock = move || time::clock(at, hydrated.get(), i18n.0.get());
    let body = segments(&message.body)
        .into_iter()
        .map(|s| match s {
            Segment::Text(t) => view! { <span>{t.to_owned()}</span> }.into_any(),
            Segment::Mention(m) => view! { <mark class="mention">{m.to_owned()}</mark> }.into_any(),
        })
        .collect_view();
    view! {
        <article
            class="bubble"
            class:mine=mine
            data-seq=message.seq
            data-client-msg-id=message.client_msg_id
        >
            <header>
                <span class="name">{message.sender_name}</span>
                <span class="handle">{format!("@{}", message.sender_username)}</span>
                <time>{clock}</time>
            </header>
            <p class="body">{body}</p>
            <Show when=move || read.get()>
                <footer class="read" data-testid="read-marker">
                    {move || i18n.t().read}
                </footer>
            </Show>
        </article>
    }
}

/// A message of mine not yet acknowledged: "sending", or failed with retry and discard.
#[component]
pub fn PendingBubble(pending: Pending, room: RoomId) -> impl IntoView {
    let chat = expect_context::<Chat>();
    let i18n = use_i18n();
    let id = pending.client_msg_id.clone();
    let status = match pending.state {
        PendingState::Sending => {
            view! { <span class="status">{move || i18n.t().sending}</span> }.into_any()
        }
        PendingState::Failed(reason) => {
            let (retry_id, discard_id) = (id.clone(), id.clone());
            let why = move || {
                let t = i18n.t();
                let reason = match reason {
                    FailReason::NoAnswer => t.no_answer,
                    FailReason::Refused(code) => t.send_error(code),
                };
                fill(t.not_sent, &[("reason", reason)])
            };
            view! {
                <span class="status failed">{why}</span>
                <button class="link" on:click=move |_| chat.retry(room, retry_id.clone())>
                    {move || i18n.t().retry}
                </button>
                <button class="link" on:click=move |_| chat.discard(room, &discard_id)>
                    {move || i18n.t().discard}
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
