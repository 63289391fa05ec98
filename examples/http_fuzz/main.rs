//! HTTP-level fuzzing of Parlor's server functions (docs/hardening.md). It starts the real
//! server binary (`parlor`, next to this program's `examples/` directory: build it first),
//! signs up one account, creates one room, then sends random and malformed `POST /api/<name>`
//! requests on keep-alive connections for a given time: wrong, missing, repeated and unknown
//! fields, huge and invalid values, broken encodings and content types, foreign origins, late
//! bodies and chunked bodies. It fails (exit code 1, printing the request and the response) on
//! - a 5xx status;
//! - a dropped connection: the server closed a connection (end of file, reset, or a truncated
//!   response) when its previous response did not announce `Connection: close`;
//! - a hang (10 s without progress), a response it cannot parse, or a server that exited.
//!
//! `http_fuzz [--seconds 30] [--seed S] [--connections 4]`
//!
//! The requests come from a seeded generator, one stream per connection, so a seed replays
//! the same requests (their interleaving across connections may differ).
//!
//! The client is raw HTTP/1.1 on a `TcpStream` (reqwest would hide a dropped connection by
//! retrying on a new one); responses are parsed with `httparse`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::process::{ExitCode, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::time::{timeout, Instant};

/// How long one read or write may wait before the server counts as hung.
const IO_TIMEOUT: Duration = Duration::from_secs(10);
/// Failures printed in full; later ones are only counted.
const PRINTED_FAILURES: usize = 10;

mod requests;
mod wire;

use requests::*;
use wire::*;

/// The command line.
struct Args {
    seconds: u64,
    seed: u64,
    connections: usize,
}

/// `--seconds`, `--seed` and `--connections`, each followed by a number.
fn parse_args() -> Result<Args, String> {
    let now = SystemTime::now().duration_since(UNIX_EPOCH);
    let mut args = Args {
        seconds: 30,
        seed: now.map(|d| d.as_nanos() as u64).unwrap_or(1),
        connections: 4,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let usage = "usage: http_fuzz [--seconds N] [--seed S] [--connections C]";
        let value = it.next().ok_or(format!("{flag} needs a value; {usage}"))?;
        let number = value.parse::<u64>().map_err(|e| format!("{flag}: {e}"))?;
        match flag.as_str() {
            "--seconds" => args.seconds = number,
            "--seed" => args.seed = number,
            "--connections" => args.connections = number.clamp(1, 1024) as usize,
            _ => return Err(format!("unknown flag {flag}; {usage}")),
        }
    }
    Ok(args)
}

/// What one connection task counted.
#[derive(Default)]
struct Stats {
    statuses: BTreeMap<u16, u64>,
    requests: u64,
    connections: u64,
    announced: u64,
    failures: BTreeMap<&'static str, u64>,
}

/// Failures printed so far, over all tasks.
static PRINTED: AtomicUsize = AtomicUsize::new(0);

/// Prints a failure with its request, the response if any, and the exchange before it on
/// the same connection; only the first `PRINTED_FAILURES`, so that a storm stays readable.
fn report(f: &Failure, req: &Request, answer: Option<&Response>, previous: Option<&str>) {
    if PRINTED.fetch_add(1, Ordering::Relaxed) >= PRINTED_FAILURES {
        return;
    }
    let mut text = format!(
        "\n=== FAILURE ({:?}): {}\n--- request:\n{}\n",
        f.kind, f.detail, req.summary
    );
    if let Some(r) = answer {
        let _ = write!(text, "--- response:\n{}\n", r.summary());
    }
    if let Some(p) = previous {
        let _ = write!(text, "--- previous exchange on this connection:\n{p}\n");
    }
    println!("{text}");
}

