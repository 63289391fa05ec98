//! The host's site moderating its rooms, over real HTTP and sockets (docs/moderation.md):
//! the API makes the asker the owner and acts above them; a moderator of the room cannot
//! act on the owner; a site moderator named by the token's `moderator` claim, or by the
//! API, can.

mod support;

use parlor::protocol::{ClientFrame, ErrorCode, ModAction, ServerFrame, UserId};
use serde_json::json;
use support::host::{self, api, claims, embed_open, room_with, sign, API_KEY};
use support::{msg_id, Socket, TestServer};

async fn server() -> TestServer {
    let tmp = tempfile::tempdir().expect("dir");
    let dir = tmp.keep();
    TestServer::start_in(&dir, |c| {
        c.hosts = vec![host::config("")];
        c.socket_origins = vec![host::FRAME_ORIGIN.into()];
    })
    .await
}

/// The embed's socket of `claims`' user, watching `room`.
async fn embed(server: &TestServer, claims: &serde_json::Value, room: i64) -> Socket {
    let answer = embed_open(server.addr, &sign(claims), "question:1").await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let session = answer.json()["session"]
        .as_str()
        .expect("session")
        .to_owned();
    let mut socket = Socket::open_embed(server.addr, &session, None)
        .await
        .expect("socket");
    socket.watch(room, 0).await;
    socket
}

/// A `moderate` frame's answer.
async fn moderate(s: &mut Socket, room: i64, user: UserId, action: ModAction) -> ServerFrame {
    let id = msg_id(3);
    s.send(&ClientFrame::Moderate {
        room_id: room,
        client_msg_id: id.clone(),
        user_id: user,
        action,
        seq: None,
        minutes: Some(5),
        reason: String::new(),
    })
    .await;
    loop {
        match s.next_content().await {
            ServerFrame::Ack(ack) if ack.client_msg_id == id => return ServerFrame::Ack(ack),
            e @ ServerFrame::Error { .. } => return e,
            _ => continue,
        }
    }
}

async fn site(server: &TestServer, key: &str, body: serde_json::Value) -> host::Reply {
    let path = "/rooms/question:1/moderation";
    api(
        server.addr,
        "POST",
        path,
        Some(API_KEY),
        Some(body),
        Some(key),
    )
    .await
}

#[tokio::test]
async fn a_moderator_cannot_act_on_the_owner_while_the_site_can() {
    let server = server().await;
    let room = room_with(
        server.addr,
        "question:1",
        &[("asker", "Asker"), ("helper", "Helper"), ("mod", "Mod")],
    )
    .await;
    let room_id = room["room_id"].as_i64().expect("id");
    // The host makes the asker the room's owner; a retry is answered as the first.
    let owner = site(
        &server,
        "own-1",
        json!({"action": "transfer", "user": "asker"}),
    )
    .await;
    assert_eq!(owner.status, 201, "{:?}", owner.body);
    let again = site(
        &server,
        "own-1",
        json!({"action": "transfer", "user": "asker"}),
    )
    .await;
    assert_eq!(again.status, 200);
    assert_eq!(again.body["seq"], owner.body["seq"]);
    let mut asker = embed(&server, &claims("asker", "Asker"), room_id).await;
    let mut helper = embed(&server, &claims("helper", "Helper"), room_id).await;
    let (asker_id, helper_id) = (asker.user_id, helper.user_id);
    assert!(matches!(
        moderate(&mut asker, room_id, helper_id, ModAction::Promote).await,
        ServerFrame::Ack(_)
    ));
    // The room's moderator cannot mute its owner.
    match moderate(&mut helper, room_id, asker_id, ModAction::Mute).await {
        ServerFrame::Error { code, .. } => assert_eq!(code, ErrorCode::NotAllowed),
        other => panic!("{other:?}"),
    }
    // The site can, through the API; the owner's next send is refused.
    let muted = site(
        &server,
        "mute-1",
        json!({"action": "mute", "user": "asker", "minutes": 5, "reason": "heated"}),
    )
    .await;
    assert_eq!(muted.status, 201, "{:?}", muted.body);
    match asker.say(room_id, &msg_id(4), "hello?").await {
        ServerFrame::Error { code, .. } => assert_eq!(code, ErrorCode::Muted),
        other => panic!("{other:?}"),
    }
    // A bad call gets its code: an action on nobody, an unknown user.
    let nobody = site(&server, "k-2", json!({"action": "kick"})).await;
    assert_eq!(nobody.body["error"]["code"], "invalid_request");
    let unknown = site(&server, "k-3", json!({"action": "kick", "user": "zed"})).await;
    assert_eq!(unknown.body["error"]["code"], "user_not_found");
    // A site moderator, by the token's claim, acts above the owner on their socket.
    let mut site_mod = claims("mod", "Mod");
    site_mod["moderator"] = json!(true);
    let mut m = embed(&server, &site_mod, room_id).await;
    assert!(matches!(
        moderate(&mut m, room_id, asker_id, ModAction::Unmute).await,
        ServerFrame::Ack(_)
    ));
    assert!(matches!(
        moderate(&mut m, room_id, asker_id, ModAction::Demote).await,
        ServerFrame::Ack(_)
    ));
    // Signed in again with `moderator: false`, they are a plain member (without the claim,
    // nothing would change).
    let mut revoked = claims("mod", "Mod");
    revoked["moderator"] = json!(false);
    let mut plain = embed(&server, &revoked, room_id).await;
    match moderate(&mut plain, room_id, helper_id, ModAction::Kick).await {
        ServerFrame::Error { code, .. } => assert_eq!(code, ErrorCode::NotAllowed),
        other => panic!("{other:?}"),
    }
    // Named through the API instead, they act again.
    let granted = api(
        server.addr,
        "PUT",
        "/users/mod/moderator",
        Some(API_KEY),
        None,
        None,
    )
    .await;
    assert_eq!(granted.status, 204);
    assert!(matches!(
        moderate(&mut plain, room_id, helper_id, ModAction::Kick).await,
        ServerFrame::Ack(_)
    ));
    server.stop().await;
}
