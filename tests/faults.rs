//! Store faults: while another process holds the database's write lock past the busy
//! timeout, or the disk is full (a real 4 MiB tmpfs), a sender gets a clear retriable error
//! and no ack, reads keep working, and writes resume once the fault clears, with
//! `PRAGMA integrity_check` ok.

mod support;

use parlor::protocol::{ErrorCode, RoomId, ServerFrame};
use sqlx::Connection;
use support::{msg_id, Person, Socket, TestServer};

/// Alice and Bob's direct room, Alice's socket watching it, and her message "before" stored
/// while all is well.
async fn opening(server: &TestServer) -> (Person, RoomId, Socket) {
    let alice = Person::sign_up(server, "alice").await;
    Person::sign_up(server, "bob").await;
    let room = alice.open_direct(server, "bob").await;
    let mut a = alice.connect(server).await;
    a.watch(room, 0).await;
    assert!(matches!(
        a.say(room, &msg_id(1), "before").await,
        ServerFrame::Ack(_)
    ));
    (alice, room, a)
}

/// The answer to message `id` is the retriable `store_unavailable`, naming it; not an ack.
fn assert_refused_retriably(answer: &ServerFrame, id: &str) {
    match answer {
        ServerFrame::Error {
            code,
            client_msg_id,
            ..
        } => {
            assert_eq!(*code, ErrorCode::StoreUnavailable);
            assert!(code.is_retriable());
            assert_eq!(client_msg_id.as_deref(), Some(id));
        }
        other => panic!("message {id}: expected store_unavailable, got {other:?}"),
    }
}

/// During the fault, the room's history (which holds "before") still loads and the server
/// still says it is ready.
async fn assert_reads_work(server: &TestServer, reader: &Person, room: RoomId) {
    let page = reader
        .call(server, "load_room", &[("room_id", &room.to_string())])
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("before"));
    let ready = reqwest::get(server.url("/readyz")).await.expect("readyz");
    assert_eq!(ready.status().as_u16(), 200);
}

#[tokio::test]
async fn a_locked_database_refuses_writes_retriably_and_they_resume() {
    let dir = tempfile::tempdir().expect("dir");
    let server = TestServer::start_in(dir.path(), |c| c.busy_timeout_secs = 1).await;
    let (alice, room, mut a) = opening(&server).await;

    // Another process takes the write lock and keeps it.
    let url = format!("sqlite://{}", dir.path().join("parlor.db").display());
    let mut locker = sqlx::SqliteConnection::connect(&url)
        .await
        .expect("connect");
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut locker)
        .await
        .expect("lock");
    sqlx::query("UPDATE rooms SET name = name")
        .execute(&mut locker)
        .await
        .expect("write");

    let id = msg_id(2);
    assert_refused_retriably(&a.say(room, &id, "during").await, &id);
    assert_reads_work(&server, &alice, room).await;

    sqlx::query("ROLLBACK")
        .execute(&mut locker)
        .await
        .expect("unlock");
    let retry = a.say(room, &id, "during").await;
    assert!(
        matches!(&retry, ServerFrame::Ack(ack) if ack.seq == 2),
        "{retry:?}"
    );
    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut locker)
        .await
        .expect("check");
    assert_eq!(check, "ok");
    server.stop().await;
}

/// A small tmpfs mounted on a fresh directory, unmounted when dropped. Mounting needs root
/// (CI runs as root) or password-less sudo.
struct SmallDisk {
    dir: tempfile::TempDir,
    root: bool,
}

impl SmallDisk {
    fn mount(size: &str) -> SmallDisk {
        let dir = tempfile::tempdir().expect("dir");
        // As root (CI) directly; otherwise through password-less sudo, if there is one.
        let root = std::fs::metadata("/proc/self").is_ok_and(|m| {
            use std::os::unix::fs::MetadataExt;
            m.uid() == 0
        });
        let mut command = std::process::Command::new(if root { "mount" } else { "sudo" });
        if !root {
            command.args(["-n", "mount"]);
        }
        let status = command
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .status()
            .expect("run mount");
        assert!(
            status.success(),
            "mounting a {size} tmpfs failed ({status}); this test needs root or sudo"
        );
        SmallDisk { dir, root }
    }

    fn path(&self) -> &std::path::Path {
        self.dir.path()
    }

    /// Writes a file until the disk has no space left.
    fn fill(&self) -> std::path::PathBuf {
        use std::io::Write;
        let path = self.path().join("filler");
        let mut file = std::fs::File::create(&path).expect("filler");
        let chunk = vec![0u8; 4096];
        loop {
            match file.write(&chunk) {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
        let _ = file.flush();
        path
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let mut command = std::process::Command::new(if self.root { "umount" } else { "sudo" });
        if !self.root {
            command.args(["-n", "umount"]);
        }
        let _ = command.arg("-l").arg(self.dir.path()).status();
    }
}

#[tokio::test]
async fn a_full_disk_refuses_writes_retriably_and_they_resume_when_space_returns() {
    let disk = SmallDisk::mount("4m");
    let server = TestServer::start_in(disk.path(), |_| {}).await;
    let (alice, room, mut a) = opening(&server).await;

    let filler = disk.fill();
    // The log may still have room from before; long messages use it up quickly.
    let body = "가".repeat(4000);
    let mut acked = vec![1];
    let first_refused = 'fill: {
        for n in 2..400 {
            let id = msg_id(n);
            match a.say(room, &id, &body).await {
                ServerFrame::Ack(ack) => acked.push(ack.seq),
                refused => break 'fill (id, refused),
            }
        }
        panic!("400 messages of 12 KB fitted on a full 4 MiB disk");
    };
    assert_eq!(acked, (1..=acked.len() as i64).collect::<Vec<_>>());
    // That one and ten more are refused while the disk stays full: each gets the retriable
    // error, with its id, and no ack.
    let mut refused = vec![first_refused];
    for n in 500..510 {
        let id = msg_id(n);
        let answer = a.say(room, &id, &body).await;
        refused.push((id, answer));
    }
    for (id, answer) in &refused {
        assert_refused_retriably(answer, id);
    }
    let failures = support::metrics(server.metrics_addr).await["parlor_commit_failures_total"];
    assert_eq!(failures, refused.len() as f64, "commit failures counted");
    assert_reads_work(&server, &alice, room).await;

    // Space returns; every refused message, sent again with its id, is stored once, in
    // order, right after the rest.
    std::fs::remove_file(&filler).expect("free the disk");
    let mut next = acked.len() as i64;
    for (id, _) in &refused {
        next += 1;
        let retry = a.say(room, id, &body).await;
        assert!(
            matches!(&retry, ServerFrame::Ack(ack) if ack.seq == next),
            "retry of message {id}: {retry:?}"
        );
    }
    server.stop().await;

    let url = format!("sqlite://{}", disk.path().join("parlor.db").display());
    let mut db = sqlx::SqliteConnection::connect(&url)
        .await
        .expect("connect");
    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut db)
        .await
        .expect("check");
    assert_eq!(check, "ok");
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM messages WHERE room_id = ?")
        .bind(room)
        .fetch_one(&mut db)
        .await
        .expect("count");
    assert_eq!(rows, next, "every acked message once, and the retry once");
}
