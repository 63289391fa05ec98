//! Origins compared whole, cookies that a sibling subdomain cannot plant, and sockets that
//! end with their session.

mod support;

use std::time::Duration;

use parlor::protocol::close;
use support::{call, Person, Socket, TestServer, PASSWORD};

#[tokio::test]
async fn an_https_page_does_not_pass_for_the_http_server_of_the_same_host() {
    let server = TestServer::start().await;
    let alice = Person::sign_up(&server, "alice").await;
    let https = format!("https://{}", server.addr);
    assert_eq!(
        Socket::open(&server, Some(&alice.cookie), Some(&https))
            .await
            .err(),
        Some(403)
    );
    let http = format!("http://{}", server.addr);
    assert!(Socket::open(&server, Some(&alice.cookie), Some(&http))
        .await
        .is_ok());
    let post = reqwest::Client::new()
        .post(server.url("/api/list_rooms"))
        .header("origin", https)
        .header("cookie", &alice.cookie)
        .send()
        .await
        .expect("answer");
    assert_eq!(post.status().as_u16(), 403);
    server.stop().await;
}

#[tokio::test]
async fn behind_https_the_cookie_is_secure_and_host_only() {
    let dir = tempfile::tempdir().expect("dir");
    let server = TestServer::start_in(dir.path(), |c| {
        c.public_url = "https://chat.example".into();
    })
    .await;
    let signed = call(
        &server,
        None,
        "sign_up",
        &[
            ("username", "alice"),
            ("display_name", ""),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert_eq!(signed.status, 200, "{}", signed.body);
    let raw = reqwest::Client::new()
        .post(server.url("/api/sign_in"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .body("username=alice&password=correct+horse+battery")
        .send()
        .await
        .expect("answer");
    let cookie = raw
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .expect("a cookie")
        .to_owned();
    assert!(cookie.starts_with("__Host-parlor_session="), "{cookie}");
    assert!(cookie.contains("; Secure") && cookie.contains("Path=/") && !cookie.contains("Domain"));
    let token = cookie
        .split(';')
        .next()
        .and_then(|c| c.split_once('='))
        .map(|(_, v)| v.to_owned())
        .expect("token");
    // The same token under the plain name (as a sibling subdomain could plant it) is nobody.
    let planted = format!("parlor_session={token}");
    let answer = call(&server, Some(&planted), "current_user", &[]).await;
    assert_eq!(answer.body.trim(), "null");
    let real = format!("__Host-parlor_session={token}");
    let answer = call(&server, Some(&real), "current_user", &[]).await;
    assert!(answer.body.contains("alice"), "{}", answer.body);
    server.stop().await;
}

#[tokio::test]
async fn an_open_socket_is_closed_when_its_session_expires() {
    let server = TestServer::start().await;
    let alice = Person::sign_up(&server, "alice").await;
    // The session ends in 800 ms.
    sqlx::query("UPDATE sessions SET expires_at = ?")
        .bind(parlor::server::store::now_ms() + 800)
        .execute(&server.db().await)
        .await
        .expect("update");
    let mut socket = alice.connect(&server).await;
    let code = tokio::time::timeout(Duration::from_secs(5), socket.closed())
        .await
        .expect("closed in time");
    assert_eq!(code, close::SESSION_ENDED);
    server.stop().await;
}
