//! Moderation over real sockets (docs/moderation.md): a mute refuses sends until it ends (the
//! test moves the server's clock instead of sleeping), a kick takes the member's sockets out
//! of the room at once and blocks re-entry, a ban keeps out of joins and invitations, roles
//! decide who may act on whom, and every action is in the log and in the sequence that a
//! resuming client replays.

mod support;

use parlor::protocol::{
    ClientFrame, ErrorCode, MessageKind, ModAction, ModEvent, ResetReason, RoomId, ServerFrame,
    UserId,
};
use parlor::server::store::advance_clock_for_tests;
use support::{msg_id, Person, Socket, TestServer};

/// The tests of this file move one process-wide clock: they take turns.
static CLOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

const MINUTE_MS: i64 = 60_000;

/// Sends a `moderate` frame and returns its answer (ack or error).
async fn moderate(
    socket: &mut Socket,
    room_id: RoomId,
    user_id: UserId,
    action: ModAction,
    minutes: Option<u32>,
) -> ServerFrame {
    let id = msg_id(7);
    socket
        .send(&ClientFrame::Moderate {
            room_id,
            client_msg_id: id.clone(),
            user_id,
            action,
            seq: None,
            minutes,
            reason: "flooding the room".into(),
        })
        .await;
    loop {
        match socket.next_content().await {
            ServerFrame::Ack(ack) if ack.client_msg_id == id => return ServerFrame::Ack(ack),
            e @ ServerFrame::Error { .. } => return e,
            _ => continue,
        }
    }
}

fn acked(frame: ServerFrame) {
    assert!(matches!(frame, ServerFrame::Ack(_)), "{frame:?}");
}

fn refused(frame: ServerFrame) -> (ErrorCode, Option<i64>) {
    match frame {
        ServerFrame::Error { code, until, .. } => (code, until),
        other => panic!("not refused: {other:?}"),
    }
}

async fn join(server: &TestServer, who: &Person, room: RoomId) -> u16 {
    let room = room.to_string();
    who.call(server, "join_room", &[("room_id", &room)])
        .await
        .status
}

/// Ann's public room with Bob in it, both watching.
async fn lobby(server: &TestServer) -> (Person, Person, RoomId, Socket, Socket) {
    let ann = Person::sign_up(server, "ann").await;
    let bob = Person::sign_up(server, "bob").await;
    let room = ann.create_room(server, "lobby", true).await;
    let joined = bob
        .call(server, "join_room", &[("room_id", &room.to_string())])
        .await;
    assert_eq!(joined.status, 200, "{}", joined.body);
    let mut a = ann.connect(server).await;
    let mut b = bob.connect(server).await;
    a.watch(room, 0).await;
    b.watch(room, 0).await;
    (ann, bob, room, a, b)
}

#[tokio::test]
async fn a_muted_member_is_refused_with_the_end_and_sends_again_after_it() {
    let _clock = CLOCK.lock().await;
    let server = TestServer::start().await;
    let (_ann, _bob, room, mut a, mut b) = lobby(&server).await;
    acked(moderate(&mut a, room, b.user_id, ModAction::Mute, Some(10)).await);
    let (code, until) = refused(b.say(room, &msg_id(1), "still here").await);
    assert_eq!(code, ErrorCode::Muted);
    let until = until.expect("the mute's end");
    let db = server.db().await;
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM messages WHERE kind = 'message'")
        .fetch_one(&db)
        .await
        .expect("count");
    assert_eq!(stored, 0, "a muted send is not stored");
    // Ten minutes later (moved, not slept), the mute is over.
    advance_clock_for_tests(10 * MINUTE_MS + 1_000);
    assert!(parlor::server::store::now_ms() > until);
    acked(b.say(room, &msg_id(2), "back").await);
}

