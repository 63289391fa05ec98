//! One benchmark connection, speaking whichever protocol its server speaks: Parlor's (after
//! a real sign-up), plain WebSocket text to `/rooms/<id>`, or Socket.IO over Engine.IO v4.

use std::sync::atomic::{AtomicU64, Ordering};

use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use parlor::protocol::{ClientFrame, RoomCursor, ServerFrame};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::servers::Kind;

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// What arrived on a connection.
pub enum Event {
    /// A broadcast message body.
    Body(String),
    /// Parlor's acknowledgement of a send, with the message's `seq`.
    Ack(i64),
    /// Anything else (presence, pings).
    Other,
    /// The connection ended.
    Closed,
}

/// The sending half.
pub struct Sender {
    kind: Kind,
    room: i64,
    sink: SplitSink<Ws, Message>,
}

/// The receiving half.
pub struct Receiver {
    kind: Kind,
    stream: SplitStream<Ws>,
    /// Socket.IO pings must be answered on the sending half; they are queued here.
    pub pongs: u64,
}

static MSG_IDS: AtomicU64 = AtomicU64::new(1);

/// Connects as `cookie`'s user (Parlor) and joins `room`, catching up on what came after
/// `after_seq`; returns once the room is live.
pub async fn connect(
    kind: Kind,
    addr: &str,
    room: i64,
    cookie: Option<&str>,
    after_seq: i64,
) -> Result<(Sender, Receiver), String> {
    let url = match kind {
        k if k.is_parlor() => format!("ws://{addr}/ws"),
        Kind::SocketIo => format!("ws://{addr}/socket.io/?EIO=4&transport=websocket"),
        _ => format!("ws://{addr}/rooms/{room}"),
    };
    let mut request = url.into_client_request().map_err(|e| e.to_string())?;
    if let Some(cookie) = cookie {
        request.headers_mut().insert(
            "cookie",
            HeaderValue::from_str(cookie).map_err(|e| e.to_string())?,
        );
    }
    let (ws, _) = tokio_tungstenite::connect_async(request)
        .await
        .map_err(|e| e.to_string())?;
    let (mut sink, mut stream) = ws.split();
    match kind {
        k if k.is_parlor() => {
            let watch = ClientFrame::Watch {
                rooms: vec![RoomCursor {
                    room_id: room,
                    after_seq,
                }],
                epoch: None,
            };
            send_text(
                &mut sink,
                serde_json::to_string(&watch).map_err(|e| e.to_string())?,
            )
            .await?;
            let mut reset = false;
            wait_for(&mut stream, |t| {
                reset = t.contains("\"reset\"");
                reset || t.contains("\"caught_up\"")
            })
            .await?;
            if reset {
                return Err(format!("room {room} said reset to a cursor at {after_seq}"));
            }
        }
        Kind::SocketIo => {
            wait_for(&mut stream, |t| t.starts_with('0')).await?;
            send_text(&mut sink, "40".into()).await?;
            wait_for(&mut stream, |t| t.starts_with("40")).await?;
            send_text(&mut sink, format!("42[\"join\",\"r{room}\"]")).await?;
        }
        _ => {}
    }
    Ok((
        Sender { kind, room, sink },
        Receiver {
            kind,
            stream,
            pongs: 0,
        },
    ))
}

async fn send_text(sink: &mut SplitSink<Ws, Message>, text: String) -> Result<(), String> {
    sink.send(Message::text(text))
        .await
        .map_err(|e| e.to_string())
}

async fn wait_for(
    stream: &mut SplitStream<Ws>,
    mut done: impl FnMut(&str) -> bool,
) -> Result<(), String> {
    while let Some(message) = stream.next().await {
        if let Message::Text(text) = message.map_err(|e| e.to_string())? {
            if done(text.as_str()) {
                return Ok(());
            }
        }
    }
    Err("closed during the handshake".into())
}

impl Sender {
    /// Sends one message body to the room.
    pub async fn send(&mut self, body: &str) -> Result<(), String> {
        let text = match self.kind {
            k if k.is_parlor() => {
                let n = MSG_IDS.fetch_add(1, Ordering::Relaxed);
                serde_json::to_string(&ClientFrame::Send {
                    room_id: self.room,
                    client_msg_id: format!("{:08x}-0000-4000-8000-{:012x}", std::process::id(), n),
                    body: body.to_owned(),
                    reply_to: None,
                })
                .map_err(|e| e.to_string())?
            }
            Kind::SocketIo => {
                let body = serde_json::to_string(body).map_err(|e| e.to_string())?;
                format!("42[\"msg\",\"r{}\",{body}]", self.room)
            }
            _ => body.to_owned(),
        };
        send_text(&mut self.sink, text).await
    }

    /// Answers a Socket.IO ping.
    pub async fn pong(&mut self) -> Result<(), String> {
        send_text(&mut self.sink, "3".into()).await
    }
}

impl Receiver {
    /// The next event.
    pub async fn next(&mut self) -> Event {
        let text = match self.stream.next().await {
            Some(Ok(Message::Text(text))) => text,
            Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return Event::Closed,
            Some(Ok(_)) => return Event::Other,
        };
        let text = text.as_str();
        match self.kind {
            k if k.is_parlor() => match serde_json::from_str::<ServerFrame>(text) {
                Ok(ServerFrame::Message(m)) => Event::Body(m.body),
                Ok(ServerFrame::Ack(ack)) => Event::Ack(ack.seq),
                _ => Event::Other,
            },
            Kind::SocketIo => {
                if text == "2" {
                    self.pongs += 1;
                    return Event::Other;
                }
                match text
                    .strip_prefix("42")
                    .map(serde_json::from_str::<(String, String)>)
                {
                    Some(Ok((_, body))) => Event::Body(body),
                    _ => Event::Other,
                }
            }
            _ => Event::Body(text.to_owned()),
        }
    }
}
