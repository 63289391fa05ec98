//! The crash proof. Writers send under load and record every ack; the real server process is
//! killed with SIGKILL at random points and restarted on the same database; afterwards:
//! - every acked message is stored exactly once, with the acked `seq`;
//! - each room's `seq` runs 1..max with no holes;
//! - messages never acked (abandoned by their writer) are stored at most once;
//! - every connected reader ends with exactly the stored sequence.
//!
//! Each seed runs on both stores, SQLite and PostgreSQL (`--store sqlite|postgres|both`).
//! Run it with a seed and a size (CI runs a few small seeds through `cargo test`):
//! `cargo test --features ssr --test crash -- --seeds 1-20 --size 2000 --crashes 3`

mod support;

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use parlor::protocol::{ClientFrame, RoomCursor, RoomId, ServerFrame};
use support::{msg_id, Incoming, Person, Socket};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::watch;

const WRITERS: usize = 3;
const READERS: usize = 2;
const WINDOW: usize = 32;

struct Args {
    seeds: Vec<u64>,
    size: usize,
    crashes: usize,
    stores: Vec<&'static str>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        seeds: vec![1, 2, 3],
        size: 300,
        crashes: 2,
        stores: vec!["sqlite", "postgres"],
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--seeds" => {
                args.seeds = match value.split_once('-') {
                    Some((a, b)) => {
                        let (a, b): (u64, u64) = (
                            a.parse().map_err(|_| "bad seed")?,
                            b.parse().map_err(|_| "bad seed")?,
                        );
                        (a..=b).collect()
                    }
                    None => value
                        .split(',')
                        .map(|s| s.parse().map_err(|_| "bad seed".to_owned()))
                        .collect::<Result<_, _>>()?,
                }
            }
            "--size" => args.size = value.parse().map_err(|_| "bad size")?,
            "--crashes" => args.crashes = value.parse().map_err(|_| "bad crash count")?,
            "--store" => {
                args.stores = match value.as_str() {
                    "sqlite" => vec!["sqlite"],
                    "postgres" => vec!["postgres"],
                    "both" => vec!["sqlite", "postgres"],
                    _ => return Err("--store is sqlite, postgres or both".into()),
                }
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(args)
}

/// xorshift64*: a small deterministic generator, so a seed reproduces a run's choices.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

struct Server {
    child: Child,
    addr: SocketAddr,
}

async fn spawn_server(dir: &Path, database_url: &str) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_parlor"))
        .current_dir(dir)
        .env("PARLOR_LISTEN", "127.0.0.1:0")
        .env("PARLOR_METRICS_LISTEN", "")
        .env("PARLOR_SIGN_UPS_PER_HOUR", "1000000")
        .env("PARLOR_DATABASE_URL", database_url)
        .env("PARLOR_RESUME_LIMIT", "1000000")
        .env("PARLOR_MESSAGES_PER_SECOND", "1000000")
        .env("PARLOR_MESSAGE_BURST", "1000000")
        .env("RUST_LOG", "error")
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn the server");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    while let Some(line) = lines.next_line().await.expect("read stdout") {
        if let Some(url) = line.split("http://").nth(1) {
            let addr = url.trim().parse().expect("address");
            return Server { child, addr };
        }
    }
    panic!("the server exited before listening");
}

/// What one writer has sent and what was acked.
#[derive(Default)]
struct Ledger {
    acked: HashMap<String, (RoomId, i64)>,
    abandoned: Vec<String>,
}

