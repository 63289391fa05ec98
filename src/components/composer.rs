//! The composer: Enter sends, Shift+Enter breaks the line, and Enter while an IME is
//! composing (Korean, Japanese, Chinese input) never sends.
//!
//! It also answers a message (a bar above names it) and edits one of mine: the message's
//! Markdown comes into the box, Enter saves it. Up in an empty box edits my last message;
//! Escape cancels a reply or an edit. An edit stays in the box until the server took it; a
//! change the server refused (or never answered) is said here, and a refused edit's text is
//! still there to copy.
//!
//! A muted member's box is closed, with the reason and the time left above it
//! (`MutedNote`), until the mute ends; so is a member's in a read-only room, with a note.
//!
//! Near the body limit (`max_body_chars`, counted in characters as the server counts) a
//! counter shows what is left; past it, sending is refused with a message. A paste that
//! would pass the limit is refused whole and said so: the browser's `maxlength` would have
//! cut it silently.

use leptos::ev::{ClipboardEvent, KeyboardEvent};
use leptos::html::Textarea;
use leptos::prelude::*;

use super::{MutedNote, RoomUi};
use crate::client::{Change, Chat, FailReason, Hydrated};
use crate::i18n::{fill, use_i18n};
use crate::protocol::RoomId;

/// The counter shows from this share of the limit on.
const COUNT_FROM_PERCENT: usize = 90;

