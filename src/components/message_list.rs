//! The room's log: stored messages by `seq`, join/leave notices, then my pending sends.
//!
//! - It follows the latest message while the reader is at the bottom; scrolled up, new
//!   messages raise a "new messages" pill instead of moving the page.
//! - Scrolling near the top loads older pages by `seq`. The message under the reader's eye
//!   stays exactly where it was when rows are added or removed above it: the log remembers
//!   the first visible message and its distance from the top, and restores that distance
//!   after every change.
//! - At most [`MAX_ROWS`](crate::client::window::MAX_ROWS) messages are in the DOM, whatever the length of the history: the
//!   rendered window slides over the loaded messages.

use leptos::html::Div;
use leptos::prelude::*;

use super::{Bubble, PendingBubble};
use crate::api::older_messages;
use crate::client::window::Window;
use crate::client::{browser, Chat, Feed, Notice};
use crate::i18n::{fill, use_i18n};
use crate::protocol::{Message, Seq, UserId};

/// Messages the window moves by.
const STEP: usize = 50;
/// Pixels from an edge at which the log loads or slides.
const EDGE_PX: i32 = 400;
/// Pixels from the bottom that still count as "at the bottom".
const STICK_PX: i32 = 48;

#[derive(Clone, PartialEq)]
enum Row {
    Message(Message),
    Notice(Notice),
}

impl Row {
    fn key(&self) -> String {
        match self {
            Row::Message(m) => format!("m{}", m.seq),
            Row::Notice(n) => format!("n{}", n.id),
        }
    }
}

/// The message the reader's eye is on, and its distance from the top of the log.
#[derive(Clone, Copy, Debug)]
struct Anchor {
    seq: Seq,
    from_top: i32,
}

