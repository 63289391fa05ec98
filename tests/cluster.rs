//! Two nodes on one PostgreSQL and one Redis, over real sockets: people on different nodes
//! chat, see each other's presence and typing, and every watcher on either node sees the
//! same rows, in `seq` order, each once, while both nodes write into one room with retries
//! that cross them.

mod support;

use std::collections::HashMap;
use std::time::Duration;

use parlor::protocol::{Ack, ClientFrame, Message, RoomId, Seq, ServerFrame};
use support::cluster::Meeting;
use support::{msg_id, Person, Socket, TestServer};

/// What one socket has received of each room: every row must be the room's next `seq`.
#[derive(Default)]
struct Seen(HashMap<RoomId, Seq>);

impl Seen {
    /// Reads `socket` until it has `room` up to `last`; returns the rows of `room` that
    /// arrived meanwhile. Any row of any room that is not that room's next `seq` (out of
    /// order, or doubled) fails the test.
    async fn until(&mut self, socket: &mut Socket, room: RoomId, last: Seq) -> Vec<Message> {
        let mut rows = Vec::new();
        while self.0.get(&room).copied().unwrap_or(0) < last {
            if let ServerFrame::Message(m) = socket.next_content().await {
                let before = self.0.entry(m.room_id).or_insert(0);
                assert_eq!(m.seq, *before + 1, "out of order or doubled: {m:?}");
                *before = m.seq;
                if m.room_id == room {
                    rows.push(m);
                }
            }
        }
        rows
    }

    /// Sends a message and returns its ack, checking every row that arrives meanwhile.
    async fn say(&mut self, socket: &mut Socket, room: RoomId, id: &str, body: &str) -> Ack {
        socket
            .send(&ClientFrame::Send {
                room_id: room,
                client_msg_id: id.to_owned(),
                body: body.to_owned(),
                reply_to: None,
            })
            .await;
        loop {
            match socket.next_content().await {
                ServerFrame::Ack(ack) if ack.client_msg_id == id => return ack,
                ServerFrame::Message(m) => {
                    let before = self.0.entry(m.room_id).or_insert(0);
                    assert_eq!(m.seq, *before + 1, "out of order or doubled: {m:?}");
                    *before = m.seq;
                }
                ServerFrame::Error { .. } => panic!("refused: {id}"),
                _ => {}
            }
        }
    }
}

