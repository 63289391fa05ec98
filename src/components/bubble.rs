//! One message in the log: mine on the right, others' on the left with an avatar. The
//! first of a group carries the name and time; the rest of the group (`continued`) only
//! the body. The body is always text, never HTML, isolated for bidi, with `@mentions`
//! highlighted and direction controls shown as marks (`client::bidi`).

use leptos::prelude::*;

use super::Avatar;
use crate::client::bidi::{abbreviation, pieces, Piece};
use crate::client::mention::{segments, Segment};
use crate::client::Hydrated;
use crate::client::{time, Chat, FailReason, Pending, PendingState};
use crate::i18n::{fill, use_i18n};
use crate::protocol::{Message, RoomId};

/// A stored message; `read` says whether to show the other person's read marker under it;
/// `continued`, whether it goes on the group of the message before it.
#[component]
pub fn Bubble(
    message: Message,
    mine: bool,
    #[prop(into)] continued: Signal<bool>,
    #[prop(into)] read: Signal<bool>,
) -> impl IntoView {
    let Hydrated(hydrated) = expect_context::<Hydrated>();
    let i18n = use_i18n();
    let at = message.created_at;
    let clock = move || time::clock(at, hydrated.get(), i18n.0.get());
    // Reactive: loading older messages above can put this one into a group.
    let (name, username, sender_id) = (
        message.sender_name.clone(),
        message.sender_username.clone(),
        message.sender_id,
    );
    let header = move || {
        if continued.get() {
            // Screen readers still hear who wrote it.
            view! { <span class="visually-hidden">{name.clone()}</span> }.into_any()
        } else {
            let avatar = (!mine).then(|| view! { <Avatar user_id=sender_id name=name.clone() /> });
            view! {
                {avatar}
                <header>
                    <span class="name" dir="auto">{name.clone()}</span>
                    <span class="handle">{format!("@{username}")}</span>
                    <time>{clock}</time>
                </header>
            }
            .into_any()
        }
    };
    view! {
        <article
            class="bubble"
            class:mine=mine
            class:continued=move || continued.get()
            data-seq=message.seq
            data-client-msg-id=message.client_msg_id
            title=move || continued.get().then(clock)
        >
            {header}
            <p class="body" dir="auto">{body(&message.body)}</p>
            <Show when=move || read.get()>
                <footer class="read" data-testid="read-marker">
                    {move || i18n.t().read}
                </footer>
            </Show>
        </article>
    }
}

/// A message's text: plain runs, `@mentions`, and a visible mark for each direction control
/// (taken out of the text, so that it reorders nothing).
fn body(text: &str) -> impl IntoView {
    let i18n = use_i18n();
    segments(text)
        .into_iter()
        .flat_map(|s| match s {
            Segment::Mention(m) => {
                vec![view! { <mark class="mention">{m.to_owned()}</mark> }.into_any()]
            }
            Segment::Text(t) => pieces(t)
                .into_iter()
                .map(|p| match p {
                    Piece::Text(t) => view! { <span>{t.to_owned()}</span> }.into_any(),
                    Piece::Control(c) => {
                        let code = format!("U+{:04X}", u32::from(c));
                        let label = move || fill(i18n.t().direction_control, &[("code", &code)]);
                        view! {
                            <abbr class="bidi-control" title=label.clone() aria-label=label>
                                {abbreviation(c)}
                            </abbr>
                        }
                        .into_any()
                    }
                })
                .collect(),
        })
        .collect_view()
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
            <p class="body" dir="auto">{body(&pending.body)}</p>
            <footer>{status}</footer>
        </article>
    }
}
