//! The soak: a real Parlor process under connect/disconnect churn and steady messaging for a
//! given time. It prints the server's RSS, open file descriptors (and how many are sockets),
//! threads, tokio tasks and connections at the start, once settled, and at the end, and
//! fails when the server did not come back:
//! - RSS at the end within 10 % of where it settled;
//! - sockets, tasks and connections back to where they started, and no more file descriptors
//!   than at the start (the store's pool may close a database connection on its own).
//!
//! `soak [--seconds 120] [--settle 30] [--every 10] [--parlor target/debug/parlor]`
//! `[--steady 20] [--rate 20] [--churners 4]`
//!
//! CI runs two minutes of it (scripts/test.sh); docs/hardening.md describes what it checks.

#[allow(dead_code, reason = "shared with the load generator")]
#[path = "loadgen/client.rs"]
mod client;
#[allow(dead_code, reason = "shared with the load generator")]
#[path = "loadgen/scenarios.rs"]
mod scenarios;
#[allow(dead_code, reason = "shared with the load generator")]
#[path = "loadgen/servers.rs"]
mod servers;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use client::Event;
use servers::{Kind, Programs, Server, Usage};
use tokio::time::Instant;

/// Rooms the users talk in.
const ROOMS: usize = 10;
/// Users: the first `steady` stay connected, the rest come and go.
const USERS: usize = 60;

struct Args {
    seconds: u64,
    settle: u64,
    every: u64,
    parlor: PathBuf,
    steady: usize,
    rate: f64,
    churners: usize,
}

fn parse() -> Result<Args, String> {
    let mut args = Args {
        seconds: 120,
        settle: 30,
        every: 10,
        parlor: PathBuf::from("target/debug/parlor"),
        steady: 20,
        rate: 20.0,
        churners: 4,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or(format!("{flag} needs a value"))?;
        let number = || value.parse::<u64>().map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--seconds" => args.seconds = number()?,
            "--settle" => args.settle = number()?,
            "--every" => args.every = number()?.max(1),
            "--parlor" => args.parlor = PathBuf::from(&value),
            "--steady" => args.steady = number()? as usize,
            "--rate" => args.rate = value.parse().map_err(|e| format!("--rate: {e}"))?,
            "--churners" => args.churners = number()? as usize,
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    if args.settle >= args.seconds {
        return Err("--settle must be shorter than --seconds".into());
    }
    if args.steady == 0 || args.steady >= USERS {
        return Err(format!("--steady must be between 1 and {}", USERS - 1));
    }
    Ok(args)
}

/// The server as the soak sees it at one moment.
#[derive(Clone, Copy, Debug, Default)]
struct Sample {
    rss: u64,
    fds: usize,
    sockets: usize,
    threads: u64,
    tasks: f64,
    connections: f64,
}

async fn sample(server: &Server) -> Sample {
    let pid = server.pid();
    let fds: Vec<String> = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|dir| {
            dir.filter_map(Result::ok)
                .filter_map(|e| std::fs::read_link(e.path()).ok())
                .map(|target| target.display().to_string())
                .collect()
        })
        .unwrap_or_default();
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let threads = status
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    let metrics = scrape(server.metrics_addr.as_deref().unwrap_or(&server.addr)).await;
    let gauge = |name: &str| {
        metrics
            .lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
            .unwrap_or(f64::NAN)
    };
    Sample {
        rss: Usage::of(pid).rss,
        sockets: fds.iter().filter(|t| t.starts_with("socket:")).count(),
        fds: fds.len(),
        threads,
        tasks: gauge("parlor_tasks"),
        connections: gauge("parlor_connections"),
    }
}

async fn scrape(addr: &str) -> String {
    match reqwest::get(format!("http://{addr}/metrics")).await {
        Ok(res) => res.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    }
}

