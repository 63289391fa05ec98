//! Every attack of the security review against a real server on loopback, while a
//! well-behaved pair of users chats (docs/hardening.md, "Abuse").
//!
//! Ten bystanders (Alice, Bob…) each send eight messages a second to a public room and read
//! everything in it. First a quiet
//! baseline, then one attack at a time, each for `--seconds`:
//! - 2 MB sign-in bodies; a sign-up flood; guessing Alice's password from elsewhere;
//! - a flood of `read`, `typing`, `enter` and `exit` frames in the bystanders' room;
//! - `watch` frames naming a room hundreds of times, or hundreds of rooms;
//! - creating rooms in a loop;
//! - a socket that watches the room and never reads;
//! - then all of them at once (reported, not judged: seven floods share the two cores).
//!
//! Each attack runs at a steady flood (a thousand requests or ten thousand frames a second),
//! so that what is measured is the server's defence, not the attacker stealing the machine's
//! two cores; the bystanders run on their own thread, and the server stores with
//! `synchronous = NORMAL`, so that a slow disk flush is not taken for an attack's effect.
//!
//! It prints each phase's bystander ack latency and the server's memory, and fails when a
//! bystander is disconnected, an attack's p99 is over twice the baseline's (the baseline taken
//! as at least 5 ms: a 2-core machine's scheduling noise is a few milliseconds) when it is
//! run and again when it is repeated (a lone p99 of a few hundred acks is noise-prone), the
//! server's peak RSS passes `--max-rss-mib` (256), Alice is locked out, or the server dies.
//!
//! `abuse [--seconds 5] [--max-rss-mib 256]` (build `parlor` first; CI runs `--seconds 2`).

mod peer;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use parlor::protocol::{ClientFrame, RoomCursor, RoomId, ServerFrame};
use peer::{call, sign_up, Error, Person, Server, Socket};
use tokio::io::AsyncWriteExt;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

const BYSTANDERS: [&str; 10] = [
    "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy",
];
const ALICE_FROM: &str = "198.51.100.1";
const MALLORY_FROM: &str = "203.0.113.66";

