//! The scenarios: open-loop fan-out with latency histograms, durable write throughput, and
//! memory per idle connection.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{stream, FutureExt, StreamExt};
use hdrhistogram::Histogram;
use serde_json::{json, Value};
use tokio::time::Instant;

use crate::client::{self, Event, Receiver, Sender};
use crate::servers::{Kind, Server, Usage};

/// Connections opened at once while setting up.
const CONNECT_PARALLEL: usize = 64;

/// Rooms, members and cookies as the server knows them.
pub struct Population {
    pub rooms: Vec<i64>,
    /// One session cookie per member (Parlor); empty for the peers.
    pub cookies: Vec<String>,
    /// Per room, the last `seq` its publisher had acked in an earlier run on the same
    /// server: the next run's sockets watch from there, as a returning client does. (From 0,
    /// a room past `resume_limit` messages answers `reset`: the rising scenario's "stall"
    /// at 70,000/s was one room crossing 1,000 messages and its 100 sockets not connecting.)
    pub cursors: std::sync::Mutex<std::collections::HashMap<i64, i64>>,
}

impl Population {
    fn cursor(&self, room: i64) -> i64 {
        let cursors = self.cursors.lock().unwrap_or_else(|e| e.into_inner());
        cursors.get(&room).copied().unwrap_or(0)
    }

    fn advance(&self, room: i64, seq: i64) {
        let mut cursors = self.cursors.lock().unwrap_or_else(|e| e.into_inner());
        let at = cursors.entry(room).or_insert(0);
        *at = (*at).max(seq);
    }
}

/// Makes `members` users (through the real sign-up) in `rooms` public rooms on Parlor; the
/// peers need no set-up.
pub async fn populate(server: &Server, rooms: usize, members: usize) -> Population {
    if !server.kind.is_parlor() {
        return Population {
            rooms: (1..=rooms as i64).collect(),
            cookies: Vec::new(),
            cursors: Default::default(),
        };
    }
    let http = reqwest::Client::new();
    let call = |cookie: Option<String>, name: &str, form: String| {
        let mut req = http
            .post(format!("http://{}/api/{name}", server.addr))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json")
            .body(form);
        if let Some(cookie) = cookie {
            req = req.header("cookie", cookie);
        }
        async move { req.send().await.expect("request") }
    };
    let mut cookies = Vec::new();
    for m in 0..members {
        let form = format!("username=bench{m}&display_name=&password=bench-password-{m}");
        let res = call(None, "sign_up", form).await;
        let cookie = res
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(|v| v.split(';').next().unwrap_or_default().to_owned())
            .find(|c| c.starts_with("parlor_session="))
            .expect("session cookie");
        cookies.push(cookie);
    }
    let mut ids = Vec::new();
    for r in 0..rooms {
        let res = call(
            Some(cookies[0].clone()),
            "create_room",
            format!("name=bench{r}&public=on"),
        )
        .await;
        let body = res.text().await.expect("body");
        let id = body.trim().parse();
        ids.push(id.unwrap_or_else(|_| panic!("create_room answered {body:?}, not a room id")));
    }
    let joins = cookies
        .iter()
        .skip(1)
        .flat_map(|c| ids.iter().map(move |r| (c.clone(), *r)));
    stream::iter(joins)
        .for_each_concurrent(CONNECT_PARALLEL, |(cookie, room)| {
            call(Some(cookie), "join_room", format!("room_id={room}")).map(|_| ())
        })
        .await;
    Population {
        rooms: ids,
        cookies,
        cursors: Default::default(),
    }
}

/// An open-loop fan-out run: one publisher per room sends on a fixed schedule; every member
/// records send→receive latency from the scheduled send time (so stalls are not hidden).
pub struct Fanout {
    pub rooms: usize,
    pub members: usize,
    pub rate_per_room: f64,
    pub body_bytes: usize,
    pub warmup: Duration,
    pub measure: Duration,
}

struct Outcome {
    histogram: Histogram<u64>,
    deliveries: u64,
    errors: u64,
    disconnected: bool,
    /// The highest `seq` acked to this member's sends (Parlor's publishers).
    last_acked: i64,
}

