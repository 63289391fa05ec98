//! The Parlor server: config → store → writer → hub → router → serve, until SIGTERM or
//! Ctrl-C, then a graceful shutdown.
//!
//! `parlor` serves. `parlor backup FILE` writes a consistent copy of the database while the
//! server runs; `parlor restore FILE` puts a backup in place (with the server stopped). A
//! restored database starts a new epoch, so clients drop the history it no longer has
//! (`server::store::backup`). `parlor host-key` prints a new API key for a Q&A host, its
//! `api_key_sha256`, and fresh signing and webhook secrets (docs/integration.md).

use std::path::Path;
use std::process::ExitCode;

use parlor::server::config::Config;

const USAGE: &str = "usage: parlor            serve (settings: Leptos.toml, PARLOR_* variables)
       parlor backup FILE  copy the database to FILE (the server may be running)
       parlor restore FILE replace the database with the backup FILE (stop the server first)
       parlor host-key     print a new host API key, its hash and fresh host secrets";

fn main() -> ExitCode {
    // Needs no settings: a host's first key is made before its settings exist.
    if std::env::args().skip(1).collect::<Vec<_>>() == ["host-key"] {
        print!("{}", host_key());
        return ExitCode::SUCCESS;
    }
    let loaded = match Config::load() {
        Ok(loaded) => loaded,
        Err(e) => {
            eprintln!("parlor: {e}");
            return ExitCode::FAILURE;
        }
    };
    let config = loaded.config;
    parlor::server::logs::init(config.log_format);
    for warning in &loaded.warnings {
        tracing::warn!("{warning}");
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        [] => Command::Serve,
        ["backup", file] => Command::Backup(file),
        ["restore", file] => Command::Restore(file),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match start(config, command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            ExitCode::FAILURE
        }
    }
}

/// A new API key (printed once, stored nowhere: Parlor keeps its SHA-256), and fresh
/// secrets for a `[[hosts]]` entry.
fn host_key() -> String {
    use base64::Engine;
    use parlor::server::auth::{api_key_digest, new_secret};
    let key = format!("pk_{}", new_secret());
    let webhook = base64::engine::general_purpose::STANDARD.encode(&new_secret()[..32]);
    format!(
        "# Give the API key to the host's backend only (Authorization: Bearer …):\n\
         # api key: {key}\n\
         # and put the rest in its [[hosts]] entry:\n\
         api_key_sha256 = \"{digest}\"\n\
         webhook_secret = \"whsec_{webhook}\"\n\
         [[hosts.signing_keys]]\n\
         kid = \"{kid}\"\n\
         secret = \"{secret}\"\n",
        digest = api_key_digest(&key),
        kid = &new_secret()[..8],
        secret = new_secret(),
    )
}

/// What the binary was asked to do.
enum Command<'a> {
    Serve,
    Backup(&'a str),
    Restore(&'a str),
}

/// Runs the command on a runtime of `worker_threads` threads.
fn start(config: Config, command: Command<'_>) -> Result<(), Box<dyn std::error::Error>> {
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    if config.worker_threads > 0 {
        runtime.worker_threads(config.worker_threads);
    }
    let runtime = runtime.enable_all().build()?;
    match command {
        Command::Serve => runtime.block_on(run(config)),
        Command::Backup(file) => runtime.block_on(async {
            parlor::server::store::backup::backup(&config.database_url, Path::new(file)).await?;
            say(&format!("backed up {} to {file}", config.database_url));
            Ok(())
        }),
        Command::Restore(file) => runtime.block_on(async {
            parlor::server::store::backup::restore(&config.database_url, Path::new(file)).await?;
            say(&format!(
                "restored {file} to {}; it starts a new epoch",
                config.database_url
            ));
            Ok(())
        }),
    }
}

async fn run(config: Config) -> Result<(), Box<dyn std::error::Error>> {
    let listeners = parlor::server::Listeners::bind(&config).await?;
    let addr = listeners.app.local_addr()?;
    let operations = match &listeners.operations {
        Some(listener) => Some(listener.local_addr()?),
        None => None,
    };
    let database = config.database_url.clone();
    let (state, writer) = parlor::server::start(config).await?;
    let store = state.store.clone();
    tracing::info!(%database, epoch = state.store.epoch(), "store open");
    // The one line a person (and every harness) looks for, first. A harness may stop reading
    // after it, so these lines never fail the server (`println!` would panic on a closed pipe).
    say(&format!("Parlor is listening on http://{addr}"));
    if let Some(operations) = operations {
        say(&format!("Metrics for operators: {operations}/metrics"));
    }
    say("Open that address in a browser and sign up at /signup: the first account is yours.");
    parlor::server::serve(listeners, state, shutdown_signal()).await?;
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

/// A line on stdout, if anyone still reads it.
fn say(line: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}").and_then(|()| out.flush());
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
