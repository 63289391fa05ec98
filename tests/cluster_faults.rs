//! Faults while traffic flows, on two nodes (real `parlor` processes) over a PostgreSQL and
//! a Redis of the test's own:
//! 1. Redis killed (`kill -9`) and started again;
//! 2. the subscriber connections dropped (`CLIENT KILL TYPE pubsub`);
//! 3. Redis paused (`CLIENT PAUSE`);
//! 4. one node killed (`kill -9`): its people move to the other node;
//! 5. PostgreSQL stopped with `-m immediate` and started again.
//!
//! A sender on each node sends all along, retrying each message (same client id, on any
//! node) until it is acked; a watcher on each node resumes from its cursor whenever its
//! socket ends. After each fault every acked message reaches every watcher, none lost,
//! none doubled, in `seq` order. Printed: the time from the fault's end until a message
//! sent after it is acked and every watcher holds everything acked by then. While Redis is
//! down, `/readyz` says so.

mod support;

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use parlor::protocol::{ClientFrame, RoomCursor, RoomId, Seq, ServerFrame};
use support::cluster::{postgres_database_on, Meeting, Postgres, Redis};
use support::{msg_id, Incoming, Person, ServerProcess, Socket};

/// What the actors saw, shared with the test.
#[derive(Default)]
struct Log {
    /// client id → seq of every acked message.
    acked: HashMap<String, Seq>,
    /// Per watcher, the seqs it received, in order.
    seen: Vec<Vec<Seq>>,
    /// Anything out of order or doubled.
    violations: Vec<String>,
    /// The epoch every socket was greeted with: one, whatever fails (it lives in the
    /// database, not in Redis or a node).
    epochs: HashSet<String>,
}

type Shared = Arc<Mutex<Log>>;
type Nodes = Arc<Mutex<Vec<SocketAddr>>>;

fn lock(log: &Shared) -> std::sync::MutexGuard<'_, Log> {
    log.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A socket on `home` if it is up, else on any live node.
async fn connect(person: &Person, nodes: &Nodes, home: usize, log: &Shared) -> Option<Socket> {
    let addrs = nodes.lock().map(|n| n.clone()).unwrap_or_default();
    for i in 0..addrs.len() {
        let addr = addrs[(home + i) % addrs.len()];
        let origin = format!("http://{addr}");
        if let Ok(s) = Socket::open_at(addr, Some(&person.cookie), Some(&origin)).await {
            lock(log).epochs.insert(s.epoch.clone());
            return Some(s);
        }
    }
    None
}

/// Watches `room` after `after`; `Ok` once caught up (rows of the catch-up go to `on_row`).
async fn watch(
    socket: &mut Socket,
    room: RoomId,
    after: Seq,
    on_row: &mut impl FnMut(Seq),
) -> Result<(), ()> {
    let cursor = RoomCursor {
        room_id: room,
        after_seq: after,
    };
    socket
        .send(&ClientFrame::Watch {
            rooms: vec![cursor],
            epoch: Some(socket.epoch.clone()),
        })
        .await;
    loop {
        match socket.recv_for(Duration::from_secs(3)).await {
            Some(Incoming::Frame(ServerFrame::Message(m))) if m.room_id == room => on_row(m.seq),
            Some(Incoming::Frame(ServerFrame::CaughtUp { .. })) => return Ok(()),
            Some(Incoming::Frame(ServerFrame::Error { .. } | ServerFrame::Reset { .. })) => {
                return Err(())
            }
            Some(Incoming::Frame(_)) => {}
            Some(Incoming::Closed(_)) | None => return Err(()),
        }
    }
}

