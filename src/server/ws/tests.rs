//! The connection core driven over channels: no socket, no HTTP. A real SQLite file, the
//! real writer and hub; the test plays the client by putting frames into one channel and
//! reading the server's from the other.

use std::time::Duration;

use axum::extract::ws::Message as WsMessage;
use futures_util::StreamExt;
use tokio::sync::mpsc;

use super::connection::serve_frames;
use crate::protocol::{
    close, ClientFrame, ErrorCode, Message, ResetReason, RoomCursor, RoomId, ServerFrame, UserId,
};
use crate::server::config::Config;
use crate::server::state::AppState;
use crate::server::store::{now_ms, Action, NewUser, SendOutcome, SendRequest, SessionUser};

/// The far end of a connection under test.
struct Client {
    to_server: mpsc::Sender<Result<WsMessage, axum::Error>>,
    from_server: mpsc::Receiver<WsMessage>,
    task: tokio::task::JoinHandle<()>,
}

impl Client {
    fn open(state: &AppState, user: &SessionUser) -> Client {
        let (to_server, incoming) = mpsc::channel(64);
        let (outgoing, from_server) = mpsc::channel::<WsMessage>(64);
        let sink = futures_util::sink::unfold(outgoing, |tx, message: WsMessage| async move {
            tx.send(message).await.map_err(axum::Error::new)?;
            Ok::<_, axum::Error>(tx)
        });
        let stream = futures_util::stream::unfold(incoming, |mut rx| async move {
            rx.recv().await.map(|m| (m, rx))
        });
        let task = tokio::spawn(serve_frames(
            state.clone(),
            user.clone(),
            Box::pin(sink),
            stream.boxed(),
        ));
        Client {
            to_server,
            from_server,
            task,
        }
    }

    async fn send(&self, frame: &ClientFrame) {
        self.send_text(&serde_json::to_string(frame).expect("encode"))
            .await;
    }

    async fn send_text(&self, text: &str) {
        let message = WsMessage::Text(text.to_owned().into());
        self.to_server
            .send(Ok(message))
            .await
            .expect("server reads");
    }

    /// The next message the server writes, pings included.
    async fn next_message(&mut self) -> WsMessage {
        tokio::time::timeout(Duration::from_secs(10), self.from_server.recv())
            .await
            .expect("the server answers in time")
            .expect("the connection is open")
    }

    /// The next protocol frame, skipping pings and presence.
    async fn next(&mut self) -> ServerFrame {
        loop {
            if let WsMessage::Text(text) = self.next_message().await {
                let frame: ServerFrame = serde_json::from_str(text.as_str()).expect("a frame");
                if !matches!(frame, ServerFrame::Presence { .. }) {
                    return frame;
                }
            }
        }
    }

    /// The close code the server ends with, skipping what comes before it.
    async fn close_code(&mut self) -> u16 {
        loop {
            if let WsMessage::Close(frame) = self.next_message().await {
                return frame.map_or(0, |f| f.code);
            }
        }
    }

    async fn hello(state: &AppState, user: &SessionUser) -> Client {
        let mut client = Client::open(state, user);
        let hello = client.next().await;
        assert!(
            matches!(
                hello,
                ServerFrame::Hello {
                    max_body_chars: 4000,
                    ..
                }
            ),
            "{hello:?}"
        );
        client
    }

    async fn watch(&mut self, room_id: RoomId, after_seq: i64) -> ServerFrame {
        let rooms = vec![RoomCursor { room_id, after_seq }];
        self.send(&ClientFrame::Watch { rooms, epoch: None }).await;
        self.next().await
    }
}

struct World {
    state: AppState,
    _dir: tempfile::TempDir,
}

async fn world(tune: impl FnOnce(&mut Config)) -> World {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = Config {
        database_url: format!("sqlite://{}", dir.path().join("parlor.db").display()),
        ..Config::default()
    };
    tune(&mut config);
    let (state, _writer) = crate::server::start(config).await.expect("start");
    World { state, _dir: dir }
}

