//! A Q&A host plugging Parlor in, over real HTTP and real sockets: host-signed sign-in, the
//! server-to-server API, and the embed's socket (docs/integration.md).

mod support;

use parlor::protocol::{ClientFrame, ErrorCode, ServerFrame};
use serde_json::json;
use support::host::{self, api, claims, embed_open, room_with, sign, sign_with, API_KEY};
use support::{Socket, TestServer};

async fn server() -> TestServer {
    let tmp = tempfile::tempdir().expect("dir");
    let dir = tmp.keep();
    TestServer::start_in(&dir, |c| {
        c.hosts = vec![host::config("")];
        c.socket_origins = vec![host::FRAME_ORIGIN.into()];
    })
    .await
}

async fn count(server: &TestServer, table: &str) -> i64 {
    let db = server.db().await;
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(&db)
        .await
        .expect("count")
}

/// Every bad token is refused with its own code, and leaves no user and no session behind.
#[tokio::test]
async fn bad_tokens_are_refused_with_their_code_and_create_nothing() {
    use base64::Engine;
    let server = server().await;
    room_with(server.addr, "question:1", &[]).await;
    let (users, sessions) = (
        count(&server, "users").await,
        count(&server, "sessions").await,
    );
    let with = |change: &dyn Fn(&mut serde_json::Value)| {
        let mut c = claims("42", "Ann");
        change(&mut c);
        sign(&c)
    };
    let b64 = |v: serde_json::Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    let cases = [
        (
            "token_expired",
            with(&|c| {
                c["iat"] = json!(host::now() - 400);
                c["exp"] = json!(host::now() - 200);
            }),
        ),
        (
            "token_audience",
            with(&|c| c["aud"] = json!("someone-else")),
        ),
        ("token_issuer", with(&|c| c["iss"] = json!("not-a-host"))),
        (
            "token_signature",
            sign_with(
                &claims("42", "Ann"),
                Some(host::KID),
                "another-secret-32-characters-long!!",
            ),
        ),
        (
            "token_unknown_key",
            sign_with(&claims("42", "Ann"), Some("k-old"), host::SECRET),
        ),
        (
            "token_algorithm",
            format!(
                "{}.{}.",
                b64(json!({"alg": "none"})),
                b64(claims("42", "Ann"))
            ),
        ),
        (
            "token_lifetime",
            with(&|c| c["exp"] = json!(host::now() + 3600)),
        ),
        ("token_malformed", "a.b.c".to_owned()),
    ];
    for (code, token) in &cases {
        let answer = embed_open(server.addr, token, "question:1").await;
        assert_eq!(answer.status, 401, "{code}: {}", answer.body);
        assert_eq!(answer.json()["detail"], *code, "{}", answer.body);
    }
    // A good token, once: then its jti is spent.
    let token = sign(&claims("42", "Ann"));
    room_with(server.addr, "question:1", &[("42", "Ann")]).await;
    assert_eq!(
        embed_open(server.addr, &token, "question:1").await.status,
        200
    );
    let replay = embed_open(server.addr, &token, "question:1").await;
    assert_eq!(
        (replay.status, replay.json()["detail"].clone()),
        (401, json!("token_replayed"))
    );
    // The API made Ann (and the host's system user); the refused tokens made nothing.
    assert_eq!(count(&server, "users").await, users + 1);
    assert_eq!(count(&server, "sessions").await, sessions + 1);
    // A token in a query string is refused before anything reads it.
    let url = server.url(&format!("/embed/rooms/question:1?token={token}"));
    let res = reqwest::get(url).await.expect("get");
    assert_eq!(res.status().as_u16(), 400);
    let body: serde_json::Value =
        serde_json::from_str(&res.text().await.expect("body")).expect("json");
    assert_eq!(body["error"]["code"], "token_in_query");
    let ws = server.url("/ws?access_token=x");
    assert_eq!(reqwest::get(ws).await.expect("get").status().as_u16(), 400);
    server.stop().await;
}

