//! Nobody is put in a room without saying yes, anyone can leave a group, and anyone can
//! shut a person out: the stories of `server::store::consent`, over real HTTP and sockets.

mod support;

use std::time::Duration;

use parlor::protocol::{ErrorCode, ServerFrame};
use support::{msg_id, Person, TestServer};

fn names(list: &serde_json::Value) -> Vec<String> {
    list.as_array()
        .expect("a list")
        .iter()
        .filter_map(|r| {
            r["name"]
                .as_str()
                .or(r["room_name"].as_str())
                .map(str::to_owned)
        })
        .collect()
}

#[tokio::test]
async fn an_invitation_waits_until_bob_accepts_and_he_can_leave_again() {
    let server = TestServer::start().await;
    let alice = Person::sign_up(&server, "alice").await;
    let bob = Person::sign_up(&server, "bob").await;
    let room = alice.create_room(&server, "team", false).await;
    let room_id = room.to_string();

    let invited = alice
        .call(
            &server,
            "invite",
            &[("room_id", &room_id), ("username", "bob")],
        )
        .await;
    assert_eq!(invited.status, 200, "{}", invited.body);
    // Bob is not in the room yet: he sees an invitation, not the room.
    assert!(names(&bob.call(&server, "list_rooms", &[]).await.json()).is_empty());
    let waiting = bob.call(&server, "invitations", &[]).await.json();
    assert_eq!(names(&waiting), ["team"]);
    assert_eq!(waiting[0]["invited_by"], "alice");
    let load = bob
        .call(&server, "load_room", &[("room_id", &room_id)])
        .await;
    assert_eq!(load.status, 404);

    let accepted = bob
        .call(
            &server,
            "answer_invitation",
            &[("room_id", &room_id), ("accept", "true")],
        )
        .await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    assert_eq!(
        names(&bob.call(&server, "list_rooms", &[]).await.json()),
        ["team"]
    );
    assert!(names(&bob.call(&server, "invitations", &[]).await.json()).is_empty());

    // Bob watches, then leaves: his socket hears nothing more from the room.
    let mut a = alice.connect(&server).await;
    let mut b = bob.connect(&server).await;
    a.watch(room, 0).await;
    b.watch(room, 0).await;
    let left = bob
        .call(&server, "leave_room", &[("room_id", &room_id)])
        .await;
    assert_eq!(left.status, 200, "{}", left.body);
    a.say(room, &msg_id(1), "are you still here?").await;
    let heard = b.frames_for(Duration::from_millis(400)).await;
    assert!(
        heard.contains(&ServerFrame::Reset {
            room_id: room,
            reason: parlor::protocol::ResetReason::NotMember
        }),
        "the socket is told: {heard:?}"
    );
    assert!(
        !heard.iter().any(|f| matches!(f, ServerFrame::Message(_))),
        "{heard:?}"
    );
    match b.say(room, &msg_id(2), "I left").await {
        // The socket forgot the room when it was told.
        ServerFrame::Error { code, .. } => assert_eq!(code, ErrorCode::NotWatching),
        other => panic!("a member who left posted: {other:?}"),
    }
    server.stop().await;
}

#[tokio::test]
async fn a_declined_invitation_leaves_no_trace() {
    let server = TestServer::start().await;
    let alice = Person::sign_up(&server, "alice").await;
    let bob = Person::sign_up(&server, "bob").await;
    let room = alice.create_room(&server, "team", false).await.to_string();
    alice
        .call(
            &server,
            "invite",
            &[("room_id", &room), ("username", "bob")],
        )
        .await;
    let declined = bob
        .call(
            &server,
            "answer_invitation",
            &[("room_id", &room), ("accept", "false")],
        )
        .await;
    assert_eq!(declined.status, 200);
    assert!(names(&bob.call(&server, "invitations", &[]).await.json()).is_empty());
    let again = bob
        .call(
            &server,
            "answer_invitation",
            &[("room_id", &room), ("accept", "true")],
        )
        .await;
    assert_eq!(again.status, 404, "nothing left to accept");
    assert!(names(&bob.call(&server, "list_rooms", &[]).await.json()).is_empty());
    server.stop().await;
}

#[tokio::test]
async fn a_direct_room_appears_to_the_other_person_with_its_first_message() {
    let server = TestServer::start().await;
    let alice = Person::sign_up(&server, "alice").await;
    let bob = Person::sign_up(&server, "bob").await;
    let room = alice.open_direct(&server, "bob").await;
    assert_eq!(
        names(&alice.call(&server, "list_rooms", &[]).await.json()),
        ["bob"]
    );
    assert!(
        names(&bob.call(&server, "list_rooms", &[]).await.json()).is_empty(),
        "looking Bob up puts nothing in his list"
    );
    let mut a = alice.connect(&server).await;
    a.watch(room, 0).await;
    a.say(room, &msg_id(1), "hi Bob").await;
    assert_eq!(
        names(&bob.call(&server, "list_rooms", &[]).await.json()),
        ["alice"]
    );
    server.stop().await;
}

#[tokio::test]
async fn a_blocked_user_cannot_message_invite_or_find_the_blocker() {
    let server = TestServer::start().await;
    let alice = Person::sign_up(&server, "alice").await;
    let mallory = Person::sign_up(&server, "mallory").await;
    let room = mallory.open_direct(&server, "alice").await;
    let mut m = mallory.connect(&server).await;
    m.watch(room, 0).await;
    assert!(matches!(
        m.say(room, &msg_id(1), "hello").await,
        ServerFrame::Ack(_)
    ));

    let blocked = alice
        .call(
            &server,
            "block_user",
            &[("username", "mallory"), ("block", "true")],
        )
        .await;
    assert_eq!(blocked.status, 200, "{}", blocked.body);
    match m.say(room, &msg_id(2), "hello??").await {
        ServerFrame::Error { code, .. } => assert_eq!(code, ErrorCode::NotMember),
        other => panic!("a blocked user's message got through: {other:?}"),
    }
    let found = mallory
        .call(&server, "open_direct", &[("username", "alice")])
        .await;
    assert_eq!(found.status, 404);
    assert_eq!(found.json()["code"], "user_not_found");
    let group = mallory
        .create_room(&server, "trap", false)
        .await
        .to_string();
    let invite = mallory
        .call(
            &server,
            "invite",
            &[("room_id", &group), ("username", "alice")],
        )
        .await;
    assert_eq!(invite.status, 404);
    assert!(names(&alice.call(&server, "invitations", &[]).await.json()).is_empty());
    // Nobody is invited into a direct room.
    Person::sign_up(&server, "bob").await;
    let direct = room.to_string();
    let into_direct = mallory
        .call(
            &server,
            "invite",
            &[("room_id", &direct), ("username", "bob")],
        )
        .await;
    assert_eq!(into_direct.status, 403, "{}", into_direct.body);

    // Alice's list says she blocked him; unblocking lets him write again.
    let listed = alice.call(&server, "list_rooms", &[]).await.json();
    assert_eq!(listed[0]["peer_username"], "mallory");
    assert_eq!(listed[0]["peer_blocked"], true);
    alice
        .call(
            &server,
            "block_user",
            &[("username", "mallory"), ("block", "false")],
        )
        .await;
    assert!(matches!(
        m.say(room, &msg_id(3), "sorry").await,
        ServerFrame::Ack(_)
    ));
    server.stop().await;
}
