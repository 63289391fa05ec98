//! The parts of a bubble around its body: the quote of the message a reply answers, the
//! reactions, and the actions (reply, react, edit, delete; report; a moderator's hide,
//! remove and restore). Each action asks the server; what it changes comes back as an
//! event of the room's sequence, for every tab at once.

use leptos::prelude::*;

use super::{FormError, RoomUi};
use crate::api::ReportMessage;
use crate::client::{Change, Chat};
use crate::i18n::{fill, use_i18n};
use crate::protocol::{excerpt, ModAction, Quote, Reaction, Seq, REACTIONS};

/// A moderator's action on message `seq` (`hide`, `restore`).
fn on_message(seq: Seq, action: ModAction) -> Change {
    Change::Moderate {
        user_id: 0,
        action,
        minutes: None,
        reason: String::new(),
        seq: Some(seq),
    }
}

/// A reply's quote of its parent: who wrote it and how it began, as the parent is now when
/// it is loaded (edited or deleted since), else as the server quoted it. A click brings the
/// parent into view, loading older messages if needed.
#[component]
pub fn QuoteLine(quote: Quote) -> impl IntoView {
    let chat = expect_context::<Chat>();
    let i18n = use_i18n();
    let ui = expect_context::<RoomUi>();
    let Quote {
        seq,
        sender_name,
        excerpt: quoted,
        deleted,
    } = quote;
    let messages = chat.feed(ui.room).messages;
    let now = move || {
        let held = messages.with(|m| {
            m.binary_search_by_key(&seq, |m| m.seq)
                .ok()
                .map(|at| (excerpt(&m[at].body), m[at].deleted))
        });
        held.unwrap_or_else(|| (quoted.clone(), deleted))
    };
    let now = Memo::new(move |_| now());
    view! {
        <button
            class="quote"
            data-testid="quote"
            data-parent-seq=seq
            title=move || i18n.t().show_original
            on:click=move |_| ui.jump.set(Some(seq))
        >
            <span class="quote-name" dir="auto">{sender_name}</span>
            <span class="quote-text" dir="auto" class:deleted=move || now.get().1>
                {move || {
                    let (text, deleted) = now.get();
                    if deleted { i18n.t().quote_deleted.to_owned() } else { text }
                }}
            </span>
        </button>
    }
}

