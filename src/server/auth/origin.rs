//! Origin checks against cross-site WebSocket hijacking and CSRF.
//!
//! A request passes when its `Origin` is the server's own (the origin's host and port equal
//! the request's `Host`) or is listed in `allowed_origins`. A request without `Origin` comes
//! from a non-browser client, which cannot carry a victim's cookies, and passes; for unsafe
//! methods `Sec-Fetch-Site` must then say `same-origin` or `none` when present.

use axum::http::{header, HeaderMap, Method};

/// Whether the request's `Origin` (if any) may use this server.
pub fn allowed(headers: &HeaderMap, allowed_origins: &[String]) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    if allowed_origins.iter().any(|a| a == origin) {
        return true;
    }
    let authority = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"));
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    matches!((authority, host), (Some(a), Some(h)) if a.eq_ignore_ascii_case(h))
}

/// Whether a request may change state: safe methods always may; others must come from this
/// origin (or an allowed one).
pub fn may_mutate(method: &Method, headers: &HeaderMap, allowed_origins: &[String]) -> bool {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return true;
    }
    if headers.contains_key(header::ORIGIN) {
        return allowed(headers, allowed_origins);
    }
    match headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        Some(site) => site == "same-origin" || site == "none",
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn own_origin_passes_and_others_do_not() {
        let own = headers(&[
            ("host", "127.0.0.1:3000"),
            ("origin", "http://127.0.0.1:3000"),
        ]);
        assert!(allowed(&own, &[]));
        let evil = headers(&[
            ("host", "127.0.0.1:3000"),
            ("origin", "http://evil.example"),
        ]);
        assert!(!allowed(&evil, &[]));
        assert!(allowed(&evil, &["http://evil.example".into()]));
        let port = headers(&[
            ("host", "127.0.0.1:3000"),
            ("origin", "http://127.0.0.1:3001"),
        ]);
        assert!(!allowed(&port, &[]));
    }

    #[test]
    fn cross_site_posts_are_refused() {
        let cross = headers(&[("sec-fetch-site", "cross-site")]);
        assert!(!may_mutate(&Method::POST, &cross, &[]));
        assert!(may_mutate(&Method::GET, &cross, &[]));
        let same = headers(&[("sec-fetch-site", "same-origin")]);
        assert!(may_mutate(&Method::POST, &same, &[]));
    }
}
