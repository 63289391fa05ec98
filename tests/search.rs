//! Search over HTTP, as a client sees it: no query, however hostile, gets a 500 or an index
//! syntax error; each refusal is a documented code; hits come only from the caller's rooms.

mod support;

use support::{alice_and_bob, msg_id, Person, TestServer};

#[tokio::test]
async fn hostile_queries_get_hits_or_a_documented_code_never_a_500() {
    let server = TestServer::start().await;
    let mut pair = alice_and_bob(&server).await;
    pair.a
        .say(
            pair.room,
            &msg_id(1),
            "deploy AND rollback NEAR \"quotes\" (서울에서)",
        )
        .await;
    let ascii_10k = "x".repeat(10_000);
    let korean_1k = "서".repeat(1_000);
    let queries = [
        "\"",
        "\"deploy",
        "deploy\"",
        "*",
        "deploy*",
        "NEAR(deploy rollback, 2)",
        "deploy AND",
        "AND",
        "OR",
        "NOT deploy",
        "(deploy",
        "deploy)",
        "()",
        "deploy:*",
        "'",
        "'deploy'",
        "!deploy",
        "deploy & rollback",
        "a | b",
        "{deploy}",
        "^deploy",
        "-deploy",
        "+deploy",
        "tokens:deploy",
        "rowid:1",
        "\\",
        "%",
        "_",
        "deploy;DROP TABLE messages",
        "😀",
        "\u{200b}",
        " ",
        "",
        "서울",
        "서울에서 (만나",
        &ascii_10k,
        &korean_1k,
    ];
    for q in queries {
        let answer = pair
            .alice
            .call(&server, "search_messages", &[("query", q)])
            .await;
        let shown: String = q.chars().take(40).collect();
        let lower = answer.body.to_lowercase();
        for leak in ["fts5", "syntax", "tsquery", "sqlite", "database"] {
            assert!(
                !lower.contains(leak),
                "{shown:?} leaked {leak}: {}",
                answer.body
            );
        }
        match answer.status {
            200 => assert!(
                answer.json()["hits"].is_array(),
                "{shown:?}: {}",
                answer.body
            ),
            422 => {
                let code = answer.json()["code"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                assert!(
                    ["search_query_empty", "search_query_too_long"].contains(&code.as_str()),
                    "{shown:?}: {}",
                    answer.body
                );
            }
            other => panic!("{shown:?}: {other} {}", answer.body),
        }
    }
    let code = |a: support::Answer| a.json()["code"].as_str().map(str::to_owned);
    for q in ["\"", "()*", "😀 !!"] {
        let empty = pair
            .alice
            .call(&server, "search_messages", &[("query", q)])
            .await;
        assert_eq!(code(empty).as_deref(), Some("search_query_empty"), "{q}");
    }
    let long = pair
        .alice
        .call(&server, "search_messages", &[("query", &ascii_10k)])
        .await;
    assert_eq!(code(long).as_deref(), Some("search_query_too_long"));
    // Operators are plain text: the words around them still find the message.
    for q in ["\"deploy", "NEAR(deploy rollback)", "(서울"] {
        let found = pair
            .alice
            .call(&server, "search_messages", &[("query", q)])
            .await;
        assert_eq!(
            found.json()["hits"].as_array().map(Vec::len),
            Some(1),
            "{q}"
        );
    }
    let bad_page = pair
        .alice
        .call(
            &server,
            "search_messages",
            &[("query", "deploy"), ("page", "-1")],
        )
        .await;
    assert_eq!(bad_page.status, 400, "{}", bad_page.body);
}

#[tokio::test]
async fn a_hit_names_room_sender_and_seq_and_only_members_find_it() {
    let server = TestServer::start().await;
    let mut pair = alice_and_bob(&server).await;
    let carol = Person::sign_up(&server, "carol").await;
    pair.a.say(pair.room, &msg_id(1), "first").await;
    pair.a
        .say(pair.room, &msg_id(2), "서울에서 만나요 **deploy** day")
        .await;
    let found = pair
        .bob
        .call(&server, "search_messages", &[("query", "만나")])
        .await;
    assert_eq!(found.status, 200, "{}", found.body);
    let hits = found.json()["hits"].clone();
    assert_eq!(hits.as_array().map(Vec::len), Some(1), "{hits}");
    let hit = &hits[0];
    assert_eq!(hit["room_id"], pair.room);
    assert_eq!(hit["seq"], 2);
    assert_eq!(
        hit["room_name"], "alice",
        "a direct room is named by the other person"
    );
    assert_eq!(hit["sender_username"], "alice");
    let marked: Vec<&str> = hit["snippet"]
        .as_array()
        .expect("parts")
        .iter()
        .filter(|p| p["hit"] == true)
        .filter_map(|p| p["text"].as_str())
        .collect();
    assert_eq!(marked, ["만나"]);
    let outside = carol
        .call(&server, "search_messages", &[("query", "서울에서 만나요")])
        .await;
    assert_eq!(outside.json()["hits"].as_array().map(Vec::len), Some(0));
    let anonymous = support::call(&server, None, "search_messages", &[("query", "x")]).await;
    assert_eq!(anonymous.status, 401);
}

#[tokio::test]
async fn searches_past_the_burst_get_too_many_attempts_and_other_users_still_search() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let server = TestServer::start_in(tmp.path(), |c| c.searches_per_second = 1).await;
    let mut pair = alice_and_bob(&server).await;
    pair.a.say(pair.room, &msg_id(1), "deploy now").await;
    // A burst of five seconds' worth, then the bucket is empty.
    for i in 0..5 {
        let ok = pair
            .alice
            .call(&server, "search_messages", &[("query", "deploy")])
            .await;
        assert_eq!(ok.status, 200, "search {i}: {}", ok.body);
    }
    let refused = pair
        .alice
        .call(&server, "search_messages", &[("query", "deploy")])
        .await;
    assert_eq!(refused.status, 429, "{}", refused.body);
    assert_eq!(refused.json()["code"], "too_many_attempts");
    let bob = pair
        .bob
        .call(&server, "search_messages", &[("query", "deploy")])
        .await;
    assert_eq!(bob.status, 200, "the bucket is per user: {}", bob.body);
}