/// Sends numbered messages until told to stop, each retried until acked.
async fn sender(
    person: Person,
    nodes: Nodes,
    home: usize,
    room: RoomId,
    log: Shared,
    stop: Arc<AtomicBool>,
) {
    let mut socket: Option<Socket> = None;
    let mut k = 0u64;
    while !stop.load(Ordering::Acquire) {
        let id = msg_id(k + 1_000_000 * home as u64);
        let body = format!("{home}:{k}");
        loop {
            if socket.is_none() {
                let Some(mut s) = connect(&person, &nodes, home, &log).await else {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                };
                let latest = lock(&log).acked.values().copied().max().unwrap_or(0);
                if watch(&mut s, room, latest, &mut |_| {}).await.is_err() {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
                socket = Some(s);
            }
            let Some(s) = socket.as_mut() else { continue };
            let frame = ClientFrame::Send {
                room_id: room,
                client_msg_id: id.clone(),
                body: body.clone(),
                reply_to: None,
            };
            if !s.try_send(&frame).await {
                socket = None;
                continue;
            }
            let acked = loop {
                match s.recv_for(Duration::from_secs(2)).await {
                    Some(Incoming::Frame(ServerFrame::Ack(ack))) if ack.client_msg_id == id => {
                        break Some(ack.seq)
                    }
                    Some(Incoming::Frame(ServerFrame::Error { .. })) => break None,
                    Some(Incoming::Frame(_)) => {}
                    Some(Incoming::Closed(_)) | None => {
                        socket = None;
                        break None;
                    }
                }
            };
            match acked {
                Some(seq) => {
                    lock(&log).acked.insert(id.clone(), seq);
                    break;
                }
                None => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
        k += 1;
        tokio::time::sleep(Duration::from_millis(15)).await;
    }
}

/// Receives the room on `home` (or any live node), resuming from its cursor, until told to
/// stop; checks that every row is the next seq.
async fn watcher(
    person: Person,
    nodes: Nodes,
    home: usize,
    me: usize,
    room: RoomId,
    log: Shared,
    stop: Arc<AtomicBool>,
) {
    let mut last: Seq = 0;
    let record = |log: &Shared, last: &mut Seq, seq: Seq| {
        let mut log = lock(log);
        if seq != *last + 1 {
            log.violations
                .push(format!("watcher {me}: got seq {seq} after {}", *last));
        }
        *last = (*last).max(seq);
        log.seen[me].push(seq);
    };
    while !stop.load(Ordering::Acquire) {
        let Some(mut s) = connect(&person, &nodes, home, &log).await else {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        let after = last;
        let mut on_row = |seq| record(&log, &mut last, seq);
        if watch(&mut s, room, after, &mut on_row).await.is_err() {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        }
        while !stop.load(Ordering::Acquire) {
            match s.recv_for(Duration::from_millis(500)).await {
                Some(Incoming::Frame(ServerFrame::Message(m))) if m.room_id == room => {
                    record(&log, &mut last, m.seq);
                }
                Some(Incoming::Closed(_)) => break,
                _ => {}
            }
        }
    }
}

/// Waits until every watcher holds every seq acked up to now; the time it took.
async fn all_delivered(log: &Shared, within: Duration) -> Duration {
    let started = Instant::now();
    let target = lock(log).acked.values().copied().max().unwrap_or(0);
    loop {
        let behind: Vec<Seq> = lock(log)
            .seen
            .iter()
            .map(|s| s.iter().copied().max().unwrap_or(0))
            .filter(|&last| last < target)
            .collect();
        if behind.is_empty() {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < within,
            "watchers stuck at {behind:?}, {target} acked"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// After a fault ends at `healed`: waits until a message sent after it is acked and every
/// watcher holds everything acked by then; the time since `healed`.
async fn recovered(log: &Shared, healed: Instant) -> Duration {
    let mark = lock(log).acked.values().copied().max().unwrap_or(0);
    while lock(log).acked.values().copied().max().unwrap_or(0) <= mark {
        assert!(
            healed.elapsed() < Duration::from_secs(15),
            "no message acked after the fault"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    all_delivered(log, Duration::from_secs(15)).await;
    healed.elapsed()
}

async fn readyz(addr: SocketAddr) -> u16 {
    let url = format!("http://{addr}/readyz");
    match reqwest::get(url).await {
        Ok(r) => r.status().as_u16(),
        Err(_) => 0,
    }
}

/// Polls `/readyz` until it answers `status`.
async fn readyz_becomes(addr: SocketAddr, status: u16) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while readyz(addr).await != status {
        assert!(Instant::now() < deadline, "/readyz never answered {status}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn node_env(meeting: &Meeting, name: &str) -> Vec<(&'static str, String)> {
    let mut env = meeting.env(name);
    env.push(("PARLOR_MESSAGES_PER_SECOND", "100000".into()));
    env.push(("PARLOR_MESSAGE_BURST", "100000".into()));
    env
}

async fn start_node(meeting: &Meeting, name: &str) -> ServerProcess {
    let env = node_env(meeting, name);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    ServerProcess::start(&env).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acked_message_reaches_every_watcher_through_each_fault() {
    let pg = Postgres::start();
    let mut redis = Redis::start();
    let meeting = Meeting {
        database_url: postgres_database_on(&pg.admin_url()).await,
        redis_url: redis.url(),
        prefix: "faults:".into(),
    };
    let a = start_node(&meeting, "a").await;
    let b = start_node(&meeting, "b").await;
    let nodes: Nodes = Arc::new(Mutex::new(vec![a.addr, b.addr]));
    let owner = Person::sign_up_at(a.addr, "owner").await;
    let create = owner
        .call_at(
            a.addr,
            "create_room",
            &[("name", "faults"), ("public", "on")],
        )
        .await;
    let room: RoomId = create.json().as_i64().expect("room id");
    let log: Shared = Arc::default();
    // Senders stop first; watchers once they hold everything acked.
    let (stop_sending, stop_watching) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicBool::new(false)),
    );
    let (mut senders, mut watchers) = (Vec::new(), Vec::new());
    for (i, role) in ["send-a", "send-b", "watch-a", "watch-b"]
        .iter()
        .enumerate()
    {
        let home = i % 2;
        let addr = [a.addr, b.addr][home];
        let person = Person::sign_up_at(addr, role).await;
        let joined = person
            .call_at(addr, "join_room", &[("room_id", &room.to_string())])
            .await;
        assert_eq!(joined.status, 200, "{}", joined.body);
        let (nodes, log) = (nodes.clone(), log.clone());
        if role.starts_with("send") {
            let stop = stop_sending.clone();
            senders.push(tokio::spawn(sender(person, nodes, home, room, log, stop)));
        } else {
            let me = {
                let mut l = lock(&log);
                l.seen.push(Vec::new());
                l.seen.len() - 1
            };
            let stop = stop_watching.clone();
            watchers.push(tokio::spawn(watcher(
                person, nodes, home, me, room, log, stop,
            )));
        }
    }
    let settle = || tokio::time::sleep(Duration::from_millis(800));
    let mut table = vec![
        "| fault | acked during it | recovered after it ended (ms) |".to_owned(),
        "|---|---:|---:|".to_owned(),
    ];
    let mut row = |name: &str, before: usize, log: &Shared, took: Duration| {
        let during = lock(log).acked.len() - before;
        table.push(format!("| {name} | {during} | {} |", took.as_millis()));
    };
    settle().await;
    all_delivered(&log, Duration::from_secs(10)).await;

    // 1. Redis killed, then started again: /readyz says so meanwhile.
    let before = lock(&log).acked.len();
    redis.kill();
    readyz_becomes(a.addr, 503).await;
    settle().await;
    redis.restart();
    let healed = Instant::now();
    readyz_becomes(a.addr, 200).await;
    let took = recovered(&log, healed).await;
    row("Redis kill -9, restart", before, &log, took);

    // 2. The subscriber connections dropped.
    let before = lock(&log).acked.len();
    let killed = redis.cli(&["CLIENT", "KILL", "TYPE", "pubsub"]);
    let healed = Instant::now();
    assert!(
        killed.trim() != "0",
        "no subscriber was connected: {killed}"
    );
    let took = recovered(&log, healed).await;
    row("CLIENT KILL TYPE pubsub", before, &log, took);

    // 3. Redis paused for two seconds.
    let before = lock(&log).acked.len();
    redis.cli(&["CLIENT", "PAUSE", "2000", "ALL"]);
    tokio::time::sleep(Duration::from_millis(2000)).await;
    let healed = Instant::now();
    let took = recovered(&log, healed).await;
    row("CLIENT PAUSE 2000 ALL", before, &log, took);

    // 4. Node b killed: its people move to node a and resume there.
    let before = lock(&log).acked.len();
    nodes.lock().expect("nodes").retain(|&n| n != b.addr);
    let mut b = b;
    b.child.start_kill().expect("kill -9");
    let _ = b.child.wait().await;
    let healed = Instant::now();
    let took = recovered(&log, healed).await;
    row("kill -9 of one node", before, &log, took);

    // 5. PostgreSQL crashed and started again: sends fail retriably meanwhile.
    let before = lock(&log).acked.len();
    pg.crash();
    settle().await;
    pg.up();
    let healed = Instant::now();
    let took = recovered(&log, healed).await;
    row("PostgreSQL stop -m immediate, start", before, &log, took);

    settle().await;
    stop_sending.store(true, Ordering::Release);
    for task in senders {
        task.await.expect("sender");
    }
    all_delivered(&log, Duration::from_secs(10)).await;
    stop_watching.store(true, Ordering::Release);
    for task in watchers {
        task.await.expect("watcher");
    }
    println!("{}", table.join("\n"));

    a.stop().await;
    let log = lock(&log);
    assert!(log.violations.is_empty(), "{:#?}", log.violations);
    assert_eq!(log.epochs.len(), 1, "the epoch changed: {:?}", log.epochs);
    let acked: HashSet<Seq> = log.acked.values().copied().collect();
    assert_eq!(
        acked.len(),
        log.acked.len(),
        "two messages acked with one seq"
    );
    for (i, seen) in log.seen.iter().enumerate() {
        let unique: HashSet<Seq> = seen.iter().copied().collect();
        assert_eq!(unique.len(), seen.len(), "watcher {i} got a row twice");
        let missing: Vec<&Seq> = acked.difference(&unique).collect();
        assert!(missing.is_empty(), "watcher {i} never got {missing:?}");
    }
    println!(
        "{} messages acked; every watcher got each once, in seq order",
        log.acked.len()
    );
    drop(log);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_people_of_a_dead_node_leave_presence_within_three_refreshes() {
    let meeting = Meeting::shared().await;
    let a = start_node(&meeting, "a").await;
    let mut b = start_node(&meeting, "b").await;
    let alice = Person::sign_up_at(a.addr, "alice").await;
    let bob = Person::sign_up_at(b.addr, "bob").await;
    let room = alice
        .call_at(a.addr, "open_direct", &[("username", "bob")])
        .await
        .json()
        .as_i64()
        .expect("room");
    let open = |p: &Person, addr: SocketAddr| {
        let cookie = p.cookie.clone();
        async move {
            let origin = format!("http://{addr}");
            Socket::open_at(addr, Some(&cookie), Some(&origin))
                .await
                .expect("socket")
        }
    };
    let mut on_a = open(&alice, a.addr).await;
    let mut on_b = open(&bob, b.addr).await;
    for s in [&mut on_a, &mut on_b] {
        s.watch(room, 0).await;
        s.send(&ClientFrame::Enter { room_id: room }).await;
    }
    let (alice_id, bob_id) = (on_a.user_id, on_b.user_id);
    let mut both = vec![alice_id, bob_id];
    both.sort_unstable();
    loop {
        let mut online = on_a.presence(room).await;
        online.sort_unstable();
        if online == both {
            break;
        }
    }
    b.child.start_kill().expect("kill -9");
    let _ = b.child.wait().await;
    let killed = Instant::now();
    while on_a.presence(room).await != [alice_id] {}
    let took = killed.elapsed();
    println!(
        "a dead node's user left presence after {} ms (refresh 500 ms)",
        took.as_millis()
    );
    // Three refreshes of 500 ms, one more for the tick that notices, and slack for a
    // loaded machine (the other tests of this file run beside it).
    assert!(took < Duration::from_millis(3500), "took {took:?}");
    a.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_removal_lost_while_redis_was_down_still_reaches_the_other_node() {
    let mut redis = Redis::start();
    let meeting = Meeting {
        redis_url: redis.url(),
        ..Meeting::shared().await
    };
    let (a, _a) = meeting.node("a").await;
    let (b, _b) = meeting.node("b").await;
    let alice = Person::sign_up(&a, "alice").await;
    let bob = Person::sign_up(&b, "bob").await;
    let room = alice.create_room(&a, "private talk", true).await;
    let joined = bob
        .call(&b, "join_room", &[("room_id", &room.to_string())])
        .await;
    assert_eq!(joined.status, 200, "{}", joined.body);
    let mut on_b = bob.connect(&b).await;
    on_b.watch(room, 0).await;
    // Redis goes down; Bob leaves the room through node A, whose publish of the removal is
    // lost. Redis comes back: node B checks its sockets against the store and Bob's socket
    // there loses the room, as the lost frame would have told it.
    redis.kill();
    readyz_becomes(b.addr, 503).await;
    let left = bob
        .call(&a, "leave_room", &[("room_id", &room.to_string())])
        .await;
    assert_eq!(left.status, 200, "{}", left.body);
    redis.restart();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        assert!(
            Instant::now() < deadline,
            "Bob's socket on node B kept the room"
        );
        match on_b.recv_for(Duration::from_millis(500)).await {
            Some(Incoming::Frame(ServerFrame::Reset { room_id, .. })) if room_id == room => break,
            Some(Incoming::Closed(code)) => panic!("closed with {code}"),
            _ => {}
        }
    }
    a.stop().await;
    b.stop().await;
}