/// The reactions to message `seq`: one button per emoji with its count; mine pressed.
#[component]
pub fn ReactionBar(seq: Seq, reactions: Vec<Reaction>) -> impl IntoView {
    let chat = expect_context::<Chat>();
    let i18n = use_i18n();
    let ui = expect_context::<RoomUi>();
    reactions
        .into_iter()
        .map(|r| {
            let mine = r.users.iter().any(|u| u.user_id == ui.me);
            let n = r.users.len().to_string();
            let names = r
                .users
                .iter()
                .map(|u| u.display_name.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            let emoji = r.emoji.clone();
            let label = {
                let (emoji, n) = (emoji.clone(), n.clone());
                move || {
                    fill(
                        i18n.t().reacted,
                        &[("emoji", &emoji), ("n", &n), ("names", &names)],
                    )
                }
            };
            let toggle = {
                let emoji = emoji.clone();
                move |_| {
                    let change = Change::React {
                        seq,
                        emoji: emoji.clone(),
                        on: !mine,
                    };
                    chat.change(ui.room, change);
                }
            };
            view! {
                <button
                    class="reaction"
                    class:mine=mine
                    aria-pressed=if mine { "true" } else { "false" }
                    data-emoji=emoji.clone()
                    title=label.clone()
                    aria-label=label
                    on:click=toggle
                >
                    <span aria-hidden="true">{emoji.clone()}</span>
                    <span class="count">{n}</span>
                </button>
            }
        })
        .collect_view()
}

/// The actions on message `seq`: shown on hover and keyboard focus, and from the menu
/// button on a touch screen. `own`: the sender's own message (edit, delete).
#[component]
pub fn MessageActions(seq: Seq, own: bool, mine_reactions: Vec<String>) -> impl IntoView {
    let chat = expect_context::<Chat>();
    let i18n = use_i18n();
    let ui = expect_context::<RoomUi>();
    let open = RwSignal::new(false);
    let confirming = RwSignal::new(false);
    let react = REACTIONS
        .iter()
        .map(|&emoji| {
            let on = !mine_reactions.iter().any(|m| m == emoji);
            let label = move || fill(i18n.t().react_with, &[("emoji", emoji)]);
            let pick = move |_| {
                let change = Change::React {
                    seq,
                    emoji: emoji.to_owned(),
                    on,
                };
                chat.change(ui.room, change);
                open.set(false);
            };
            view! {
                <button class="act emoji" data-emoji=emoji title=label aria-label=label on:click=pick>
                    {emoji}
                </button>
            }
        })
        .collect_view();
    let own_actions = own.then(|| {
        let delete = move |_| {
            if confirming.get_untracked() {
                chat.change(ui.room, Change::Delete { seq });
                confirming.set(false);
                open.set(false);
            } else {
                confirming.set(true);
            }
        };
        view! {
            <button
                class="act"
                data-action="edit"
                on:click=move |_| {
                    ui.reply_to.set(None);
                    ui.editing.set(Some(seq));
                    open.set(false);
                }
            >
                {move || i18n.t().edit}
            </button>
            <button class="act danger" data-action="delete" class:confirm=move || confirming.get() on:click=delete>
                {move || if confirming.get() { i18n.t().confirm_delete } else { i18n.t().delete }}
            </button>
        }
    });
    let others = (!own).then(|| view! { <OthersActions seq /> });
    view! {
        <div class="actions" class:open=move || open.get()>
            <button
                class="act menu"
                aria-haspopup="true"
                aria-expanded=move || if open.get() { "true" } else { "false" }
                aria-label=move || i18n.t().message_actions
                title=move || i18n.t().message_actions
                on:click=move |_| {
                    open.update(|o| *o = !*o);
                    confirming.set(false);
                }
            >
                "⋯"
            </button>
            <div class="toolbar" role="group" aria-label=move || i18n.t().message_actions>
                {react}
                <button
                    class="act"
                    data-action="reply"
                    on:click=move |_| {
                        ui.editing.set(None);
                        ui.reply_to.set(Some(seq));
                        open.set(false);
                    }
                >
                    {move || i18n.t().reply}
                </button>
                {own_actions}
                {others}
            </div>
        </div>
    }
}

/// On someone else's message: report it (with an optional reason); a moderator also hides
/// it pending review, or removes it.
#[component]
fn OthersActions(seq: Seq) -> impl IntoView {
    let chat = expect_context::<Chat>();
    let i18n = use_i18n();
    let ui = expect_context::<RoomUi>();
    let standing = chat.feed(ui.room).standing;
    let moderates = move || standing.moderates();
    let report = ServerAction::<ReportMessage>::new();
    let reporting = RwSignal::new(false);
    let reason = RwSignal::new(String::new());
    let confirming = RwSignal::new(false);
    let t = move || i18n.t().moderation;
    let sent = move || matches!(report.value().get(), Some(Ok(_)));
    view! {
        <button
            class="act"
            data-action="report"
            aria-expanded=move || if reporting.get() { "true" } else { "false" }
            on:click=move |_| reporting.update(|r| *r = !*r)
        >
            {move || t().report}
        </button>
        <Show when=moderates.clone()>
            <button
                class="act"
                data-action="hide"
                on:click=move |_| { chat.change(ui.room, on_message(seq, ModAction::Hide)); }
            >
                {move || t().hide}
            </button>
            <button
                class="act danger"
                data-action="remove"
                class:confirm=move || confirming.get()
                on:click=move |_| {
                    if confirming.get_untracked() {
                        chat.change(ui.room, Change::Delete { seq });
                        confirming.set(false);
                    } else {
                        confirming.set(true);
                    }
                }
            >
                {move || if confirming.get() { i18n.t().confirm_delete } else { t().remove }}
            </button>
        </Show>
        <Show when=move || reporting.get() && !sent()>
            <form
                class="report-form"
                on:submit=move |ev| {
                    ev.prevent_default();
                    report.dispatch(ReportMessage {
                        room_id: ui.room,
                        seq,
                        reason: reason.get_untracked(),
                        session: chat.session_token(),
                    });
                }
            >
                <input
                    data-testid="report-reason"
                    maxlength="500"
                    placeholder=move || t().report_reason
                    aria-label=move || t().report_reason
                    bind:value=reason
                />
                <button type="submit" data-action="send-report">{move || t().send_report}</button>
            </form>
        </Show>
        <Show when=sent>
            <span class="note" role="status" data-testid="reported">{move || t().reported}</span>
        </Show>
        <FormError result=report.value() />
    }
}

/// On a message hidden pending review: a moderator restores it or removes it.
#[component]
pub fn ReviewActions(seq: Seq) -> impl IntoView {
    let chat = expect_context::<Chat>();
    let i18n = use_i18n();
    let ui = expect_context::<RoomUi>();
    let standing = chat.feed(ui.room).standing;
    let t = move || i18n.t().moderation;
    view! {
        <Show when=move || standing.moderates()>
            <div class="review" data-testid="review">
                <button
                    class="link"
                    data-action="restore"
                    on:click=move |_| { chat.change(ui.room, on_message(seq, ModAction::Restore)); }
                >
                    {move || t().restore}
                </button>
                <button
                    class="link danger"
                    data-action="remove"
                    on:click=move |_| { chat.change(ui.room, Change::Delete { seq }); }
                >
                    {move || t().remove}
                </button>
            </div>
        </Show>
    }
}
