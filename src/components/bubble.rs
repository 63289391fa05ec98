//! One message in the log: mine on the right, others' on the left with an avatar. The
//! first of a group carries the name and time; the rest of the group (`continued`) only
//! the body, isolated for bidi. A stored message's body is the HTML the server rendered
//! from its Markdown and cleaned (`server::markdown`), with `@mentions` and direction
//! controls already marked; a message still sending is plain text, marked here the same
//! way (`text::bidi`). Around the body: the quote of the message it answers, "edited",
//! the reactions and the actions (`message_parts`); a deleted message is a tombstone (one
//! that says so when a moderator removed it), a hidden one a placeholder with the
//! moderators' review.

use leptos::prelude::*;

use super::message_parts::{MessageActions, QuoteLine, ReactionBar, ReviewActions};
use super::{Avatar, RoomUi};
use crate::client::Hydrated;
use crate::client::{time, Chat, FailReason, Pending, PendingState};
use crate::i18n::{fill, use_i18n};
use crate::protocol::{Message, RoomId};
use crate::text::bidi::{abbreviation, pieces, Piece};
use crate::text::mention::{segments, Segment};

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
    let ui = expect_context::<RoomUi>();
    let seq = message.seq;
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
            class:highlight=move || ui.highlight.get() == Some(seq)
            class:deleted=message.deleted
            class:hidden-message=message.hidden
        >
            {header}
            {message.reply.clone().map(|quote| view! { <QuoteLine quote /> })}
            {content(&message)}
            {(!message.reactions.is_empty()).then(|| {
                let reactions = message.reactions.clone();
                view! {
                    <div class="reactions" data-testid="reactions">
                        <ReactionBar seq reactions />
                    </div>
                }
            })}
            {message.hidden.then(|| view! { <ReviewActions seq /> })}
            {(!message.deleted && !message.hidden).then(|| {
                let mine_reactions = message
                    .reactions
                    .iter()
                    .filter(|r| r.users.iter().any(|u| u.user_id == ui.me))
                    .map(|r| r.emoji.clone())
                    .collect::<Vec<_>>();
                view! { <MessageActions seq own=mine mine_reactions /> }
            })}
            <Show when=move || read.get()>
                <footer class="read" data-testid="read-marker">
                    {move || i18n.t().read}
                </footer>
            </Show>
        </article>
    }
}

/// A stored message's body: its rendered HTML and "edited", or its tombstone.
fn content(message: &Message) -> impl IntoView {
    let i18n = use_i18n();
    if message.deleted {
        let removed = message.removed_by_moderator;
        let text = move || {
            let t = i18n.t();
            if removed {
                t.moderation.removed_by_moderator
            } else {
                t.message_deleted
            }
        };
        return view! {
            <p class="body tombstone" data-testid="tombstone" class:removed=removed>{text}</p>
        }
        .into_any();
    }
    if message.hidden {
        return view! {
            <p class="body tombstone" data-testid="hidden-message">
                {move || i18n.t().moderation.hidden_pending_review}
            </p>
        }
        .into_any();
    }
    let edited = message.edited_at.map(|_| {
        view! { <span class="edited" data-testid="edited">{move || i18n.t().edited}</span> }
    });
    // The server's HTML, cleaned by its allow-list; a row without (never expected) as text.
    let body = if message.html.is_empty() {
        view! { <div class="body" dir="auto"><p>{body(&message.body)}</p></div> }.into_any()
    } else {
        view! { <div class="body" dir="auto" inner_html=message.html.clone()></div> }.into_any()
    };
    view! { {body} {edited} }.into_any()
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
            <div class="body" dir="auto"><p>{body(&pending.body)}</p></div>
            <footer>{status}</footer>
        </article>
    }
}