/// A wrong or missing key writes nothing; a room key always names one room; a retried post
/// is one message; a non-member reads nothing.
#[tokio::test]
async fn the_api_keeps_its_promises() {
    let server = server().await;
    let addr = server.addr;
    let rooms = count(&server, "rooms").await;
    for key in [None, Some("pk_wrong")] {
        let put = api(
            addr,
            "PUT",
            "/rooms/question:7",
            key,
            Some(json!({"title": "T"})),
            None,
        )
        .await;
        assert_eq!(put.status, 401);
        assert_eq!(put.body["error"]["code"], "unauthorized");
        assert_eq!(put.headers["www-authenticate"], "Bearer");
    }
    assert_eq!(count(&server, "rooms").await, rooms, "nothing written");
    let first = room_with(addr, "question:7", &[("alice", "Alice"), ("bob", "김민수")]).await;
    let again = host::host(
        addr,
        "PUT",
        "/rooms/question:7",
        Some(json!({"title": "Renamed"})),
    )
    .await;
    assert_eq!(again.status, 200);
    assert_eq!(again.body["room_id"], first["room_id"]);
    assert_eq!(again.body["title"], "Renamed");
    let bad = host::host(
        addr,
        "PUT",
        "/rooms/question%207",
        Some(json!({"title": "T"})),
    )
    .await;
    assert_eq!(bad.body["error"]["code"], "invalid_room_key");

    let post = |key: &'static str, from: Option<&'static str>, body: &'static str| {
        let mut b = json!({ "body": body });
        if let Some(from) = from {
            b["from"] = json!(from);
        }
        api(
            addr,
            "POST",
            "/rooms/question:7/messages",
            Some(API_KEY),
            Some(b),
            Some(key),
        )
    };
    let one = post("retry-1", Some("alice"), "안녕하세요").await;
    assert_eq!(one.status, 201, "{:?}", one.body);
    let two = post("retry-1", Some("alice"), "안녕하세요").await;
    assert_eq!(two.status, 200);
    assert_eq!(two.headers["idempotent-replayed"], "true");
    assert_eq!(two.body["message"]["id"], one.body["message"]["id"]);
    let reused = post("retry-1", Some("alice"), "something else").await;
    assert_eq!(
        (reused.status, reused.body["error"]["code"].clone()),
        (409, json!("idempotency_key_reused"))
    );
    let notice = post("answered", None, "The question was answered").await;
    assert_eq!(notice.status, 201);
    assert_eq!(notice.body["message"]["from"], json!(null));
    assert_eq!(notice.body["message"]["sender_name"], "Q&A");
    let no_key = api(
        addr,
        "POST",
        "/rooms/question:7/messages",
        Some(API_KEY),
        Some(json!({"body": "x"})),
        None,
    )
    .await;
    assert_eq!(no_key.body["error"]["code"], "idempotency_key_required");
    let stranger = post("s-1", Some("mallory"), "let me in").await;
    assert_eq!(
        (stranger.status, stranger.body["error"]["code"].clone()),
        (403, json!("not_member"))
    );

    let read = host::host(
        addr,
        "GET",
        "/rooms/question:7/messages?after=0&as=bob",
        None,
    )
    .await;
    assert_eq!(read.status, 200, "{:?}", read.body);
    let seqs: Vec<_> = read.body["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| m["seq"].clone())
        .collect();
    assert_eq!(
        seqs,
        [json!(1), json!(2)],
        "one message per Idempotency-Key, in seq order"
    );
    assert_eq!(read.body["messages"][0]["from"], "alice");
    assert_eq!(read.body["last_seq"], 2);
    let after = host::host(addr, "GET", "/rooms/question:7/messages?after=1", None).await;
    assert_eq!(after.body["messages"].as_array().map(Vec::len), Some(1));
    // Mallory was never added; Bob is removed and then reads nothing either.
    host::host(
        addr,
        "PUT",
        "/rooms/question:8",
        Some(json!({"title": "Other"})),
    )
    .await;
    host::host(addr, "PUT", "/rooms/question:8/members/mallory", None).await;
    let peek = host::host(addr, "GET", "/rooms/question:7/messages?as=mallory", None).await;
    assert_eq!(
        (peek.status, peek.body["error"]["code"].clone()),
        (403, json!("not_member"))
    );
    let gone = host::host(addr, "DELETE", "/rooms/question:7/members/bob", None).await;
    assert_eq!(gone.body["removed"], true);
    let peek = host::host(addr, "GET", "/rooms/question:7/messages?as=bob", None).await;
    assert_eq!(peek.status, 403);
    // Unread counts for the host's own badge.
    let badge = host::host(addr, "GET", "/users/alice/rooms", None).await;
    assert_eq!(badge.body["unread"], 2, "{:?}", badge.body);
    assert_eq!(badge.body["rooms"][0]["key"], "question:7");
    let nobody = host::host(addr, "GET", "/users/zed/rooms", None).await;
    assert_eq!(nobody.body["error"]["code"], "user_not_found");
    server.stop().await;
}

