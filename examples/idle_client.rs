//! A chat client in its own process, for the dead-peer test: it signs in with the given
//! cookie, watches and enters a room, prints "entered", then only reads (so it answers the
//! server's pings) until it is killed. Stopping it with SIGSTOP makes it a dead peer.
//!
//! `idle_client <host:port> <cookie> <room id>`

use futures_util::{SinkExt, StreamExt};
use parlor::protocol::{ClientFrame, RoomCursor};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [addr, cookie, room] = args.as_slice() else {
        return Err("usage: idle_client <host:port> <cookie> <room id>".into());
    };
    let room_id: i64 = room.parse()?;
    let mut request = format!("ws://{addr}/ws").into_client_request()?;
    request
        .headers_mut()
        .insert("cookie", HeaderValue::from_str(cookie)?);
    let (mut ws, _) = tokio_tungstenite::connect_async(request).await?;
    let watch = ClientFrame::Watch {
        rooms: vec![RoomCursor {
            room_id,
            after_seq: 0,
        }],
        epoch: None,
    };
    ws.send(Message::text(serde_json::to_string(&watch)?))
        .await?;
    ws.send(Message::text(serde_json::to_string(&ClientFrame::Enter {
        room_id,
    })?))
    .await?;
    println!("entered");
    while let Some(message) = ws.next().await {
        message?;
    }
    Ok(())
}