/// Waits until `socket`'s presence of `room` is exactly `users` (sorted).
async fn presence_becomes(socket: &mut Socket, room: RoomId, mut users: Vec<i64>) {
    users.sort_unstable();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let mut online = socket.presence(room).await;
        online.sort_unstable();
        if online == users {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "presence stayed {online:?}, expected {users:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_on_two_nodes_chat_as_on_one() {
    let meeting = Meeting::shared().await;
    let (a_node, _a) = meeting.node("a").await;
    let (b_node, _b) = meeting.node("b").await;
    let alice = Person::sign_up(&a_node, "alice").await;
    let bob = Person::sign_up(&b_node, "bob").await;
    let room = alice.open_direct(&a_node, "bob").await;
    let mut a = alice.connect(&a_node).await;
    let mut b = bob.connect(&b_node).await;
    a.watch(room, 0).await;
    b.watch(room, 0).await;
    let (mut seen_by_a, mut seen_by_b) = (Seen::default(), Seen::default());

    // Presence: each sees both, one entry each, whichever node they are on.
    a.send(&ClientFrame::Enter { room_id: room }).await;
    b.send(&ClientFrame::Enter { room_id: room }).await;
    let (alice_id, bob_id) = (a.user_id, b.user_id);
    presence_becomes(&mut a, room, vec![alice_id, bob_id]).await;
    presence_becomes(&mut b, room, vec![alice_id, bob_id]).await;

    // Messages both ways, each once, in seq order.
    for (k, from_a) in [true, false, true].into_iter().enumerate() {
        let (id, body) = (msg_id(k as u64), format!("hello {k}"));
        let ack = if from_a {
            seen_by_a.say(&mut a, room, &id, &body).await
        } else {
            seen_by_b.say(&mut b, room, &id, &body).await
        };
        assert_eq!(ack.seq, k as i64 + 1);
        for (socket, seen) in [(&mut a, &mut seen_by_a), (&mut b, &mut seen_by_b)] {
            seen.until(socket, room, ack.seq).await;
        }
    }

    // Typing crosses nodes.
    b.send(&ClientFrame::Typing { room_id: room }).await;
    for socket in [&mut a, &mut b] {
        loop {
            if let ServerFrame::Typing { user_id, .. } = socket.next_content().await {
                assert_eq!(user_id, bob_id);
                break;
            }
        }
    }

    // A group room: Bob joins on his node, both write, both see the same sequence.
    let group = alice.create_room(&a_node, "both nodes", true).await;
    let joined = bob
        .call(&b_node, "join_room", &[("room_id", &group.to_string())])
        .await;
    assert_eq!(joined.status, 200, "join: {}", joined.body);
    a.watch(group, 0).await;
    b.watch(group, 0).await;
    let mut acked = Vec::new();
    for k in 0..10u64 {
        let (id, body) = (msg_id(100 + k), format!("g{k}"));
        let ack = if k % 2 == 0 {
            seen_by_a.say(&mut a, group, &id, &body).await
        } else {
            seen_by_b.say(&mut b, group, &id, &body).await
        };
        acked.push((ack.seq, ack.id));
    }
    seen_by_a.until(&mut a, group, 10).await;
    seen_by_b.until(&mut b, group, 10).await;
    let expected: Vec<(Seq, i64)> = (1..=10).zip(acked.iter().map(|a| a.1)).collect();
    assert_eq!(acked, expected, "acks in send order take the next seqs");

    // Alice opens the room in a second tab, on node B: still one entry for her on both
    // nodes. Her tab on A leaves: she is still present (through B). Her tab on B leaves
    // too: now she is gone everywhere.
    let mut a2 = alice.connect(&b_node).await;
    a2.watch(room, 0).await;
    a2.send(&ClientFrame::Enter { room_id: room }).await;
    presence_becomes(&mut a2, room, vec![alice_id, bob_id]).await;
    a.send(&ClientFrame::Exit { room_id: room }).await;
    let quiet = b.frames_for(Duration::from_millis(1500)).await;
    for frame in &quiet {
        if let ServerFrame::Presence { room_id, online } = frame {
            if *room_id == room {
                let ids: Vec<i64> = online.iter().map(|u| u.user_id).collect();
                assert!(
                    ids.contains(&alice_id),
                    "Alice dropped out while a tab is open: {ids:?}"
                );
            }
        }
    }
    a2.send(&ClientFrame::Exit { room_id: room }).await;
    presence_becomes(&mut b, room, vec![bob_id]).await;

    // Signing out on node A closes Alice's socket on node B (4001).
    let mut a_on_b = alice.connect(&b_node).await;
    let out = alice.call(&a_node, "sign_out", &[]).await;
    assert!(out.status < 400, "sign out: {} {}", out.status, out.body);
    assert_eq!(a_on_b.closed().await, 4001);

    stop(a_node).await;
    stop(b_node).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_write_one_room_at_once_without_holes_or_doubles() {
    const SENDERS: usize = 3;
    const EACH: usize = 30;
    let meeting = Meeting::shared().await;
    let (a_node, _a) = meeting.node("a").await;
    let (b_node, _b) = meeting.node("b").await;
    let nodes = [&a_node, &b_node];
    let owner = Person::sign_up(&a_node, "owner").await;
    let room = owner.create_room(&a_node, "busy", true).await;
    // A watcher on each node.
    let mut watchers = Vec::new();
    for (i, node) in nodes.iter().enumerate() {
        let w = Person::sign_up(node, &format!("watcher{i}")).await;
        w.call(node, "join_room", &[("room_id", &room.to_string())])
            .await;
        let mut s = w.connect(node).await;
        s.watch(room, 0).await;
        watchers.push(s);
    }
    // Senders on both nodes; every third message is also sent, with the same client id,
    // to the other node at the same time (a retry that crossed nodes).
    let mut people = Vec::new();
    for i in 0..SENDERS * 2 {
        let node = nodes[i % 2];
        let p = Person::sign_up(node, &format!("sender{i}")).await;
        p.call(node, "join_room", &[("room_id", &room.to_string())])
            .await;
        people.push((p, i % 2));
    }
    let mut tasks = Vec::new();
    for (i, (person, home)) in people.into_iter().enumerate() {
        let home_addr = nodes[home].addr;
        let other_addr = nodes[1 - home].addr;
        let (home_url, other_url) = (
            format!("http://{home_addr}"),
            format!("http://{other_addr}"),
        );
        tasks.push(tokio::spawn(async move {
            let mut here = Socket::open_at(home_addr, Some(&person.cookie), Some(&home_url))
                .await
                .expect("socket");
            let mut there = Socket::open_at(other_addr, Some(&person.cookie), Some(&other_url))
                .await
                .expect("socket");
            here.watch(room, 0).await;
            there.watch(room, 0).await;
            let mut acks: Vec<(String, i64)> = Vec::new();
            for k in 0..EACH {
                let id = msg_id((i * 1000 + k) as u64);
                let body = format!("{i}:{k}");
                if k % 3 == 0 {
                    let (x, y) =
                        tokio::join!(here.say(room, &id, &body), there.say(room, &id, &body));
                    for answer in [x, y] {
                        let ServerFrame::Ack(ack) = answer else {
                            panic!("no ack: {answer:?}");
                        };
                        acks.push((id.clone(), ack.id));
                    }
                } else {
                    let ServerFrame::Ack(ack) = here.say(room, &id, &body).await else {
                        panic!("no ack");
                    };
                    acks.push((id, ack.id));
                }
            }
            acks
        }));
    }
    let mut acked: HashMap<String, i64> = HashMap::new();
    for task in tasks {
        for (id, row) in task.await.expect("sender") {
            let first = *acked.entry(id.clone()).or_insert(row);
            assert_eq!(first, row, "{id}: two acks name two rows");
        }
    }
    let total = (SENDERS * 2 * EACH) as i64;
    assert_eq!(acked.len() as i64, total);
    let mut orders = Vec::new();
    for w in &mut watchers {
        let rows = Seen::default().until(w, room, total).await;
        assert_eq!(rows.len() as i64, total);
        orders.push(rows.iter().map(|m| m.id).collect::<Vec<_>>());
    }
    assert_eq!(
        orders[0], orders[1],
        "the watchers of the two nodes saw different orders"
    );
    let mut stored: Vec<i64> = acked.values().copied().collect();
    stored.sort_unstable();
    let mut seen = orders[0].clone();
    seen.sort_unstable();
    assert_eq!(
        seen, stored,
        "every acked row, and only those, reached the watchers"
    );
    stop(a_node).await;
    stop(b_node).await;
}

async fn stop(server: TestServer) {
    server.stop().await;
}
