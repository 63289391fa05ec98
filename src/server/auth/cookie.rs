//! The session cookie: `HttpOnly`, `SameSite=Lax`, and `Secure` when served over https.

use axum::http::{header, HeaderMap, HeaderValue};

/// The cookie's name.
pub const NAME: &str = "parlor_session";

/// A `Set-Cookie` value that stores `token` for `days`.
pub fn set(token: &str, days: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let max_age = days * 24 * 60 * 60;
    header_value(&format!(
        "{NAME}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    ))
}

/// A `Set-Cookie` value that removes the cookie.
pub fn clear(secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    header_value(&format!(
        "{NAME}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}"
    ))
}

fn header_value(text: &str) -> HeaderValue {
    // Tokens are hex and the rest is fixed ASCII, so this is always a valid header value.
    HeaderValue::from_str(text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The session token from the request's `Cookie` headers, if any.
pub fn token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == NAME && !value.is_empty())
        .map(|(_, value)| value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cookie_is_http_only_and_lax() {
        let v = set("abc", 1, false);
        let text = v.to_str().expect("ascii");
        assert!(text.contains("HttpOnly") && text.contains("SameSite=Lax"));
        assert!(!text.contains("Secure"));
        assert!(set("abc", 1, true)
            .to_str()
            .expect("ascii")
            .ends_with("; Secure"));
    }

    #[test]
    fn the_token_is_found_among_other_cookies() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; parlor_session=tok; b=2"),
        );
        assert_eq!(token(&headers), Some("tok"));
        assert_eq!(token(&HeaderMap::new()), None);
    }
}
