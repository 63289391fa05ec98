//! Runtime settings of the server binary.
//!
//! Read from `Leptos.toml` (or the file named by `PARLOR_CONFIG`), then each setting may be
//! overridden by an environment variable `PARLOR_<NAME>` (upper case). Every setting has a
//! default, so the server runs with no file and no variables at all. `Leptos.toml` in the
//! repository documents each one.

use std::net::SocketAddr;
use std::path::Path;

use serde::Deserialize;

/// How hard SQLite syncs a commit to disk (`PRAGMA synchronous`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Synchronous {
    /// Every commit is on disk before it is acknowledged (survives power loss).
    Full,
    /// WAL commits survive a process crash but may be lost on power loss.
    Normal,
}

/// How the server writes its log lines (to stderr).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// One human-readable line per event, with `key=value` fields.
    Text,
    /// One JSON object per event: `timestamp`, `level`, `target`, `fields`, `span`.
    Json,
}

/// All settings, with their defaults in [`Default`].
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address the HTTP server listens on.
    pub listen: SocketAddr,
    /// SQLite database URL; the file and its directory are created when missing.
    pub database_url: String,
    /// `synchronous` pragma: `FULL` or `NORMAL`.
    pub synchronous: Synchronous,
    /// Where cargo-leptos put the site (JS, WASM, CSS, public files).
    pub site_root: String,
    /// Origins allowed besides the server's own (same host as the request). Exact match,
    /// e.g. `https://qa.example.com`.
    pub allowed_origins: Vec<String>,
    /// Mark the session cookie `Secure` (set when served over https).
    pub secure_cookies: bool,
    /// Days a session lasts without signing in again.
    pub session_days: i64,
    /// Longest message body, in characters, after trimming.
    pub max_body_chars: usize,
    /// Largest WebSocket frame or message the server reads, in bytes.
    pub max_frame_bytes: usize,
    /// Messages per page of history (first paint and each scroll-back page).
    pub history_page: i64,
    /// Most messages replayed on resume; a larger gap gets `reset`.
    pub resume_limit: i64,
    /// Frames queued per connection before it is closed with the resync code.
    pub outbound_queue: usize,
    /// Most messages committed in one transaction by the writer.
    pub commit_batch: usize,
    /// Sign-in attempts per minute, per username and per client address.
    pub sign_in_per_minute: u32,
    /// Seconds the writer waits on a locked database before reporting `store_unavailable`.
    pub busy_timeout_secs: u64,
    /// Messages a user may send per second, sustained (a token bucket shared by all their
    /// sockets). More gets `rate_limited`: not stored, not acked.
    pub messages_per_second: u32,
    /// Messages a user may send in a burst before `messages_per_second` applies.
    pub message_burst: u32,
    /// Open sockets per user; the next upgrade is refused with 429.
    pub connections_per_user: usize,
    /// Threads of the async runtime; 0 means one per CPU core.
    pub worker_threads: usize,
    /// Milliseconds between the server's WebSocket pings.
    pub heartbeat_ms: u64,
    /// Milliseconds without any frame from a client (pongs included) before its socket is
    /// closed (4002) and it drops out of presence.
    pub idle_timeout_ms: u64,
    /// `text` or `json`. The level comes from `RUST_LOG` (default `info`).
    pub log_format: LogFormat,
    /// Threads hashing passwords (Argon2id, 19 MiB each): at most this many sign-ups and
    /// sign-ins are hashed at once; 0 means one per CPU core, at most four.
    pub password_threads: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 3000)),
            database_url: "sqlite://data/parlor.db".into(),
            synchronous: Synchronous::Full,
            site_root: "target/site".into(),
            allowed_origins: Vec::new(),
            secure_cookies: false,
            session_days: 30,
            max_body_chars: 4000,
            max_frame_bytes: 64 * 1024,
            history_page: 50,
            resume_limit: 1000,
            outbound_queue: 1024,
            commit_batch: 256,
            sign_in_per_minute: 10,
            busy_timeout_secs: 5,
            messages_per_second: 10,
            message_burst: 30,
            connections_per_user: 20,
            worker_threads: 0,
            heartbeat_ms: 15_000,
            idle_timeout_ms: 45_000,
            log_format: LogFormat::Text,
            password_threads: 0,
        }
    }
}

