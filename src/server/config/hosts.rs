//! The Q&A sites that plug Parlor in ("hosts"): who may sign users in, call the API, receive
//! webhooks and frame the embed. `[[hosts]]` tables in `Leptos.toml`, or the same tables as
//! TOML text in `PARLOR_HOSTS`; `docs/integration.md` is the host developer's guide.

use serde::{Deserialize, Serialize};

use super::{normalize_origin, ConfigError};

/// One host site.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostConfig {
    /// The host's id: the `iss` of its tokens, the namespace of its room keys and users
    /// (`a-z`, `0-9`, `-`, `_`; 1 to 32 characters).
    pub id: String,
    /// Shown as the sender of the host's system notices; the id when empty.
    #[serde(default)]
    pub name: String,
    /// HS256 secrets the host signs sign-in tokens with, each named by the `kid` of the
    /// tokens' header. Two at once let a secret be replaced without downtime.
    #[serde(default)]
    pub signing_keys: Vec<SigningKey>,
    /// SHA-256 (hex) of the host's API key; empty: no API. The key itself is stored nowhere
    /// (`parlor host-key` prints a new one and its hash).
    #[serde(default)]
    pub api_key_sha256: String,
    /// Where events are POSTed (Standard Webhooks); empty: none.
    #[serde(default)]
    pub webhook_url: String,
    /// `whsec_` and the base64 of the HMAC key the webhooks are signed with.
    #[serde(default)]
    pub webhook_secret: String,
    /// Origins whose pages may frame `/embed/…` and open `/ws`, e.g.
    /// `https://qa.example.com`; normalised when loaded.
    #[serde(default)]
    pub frame_origins: Vec<String>,
}

/// One signing secret and its key id.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SigningKey {
    pub kid: String,
    pub secret: String,
}

// Secrets never reach a log line, not even through `{:?}`.
impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("secret", &"<redacted>")
            .finish()
    }
}

impl std::fmt::Debug for HostConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostConfig")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("signing_keys", &self.signing_keys)
            .field("webhook_url", &self.webhook_url)
            .field("frame_origins", &self.frame_origins)
            .finish_non_exhaustive()
    }
}

/// Shortest signing secret accepted: HS256 is only as strong as its key.
pub const MIN_SECRET_CHARS: usize = 32;

impl HostConfig {
    /// The name the host's system notices are sent under.
    pub fn display_name(&self) -> &str {
        if self.name.trim().is_empty() {
            &self.id
        } else {
            self.name.trim()
        }
    }

    /// The HMAC key of the webhooks (the bytes after `whsec_`), when configured.
    pub fn webhook_key(&self) -> Option<Vec<u8>> {
        use base64::Engine;
        let encoded = self.webhook_secret.strip_prefix("whsec_")?;
        base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .ok()
    }

    /// Checks one host's settings and normalises its origins.
    fn checked(mut self) -> Result<HostConfig, ConfigError> {
        let id = self.id.clone();
        let bad = |what: String| ConfigError::Value(format!("hosts `{id}`: {what}"));
        let id_ok = (1..=32).contains(&self.id.len())
            && self
                .id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if !id_ok {
            return Err(bad("the id must be 1 to 32 of a-z, 0-9, - and _".into()));
        }
        for key in &self.signing_keys {
            if key.kid.is_empty() || key.kid.len() > 64 {
                return Err(bad("a signing key's kid must be 1 to 64 characters".into()));
            }
            if key.secret.chars().count() < MIN_SECRET_CHARS {
                return Err(bad(format!(
                    "signing key `{}`: the secret must be at least {MIN_SECRET_CHARS} characters",
                    key.kid
                )));
            }
        }
        let kids: std::collections::HashSet<&str> =
            self.signing_keys.iter().map(|k| k.kid.as_str()).collect();
        if kids.len() != self.signing_keys.len() {
            return Err(bad("two signing keys have the same kid".into()));
        }
        let hash = &self.api_key_sha256;
        if !hash.is_empty() && (hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit())) {
            return Err(bad(
                "api_key_sha256 must be 64 hex digits (`parlor host-key` prints one)".into(),
            ));
        }
        self.api_key_sha256 = hash.to_ascii_lowercase();
        if !self.webhook_url.is_empty() {
            let url =
                url::Url::parse(&self.webhook_url).map_err(|e| bad(format!("webhook_url: {e}")))?;
            if url.scheme() != "http" {
                return Err(bad(
                    "webhook_url must be http:// (this build has no TLS client; see \
                     docs/integration.md)"
                        .into(),
                ));
            }
            if self.webhook_key().is_none_or(|k| k.len() < 16) {
                return Err(bad(
                    "webhook_secret must be whsec_ and the base64 of at least 16 bytes".into(),
                ));
            }
        }
        for origin in &mut self.frame_origins {
            *origin = normalize_origin(origin).ok_or_else(|| {
                bad(format!(
                    "frame_origins: `{origin}` is not an origin such as https://qa.example.com"
                ))
            })?;
        }
        Ok(self)
    }
}

/// Checks every host, and that no two share an id.
pub fn checked(hosts: Vec<HostConfig>) -> Result<Vec<HostConfig>, ConfigError> {
    let hosts = hosts
        .into_iter()
        .map(HostConfig::checked)
        .collect::<Result<Vec<_>, _>>()?;
    let ids: std::collections::HashSet<&str> = hosts.iter().map(|h| h.id.as_str()).collect();
    if ids.len() != hosts.len() {
        return Err(ConfigError::Value("two hosts have the same id".into()));
    }
    Ok(hosts)
}

/// `PARLOR_HOSTS`: the `[[hosts]]` tables as TOML text.
pub fn from_variable(text: &str) -> Result<toml::Value, ConfigError> {
    let mut table: toml::Table = text.parse()?;
    Ok(table
        .remove("hosts")
        .unwrap_or_else(|| toml::Value::Array(Vec::new())))
}
