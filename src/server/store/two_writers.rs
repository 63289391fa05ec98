//! Two stores on one database, as two nodes have, writing into the same rooms at once: the
//! per-room `seq` stays gap-free and every (sender, `client_msg_id`) is stored once, even
//! when its retry goes to the other node while the first attempt is still in flight.

use std::collections::{BTreeMap, HashMap};

use super::testing::pair;
use super::{test_user, Action, Backend, SendOutcome, SendRequest, Store};
use crate::protocol::{RoomId, UserId};

const SENDERS: usize = 6;
const MESSAGES: usize = 40;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite() {
    let (a, b, _dir) = pair(Backend::Sqlite).await;
    two_nodes_write_one_room(a, b).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres() {
    let (a, b, _dir) = pair(Backend::Postgres).await;
    two_nodes_write_one_room(a, b).await;
}

async fn two_nodes_write_one_room(a: Store, b: Store) {
    let mut senders: Vec<UserId> = Vec::new();
    for i in 0..SENDERS {
        senders.push(test_user(&a, &format!("s{i}")).await);
    }
    let rooms: Vec<RoomId> = vec![
        a.create_group(senders[0], "one", true).await.expect("room"),
        a.create_group(senders[0], "two", true).await.expect("room"),
    ];
    for &room in &rooms {
        for &s in &senders {
            b.join_public(s, room).await.expect("join");
        }
    }
    // Each sender sends MESSAGES messages, alternating rooms; every third one is sent to
    // both nodes at once (a retry that crossed nodes), every message in a batch of one to
    // three with the sender's next ones.
    let mut tasks = Vec::new();
    for (i, &sender) in senders.iter().enumerate() {
        let (a, b, rooms) = (a.clone(), b.clone(), rooms.clone());
        tasks.push(tokio::spawn(async move {
            let mut outcomes: Vec<(String, SendOutcome)> = Vec::new();
            let request = |k: usize| SendRequest {
                room_id: rooms[k % rooms.len()],
                sender_id: sender,
                sender_name: String::new(),
                sender_username: String::new(),
                client_msg_id: format!("{sender}-{k}"),
                action: Action::post(format!("message {k} of {sender}"), None),
            };
            let mut k = 0;
            while k < MESSAGES {
                let size = 1 + (k + i) % 3;
                let batch: Vec<SendRequest> = (k..(k + size).min(MESSAGES)).map(request).collect();
                k += batch.len();
                let (first, second) = if k % 2 == 0 { (&a, &b) } else { (&b, &a) };
                if k % 3 == 0 {
                    let (x, y) =
                        tokio::join!(first.write_batch(&batch), second.write_batch(&batch));
                    for out in [x, y] {
                        let out = out.expect("commit");
                        outcomes.extend(batch.iter().map(|r| r.client_msg_id.clone()).zip(out));
                    }
                } else {
                    let out = first.write_batch(&batch).await.expect("commit");
                    outcomes.extend(batch.iter().map(|r| r.client_msg_id.clone()).zip(out));
                }
            }
            outcomes
        }));
    }
    let mut answered: HashMap<String, i64> = HashMap::new();
    for task in tasks {
        for (cmid, outcome) in task.await.expect("sender") {
            let message = match outcome {
                SendOutcome::Stored(m) | SendOutcome::Duplicate(m) => m,
                SendOutcome::NotMember => panic!("{cmid}: refused as a non-member"),
                SendOutcome::Refused(code) => panic!("{cmid}: refused: {code:?}"),
                SendOutcome::Muted(until) => panic!("{cmid}: muted until {until}"),
                SendOutcome::Reported(_) => panic!("{cmid}: counted as a report"),
            };
            // Both answers to a crossed retry name the same stored row.
            let id = *answered.entry(cmid.clone()).or_insert(message.id);
            assert_eq!(
                id, message.id,
                "{cmid} was answered with two different rows"
            );
        }
    }
    assert_eq!(answered.len(), SENDERS * MESSAGES);
    let mut stored: BTreeMap<String, i64> = BTreeMap::new();
    for &room in &rooms {
        let rows = b.after(room, 0, 10_000).await.expect("read");
        let seqs: Vec<i64> = rows.iter().map(|m| m.seq).collect();
        let expected: Vec<i64> = (1..=rows.len() as i64).collect();
        assert_eq!(seqs, expected, "room {room}: seqs with a hole or a repeat");
        assert_eq!(a.last_seq(room).await.expect("read"), rows.len() as i64);
        for m in rows {
            assert!(
                stored.insert(m.client_msg_id.clone(), m.id).is_none(),
                "{} stored twice",
                m.client_msg_id
            );
        }
    }
    assert_eq!(stored.len(), SENDERS * MESSAGES, "a message went missing");
    for (cmid, id) in &answered {
        assert_eq!(
            stored.get(cmid),
            Some(id),
            "{cmid}: the ack names another row"
        );
    }
}