/// The log of one room. In a direct room (`direct`), my last message the other person has
/// read carries a read marker.
#[component]
pub fn MessageList(feed: Feed, me: UserId, direct: bool) -> impl IntoView {
    let chat = expect_context::<Chat>();
    let i18n = use_i18n();
    let log = NodeRef::<Div>::new();
    let window = RwSignal::new(Window::Latest);
    let stuck = RwSignal::new(true);
    let unseen = RwSignal::new(false);
    let loading = RwSignal::new(false);
    let anchor = StoredValue::new(None::<Anchor>);
    let room = feed.room_id;
    let (messages, notices, pending) = (
        feed.messages.clone(),
        feed.notices.clone(),
        feed.pending.clone(),
    );

    let rows = Memo::new({
        let messages = messages.clone();
        move |_| {
            let mut rows: Vec<Row> = messages.with(|m| {
                let range = window.get().slice(m);
                m[range].iter().cloned().map(Row::Message).collect()
            });
            let (first, last) = match (rows.first(), rows.last()) {
                (Some(Row::Message(a)), Some(Row::Message(b))) => (a.seq, b.seq),
                _ => (0, Seq::MAX),
            };
            for n in notices.get() {
                if n.after_seq < first || n.after_seq > last {
                    continue;
                }
                let at = rows.partition_point(|r| match r {
                    Row::Message(m) => m.seq <= n.after_seq,
                    Row::Notice(_) => true,
                });
                rows.insert(at, Row::Notice(n));
            }
            rows
        }
    });

    // In a direct room: the `seq` of my last message the other person has read.
    let read_marker = {
        let (messages, peer) = (messages.clone(), feed.peer_read_seq.clone());
        Memo::new(move |_| {
            let peer = peer.get().filter(|_| direct)?;
            messages.with(|m| {
                m.iter()
                    .rev()
                    .find(|m| m.sender_id == me && m.seq <= peer)
                    .map(|m| m.seq)
            })
        })
    };

    // Where the reader is: the first message below the top edge, and whether at the bottom.
    // What is on screen in a visible tab counts as read.
    let observe = move || {
        let Some(el) = log.get_untracked() else {
            return;
        };
        let top = el.scroll_top();
        let bottom = top + el.client_height();
        let at_bottom = el.scroll_height() - top - el.client_height() < STICK_PX;
        stuck.set(at_bottom);
        if at_bottom {
            unseen.set(false);
        }
        let bubbles = el.get_elements_by_class_name("bubble");
        let placed: Vec<(Seq, i32)> = (0..bubbles.length())
            .filter_map(|i| bubbles.item(i))
            .filter_map(|b| {
                let seq = b.get_attribute("data-seq")?.parse().ok()?;
                let offset = offset_top(&b)?;
                Some((seq, offset))
            })
            .collect();
        let found = placed.iter().find(|(_, offset)| *offset >= top);
        anchor.set_value(found.map(|&(seq, offset)| Anchor {
            seq,
            from_top: offset - top,
        }));
        let seen = placed
            .iter()
            .filter(|(_, offset)| *offset < bottom)
            .map(|(seq, _)| *seq)
            .max();
        if let Some(seq) = seen.filter(|_| browser::page_visible()) {
            chat.mark_read(room, seq);
        }
    };
    let visibility = window_event_listener(leptos::ev::visibilitychange, move |_| observe());
    on_cleanup(move || visibility.remove());

    // After every change of the rows: follow the bottom, or keep the anchor where it was.
    let count = {
        let pending = pending.clone();
        move || rows.with(Vec::len) + pending.with(Vec::len)
    };
    Effect::new(move |previous: Option<usize>| {
        let now = count();
        // Tracked: the first run may come before the element is there.
        let Some(el) = log.get() else {
            return now;
        };
        if stuck.get_untracked() {
            el.set_scroll_top(el.scroll_height());
        } else {
            if let Some(a) = anchor.get_value() {
                let selector = format!("[data-seq=\"{}\"]", a.seq);
                if let Some(offset) = el
                    .query_selector(&selector)
                    .ok()
                    .flatten()
                    .and_then(|b| offset_top(&b))
                {
                    el.set_scroll_top(offset - a.from_top);
                }
            }
            if previous.is_some_and(|p| now > p) && window.get_untracked() == Window::Latest {
                unseen.set(true);
            }
        }
        observe();
        now
    });

    let slide_up = {
        let messages = messages.clone();
        move || {
            let from = messages.with_untracked(|m| window.get_untracked().slice(m).start);
            if from > 0 {
                window.set(
                    messages.with_untracked(|m| Window::from_index(m, from.saturating_sub(STEP))),
                );
                return;
            }
            let oldest = messages.with_untracked(|m| m.first().map(|m| m.seq));
            if loading.get_untracked() || oldest.is_none_or(|s| s <= 1) {
                return;
            }
            loading.set(true);
            let feed = feed.clone();
            leptos::task::spawn_local(async move {
                let session = chat.session_token();
                if let Ok(older) = older_messages(room, oldest.unwrap_or(1), session).await {
                    let added = older.len();
                    feed.merge(&older);
                    window.set(feed.messages.with_untracked(|m| {
                        let start = window.get_untracked().slice(m).start;
                        Window::from_index(m, start.saturating_sub(added.min(STEP)))
                    }));
                }
                loading.set(false);
            });
        }
    };
    let slide_down = {
        let messages = messages.clone();
        move || {
            if let Window::Range { .. } = window.get_untracked() {
                let from = messages.with_untracked(|m| window.get_untracked().slice(m).start);
                window.set(messages.with_untracked(|m| Window::from_index(m, from + STEP)));
            }
        }
    };
    let on_scroll = move |_| {
        observe();
        let Some(el) = log.get_untracked() else {
            return;
        };
        if el.scroll_top() < EDGE_PX {
            slide_up();
        } else if el.scroll_height() - el.scroll_top() - el.client_height() < EDGE_PX {
            slide_down();
        }
    };
    let jump_to_latest = move |_| {
        window.set(Window::Latest);
        stuck.set(true);
        unseen.set(false);
        if let Some(el) = log.get_untracked() {
            el.set_scroll_top(el.scroll_height());
        }
    };
    let behind = move || !stuck.get() || window.get() != Window::Latest;

    view! {
        // Outside the log, so that showing it moves no message.
        <Show when=move || loading.get()>
            <p class="loading-older" role="status">
                {move || i18n.t().loading_older}
            </p>
        </Show>
        <div class="log" role="log" aria-live="polite" node_ref=log on:scroll=on_scroll>
            <For each=move || rows.get() key=Row::key let:row>
                {match row {
                    Row::Message(m) => {
                        let mine = m.sender_id == me;
                        let seq = m.seq;
                        let read = Signal::derive(move || read_marker.get() == Some(seq));
                        view! { <Bubble message=m mine read /> }.into_any()
                    }
                    Row::Notice(n) => {
                        let text = move || {
                            let t = i18n.t();
                            let template = if n.joined { t.joined } else { t.left };
                            fill(template, &[("name", &n.name)])
                        };
                        view! { <p class="notice">{text}</p> }.into_any()
                    }
                }}
            </For>
            <For
                each=move || pending.get()
                key=|p| (p.client_msg_id.clone(), p.state.clone())
                let:p
            >
                <PendingBubble pending=p room />
            </For>
        </div>
        <Show when=behind>
            <button class="pill" on:click=jump_to_latest>
                {move || {
                    let t = i18n.t();
                    if unseen.get() { t.new_messages } else { t.jump_to_latest }
                }}
            </button>
        </Show>
    }
}

/// The element's distance from the top of the log's content (the log is its offset
/// parent).
fn offset_top(el: &leptos::web_sys::Element) -> Option<i32> {
    use leptos::wasm_bindgen::JsCast;
    el.dyn_ref::<leptos::web_sys::HtmlElement>()
        .map(|h| h.offset_top())
}