/// A settings file or variable that could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("invalid settings: {0}")]
    Invalid(#[from] toml::de::Error),
}

impl Config {
    /// How many threads hash passwords: `password_threads`, or one per core up to four.
    pub fn password_threads(&self) -> usize {
        match self.password_threads {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get().min(4)),
            n => n,
        }
    }

    /// Loads `PARLOR_CONFIG` or `./Leptos.toml` (when present), then applies `PARLOR_*`
    /// variables.
    pub fn load() -> Result<Config, ConfigError> {
        let path = std::env::var("PARLOR_CONFIG").unwrap_or_else(|_| "Leptos.toml".into());
        let text = match std::fs::read_to_string(Path::new(&path)) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(source) => return Err(ConfigError::Read { path, source }),
        };
        Config::from_sources(&text, std::env::vars())
    }

    /// Parses a settings file, then overrides it with `PARLOR_*` variables.
    ///
    /// A variable's value is read as a TOML value when it parses as one (numbers, booleans)
    /// and as a string otherwise; `PARLOR_ALLOWED_ORIGINS` is a comma-separated list.
    pub fn from_sources(
        file: &str,
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let mut table: toml::Table = file.parse()?;
        for (name, value) in vars {
            let Some(key) = name.strip_prefix("PARLOR_") else {
                continue;
            };
            if key == "CONFIG" {
                continue;
            }
            let key = key.to_ascii_lowercase();
            let value = if key == "allowed_origins" {
                toml::Value::Array(
                    value
                        .split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(|s| toml::Value::String(s.to_owned()))
                        .collect(),
                )
            } else {
                parse_scalar(&value)
            };
            table.insert(key, value);
        }
        Ok(Config::deserialize(table)?)
    }
}

fn parse_scalar(text: &str) -> toml::Value {
    format!("v = {text}")
        .parse::<toml::Table>()
        .ok()
        .and_then(|mut t| t.remove("v"))
        .filter(|v| !v.is_str() || text.starts_with('"'))
        .unwrap_or_else(|| toml::Value::String(text.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_need_no_file() {
        let c = Config::from_sources("", vars(&[])).expect("defaults");
        assert_eq!(c.listen.to_string(), "127.0.0.1:3000");
        assert_eq!(c.database_url, "sqlite://data/parlor.db");
        assert_eq!(c.synchronous, Synchronous::Full);
    }

    #[test]
    fn the_committed_file_parses() {
        let text = include_str!("../../Leptos.toml");
        Config::from_sources(text, vars(&[])).expect("Leptos.toml is valid");
    }

    #[test]
    fn variables_override_the_file() {
        let c = Config::from_sources(
            "max_body_chars = 10\nlisten = \"0.0.0.0:80\"",
            vars(&[
                ("PARLOR_MAX_BODY_CHARS", "20"),
                ("PARLOR_SYNCHRONOUS", "NORMAL"),
                (
                    "PARLOR_ALLOWED_ORIGINS",
                    "https://a.example, https://b.example",
                ),
                ("PARLOR_SECURE_COOKIES", "true"),
                ("HOME", "/root"),
            ]),
        )
        .expect("valid");
        assert_eq!(c.max_body_chars, 20);
        assert_eq!(c.listen.to_string(), "0.0.0.0:80");
        assert_eq!(c.synchronous, Synchronous::Normal);
        assert_eq!(
            c.allowed_origins,
            ["https://a.example", "https://b.example"]
        );
        assert!(c.secure_cookies);
    }

    #[test]
    fn unknown_settings_are_errors() {
        let err = Config::from_sources("", vars(&[("PARLOR_MAX_BODY", "1")]));
        assert!(err.is_err());
    }
}