/// What the clients did.
#[derive(Default)]
struct Counts {
    /// Per room, the highest `seq` acked so far: where a passing user starts watching (a
    /// real client resumes from its own cursor; one from 0 would be told to reset once a
    /// room holds more than `resume_limit` messages).
    latest: [AtomicI64; ROOMS],
    sent: AtomicU64,
    delivered: AtomicU64,
    churned: AtomicU64,
    /// Steady connections that ended before the soak did, and churn connections that failed.
    failures: AtomicU64,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("soak: {e}");
            return ExitCode::FAILURE;
        }
    };
    let Ok(parlor) = std::fs::canonicalize(&args.parlor) else {
        eprintln!(
            "soak: no server at {}; build it first",
            args.parlor.display()
        );
        return ExitCode::FAILURE;
    };
    let programs = Programs {
        parlor,
        naive: PathBuf::new(),
        peers: PathBuf::new(),
    };
    let server = Server::start(Kind::ParlorFull, &programs).await;
    let population = scenarios::populate(&server, ROOMS, USERS).await;
    let population = Arc::new(population);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let start = sample(&server).await;
    println!(
        "soak: {} s on {} ({} steady users at {} msgs/s each, {} churners), sampling every {} s",
        args.seconds,
        args.parlor.display(),
        args.steady,
        args.rate,
        args.churners,
        args.every
    );
    print_header();
    print_row("start", &start, &Counts::default());

    let counts = Arc::new(Counts::default());
    let stop = Arc::new(AtomicBool::new(false));
    let began = Instant::now();
    let deadline = began + Duration::from_secs(args.seconds);
    let mut tasks = Vec::new();
    for user in 0..args.steady {
        let cookie = population.cookies[user].clone();
        tasks.push(tokio::spawn(steady(
            server.addr.clone(),
            population.rooms[user % ROOMS],
            user % ROOMS,
            cookie,
            args.rate,
            deadline,
            counts.clone(),
        )));
    }
    for n in 0..args.churners {
        tasks.push(tokio::spawn(churn(
            server.addr.clone(),
            population.clone(),
            args.steady,
            n,
            stop.clone(),
            counts.clone(),
        )));
    }

    let mut settled = None;
    let mut next = began + Duration::from_secs(args.every);
    while next <= deadline {
        tokio::time::sleep_until(next).await;
        let t = next.duration_since(began).as_secs();
        let now = sample(&server).await;
        print_row(&format!("{t} s"), &now, &counts);
        if !std::path::Path::new(&format!("/proc/{}", server.pid())).exists() || now.rss == 0 {
            eprintln!("soak: FAIL the server exited during the soak");
            return ExitCode::FAILURE;
        }
        if settled.is_none() && t >= args.settle {
            settled = Some(now);
        }
        next += Duration::from_secs(args.every);
    }
    tokio::time::sleep_until(deadline).await;
    stop.store(true, Ordering::Relaxed);
    for task in tasks {
        let _ = task.await;
    }
    // Every client is gone: wait (a little) for the server to notice.
    let mut end = sample(&server).await;
    let quiet = Instant::now() + Duration::from_secs(15);
    while Instant::now() < quiet
        && (end.connections != start.connections
            || end.tasks != start.tasks
            || end.sockets != start.sockets
            || end.fds > start.fds)
    {
        tokio::time::sleep(Duration::from_millis(250)).await;
        end = sample(&server).await;
    }
    let settled = settled.unwrap_or(start);
    print_row("end", &end, &counts);
    server.stop().await;

    let growth = (end.rss as f64 - settled.rss as f64) / settled.rss as f64;
    let verdicts = [
        (
            format!("RSS within 10 % of settled ({:+.1} %)", growth * 100.0),
            growth.abs() <= 0.10,
        ),
        // The store's pool may close a connection (and its file descriptors) that reached
        // sqlx's idle or lifetime limit, so fewer descriptors than at the start is fine;
        // more would be a leak. Sockets must match exactly.
        (
            format!("fds no more than at start ({} → {})", start.fds, end.fds),
            end.fds <= start.fds,
        ),
        (
            format!(
                "sockets back to start ({} → {})",
                start.sockets, end.sockets
            ),
            end.sockets == start.sockets,
        ),
        (
            format!("tasks back to start ({} → {})", start.tasks, end.tasks),
            end.tasks == start.tasks,
        ),
        (
            format!(
                "connections back to start ({} → {})",
                start.connections, end.connections
            ),
            end.connections == start.connections,
        ),
        (
            format!(
                "no client failures ({})",
                counts.failures.load(Ordering::Relaxed)
            ),
            counts.failures.load(Ordering::Relaxed) == 0,
        ),
        (
            format!(
                "messages delivered ({})",
                counts.delivered.load(Ordering::Relaxed)
            ),
            counts.delivered.load(Ordering::Relaxed) > 0,
        ),
    ];
    println!();
    let mut ok = true;
    for (what, passed) in &verdicts {
        println!("{} {what}", if *passed { "ok  " } else { "FAIL" });
        ok &= passed;
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn print_header() {
    println!();
    println!("| when | RSS MiB | fds | sockets | threads | tasks | connections | sent | delivered | churned |");
    println!("|---|---|---|---|---|---|---|---|---|---|");
}

fn print_row(when: &str, s: &Sample, c: &Counts) {
    println!(
        "| {when} | {:.1} | {} | {} | {} | {} | {} | {} | {} | {} |",
        s.rss as f64 / (1024.0 * 1024.0),
        s.fds,
        s.sockets,
        s.threads,
        s.tasks,
        s.connections,
        c.sent.load(Ordering::Relaxed),
        c.delivered.load(Ordering::Relaxed),
        c.churned.load(Ordering::Relaxed),
    );
}

/// A user who stays connected, sends `rate` messages a second and reads everything, until
/// `deadline`; then closes.
async fn steady(
    addr: String,
    room: i64,
    index: usize,
    cookie: String,
    rate: f64,
    deadline: Instant,
    counts: Arc<Counts>,
) {
    let connecting = client::connect(Kind::ParlorFull, &addr, room, Some(&cookie), 0);
    let (mut sender, mut receiver) = match connecting.await {
        Ok(halves) => halves,
        Err(e) => {
            eprintln!("soak: a steady user could not connect: {e}");
            counts.failures.fetch_add(1, Ordering::Relaxed);
            return;
        }
    };
    let reader = {
        let counts = counts.clone();
        tokio::spawn(async move {
            loop {
                match receiver.next().await {
                    Event::Body(_) => {
                        counts.delivered.fetch_add(1, Ordering::Relaxed);
                    }
                    Event::Ack(seq) => {
                        counts.latest[index].fetch_max(seq, Ordering::Relaxed);
                    }
                    Event::Closed => break,
                    Event::Other => {}
                }
            }
        })
    };
    let mut every = tokio::time::interval(Duration::from_secs_f64(1.0 / rate.max(0.01)));
    while Instant::now() < deadline {
        tokio::select! {
            _ = every.tick() => {
                if sender.send("soak: steady").await.is_err() {
                    break;
                }
                counts.sent.fetch_add(1, Ordering::Relaxed);
            }
            _ = tokio::time::sleep_until(deadline) => break,
        }
    }
    if reader.is_finished() || Instant::now() + Duration::from_secs(1) < deadline {
        eprintln!("soak: a steady connection ended early");
        counts.failures.fetch_add(1, Ordering::Relaxed);
    }
    reader.abort();
}

/// Connects a passing user to a room, says one thing, waits for the ack, and drops the
/// connection (no closing handshake, as a lost network does); again and again.
async fn churn(
    addr: String,
    population: Arc<scenarios::Population>,
    first: usize,
    seed: usize,
    stop: Arc<AtomicBool>,
    counts: Arc<Counts>,
) {
    let passing = USERS - first;
    let mut n = seed;
    while !stop.load(Ordering::Relaxed) {
        n = n
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let user = first + (n >> 33) % passing;
        let index = (n >> 17) % ROOMS;
        let room = population.rooms[index];
        let from = (counts.latest[index].load(Ordering::Relaxed) - 20).max(0);
        let cookie = &population.cookies[user];
        let phase = std::sync::Mutex::new("connecting");
        let attempt = async {
            let (mut sender, mut receiver) =
                client::connect(Kind::ParlorFull, &addr, room, Some(cookie), from).await?;
            *phase.lock().unwrap_or_else(|e| e.into_inner()) = "waiting for the ack";
            sender.send("soak: passing through").await?;
            counts.sent.fetch_add(1, Ordering::Relaxed);
            loop {
                match receiver.next().await {
                    Event::Ack(_) => return Ok::<_, String>(()),
                    Event::Closed => return Err("closed before the ack".into()),
                    Event::Body(_) | Event::Other => {}
                }
            }
        };
        match tokio::time::timeout(Duration::from_secs(10), attempt).await {
            Ok(Ok(())) => {
                counts.churned.fetch_add(1, Ordering::Relaxed);
            }
            Ok(Err(e)) => {
                eprintln!("soak: churn failed: {e}");
                counts.failures.fetch_add(1, Ordering::Relaxed);
                // Whatever went wrong, do not hammer the server about it.
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(_) => {
                let phase = *phase.lock().unwrap_or_else(|e| e.into_inner());
                eprintln!("soak: churn timed out {phase} (user {user}, room {room})");
                counts.failures.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}
