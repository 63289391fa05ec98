//! `/metrics`: each counter and gauge moves with what happens on the real server; it is
//! served on the operators' listener only, every series from the start.

mod support;

use parlor::protocol::{ClientFrame, ErrorCode, RoomCursor, ServerFrame};
use support::{alice_and_bob, metrics, msg_id, Pair, TestServer};

#[tokio::test]
async fn the_metrics_follow_messages_acks_limits_and_resets() {
    let dir = tempfile::tempdir().expect("dir");
    // Three messages at once, then one per second.
    let server = TestServer::start_in(dir.path(), |c| {
        c.messages_per_second = 1;
        c.message_burst = 3;
    })
    .await;
    let before = metrics(server.metrics_addr).await;
    assert_eq!(before["parlor_connections"], 0.0);
    assert_eq!(before["parlor_messages_in_total"], 0.0);

    let Pair {
        room, mut a, mut b, ..
    } = alice_and_bob(&server).await;
    for i in 0..3 {
        assert!(matches!(
            a.say(room, &msg_id(i), "hello").await,
            ServerFrame::Ack(_)
        ));
    }
    for _ in 0..3 {
        while !matches!(b.next_content().await, ServerFrame::Message(_)) {}
    }
    match a.say(room, &msg_id(9), "too fast").await {
        ServerFrame::Error { code, .. } => assert_eq!(code, ErrorCode::RateLimited),
        other => panic!("expected rate_limited, got {other:?}"),
    }
    // A cursor past the end of the room is answered with a reset.
    a.send(&ClientFrame::Watch {
        rooms: vec![RoomCursor {
            room_id: room,
            after_seq: 99,
        }],
        epoch: None,
    })
    .await;
    while !matches!(a.next_content().await, ServerFrame::Reset { .. }) {}

    let m = metrics(server.metrics_addr).await;
    assert_eq!(m["parlor_connections"], 2.0);
    assert_eq!(m["parlor_users_connected"], 2.0);
    assert_eq!(m["parlor_rooms_watched"], 1.0);
    assert_eq!(m["parlor_messages_in_total"], 4.0);
    assert_eq!(m["parlor_messages_stored_total"], 3.0);
    assert_eq!(m["parlor_acks_total"], 3.0);
    // Each message went to Bob and back to Alice.
    assert_eq!(m["parlor_messages_out_total"], 6.0);
    assert_eq!(m[r#"parlor_rate_limited_total{limit="messages"}"#], 1.0);
    assert_eq!(m[r#"parlor_resets_total{reason="ahead_of_room"}"#], 1.0);
    assert_eq!(m["parlor_commit_batch_size_sum"], 3.0);
    assert!(m["parlor_commit_seconds_count"] >= 1.0);
    assert_eq!(m["parlor_commit_failures_total"], 0.0);
    assert!(m["parlor_wal_bytes"] > 0.0, "the WAL holds the messages");
    assert!(m["parlor_tasks"] >= 2.0);

    a.cut();
    b.cut();
    let mut m = metrics(server.metrics_addr).await;
    for _ in 0..100 {
        if m["parlor_connections"] == 0.0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        m = metrics(server.metrics_addr).await;
    }
    assert_eq!(m["parlor_connections"], 0.0);
    assert_eq!(m["parlor_users_connected"], 0.0);
    assert_eq!(m["parlor_rooms_watched"], 0.0);
    server.stop().await;
}

#[tokio::test]
async fn metrics_live_on_the_operators_listener_only() {
    let server = TestServer::start().await;
    // A hang must fail the test, not the run.
    let http = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .expect("client");
    let text = http
        .get(format!("http://{}/metrics", server.metrics_addr))
        .send()
        .await
        .expect("scrape")
        .text()
        .await
        .expect("text");
    assert!(text.contains("# TYPE parlor_messages_in counter"), "{text}");
    assert!(text.trim_end().ends_with("# EOF"));
    // On the app's listener there is no such page, whoever asks: a proxy that passes every
    // path cannot expose it, and a header claiming loopback changes nothing.
    for claim in [None, Some("127.0.0.1")] {
        let mut request = http.get(server.url("/metrics"));
        if let Some(claim) = claim {
            request = request.header("x-forwarded-for", claim);
        }
        let answer = request.send().await.expect("answer");
        let status = answer.status().as_u16();
        answer.bytes().await.expect("the whole answer");
        assert_eq!(status, 404, "{claim:?}");
    }
    // Health answers on both.
    for addr in [server.addr, server.metrics_addr] {
        let res = http
            .get(format!("http://{addr}/readyz"))
            .send()
            .await
            .expect("readyz");
        assert_eq!(res.status().as_u16(), 200);
    }
    server.stop().await;
}

#[tokio::test]
async fn every_labelled_series_is_exported_from_the_start() {
    let server = TestServer::start().await;
    let m = metrics(server.metrics_addr).await;
    for series in [
        r#"parlor_rate_limited_total{limit="messages"}"#,
        r#"parlor_rate_limited_total{limit="sign_in"}"#,
        r#"parlor_rate_limited_total{limit="sign_up"}"#,
        r#"parlor_rate_limited_total{limit="connections"}"#,
        r#"parlor_resets_total{reason="epoch_changed"}"#,
        r#"parlor_resets_total{reason="gap_too_large"}"#,
        r#"parlor_resets_total{reason="ahead_of_room"}"#,
    ] {
        assert_eq!(m.get(series), Some(&0.0), "{series} at zero");
    }
    server.stop().await;
}

#[tokio::test]
async fn health_is_the_process_and_readiness_is_the_store() {
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;

    let dir = tempfile::tempdir().expect("dir");
    let config = parlor::server::config::Config {
        database_url: format!("sqlite://{}", dir.path().join("parlor.db").display()),
        ..Default::default()
    };
    let (state, _writer) = parlor::server::start(config).await.expect("start");
    let store = state.store.clone();
    let app = parlor::server::router(state);
    let status = |path: &'static str| {
        let request = Request::get(path).body(Body::empty()).expect("request");
        let app = app.clone();
        async move {
            app.oneshot(request)
                .await
                .expect("answer")
                .status()
                .as_u16()
        }
    };
    assert_eq!(status("/healthz").await, 200);
    assert_eq!(status("/readyz").await, 200);
    // The store goes away: the process is alive, but not ready.
    store.close().await;
    assert_eq!(status("/healthz").await, 200);
    assert_eq!(status("/readyz").await, 503);
}
