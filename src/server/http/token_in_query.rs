//! Tokens never travel in a URL query: proxies, browsers' histories and access logs keep
//! URLs. A request whose query has a parameter named like a credential is refused (400,
//! `token_in_query`) before the request log or any handler sees it, and nothing is created
//! for it. The embed takes its token from the URL's fragment, which browsers never send.

use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Query parameters that carry credentials somewhere.
const CREDENTIALS: [&str; 6] = [
    "token",
    "jwt",
    "access_token",
    "id_token",
    "session",
    "api_key",
];

/// Refuses a request with a credential in its query.
pub async fn refuse(request: Request, next: Next) -> Response {
    let carries = request.uri().query().is_some_and(|query| {
        url::form_urlencoded::parse(query.as_bytes())
            .any(|(name, _)| CREDENTIALS.contains(&name.to_ascii_lowercase().as_str()))
    });
    if !carries {
        return next.run(request).await;
    }
    tracing::warn!(
        path = request.uri().path(),
        "a token in the URL query refused"
    );
    let body = serde_json::json!({
        "error": {
            "code": "token_in_query",
            "message": "tokens go in the URL fragment (#token=…), a header or a body, \
                        never in the query",
        }
    });
    (StatusCode::BAD_REQUEST, axum::Json(body)).into_response()
}
