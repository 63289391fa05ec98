//! Sign-in tokens signed by a host: HS256 JWTs, verified by `jsonwebtoken`, never by hand.
//!
//! The host is chosen by the token's `iss` and its key by the header's `kid`; then the
//! crate checks the signature, `exp` (30 s of leeway for clocks), `aud` and `iss`. Parlor adds
//! what the crate does not: a lifetime of at most five minutes, and the claims' own rules.
//! Single use (`jti`) is the store's, in the transaction that starts the session.

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

use crate::error::TokenError;
use crate::server::config::HostConfig;

/// The audience every token must name.
pub const AUDIENCE: &str = "parlor";
/// Longest lifetime (`exp - iat`) accepted, in seconds.
pub const MAX_LIFETIME_SECS: i64 = 300;
/// Clock difference tolerated between the host and Parlor, in seconds.
pub const LEEWAY_SECS: u64 = 30;

/// A verified token: the host's user and its profile.
#[derive(Debug)]
pub struct Verified<'h> {
    pub host: &'h HostConfig,
    pub sub: String,
    /// The display name (the `sub` when the token has none).
    pub name: String,
    pub picture: Option<String>,
    pub locale: Option<String>,
    /// The `moderator` claim: `true`, the user is one of the site's moderators, above every
    /// role in every room of the host (docs/moderation.md); `false`, no longer; absent, as
    /// before (the API may have named them).
    pub moderator: Option<bool>,
    pub jti: String,
    /// `exp`, in seconds since the Unix epoch.
    pub exp: i64,
}

#[derive(Deserialize)]
struct Claims {
    sub: String,
    jti: String,
    iat: i64,
    exp: i64,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    picture: Option<String>,
    #[serde(default)]
    locale: Option<String>,
    #[serde(default)]
    moderator: Option<bool>,
}

/// Only to find the host whose key verifies the token.
#[derive(Deserialize)]
struct Issuer {
    iss: Option<String>,
}

/// Verifies `token` against the configured hosts, at `now` (seconds since the Unix epoch).
pub fn verify<'h>(
    hosts: &'h [HostConfig],
    token: &str,
    now: i64,
) -> Result<Verified<'h>, TokenError> {
    let header = jsonwebtoken::decode_header(token).map_err(|e| match e.kind() {
        // `none` and every other algorithm the crate does not know fail here.
        ErrorKind::Json(_) if names_an_algorithm(token) => TokenError::TokenAlgorithm,
        _ => TokenError::TokenMalformed,
    })?;
    if header.alg != Algorithm::HS256 {
        return Err(TokenError::TokenAlgorithm);
    }
    let kid = header.kid.ok_or(TokenError::TokenUnknownKey)?;
    // The issuer picks the key; the signature check below covers it like every claim.
    let issuer: Issuer = jsonwebtoken::dangerous::insecure_decode_claims(token)
        .map_err(|_| TokenError::TokenMalformed)?;
    let host = issuer
        .iss
        .and_then(|iss| hosts.iter().find(|h| h.id == iss))
        .ok_or(TokenError::TokenIssuer)?;
    let key = host
        .signing_keys
        .iter()
        .find(|k| k.kid == kid)
        .ok_or(TokenError::TokenUnknownKey)?;
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_audience(&[AUDIENCE]);
    validation.set_issuer(&[host.id.as_str()]);
    validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
    validation.leeway = LEEWAY_SECS;
    let key =
        DecodingKey::from_secret(key.secret.as_bytes()).map_err(|_| TokenError::TokenSignature)?;
    let claims = jsonwebtoken::decode::<Claims>(token, &key, &validation)
        .map_err(|e| match e.kind() {
            ErrorKind::InvalidSignature => TokenError::TokenSignature,
            ErrorKind::ExpiredSignature => TokenError::TokenExpired,
            ErrorKind::InvalidIssuer => TokenError::TokenIssuer,
            ErrorKind::InvalidAudience => TokenError::TokenAudience,
            ErrorKind::InvalidAlgorithm => TokenError::TokenAlgorithm,
            ErrorKind::ImmatureSignature => TokenError::TokenLifetime,
            _ => TokenError::TokenMalformed,
        })?
        .claims;
    let leeway = i64::try_from(LEEWAY_SECS).unwrap_or(0);
    if claims.exp - claims.iat > MAX_LIFETIME_SECS || claims.iat > now + leeway {
        return Err(TokenError::TokenLifetime);
    }
    let printable = |s: &str, most: usize| {
        let n = s.chars().count();
        (1..=most).contains(&n) && !s.chars().any(char::is_control)
    };
    if !printable(&claims.sub, 64) || !printable(&claims.jti, 128) {
        return Err(TokenError::TokenMalformed);
    }
    let name = match claims.name.as_deref().map(str::trim) {
        None | Some("") => claims.sub.clone(),
        Some(name) if printable(name, crate::model::MAX_DISPLAY_NAME_CHARS) => name.to_owned(),
        Some(_) => return Err(TokenError::TokenMalformed),
    };
    let picture = claims.picture.filter(|p| {
        p.len() <= 2048 && url::Url::parse(p).is_ok_and(|u| matches!(u.scheme(), "https" | "http"))
    });
    let locale = claims.locale.filter(|l| l == "en" || l == "ko");
    Ok(Verified {
        host,
        sub: claims.sub,
        name,
        picture,
        locale,
        moderator: claims.moderator,
        jti: claims.jti,
        exp: claims.exp,
    })
}

/// Whether the token's header is JSON naming some `alg` (which the crate then did not know,
/// such as `none`): that is `token_algorithm`, not `token_malformed`.
fn names_an_algorithm(token: &str) -> bool {
    use base64::Engine;
    #[derive(Deserialize)]
    struct Alg {
        alg: String,
    }
    let Some(header) = token.split('.').next() else {
        return false;
    };
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(header.trim_end_matches('='))
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Alg>(&bytes).ok())
        .is_some_and(|a| a.alg != "HS256")
}

#[cfg(test)]
mod tests;
