//! The HTTP API as a third-party client sees it: each error code has its own status, limits
//! say when to retry, arguments are parsed strictly, a refused request leaves its keep-alive
//! connection usable, and the client's address is believed only from trusted proxies.

mod support;

use std::net::SocketAddr;
use std::time::Duration;

use support::{call, Person, ServerProcess, TestServer, PASSWORD};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[tokio::test]
async fn every_error_code_answers_its_own_status_and_only_faults_are_5xx() {
    let server = TestServer::start().await;
    let alice = Person::sign_up(&server, "alice").await;
    let form = |u: &'static str, p: &'static str| [("username", u), ("password", p)];
    let cases: Vec<(u16, &str, support::Answer)> = vec![
        (
            401,
            "wrong_credentials",
            call(&server, None, "sign_in", &form("alice", "not the password")).await,
        ),
        (
            401,
            "not_signed_in",
            call(&server, None, "list_rooms", &[]).await,
        ),
        (
            409,
            "username_taken",
            call(
                &server,
                None,
                "sign_up",
                &[
                    ("username", "ALICE"),
                    ("display_name", ""),
                    ("password", PASSWORD),
                ],
            )
            .await,
        ),
        (
            422,
            "invalid_username",
            call(
                &server,
                None,
                "sign_up",
                &[
                    ("username", "a b"),
                    ("display_name", ""),
                    ("password", PASSWORD),
                ],
            )
            .await,
        ),
        (
            422,
            "password_too_short",
            call(
                &server,
                None,
                "sign_up",
                &[
                    ("username", "carol"),
                    ("display_name", ""),
                    ("password", "short"),
                ],
            )
            .await,
        ),
        (
            422,
            "invalid_room_name",
            alice.call(&server, "create_room", &[("name", " ")]).await,
        ),
        (
            404,
            "room_not_found",
            alice
                .call(&server, "load_room", &[("room_id", "999")])
                .await,
        ),
        (
            404,
            "user_not_found",
            alice
                .call(&server, "open_direct", &[("username", "nobody")])
                .await,
        ),
        (
            403,
            "not_allowed",
            alice
                .call(&server, "open_direct", &[("username", "alice")])
                .await,
        ),
        (
            400,
            "request",
            alice
                .call(&server, "load_room", &[("room_id", "four")])
                .await,
        ),
        (400, "request", alice.call(&server, "load_room", &[]).await),
    ];
    for (status, code, answer) in cases {
        assert_eq!(answer.status, status, "{code}: {}", answer.body);
        assert_eq!(answer.json()["code"], code, "{}", answer.body);
    }
    server.stop().await;
}

#[tokio::test]
async fn a_limit_answers_429_with_retry_after() {
    let server = TestServer::start_in(&tempdir(), |c| c.sign_in_per_minute = 2).await;
    let mut last = None;
    for _ in 0..3 {
        last = Some(
            raw(
                server.addr,
                &post("sign_in", "username=bob&password=guess+guess", &[]),
            )
            .await,
        );
    }
    let last = last.expect("three answers");
    assert_eq!(last.status, 429, "{}", last.body);
    assert!(last.body.contains("too_many_attempts"), "{}", last.body);
    let wait: u64 = last
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .expect("seconds");
    assert!(
        (1..=30).contains(&wait),
        "one attempt comes back every 30 s: {wait}"
    );
    server.stop().await;
}

#[tokio::test]
async fn sign_ups_are_limited_per_address_and_share_its_sign_in_budget() {
    let server = TestServer::start_in(&tempdir(), |c| c.sign_ups_per_hour = 3).await;
    let sign_up = |name: String| async move {
        let body = format!("username={name}&display_name=&password=correct+horse+battery");
        raw(server.addr, &post("sign_up", &body, &[])).await
    };
    for i in 0..3 {
        let answer = sign_up(format!("user{i}")).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
    }
    let fourth = sign_up("user3".into()).await;
    assert_eq!(fourth.status, 429, "{}", fourth.body);
    assert!(fourth.body.contains("too_many_attempts"));
    assert!(fourth.header("retry-after").is_some());
    server.stop().await;

    // An address that spent its sign-in attempts cannot hash passwords through sign-up.
    let server = TestServer::start_in(&tempdir(), |c| c.sign_in_per_minute = 1).await;
    for _ in 0..5 {
        let answer = raw(server.addr, &post("sign_in", "username=x&password=y", &[])).await;
        assert_eq!(answer.status, 401, "{}", answer.body);
    }
    let answer = raw(
        server.addr,
        &post(
            "sign_up",
            "username=dave&display_name=&password=correct+horse+battery",
            &[],
        ),
    )
    .await;
    assert_eq!(answer.status, 429, "{}", answer.body);
    server.stop().await;
}

