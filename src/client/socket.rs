//! The browser's WebSocket (gloo-net): connect, hand every frame to [`super::wire`] (which
//! decides what to send and how each frame changes the chat), carry out its effects, and
//! reconnect with its backoff when the connection drops.

use std::sync::Arc;
use std::time::Duration;

use futures_channel::mpsc::{unbounded, UnboundedReceiver};
use futures_util::{future, stream, SinkExt, StreamExt};
use gloo_net::websocket::{futures::WebSocket, Message as WsMessage, WebSocketError};
use leptos::prelude::*;

use super::wire::{
    apply, backoff, frame_for, opening, typing_expiry, Effect, Intents, RETRY_AFTER,
};
use super::{browser, notify, Chat, Command, ConnStatus};
use crate::protocol::{close, ClientFrame, RoomId, ServerFrame};

enum Event {
    Frame(Result<WsMessage, WebSocketError>),
    Closed,
    Command(Command),
}

/// How a connection ended.
enum Ended {
    /// It was live at some point: reconnect soon.
    AfterLive,
    /// It never got going: back off further.
    Early,
    /// The session is over: stop until the user signs in again.
    SignedOut,
}

/// Starts the connection task and routes the chat's commands to it.
pub fn start(chat: Chat) {
    let (tx, rx) = unbounded();
    chat.sink.set_value(Some(Arc::new(move |c| {
        // The task only ends with the page (or on sign-out, when commands no longer matter).
        let _ = tx.unbounded_send(c);
    })));
    leptos::task::spawn_local(run(chat, rx));
}

async fn run(chat: Chat, mut commands: UnboundedReceiver<Command>) {
    let mut intents = Intents::default();
    let mut failures = 0u32;
    loop {
        chat.status.set(if failures == 0 {
            ConnStatus::Connecting
        } else {
            ConnStatus::Reconnecting
        });
        let ended = match WebSocket::open(&socket_url()) {
            Ok(ws) => connection(chat, ws, &mut commands, &mut intents).await,
            Err(_) => Ended::Early,
        };
        match ended {
            Ended::SignedOut => break,
            Ended::AfterLive => failures = 1,
            Ended::Early => failures = failures.saturating_add(1),
        }
        chat.status.set(ConnStatus::Reconnecting);
        sleep(backoff(failures, js_sys::Math::random())).await;
    }
    chat.status.set(ConnStatus::Idle);
    chat.sink.set_value(None);
    chat.forget();
}

async fn connection(
    chat: Chat,
    ws: WebSocket,
    commands: &mut UnboundedReceiver<Command>,
    intents: &mut Intents,
) -> Ended {
    let (mut tx, rx) = ws.split();
    // An embed signs its socket in with its first frame; the server says hello after it.
    // The write waits for the socket to open, so it gets a deadline of its own.
    if let Some(session) = chat.session.get_value() {
        let auth = tx.send(encode(&ClientFrame::Auth { session }));
        let deadline = Box::pin(sleep(Duration::from_secs(10)));
        match future::select(auth, deadline).await {
            future::Either::Left((Ok(()), _)) => {}
            _ => return Ended::Early,
        }
    }
    // Nothing is sent before the server's hello: a socket closed while still opening would
    // leave a pending write waiting forever.
    let frames = rx
        .map(Event::Frame)
        .chain(stream::once(future::ready(Event::Closed)));
    let mut events = stream::select(frames, commands.by_ref().map(Event::Command));
    let mut live = false;
    while let Some(event) = events.next().await {
        let outgoing = match event {
            Event::Frame(Ok(WsMessage::Text(text))) => {
                match serde_json::from_str::<ServerFrame>(&text) {
                    Ok(frame) => {
                        let hello = matches!(frame, ServerFrame::Hello { .. });
                        perform(chat, apply(chat, frame, browser::now_ms()));
                        if hello {
                            live = true;
                            opening(chat, intents)
                        } else {
                            Vec::new()
                        }
                    }
                    Err(e) => {
                        leptos::logging::warn!("unreadable frame: {e}");
                        Vec::new()
                    }
                }
            }
            Event::Frame(Ok(WsMessage::Bytes(_))) => Vec::new(),
            Event::Frame(Err(WebSocketError::ConnectionClose(e)))
                if e.code == close::SESSION_ENDED || e.code == close::AUTH_FAILED =>
            {
                session_ended(chat);
                return Ended::SignedOut;
            }
            Event::Frame(Err(_)) | Event::Closed => break,
            Event::Command(command) => {
                // Offline, a command only changes what the next hello resumes.
                let frame = live.then(|| frame_for(chat, intents, &command)).flatten();
                intents.remember(&command);
                frame.into_iter().collect()
            }
        };
        chat.save_outbox();
        for frame in outgoing {
            if tx.send(encode(&frame)).await.is_err() {
                break;
            }
        }
    }
    if live {
        Ended::AfterLive
    } else {
        Ended::Early
    }
}