/// One connection task: fuzzed requests until `deadline`, reconnecting after a close.
async fn worker(mut rng: Rng, t: Arc<Target>, deadline: Instant) -> Stats {
    let mut stats = Stats::default();
    let mut conn: Option<Conn> = None;
    while Instant::now() < deadline {
        let req = fuzz_request(&mut rng, &t);
        let mut c = match conn.take() {
            Some(c) => c,
            None => match connect(&t.addr).await {
                Ok(c) => {
                    stats.connections += 1;
                    c
                }
                Err(f) => {
                    report(&f, &req, None, None);
                    *stats.failures.entry(f.kind.row()).or_default() += 1;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        stats.requests += 1;
        let result = exchange(&mut c.stream, &mut c.buf, &req).await;
        let failure = match &result {
            Ok(r) if r.status >= 500 => {
                Some(fail(Kind::ServerError, format!("status {}", r.status)))
            }
            Ok(_) => None,
            Err(f) => Some(fail(f.kind, f.detail.clone())),
        };
        if let Some(f) = &failure {
            report(f, &req, result.as_ref().ok(), c.previous.as_deref());
            *stats.failures.entry(f.kind.row()).or_default() += 1;
        }
        if let Ok(r) = result {
            *stats.statuses.entry(r.status).or_default() += 1;
            if r.close {
                stats.announced += 1;
            } else {
                c.previous = Some(format!(
                    "{}\n--- its response:\n{}",
                    req.summary,
                    r.summary()
                ));
                conn = Some(c);
            }
        }
    }
    stats
}

/// Signs up the fuzzer's account and creates its room, over the same raw client.
async fn setup(addr: String) -> Result<Target, String> {
    let mut rng = Rng(0);
    let mut t = Target {
        addr,
        cookie: String::new(),
        room: 0,
    };
    let plain: [String; 2] = [
        "Content-Type: application/x-www-form-urlencoded".into(),
        "Accept: application/json".into(),
    ];
    let body = b"username=fuzzer&display_name=Fuzzer&password=correct+horse+battery";
    let req = Request::new(&mut rng, &t, "sign_up", &plain, body, Framing::Whole);
    let mut c = connect(&t.addr).await.map_err(|f| f.detail)?;
    let res = exchange(&mut c.stream, &mut c.buf, &req)
        .await
        .map_err(|f| format!("sign_up: {}", f.detail))?;
    t.cookie = res
        .headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
        .find_map(|(_, v)| {
            v.starts_with("parlor_session=")
                .then(|| v.split(';').next().unwrap_or_default().to_owned())
        })
        .ok_or_else(|| format!("sign_up gave no session cookie:\n{}", res.summary()))?;
    if res.close {
        c = connect(&t.addr).await.map_err(|f| f.detail)?;
    }
    let headers = [
        plain[0].clone(),
        plain[1].clone(),
        format!("Cookie: {}", t.cookie),
    ];
    let req = Request::new(
        &mut rng,
        &t,
        "create_room",
        &headers,
        b"name=fuzz",
        Framing::Whole,
    );
    let res = exchange(&mut c.stream, &mut c.buf, &req)
        .await
        .map_err(|f| format!("create_room: {}", f.detail))?;
    t.room = serde_json::from_slice(&res.body)
        .map_err(|e| format!("create_room: {e}:\n{}", res.summary()))?;
    Ok(t)
}

/// The server process, its address and its temporary directory (deleted on drop).
struct Server {
    child: tokio::process::Child,
    addr: String,
    _dir: tempfile::TempDir,
}

/// Starts `parlor` from the same target directory as this program.
async fn start() -> Result<Server, String> {
    let exe = std::env::current_exe().map_err(|e| format!("current_exe: {e}"))?;
    let profile = exe
        .parent()
        .and_then(Path::parent)
        .ok_or("no target directory")?;
    let binary = profile.join("parlor");
    if !binary.exists() {
        return Err(format!(
            "{} is missing: `cargo build --features ssr --bin parlor` first",
            binary.display()
        ));
    }
    let dir = tempfile::tempdir().map_err(|e| format!("temp dir: {e}"))?;
    let mut child = tokio::process::Command::new(&binary)
        .current_dir(dir.path())
        .env("PARLOR_LISTEN", "127.0.0.1:0")
        .env("PARLOR_METRICS_LISTEN", "127.0.0.1:0")
        .env(
            "PARLOR_DATABASE_URL",
            format!("sqlite://{}", dir.path().join("parlor.db").display()),
        )
        .env("PARLOR_SIGN_UPS_PER_HOUR", "1000000")
        .env("PARLOR_SIGN_IN_PER_MINUTE", "1000000")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let found = timeout(Duration::from_secs(60), async {
        while let Ok(Some(line)) = lines.next_line().await {
            // The metrics listener may announce its own address: not the one to fuzz.
            if let Some((before, after)) = line.split_once("http://") {
                if !before.to_ascii_lowercase().contains("metrics") {
                    return after.split_whitespace().next().map(str::to_owned);
                }
            }
        }
        None
    })
    .await;
    let addr = match found {
        Ok(Some(addr)) => addr,
        Ok(None) => return Err("the server exited before listening".into()),
        Err(_) => return Err("the server printed no address within 60 s".into()),
    };
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Ok(Server {
        child,
        addr,
        _dir: dir,
    })
}

/// Starts the server, fuzzes it and prints the table; exit code 1 on any failure.
#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(e) => {
            eprintln!("http_fuzz: {e}");
            return ExitCode::from(2);
        }
    };
    println!(
        "http_fuzz: seed {} ({} s, {} connections)",
        args.seed, args.seconds, args.connections
    );
    let mut server = match start().await {
        Ok(server) => server,
        Err(e) => {
            eprintln!("http_fuzz: {e}");
            return ExitCode::FAILURE;
        }
    };
    let target = match setup(server.addr.clone()).await {
        Ok(t) => Arc::new(t),
        Err(e) => {
            eprintln!("http_fuzz: setup failed: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "http_fuzz: fuzzing http://{} (room {})",
        target.addr, target.room
    );
    let started = Instant::now();
    let deadline = started + Duration::from_secs(args.seconds);
    let mut tasks = Vec::new();
    for i in 0..args.connections as u64 {
        let rng = Rng(args.seed ^ (i + 1).wrapping_mul(0xA24B_AED4_963E_E407));
        tasks.push(tokio::spawn(worker(rng, target.clone(), deadline)));
    }
    let mut total = Stats::default();
    for task in tasks {
        match task.await {
            Ok(s) => {
                for (status, n) in s.statuses {
                    *total.statuses.entry(status).or_default() += n;
                }
                for (kind, n) in s.failures {
                    *total.failures.entry(kind).or_default() += n;
                }
                total.requests += s.requests;
                total.connections += s.connections;
                total.announced += s.announced;
            }
            Err(e) => {
                eprintln!("http_fuzz: a connection task panicked: {e}");
                *total.failures.entry("other failures").or_default() += 1;
            }
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let alive = match server.child.try_wait() {
        Ok(None) => true,
        Ok(Some(status)) => {
            println!("\nhttp_fuzz: FAILED: the server exited during the run ({status})");
            false
        }
        Err(e) => {
            println!("\nhttp_fuzz: FAILED: cannot tell whether the server still runs: {e}");
            false
        }
    };
    println!("\n| | count |\n|---|---|");
    for (status, n) in &total.statuses {
        println!("| status {status} | {n} |");
    }
    println!("| requests | {} |", total.requests);
    println!("| connections opened | {} |", total.connections);
    println!(
        "| closes announced (Connection: close) | {} |",
        total.announced
    );
    println!(
        "| requests per second | {:.0} |",
        total.requests as f64 / elapsed.max(1e-9)
    );
    for kind in ["5xx", "dropped connections", "hangs", "other failures"] {
        println!(
            "| {kind} | {} |",
            total.failures.get(kind).copied().unwrap_or(0)
        );
    }
    if alive && total.failures.values().all(|&n| n == 0) {
        println!("\nhttp_fuzz: clean (seed {})", args.seed);
        ExitCode::SUCCESS
    } else {
        println!("\nhttp_fuzz: FAILED (seed {})", args.seed);
        ExitCode::FAILURE
    }
}
