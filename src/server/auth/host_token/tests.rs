use jsonwebtoken::{encode, EncodingKey, Header};
use serde_json::json;

use super::*;
use crate::server::config::SigningKey;

const SECRET: &str = "a-test-secret-of-at-least-32-chars!!";
/// The crate checks `exp` against the real clock, so tokens are made around it.
fn now() -> i64 {
    crate::server::store::now_ms() / 1000
}

fn host() -> HostConfig {
    HostConfig {
        id: "qa".into(),
        name: "Q&A".into(),
        signing_keys: vec![SigningKey {
            kid: "k1".into(),
            secret: SECRET.into(),
        }],
        api_key_sha256: String::new(),
        webhook_url: String::new(),
        webhook_secret: String::new(),
        frame_origins: Vec::new(),
    }
}

fn claims() -> serde_json::Value {
    json!({
        "iss": "qa", "aud": "parlor", "sub": "42", "iat": now(), "exp": now() + 120,
        "jti": "j-1", "name": "김하늘", "locale": "ko", "picture": "https://qa.example/a.png",
    })
}

fn sign(claims: &serde_json::Value, kid: Option<&str>, secret: &str) -> String {
    let header = Header {
        kid: kid.map(str::to_owned),
        ..Header::new(Algorithm::HS256)
    };
    encode(
        &header,
        claims,
        &EncodingKey::from_secret(secret.as_bytes()).expect("key"),
    )
    .expect("signs")
}

fn with(change: impl FnOnce(&mut serde_json::Value)) -> String {
    let mut c = claims();
    change(&mut c);
    sign(&c, Some("k1"), SECRET)
}

fn refused(token: &str) -> TokenError {
    let hosts = [host()];
    verify(&hosts, token, now()).expect_err("refused")
}

#[test]
fn a_good_token_names_the_user_and_its_profile() {
    let hosts = [host()];
    let v = verify(&hosts, &with(|_| {}), now()).expect("verified");
    assert_eq!((v.host.id.as_str(), v.sub.as_str()), ("qa", "42"));
    assert_eq!(
        (v.name.as_str(), v.locale.as_deref()),
        ("김하늘", Some("ko"))
    );
    assert_eq!(v.picture.as_deref(), Some("https://qa.example/a.png"));
    assert_eq!((v.jti.as_str(), v.exp), ("j-1", now() + 120));
}

#[test]
fn each_fault_has_its_code() {
    use TokenError::*;
    assert_eq!(
        refused(&with(|c| c["exp"] = json!(now() - 60))),
        TokenExpired
    );
    assert_eq!(
        refused(&with(|c| c["aud"] = json!("someone"))),
        TokenAudience
    );
    assert_eq!(refused(&with(|c| c["iss"] = json!("other"))), TokenIssuer);
    assert_eq!(
        refused(&sign(&claims(), Some("k1"), &SECRET.repeat(2))),
        TokenSignature
    );
    assert_eq!(
        refused(&sign(&claims(), Some("k9"), SECRET)),
        TokenUnknownKey
    );
    assert_eq!(refused(&sign(&claims(), None, SECRET)), TokenUnknownKey);
    assert_eq!(
        refused(&with(|c| c["exp"] = json!(now() + 301))),
        TokenLifetime
    );
    assert_eq!(
        refused(&with(|c| c["iat"] = json!(now() + 120))),
        TokenLifetime
    );
    assert_eq!(refused(&with(|c| c["sub"] = json!(""))), TokenMalformed);
    assert_eq!(
        refused(&with(|c| drop(c.as_object_mut().map(|o| o.remove("jti"))))),
        TokenMalformed
    );
    assert_eq!(
        refused(&with(|c| drop(c.as_object_mut().map(|o| o.remove("aud"))))),
        TokenMalformed
    );
    assert_eq!(refused("not a token"), TokenMalformed);
}

#[test]
fn an_unsigned_token_is_refused_for_its_algorithm() {
    use base64::Engine;
    let b64 = |v: serde_json::Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    let none = format!(
        "{}.{}.",
        b64(json!({"alg": "none", "typ": "JWT"})),
        b64(claims())
    );
    assert_eq!(refused(&none), TokenError::TokenAlgorithm);
    // HS384 is a real algorithm, signed with the right secret: still not the one accepted.
    let header = Header {
        kid: Some("k1".into()),
        ..Header::new(Algorithm::HS384)
    };
    let hs384 = encode(
        &header,
        &claims(),
        &EncodingKey::from_secret(SECRET.as_bytes()).expect("key"),
    );
    assert_eq!(refused(&hs384.expect("signs")), TokenError::TokenAlgorithm);
}

#[test]
fn a_second_key_verifies_during_a_rotation() {
    let mut h = host();
    h.signing_keys.push(SigningKey {
        kid: "k2".into(),
        secret: "the-next-secret-also-32-characters-long".into(),
    });
    let hosts = [h];
    let token = sign(
        &claims(),
        Some("k2"),
        "the-next-secret-also-32-characters-long",
    );
    assert!(verify(&hosts, &token, now()).is_ok());
    assert!(verify(&hosts, &with(|_| {}), now()).is_ok());
}
