//! The router: pages, server functions, `/ws`, health, the CSRF guard and security headers;
//! the operators' router (`/metrics`) on its own listener; and graceful shutdown.
//!
//! - [`assets`]: `/pkg/…`, precompressed, cached for ever under content-hashed names;
//! - [`api_errors`]: the HTTP status of each server-function error code;
//! - [`keep_alive`]: `Connection: close` when a refused request's body was left unread;
//! - [`token_in_query`]: a token in a URL query is refused before anything logs the URL.

pub mod api_errors;
pub mod assets;
pub mod keep_alive;
pub mod token_in_query;

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::{ConnectInfo, DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::serve::ListenerExt;
use axum::Router;
use leptos::nonce::use_nonce;
use leptos::prelude::{provide_context, use_context};
use leptos_axum::{generate_route_list, LeptosRoutes, ResponseOptions};
use tokio::net::TcpListener;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use super::auth::origin;
use super::client_ip;
use super::hub::CloseReason;
use super::metrics;
use super::state::AppState;
use super::ws;
use crate::app::{shell, App};

/// Sets this page's Content-Security-Policy: scripts only from this origin or inline with
/// this response's nonce (Leptos puts it on its hydration scripts), WASM allowed to compile,
/// sockets and fetches to this origin, and no framing by other sites.
pub fn set_content_security_policy() {
    let (Some(nonce), Some(response)) = (use_nonce(), use_context::<ResponseOptions>()) else {
        return;
    };
    let ancestors = frame_ancestors();
    let policy = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; \
         base-uri 'self'; form-action 'self'; frame-ancestors {ancestors}"
    );
    if let Ok(value) = HeaderValue::from_str(&policy) {
        response.insert_header(header::CONTENT_SECURITY_POLICY, value);
    }
}

/// Who may frame this page: the app only itself; an embed (`/embed/…?host=<id>`, the host
/// may be left out when only one is configured) exactly its host's `frame_origins`, and
/// nobody when there is no such host.
fn frame_ancestors() -> String {
    let Some(parts) = use_context::<axum::http::request::Parts>() else {
        return "'self'".into();
    };
    if !parts.uri.path().starts_with("/embed/") {
        return "'self'".into();
    }
    let Some(state) = use_context::<AppState>() else {
        return "'none'".into();
    };
    let named = parts.uri.query().and_then(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .find(|(name, _)| name == "host")
            .map(|(_, id)| id.into_owned())
    });
    let hosts = &state.config.hosts;
    let host = match named {
        Some(id) => hosts.iter().find(|h| h.id == id),
        None if hosts.len() == 1 => hosts.first(),
        None => None,
    };
    match host.map(|h| h.frame_origins.join(" ")) {
        Some(origins) if !origins.is_empty() => origins,
        _ => "'none'".into(),
    }
}

/// The whole app as a router, testable without a listener. `/metrics` is not here: it is
/// served by [`operations_router`] on `metrics_listen`.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let context_state = state.clone();
    let shell_options = state.leptos.clone();
    let max_request = state.config.max_request_bytes;
    let assets = assets::Assets::of(&state.leptos.site_root);
    Router::new()
        .nest_service(
            &format!("/{}", state.leptos.site_pkg_dir),
            assets::service(&state.leptos.site_root, &assets),
        )
        .route("/ws", get(ws::upgrade))
        .merge(super::host_api::routes())
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        // Never served here, whoever asks (see `operations_router`).
        .route("/metrics", get(|| async { StatusCode::NOT_FOUND }))
        .leptos_routes_with_context(
            &state,
            routes,
            move || provide_context(context_state.clone()),
            move || {
                set_content_security_policy();
                shell(shell_options.clone())
            },
        )
        .fallback(files_and_pages)
        .layer(middleware::from_fn(api_errors::statuses))
        .layer(DefaultBodyLimit::max(max_request))
        .layer(middleware::from_fn_with_state(state.clone(), request_guard))
        .layer(middleware::from_fn(keep_alive::close_if_unread))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'self'; frame-ancestors 'self'"),
        ))
        .layer(TraceLayer::new_for_http())
        // Outside the request log, so that a token put in a URL is never written to it.
        .layer(middleware::from_fn(token_in_query::refuse))
        .with_state(state)
}

/// Everything the routes do not match: a file of the site, else the app's own 404 page. A
/// path with a segment no file system could hold (over 255 bytes) is a plain 404 without a
/// look-up, so that the file server does not log the caller's mistake as an error.
async fn files_and_pages(uri: Uri, state: State<AppState>, request: Request) -> Response {
    if uri.path().split('/').any(|segment| segment.len() > 255) {
        return StatusCode::NOT_FOUND.into_response();
    }
    // The 404 page is the app's own, rendered with the same context as every other page.
    let context = state.0.clone();
    leptos_axum::file_and_error_handler_with_context::<AppState, _>(
        move || provide_context(context.clone()),
        |options| {
            set_content_security_policy();
            shell(options)
        },
    )(uri, state, request)
    .await
}

/// `GET /readyz`: 200 when the store answers and, with several nodes, the bus is live.
async fn readyz(State(state): State<AppState>) -> Response {
    if !state.bus.ready() {
        return (StatusCode::SERVICE_UNAVAILABLE, "bus unavailable").into_response();
    }
    match state.store.ping().await {
        Ok(()) => "ready".into_response(),
        Err(e) => {
            tracing::error!(error = %e, "store not ready");
            (StatusCode::SERVICE_UNAVAILABLE, "store unavailable").into_response()
        }
    }
}

