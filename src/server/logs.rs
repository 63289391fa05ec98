//! Structured logs through `tracing`, to stderr, as text or JSON (`log_format`).
//!
//! What is logged: ids (user, room, session row), counts, durations, error causes. Never
//! message bodies, passwords, cookies or session tokens: Parlor's own events carry none, and
//! the libraries that would print them at trace level are capped below, whatever `RUST_LOG`
//! asks for. `tests/logs.rs` runs the server at `RUST_LOG=trace` and searches every line.

use tracing_subscriber::filter::{EnvFilter, FilterExt, LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{fmt, Layer};

use super::config::LogFormat;

/// Targets that print raw frames, headers or request bodies when verbose, and the most they
/// may say: tungstenite logs every frame's payload at trace; hyper and h2 print header
/// blocks at trace; html5ever (under ammonia, cleaning each rendered message) prints every
/// run of a message's text at debug. These are ceilings: `RUST_LOG` can lower them, never
/// raise them.
const CAPS: &[(&str, LevelFilter)] = &[
    ("tungstenite", LevelFilter::DEBUG),
    ("tokio_tungstenite", LevelFilter::DEBUG),
    ("hyper", LevelFilter::DEBUG),
    ("hyper_util", LevelFilter::DEBUG),
    ("h2", LevelFilter::INFO),
    ("html5ever", LevelFilter::INFO),
    ("markup5ever", LevelFilter::INFO),
    ("ammonia", LevelFilter::INFO),
];

/// Installs the global subscriber. `RUST_LOG` picks the level (default `info`).
pub fn init(format: LogFormat) {
    let wanted = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let caps = Targets::new()
        .with_default(LevelFilter::TRACE)
        .with_targets(CAPS.iter().copied());
    let filter = wanted.and(caps);
    let layer = fmt::layer().with_writer(std::io::stderr);
    match format {
        LogFormat::Text => tracing_subscriber::registry()
            .with(layer.with_filter(filter))
            .init(),
        LogFormat::Json => tracing_subscriber::registry()
            .with(layer.json().with_filter(filter))
            .init(),
    }
}