/// The embed's socket is signed in by its first frame, from the host's origin; chat goes
/// both ways through it and the API; a foreign origin and a bad session are refused.
#[tokio::test]
async fn the_embed_socket_signs_in_by_its_first_frame() {
    let server = server().await;
    let addr = server.addr;
    let room = room_with(addr, "question:3", &[("alice", "Alice"), ("bob", "Bob")]).await;
    let room_id = room["room_id"].as_i64().expect("id");
    let open = |sub: &'static str| async move {
        let answer = embed_open(addr, &sign(&claims(sub, sub)), "question:3").await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        answer.json()["session"]
            .as_str()
            .expect("session")
            .to_owned()
    };
    let (alice, bob) = (open("alice").await, open("bob").await);
    let mut a = Socket::open_embed(addr, &alice, Some(host::FRAME_ORIGIN))
        .await
        .expect("alice");
    let mut b = Socket::open_embed(addr, &bob, None).await.expect("bob");
    a.watch(room_id, 0).await;
    b.watch(room_id, 0).await;
    let ack = a
        .say(room_id, &support::msg_id(1), "hi from the embed")
        .await;
    assert!(matches!(ack, ServerFrame::Ack(_)), "{ack:?}");
    match b.next_content().await {
        ServerFrame::Message(m) => assert_eq!(m.body, "hi from the embed"),
        other => panic!("{other:?}"),
    }
    // A notice through the API arrives on the same sockets, next in the sequence.
    let notice = host::api(
        addr,
        "POST",
        "/rooms/question:3/messages",
        Some(API_KEY),
        Some(json!({"body": "The question was answered"})),
        Some("done"),
    )
    .await;
    assert_eq!(notice.body["message"]["seq"], 2);
    match b.next_content().await {
        ServerFrame::Message(m) => {
            assert_eq!((m.seq, m.body.as_str()), (2, "The question was answered"))
        }
        other => panic!("{other:?}"),
    }
    // A second auth on a signed-in socket is a bad frame.
    b.send(&ClientFrame::Auth {
        session: bob.clone(),
    })
    .await;
    assert!(matches!(
        b.next_content().await,
        ServerFrame::Error {
            code: ErrorCode::BadFrame,
            ..
        }
    ));
    // Removed by the host: the socket loses the room at once.
    host::host(addr, "DELETE", "/rooms/question:3/members/bob", None).await;
    assert!(matches!(b.next_content().await, ServerFrame::Reset { .. }));
    // A page of another origin cannot open the socket; a bad session is closed with 4003.
    assert_eq!(
        Socket::open_embed(addr, &alice, Some("http://127.0.0.3:8000"))
            .await
            .err(),
        Some(403)
    );
    assert_eq!(
        Socket::open_embed(addr, "not-a-session", None).await.err(),
        Some(4003)
    );
    server.stop().await;
}

/// The embed page's framing policy names exactly the host's origins.
#[tokio::test]
async fn the_embed_may_be_framed_by_its_host_only() {
    let server = server().await;
    // Each answer is read whole, so that no connection is left busy when the server stops.
    let csp = |path: &'static str| {
        let url = server.url(path);
        async move {
            let res = reqwest::get(url).await.expect("get");
            let csp = res.headers()["content-security-policy"]
                .to_str()
                .expect("csp")
                .to_owned();
            res.text().await.expect("body");
            csp
        }
    };
    let embed = csp("/embed/rooms/question:1?host=qa").await;
    assert!(
        embed.contains(&format!("frame-ancestors {}", host::FRAME_ORIGIN)),
        "{embed}"
    );
    let unknown = csp("/embed/rooms/question:1?host=nope").await;
    assert!(unknown.contains("frame-ancestors 'none'"), "{unknown}");
    let app = csp("/").await;
    assert!(app.contains("frame-ancestors 'self'"), "{app}");
    server.stop().await;
}
