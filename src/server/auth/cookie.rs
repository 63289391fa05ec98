//! The session cookie: `HttpOnly`, `SameSite=Lax`, `Path=/`. When secure (served over
//! https), it is also `Secure` and named with the `__Host-` prefix, which browsers accept
//! only from this exact host, over https, without a `Domain`: a sibling subdomain cannot
//! plant a session cookie that wins the first match. Only that name is read then.

use axum::http::{header, HeaderMap, HeaderValue};

/// The cookie's name over plain http.
pub const NAME: &str = "parlor_session";

/// The cookie's name when it is secure.
pub const SECURE_NAME: &str = "__Host-parlor_session";

/// The cookie's name for these settings.
pub fn name(secure: bool) -> &'static str {
    if secure {
        SECURE_NAME
    } else {
        NAME
    }
}

/// A `Set-Cookie` value that stores `token` for `days`.
pub fn set(token: &str, days: i64, secure: bool) -> HeaderValue {
    let name = name(secure);
    let secure = if secure { "; Secure" } else { "" };
    let max_age = days * 24 * 60 * 60;
    header_value(&format!(
        "{name}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    ))
}

/// A `Set-Cookie` value that removes the cookie.
pub fn clear(secure: bool) -> HeaderValue {
    let name = name(secure);
    let secure = if secure { "; Secure" } else { "" };
    header_value(&format!(
        "{name}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}"
    ))
}

fn header_value(text: &str) -> HeaderValue {
    // Tokens are hex and the rest is fixed ASCII, so this is always a valid header value.
    HeaderValue::from_str(text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The session token from the request's `Cookie` headers, if any, under the name these
/// settings use.
pub fn token(headers: &HeaderMap, secure: bool) -> Option<&str> {
    let wanted = name(secure);
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == wanted && !value.is_empty())
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
        let secure = set("abc", 1, true);
        let secure = secure.to_str().expect("ascii");
        assert!(
            secure.starts_with("__Host-parlor_session=abc; Path=/;"),
            "{secure}"
        );
        assert!(secure.ends_with("; Secure") && !secure.contains("Domain"));
    }

    #[test]
    fn the_token_is_found_among_other_cookies() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; parlor_session=tok; b=2"),
        );
        assert_eq!(token(&headers, false), Some("tok"));
        assert_eq!(token(&HeaderMap::new(), false), None);
        // Over https only the __Host- cookie counts: a planted plain one is ignored.
        assert_eq!(token(&headers, true), None);
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("parlor_session=planted; __Host-parlor_session=real"),
        );
        assert_eq!(token(&headers, true), Some("real"));
    }
}