#[tokio::test]
async fn a_kicked_member_leaves_the_room_at_once_and_waits_longer_each_time() {
    let _clock = CLOCK.lock().await;
    let server = TestServer::start().await;
    let (_ann, bob, room, mut a, mut b) = lobby(&server).await;
    let bob_id = b.user_id;
    acked(moderate(&mut a, room, bob_id, ModAction::Kick, None).await);
    // Bob's socket gets the row that says why, then leaves the room.
    let mut told = false;
    loop {
        match b.next_content().await {
            ServerFrame::Message(m) if m.kind == MessageKind::Moderation => {
                let event = ModEvent::parse(&m.body).expect("event");
                assert_eq!((event.action, event.user_id), (ModAction::Kick, bob_id));
                assert_eq!(event.reason, "flooding the room");
                told = true;
            }
            ServerFrame::Reset { room_id, reason } => {
                assert_eq!((room_id, reason), (room, ResetReason::NotMember));
                break;
            }
            _ => continue,
        }
    }
    assert!(told, "the kick's row came before the reset");
    acked(a.say(room, &msg_id(3), "after the kick").await);
    let after = b.frames_for(std::time::Duration::from_millis(300)).await;
    assert!(
        !after
            .iter()
            .any(|f| matches!(f, ServerFrame::Message(m) if m.room_id == room)),
        "{after:?}"
    );
    assert_eq!(join(&server, &bob, room).await, 403, "blocked for a minute");
    advance_clock_for_tests(MINUTE_MS + 1_000);
    assert_eq!(join(&server, &bob, room).await, 200);
    // The second kick blocks for five minutes.
    acked(moderate(&mut a, room, bob_id, ModAction::Kick, None).await);
    advance_clock_for_tests(MINUTE_MS + 1_000);
    assert_eq!(
        join(&server, &bob, room).await,
        403,
        "five minutes the second time"
    );
    advance_clock_for_tests(4 * MINUTE_MS);
    assert_eq!(join(&server, &bob, room).await, 200);
}

#[tokio::test]
async fn a_ban_keeps_out_of_joins_and_invitations_until_it_is_lifted() {
    let _clock = CLOCK.lock().await;
    let server = TestServer::start().await;
    let (ann, bob, room, mut a, b) = lobby(&server).await;
    acked(moderate(&mut a, room, b.user_id, ModAction::Ban, None).await);
    let room_id = room.to_string();
    // Two hours on, far past any kick's block: a ban without an end still holds.
    advance_clock_for_tests(120 * MINUTE_MS);
    let join = bob
        .call(&server, "join_room", &[("room_id", &room_id)])
        .await;
    assert_eq!(join.status, 403, "{}", join.body);
    let invite = ann
        .call(
            &server,
            "invite",
            &[("room_id", &room_id), ("username", "bob")],
        )
        .await;
    assert_eq!(invite.status, 403, "{}", invite.body);
    acked(moderate(&mut a, room, b.user_id, ModAction::Unban, None).await);
    let invite = ann
        .call(
            &server,
            "invite",
            &[("room_id", &room_id), ("username", "bob")],
        )
        .await;
    assert_eq!(invite.status, 200, "{}", invite.body);
}

