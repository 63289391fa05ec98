//! Reports over real HTTP and sockets (docs/moderation.md): one per member per message, the
//! report that reaches `report_threshold` hides the message for everyone at once and on
//! every load after, the moderators' inbox shows it with its count, and a moderator's
//! restore brings it back.

mod support;

use parlor::protocol::{ClientFrame, MessageKind, ModAction, ModEvent, RoomId, Seq, ServerFrame};
use support::{msg_id, Answer, Person, Socket, TestServer};

async fn report(server: &TestServer, who: &Person, room: RoomId, seq: Seq) -> Answer {
    let (room, seq) = (room.to_string(), seq.to_string());
    who.call(
        server,
        "report_message",
        &[("room_id", &room), ("seq", &seq), ("reason", "spam link")],
    )
    .await
}

/// The message `seq` as `who`'s page of the room shows it now (a reload).
async fn on_page(server: &TestServer, who: &Person, room: RoomId, seq: Seq) -> serde_json::Value {
    let page = who
        .call(server, "load_room", &[("room_id", &room.to_string())])
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    let page = page.json();
    page["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .find(|m| m["seq"] == seq)
        .cloned()
        .expect("on the page")
}

/// The next `moderation` row `socket` receives.
async fn next_event(socket: &mut Socket) -> parlor::protocol::Message {
    loop {
        if let ServerFrame::Message(m) = socket.next_content().await {
            if m.kind == MessageKind::Moderation {
                return m;
            }
        }
    }
}

#[tokio::test]
async fn the_threshold_hides_a_message_for_everyone_and_across_reloads() {
    let tmp = tempfile::tempdir().expect("dir");
    let server = TestServer::start_in(tmp.path(), |c| c.report_threshold = 2).await;
    let ann = Person::sign_up(&server, "ann").await;
    let room = ann.create_room(&server, "lobby", true).await;
    let mut people = Vec::new();
    for name in ["bob", "cyrus", "dan"] {
        let p = Person::sign_up(&server, name).await;
        let joined = p
            .call(&server, "join_room", &[("room_id", &room.to_string())])
            .await;
        assert_eq!(joined.status, 200, "{}", joined.body);
        people.push(p);
    }
    let (bob, cy, dan) = (&people[0], &people[1], &people[2]);
    let mut a = ann.connect(&server).await;
    a.watch(room, 0).await;
    let mut b = bob.connect(&server).await;
    b.watch(room, 0).await;
    let spam = match b.say(room, &msg_id(1), "cheap pills at spam.example").await {
        ServerFrame::Ack(ack) => ack.seq,
        other => panic!("{other:?}"),
    };
    // Not one's own message; once per member: a second report counts nothing.
    assert_eq!(report(&server, bob, room, spam).await.status, 403);
    let first = report(&server, cy, room, spam).await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(first.json()["open_reports"], 1);
    assert_eq!(first.json()["hidden"], false);
    assert_eq!(
        report(&server, cy, room, spam).await.json()["open_reports"],
        1
    );
    assert_eq!(
        on_page(&server, dan, room, spam).await["hidden"],
        serde_json::Value::Null
    );
    // The moderators' inbox counts it; a member has none.
    let page = ann
        .call(&server, "load_room", &[("room_id", &room.to_string())])
        .await;
    assert_eq!(page.json()["open_reports"], 1);
    assert_eq!(
        cy.call(&server, "reports", &[("room_id", &room.to_string())])
            .await
            .status,
        403
    );
    // The second member's report hides it: live, for every socket in the room.
    let second = report(&server, dan, room, spam).await;
    assert_eq!(second.json()["hidden"], true, "{}", second.body);
    for socket in [&mut a, &mut b] {
        let row = next_event(socket).await;
        let event = ModEvent::parse(&row.body).expect("event");
        assert_eq!((event.action, event.seq), (ModAction::Hide, Some(spam)));
        assert_eq!(row.sender_name, "Parlor", "no reporter is named");
        let target = row.target.expect("the hidden message");
        assert!(target.hidden && target.body.is_empty());
    }
    // And on every load after, for everyone, the owner included: no body.
    for who in [&ann, bob, cy] {
        let shown = on_page(&server, who, room, spam).await;
        assert_eq!(shown["hidden"], true);
        assert_eq!(shown["body"], "");
        assert_eq!(shown["html"], "");
    }
    // Its review: the inbox holds the body as written and both reasons.
    let inbox = ann
        .call(&server, "reports", &[("room_id", &room.to_string())])
        .await;
    assert_eq!(inbox.status, 200, "{}", inbox.body);
    let inbox = inbox.json();
    assert_eq!(inbox[0]["seq"], spam);
    assert_eq!(inbox[0]["body"], "cheap pills at spam.example");
    assert_eq!(inbox[0]["reasons"].as_array().map(Vec::len), Some(2));
    // The owner restores it: shown again, to the sockets and on reload; the inbox is empty.
    let restore = msg_id(9);
    a.send(&ClientFrame::Moderate {
        room_id: room,
        client_msg_id: restore,
        user_id: 0,
        action: ModAction::Restore,
        seq: Some(spam),
        minutes: None,
        reason: "not spam after all".into(),
    })
    .await;
    let row = next_event(&mut b).await;
    assert!(!row.target.expect("target").hidden);
    assert_eq!(
        on_page(&server, cy, room, spam).await["body"],
        "cheap pills at spam.example"
    );
    let page = ann
        .call(&server, "load_room", &[("room_id", &room.to_string())])
        .await;
    assert_eq!(page.json()["open_reports"], 0);
}