/// The message box of a room. With `focus`, it takes the focus when the room opens (not
/// in an embed, where it would scroll the host's page to the chat).
#[component]
pub fn Composer(room: RoomId, focus: bool) -> impl IntoView {
    let chat = expect_context::<Chat>();
    let i18n = use_i18n();
    let Hydrated(hydrated) = expect_context::<Hydrated>();
    let input = NodeRef::<Textarea>::new();
    let length = RwSignal::new(0usize);
    let refused_paste = RwSignal::new(None::<usize>);
    // The edit on its way: its `client_msg_id`.
    let saving = RwSignal::new(None::<String>);
    let ui = expect_context::<RoomUi>();
    let feed = chat.feed(room);
    let limit = move || chat.max_body_chars.get();
    let over = move || limit().is_some_and(|max| length.get() > max);
    let clear = move || {
        if let Some(el) = input.get_untracked() {
            el.set_value("");
        }
        length.set(0);
    };
    let send = move || {
        let Some(el) = input.get_untracked() else {
            return;
        };
        if over() {
            return;
        }
        let text = el.value();
        let body = text.trim();
        match ui.editing.get_untracked() {
            Some(seq) if !body.is_empty() && saving.get_untracked().is_none() => {
                let body = body.to_owned();
                saving.set(Some(chat.change(room, Change::Edit { seq, body })));
                return;
            }
            Some(_) => return,
            None if !body.is_empty() => {
                chat.send_message(room, body.to_owned(), ui.reply_to.get_untracked());
                ui.reply_to.set(None);
            }
            None => {}
        }
        clear();
    };
    let cancel = move || {
        if ui.editing.get_untracked().is_some() {
            ui.editing.set(None);
            clear();
        }
        ui.reply_to.set(None);
    };
    // Editing starts: the message's text comes into the box, the cursor at its end.
    {
        let feed = feed.clone();
        Effect::new(move |_| {
            let Some(seq) = ui.editing.get() else {
                return;
            };
            let text = feed
                .messages
                .with_untracked(|m| m.iter().find(|m| m.seq == seq).map(|m| m.body.clone()));
            if let (Some(text), Some(el)) = (text, input.get_untracked()) {
                el.set_value(&text);
                length.set(text.chars().count());
                let _ = el.focus();
            }
        });
    }
    // The edit answered: taken (the box empties), or refused (the text stays, the note says
    // why).
    {
        let (changes, refused) = (feed.changes.clone(), feed.refused.clone());
        Effect::new(move |_| {
            let Some(id) = saving.get() else {
                return;
            };
            if changes.with(|c| c.iter().any(|c| c.client_msg_id == id)) {
                return;
            }
            saving.set(None);
            if refused.get_untracked().is_none() {
                ui.editing.set(None);
                clear();
            }
        });
    }
    Effect::new(move |_| {
        if ui.reply_to.get().is_some() {
            if let Some(el) = input.get_untracked() {
                let _ = el.focus();
            }
        }
    });
    let last_of_mine = {
        let feed = feed.clone();
        move || ui.last_of_mine(&feed)
    };
    let on_keydown = move |ev: KeyboardEvent| {
        let key = ev.key();
        if key == "Escape"
            && (ui.editing.get_untracked().is_some() || ui.reply_to.get_untracked().is_some())
        {
            ev.prevent_default();
            cancel();
            return;
        }
        if key == "ArrowUp" && length.get_untracked() == 0 && ui.editing.get_untracked().is_none() {
            if let Some(seq) = last_of_mine() {
                ev.prevent_default();
                ui.reply_to.set(None);
                ui.editing.set(Some(seq));
            }
            return;
        }
        if key != "Enter" || ev.shift_key() {
            return;
        }
        // The Enter that commits an IME composition reports isComposing (or keyCode 229 in
        // browsers that fire keydown after compositionend); it must not send.
        #[allow(deprecated, reason = "keyCode 229 is the portable IME signal")]
        let composing = ev.is_composing() || ev.key_code() == 229;
        if composing {
            return;
        }
        ev.prevent_default();
        send();
    };
    // Only in the browser: the server build's `web_sys` has no clipboard data.
    #[cfg(not(feature = "hydrate"))]
    let on_paste = move |_: ClipboardEvent| refused_paste.set(None);
    #[cfg(feature = "hydrate")]
    let on_paste = move |ev: ClipboardEvent| {
        let (Some(max), Some(el)) = (limit(), input.get_untracked()) else {
            return;
        };
        let pasted = ev
            .clipboard_data()
            .and_then(|d| d.get_data("text").ok())
            .unwrap_or_default();
        let after = length_after_paste(&el, &pasted);
        if after > max {
            ev.prevent_default();
            refused_paste.set(Some(after));
        } else {
            refused_paste.set(None);
        }
    };
    let on_input = move |_| {
        if let Some(el) = input.get_untracked() {
            length.set(el.value().chars().count());
        }
        chat.typing(room);
    };
    // Opening a room puts the cursor in its composer.
    Effect::new(move |_| {
        if let Some(el) = input.get().filter(|_| focus) {
            let _ = el.focus();
        }
    });
    let counter = move || {
        let max = limit()?;
        let n = length.get();
        let t = i18n.t();
        if n > max {
            Some(fill(t.chars_over, &[("n", &(n - max).to_string())]))
        } else if n * 100 >= max * COUNT_FROM_PERCENT {
            Some(fill(t.chars_left, &[("n", &(max - n).to_string())]))
        } else {
            None
        }
    };
    let muted = feed.muted.clone();
    let standing = feed.standing.clone();
    // Muted, or a member of a read-only room: the box is closed.
    let is_muted = {
        let muted = muted.clone();
        let standing = standing.clone();
        move || muted.with(Option::is_some) || !standing.may_post()
    };
    let read_only_note = move || {
        (!standing.may_post()).then(|| {
            view! {
                <p class="read-only-note" data-testid="read-only-note">
                    {move || i18n.t().moderation.read_only_note}
                </p>
            }
        })
    };
    let refused = feed.refused.clone();
    let paste_note = move || {
        if let Some(reason) = refused.get() {
            let t = i18n.t();
            let why = match reason {
                FailReason::NoAnswer => t.no_answer,
                FailReason::Refused(code) => t.send_error(code),
            };
            return Some(fill(t.not_sent, &[("reason", why)]));
        }
        let n = refused_paste.get()?;
        let max = limit()?.to_string();
        Some(fill(
            i18n.t().paste_refused,
            &[("n", &n.to_string()), ("max", &max)],
        ))
    };
    view! {
        <form
            class="composer"
            on:submit=move |ev| {
                ev.prevent_default();
                send();
            }
        >
            <p class="composer-note" role="alert" data-testid="composer-note">
                {paste_note}
            </p>
            <MutedNote muted />
            {read_only_note}
            {move || {
                let t = i18n.t();
                let about = if ui.editing.get().is_some() {
                    t.editing.to_owned()
                } else {
                    let seq = ui.reply_to.get()?;
                    let quote = feed.quote_of(seq).unwrap_or_default();
                    format!("{}: {}", fill(t.replying_to, &[("name", &quote.sender_name)]), quote.excerpt)
                };
                Some(view! {
                    <div class="composer-context" data-testid="composer-context">
                        <span dir="auto">{about}</span>
                        <button type="button" class="link" on:click=move |_| cancel()>
                            {t.cancel}
                        </button>
                    </div>
                })
            }}
            <textarea
                id="composer"
                node_ref=input
                rows="1"
                placeholder=move || i18n.t().write_message
                aria-label=move || i18n.t().message_label
                aria-invalid=move || over().then_some("true")
                aria-describedby="composer-count"
                prop:disabled=is_muted.clone()
                on:keydown=on_keydown
                on:paste=on_paste
                on:input=on_input
            ></textarea>
            <span
                id="composer-count"
                class="count"
                class:over=over
                aria-live="polite"
                data-testid="composer-count"
            >
                {counter}
            </span>
            <button type="submit" disabled=move || !hydrated.get() || over() || is_muted()>
                {move || i18n.t().send}
            </button>
        </form>
    }
}

/// The characters in the box once `pasted` replaces its selection.
#[cfg(feature = "hydrate")]
fn length_after_paste(el: &leptos::web_sys::HtmlTextAreaElement, pasted: &str) -> usize {
    let value = el.value();
    let units: Vec<u16> = value.encode_utf16().collect();
    // Selection offsets are in UTF-16 units.
    let start = el.selection_start().ok().flatten().unwrap_or(0) as usize;
    let end = el.selection_end().ok().flatten().unwrap_or(0) as usize;
    let (start, end) = (
        start.min(units.len()),
        end.min(units.len()).max(start.min(units.len())),
    );
    let selected = String::from_utf16_lossy(&units[start..end]).chars().count();
    value.chars().count() - selected + pasted.chars().count()
}
