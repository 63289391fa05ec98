//! A restored backup starts a new epoch, so no client keeps a history the store no longer
//! has. The backup is made with the README's own command (`parlor backup FILE`) while the
//! server runs, and restored both ways the README allows.

mod support;

use std::path::Path;

use parlor::protocol::{ClientFrame, ResetReason, RoomCursor, RoomId, ServerFrame};
use support::{msg_id, Person, Socket, TestServer};

/// Runs the real binary on the database in `dir`: `parlor <args>`.
fn parlor(dir: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_parlor"))
        .args(args)
        .current_dir(dir)
        .env(
            "PARLOR_DATABASE_URL",
            format!("sqlite://{}", dir.join("parlor.db").display()),
        )
        .output()
        .expect("run parlor")
}

async fn say_n(socket: &mut Socket, room: RoomId, from: u64, to: u64) {
    for i in from..=to {
        let answer = socket.say(room, &msg_id(i), &format!("message {i}")).await;
        assert!(matches!(answer, ServerFrame::Ack(_)), "{answer:?}");
    }
}

/// Bob comes back with the cursor and epoch he had; what is he told?
async fn resume(
    server: &TestServer,
    bob: &Person,
    room: RoomId,
    after_seq: i64,
    epoch: &str,
) -> ServerFrame {
    let mut socket = bob.connect(server).await;
    socket
        .send(&ClientFrame::Watch {
            rooms: vec![RoomCursor {
                room_id: room,
                after_seq,
            }],
            epoch: Some(epoch.to_owned()),
        })
        .await;
    match socket.next_content().await {
        ServerFrame::Message(m) => panic!("replayed seq {} from another history", m.seq),
        other => other,
    }
}

#[tokio::test]
async fn a_restored_backup_tells_every_resuming_client_epoch_changed() {
    let tmp = tempfile::tempdir().expect("dir");
    let dir = tmp.path();
    let server = TestServer::start_in(dir, |_| {}).await;
    let alice = Person::sign_up(&server, "alice").await;
    let bob = Person::sign_up(&server, "bob").await;
    let room = alice.open_direct(&server, "bob").await;
    let mut a = alice.connect(&server).await;
    a.watch(room, 0).await;
    say_n(&mut a, room, 1, 5).await;

    // The backup is taken while the server runs, then the room goes on to seq 15.
    let backup = parlor(dir, &["backup", "backup.db"]);
    assert!(
        backup.status.success(),
        "{}",
        String::from_utf8_lossy(&backup.stderr)
    );
    assert!(dir.join("backup.db").exists());
    say_n(&mut a, room, 6, 15).await;
    let mut b = bob.connect(&server).await;
    assert_eq!(b.watch(room, 0).await.len(), 15);
    let old_epoch = b.epoch.clone();

    // No restore over a running server.
    let refused = parlor(dir, &["restore", "backup.db"]);
    assert!(
        !refused.status.success(),
        "a restore under a running server must fail"
    );
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("in use"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    drop((a, b));
    server.stop().await;

    // Restored with `parlor restore`, the room is back at seq 5, and 15 new messages take
    // seqs 6–20: different messages under numbers Bob already holds.
    let restored = parlor(dir, &["restore", "backup.db"]);
    assert!(
        restored.status.success(),
        "{}",
        String::from_utf8_lossy(&restored.stderr)
    );
    let server = TestServer::start_in(dir, |_| {}).await;
    let mut a = alice.connect(&server).await;
    assert_ne!(a.epoch, old_epoch, "a restore starts a new epoch");
    assert_eq!(a.watch(room, 0).await.len(), 5);
    say_n(&mut a, room, 100, 114).await;
    let told = resume(&server, &bob, room, 15, &old_epoch).await;
    assert_eq!(
        told,
        ServerFrame::Reset {
            room_id: room,
            reason: ResetReason::EpochChanged
        }
    );
    let second_epoch = a.epoch.clone();
    drop(a);
    server.stop().await;

    // Copied into place by hand (the server stopped), the backup is still recognised: its
    // mark gives it a new epoch at start-up.
    std::fs::copy(dir.join("backup.db"), dir.join("parlor.db")).expect("copy");
    let server = TestServer::start_in(dir, |_| {}).await;
    let a = alice.connect(&server).await;
    assert_ne!(a.epoch, second_epoch);
    assert_ne!(a.epoch, old_epoch);
    let told = resume(&server, &bob, room, 20, &second_epoch).await;
    assert!(
        matches!(
            told,
            ServerFrame::Reset {
                reason: ResetReason::EpochChanged,
                ..
            }
        ),
        "{told:?}"
    );
    // An ordinary restart keeps the epoch: resuming still works.
    let epoch = a.epoch.clone();
    drop(a);
    server.stop().await;
    let server = TestServer::start_in(dir, |_| {}).await;
    let told = resume(&server, &bob, room, 5, &epoch).await;
    assert!(
        matches!(told, ServerFrame::CaughtUp { last_seq: 5, .. }),
        "{told:?}"
    );
    server.stop().await;
}
