//! The room's log: stored messages by `seq`, grouped by sender under day separators in the
//! reader's zone (`client::grouping`), then my pending sends.
//!
//! - It follows the latest message while the reader is at the bottom; scrolled up, new
//!   messages raise a "new messages" pill instead of moving the page.
//! - Scrolling near the top loads older pages by `seq`; near the bottom of a window of
//!   history (after a jump to a reply's parent or a search hit) it slides the window down
//!   towards the latest. The message under the eye stays exactly where it was when rows are
//!   added or removed around it: the log remembers the first visible message and its
//!   distance from the top, and restores that distance after every change.
//! - At most [`MAX_ROWS`](crate::client::window::MAX_ROWS) messages are in the DOM, whatever the length of the history: the
//!   rendered window slides over the loaded messages.

use leptos::html::Div;
use leptos::prelude::*;

use super::{Bubble, PendingBubble, RoomUi};
use crate::api::older_messages;
use crate::client::grouping::{place, Placed};
use crate::client::window::{Position, Window, MAX_ROWS};
use crate::client::{browser, time, Chat, Feed, Hydrated};
use crate::i18n::use_i18n;
use crate::protocol::{Message, Seq, UserId};

/// Messages the window moves by.
const STEP: usize = 50;
/// Pixels from an edge at which the log loads or slides.
const EDGE_PX: i32 = 400;
/// Pixels from the bottom that still count as "at the bottom".
const STICK_PX: i32 = 48;
/// Pixels above a message brought into view.
const JUMP_MARGIN_PX: i32 = 96;
/// Pages of history loaded at most to find a message to bring into view.
const JUMP_PAGES: usize = 100;

#[derive(Clone, PartialEq)]
#[allow(
    clippy::large_enum_variant,
    reason = "at most a window's rows, and mostly messages"
)]
enum Row {
    /// A day begins at the message of this time.
    Day {
        day: i64,
        at: i64,
    },
    Message {
        message: Message,
        continued: bool,
    },
}

impl Row {
    /// A bubble keeps its element when it joins or leaves a group (its header is
    /// reactive), so the message under the reader's eye is never replaced by a load.
    fn key(&self) -> String {
        match self {
            Row::Day { day, .. } => format!("d{day}"),
            // A new state of a message (edited, reacted to, deleted) is a new bubble.
            Row::Message { message, .. } => format!("m{}v{}", message.seq, message.version),
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
    // Back in a room: where the reader left it.
    let left_at = *feed.position.lock().unwrap_or_else(|e| e.into_inner());
    let window = RwSignal::new(left_at.map_or(Window::Latest, |p| p.window));
    let stuck = RwSignal::new(left_at.is_none());
    let unseen = RwSignal::new(false);
    let loading = RwSignal::new(false);
    let anchor = StoredValue::new(left_at.map(|p| Anchor {
        seq: p.seq,
        from_top: p.from_top,
    }));
    let position = StoredValue::new(feed.position.clone());
    let room = feed.room_id;
    let (messages, pending) = (feed.messages.clone(), feed.pending.clone());

    // Days in UTC while the page hydrates (as the server drew them), then in the reader's
    // zone.
    let Hydrated(hydrated) = expect_context::<Hydrated>();
    let rows = Memo::new({
        let messages = messages.clone();
        move |_| {
            let local = hydrated.get();
            messages.with(|m| {
                let shown = &m[window.get().slice(m)];
                place(shown, |at| time::day(at, local))
                    .into_iter()
                    .map(|p| match p {
                        Placed::Day { day, at } => Row::Day { day, at },
                        Placed::Message { index, continued } => Row::Message {
                            message: shown[index].clone(),
                            continued,
                        },
                    })
                    .collect::<Vec<_>>()
            })
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
        // Only the latest window follows new rows: at the bottom of a range of history,
        // the rows slid in below must not pull the reader past them.
        let following = at_bottom && window.get_untracked() == Window::Latest;
        stuck.set(following);
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
        let here = found.map(|&(seq, offset)| Anchor {
            seq,
            from_top: offset - top,
        });
        anchor.set_value(here);
        let left_at = here.filter(|_| !following).map(|a| Position {
            window: window.get_untracked(),
            seq: a.seq,
            from_top: a.from_top,
        });
        position.with_value(|p| *p.lock().unwrap_or_else(|e| e.into_inner()) = left_at);
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

    // A reply's parent (or any message) brought into view: older pages loaded until it is
    // held, the window moved around it, the log scrolled to it, and it highlighted.
    let ui = expect_context::<RoomUi>();
    Effect::new({
        let feed = feed.clone();
        move |_| {
            let Some(target) = ui.jump.get() else {
                return;
            };
            ui.jump.set(None);
            let feed = feed.clone();
            leptos::task::spawn_local(async move {
                let held = |feed: &Feed| {
                    feed.messages
                        .with_untracked(|m| m.binary_search_by_key(&target, |m| m.seq).ok())
                };
                for _ in 0..JUMP_PAGES {
                    let oldest = feed
                        .messages
                        .with_untracked(|m| m.first().map_or(1, |m| m.seq));
                    if held(&feed).is_some() || oldest <= target.max(1) {
                        break;
                    }
                    loading.set(true);
                    let older = older_messages(room, oldest, chat.session_token()).await;
                    loading.set(false);
                    match older {
                        Ok(older) if !older.is_empty() => feed.merge(&older),
                        _ => break,
                    }
                }
                let Some(index) = held(&feed) else {
                    return;
                };
                stuck.set(false);
                anchor.set_value(Some(Anchor {
                    seq: target,
                    from_top: JUMP_MARGIN_PX,
                }));
                window.set(
                    feed.messages.with_untracked(|m| {
                        Window::from_index(m, index.saturating_sub(MAX_ROWS / 3))
                    }),
                );
                ui.highlight.set(Some(target));
                // Once drawn: the window may not have changed, so the log scrolls itself.
                request_animation_frame(move || {
                    let Some(el) = log.get_untracked() else {
                        return;
                    };
                    let selector = format!("[data-seq=\"{target}\"]");
                    if let Some(offset) = el
                        .query_selector(&selector)
                        .ok()
                        .flatten()
                        .and_then(|b| offset_top(&b))
                    {
                        el.set_scroll_top(offset - JUMP_MARGIN_PX);
                    }
                });
            });
        }
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
                    Row::Message { message, .. } => {
                        let mine = message.sender_id == me;
                        let seq = message.seq;
                        let read = Signal::derive(move || read_marker.get() == Some(seq));
                        let continued = Signal::derive(move || {
                            rows.with(|r| {
                                r.iter().any(|r| {
                                    matches!(r, Row::Message { message, continued: true }
                                        if message.seq == seq)
                                })
                            })
                        });
                        view! { <Bubble message mine continued read /> }.into_any()
                    }
                    Row::Day { at, .. } => {
                        let label = move || time::day_label(at, hydrated.get(), i18n.0.get());
                        view! {
                            <h2 class="day" data-testid="day">
                                <span>{label}</span>
                            </h2>
                        }
                            .into_any()
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
