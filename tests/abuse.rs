//! One unfriendly client against the real server: every input is bounded before it costs
//! anything, and every frame is metered, so nobody can take the server down or spoil a room
//! for the others.

mod support;

use std::time::Duration;

use parlor::protocol::{ClientFrame, ErrorCode, RoomCursor, ServerFrame};
use support::{call, metrics, msg_id, Person, ServerProcess, TestServer};

fn read_markers(frames: &[ServerFrame]) -> usize {
    frames
        .iter()
        .filter(|f| matches!(f, ServerFrame::ReadMarker { .. }))
        .count()
}

#[tokio::test]
async fn huge_sign_in_fields_cost_nothing() {
    let server = ServerProcess::start(&[]).await;
    let before = server.status("VmRSS");
    for _ in 0..100 {
        assert_eq!(
            huge_sign_in(server.addr).await,
            413,
            "refused before it is read"
        );
    }
    // Within the body limit, a username that breaks the rules is no limiter key and no hash.
    let long = "u".repeat(4000);
    for _ in 0..100 {
        let answer = call_at_raw(server.addr, &[("username", &long), ("password", "x")]).await;
        assert!(answer == 401 || answer == 429, "{answer}");
    }
    let grown = server.status("VmHWM").saturating_sub(before);
    assert!(grown < 40 * 1024, "the server grew by {grown} kB");
    server.stop().await;
}

/// A sign-in whose body declares 4 MB, as the attack sent ~2 MB usernames: the status of
/// the answer, which comes before the body is sent.
async fn huge_sign_in(addr: std::net::SocketAddr) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut conn = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let head = "POST /api/sign_in HTTP/1.1\r\nHost: x\r\n\
                Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 4194304\r\n\r\n";
    conn.write_all(head.as_bytes()).await.expect("write");
    conn.write_all(&[b'u'; 65536])
        .await
        .expect("the first of the body");
    let mut answer = [0u8; 64];
    let n = conn.read(&mut answer).await.expect("an answer");
    String::from_utf8_lossy(&answer[..n])
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

async fn call_at_raw(addr: std::net::SocketAddr, form: &[(&str, &str)]) -> u16 {
    support::call_at(addr, None, "sign_in", form).await.status
}