/// An embed tells the page around it that its session is over, so that the host can sign a
/// new token (the message holds nothing secret, so any parent may read it).
fn session_ended(chat: Chat) {
    if chat.session.with_value(Option::is_none) {
        return;
    }
    let parent = window().parent().ok().flatten();
    if let Some(parent) = parent.filter(|p| *p != window()) {
        let message = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&message, &"type".into(), &"parlor:session-ended".into());
        let _ = parent.post_message(&message, "*");
    }
}

/// Carries out what applying a frame asked for.
fn perform(chat: Chat, effects: Vec<Effect>) {
    for effect in effects {
        match effect {
            Effect::Notify { sender, body } => notify::mention(&sender, &body),
            Effect::ExpireTyping(room) => {
                let feed = chat.feed(room);
                set_timeout(
                    move || feed.expire_typing(browser::now_ms(), None),
                    typing_expiry(),
                );
            }
            Effect::Reload(room) => reload(chat, room),
            Effect::RetryLater(room, id) => retry_later(chat, room, id),
            Effect::Log(message, true) => leptos::logging::error!("server: {message}"),
            Effect::Log(message, false) => leptos::logging::warn!("server: {message}"),
        }
    }
}

/// Loads a room's latest page afresh and watches it again from there.
fn reload(chat: Chat, room: RoomId) {
    leptos::task::spawn_local(async move {
        if let Ok(page) = crate::api::load_room(room, chat.session_token()).await {
            chat.note_epoch(&page.epoch);
            let feed = chat.feed(room);
            feed.replace(page.messages);
            // The page's messages are the room's state as of at least `last_seq` (the room
            // is read first): resume from there, not from the last message, or a long run
            // of events after it would be replayed, or reset again, on every reload.
            let summary = &page.room;
            feed.note_seen(summary.last_seq);
            feed.note_unread(summary.last_seq, summary.last_read_seq, summary.unread);
            chat.command(Command::Rewatch(room));
        }
    });
}

fn retry_later(chat: Chat, room: RoomId, client_msg_id: String) {
    leptos::task::spawn_local(async move {
        sleep(RETRY_AFTER).await;
        chat.command(Command::Send(room, client_msg_id));
    });
}

fn encode(frame: &ClientFrame) -> WsMessage {
    WsMessage::Text(serde_json::to_string(frame).unwrap_or_default())
}

fn socket_url() -> String {
    let location = window().location();
    let scheme = match location.protocol().as_deref() {
        Ok("https:") => "wss",
        _ => "ws",
    };
    let host = location.host().unwrap_or_default();
    format!("{scheme}://{host}/ws")
}

async fn sleep(duration: Duration) {
    let (tx, rx) = futures_channel::oneshot::channel::<()>();
    set_timeout(
        move || {
            let _ = tx.send(());
        },
        duration,
    );
    let _ = rx.await;
}
