//! Identity and authorization over real HTTP and a real WebSocket: nobody reads or writes a
//! room they are not in, and signing out closes the open socket.

mod support;

use parlor::protocol::{close, ClientFrame, ErrorCode, RoomCursor, ServerFrame};
use support::{call, msg_id, Person, Socket, TestServer, PASSWORD};

#[tokio::test]
async fn a_wrong_password_is_refused_and_the_right_one_signs_in() {
    let server = TestServer::start().await;
    Person::sign_up(&server, "alice").await;

    let wrong = call(
        &server,
        None,
        "sign_in",
        &[("username", "alice"), ("password", "not the password")],
    )
    .await;
    assert_ne!(wrong.status, 200);
    assert!(wrong.body.contains("wrong_credentials"), "{}", wrong.body);
    assert!(
        !wrong.body.contains("parlor_session="),
        "no cookie for a wrong password"
    );

    let right = call(
        &server,
        None,
        "sign_in",
        &[("username", "ALICE"), ("password", PASSWORD)],
    )
    .await;
    assert_eq!(right.status, 200, "{}", right.body);
    assert!(right.body.contains("parlor_session="));
    server.stop().await;
}

#[tokio::test]
async fn sign_in_attempts_are_rate_limited_per_username() {
    let server = TestServer::start().await;
    Person::sign_up(&server, "bob").await;
    let mut last = String::new();
    for _ in 0..11 {
        last = call(
            &server,
            None,
            "sign_in",
            &[("username", "bob"), ("password", "guess guess")],
        )
        .await
        .body;
    }
    assert!(last.contains("too_many_attempts"), "{last}");
    server.stop().await;
}

#[tokio::test]
async fn the_socket_needs_a_session_and_the_servers_own_origin() {
    let server = TestServer::start().await;
    let alice = Person::sign_up(&server, "alice").await;
    let own = server.url("");

    assert_eq!(
        Socket::open(&server, None, Some(&own)).await.err(),
        Some(401)
    );
    assert_eq!(
        Socket::open(&server, Some("parlor_session=forged"), Some(&own))
            .await
            .err(),
        Some(401)
    );
    assert_eq!(
        Socket::open(&server, Some(&alice.cookie), Some("http://evil.example"))
            .await
            .err(),
        Some(403)
    );
    assert!(Socket::open(&server, Some(&alice.cookie), Some(&own))
        .await
        .is_ok());
    server.stop().await;
}

#[tokio::test]
async fn cross_site_posts_are_refused() {
    let server = TestServer::start().await;
    let res = reqwest::Client::new()
        .post(server.url("/api/sign_up"))
        .header("origin", "http://evil.example")
        .header("content-type", "application/x-www-form-urlencoded")
        .body("username=mallory&display_name=&password=long+enough+password")
        .send()
        .await
        .expect("request");
    assert_eq!(res.status().as_u16(), 403);
    let db = server.db().await;
    // The server's own user (`:parlor`, made by the migrations) is the only one.
    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE username <> ':parlor'")
        .fetch_one(&db)
        .await
        .expect("count");
    assert_eq!(users, 0);
    server.stop().await;
}

#[tokio::test]
async fn a_non_member_cannot_read_watch_or_post_and_nothing_changes() {
    let server = TestServer::start().await;
    let alice = Person::sign_up(&server, "alice").await;
    let bob = Person::sign_up(&server, "bob").await;
    let eve = Person::sign_up(&server, "eve").await;
    let room = alice.open_direct(&server, "bob").await;
    let mut a = alice.connect(&server).await;
    a.watch(room, 0).await;
    assert!(matches!(
        a.say(room, &msg_id(1), "for Bob only").await,
        ServerFrame::Ack(_)
    ));
    let _ = bob;

    // Eve cannot read the history over HTTP…
    let page = eve
        .call(&server, "load_room", &[("room_id", &room.to_string())])
        .await;
    assert!(page.body.contains("room_not_found"), "{}", page.body);
    assert!(!page.body.contains("for Bob only"));
    let older = eve
        .call(
            &server,
            "older_messages",
            &[("room_id", &room.to_string()), ("before_seq", "100")],
        )
        .await;
    assert!(older.body.contains("room_not_found"), "{}", older.body);

    // …nor subscribe…
    let mut e = eve.connect(&server).await;
    e.send(&ClientFrame::Watch {
        rooms: vec![RoomCursor {
            room_id: room,
            after_seq: 0,
        }],
        epoch: None,
    })
    .await;
    match e.next_content().await {
        ServerFrame::Error {
            code: ErrorCode::NotMember,
            room_id,
            ..
        } => assert_eq!(room_id, Some(room)),
        other => panic!("expected not_member, got {other:?}"),
    }

    // …nor post, even by skipping the watch.
    match e.say(room, &msg_id(2), "hi from eve").await {
        ServerFrame::Error {
            code: ErrorCode::NotWatching,
            ..
        } => {}
        other => panic!("expected a refusal, got {other:?}"),
    }

    // A private group room: joining without an invitation is refused.
    let secret = alice.create_room(&server, "secret", false).await;
    let join = eve
        .call(&server, "join_room", &[("room_id", &secret.to_string())])
        .await;
    assert!(join.body.contains("room_not_found"), "{}", join.body);
    let invite = eve
        .call(
            &server,
            "invite",
            &[("room_id", &secret.to_string()), ("username", "eve")],
        )
        .await;
    assert!(invite.body.contains("not_allowed"), "{}", invite.body);

    let db = server.db().await;
    let rows: Vec<(String,)> = sqlx::query_as("SELECT body FROM messages")
        .fetch_all(&db)
        .await
        .expect("rows");
    assert_eq!(rows, [("for Bob only".to_owned(),)]);
    let eve_rooms: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM members m JOIN users u ON u.id = m.user_id WHERE u.username = 'eve'",
    )
    .fetch_one(&db)
    .await
    .expect("count");
    assert_eq!(eve_rooms, 0);
    server.stop().await;
}