/// One writer: sends its share with a window of unacked messages, and after every lost
/// connection resends what is unacked (abandoning some at random, as a user might discard).
async fn writer(
    person: Person,
    rooms: Vec<RoomId>,
    plan: Vec<(RoomId, String, String)>,
    mut addr: watch::Receiver<Option<SocketAddr>>,
    ledger: Arc<Mutex<Ledger>>,
    seed: u64,
) {
    let mut rng = Rng::new(seed);
    let mut next = 0;
    let mut in_flight: Vec<usize> = Vec::new();
    let mut cursors: BTreeMap<RoomId, i64> = rooms.iter().map(|&r| (r, 0)).collect();
    loop {
        let Some(at) = *addr.borrow_and_update() else {
            let _ = addr.changed().await;
            continue;
        };
        let Ok(mut socket) = Socket::open_at(at, Some(&person.cookie), None).await else {
            tokio::time::sleep(Duration::from_millis(20)).await;
            continue;
        };
        let watch = cursors
            .iter()
            .map(|(&room_id, &after_seq)| RoomCursor { room_id, after_seq })
            .collect();
        socket
            .send(&ClientFrame::Watch {
                rooms: watch,
                epoch: None,
            })
            .await;
        // Resend what is unacked, dropping one in five for good.
        let mut kept = Vec::new();
        for i in in_flight.drain(..) {
            if rng.below(5) == 0 {
                ledger
                    .lock()
                    .expect("ledger")
                    .abandoned
                    .push(plan[i].1.clone());
            } else {
                kept.push(i);
            }
        }
        in_flight = kept;
        let mut alive = true;
        for &i in &in_flight {
            alive &= send(&mut socket, &plan[i]).await;
        }
        while alive {
            while in_flight.len() < WINDOW && next < plan.len() {
                alive &= send(&mut socket, &plan[next]).await;
                in_flight.push(next);
                next += 1;
            }
            if in_flight.is_empty() {
                return;
            }
            match socket.recv().await {
                Incoming::Frame(ServerFrame::Message(m)) => {
                    let cursor = cursors.entry(m.room_id).or_default();
                    *cursor = (*cursor).max(m.seq);
                }
                Incoming::Frame(ServerFrame::Ack(ack)) => {
                    in_flight.retain(|&i| plan[i].1 != ack.client_msg_id);
                    ledger
                        .lock()
                        .expect("ledger")
                        .acked
                        .insert(ack.client_msg_id, (ack.room_id, ack.seq));
                }
                Incoming::Frame(_) => {}
                Incoming::Closed(_) => alive = false,
            }
        }
    }
}

async fn send(socket: &mut Socket, (room_id, id, body): &(RoomId, String, String)) -> bool {
    socket
        .try_send(&ClientFrame::Send {
            room_id: *room_id,
            client_msg_id: id.clone(),
            body: body.clone(),
            reply_to: None,
        })
        .await
}

/// One reader: holds every room's messages by `seq`, resuming from its cursors after every
/// lost connection, until it holds `target` messages in each room.
async fn reader(
    person: Person,
    rooms: Vec<RoomId>,
    mut addr: watch::Receiver<Option<SocketAddr>>,
    target: watch::Receiver<Option<BTreeMap<RoomId, i64>>>,
) -> Result<BTreeMap<RoomId, Vec<i64>>, String> {
    let mut held: BTreeMap<RoomId, Vec<i64>> = rooms.iter().map(|&r| (r, Vec::new())).collect();
    loop {
        let done = target.borrow().as_ref().is_some_and(|t| {
            t.iter()
                .all(|(room, max)| held[room].last().copied().unwrap_or(0) >= *max)
        });
        if done {
            return Ok(held);
        }
        let Some(at) = *addr.borrow_and_update() else {
            let _ = addr.changed().await;
            continue;
        };
        let Ok(mut socket) = Socket::open_at(at, Some(&person.cookie), None).await else {
            tokio::time::sleep(Duration::from_millis(20)).await;
            continue;
        };
        let cursors = held
            .iter()
            .map(|(&room_id, seqs)| RoomCursor {
                room_id,
                after_seq: seqs.last().copied().unwrap_or(0),
            })
            .collect();
        socket
            .send(&ClientFrame::Watch {
                rooms: cursors,
                epoch: Some(socket.epoch.clone()),
            })
            .await;
        loop {
            let frame = tokio::select! {
                incoming = socket.recv() => incoming,
                _ = tokio::time::sleep(Duration::from_millis(200)) => break,
            };
            match frame {
                Incoming::Frame(ServerFrame::Message(m)) => {
                    let seqs = held
                        .get_mut(&m.room_id)
                        .ok_or("a message from an unwatched room")?;
                    let last = seqs.last().copied().unwrap_or(0);
                    if m.seq != last + 1 {
                        return Err(format!(
                            "room {}: got seq {} after {last}",
                            m.room_id, m.seq
                        ));
                    }
                    seqs.push(m.seq);
                }
                Incoming::Frame(ServerFrame::Reset { room_id, reason }) => {
                    return Err(format!("room {room_id}: unexpected reset {reason:?}"));
                }
                Incoming::Frame(_) => {}
                Incoming::Closed(_) => break,
            }
        }
    }
}