pub async fn fanout(server: &Server, population: &Population, s: &Fanout) -> Value {
    let kind = server.kind;
    let plan: Vec<(usize, usize)> = (0..s.rooms)
        .flat_map(|r| (0..s.members).map(move |m| (r, m)))
        .collect();
    let connected: Vec<_> = stream::iter(plan)
        .map(|(r, m)| {
            let cookie = population.cookies.get(m).cloned();
            let room = population.rooms[r];
            let after_seq = population.cursor(room);
            // Member 0 publishes; with several nodes the room's publisher is on node r and
            // its members alternate.
            let addr = server.addr_for(r + m).to_owned();
            async move {
                let connecting = client::connect(kind, &addr, room, cookie.as_deref(), after_seq);
                let connected = tokio::time::timeout(Duration::from_secs(20), connecting)
                    .await
                    .unwrap_or_else(|_| Err("no answer within 20 s".into()));
                ((m == 0).then_some(r), connected)
            }
        })
        .buffer_unordered(CONNECT_PARALLEL)
        .collect()
        .await;
    let mut errors = 0u64;
    let base = Instant::now();
    let start = base + Duration::from_millis(300);
    let measure_from = start + s.warmup;
    let measure_to = measure_from + s.measure;
    let clock = Arc::new(Clock {
        base,
        start,
        measure_from,
        measure_to,
    });
    let mut tasks = Vec::new();
    for (publisher, connection) in connected {
        let Ok((tx, rx)) = connection else {
            errors += 1;
            continue;
        };
        let interval = Duration::from_secs_f64(1.0 / s.rate_per_room);
        // Rooms publish out of phase with each other, as independent people would.
        let role = publisher.map(|r| Publisher {
            interval,
            bytes: s.body_bytes,
            phase: interval.mul_f64(r as f64 / s.rooms as f64),
        });
        let room = publisher.map(|r| population.rooms[r]);
        tasks.push((room, tokio::spawn(member(tx, rx, role, clock.clone()))));
    }
    let before = wait_and_sample(server, measure_from).await;
    let after = wait_and_sample(server, measure_to).await;
    let mut histogram = Histogram::<u64>::new_with_bounds(1, 120_000_000, 3).expect("histogram");
    let (mut deliveries, mut disconnects) = (0u64, 0u64);
    for (room, task) in tasks {
        if let Ok(out) = task.await {
            if let Some(room) = room {
                population.advance(room, out.last_acked);
            }
            histogram.add(&out.histogram).expect("merge");
            deliveries += out.deliveries;
            errors += out.errors;
            disconnects += u64::from(out.disconnected);
        }
    }
    let secs = s.measure.as_secs_f64();
    let offered = s.rooms as f64 * s.rate_per_room * s.members as f64;
    let ms = |q: f64| histogram.value_at_quantile(q) as f64 / 1000.0;
    let per_delivery = |seconds: f64| {
        if deliveries > 0 {
            seconds * 1e6 / deliveries as f64
        } else {
            0.0
        }
    };
    json!({
        "connections": s.rooms * s.members,
        "rooms": s.rooms,
        "members": s.members,
        "offered_deliveries_per_s": offered,
        "deliveries_per_s": deliveries as f64 / secs,
        "p50_ms": ms(0.5),
        "p99_ms": ms(0.99),
        "p999_ms": ms(0.999),
        "max_ms": histogram.max() as f64 / 1000.0,
        "errors": errors,
        "disconnects": disconnects,
        "user_us_per_delivery": per_delivery(after.user_s - before.user_s),
        "sys_us_per_delivery": per_delivery(after.sys_s - before.sys_s),
        "total_us_per_delivery": per_delivery(after.user_s - before.user_s + after.sys_s - before.sys_s),
        "peak_rss_mb": after.peak_rss as f64 / 1048576.0,
    })
}

struct Clock {
    base: Instant,
    /// When publishing starts (the warm-up begins).
    start: Instant,
    measure_from: Instant,
    measure_to: Instant,
}

impl Clock {
    fn nanos(&self, at: Instant) -> u64 {
        at.duration_since(self.base).as_nanos() as u64
    }
}

async fn wait_and_sample(server: &Server, at: Instant) -> Usage {
    tokio::time::sleep_until(at).await;
    server.usage()
}

/// The sending schedule of a room's publisher.
#[derive(Clone, Copy)]
struct Publisher {
    interval: Duration,
    bytes: usize,
    phase: Duration,
}