#[tokio::test]
async fn read_markers_go_to_the_reader_and_a_direct_peer_only_and_floods_do_nothing() {
    let server = TestServer::start().await;
    let alice = Person::sign_up(&server, "alice").await;
    let bob = Person::sign_up(&server, "bob").await;
    let room = alice.create_room(&server, "lobby", true).await;
    bob.call(&server, "join_room", &[("room_id", &room.to_string())])
        .await;
    let mut a = alice.connect(&server).await;
    let mut b = bob.connect(&server).await;
    let mut b2 = bob.connect(&server).await;
    a.watch(room, 0).await;
    b.watch(room, 0).await;
    b2.watch(room, 0).await;
    for i in 0..3 {
        a.say(room, &msg_id(i), "hello").await;
    }
    b.frames_for(Duration::from_millis(200)).await;
    b2.frames_for(Duration::from_millis(200)).await;
    a.frames_for(Duration::from_millis(200)).await;

    // Bob reads: his other tab hears of it, Alice (a mere member of a group room) does not.
    b.send(&ClientFrame::Read {
        room_id: room,
        seq: 3,
    })
    .await;
    let second_tab = b2.frames_for(Duration::from_millis(500)).await;
    assert_eq!(read_markers(&second_tab), 1, "{second_tab:?}");
    assert_eq!(
        read_markers(&a.frames_for(Duration::from_millis(300)).await),
        0
    );

    // Two thousand reads that do not move (and beyond what he was sent): nothing is written
    // or sent.
    for _ in 0..2000 {
        b.send(&ClientFrame::Read {
            room_id: room,
            seq: 99,
        })
        .await;
    }
    assert_eq!(
        read_markers(&b2.frames_for(Duration::from_millis(300)).await),
        0
    );
    assert_eq!(
        read_markers(&a.frames_for(Duration::from_millis(10)).await),
        0
    );
    // Two thousand typing notices: metered, and Alice hears of at most a few.
    for _ in 0..2000 {
        b.send(&ClientFrame::Typing { room_id: room }).await;
    }
    let own = b.frames_for(Duration::from_millis(500)).await;
    let limited = own
        .iter()
        .filter(|f| {
            matches!(
                f,
                ServerFrame::Error {
                    code: ErrorCode::RateLimited,
                    ..
                }
            )
        })
        .count();
    assert_eq!(limited, 1, "one answer for the whole flood, not one each");
    let typing = a
        .frames_for(Duration::from_millis(300))
        .await
        .into_iter()
        .filter(|f| matches!(f, ServerFrame::Typing { .. }))
        .count();
    assert!(typing <= 3, "Alice heard {typing} typing notices");
    let m = metrics(server.metrics_addr).await;
    assert!(m[r#"parlor_rate_limited_total{limit="frames"}"#] > 1000.0);
    server.stop().await;
}

#[tokio::test]
async fn a_watch_names_few_rooms_and_each_once() {
    let server = TestServer::start_in(&tempdir(), |c| c.max_watch_rooms = 3).await;
    let alice = Person::sign_up(&server, "alice").await;
    let mut rooms = Vec::new();
    for i in 0..4 {
        rooms.push(alice.create_room(&server, &format!("r{i}"), false).await);
    }
    let mut a = alice.connect(&server).await;
    let cursor = |room_id| RoomCursor {
        room_id,
        after_seq: 0,
    };
    let watch = |ids: &[i64]| ClientFrame::Watch {
        rooms: ids.iter().map(|&r| cursor(r)).collect(),
        epoch: None,
    };
    a.send(&watch(&[rooms[0], rooms[0]])).await;
    assert!(matches!(
        a.next_content().await,
        ServerFrame::Error {
            code: ErrorCode::BadFrame,
            ..
        }
    ));
    a.send(&watch(&rooms)).await;
    assert!(matches!(
        a.next_content().await,
        ServerFrame::Error {
            code: ErrorCode::TooManyRooms,
            ..
        }
    ));
    a.watch(rooms[0], 0).await;
    a.send(&watch(&rooms[1..])).await;
    assert!(
        matches!(
            a.next_content().await,
            ServerFrame::Error {
                code: ErrorCode::TooManyRooms,
                ..
            }
        ),
        "three more would make four on one socket"
    );
    a.send(&watch(&rooms[1..3])).await;
    let mut caught_up = 0;
    while caught_up < 2 {
        if let ServerFrame::CaughtUp { .. } = a.next_content().await {
            caught_up += 1;
        }
    }
    server.stop().await;
}

#[tokio::test]
async fn a_watch_costs_a_frame_per_room_and_broken_frames_are_metered_too() {
    let server = TestServer::start_in(&tempdir(), |c| {
        c.max_watch_rooms = 3;
        c.frames_per_second = 1;
    })
    .await;
    let alice = Person::sign_up(&server, "alice").await;
    let mut rooms = Vec::new();
    for i in 0..3 {
        rooms.push(alice.create_room(&server, &format!("r{i}"), false).await);
    }
    let mut a = alice.connect(&server).await;
    let watch = ClientFrame::Watch {
        rooms: rooms
            .iter()
            .map(|&room_id| RoomCursor {
                room_id,
                after_seq: 0,
            })
            .collect(),
        epoch: None,
    };
    // The burst holds one full watch (three rooms); the same again at once is refused.
    a.send(&watch).await;
    let mut caught_up = 0;
    while caught_up < 3 {
        if let ServerFrame::CaughtUp { .. } = a.next_content().await {
            caught_up += 1;
        }
    }
    a.send(&watch).await;
    assert!(matches!(
        a.next_content().await,
        ServerFrame::Error {
            code: ErrorCode::RateLimited,
            ..
        }
    ));
    // A thousand broken frames: refused, and answered once, not a thousand times.
    for _ in 0..1000 {
        a.send_raw(tokio_tungstenite::tungstenite::Message::text("not json"))
            .await;
    }
    let answers = a.frames_for(Duration::from_millis(500)).await;
    assert!(answers.len() <= 2, "{} answers to a flood", answers.len());
    server.stop().await;
}

#[tokio::test]
async fn a_reader_that_stops_during_a_replay_is_dropped() {
    let server = TestServer::start_in(&tempdir(), |c| {
        c.write_timeout_ms = 300;
        c.resume_limit = 100_000;
    })
    .await;
    let alice = Person::sign_up(&server, "alice").await;
    let room = alice.create_room(&server, "big", false).await;
    // 8,000 messages of 2,000 characters (16 MB), stored directly.
    let db = server.db().await;
    let user: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'alice'")
        .fetch_one(&db)
        .await
        .expect("user");
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 8000)
         INSERT INTO messages (room_id, seq, sender_id, client_msg_id, body, created_at)
         SELECT ?1, i, ?2, 'bulk-' || i, printf('%.2000c', 'x'), 0 FROM n",
    )
    .bind(room)
    .bind(user)
    .execute(&db)
    .await
    .expect("bulk insert");
    sqlx::query("UPDATE rooms SET last_seq = 8000 WHERE id = ?")
        .bind(room)
        .execute(&db)
        .await
        .expect("last_seq");

    let mut reader = alice.connect(&server).await;
    reader
        .send(&ClientFrame::Watch {
            rooms: vec![RoomCursor {
                room_id: room,
                after_seq: 0,
            }],
            epoch: None,
        })
        .await;
    // ...and never reads again. The server gives up on it within its write deadline.
    let mut connections = f64::NAN;
    for _ in 0..100 {
        connections = metrics(server.metrics_addr).await["parlor_connections"];
        if connections == 0.0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        connections, 0.0,
        "the stalled reader still holds its socket"
    );
    drop(reader);
    server.stop().await;
}

