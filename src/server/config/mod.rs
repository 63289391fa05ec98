//! Runtime settings of the server binary.
//!
//! Read from `Leptos.toml` (or the file named by `PARLOR_CONFIG`), then each setting may be
//! overridden by an environment variable `PARLOR_<NAME>` (upper case). Every setting has a
//! default, so the server runs with no file and no variables at all. `Leptos.toml` in the
//! repository documents each one.

use std::net::{IpAddr, SocketAddr};
use std::path::Path;

use ipnet::IpNet;
use serde::{Deserialize, Deserializer, Serialize};

pub mod hosts;

pub use hosts::{HostConfig, SigningKey};

/// How hard SQLite syncs a commit to disk (`PRAGMA synchronous`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Synchronous {
    /// Every commit is on disk before it is acknowledged (survives power loss).
    Full,
    /// WAL commits survive a process crash but may be lost on power loss.
    Normal,
}

/// The header trusted proxies name the client in. Only that one is read: a proxy that writes
/// one passes the other through as the client sent it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ForwardedHeader {
    /// `X-Forwarded-For` (appended by nginx's `$proxy_add_x_forwarded_for`, HAProxy,
    /// most load balancers), with `X-Forwarded-Proto`.
    XForwardedFor,
    /// RFC 7239 `Forwarded: for=…;proto=…`.
    Forwarded,
}

/// How the server writes its log lines (to stderr).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// One human-readable line per event, with `key=value` fields.
    Text,
    /// One JSON object per event: `timestamp`, `level`, `target`, `fields`, `span`.
    Json,
}