impl World {
    async fn user(&self, name: &str) -> SessionUser {
        let store = &self.state.store;
        let new = NewUser {
            username: name,
            display_name: name,
            password_hash: "not used",
        };
        let row = store.create_user(new).await.expect("store").expect("new");
        let expires_at = now_ms() + 3_600_000;
        let session_id = store
            .create_session(row.id, name.as_bytes(), expires_at)
            .await
            .expect("session");
        SessionUser {
            session_id,
            user_id: row.id,
            username: row.username,
            display_name: row.display_name,
            expires_at,
        }
    }

    async fn room(&self, owner: &SessionUser) -> RoomId {
        let store = &self.state.store;
        store
            .create_group(owner.user_id, "core", false)
            .await
            .expect("room")
    }

    /// Stores a message through the writer (which publishes it to the hub after the commit).
    async fn store(&self, room_id: RoomId, sender: &SessionUser, body: &str) -> Message {
        let request = SendRequest {
            room_id,
            sender_id: sender.user_id,
            sender_name: sender.display_name.clone(),
            sender_username: sender.username.clone(),
            client_msg_id: uuid(now_ms() as u64 ^ body.len() as u64 ^ rand_ish()),
            action: Action::post(body, None),
        };
        match self.state.writer.submit(request).await.expect("stored") {
            SendOutcome::Stored(m) => m,
            other => panic!("not stored: {other:?}"),
        }
    }
}

fn rand_ish() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed) << 20
}

fn uuid(n: u64) -> String {
    format!("00000000-0000-4000-8000-{:012x}", n & 0xffff_ffff_ffff)
}

fn send(room_id: RoomId, n: u64, body: &str) -> ClientFrame {
    ClientFrame::Send {
        room_id,
        client_msg_id: uuid(n),
        body: body.into(),
        reply_to: None,
    }
}

fn seq_of(frame: &ServerFrame) -> i64 {
    match frame {
        ServerFrame::Message(m) => m.seq,
        other => panic!("expected a message, got {other:?}"),
    }
}

