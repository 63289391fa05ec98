//! The conformance echo server: one WebSocket route, `/`, with the chat socket's settings
//! ([`parlor::server::ws::limit`] with `max_frame_bytes` from `Leptos.toml` or
//! `PARLOR_MAX_FRAME_BYTES`) and its error handling ([`parlor::server::ws::close_code_for`]),
//! echoing every text and binary message back. `tests/conformance.rs` runs the Autobahn cases
//! against it through kosoku. It is an example, so it exists only in test builds.
//!
//! `echo_server [host:port]` (default `127.0.0.1:0`); prints `echo listening on <addr>`.

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::routing::get;
use axum::Router;
use futures_util::StreamExt;
use parlor::server::config::Config;
use parlor::server::ws;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let config = Config::load()?.config;
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:0".to_owned());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    let limit = config.max_frame_bytes;
    let app =
        Router::new().route(
            "/",
            get(move |upgrade: WebSocketUpgrade| async move {
                ws::limit(upgrade, limit).on_upgrade(echo)
            }),
        );
    println!("echo listening on {}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}

async fn echo(mut socket: WebSocket) {
    while let Some(incoming) = socket.next().await {
        let reply = match incoming {
            Ok(Message::Text(text)) => Message::Text(text),
            Ok(Message::Binary(bytes)) => Message::Binary(bytes),
            Ok(Message::Ping(_) | Message::Pong(_)) => continue,
            // Reading on after a close lets the socket answer it; the stream then ends.
            Ok(Message::Close(_)) => continue,
            Err(e) => {
                let (code, reason) = ws::close_code_for(&e);
                let frame = CloseFrame {
                    code,
                    reason: reason.into(),
                };
                let _ = socket.send(Message::Close(Some(frame))).await;
                // As the chat socket does: wait briefly for the client's answering close, so
                // that dropping a connection with unread data (a TCP reset) cannot destroy
                // the close frame.
                let answered = async {
                    while let Some(Ok(message)) = socket.next().await {
                        if let Message::Close(_) = message {
                            break;
                        }
                    }
                };
                let _ = tokio::time::timeout(std::time::Duration::from_secs(2), answered).await;
                break;
            }
        };
        if socket.send(reply).await.is_err() {
            break;
        }
    }
}