/// All settings, with their defaults in [`Default`].
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address the HTTP server listens on.
    pub listen: SocketAddr,
    /// cargo-leptos's live reload, from its own variables (never from `Leptos.toml`):
    /// `LEPTOS_ENV=DEV` turns it on, `LEPTOS_RELOAD_PORT` is its port (3001 when unset).
    #[serde(skip)]
    pub live_reload: Option<u16>,
    /// Address of the operators' listener (`/metrics`, `/healthz`, `/readyz`), kept apart
    /// from `listen` so that no reverse proxy can expose it; `None` (an empty string in the
    /// file) serves no metrics.
    #[serde(deserialize_with = "optional_addr")]
    pub metrics_listen: Option<SocketAddr>,
    /// Peers whose `X-Forwarded-For` / `Forwarded` headers name the client (reverse
    /// proxies), as addresses or CIDR blocks. Empty: the TCP peer is the client.
    #[serde(deserialize_with = "networks", serialize_with = "networks_as_text")]
    pub trusted_proxies: Vec<IpNet>,
    /// The header `trusted_proxies` write: `x-forwarded-for` or `forwarded`.
    pub forwarded_header: ForwardedHeader,
    /// The store: `sqlite://path` (the file and its directory are created when missing) or
    /// `postgres://…` (the shared store of several nodes).
    pub database_url: String,
    /// `synchronous` pragma: `FULL` or `NORMAL`.
    pub synchronous: Synchronous,
    /// Where cargo-leptos put the site (JS, WASM, CSS, public files).
    pub site_root: String,
    /// The address people use, e.g. `https://chat.example.com` (empty: unknown). When set,
    /// it is the server's own origin, and an https one turns on `secure_cookies`.
    pub public_url: String,
    /// Origins allowed besides the server's own, e.g. `https://qa.example.com`; compared
    /// whole (scheme, host, port) and normalised when loaded.
    pub allowed_origins: Vec<String>,
    /// Mark the session cookie `Secure` and name it `__Host-parlor_session`; `None`
    /// ("auto") means when `public_url` is https.
    #[serde(deserialize_with = "auto_bool", serialize_with = "auto_bool_as_text")]
    pub secure_cookies: Option<bool>,
    /// Days a session lasts without signing in again.
    pub session_days: i64,
    /// Longest message body, in characters, after trimming.
    pub max_body_chars: usize,
    /// How long after sending a message its sender may still edit it, in seconds.
    pub edit_window_secs: i64,
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
    /// Accounts an address may create per hour (its bucket holds this many and refills
    /// evenly); each sign-up also takes one of the address's sign-in attempts.
    pub sign_ups_per_hour: u32,
    /// Largest request body of a server function (`/api/*`), in bytes; larger ones are
    /// refused with 413 before they are read.
    pub max_request_bytes: usize,
    /// Seconds the writer waits on a locked database before reporting `store_unavailable`.
    pub busy_timeout_secs: u64,
    /// Messages a user may send per second, sustained (a token bucket shared by all their
    /// sockets). More gets `rate_limited`: not stored, not acked.
    pub messages_per_second: u32,
    /// Messages a user may send in a burst before `messages_per_second` applies.
    pub message_burst: u32,
    /// Open sockets per user; the next upgrade is refused with 429.
    pub connections_per_user: usize,
    /// Frames other than `send` (watch, unwatch, enter, exit, typing, read, ping) a user may
    /// send per second over all their sockets, with a burst of three seconds' worth; more
    /// are answered `rate_limited` and dropped.
    pub frames_per_second: u32,
    /// Most distinct rooms one `watch` frame may name, and one socket may watch in all.
    pub max_watch_rooms: usize,
    /// Milliseconds a write to a socket (a live frame, a catch-up, a close frame) may wait on
    /// a client that does not read before the connection is dropped.
    pub write_timeout_ms: u64,
    /// Group rooms a user may create per hour (a bucket of this many, refilled evenly).
    pub rooms_per_hour: u32,
    /// Most public rooms that `list_rooms` returns besides the user's own, the most recently
    /// active first; `public_rooms` pages through the rest.
    pub public_rooms_page: i64,
    /// Longest search query, in characters; a longer one gets `search_query_too_long`.
    pub search_query_chars: usize,
    /// Search hits per page.
    pub search_page: i64,
    /// Searches a user may run per second, sustained, with a burst of five seconds' worth;
    /// more get `too_many_attempts` (429) with a `Retry-After`.
    pub searches_per_second: u32,
    /// Open reports from distinct members that hide a message for everyone pending review
    /// (at least 1).
    pub report_threshold: i64,
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
    /// sign-ins are hashed at once; 0 means half the CPU cores, at least one, at most four.
    pub password_threads: usize,
    /// The Q&A sites that plug Parlor in (see [`hosts`] and `docs/integration.md`).
    pub hosts: Vec<HostConfig>,
    /// Milliseconds a socket opened without a cookie has to send its `auth` frame before
    /// it is closed (4003).
    pub auth_timeout_ms: u64,
    /// Hours an embed's session (from a host-signed token, held in the page's memory) lasts.
    pub embed_session_hours: i64,
    /// Milliseconds a webhook receiver has to answer before the attempt counts as failed.
    pub webhook_timeout_ms: u64,
    /// Attempts per webhook event before it is given up (and counted as failed).
    pub webhook_max_attempts: u32,
    /// The bus between nodes, `redis://host:port/`; empty: one node, no bus. Several nodes
    /// need PostgreSQL as their store (docs/scaling.md).
    pub redis_url: String,
    /// This node's name on the bus, in logs and metrics; empty: a random one at each start.
    pub node_id: String,
    /// The prefix of every Redis channel, so that deployments can share one Redis.
    pub bus_prefix: String,
    /// Milliseconds a node waits for a missing `seq` from the bus (a straggler) before it
    /// reads the gap from the store.
    pub bus_gap_wait_ms: u64,
    /// Milliseconds between reconciliations: each watched room's `last_seq` in the store
    /// against what the node delivered (it catches a lost last message of a quiet room).
    pub bus_reconcile_ms: u64,
    /// Milliseconds between liveness probes: a node publishes one to itself, and one not
    /// back within three periods makes it resubscribe and reconcile.
    pub bus_probe_ms: u64,
    /// Milliseconds between a node's presence refreshes on the bus; the users of a node
    /// not heard from for three of them leave presence (a node that died).
    pub presence_refresh_ms: u64,
    /// `allowed_origins` and every host's `frame_origins`: the origins `/ws` accepts
    /// besides its own. Derived when loaded.
    #[serde(skip)]
    pub socket_origins: Vec<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            live_reload: None,
            listen: SocketAddr::from(([127, 0, 0, 1], 3000)),
            metrics_listen: Some(SocketAddr::from(([127, 0, 0, 1], 9464))),
            trusted_proxies: Vec::new(),
            forwarded_header: ForwardedHeader::XForwardedFor,
            database_url: "sqlite://data/parlor.db".into(),
            synchronous: Synchronous::Full,
            site_root: "target/site".into(),
            public_url: String::new(),
            allowed_origins: Vec::new(),
            secure_cookies: None,
            session_days: 30,
            max_body_chars: 4000,
            edit_window_secs: 3600,
            max_frame_bytes: 64 * 1024,
            history_page: 50,
            resume_limit: 1000,
            outbound_queue: 1024,
            commit_batch: 256,
            sign_in_per_minute: 10,
            sign_ups_per_hour: 10,
            max_request_bytes: 16 * 1024,
            busy_timeout_secs: 5,
            messages_per_second: 10,
            message_burst: 30,
            connections_per_user: 20,
            frames_per_second: 20,
            max_watch_rooms: 200,
            write_timeout_ms: 10_000,
            rooms_per_hour: 20,
            public_rooms_page: 50,
            search_query_chars: 200,
            search_page: 20,
            searches_per_second: 2,
            report_threshold: 3,
            worker_threads: 0,
            heartbeat_ms: 15_000,
            idle_timeout_ms: 45_000,
            log_format: LogFormat::Text,
            password_threads: 0,
            hosts: Vec::new(),
            auth_timeout_ms: 5_000,
            embed_session_hours: 12,
            webhook_timeout_ms: 10_000,
            webhook_max_attempts: 20,
            redis_url: String::new(),
            node_id: String::new(),
            bus_prefix: "parlor:".into(),
            bus_gap_wait_ms: 100,
            bus_reconcile_ms: 1_000,
            bus_probe_ms: 1_000,
            presence_refresh_ms: 5_000,
            socket_origins: Vec::new(),
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
    #[error("{0}")]
    Value(String),
    #[error("{file}, line {line}: unknown setting `{key}`{hint}")]
    Unknown {
        file: String,
        line: usize,
        key: String,
        hint: String,
    },
}

