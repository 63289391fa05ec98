//! "Alice is typing…", summarised when several type at once.

use leptos::prelude::*;

use crate::client::Feed;
use crate::i18n::{fill, use_i18n};

/// The typing line of a room (empty when nobody types).
#[component]
pub fn TypingLine(feed: Feed) -> impl IntoView {
    let i18n = use_i18n();
    let typing = feed.typing;
    let text = move || {
        let t = i18n.t();
        typing.with(|typists| match typists.as_slice() {
            [] => String::new(),
            [a] => fill(t.typing_one, &[("a", &a.name)]),
            [a, b] => fill(t.typing_two, &[("a", &a.name), ("b", &b.name)]),
            [a, rest @ ..] => fill(
                t.typing_many,
                &[("a", &a.name), ("n", &rest.len().to_string())],
            ),
        })
    };
    view! {
        <p class="typing" aria-live="polite" data-testid="typing">
            {text}
        </p>
    }
}