/// One member: receives and records; the publisher of the room also sends on schedule, from
/// its own task, so that a slow send never stops the reading (and the reading never delays
/// the schedule).
async fn member(
    tx: Sender,
    mut rx: Receiver,
    publish: Option<Publisher>,
    clock: Arc<Clock>,
) -> Outcome {
    let mut out = Outcome {
        histogram: Histogram::new_with_bounds(1, 120_000_000, 3).expect("histogram"),
        deliveries: 0,
        errors: 0,
        disconnected: false,
        last_acked: 0,
    };
    let (from, to) = (
        clock.nanos(clock.measure_from),
        clock.nanos(clock.measure_to),
    );
    let end = clock.measure_to + Duration::from_secs(1);
    let tx = Arc::new(tokio::sync::Mutex::new(tx));
    let sending = publish.map(|p| {
        let (tx, clock) = (tx.clone(), clock.clone());
        tokio::spawn(async move {
            let mut errors = 0u64;
            let mut at = clock.start + p.phase;
            while at < clock.measure_to {
                tokio::time::sleep_until(at).await;
                let body = body(clock.nanos(at), p.bytes);
                let sent =
                    tokio::time::timeout_at(end, async { tx.lock().await.send(&body).await });
                match sent.await {
                    Ok(Ok(())) => {}
                    Ok(Err(_)) => errors += 1,
                    Err(_) => {
                        errors += 1;
                        break;
                    }
                }
                at += p.interval;
            }
            errors
        })
    });
    let mut pongs = 0;
    loop {
        let event = tokio::select! {
            _ = tokio::time::sleep_until(end) => break,
            event = rx.next() => event,
        };
        match event {
            Event::Body(text) => {
                let now = clock.nanos(Instant::now());
                if let Some(sent) = sent_at(&text) {
                    if sent >= from && sent < to {
                        out.histogram
                            .saturating_record(now.saturating_sub(sent) / 1000);
                        out.deliveries += 1;
                    }
                }
            }
            Event::Ack(seq) => out.last_acked = out.last_acked.max(seq),
            Event::Other => {}
            Event::Closed => {
                out.disconnected = true;
                break;
            }
        }
        while pongs < rx.pongs {
            pongs += 1;
            let _ = tx.lock().await.pong().await;
        }
    }
    if let Some(task) = sending {
        out.errors += task.await.unwrap_or(1);
    }
    out
}

/// A message body: `t=<scheduled send time, ns>;` padded to `bytes`.
fn body(sent_ns: u64, bytes: usize) -> String {
    let mut text = format!("t={sent_ns};");
    let pad = bytes.saturating_sub(text.len());
    text.extend(std::iter::repeat_n('x', pad));
    text
}

fn sent_at(body: &str) -> Option<u64> {
    body.strip_prefix("t=")?.split(';').next()?.parse().ok()
}

/// Durable write throughput through the real send path: `senders` sockets, each in its own
/// room, keep `window` messages in flight; acks per second are counted.
pub async fn writes(
    server: &Server,
    population: &Population,
    senders: usize,
    window: usize,
    measure: Duration,
) -> Value {
    let mut tasks = Vec::new();
    let deadline = Instant::now() + Duration::from_millis(500) + measure;
    let counted_from = Instant::now() + Duration::from_millis(500);
    for i in 0..senders {
        let cookie = population
            .cookies
            .get(i % population.cookies.len().max(1))
            .cloned();
        let room = population.rooms[i % population.rooms.len()];
        let addr = server.addr_for(i).to_owned();
        let kind = server.kind;
        tasks.push(tokio::spawn(async move {
            let Ok((mut tx, mut rx)) =
                client::connect(kind, &addr, room, cookie.as_deref(), 0).await
            else {
                return 0u64;
            };
            let (mut in_flight, mut acked) = (0usize, 0u64);
            let text = body(0, 100);
            while Instant::now() < deadline {
                while in_flight < window {
                    if tx.send(&text).await.is_err() {
                        return acked;
                    }
                    in_flight += 1;
                }
                match tokio::time::timeout_at(deadline, rx.next()).await {
                    Ok(Event::Ack(_)) => {
                        in_flight -= 1;
                        if Instant::now() >= counted_from {
                            acked += 1;
                        }
                    }
                    Ok(Event::Closed) | Err(_) => break,
                    Ok(_) => {}
                }
            }
            acked
        }));
    }
    let mut acked = 0;
    for task in tasks {
        acked += task.await.unwrap_or(0);
    }
    json!({
        "senders": senders,
        "window": window,
        "acked_messages_per_s": acked as f64 / measure.as_secs_f64(),
    })
}

