//! A barrage of malformed and hostile input, table-driven. Every case gets the error frame
//! or close code that `docs/protocol.md` documents; afterwards the server has not panicked
//! and a well-behaved client on it still sends and receives.

mod support;

use parlor::protocol::{close, ClientFrame, ErrorCode, RoomId, ServerFrame};
use support::{msg_id, Person, TestServer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::{Frame, FrameHeader};
use tokio_tungstenite::tungstenite::Message;

/// What the server must answer.
enum Expect {
    /// An error frame with this code; the socket stays open.
    Error(ErrorCode),
    /// An acknowledgement (the input was odd but valid).
    Ack,
    /// Nothing at all (the next `ping` is answered first).
    Nothing,
    /// A presence frame listing this many users, then nothing else, presence included.
    Presence(usize),
    /// Nothing at all, not even a presence frame.
    Silence,
    /// A `caught_up` for the room (after any missed messages).
    CaughtUp,
    /// The socket is closed with this code.
    Close(u16),
}

struct Case {
    name: &'static str,
    send: Vec<Message>,
    expect: Expect,
}

fn text(s: impl Into<String>) -> Vec<Message> {
    vec![Message::text(s.into())]
}

fn cases(room: RoomId, other: RoomId, unwatched: RoomId) -> Vec<Case> {
    use Expect::*;
    let send = |room: RoomId, id: &str, body: &str| {
        serde_json::json!({"type": "send", "room_id": room, "client_msg_id": id, "body": body})
            .to_string()
    };
    let id = msg_id(1000);
    vec![
        Case {
            name: "garbage",
            send: text("hello there"),
            expect: Error(ErrorCode::BadFrame),
        },
        Case {
            name: "a JSON array",
            send: text("[1,2,3]"),
            expect: Error(ErrorCode::BadFrame),
        },
        Case {
            name: "an empty object",
            send: text("{}"),
            expect: Error(ErrorCode::BadFrame),
        },
        Case {
            name: "null",
            send: text("null"),
            expect: Error(ErrorCode::BadFrame),
        },
        Case {
            name: "a JSON string",
            send: text("\"send\""),
            expect: Error(ErrorCode::BadFrame),
        },
        Case {
            name: "an empty body",
            send: text(""),
            expect: Error(ErrorCode::BadFrame),
        },
        Case {
            name: "whitespace",
            send: text(" \n\t "),
            expect: Error(ErrorCode::BadFrame),
        },
        Case {
            name: "an unknown type",
            send: text(r#"{"type":"shout"}"#),
            expect: Error(ErrorCode::BadFrame),
        },
        Case {
            name: "a type of the wrong case",
            send: text(r#"{"type":"PING"}"#),
            expect: Error(ErrorCode::BadFrame),
        },
        Case {
            name: "missing fields",
            send: text(r#"{"type":"send"}"#),
            expect: Error(ErrorCode::BadFrame),
        },
        Case {
            name: "an extra field",
            send: text(format!(
                r#"{{"type":"send","room_id":{room},"client_msg_id":"{id}","body":"x","extra":1}}"#
            )),
            expect: Error(ErrorCode::BadFrame),
        },
        Case {
            name: "an extra field on ping",
            send: text(r#"{"type":"ping","x":1}"#),
            expect: Error(ErrorCode::BadFrame),
        },
        Case {
            name: "a spoofed sender",
            send: text(format!(
                r#"{{"type":"send","room_id":{room},"client_msg_id":"{id}","body":"x","sender_id":1}}"#
            )),
            expect: Error(ErrorCode::BadFrame),
        },
        Case {
            name: "a room id as a string",
            send: text(format!(
                r#"{{"type":"send","room_id":"{room}","client_msg_id":"{id}","body":"x"}}"#
            )),
            expect: Error(ErrorCode::BadFrame),
        },
        Case {
            name: "a fractional room id",
            send: text(format!(
                r#"{{"type":"send","room_id":1.5,"client_msg_id":"{id}","body":"x"}}"#
            )),
            expect: Error(ErrorCode::BadFrame),
        },
        Case {
            name: "a room id beyond i64",
            send: text(format!(
                r#"{{"type":"send","room_id":1e30,"client_msg_id":"{id}","body":"x"}}"#
            )),
            expect: Error(ErrorCode::BadFrame),
        },
        Case {
            name: "duplicate keys",
            send: text(r#"{"type":"ping","type":"ping"}"#),
            expect: Error(ErrorCode::BadFrame),
        },
        Case {
            name: "a lone surrogate",
            send: text(format!(
                r#"{{"type":"send","room_id":{room},"client_msg_id":"{}","body":"\ud800"}}"#,
                msg_id(1001)
            )),
            expect: Error(ErrorCode::BadFrame),
        },
        Case {
            name: "JSON nested 10,000 deep",
            send: text("[".repeat(10_000)),
            expect: Error(ErrorCode::BadFrame),
        },
        Case {
            name: "a binary frame",
            send: vec![Message::binary(vec![1u8, 2, 3])],
            expect: Error(ErrorCode::BadFrame),
        },
        Case {
            name: "a client_msg_id that is not a UUID",
            send: text(send(room, "1234", "hi")),
            expect: Error(ErrorCode::InvalidClientMsgId),
        },
        Case {
            name: "an empty message",
            send: text(send(room, &msg_id(1002), "")),
            expect: Error(ErrorCode::EmptyBody),
        },
        Case {
            name: "a blank message",
            send: text(send(room, &msg_id(1003), " \n \t ")),
            expect: Error(ErrorCode::EmptyBody),
        },
        Case {
            name: "a message over max_body_chars",
            send: text(send(room, &msg_id(1004), &"a".repeat(4001))),
            expect: Error(ErrorCode::BodyTooLong),
        },
        Case {
            name: "a send before watching",
            send: text(send(unwatched, &msg_id(1005), "hi")),
            expect: Error(ErrorCode::NotWatching),
        },
        Case {
            name: "a send to a room of others",
            send: text(send(other, &msg_id(1006), "hi")),
            expect: Error(ErrorCode::NotWatching),
        },
        Case {
            name: "a watch of a room of others",
            send: text(format!(
                r#"{{"type":"watch","rooms":[{{"room_id":{other},"after_seq":0}}]}}"#
            )),
            expect: Error(ErrorCode::NotMember),
        },
        Case {
            name: "a watch of a room that does not exist",
            send: text(r#"{"type":"watch","rooms":[{"room_id":-7,"after_seq":0}]}"#),
            expect: Error(ErrorCode::NotMember),
        },
        Case {
            name: "an enter without a watch",
            send: text(format!(r#"{{"type":"enter","room_id":{other}}}"#)),
            expect: Error(ErrorCode::NotWatching),
        },
        Case {
            name: "a read without a watch",
            send: text(format!(r#"{{"type":"read","room_id":{other},"seq":5}}"#)),
            expect: Error(ErrorCode::NotWatching),
        },
        Case {
            name: "typing without a watch",
            send: text(format!(r#"{{"type":"typing","room_id":{other}}}"#)),
            expect: Nothing,
        },
        Case {
            name: "an exit from a room never entered",
            send: text(format!(r#"{{"type":"exit","room_id":{other}}}"#)),
            expect: Nothing,
        },
        Case {
            name: "entering a watched room",
            send: text(format!(r#"{{"type":"enter","room_id":{room}}}"#)),
            expect: Presence(1),
        },
        Case {
            name: "a duplicate enter",
            send: text(format!(r#"{{"type":"enter","room_id":{room}}}"#)),
            expect: Silence,
        },
        Case {
            name: "a duplicate watch",
            send: text(format!(
                r#"{{"type":"watch","rooms":[{{"room_id":{room},"after_seq":0}}]}}"#
            )),
            expect: CaughtUp,
        },
        Case {
            name: "control characters in a message",
            send: text(send(room, &msg_id(1007), "a\u{0}b\u{7}c")),
            expect: Ack,
        },
        Case {
            name: "a message of exactly max_body_chars",
            send: text(send(room, &msg_id(1008), &"가".repeat(4000))),
            expect: Ack,
        },
        Case {
            name: "a text frame over max_frame_bytes",
            send: text("x".repeat(70_000)),
            expect: Close(close::TOO_BIG),
        },
        Case {
            name: "continuation frames past the limit",
            send: vec![
                Message::Frame(Frame::message(
                    vec![b'x'; 40_000],
                    OpCode::Data(Data::Text),
                    false,
                )),
                Message::Frame(Frame::message(
                    vec![b'x'; 40_000],
                    OpCode::Data(Data::Continue),
                    true,
                )),
            ],
            expect: Close(close::TOO_BIG),
        },
        Case {
            name: "invalid UTF-8 in a text frame",
            send: vec![Message::Frame(Frame::message(
                vec![0xff, 0xfe, b'{'],
                OpCode::Data(Data::Text),
                true,
            ))],
            expect: Close(close::INVALID_TEXT),
        },
        Case {
            name: "a reserved opcode",
            send: vec![Message::Frame(reframed(
                Frame::message(b"{}".to_vec(), OpCode::Data(Data::Text), true),
                |h| h.opcode = OpCode::Data(Data::Reserved(3)),
            ))],
            expect: Close(close::PROTOCOL_ERROR),
        },
        Case {
            name: "a fragmented ping",
            send: vec![Message::Frame(reframed(Frame::ping(&b"hi"[..]), |h| {
                h.is_final = false
            }))],
            expect: Close(close::PROTOCOL_ERROR),
        },
    ]
}

/// `frame` with its header changed by `change`: how a test writes frames no client library
/// would send.
fn reframed(mut frame: Frame, change: impl FnOnce(&mut FrameHeader)) -> Frame {
    change(frame.header_mut());
    frame
}

#[tokio::test]
async fn every_malformed_input_gets_its_documented_answer_and_the_server_carries_on() {
    let server = TestServer::start().await;
    let alice = Person::sign_up(&server, "alice").await;
    let bob = Person::sign_up(&server, "bob").await;
    Person::sign_up(&server, "eve").await;
    let room = alice.open_direct(&server, "bob").await;
    let unwatched = alice.create_room(&server, "later", false).await;
    let other = bob.open_direct(&server, "eve").await;
    let cases = cases(room, other, unwatched);
    assert!(cases.len() >= 30, "{} cases", cases.len());

    let mut socket = alice.connect(&server).await;
    socket.watch(room, 0).await;
    for case in cases {
        for message in case.send {
            socket.send_raw(message).await;
        }
        match case.expect {
            Expect::Close(code) => {
                assert_eq!(socket.closed().await, code, "{}", case.name);
                socket = alice.connect(&server).await;
                socket.watch(room, 0).await;
                continue;
            }
            Expect::Error(code) => match socket.next_content().await {
                ServerFrame::Error { code: got, .. } => assert_eq!(got, code, "{}", case.name),
                other => panic!("{}: expected {code:?}, got {other:?}", case.name),
            },
            Expect::Ack => loop {
                match socket.next_content().await {
                    ServerFrame::Ack(_) => break,
                    ServerFrame::Message(_) => continue,
                    other => panic!("{}: expected an ack, got {other:?}", case.name),
                }
            },
            Expect::Presence(users) => loop {
                match socket.next().await {
                    ServerFrame::Presence { online, .. } => {
                        assert_eq!(online.len(), users, "{}", case.name);
                        break;
                    }
                    ServerFrame::Message(_) => continue,
                    other => panic!("{}: expected presence, got {other:?}", case.name),
                }
            },
            Expect::CaughtUp => loop {
                match socket.next_content().await {
                    ServerFrame::CaughtUp { room_id, .. } if room_id == room => break,
                    ServerFrame::Message(_) => continue,
                    other => panic!("{}: expected caught_up, got {other:?}", case.name),
                }
            },
            Expect::Nothing | Expect::Silence => {}
        }
        // In step: nothing else was said about this case.
        let quiet = matches!(case.expect, Expect::Presence(_) | Expect::Silence);
        socket.send(&ClientFrame::Ping {}).await;
        loop {
            match socket.next().await {
                ServerFrame::Pong => break,
                ServerFrame::Message(_) => continue,
                ServerFrame::Presence { .. } if !quiet => continue,
                other => panic!("{}: unexpected {other:?}", case.name),
            }
        }
    }

    // A frame header that declares an absurd length is refused without reading it.
    assert_eq!(
        huge_declared_frame(&server.addr, &alice.cookie).await,
        close::TOO_BIG
    );

    // The server is still up, and a well-behaved Bob still talks with Alice.
    let mut b = bob.connect(&server).await;
    b.watch(room, 0).await;
    let answer = socket.say(room, &msg_id(2000), "still here?").await;
    assert!(matches!(answer, ServerFrame::Ack(_)), "{answer:?}");
    loop {
        if let ServerFrame::Message(m) = b.next_content().await {
            if m.body == "still here?" {
                break;
            }
        }
    }
    server.stop().await;
}

/// Opens a socket by hand and sends a frame header declaring 2^62 bytes; returns the close
/// code the server answers with.
async fn huge_declared_frame(addr: &std::net::SocketAddr, cookie: &str) -> u16 {
    let mut tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let request = format!(
        "GET /ws HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
         Cookie: {cookie}\r\n\r\n"
    );
    tcp.write_all(request.as_bytes()).await.expect("write");
    // Text frame, final, masked, 64-bit length 2^62, a mask key, and a few bytes.
    let mut frame = vec![0x81, 0xFF];
    frame.extend_from_slice(&(1u64 << 62).to_be_bytes());
    frame.extend_from_slice(&[1, 2, 3, 4, b'x', b'y']);
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    // Read the 101 response and the hello, then send the frame.
    while !seen.windows(5).any(|w| w == b"hello") {
        let n = tcp.read(&mut buf).await.expect("read");
        assert!(n > 0, "closed before hello");
        seen.extend_from_slice(&buf[..n]);
    }
    tcp.write_all(&frame).await.expect("write frame");
    let mut rest = Vec::new();
    let _ = tokio::time::timeout(support::PATIENCE, tcp.read_to_end(&mut rest)).await;
    // A server close frame: 0x88, a length, then the code.
    let at = rest.iter().position(|b| *b == 0x88).expect("a close frame");
    u16::from_be_bytes([rest[at + 2], rest[at + 3]])
}

#[tokio::test]
async fn a_client_close_is_answered_with_a_close_frame() {
    let server = TestServer::start().await;
    let alice = Person::sign_up(&server, "alice").await;
    let socket = alice.connect(&server).await;
    assert_eq!(socket.close().await, 1000);
    server.stop().await;
}
