//! The composer: Enter sends, Shift+Enter breaks the line, and Enter while an IME is
//! composing (Korean, Japanese, Chinese input) never sends.
//!
//! Near the body limit (`max_body_chars`, counted in characters as the server counts) a
//! counter shows what is left; past it, sending is refused with a message. A paste that
//! would pass the limit is refused whole and said so: the browser's `maxlength` would have
//! cut it silently.

use leptos::ev::{ClipboardEvent, KeyboardEvent};
use leptos::html::Textarea;
use leptos::prelude::*;

use crate::client::{Chat, Hydrated};
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
    let limit = move || chat.max_body_chars.get();
    let over = move || limit().is_some_and(|max| length.get() > max);
    let send = move || {
        let Some(el) = input.get_untracked() else {
            return;
        };
        if over() {
            return;
        }
        let text = el.value();
        let body = text.trim();
        if !body.is_empty() {
            chat.send_message(room, body.to_owned(), None);
        }
        el.set_value("");
        length.set(0);
    };
    let on_keydown = move |ev: KeyboardEvent| {
        if ev.key() != "Enter" || ev.shift_key() {
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
    let paste_note = move || {
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
            <textarea
                id="composer"
                node_ref=input
                rows="1"
                placeholder=move || i18n.t().write_message
                aria-label=move || i18n.t().message_label
                aria-invalid=move || over().then_some("true")
                aria-describedby="composer-count"
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
            <button type="submit" disabled=move || !hydrated.get() || over()>
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