#[tokio::test]
async fn public_is_parsed_strictly_and_false_makes_a_private_room() {
    let server = TestServer::start().await;
    let alice = Person::sign_up(&server, "alice").await;
    let bob = Person::sign_up(&server, "bob").await;
    let private = alice
        .call(
            &server,
            "create_room",
            &[("name", "secret"), ("public", "false")],
        )
        .await;
    assert_eq!(private.status, 200, "{}", private.body);
    let open = alice
        .call(
            &server,
            "create_room",
            &[("name", "lobby"), ("public", "true")],
        )
        .await;
    assert_eq!(open.status, 200, "{}", open.body);
    let listed = bob.call(&server, "list_rooms", &[]).await.json();
    let names: Vec<&str> = listed
        .as_array()
        .expect("rooms")
        .iter()
        .filter_map(|r| r["name"].as_str())
        .collect();
    assert_eq!(
        names,
        ["lobby"],
        "the private room is listed to nobody else"
    );
    for value in ["yes", "1", "False", "on "] {
        let answer = alice
            .call(&server, "create_room", &[("name", "x"), ("public", value)])
            .await;
        assert_eq!(answer.status, 400, "{value:?}: {}", answer.body);
        assert_eq!(answer.json()["code"], "request");
    }
    server.stop().await;
}

#[tokio::test]
async fn a_refused_request_never_poisons_its_keep_alive_connection() {
    let server = TestServer::start().await;
    let mut conn = TcpStream::connect(server.addr).await.expect("connect");

    // A cross-site post whose body never arrives: the server cannot read it, so it must
    // announce that it closes the connection.
    let head = "POST /api/sign_in HTTP/1.1\r\nHost: x\r\nOrigin: https://evil.example\r\n\
                Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 30\r\n\r\n";
    conn.write_all(head.as_bytes()).await.expect("write");
    let refused = read_response(&mut conn).await.expect("an answer");
    assert_eq!(refused.status, 403);
    assert_eq!(refused.header("connection"), Some("close"), "{refused:?}");

    // A cross-site post whose small body does arrive: it is read and dropped, and the
    // connection answers the next request.
    let mut conn = TcpStream::connect(server.addr).await.expect("connect");
    let evil = post(
        "sign_in",
        "username=a&password=b",
        &[("Origin", "https://evil.example")],
    );
    conn.write_all(evil.as_bytes()).await.expect("write");
    let refused = read_response(&mut conn).await.expect("an answer");
    assert_eq!(refused.status, 403);
    assert_eq!(refused.header("connection"), None, "{refused:?}");
    let next = post("sign_in", "username=alice&password=nope+nope+nope", &[]);
    conn.write_all(next.as_bytes()).await.expect("write");
    let answer = read_response(&mut conn)
        .await
        .expect("the same connection answers");
    assert_eq!(answer.status, 401);

    // A body declared over max_request_bytes: 413, and the same announcement.
    let mut conn = TcpStream::connect(server.addr).await.expect("connect");
    let head = "POST /api/sign_in HTTP/1.1\r\nHost: x\r\n\
                Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 10000000\r\n\r\n";
    conn.write_all(head.as_bytes()).await.expect("write");
    let too_big = read_response(&mut conn).await.expect("an answer");
    assert_eq!(too_big.status, 413, "{too_big:?}");
    assert_eq!(too_big.header("connection"), Some("close"));

    // A refusal after the body was read keeps the connection: three requests on one.
    let mut conn = TcpStream::connect(server.addr).await.expect("connect");
    for _ in 0..3 {
        let request = post("sign_in", "username=alice&password=nope+nope+nope", &[]);
        conn.write_all(request.as_bytes()).await.expect("write");
        let answer = read_response(&mut conn)
            .await
            .expect("an answer on the same connection");
        assert_eq!(answer.status, 401, "{answer:?}");
        assert_eq!(answer.header("connection"), None);
    }
    server.stop().await;
}