#[tokio::test]
async fn signing_out_closes_that_sessions_socket_and_no_other() {
    let server = TestServer::start().await;
    let alice = Person::sign_up(&server, "alice").await;
    let other_session = call(
        &server,
        None,
        "sign_in",
        &[("username", "alice"), ("password", PASSWORD)],
    )
    .await;
    let other_cookie = other_session
        .body
        .lines()
        .find(|l| l.starts_with("parlor_session="))
        .expect("cookie")
        .to_owned();

    let mut signed_out = alice.connect(&server).await;
    let mut still_in = Socket::open(&server, Some(&other_cookie), Some(&server.url("")))
        .await
        .expect("open");
    let answer = alice.call(&server, "sign_out", &[]).await;
    assert_eq!(answer.status, 200, "{}", answer.body);

    assert_eq!(signed_out.closed().await, close::SESSION_ENDED);
    still_in.send(&ClientFrame::Ping {}).await;
    assert_eq!(still_in.next().await, ServerFrame::Pong);
    // The revoked cookie no longer opens a socket.
    assert_eq!(
        Socket::open(&server, Some(&alice.cookie), Some(&server.url("")))
            .await
            .err(),
        Some(401)
    );
    server.stop().await;
}

#[tokio::test]
async fn many_people_joining_a_room_at_once_all_get_in() {
    let server = TestServer::start().await;
    let owner = Person::sign_up(&server, "owner").await;
    let room = owner.create_room(&server, "busy", true).await;
    let mut people = Vec::new();
    for i in 0..24 {
        people.push(Person::sign_up(&server, &format!("joiner{i}")).await);
    }
    let room_id = room.to_string();
    let form = [("room_id", room_id.as_str())];
    let joins = people.iter().map(|p| p.call(&server, "join_room", &form));
    for answer in futures_util::future::join_all(joins).await {
        assert_eq!(answer.status, 200, "{}", answer.body);
    }
    let members: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM members WHERE room_id = ?")
        .bind(room)
        .fetch_one(&server.db().await)
        .await
        .expect("count");
    assert_eq!(members, 25);
    server.stop().await;
}

#[tokio::test]
async fn pages_carry_a_nonce_based_content_security_policy_and_safe_headers() {
    let server = TestServer::start().await;
    let res = reqwest::get(server.url("/")).await.expect("page");
    let headers = res.headers().clone();
    let html = res.text().await.expect("html");
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert_eq!(header("referrer-policy"), "same-origin");
    let csp = header("content-security-policy");
    assert!(csp.contains("frame-ancestors 'self'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .unwrap_or_else(|| panic!("a nonce in {csp}"));
    // Every inline script of the page carries that nonce.
    let scripts = html.matches("<script").count();
    let with_nonce = html.matches(&format!("nonce=\"{nonce}\"")).count();
    assert!(
        scripts > 0 && with_nonce >= scripts,
        "{scripts} scripts, {with_nonce} with the nonce"
    );
    server.stop().await;
}

#[tokio::test]
async fn one_socket_over_the_per_user_limit_is_refused_until_another_closes() {
    let dir = tempfile::tempdir().expect("dir");
    let server = TestServer::start_in(dir.path(), |c| c.connections_per_user = 2).await;
    let alice = Person::sign_up(&server, "alice").await;
    let own = server.url("");
    let first = alice.connect(&server).await;
    let _second = alice.connect(&server).await;
    assert_eq!(
        Socket::open(&server, Some(&alice.cookie), Some(&own))
            .await
            .err(),
        Some(429)
    );
    // Another user is not affected.
    let bob = Person::sign_up(&server, "bob").await;
    bob.connect(&server).await;
    // Once one of Alice's sockets is gone, she may open another.
    first.cut();
    let mut reopened = None;
    for _ in 0..50 {
        if let Ok(socket) = Socket::open(&server, Some(&alice.cookie), Some(&own)).await {
            reopened = Some(socket);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(reopened.is_some(), "a slot frees up when a socket closes");
    server.stop().await;
}

/// A burst of sign-ups is hashed `password_threads` at a time, each thread in the one block of
/// working memory it keeps: the server holds neither 19 MiB per attempt at once nor the
/// allocator's leftovers of every hash.
#[tokio::test]
async fn a_burst_of_sign_ups_is_hashed_in_bounded_memory() {
    let server = support::ServerProcess::start(&[("PARLOR_PASSWORD_THREADS", "2")]).await;
    let signups = (0..48).map(|i| {
        let addr = server.addr;
        tokio::spawn(async move { Person::sign_up_at(addr, &format!("burst{i}")).await })
    });
    for signup in signups {
        signup.await.expect("sign-up");
    }
    let peak_mib = server.status("VmHWM") / 1024;
    // About 25 MiB of server and 2 × 19 MiB of Argon2 memory. Two threads that allocate
    // afresh for each hash peaked at 403 MiB; a thread per attempt could reach 48 × 19 MiB.
    assert!(peak_mib < 120, "peak RSS {peak_mib} MiB");
    server.stop().await;
}
