//! A refused request must not poison its keep-alive connection.
//!
//! When a handler answers before reading the request body (the CSRF guard's 403, a 413 for
//! a body over `max_request_bytes`), hyper cannot reuse the connection: the unread body is
//! still on the wire. It closes the connection after the response, but without saying so,
//! and a client that sends its next request on it gets no answer. This layer notes whether
//! the body was read to its end and, when it was not, answers with `Connection: close`, so
//! the client opens a new connection instead.

use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use http_body::{Frame, SizeHint};

/// Runs the request with a body that records its end, then announces `Connection: close`
/// when the handler left part of it unread.
pub async fn close_if_unread(request: Request, next: Next) -> Response {
    let read = Arc::new(AtomicBool::new(http_body::Body::is_end_stream(
        request.body(),
    )));
    let tracked = read.clone();
    let request = request.map(|inner| {
        Body::new(Tracked {
            inner,
            read: tracked,
        })
    });
    let mut response = next.run(request).await;
    if !read.load(Ordering::Acquire) {
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

/// A request body that sets `read` once its last frame has been taken.
struct Tracked {
    inner: Body,
    read: Arc<AtomicBool>,
}

impl http_body::Body for Tracked {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        if matches!(polled, Poll::Ready(None)) || self.inner.is_end_stream() {
            self.read.store(true, Ordering::Release);
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
