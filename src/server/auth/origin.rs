//! Origin checks against cross-site WebSocket hijacking and CSRF.
//!
//! Origins are compared whole, as the browser's origin model defines them: scheme, host and
//! port, after normalising (lower-case scheme and host, default ports dropped, no trailing
//! slash), so `https://qa.example` never passes for `http://qa.example`.
//!
//! A request passes when its `Origin` is the server's own or is listed in `allowed_origins`.
//! The server's own origin is `public_url` when it is set; otherwise it is the request's
//! `Host` with the scheme the request came in with (`http`, or `https` when a trusted proxy
//! says so with `X-Forwarded-Proto` / `Forwarded: proto=`). A request without `Origin` comes
//! from a non-browser client, which cannot carry a victim's cookies, and passes; for unsafe
//! methods `Sec-Fetch-Site` must then say `same-origin` or `none` when present.

use axum::http::{header, HeaderMap, Method};

/// The origins a request may come from, besides the request's own host.
#[derive(Clone, Copy)]
pub struct Origins<'a> {
    /// The normalised origin of `public_url`, when set.
    pub public: Option<&'a str>,
    /// Normalised `allowed_origins`.
    pub allowed: &'a [String],
    /// Whether the request reached the server over https (through a trusted proxy).
    pub https: bool,
}

impl<'a> Origins<'a> {
    /// The origins of these settings, for a request that came over https or not.
    pub fn of(config: &'a crate::server::config::Config, https: bool) -> Origins<'a> {
        Origins {
            public: (!config.public_url.is_empty()).then_some(config.public_url.as_str()),
            allowed: &config.allowed_origins,
            https,
        }
    }
}

pub use crate::server::config::normalize_origin as normalize;

/// Whether the request's `Origin` (if any) may use this server.
pub fn allowed(headers: &HeaderMap, origins: Origins<'_>) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let Some(origin) = origin.to_str().ok().and_then(normalize) else {
        return false;
    };
    if origins.allowed.contains(&origin) {
        return true;
    }
    let own = match origins.public {
        Some(public) => Some(public.to_owned()),
        None => headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .and_then(|host| {
                let scheme = if origins.https { "https" } else { "http" };
                normalize(&format!("{scheme}://{host}"))
            }),
    };
    own.is_some_and(|own| own == origin)
}

/// Whether a request may change state: safe methods always may; others must come from this
/// origin (or an allowed one).
pub fn may_mutate(method: &Method, headers: &HeaderMap, origins: Origins<'_>) -> bool {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return true;
    }
    if headers.contains_key(header::ORIGIN) {
        return allowed(headers, origins);
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

    const PLAIN: Origins<'static> = Origins {
        public: None,
        allowed: &[],
        https: false,
    };

    #[test]
    fn own_origin_passes_and_others_do_not() {
        let own = headers(&[
            ("host", "127.0.0.1:3000"),
            ("origin", "http://127.0.0.1:3000"),
        ]);
        assert!(allowed(&own, PLAIN));
        let evil = headers(&[
            ("host", "127.0.0.1:3000"),
            ("origin", "http://evil.example"),
        ]);
        assert!(!allowed(&evil, PLAIN));
        let listed = ["http://evil.example".to_owned()];
        let with = Origins {
            allowed: &listed,
            ..PLAIN
        };
        assert!(allowed(&evil, with));
        let port = headers(&[
            ("host", "127.0.0.1:3000"),
            ("origin", "http://127.0.0.1:3001"),
        ]);
        assert!(!allowed(&port, PLAIN));
    }

    #[test]
    fn the_scheme_is_part_of_the_origin() {
        let https = headers(&[("host", "qa.example"), ("origin", "https://qa.example")]);
        assert!(!allowed(&https, PLAIN), "an https page on an http server");
        assert!(allowed(
            &https,
            Origins {
                https: true,
                ..PLAIN
            }
        ));
        let http = headers(&[("host", "qa.example"), ("origin", "http://qa.example")]);
        assert!(!allowed(
            &http,
            Origins {
                https: true,
                ..PLAIN
            }
        ));
        let public = Origins {
            public: Some("https://chat.example"),
            ..PLAIN
        };
        let proxied = headers(&[
            ("host", "10.0.0.5:3000"),
            ("origin", "https://chat.example"),
        ]);
        assert!(allowed(&proxied, public));
        let plain = headers(&[("host", "chat.example"), ("origin", "http://chat.example")]);
        assert!(!allowed(&plain, public));
    }

    #[test]
    fn origins_are_normalised() {
        assert_eq!(
            normalize("HTTPS://QA.Example:443/").as_deref(),
            Some("https://qa.example")
        );
        assert_eq!(
            normalize("http://a.example:8080").as_deref(),
            Some("http://a.example:8080")
        );
        for bad in [
            "qa.example",
            "ftp://qa.example",
            "https://qa.example/path",
            "null",
            "",
        ] {
            assert_eq!(normalize(bad), None, "{bad}");
        }
        let odd = headers(&[("host", "qa.example"), ("origin", "HTTP://QA.EXAMPLE:80")]);
        assert!(allowed(&odd, PLAIN));
    }

    #[test]
    fn cross_site_posts_are_refused() {
        let cross = headers(&[("sec-fetch-site", "cross-site")]);
        assert!(!may_mutate(&Method::POST, &cross, PLAIN));
        assert!(may_mutate(&Method::GET, &cross, PLAIN));
        let same = headers(&[("sec-fetch-site", "same-origin")]);
        assert!(may_mutate(&Method::POST, &same, PLAIN));
    }
}