/// Server memory per idle connection: `count` sockets that joined a room and then say
/// nothing (Parlor's are signed in and watching).
pub async fn idle(server: &Server, population: &Population, count: usize) -> Value {
    let kind = server.kind;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = server.usage();
    let connections: Vec<_> = stream::iter(0..count)
        .map(|i| {
            let cookie = population
                .cookies
                .get(i % population.cookies.len().max(1))
                .cloned();
            let room = population.rooms[i % population.rooms.len()];
            let addr = server.addr_for(i).to_owned();
            async move { client::connect(kind, &addr, room, cookie.as_deref(), 0).await }
        })
        .buffer_unordered(CONNECT_PARALLEL)
        .collect()
        .await;
    let opened = connections.iter().filter(|c| c.is_ok()).count();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = server.usage();
    drop(connections);
    json!({
        "connections": opened,
        "failed": count - opened,
        "rss_mb": after.rss as f64 / 1048576.0,
        "kb_per_connection": (after.rss.saturating_sub(before.rss)) as f64 / 1024.0 / opened.max(1) as f64,
    })
}

/// Whether a scenario applies to a server (write throughput needs acks: Parlor only).
pub fn applies(scenario: &str, kind: Kind) -> bool {
    scenario != "p3" || kind.is_parlor()
}

/// Server-side query latency in a big room: the latest page and a random scroll-back page,
/// straight from the store, in a database of `messages` messages.
pub async fn store_queries(messages: i64, samples: usize) -> Value {
    use parlor::server::config::Config;
    use parlor::server::store::{NewUser, Store};

    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("big.db").display());
    let config = Config {
        database_url: url.clone(),
        ..Config::default()
    };
    let store = Store::open(&config).await.expect("store");
    let user = store
        .create_user(NewUser {
            username: "writer",
            display_name: "Writer",
            password_hash: "x",
        })
        .await
        .expect("user")
        .expect("new user");
    let room = store
        .create_group(user.id, "big", true)
        .await
        .expect("room");
    let pool = sqlx::SqlitePool::connect(&url).await.expect("pool");
    let filled = Instant::now();
    sqlx::query(
        "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < ?1)
         INSERT INTO messages (room_id, seq, sender_id, client_msg_id, body, created_at)
         SELECT ?2, x, ?3, printf('00000000-0000-4000-8000-%012x', x),
                'message number ' || x || ' of a long history', x FROM n",
    )
    .bind(messages)
    .bind(room)
    .bind(user.id)
    .execute(&pool)
    .await
    .expect("fill");
    sqlx::query("UPDATE rooms SET last_seq = ? WHERE id = ?")
        .bind(messages)
        .bind(room)
        .execute(&pool)
        .await
        .expect("last_seq");
    let fill_s = filled.elapsed().as_secs_f64();
    let mut latest = Histogram::<u64>::new(3).expect("histogram");
    let mut back = Histogram::<u64>::new(3).expect("histogram");
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    for _ in 0..samples {
        let t = Instant::now();
        let page = store.latest(room, 50).await.expect("latest");
        latest.saturating_record(t.elapsed().as_micros() as u64);
        assert_eq!(page.len(), 50);
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let before = 51 + (seed % (messages as u64 - 51)) as i64;
        let t = Instant::now();
        let page = store.before(room, before, 50).await.expect("before");
        back.saturating_record(t.elapsed().as_micros() as u64);
        assert_eq!(page.len(), 50);
    }
    let ms = |h: &Histogram<u64>, q: f64| h.value_at_quantile(q) as f64 / 1000.0;
    json!({
        "messages": messages,
        "fill_s": fill_s,
        "samples": samples,
        "latest_p50_ms": ms(&latest, 0.5),
        "latest_p99_ms": ms(&latest, 0.99),
        "scrollback_p50_ms": ms(&back, 0.5),
        "scrollback_p99_ms": ms(&back, 0.99),
    })
}
