//! The HTTP status of a failed server function.
//!
//! `server_fn` answers every error with 500 and the error's JSON (`{"code": …}`) in the
//! body, marked by its `serverfnerror` header. This layer gives each code its own status
//! ([`ApiError::status`]: 401 for a wrong password, 429 for a limit, 503 only for a store
//! fault…), so that proxies, monitors and HTTP libraries never read a caller's mistake as a
//! broken server. It also covers the errors raised before a function runs (arguments that do
//! not decode are `request`, 400). Plain HTML form posts keep the redirect Leptos gives
//! them. A refusal is logged once here, with its code, at `info` (`warn` for a limit); a
//! server fault at `error`.

use axum::body::{to_bytes, Body};
use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use leptos::server_fn::error::SERVER_FN_ERROR_HEADER;

use crate::error::ApiError;

/// An error body is a small JSON object; anything larger is not one of ours.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// Seconds a client is told to wait after a limit when the function did not say.
const DEFAULT_RETRY_AFTER: &str = "60";

/// Maps a server function's error answer to the status of its code.
pub async fn statuses(request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    if !response.headers().contains_key(SERVER_FN_ERROR_HEADER)
        || response.status().is_redirection()
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_ERROR_BODY).await else {
        tracing::error!(path, "a server function's error answer could not be read");
        parts.status = StatusCode::INTERNAL_SERVER_ERROR;
        return Response::from_parts(parts, Body::empty());
    };
    let error = serde_json::from_slice::<ApiError>(&bytes)
        .unwrap_or_else(|e| ApiError::Request(format!("undecodable error answer: {e}")));
    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::BAD_REQUEST);
    parts.status = status;
    let code = error.code();
    if status == StatusCode::TOO_MANY_REQUESTS {
        parts
            .headers
            .entry(header::RETRY_AFTER)
            .or_insert(HeaderValue::from_static(DEFAULT_RETRY_AFTER));
        tracing::warn!(path, code, "request refused by a limit");
    } else if status.is_server_error() {
        tracing::error!(path, code, "request failed");
    } else {
        // Never the detail: a decoding error may quote what the caller sent.
        tracing::info!(path, code, "request refused");
    }
    Response::from_parts(parts, Body::from(bytes))
}