#[tokio::test]
async fn room_creation_is_limited_and_the_public_list_is_capped() {
    let server = TestServer::start_in(&tempdir(), |c| {
        c.rooms_per_hour = 9;
        c.public_rooms_page = 5;
    })
    .await;
    let alice = Person::sign_up(&server, "alice").await;
    let bob = Person::sign_up(&server, "bob").await;
    for i in 0..8 {
        alice.create_room(&server, &format!("room {i}"), true).await;
    }
    let secret = alice.create_room(&server, "secret", false).await;
    let ninth = alice
        .call(
            &server,
            "create_room",
            &[("name", "one more"), ("public", "true")],
        )
        .await;
    assert_eq!(ninth.status, 429, "{}", ninth.body);
    let listed = bob.call(&server, "list_rooms", &[]).await.json();
    let names: Vec<&str> = listed
        .as_array()
        .expect("rooms")
        .iter()
        .filter_map(|r| r["name"].as_str())
        .collect();
    assert_eq!(names, ["room 7", "room 6", "room 5", "room 4", "room 3"]);
    let last = listed[4]["id"].to_string();
    let next = bob
        .call(&server, "public_rooms", &[("after", &last)])
        .await
        .json();
    let names: Vec<&str> = next
        .as_array()
        .expect("rooms")
        .iter()
        .filter_map(|r| r["name"].as_str())
        .collect();
    assert_eq!(names, ["room 2", "room 1", "room 0"]);
    // A private room as the cursor tells nothing of its activity: the page is empty.
    let paged = bob
        .call(&server, "public_rooms", &[("after", &secret.to_string())])
        .await
        .json();
    assert_eq!(paged.as_array().map(Vec::len), Some(0));
    server.stop().await;
}

#[tokio::test]
async fn an_attacker_cannot_lock_a_user_out_from_elsewhere() {
    let server = TestServer::start_in(&tempdir(), |c| {
        c.sign_in_per_minute = 2;
        c.trusted_proxies = vec!["127.0.0.0/8".parse().expect("net")];
    })
    .await;
    Person::sign_up(&server, "alice").await;
    let from = |ip: &'static str| [("X-Forwarded-For", ip)];
    for _ in 0..5 {
        forwarded_sign_in(&server, "nope nope nope", &from("203.0.113.66")).await;
    }
    let attacker = forwarded_sign_in(&server, "nope nope nope", &from("203.0.113.66")).await;
    assert_eq!(attacker, 429);
    let alice = forwarded_sign_in(&server, support::PASSWORD, &from("198.51.100.7")).await;
    assert_eq!(alice, 200, "alice signs in from her own address");
    server.stop().await;
}

async fn forwarded_sign_in(server: &TestServer, password: &str, headers: &[(&str, &str)]) -> u16 {
    let mut request = reqwest::Client::new()
        .post(server.url("/api/sign_in"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .body(format!(
            "username=alice&password={}",
            password.replace(' ', "+")
        ));
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    request.send().await.expect("answer").status().as_u16()
}

#[tokio::test]
async fn display_names_that_reorder_or_hide_text_are_refused() {
    let server = TestServer::start().await;
    for name in ["\u{202e}evil\u{200b}\u{2066}admin", "ali\u{200b}ce"] {
        let answer = call(
            &server,
            None,
            "sign_up",
            &[
                ("username", "mallory"),
                ("display_name", name),
                ("password", support::PASSWORD),
            ],
        )
        .await;
        assert_eq!(answer.status, 422, "{name:?}: {}", answer.body);
        assert_eq!(answer.json()["code"], "invalid_display_name");
    }
    server.stop().await;
}

fn tempdir() -> std::path::PathBuf {
    tempfile::tempdir().expect("dir").keep()
}
