//! The browser's WebSocket (gloo-net): connect, resume every watched room from its cursor,
//! resend the outbox, apply server frames to the feeds, and reconnect with backoff and
//! jitter when the connection drops.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use futures_channel::mpsc::{unbounded, UnboundedReceiver};
use futures_util::{future, stream, SinkExt, StreamExt};
use gloo_net::websocket::{futures::WebSocket, Message as WsMessage, WebSocketError};
use leptos::prelude::*;

use super::{mentions, notify, Chat, Command, ConnStatus, FailReason, Pending, TYPING_MS};
use crate::model::Me;
use crate::protocol::{close, ClientFrame, ErrorCode, RoomCursor, RoomId, ServerFrame};

/// Longest wait between reconnection attempts.
const MAX_BACKOFF_MS: f64 = 15_000.0;

/// What the pages asked for, replayed on every new connection.
#[derive(Default)]
struct Intents {
    watched: BTreeSet<RoomId>,
    entered: Option<RoomId>,
}

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
        sleep(backoff(failures)).await;
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
                        apply(chat, frame);
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
                if e.code == close::SESSION_ENDED =>
            {
                return Ended::SignedOut;
            }
            Event::Frame(Err(_)) | Event::Closed => break,
            Event::Command(command) => {
                // Offline, a command only changes what the next hello resumes.
                let frame = live.then(|| frame_for(chat, intents, &command)).flatten();
                remember(intents, &command);
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

/// What a new connection sends once the server said hello: one `watch` with every room's
/// cursor, the room that is open, then the outbox (each message counting one try).
fn opening(chat: Chat, intents: &Intents) -> Vec<ClientFrame> {
    let mut frames = vec![ClientFrame::Watch {
        rooms: intents
            .watched
            .iter()
            .map(|&room_id| RoomCursor {
                room_id,
                after_seq: chat.feed(room_id).last_seq(),
            })
            .collect(),
        epoch: chat.epoch.get_untracked(),
    }];
    frames.extend(
        intents
            .entered
            .map(|room_id| ClientFrame::Enter { room_id }),
    );
    for &room_id in &intents.watched {
        let feed = chat.feed(room_id);
        // A read made while offline; the server never moves a read position back.
        let seq = feed.read_seq.get_untracked();
        if seq > 0 {
            frames.push(ClientFrame::Read { room_id, seq });
        }
        let sends = feed
            .unsent()
            .into_iter()
            .filter_map(|id| feed.take_try(&id));
        frames.extend(sends.map(|p| send_frame(room_id, p)));
    }
    frames
}

fn remember(intents: &mut Intents, command: &Command) {
    match command {
        Command::Watch(room) | Command::Rewatch(room) => {
            intents.watched.insert(*room);
        }
        Command::Enter(room) => intents.entered = Some(*room),
        Command::Exit(room) if intents.entered == Some(*room) => intents.entered = None,
        Command::Exit(_) | Command::Send(..) | Command::Typing(_) | Command::Read(..) => {}
    }
}

/// The frame a command becomes on a live connection, if any.
fn frame_for(chat: Chat, intents: &Intents, command: &Command) -> Option<ClientFrame> {
    match command {
        Command::Watch(room) if intents.watched.contains(room) => None,
        Command::Watch(room) | Command::Rewatch(room) => Some(ClientFrame::Watch {
            rooms: vec![RoomCursor {
                room_id: *room,
                after_seq: chat.feed(*room).last_seq(),
            }],
            epoch: chat.epoch.get_untracked(),
        }),
        Command::Enter(room) => Some(ClientFrame::Enter { room_id: *room }),
        Command::Exit(room) => Some(ClientFrame::Exit { room_id: *room }),
        Command::Send(room, id) => chat.feed(*room).take_try(id).map(|p| send_frame(*room, p)),
        Command::Typing(room) => Some(ClientFrame::Typing { room_id: *room }),
        Command::Read(room, seq) => Some(ClientFrame::Read {
            room_id: *room,
            seq: *seq,
        }),
    }
}

fn send_frame(room_id: RoomId, pending: Pending) -> ClientFrame {
    ClientFrame::Send {
        room_id,
        client_msg_id: pending.client_msg_id,
        body: pending.body,
    }
}

/// Applies one server frame to the chat's state.
fn apply(chat: Chat, frame: ServerFrame) {
    match frame {
        ServerFrame::Hello {
            user_id,
            display_name,
            epoch,
            ..
        } => {
            if let Some(me) = chat.me.get_untracked().filter(|me| me.user_id == user_id) {
                if me.display_name != display_name {
                    chat.me.set(Some(Me { display_name, ..me }));
                }
            }
            chat.note_epoch(&epoch);
            chat.status.set(ConnStatus::Live);
        }
        ServerFrame::Message(m) => {
            let feed = chat.feed(m.room_id);
            feed.expire_typing(js_sys::Date::now(), Some(m.sender_id));
            if let Some(me) = chat.me.get_untracked() {
                if m.sender_id != me.user_id && mentions(&m.body, &me.username) {
                    notify::mention(&m.sender_name, &m.body);
                }
            }
            feed.merge(&[m]);
        }
        ServerFrame::CaughtUp {
            room_id,
            read_seq,
            peer_read_seq,
            ..
        } => {
            let feed = chat.feed(room_id);
            feed.advance_read(read_seq);
            if let Some(seq) = peer_read_seq {
                feed.advance_peer_read(seq);
            }
        }
        ServerFrame::Typing {
            room_id,
            user_id,
            display_name,
        } => {
            if chat
                .me
                .get_untracked()
                .is_some_and(|me| me.user_id != user_id)
            {
                let feed = chat.feed(room_id);
                feed.typing_from(user_id, display_name, js_sys::Date::now());
                set_timeout(
                    move || feed.expire_typing(js_sys::Date::now(), None),
                    Duration::from_millis(TYPING_MS as u64 + 50),
                );
            }
        }
        ServerFrame::ReadMarker {
            room_id,
            user_id,
            seq,
        } => {
            let feed = chat.feed(room_id);
            if chat
                .me
                .get_untracked()
                .is_some_and(|me| me.user_id == user_id)
            {
                feed.advance_read(seq);
            } else {
                feed.advance_peer_read(seq);
            }
        }
        ServerFrame::Pong => {}
        ServerFrame::Presence { room_id, online } => {
            chat.feed(room_id).set_presence(online);
        }
        ServerFrame::Ack(ack) => {
            if let Some(me) = chat.me.get_untracked() {
                chat.feed(ack.room_id).ack(&ack, &me);
            }
        }
        ServerFrame::Reset { room_id, .. } => reload(chat, room_id),
        ServerFrame::Error {
            code,
            message,
            client_msg_id,
            room_id,
        } => match (client_msg_id, room_id) {
            (Some(id), Some(room)) if code.is_retriable() => retry_later(chat, room, id),
            (Some(id), Some(room)) => chat.feed(room).fail(&id, FailReason::Refused(code)),
            _ if code == ErrorCode::BadFrame => leptos::logging::error!("server: {message}"),
            _ => leptos::logging::warn!("server: {message}"),
        },
    }
}

/// Loads a room's latest page afresh and watches it again from there.
fn reload(chat: Chat, room: RoomId) {
    leptos::task::spawn_local(async move {
        if let Ok(page) = crate::api::load_room(room).await {
            chat.note_epoch(&page.epoch);
            chat.feed(room).replace(page.messages);
            chat.command(Command::Rewatch(room));
        }
    });
}

fn retry_later(chat: Chat, room: RoomId, client_msg_id: String) {
    leptos::task::spawn_local(async move {
        sleep(Duration::from_secs(2)).await;
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

/// Exponential backoff with full jitter: 250 ms × 2ⁿ, capped, times a random factor in
/// [0.5, 1).
fn backoff(failures: u32) -> Duration {
    let base = (250.0 * 2f64.powi(failures.min(10) as i32)).min(MAX_BACKOFF_MS);
    Duration::from_millis((base * (0.5 + js_sys::Math::random() / 2.0)) as u64)
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