fn error_code(frame: ServerFrame) -> ErrorCode {
    match frame {
        ServerFrame::Error { code, .. } => code,
        other => panic!("expected an error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_watch_replays_from_the_cursor_then_goes_live_in_seq_order_without_doubles() {
    let w = world(|_| {}).await;
    let (alice, bob) = (w.user("alice").await, w.user("bob").await);
    let room = w.room(&alice).await;
    w.state.store.join_public(bob.user_id, room).await.ok();
    for body in ["one", "two", "three"] {
        w.store(room, &alice, body).await;
    }
    let mut client = Client::hello(&w.state, &alice).await;
    assert_eq!(seq_of(&client.watch(room, 1).await), 2);
    assert_eq!(seq_of(&client.next().await), 3);
    match client.next().await {
        ServerFrame::CaughtUp { last_seq: 3, .. } => {}
        other => panic!("expected caught_up at 3, got {other:?}"),
    }
    // A live frame the replay already carried is dropped; the next one goes through.
    let replayed = w
        .state
        .store
        .after(room, 2, 1)
        .await
        .expect("store")
        .remove(0);
    w.state.hub.publish_message(&replayed);
    let live = w.store(room, &alice, "four").await;
    assert_eq!(seq_of(&client.next().await), live.seq);
    assert_eq!(live.seq, 4);
}

#[tokio::test]
async fn acks_come_in_send_order_after_the_commit() {
    let w = world(|_| {}).await;
    let alice = w.user("alice").await;
    let room = w.room(&alice).await;
    let mut client = Client::hello(&w.state, &alice).await;
    assert!(matches!(
        client.watch(room, 0).await,
        ServerFrame::CaughtUp { .. }
    ));
    for n in 1..=20 {
        client.send(&send(room, n, &format!("message {n}"))).await;
    }
    let mut acked = Vec::new();
    while acked.len() < 20 {
        match client.next().await {
            ServerFrame::Ack(ack) => {
                let stored = w
                    .state
                    .store
                    .after(room, ack.seq - 1, 1)
                    .await
                    .expect("store");
                assert_eq!(
                    stored[0].client_msg_id, ack.client_msg_id,
                    "acked once stored"
                );
                acked.push((ack.client_msg_id, ack.seq));
            }
            ServerFrame::Message(_) => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    let expected: Vec<(String, i64)> = (1..=20).map(|n| (uuid(n), n as i64)).collect();
    assert_eq!(acked, expected);
}

#[tokio::test]
async fn a_full_queue_closes_with_4008_and_sends_nothing_queued_after() {
    let w = world(|c| c.outbound_queue = 4).await;
    let alice = w.user("alice").await;
    let room = w.room(&alice).await;
    let mut client = Client::hello(&w.state, &alice).await;
    assert!(matches!(
        client.watch(room, 0).await,
        ServerFrame::CaughtUp { .. }
    ));
    // Nothing runs between these publishes (one thread): the fifth overflows the queue.
    for seq in 1..=8 {
        let message = Message {
            id: seq,
            room_id: room,
            seq,
            sender_id: alice.user_id,
            sender_name: "alice".into(),
            sender_username: "alice".into(),
            client_msg_id: uuid(seq as u64),
            body: "x".into(),
            created_at: 0,
            ..Message::default()
        };
        w.state.hub.publish_message(&message);
    }
    assert_eq!(client.close_code().await, close::RESYNC);
    assert_eq!(w.state.metrics.queue_overflows.get(), 1);
    client.task.await.expect("the connection ends");
    assert_eq!(w.state.hub.connections(), 0, "and leaves the hub");
}

/// A signed-in client of a server that pings every second and gives up after three silent
/// seconds.
async fn heartbeat_every_second_idle_after_three() -> (World, Client) {
    let w = world(|c| {
        c.heartbeat_ms = 1_000;
        c.idle_timeout_ms = 3_000;
    })
    .await;
    let alice = w.user("alice").await;
    let client = Client::hello(&w.state, &alice).await;
    (w, client)
}

#[tokio::test]
async fn a_silent_client_is_pinged_then_closed_by_the_idle_timeout() {
    let (_w, mut client) = heartbeat_every_second_idle_after_three().await;
    // From here the test drives the clock: it moves only when every task waits.
    tokio::time::pause();
    let started = tokio::time::Instant::now();
    let mut pings = 0;
    let code = loop {
        match client.next_message().await {
            WsMessage::Ping(_) => pings += 1,
            WsMessage::Close(frame) => break frame.map_or(0, |f| f.code),
            other => panic!("unexpected {other:?}"),
        }
    };
    assert_eq!(code, close::IDLE_TIMEOUT);
    assert_eq!(pings, 2, "pinged at 1 s and 2 s, closed at 3 s");
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_secs(3) && waited < Duration::from_secs(4),
        "{waited:?}"
    );
}

#[tokio::test]
async fn a_frame_heard_keeps_the_connection_open() {
    let (_w, mut client) = heartbeat_every_second_idle_after_three().await;
    tokio::time::pause();
    for _ in 0..5 {
        match client.next_message().await {
            WsMessage::Ping(_) => {
                let pong = WsMessage::Pong(axum::body::Bytes::new());
                client.to_server.send(Ok(pong)).await.expect("server reads");
            }
            other => panic!("the connection stays open, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn every_refusal_is_its_own_error_frame() {
    let w = world(|c| c.max_watch_rooms = 2).await;
    let (alice, mallory) = (w.user("alice").await, w.user("mallory").await);
    let room = w.room(&alice).await;
    let foreign = w.room(&mallory).await;
    let mut client = Client::hello(&w.state, &alice).await;

    client.send_text("{not json").await;
    assert_eq!(error_code(client.next().await), ErrorCode::BadFrame);
    let binary = WsMessage::Binary(axum::body::Bytes::from_static(b"\x00"));
    client.to_server.send(Ok(binary)).await.expect("reads");
    assert_eq!(error_code(client.next().await), ErrorCode::BadFrame);

    client.send(&send(room, 1, "before watching")).await;
    assert_eq!(error_code(client.next().await), ErrorCode::NotWatching);
    client.send(&ClientFrame::Enter { room_id: room }).await;
    assert_eq!(error_code(client.next().await), ErrorCode::NotWatching);
    client
        .send(&ClientFrame::Read {
            room_id: room,
            seq: 1,
        })
        .await;
    assert_eq!(error_code(client.next().await), ErrorCode::NotWatching);

    assert_eq!(
        error_code(client.watch(foreign, 0).await),
        ErrorCode::NotMember
    );
    let twice = vec![
        RoomCursor {
            room_id: room,
            after_seq: 0,
        },
        RoomCursor {
            room_id: room,
            after_seq: 0,
        },
    ];
    client
        .send(&ClientFrame::Watch {
            rooms: twice,
            epoch: None,
        })
        .await;
    assert_eq!(error_code(client.next().await), ErrorCode::BadFrame);
    let three = (1..=3)
        .map(|room_id| RoomCursor {
            room_id,
            after_seq: 0,
        })
        .collect();
    client
        .send(&ClientFrame::Watch {
            rooms: three,
            epoch: None,
        })
        .await;
    assert_eq!(error_code(client.next().await), ErrorCode::TooManyRooms);

    assert!(matches!(
        client.watch(room, 0).await,
        ServerFrame::CaughtUp { .. }
    ));
    let not_uuid = ClientFrame::Send {
        room_id: room,
        client_msg_id: "7".into(),
        body: "hi".into(),
        reply_to: None,
    };
    client.send(&not_uuid).await;
    assert_eq!(
        error_code(client.next().await),
        ErrorCode::InvalidClientMsgId
    );
    client.send(&send(room, 2, "   ")).await;
    assert_eq!(error_code(client.next().await), ErrorCode::EmptyBody);
    client.send(&send(room, 3, &"가".repeat(4001))).await;
    assert_eq!(error_code(client.next().await), ErrorCode::BodyTooLong);

    // A cursor ahead of the room, and one from another database.
    assert_eq!(
        client.watch(room, 99).await,
        ServerFrame::Reset {
            room_id: room,
            reason: ResetReason::AheadOfRoom
        }
    );
    w.store(room, &alice, "one").await;
    let old_epoch = vec![RoomCursor {
        room_id: room,
        after_seq: 1,
    }];
    let epoch = Some("another database".to_owned());
    client
        .send(&ClientFrame::Watch {
            rooms: old_epoch,
            epoch,
        })
        .await;
    assert_eq!(
        client.next().await,
        ServerFrame::Reset {
            room_id: room,
            reason: ResetReason::EpochChanged
        }
    );

    // With the store gone, a watch is told so, and the connection stays.
    w.state.store.close().await;
    assert_eq!(
        error_code(client.watch(room, 0).await),
        ErrorCode::StoreUnavailable
    );
    client.send(&ClientFrame::Ping {}).await;
    assert_eq!(client.next().await, ServerFrame::Pong);
}

#[tokio::test]
async fn a_flood_of_frames_is_answered_once_then_dropped() {
    let w = world(|c| {
        c.frames_per_second = 1;
        c.max_watch_rooms = 1;
    })
    .await;
    let alice = w.user("alice").await;
    let room = w.room(&alice).await;
    let mut client = Client::hello(&w.state, &alice).await;
    assert!(matches!(
        client.watch(room, 0).await,
        ServerFrame::CaughtUp { .. }
    ));
    // A burst of three frames per second of `frames_per_second`: the watch took one.
    for _ in 0..300 {
        client.send(&ClientFrame::Typing { room_id: room }).await;
    }
    // Once the limit has refilled, the next frame is served again.
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    client.send(&ClientFrame::Ping {}).await;
    let mut limited = 0;
    loop {
        match client.next().await {
            ServerFrame::Error {
                code: ErrorCode::RateLimited,
                ..
            } => limited += 1,
            ServerFrame::Typing { .. } => {}
            ServerFrame::Pong => break,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(limited, 1, "one answer for the whole flood");
}

#[tokio::test]
async fn a_member_removed_stops_receiving_the_room_at_once() {
    let w = world(|_| {}).await;
    let (alice, bob) = (w.user("alice").await, w.user("bob").await);
    let room = w.room(&alice).await;
    let mut client = Client::hello(&w.state, &alice).await;
    assert!(matches!(
        client.watch(room, 0).await,
        ServerFrame::CaughtUp { .. }
    ));
    w.state.hub.remove_member(room, alice.user_id);
    assert_eq!(
        client.next().await,
        ServerFrame::Reset {
            room_id: room,
            reason: ResetReason::NotMember
        }
    );
    client.send(&send(room, 1, "after leaving")).await;
    assert_eq!(error_code(client.next().await), ErrorCode::NotWatching);
    let _: UserId = bob.user_id;
}