/// Acks per phase, and the bystanders' disconnections.
struct Watch {
    phase: Mutex<Histogram<u64>>,
    disconnects: AtomicUsize,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let outcome = if args.first().map(String::as_str) == Some("--attack") {
        attacker(&args).await.map(|()| true)
    } else {
        run().await
    };
    match outcome {
        Ok(true) => std::process::ExitCode::SUCCESS,
        Ok(false) => std::process::ExitCode::FAILURE,
        Err(e) => {
            eprintln!("abuse: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// The attacker's process: `--attack NAME ADDR COOKIE ROOM SECONDS`. It runs at the lowest
/// priority (`nice -n 19`), as if on a machine of its own: what is measured is the server's
/// defence, not the attacker taking the two cores the server and the bystanders share.
async fn attacker(args: &[String]) -> Result<(), Error> {
    let [_, name, addr, cookie, room, seconds] = args else {
        return Err("usage: --attack NAME ADDR COOKIE ROOM SECONDS".into());
    };
    let attack = ATTACKS
        .iter()
        .find(|(_, key, _)| key == name)
        .map(|(_, _, a)| *a)
        .ok_or_else(|| format!("no attack {name}"))?;
    let mallory = Person {
        cookie: cookie.clone(),
        from: MALLORY_FROM.to_owned(),
    };
    let deadline = Instant::now() + Duration::from_secs(seconds.parse()?);
    attack.run(addr, &mallory, room.parse()?, deadline).await
}

/// The attacks: what the table calls them, the attacker's argument, and the attack.
const ATTACKS: [(&str, &str, Attack); 8] = [
    ("2 MB sign-in bodies", "huge-sign-ins", Attack::HugeSignIns),
    ("sign-up flood", "sign-ups", Attack::SignUps),
    ("guessing Alice's password", "guessing", Attack::Guessing),
    ("read/typing/enter flood", "frames", Attack::Frames),
    ("watch: repeats, many rooms", "watches", Attack::Watches),
    ("room creation flood", "rooms", Attack::Rooms),
    ("a socket that never reads", "stalled", Attack::Stalled),
    ("all of them at once", "all", Attack::All),
];

async fn run() -> Result<bool, Error> {
    let (seconds, max_rss_mib) = options()?;
    let mut server = Server::start().await?;
    // Ten bystanders (Alice first), each from an address of their own.
    let mut people: Vec<Person> = Vec::new();
    for (i, name) in BYSTANDERS.iter().enumerate() {
        people.push(sign_up(&server.addr, name, &format!("198.51.100.{}", i + 1)).await?);
    }
    let mallory = sign_up(&server.addr, "mallory", MALLORY_FROM).await?;
    let alice = &people[0];
    let (_, id) = call(
        &server.addr,
        Some(&alice.cookie),
        &alice.from,
        "create_room",
        "name=lobby&public=true".into(),
    )
    .await?;
    let lobby: RoomId = id.trim().parse().map_err(|_| format!("no room id: {id}"))?;
    for p in people.iter().skip(1).chain([&mallory]) {
        call(
            &server.addr,
            Some(&p.cookie),
            &p.from,
            "join_room",
            format!("room_id={lobby}"),
        )
        .await?;
    }
    let watch = Arc::new(Watch {
        phase: Mutex::new(Histogram::new(3)?),
        disconnects: AtomicUsize::new(0),
    });
    let mut sockets = Vec::new();
    for p in &people {
        sockets.push(Socket::open(&server.addr, p).await?);
    }
    let bystanders = watch.clone();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build();
        if let Ok(runtime) = runtime {
            runtime.block_on(async move {
                let talking = sockets
                    .into_iter()
                    .zip(1u64..)
                    .map(|(s, who)| tokio::spawn(chatter(s, lobby, who, bystanders.clone())));
                futures_util::future::join_all(talking).await;
            });
        }
    });

    let phase = Duration::from_secs(seconds);
    let mut rows = Vec::new();
    let mut ok = true;
    tokio::time::sleep(Duration::from_millis(500)).await;
    take(&watch);
    tokio::time::sleep(phase).await;
    let baseline = take(&watch);
    rows.push((
        "baseline (no attack)".to_owned(),
        baseline.clone(),
        server.kb("VmRSS"),
        false,
    ));
    let me = std::env::current_exe()?;
    let floor = baseline.p99.max(5.0);
    for (name, key, _) in ATTACKS {
        let first = attack_phase(&me, key, &server, &mallory, lobby, seconds, &watch).await?;
        // One p99 of a few hundred acks is a handful of samples: a 2-core machine that a
        // build or a page cache flush takes away for 60 ms puts a phase over its bound. An
        // attack the server does not withstand is over again when repeated; noise is not.
        // So a phase over its bound runs once more, and the repeat is what is judged.
        let judged = name != ATTACKS[ATTACKS.len() - 1].0;
        let over = judged && first.p99 > 2.0 * floor;
        rows.push((name.to_owned(), first, server.kb("VmRSS"), judged && !over));
        if over {
            let again = attack_phase(&me, key, &server, &mallory, lobby, seconds, &watch).await?;
            rows.push((format!("{name} (again)"), again, server.kb("VmRSS"), true));
        }
    }
    // Alice, from her own address, was never locked out.
    let body = "username=alice&password=correct+horse+battery".to_owned();
    let (status, _) = call(&server.addr, None, ALICE_FROM, "sign_in", body).await?;
    if status != 200 {
        println!("FAIL: Alice cannot sign in after the guessing ({status})");
        ok = false;
    }
    let peak = server.kb("VmHWM") / 1024;
    println!("\n| phase | bystander acks | p50 ms | p99 ms | max ms | server RSS MiB |");
    println!("|---|---:|---:|---:|---:|---:|");
    for (name, s, rss, judged) in &rows {
        // Seven floods at once share the two cores with the server: reported, not judged;
        // a phase that was repeated is judged by its repeat.
        let over = s.p99 > 2.0 * floor;
        let flag = match (over, judged) {
            (true, true) => " **over**",
            (true, false) => " (over)",
            _ => "",
        };
        println!(
            "| {name} | {} | {:.1} | {:.1}{flag} | {:.1} | {:.1} |",
            s.count,
            s.p50,
            s.p99,
            s.max,
            *rss as f64 / 1024.0
        );
        if (over && *judged) || s.count == 0 {
            ok = false;
        }
    }
    let disconnects = watch.disconnects.load(Ordering::Relaxed);
    println!("\npeak RSS {peak} MiB (ceiling {max_rss_mib}); bystander disconnects: {disconnects}");
    if disconnects > 0 || peak > max_rss_mib || !server.alive() {
        ok = false;
    }
    println!(
        "abuse: {}",
        if ok {
            "every bystander was served"
        } else {
            "FAILED"
        }
    );
    Ok(ok)
}

/// One attack for `seconds` while the bystanders chat: their acks in that time.
async fn attack_phase(
    me: &std::path::Path,
    key: &str,
    server: &Server,
    mallory: &Person,
    lobby: RoomId,
    seconds: u64,
    watch: &Watch,
) -> Result<Summary, Error> {
    let phase = Duration::from_secs(seconds);
    let deadline = Instant::now() + phase;
    take(watch);
    let run = tokio::process::Command::new("nice")
        .args(["-n", "19"])
        .arg(me)
        .args(["--attack", key, &server.addr, &mallory.cookie])
        .args([lobby.to_string(), seconds.to_string()])
        .kill_on_drop(true)
        .status();
    match tokio::time::timeout(phase + Duration::from_secs(30), run).await {
        Ok(Ok(status)) if status.success() => {}
        Ok(Ok(status)) => println!("abuse: {key}: the attacker ended with {status}"),
        Ok(Err(e)) => return Err(format!("cannot start the attacker: {e}").into()),
        Err(_) => println!("abuse: {key}: the attacker did not stop in time"),
    }
    // A phase lasts its whole time, whenever the attacker gave up.
    tokio::time::sleep_until(deadline).await;
    Ok(take(watch))
}

fn options() -> Result<(u64, u64), Error> {
    let mut seconds = 5;
    let mut max_rss = 256;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next().ok_or("a value is missing")?.parse()?;
        match arg.as_str() {
            "--seconds" => seconds = value,
            "--max-rss-mib" => max_rss = value,
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    Ok((seconds, max_rss))
}

/// Latency of one phase, in milliseconds.
#[derive(Clone)]
struct Summary {
    count: u64,
    p50: f64,
    p99: f64,
    max: f64,
}

fn take(watch: &Watch) -> Summary {
    let mut h = watch.phase.lock().unwrap_or_else(|e| e.into_inner());
    let ms = |us: u64| us as f64 / 1000.0;
    let s = Summary {
        count: h.len(),
        p50: ms(h.value_at_quantile(0.5)),
        p99: ms(h.value_at_quantile(0.99)),
        max: ms(h.max()),
    };
    h.reset();
    s
}

fn msg_id(who: u64, n: u64) -> String {
    format!("abcdef{who:02x}-0000-4000-8000-{n:012x}")
}

/// A bystander: a message every 125 ms (each ack's latency recorded), and every message of
/// the room marked read.
async fn chatter(mut socket: Socket, room: RoomId, who: u64, watch: Arc<Watch>) {
    let watch_frame = ClientFrame::Watch {
        rooms: vec![RoomCursor {
            room_id: room,
            after_seq: 0,
        }],
        epoch: None,
    };
    if socket.send(&watch_frame).await.is_err() {
        watch.disconnects.fetch_add(1, Ordering::Relaxed);
        return;
    }
    let mut every = tokio::time::interval(Duration::from_millis(125));
    let mut sent: HashMap<String, Instant> = HashMap::new();
    let counter = AtomicU64::new(1);
    loop {
        tokio::select! {
            _ = every.tick() => {
                let id = msg_id(who, counter.fetch_add(1, Ordering::Relaxed));
                sent.insert(id.clone(), Instant::now());
                let frame = ClientFrame::Send { room_id: room, client_msg_id: id, body: "hello".into(), reply_to: None };
                if socket.send(&frame).await.is_err() {
                    break;
                }
            }
            frame = socket.next() => match frame {
                Ok(ServerFrame::Ack(ack)) => {
                    if let Some(at) = sent.remove(&ack.client_msg_id) {
                        let us = u64::try_from(at.elapsed().as_micros()).unwrap_or(u64::MAX);
                        let mut h = watch.phase.lock().unwrap_or_else(|e| e.into_inner());
                        let _ = h.record(us.max(1));
                    }
                }
                Ok(ServerFrame::Error { code, .. }) => println!("abuse: a bystander was refused: {code:?}"),
                Ok(ServerFrame::Message(m)) => {
                    if socket.send(&ClientFrame::Read { room_id: room, seq: m.seq }).await.is_err() {
                        break;
                    }
                }
                Ok(_) => {}
                Err(_) => break,
            },
        }
    }
    watch.disconnects.fetch_add(1, Ordering::Relaxed);
}

/// Mallory's socket watching the room: its sending half, and a task that reads (and drops)
/// whatever the server answers, so that the attacker is never the one who stalls.
async fn attacker_socket(
    addr: &str,
    mallory: &Person,
    room: RoomId,
) -> Result<(peer::Sink, tokio::task::JoinHandle<()>), Error> {
    let mut socket = Socket::open(addr, mallory).await?;
    let cursor = RoomCursor {
        room_id: room,
        after_seq: 0,
    };
    socket
        .send(&ClientFrame::Watch {
            rooms: vec![cursor],
            epoch: None,
        })
        .await?;
    let Socket { tx, mut rx } = socket;
    let drain = tokio::spawn(async move { while rx.next().await.is_some() {} });
    Ok((tx, drain))
}

/// One attack, run until a deadline.
#[derive(Clone, Copy)]
enum Attack {
    HugeSignIns,
    SignUps,
    Guessing,
    Frames,
    Watches,
    Rooms,
    Stalled,
    All,
}

impl Attack {
    async fn run(
        self,
        addr: &str,
        mallory: &Person,
        room: RoomId,
        deadline: Instant,
    ) -> Result<(), Error> {
        match self {
            Attack::All => {
                let each = [
                    Attack::HugeSignIns,
                    Attack::SignUps,
                    Attack::Guessing,
                    Attack::Frames,
                    Attack::Watches,
                    Attack::Rooms,
                    Attack::Stalled,
                ];
                let runs = each.map(|a| Box::pin(a.run_one(addr, mallory, room, deadline)));
                for result in futures_util::future::join_all(runs).await {
                    result?;
                }
                Ok(())
            }
            one => one.run_one(addr, mallory, room, deadline).await,
        }
    }

    async fn run_one(
        self,
        addr: &str,
        mallory: &Person,
        room: RoomId,
        deadline: Instant,
    ) -> Result<(), Error> {
        let mut n = 0u64;
        // A thousand requests a second (a tick per millisecond).
        let mut pace = tokio::time::interval(Duration::from_millis(1));
        pace.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        match self {
            Attack::HugeSignIns => {
                while Instant::now() < deadline {
                    pace.tick().await;
                    let mut conn = tokio::net::TcpStream::connect(addr).await?;
                    let head = format!(
                        "POST /api/sign_in HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: {MALLORY_FROM}\r\n\
                         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 2097152\r\n\r\nusername="
                    );
                    conn.write_all(head.as_bytes()).await?;
                    let _ = conn.write_all(&vec![b'u'; 256 * 1024]).await;
                }
            }
            Attack::SignUps => {
                while Instant::now() < deadline {
                    pace.tick().await;
                    n += 1;
                    let body =
                        format!("username=spam{n}&display_name=&password=correct+horse+battery");
                    call(addr, None, MALLORY_FROM, "sign_up", body).await?;
                }
            }
            Attack::Guessing => {
                while Instant::now() < deadline {
                    pace.tick().await;
                    let body = "username=alice&password=guess+guess+guess".to_owned();
                    call(addr, None, MALLORY_FROM, "sign_in", body).await?;
                }
            }
            Attack::Frames => {
                // Serialised once: the attacker's own CPU is not what is measured.
                let texts: Vec<String> = [
                    ClientFrame::Read {
                        room_id: room,
                        seq: i64::MAX,
                    },
                    ClientFrame::Typing { room_id: room },
                    ClientFrame::Enter { room_id: room },
                    ClientFrame::Exit { room_id: room },
                ]
                .iter()
                .map(serde_json::to_string)
                .collect::<Result<_, _>>()?;
                let (mut tx, drain) = attacker_socket(addr, mallory, room).await?;
                while Instant::now() < deadline {
                    n += 1;
                    let text = texts[usize::try_from(n % 4).unwrap_or(0)].clone();
                    if tx.send(Message::text(text)).await.is_err() {
                        break;
                    }
                    // Ten thousand frames a second.
                    if n.is_multiple_of(10) {
                        pace.tick().await;
                    }
                }
                drain.abort();
            }
            Attack::Watches => {
                let repeats = ClientFrame::Watch {
                    rooms: vec![
                        RoomCursor {
                            room_id: room,
                            after_seq: 0
                        };
                        300
                    ],
                    epoch: None,
                };
                // More than max_watch_rooms, under max_frame_bytes: refused for its count.
                let many = ClientFrame::Watch {
                    rooms: (1..=300)
                        .map(|r| RoomCursor {
                            room_id: r,
                            after_seq: 0,
                        })
                        .collect(),
                    epoch: None,
                };
                let texts = [
                    serde_json::to_string(&repeats)?,
                    serde_json::to_string(&many)?,
                ];
                let (mut tx, drain) = attacker_socket(addr, mallory, room).await?;
                while Instant::now() < deadline {
                    pace.tick().await;
                    n += 1;
                    let text = texts[usize::try_from(n % 2).unwrap_or(0)].clone();
                    if tx.send(Message::text(text)).await.is_err() {
                        break;
                    }
                }
                drain.abort();
            }
            Attack::Rooms => {
                while Instant::now() < deadline {
                    pace.tick().await;
                    n += 1;
                    let body = format!("name=spam+{n}&public=true");
                    call(
                        addr,
                        Some(&mallory.cookie),
                        MALLORY_FROM,
                        "create_room",
                        body,
                    )
                    .await?;
                }
            }
            Attack::Stalled => {
                let mut socket = Socket::open(addr, mallory).await?;
                let cursor = RoomCursor {
                    room_id: room,
                    after_seq: 0,
                };
                socket
                    .send(&ClientFrame::Watch {
                        rooms: vec![cursor],
                        epoch: None,
                    })
                    .await?;
                socket.send(&ClientFrame::Enter { room_id: room }).await?;
                tokio::time::sleep_until(deadline).await;
                drop(socket);
            }
            Attack::All => {}
        }
        Ok(())
    }
}
