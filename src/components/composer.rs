//! The composer: Enter sends, Shift+Enter breaks the line, and Enter while an IME is
//! composing (Korean, Japanese, Chinese input) never sends.

use leptos::ev::KeyboardEvent;
use leptos::html::Textarea;
use leptos::prelude::*;

use crate::client::{Chat, Hydrated};
use crate::i18n::use_i18n;
use crate::protocol::RoomId;

/// The message box of a room.
#[component]
pub fn Composer(room: RoomId) -> impl IntoView {
    let chat = expect_context::<Chat>();
    let i18n = use_i18n();
    let Hydrated(hydrated) = expect_context::<Hydrated>();
    let input = NodeRef::<Textarea>::new();
    let send = move || {
        let Some(el) = input.get_untracked() else {
            return;
        };
        let text = el.value();
        let body = text.trim();
        if !body.is_empty() {
            chat.send_message(room, body.to_owned());
        }
        el.set_value("");
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
    view! {
        <form
            class="composer"
            on:submit=move |ev| {
                ev.prevent_default();
                send();
            }
        >
            <textarea
                node_ref=input
                rows="1"
                placeholder=move || i18n.t().write_message
                aria-label=move || i18n.t().message_label
                maxlength=move || chat.max_body_chars.get()
                on:keydown=on_keydown
                on:input=move |_| chat.typing(room)
            ></textarea>
            <button type="submit" disabled=move || !hydrated.get()>
                {move || i18n.t().send}
            </button>
        </form>
    }
}