#[tokio::test]
async fn the_client_address_comes_from_trusted_proxies_only() {
    // No trusted proxies: a header claiming other addresses changes nothing, and the
    // address's five attempts (sign_in_per_minute = 1) are spent.
    let server = TestServer::start_in(&tempdir(), |c| c.sign_in_per_minute = 1).await;
    let mut statuses = Vec::new();
    for i in 0..6 {
        let claim = format!("198.51.100.{i}");
        let body = format!("username=user{i}&password=guess+guess");
        let headers = [("X-Forwarded-For", claim.as_str())];
        statuses.push(
            raw(server.addr, &post("sign_in", &body, &headers))
                .await
                .status,
        );
    }
    assert_eq!(statuses, [401, 401, 401, 401, 401, 429]);
    server.stop().await;

    // Behind a trusted proxy (here, loopback), each forwarded client has its own bucket,
    // and the proxy's own address is not one global bucket.
    let server = TestServer::start_in(&tempdir(), |c| {
        c.sign_in_per_minute = 1;
        c.trusted_proxies = vec!["127.0.0.0/8".parse().expect("net")];
    })
    .await;
    for i in 0..6 {
        let claim = format!("198.51.100.{i}");
        let body = format!("username=user{i}&password=guess+guess");
        let headers = [("X-Forwarded-For", claim.as_str())];
        let answer = raw(server.addr, &post("sign_in", &body, &headers)).await;
        assert_eq!(answer.status, 401, "client {i} has its own bucket");
    }
    let mut statuses = Vec::new();
    for i in 0..6 {
        let body = format!("username=other{i}&password=guess+guess");
        let headers = [("Forwarded", "for=\"[2001:db8::7]:4711\"")];
        statuses.push(
            raw(server.addr, &post("sign_in", &body, &headers))
                .await
                .status,
        );
    }
    assert_eq!(
        statuses,
        [401, 401, 401, 401, 401, 429],
        "one client, one bucket"
    );
    server.stop().await;
}

#[tokio::test]
async fn unknown_variables_are_warned_about_and_client_mistakes_are_not_errors() {
    // What Kubernetes injects for a Service named `parlor`, and a deployment's own variable.
    let server = ServerProcess::start(&[
        ("PARLOR_PORT", "tcp://10.0.0.1:3000"),
        ("PARLOR_SERVICE_HOST", "10.0.0.1"),
        ("PARLOR_VERSION", "1.2.3"),
        ("PARLOR_LOG_FORMAT", "json"),
        ("RUST_LOG", "info"),
    ])
    .await;
    Person::sign_up_at(server.addr, "alice").await;
    for _ in 0..3 {
        let answer = raw(
            server.addr,
            &post("sign_in", "username=alice&password=wrong+wrong", &[]),
        )
        .await;
        assert_eq!(answer.status, 401);
    }
    let log = server.stop().await;
    for name in ["PARLOR_PORT", "PARLOR_SERVICE_HOST", "PARLOR_VERSION"] {
        assert!(
            log.lines().any(|l| l.contains("WARN") && l.contains(name)),
            "a warning names {name}:\n{log}"
        );
    }
    let errors: Vec<&str> = log.lines().filter(|l| l.contains("\"ERROR\"")).collect();
    assert!(
        errors.is_empty(),
        "client mistakes logged as errors: {errors:?}"
    );
    let refusals = log
        .lines()
        .filter(|l| l.contains("\"INFO\"") && l.contains("wrong_credentials"))
        .count();
    assert_eq!(
        refusals, 3,
        "each refusal logged once, with its code:\n{log}"
    );
}

fn tempdir() -> std::path::PathBuf {
    tempfile::tempdir().expect("dir").keep()
}

/// A form post to a server function, as a third-party client writes it.
fn post(name: &str, body: &str, headers: &[(&str, &str)]) -> String {
    let extra: String = headers
        .iter()
        .map(|(k, v)| format!("{k}: {v}\r\n"))
        .collect();
    format!(
        "POST /api/{name} HTTP/1.1\r\nHost: x\r\nAccept: application/json\r\n\
         Content-Type: application/x-www-form-urlencoded\r\n{extra}Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

/// One request on a fresh connection.
async fn raw(addr: SocketAddr, request: &str) -> Response {
    let mut conn = TcpStream::connect(addr).await.expect("connect");
    conn.write_all(request.as_bytes()).await.expect("write");
    read_response(&mut conn).await.expect("an answer")
}

#[derive(Debug)]
struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Reads one HTTP/1.1 response with a `Content-Length` body; `None` when the connection
/// ends first.
async fn read_response(conn: &mut TcpStream) -> Option<Response> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = tokio::time::timeout(Duration::from_secs(10), conn.read(&mut chunk))
            .await
            .expect("an answer in time")
            .ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + length {
        let n = conn.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = String::from_utf8_lossy(&buf[head_end..head_end + length]).into_owned();
    Some(Response {
        status,
        headers,
        body,
    })
}
