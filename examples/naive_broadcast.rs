//! Peer for the benchmark: the room broadcaster a Rust engineer would write in an
//! afternoon with axum and `tokio::sync::broadcast`. Clients connect to `/rooms/<id>`;
//! every text message goes to everyone in that room. No storage, no auth, default axum
//! socket settings. Prints "listening on http://127.0.0.1:<port>".
//!
//! `cargo run --release --features ssr --example naive_broadcast` (PORT picks the port).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use futures_util::{SinkExt, StreamExt};
use tokio::sync::broadcast;

type Rooms = Arc<Mutex<HashMap<String, broadcast::Sender<Message>>>>;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let rooms: Rooms = Arc::default();
    let app = Router::new()
        .route("/rooms/{room}", get(upgrade))
        .with_state(rooms);
    let port = std::env::var("PORT").unwrap_or_else(|_| "0".into());
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}")).await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app).await
}

async fn upgrade(
    ws: WebSocketUpgrade,
    Path(room): Path<String>,
    State(rooms): State<Rooms>,
) -> Response {
    let tx = rooms
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .entry(room)
        .or_insert_with(|| broadcast::channel(1024).0)
        .clone();
    ws.on_upgrade(move |socket| serve(socket, tx))
}

async fn serve(socket: WebSocket, tx: broadcast::Sender<Message>) {
    let (mut sink, mut stream) = socket.split();
    let mut rx = tx.subscribe();
    let forward = tokio::spawn(async move {
        while let Ok(message) = rx.recv().await {
            if sink.send(message).await.is_err() {
                break;
            }
        }
    });
    while let Some(Ok(message)) = stream.next().await {
        if let Message::Text(_) = message {
            let _ = tx.send(message);
        }
    }
    forward.abort();
}