struct Outcome {
    acked: usize,
    abandoned: usize,
    abandoned_stored: usize,
    rows: i64,
    violations: Vec<String>,
}

async fn run_seed(seed: u64, size: usize, crashes: usize, store: &str) -> Outcome {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir: PathBuf = tmp.path().to_owned();
    let url = match store {
        "postgres" => support::cluster::postgres_database().await,
        _ => format!("sqlite://{}", dir.join("parlor.db").display()),
    };
    let mut rng = Rng::new(seed);
    let mut server = spawn_server(&dir, &url).await;
    let (addr_tx, addr_rx) = watch::channel(Some(server.addr));

    // The people and rooms, made through the real sign-up and room calls.
    let owner = Person::sign_up_at(server.addr, &format!("writer0-{seed}")).await;
    let mut rooms = Vec::new();
    for name in ["alpha", "beta"] {
        let answer = owner
            .call_at(
                server.addr,
                "create_room",
                &[("name", name), ("public", "on")],
            )
            .await;
        rooms.push(answer.json().as_i64().expect("room id"));
    }
    let mut people = vec![owner];
    for i in 1..WRITERS + READERS {
        let person = Person::sign_up_at(server.addr, &format!("person{i}-{seed}")).await;
        for room in &rooms {
            person
                .call_at(server.addr, "join_room", &[("room_id", &room.to_string())])
                .await;
        }
        people.push(person);
    }
    let readers_people = people.split_off(WRITERS);

    let (target_tx, target_rx) = watch::channel(None);
    let readers: Vec<_> = readers_people
        .into_iter()
        .map(|p| tokio::spawn(reader(p, rooms.clone(), addr_rx.clone(), target_rx.clone())))
        .collect();
    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let writers: Vec<_> = people
        .into_iter()
        .enumerate()
        .map(|(w, p)| {
            let plan = (0..size / WRITERS)
                .map(|i| {
                    (
                        rooms[i % rooms.len()],
                        msg_id((seed << 32) | ((w as u64) << 24) | i as u64),
                        format!("w{w} m{i}"),
                    )
                })
                .collect();
            tokio::spawn(writer(
                p,
                rooms.clone(),
                plan,
                addr_rx.clone(),
                ledger.clone(),
                seed * 100 + w as u64,
            ))
        })
        .collect();

    // Kill the server at random points of progress, and bring it back on the same database.
    let mut thresholds: Vec<usize> = (0..crashes)
        .map(|_| 1 + rng.below(size as u64 * 9 / 10) as usize)
        .collect();
    thresholds.sort_unstable();
    for threshold in thresholds {
        while ledger.lock().expect("ledger").acked.len() < threshold
            && !writers.iter().all(|w| w.is_finished())
        {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        server.child.start_kill().expect("SIGKILL");
        let _ = server.child.wait().await;
        addr_tx.send_replace(None);
        tokio::time::sleep(Duration::from_millis(rng.below(150))).await;
        server = spawn_server(&dir, &url).await;
        addr_tx.send_replace(Some(server.addr));
    }
    for w in writers {
        tokio::time::timeout(Duration::from_secs(120), w)
            .await
            .expect("writers finish")
            .expect("writer");
    }

    // What the store holds, checked against every ack and every reader.
    sqlx::any::install_default_drivers();
    let db = sqlx::AnyPool::connect(&url).await.expect("db");
    let mut violations = Vec::new();
    let mut max_seq = BTreeMap::new();
    for &room in &rooms {
        let seqs: Vec<i64> =
            sqlx::query_scalar("SELECT seq FROM messages WHERE room_id = $1 ORDER BY seq")
                .bind(room)
                .fetch_all(&db)
                .await
                .expect("seqs");
        if seqs != (1..=seqs.len() as i64).collect::<Vec<_>>() {
            violations.push(format!("room {room}: seq has holes or repeats"));
        }
        max_seq.insert(room, seqs.len() as i64);
    }
    let stored: HashMap<String, Vec<(RoomId, i64)>> = sqlx::query_as::<_, (String, RoomId, i64)>(
        "SELECT client_msg_id, room_id, seq FROM messages",
    )
    .fetch_all(&db)
    .await
    .expect("rows")
    .into_iter()
    .fold(HashMap::new(), |mut map, (id, room, seq)| {
        map.entry(id).or_default().push((room, seq));
        map
    });
    let ledger = std::mem::take(&mut *ledger.lock().expect("ledger"));
    for (id, at) in &ledger.acked {
        if stored.get(id).map(Vec::as_slice) != Some(&[*at][..]) {
            violations.push(format!(
                "acked {id} at {at:?} but stored as {:?}",
                stored.get(id)
            ));
        }
    }
    let abandoned_stored = ledger
        .abandoned
        .iter()
        .filter(|id| stored.contains_key(*id))
        .count();
    if stored.values().any(|copies| copies.len() > 1) {
        violations.push("a message is stored twice".into());
    }
    target_tx.send_replace(Some(max_seq.clone()));
    for r in readers {
        match tokio::time::timeout(Duration::from_secs(60), r).await {
            Ok(Ok(Ok(held))) => {
                for (room, seqs) in held {
                    if seqs != (1..=max_seq[&room]).collect::<Vec<_>>() {
                        violations.push(format!(
                            "a reader of room {room} holds {} of {}",
                            seqs.len(),
                            max_seq[&room]
                        ));
                    }
                }
            }
            Ok(Ok(Err(e))) => violations.push(format!("reader: {e}")),
            Ok(Err(e)) => violations.push(format!("reader task: {e}")),
            Err(_) => violations.push("a reader did not catch up in 60 s".into()),
        }
    }
    let rows = stored.values().map(Vec::len).sum::<usize>() as i64;
    server.child.start_kill().ok();
    Outcome {
        acked: ledger.acked.len(),
        abandoned: ledger.abandoned.len(),
        abandoned_stored,
        rows,
        violations,
    }
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(e) => {
            eprintln!("crash: {e}\nusage: crash [--seeds 1-20|1,5,9] [--size N] [--crashes N] [--store sqlite|postgres|both]");
            return ExitCode::FAILURE;
        }
    };
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    println!("| store | seed | crashes | acked | abandoned (stored) | rows | result |");
    println!("|---|---:|---:|---:|---:|---:|---|");
    let mut failed = false;
    for (store, &seed) in args
        .stores
        .iter()
        .flat_map(|store| args.seeds.iter().map(move |seed| (store, seed)))
    {
        let out = runtime.block_on(run_seed(seed, args.size, args.crashes, store));
        let result = if out.violations.is_empty() {
            "ok".to_owned()
        } else {
            out.violations.join("; ")
        };
        failed |= !out.violations.is_empty();
        println!(
            "| {store} | {seed} | {} | {} | {} ({}) | {} | {result} |",
            args.crashes, out.acked, out.abandoned, out.abandoned_stored, out.rows
        );
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
