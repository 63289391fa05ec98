//! The Parlor server: config → store → writer → hub → router → serve, until SIGTERM or
//! Ctrl-C, then a graceful shutdown.

use std::process::ExitCode;

use parlor::server::config::Config;

fn main() -> ExitCode {
    let config = match Config::load() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("parlor: {e}");
            return ExitCode::FAILURE;
        }
    };
    parlor::server::logs::init(config.log_format);
    match start(config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the server on a runtime of `worker_threads` threads.
fn start(config: Config) -> Result<(), Box<dyn std::error::Error>> {
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    if config.worker_threads > 0 {
        runtime.worker_threads(config.worker_threads);
    }
    runtime.enable_all().build()?.block_on(run(config))
}

async fn run(config: Config) -> Result<(), Box<dyn std::error::Error>> {
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    let addr = listener.local_addr()?;
    let database = config.database_url.clone();
    let (state, writer) = parlor::server::start(config).await?;
    let store = state.store.clone();
    tracing::info!(%database, epoch = state.store.epoch(), "store open");
    // The one line a person (and the end-to-end harness) looks for.
    println!("Parlor is listening on http://{addr}");
    parlor::server::serve(listener, state, shutdown_signal()).await?;
    // The writer ends once every handle is gone, after committing what it holds.
    if tokio::time::timeout(std::time::Duration::from_secs(10), writer)
        .await
        .is_err()
    {
        tracing::warn!("the writer did not finish within 10 s");
    }
    store.close().await;
    tracing::info!("stopped cleanly");
    Ok(())
}

/// Resolves on SIGTERM or Ctrl-C.
async fn shutdown_signal() {
    let ctrl_c = async {
        // Without a Ctrl-C handler, SIGTERM still stops the server.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
    tracing::info!("shutting down");
}