/// `GET /metrics` (on `metrics_listen` only): the Prometheus text format. Who may reach it
/// is decided by the address it is bound to (loopback by default).
async fn scrape(State(state): State<AppState>) -> Response {
    let webhooks = match state.store.webhook_backlog().await {
        Ok(rows) => rows
            .into_iter()
            .map(|b| metrics::WebhookBacklog {
                host: b.host,
                pending: b.pending,
                failed: b.failed,
                oldest_seconds: b.oldest_ms / 1000,
            })
            .collect(),
        Err(e) => {
            tracing::warn!(error = %e, "webhook outbox not read for /metrics");
            Vec::new()
        }
    };
    let now = metrics::Gauges {
        webhooks,
        connections: state.hub.connections(),
        users: state.hub.users(),
        rooms_watched: state.hub.watched_rooms(),
        wal_bytes: state.store.wal_bytes(),
    };
    match state.metrics.render(now) {
        Ok(text) => (
            [(
                header::CONTENT_TYPE,
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
            )],
            text,
        )
            .into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// The operators' router, for `metrics_listen` only: `/metrics`, `/healthz` and `/readyz`.
/// It is served on its own listener (loopback by default), so that no reverse proxy in
/// front of the app can expose it.
pub fn operations_router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(scrape))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .with_state(state)
}

/// Refuses, before anything runs: state-changing requests from other sites (403, see
/// [`origin::may_mutate`]) and server-function bodies declared larger than
/// `max_request_bytes` (413, unread). A body sent without a length is cut at the same size when
/// it is read (`DefaultBodyLimit`), and the call answers `request`.
async fn request_guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    let limit = u64::try_from(state.config.max_request_bytes).unwrap_or(u64::MAX);
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    let config = &state.config;
    let (trusted, header) = (&config.trusted_proxies, config.forwarded_header);
    let https = client_ip::forwarded_https(peer, request.headers(), trusted, header);
    let origins = origin::Origins::of(&state.config, https);
    if !origin::may_mutate(request.method(), request.headers(), origins) {
        // A small body is read and dropped, so the connection stays usable; a large or slow
        // one is left, and `keep_alive` announces the close.
        if declared.is_some_and(|n| n <= limit) {
            let body = axum::body::to_bytes(request.into_body(), state.config.max_request_bytes);
            let _ = tokio::time::timeout(DRAIN_TIME, body).await;
        }
        return (StatusCode::FORBIDDEN, "cross-site request refused").into_response();
    }
    if request.uri().path().starts_with("/api/") && declared.is_some_and(|n| n > limit) {
        let body = crate::error::ApiError::Request("the body is over max_request_bytes".into());
        return (
            StatusCode::PAYLOAD_TOO_LARGE,
            [(header::CONTENT_TYPE, "application/json")],
            serde_json::to_string(&body).unwrap_or_default(),
        )
            .into_response();
    }
    next.run(request).await
}

/// How long a refused request's small body may take to arrive before the connection is
/// closed instead.
const DRAIN_TIME: Duration = Duration::from_secs(2);

/// The listeners a server answers on: the app's, and the operators' when configured.
pub struct Listeners {
    pub app: TcpListener,
    pub operations: Option<TcpListener>,
}

impl Listeners {
    /// Binds `listen` and `metrics_listen`.
    pub async fn bind(config: &crate::server::config::Config) -> std::io::Result<Listeners> {
        let named = |what: &'static str, addr: SocketAddr| {
            move |e: std::io::Error| {
                std::io::Error::new(e.kind(), format!("cannot listen on {addr} ({what}): {e}"))
            }
        };
        let app = TcpListener::bind(config.listen)
            .await
            .map_err(named("listen", config.listen))?;
        let operations = match config.metrics_listen {
            Some(addr) => Some(
                TcpListener::bind(addr)
                    .await
                    .map_err(named("metrics_listen", addr))?,
            ),
            None => None,
        };
        Ok(Listeners { app, operations })
    }
}

/// Serves until `shutdown` resolves; then stops accepting, asks every socket to close with
/// the restart code (after answering the sends already committed) and waits up to five
/// seconds for them to go.
pub async fn serve(
    listeners: Listeners,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let hub = state.hub.clone();
    let closing = hub.clone();
    let (stopping, stop) = tokio::sync::watch::channel(false);
    let operations = listeners.operations.map(|listener| {
        let app = operations_router(state.clone());
        let mut stop = stop.clone();
        tokio::spawn(async move {
            let stopped = async move {
                let _ = stop.wait_for(|s| *s).await;
            };
            axum::serve(listener, app)
                .with_graceful_shutdown(stopped)
                .await
        })
    });
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    // Every frame is written whole and flushed on purpose (a batch is fed, then flushed
    // once), so Nagle's algorithm only adds delay: a small frame (a typing notice) followed
    // by an ack waited for the client's delayed ACK, 40 ms. `examples/abuse.rs` found it.
    let listener = listeners.app.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "TCP_NODELAY not set");
        }
    });
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown.await;
            let _ = stopping.send(true);
            closing.close_all(CloseReason::Restart);
        })
        .await?;
    if let Some(task) = operations {
        task.await.map_err(std::io::Error::other)??;
    }
    // Each socket task leaves the hub as it ends; the last one wakes this.
    let _ = tokio::time::timeout(Duration::from_secs(5), hub.all_gone()).await;
    Ok(())
}