/// Settings, and what was ignored on the way (unknown `PARLOR_*` variables), to be logged
/// once logging is set up.
pub struct Loaded {
    pub config: Config,
    pub warnings: Vec<String>,
}

impl Config {
    /// How many threads hash passwords: `password_threads`, or one per core up to four.
    /// Half the cores by default (at least one, at most four): a burst of sign-ins keeps its
    /// hashes to those, and the chat keeps the other half.
    pub fn password_threads(&self) -> usize {
        match self.password_threads {
            0 => std::thread::available_parallelism().map_or(1, |n| (n.get() / 2).clamp(1, 4)),
            n => n,
        }
    }

    /// Loads `PARLOR_CONFIG` or `./Leptos.toml` (when present), then applies `PARLOR_*`
    /// variables.
    pub fn load() -> Result<Loaded, ConfigError> {
        let path = std::env::var("PARLOR_CONFIG").unwrap_or_else(|_| "Leptos.toml".into());
        let text = match std::fs::read_to_string(Path::new(&path)) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(source) => return Err(ConfigError::Read { path, source }),
        };
        Config::from_file(&path, &text, std::env::vars())
    }

    /// [`Config::from_file`] for a file with no name to report.
    pub fn from_sources(
        file: &str,
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        Ok(Config::from_file("settings", file, vars)?.config)
    }

    /// Parses the settings file `name`, then overrides it with `PARLOR_*` variables.
    ///
    /// A setting the file does not know is an error naming its line and the nearest known
    /// setting (a typo must not silently fall back to a default). A `PARLOR_*` variable that
    /// names no setting is only a warning: deployments set variables of their own with the
    /// same prefix (Kubernetes adds `PARLOR_PORT`, `PARLOR_SERVICE_HOST`… for a Service
    /// named `parlor`).
    ///
    /// A variable's value is read as a TOML value when it parses as one (numbers, booleans)
    /// and as a string otherwise; `PARLOR_ALLOWED_ORIGINS` and `PARLOR_TRUSTED_PROXIES` are
    /// comma-separated lists; `PARLOR_HOSTS` holds `[[hosts]]` tables as TOML text.
    pub fn from_file(
        name: &str,
        file: &str,
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Loaded, ConfigError> {
        let mut table: toml::Table = file.parse()?;
        let known = Config::known_settings();
        if let Some(key) = table.keys().find(|k| !known.contains(k)) {
            return Err(ConfigError::Unknown {
                file: name.to_owned(),
                line: line_of(file, key),
                key: key.clone(),
                hint: nearest(key, &known)
                    .map(|k| format!("; did you mean `{k}`?"))
                    .unwrap_or_default(),
            });
        }
        let mut warnings = Vec::new();
        let mut vars: Vec<(String, String)> = vars.into_iter().collect();
        vars.sort();
        let (mut dev, mut reload_port) = (false, 3001);
        for (name, value) in vars {
            match name.as_str() {
                "LEPTOS_ENV" => dev = value.eq_ignore_ascii_case("dev"),
                "LEPTOS_RELOAD_PORT" => reload_port = value.parse().unwrap_or(reload_port),
                _ => {}
            }
            let Some(key) = name.strip_prefix("PARLOR_") else {
                continue;
            };
            if key == "CONFIG" {
                continue;
            }
            let key = key.to_ascii_lowercase();
            if !known.contains(&key) {
                let hint = nearest(&key, &known)
                    .map(|k| format!(" (did you mean PARLOR_{}?)", k.to_ascii_uppercase()))
                    .unwrap_or_default();
                warnings.push(format!(
                    "ignoring the environment variable {name}: no setting `{key}`{hint}"
                ));
                continue;
            }
            let value = if key == "hosts" {
                hosts::from_variable(&value)?
            } else if key == "allowed_origins" || key == "trusted_proxies" {
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
        let mut config = Config::deserialize(table)?.normalised()?;
        config.live_reload = dev.then_some(reload_port);
        Ok(Loaded { config, warnings })
    }

    /// Checks and normalises the origins (`public_url`, `allowed_origins`), so that a bad
    /// entry stops the server with a clear error instead of never matching.
    fn normalised(mut self) -> Result<Config, ConfigError> {
        let normalize = normalize_origin;
        let bad = |name: &str, entry: &str| {
            ConfigError::Value(format!(
                "{name}: `{entry}` is not an origin such as https://qa.example.com \
                 (a scheme, a host and an optional port, nothing after them)"
            ))
        };
        if !self.public_url.is_empty() {
            self.public_url =
                normalize(&self.public_url).ok_or_else(|| bad("public_url", &self.public_url))?;
        }
        for entry in &mut self.allowed_origins {
            *entry = normalize(entry).ok_or_else(|| bad("allowed_origins", entry))?;
        }
        self.hosts = hosts::checked(std::mem::take(&mut self.hosts))?;
        self.socket_origins = self.allowed_origins.clone();
        for host in &self.hosts {
            self.socket_origins
                .extend(host.frame_origins.iter().cloned());
        }
        Ok(self)
    }

    /// The host with this id.
    pub fn host(&self, id: &str) -> Option<&HostConfig> {
        self.hosts.iter().find(|h| h.id == id)
    }

    /// Whether the session cookie is `Secure` (and `__Host-` prefixed).
    pub fn cookies_secure(&self) -> bool {
        self.secure_cookies
            .unwrap_or_else(|| self.public_url.starts_with("https://"))
    }

    /// The name of every setting, from the fields of [`Config`] itself.
    fn known_settings() -> Vec<String> {
        match serde_json::to_value(Config::default()) {
            Ok(serde_json::Value::Object(fields)) => fields.keys().cloned().collect(),
            _ => Vec::new(),
        }
    }
}

/// The normalised origin (`scheme://host[:port]`) of an http or https URL, or `None` when
/// `text` is not one, or has a path, query or credentials beyond a lone `/`.
pub fn normalize_origin(text: &str) -> Option<String> {
    let url = url::Url::parse(text.trim()).ok()?;
    let plain = matches!(url.scheme(), "http" | "https")
        && url.host_str().is_some()
        && url.username().is_empty()
        && url.password().is_none()
        && url.path() == "/"
        && url.query().is_none()
        && url.fragment().is_none();
    plain.then(|| url.origin().ascii_serialization())
}

/// The 1-based line where `key` is set in a settings file (1 when it cannot be found).
fn line_of(file: &str, key: &str) -> usize {
    file.lines()
        .position(|line| {
            let line = line.trim_start();
            let name = line.split(['=', ' ', '\t']).next().unwrap_or_default();
            name.trim_matches('"') == key || line.starts_with(&format!("[{key}]"))
        })
        .map_or(1, |i| i + 1)
}

/// The known setting closest to a misspelt one, when it is close enough to be a typo.
fn nearest<'a>(key: &str, known: &'a [String]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (strsim::damerau_levenshtein(key, k), k.as_str()))
        .filter(|(d, k)| *d <= 3 || k.starts_with(key) || key.starts_with(k))
        .min()
        .map(|(_, k)| k)
}

