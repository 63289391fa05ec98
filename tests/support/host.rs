//! A Q&A host for the integration tests: its settings, its signed tokens and its API calls,
//! as `docs/integration.md` tells a host developer to make them.

use std::net::SocketAddr;

use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use parlor::server::config::{HostConfig, SigningKey};
use serde_json::{json, Value};

pub const HOST: &str = "qa";
pub const KID: &str = "k1";
pub const SECRET: &str = "qa-test-signing-secret-of-32-chars-plus";
pub const API_KEY: &str = "pk_test_0123456789abcdef0123456789abcdef";
/// `whsec_` and the base64 of 24 bytes.
pub const WEBHOOK_SECRET: &str = "whsec_c2VjcmV0LWJ5dGVzLWZvci10aGUtdGVzdHMh";
pub const FRAME_ORIGIN: &str = "http://127.0.0.2:8000";

/// The host's settings; `webhook_url` empty unless given.
pub fn config(webhook_url: &str) -> HostConfig {
    HostConfig {
        id: HOST.into(),
        name: "Q&A".into(),
        signing_keys: vec![SigningKey {
            kid: KID.into(),
            secret: SECRET.into(),
        }],
        api_key_sha256: parlor::server::auth::api_key_digest(API_KEY),
        webhook_url: webhook_url.into(),
        webhook_secret: WEBHOOK_SECRET.into(),
        frame_origins: vec![FRAME_ORIGIN.into()],
    }
}

/// The same settings as `PARLOR_HOSTS` text, for a server in its own process.
pub fn variable(webhook_url: &str) -> String {
    format!(
        "[[hosts]]\nid = \"{HOST}\"\nname = \"Q&A\"\napi_key_sha256 = \"{}\"\n\
         webhook_url = \"{webhook_url}\"\nwebhook_secret = \"{WEBHOOK_SECRET}\"\n\
         frame_origins = [\"{FRAME_ORIGIN}\"]\n[[hosts.signing_keys]]\nkid = \"{KID}\"\n\
         secret = \"{SECRET}\"\n",
        parlor::server::auth::api_key_digest(API_KEY)
    )
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64
}

/// Claims of a good token for `sub`, with a fresh `jti`.
pub fn claims(sub: &str, name: &str) -> Value {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    json!({
        "iss": HOST, "aud": "parlor", "sub": sub, "name": name,
        "iat": now(), "exp": now() + 120, "jti": format!("jti-{}-{n}", std::process::id()),
    })
}

/// Signs claims with the host's key (HS256, `kid`).
pub fn sign(claims: &Value) -> String {
    sign_with(claims, Some(KID), SECRET)
}

pub fn sign_with(claims: &Value, kid: Option<&str>, secret: &str) -> String {
    let header = Header {
        kid: kid.map(str::to_owned),
        ..Header::new(Algorithm::HS256)
    };
    let key = EncodingKey::from_secret(secret.as_bytes()).expect("key");
    encode(&header, claims, &key).expect("sign")
}

/// An answer of the API: status, headers and JSON body.
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

/// One call of `/api/v1` with the host's key (`key: None` sends none).
pub async fn api(
    addr: SocketAddr,
    method: &str,
    path: &str,
    key: Option<&str>,
    body: Option<Value>,
    idempotency: Option<&str>,
) -> Reply {
    let client = reqwest::Client::new();
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
    let mut req = client.request(method, format!("http://{addr}/api/v1{path}"));
    if let Some(key) = key {
        req = req.header("authorization", format!("Bearer {key}"));
    }
    if let Some(k) = idempotency {
        req = req.header("idempotency-key", k);
    }
    if let Some(body) = body {
        req = req
            .header("content-type", "application/json")
            .body(body.to_string());
    }
    let res = req.send().await.expect("request");
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let text = res.text().await.expect("body");
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    Reply {
        status,
        headers,
        body,
    }
}

/// The host's API with its own key.
pub async fn host(addr: SocketAddr, method: &str, path: &str, body: Option<Value>) -> Reply {
    api(addr, method, path, Some(API_KEY), body, None).await
}

/// A room `key` with `members`, as the host's question page makes it.
pub async fn room_with(addr: SocketAddr, key: &str, members: &[(&str, &str)]) -> Value {
    let room = host(
        addr,
        "PUT",
        &format!("/rooms/{key}"),
        Some(json!({"title": "How do I keep jamo together?", "link": "http://127.0.0.2:8000/q/1"})),
    )
    .await;
    assert!(room.status == 201 || room.status == 200, "{:?}", room.body);
    for (sub, name) in members {
        let added = host(
            addr,
            "PUT",
            &format!("/rooms/{key}/members/{sub}"),
            Some(json!({ "name": name })),
        )
        .await;
        assert_eq!(added.status, 200, "{:?}", added.body);
    }
    room.body
}

/// The embed's exchange: `embed_open` with a token, as the embed page calls it.
pub async fn embed_open(addr: SocketAddr, token: &str, key: &str) -> super::Answer {
    super::call_at(addr, None, "embed_open", &[("token", token), ("key", key)]).await
}
