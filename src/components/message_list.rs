//! The room's log: stored messages by `seq`, join/leave notices, then my pending sends.
//! It stays scrolled to the bottom unless the reader has scrolled up; then a pill offers
//! the new messages.

use leptos::html::Div;
use leptos::prelude::*;

use super::{Bubble, PendingBubble};
use crate::client::{Feed, Notice};
use crate::protocol::{Message, UserId};

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

/// The log of one room.
#[component]
pub fn MessageList(feed: Feed, me: UserId) -> impl IntoView {
    let log = NodeRef::<Div>::new();
    let stuck = RwSignal::new(true);
    let unseen = RwSignal::new(false);
    let (messages, notices, pending) = (feed.messages, feed.notices, feed.pending.clone());
    let rows = Memo::new(move |_| {
        let mut rows: Vec<Row> = messages.with(|m| m.iter().cloned().map(Row::Message).collect());
        for n in notices.get() {
            let at = rows.partition_point(|r| match r {
                Row::Message(m) => m.seq <= n.after_seq,
                Row::Notice(_) => true,
            });
            rows.insert(at, Row::Notice(n));
        }
        rows
    });
    let scroll_to_bottom = move || {
        if let Some(el) = log.get_untracked() {
            el.set_scroll_top(el.scroll_height());
        }
        unseen.set(false);
    };
    let count = {
        let pending = pending.clone();
        move || rows.with(Vec::len) + pending.with(Vec::len)
    };
    Effect::new(move |_| {
        count();
        if stuck.get_untracked() {
            scroll_to_bottom();
        } else {
            unseen.set(true);
        }
    });
    let on_scroll = move |_| {
        if let Some(el) = log.get_untracked() {
            let at_bottom = el.scroll_height() - el.scroll_top() - el.client_height() < STICK_PX;
            stuck.set(at_bottom);
            if at_bottom {
                unseen.set(false);
            }
        }
    };
    let room = feed.room_id;
    view! {
        <div class="log" role="log" aria-live="polite" node_ref=log on:scroll=on_scroll>
            <For each=move || rows.get() key=Row::key let:row>
                {match row {
                    Row::Message(m) => {
                        let mine = m.sender_id == me;
                        view! { <Bubble message=m mine /> }.into_any()
                    }
                    Row::Notice(n) => {
                        let text = if n.joined {
                            format!("{} joined", n.name)
                        } else {
                            format!("{} left", n.name)
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
        <Show when=move || unseen.get()>
            <button class="pill" on:click=move |_| scroll_to_bottom()>
                "New messages ↓"
            </button>
        </Show>
    }
}