#[tokio::test]
async fn roles_decide_who_acts_and_every_action_is_logged_and_replayed() {
    let _clock = CLOCK.lock().await;
    let server = TestServer::start().await;
    let (ann, _bob, room, mut a, mut b) = lobby(&server).await;
    let cy = Person::sign_up(&server, "cyrus").await;
    let joined = cy
        .call(&server, "join_room", &[("room_id", &room.to_string())])
        .await;
    assert_eq!(joined.status, 200);
    let mut c = cy.connect(&server).await;
    c.watch(room, 0).await;
    let (ann_id, bob_id, cy_id) = (a.user_id, b.user_id, c.user_id);
    // A member may not act; the owner makes Bob a moderator.
    assert_eq!(
        refused(moderate(&mut b, room, cy_id, ModAction::Mute, Some(5)).await).0,
        ErrorCode::NotAllowed
    );
    acked(moderate(&mut a, room, bob_id, ModAction::Promote, None).await);
    // A moderator acts on a member, never on the owner.
    acked(moderate(&mut b, room, cy_id, ModAction::Mute, Some(5)).await);
    for action in [
        ModAction::Mute,
        ModAction::Kick,
        ModAction::Ban,
        ModAction::Demote,
    ] {
        let (code, _) = refused(moderate(&mut b, room, ann_id, action, Some(5)).await);
        assert_eq!(code, ErrorCode::NotAllowed, "{action:?}");
    }
    // The log, for the room's moderators only.
    let log = ann
        .call(&server, "moderation_log", &[("room_id", &room.to_string())])
        .await;
    assert_eq!(log.status, 200, "{}", log.body);
    let lines = log.json();
    let actions: Vec<&str> = lines
        .as_array()
        .expect("lines")
        .iter()
        .filter_map(|l| l["action"].as_str())
        .collect();
    assert_eq!(actions, ["mute", "promote"]);
    assert_eq!(lines[0]["actor_name"], "bob");
    assert_eq!(lines[0]["reason"], "flooding the room");
    let not_theirs = cy
        .call(&server, "moderation_log", &[("room_id", &room.to_string())])
        .await;
    assert_eq!(not_theirs.status, 403);
    // A client that resumes from the start replays both actions, in seq order.
    let mut again = cy.connect(&server).await;
    let replayed: Vec<ModEvent> = again
        .watch(room, 0)
        .await
        .into_iter()
        .filter(|m| m.kind == MessageKind::Moderation)
        .filter_map(|m| ModEvent::parse(&m.body))
        .collect();
    let seen: Vec<(ModAction, UserId)> = replayed.iter().map(|e| (e.action, e.user_id)).collect();
    assert_eq!(
        seen,
        [(ModAction::Promote, bob_id), (ModAction::Mute, cy_id)]
    );
}

#[tokio::test]
async fn a_read_only_room_refuses_members_and_accepts_moderators() {
    let server = TestServer::start().await;
    let (_ann, bob, room, mut a, mut b) = lobby(&server).await;
    acked(moderate(&mut a, room, 0, ModAction::ReadOnly, None).await);
    let refusal = b.say(room, &msg_id(1), "may I?").await;
    assert_eq!(refused(refusal).0, ErrorCode::ReadOnly);
    let page = bob
        .call(&server, "load_room", &[("room_id", &room.to_string())])
        .await;
    assert_eq!(page.json()["read_only"], true, "{}", page.body);
    acked(a.say(room, &msg_id(2), "announcements only").await);
    // The member still reads it, and the moderator's next action opens the room.
    loop {
        match b.next_content().await {
            ServerFrame::Message(m) if m.body == "announcements only" => break,
            _ => continue,
        }
    }
    acked(moderate(&mut a, room, 0, ModAction::ReadWrite, None).await);
    acked(b.say(room, &msg_id(3), "thanks").await);
}

#[tokio::test]
async fn a_muted_member_types_to_nobody() {
    let _clock = CLOCK.lock().await;
    let server = TestServer::start().await;
    let (_ann, bob, room, mut a, mut b) = lobby(&server).await;
    let bob_id = b.user_id;
    acked(moderate(&mut a, room, bob_id, ModAction::Mute, Some(10)).await);
    b.send(&ClientFrame::Typing { room_id: room }).await;
    let heard = async {
        loop {
            if let ServerFrame::Typing { user_id, .. } = a.next().await {
                return user_id;
            }
        }
    };
    let quiet = tokio::time::timeout(std::time::Duration::from_millis(700), heard).await;
    assert!(quiet.is_err(), "a muted member's typing was passed on");
    // Unmuted (a new socket: typing notices are spaced per socket), it is passed on again.
    acked(moderate(&mut a, room, bob_id, ModAction::Unmute, None).await);
    let mut b2 = bob.connect(&server).await;
    b2.watch(room, 0).await;
    b2.send(&ClientFrame::Typing { room_id: room }).await;
    loop {
        if let ServerFrame::Typing { user_id, .. } = a.next().await {
            assert_eq!(user_id, bob_id);
            break;
        }
    }
}