/// `true`, `false` or `"auto"` (`None`).
fn auto_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum AutoBool {
        Bool(bool),
        Text(String),
    }
    match AutoBool::deserialize(d)? {
        AutoBool::Bool(b) => Ok(Some(b)),
        AutoBool::Text(t) if t == "auto" => Ok(None),
        AutoBool::Text(t) => Err(serde::de::Error::custom(format!(
            "`{t}`: expected true, false or \"auto\""
        ))),
    }
}

fn auto_bool_as_text<S: serde::Serializer>(value: &Option<bool>, s: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(b) => s.serialize_bool(*b),
        None => s.serialize_str("auto"),
    }
}

/// `"127.0.0.1:9464"`, or `""` for none.
fn optional_addr<'de, D: Deserializer<'de>>(d: D) -> Result<Option<SocketAddr>, D::Error> {
    let text = String::deserialize(d)?;
    match text.trim() {
        "" => Ok(None),
        addr => addr.parse().map(Some).map_err(|_| {
            serde::de::Error::custom(format!("`{addr}` is not an address such as 127.0.0.1:9464"))
        }),
    }
}

/// Addresses (`10.0.0.1`, `::1`) and CIDR blocks (`10.0.0.0/8`, `fd00::/8`).
fn networks<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<IpNet>, D::Error> {
    Vec::<String>::deserialize(d)?
        .iter()
        .map(|entry| {
            let entry = entry.trim();
            entry
                .parse::<IpNet>()
                .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| {
                    serde::de::Error::custom(format!(
                        "trusted_proxies: `{entry}` is neither an address nor a CIDR block"
                    ))
                })
        })
        .collect()
}

fn networks_as_text<S: serde::Serializer>(nets: &[IpNet], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(nets.iter().map(ToString::to_string))
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
mod tests;
