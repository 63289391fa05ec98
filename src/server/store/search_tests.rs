//! Search in the store, on both backends: Korean inside words with particles, English
//! prefixes, membership checked by the query, deleted messages gone, edits re-indexed,
//! relevance then recency, paging, no syntax error for any query, and the backfill of
//! messages stored before the index.

use super::*;
use crate::server::search::tokens::query_terms;
use crate::server::store::messages::{Action, SendOutcome, SendRequest};
use crate::server::store::test_user;
use crate::server::store::testing::on_both_backends;

on_both_backends!(
    korean_and_english_are_found_inside_longer_words,
    rooms_the_user_is_not_in_never_appear,
    deleted_messages_leave_the_index_and_edits_are_found_by_their_new_text,
    equal_relevance_puts_the_newest_first_in_pages,
    no_query_is_an_index_syntax_error,
    messages_stored_before_the_index_are_indexed_when_the_store_opens,
);

const HOUR_MS: i64 = 3_600_000;

async fn post(store: &Store, room: RoomId, sender: UserId, id: &str, body: &str) -> Seq {
    act(store, room, sender, id, Action::post(body, None)).await
}

async fn act(store: &Store, room: RoomId, sender: UserId, id: &str, action: Action) -> Seq {
    let req = SendRequest {
        room_id: room,
        sender_id: sender,
        sender_name: String::new(),
        sender_username: String::new(),
        client_msg_id: id.into(),
        action,
    };
    match store.write_batch(&[req]).await.expect("commit").pop() {
        Some(SendOutcome::Stored(m)) => m.seq,
        other => panic!("not stored: {other:?}"),
    }
}

async fn found(store: &Store, user: UserId, query: &str) -> Vec<(RoomId, Seq)> {
    store
        .search(user, &query_terms(query), 0, 50)
        .await
        .expect("search")
        .hits
        .into_iter()
        .map(|h| (h.room_id, h.seq))
        .collect()
}

async fn korean_and_english_are_found_inside_longer_words(store: Store) {
    let ann = test_user(&store, "ann").await;
    let room = store.create_group(ann, "trip", false).await.expect("room");
    let seoul = post(&store, room, ann, "a1", "서울에서 만나요").await;
    let deploy = post(&store, room, ann, "a2", "Deploying now").await;
    post(&store, room, ann, "a3", "부산으로 가요, no deploys today").await;
    assert_eq!(found(&store, ann, "서울").await, vec![(room, seoul)]);
    assert_eq!(found(&store, ann, "만나").await, vec![(room, seoul)]);
    assert_eq!(
        found(&store, ann, "서울에서 만나요").await,
        vec![(room, seoul)]
    );
    assert_eq!(
        found(&store, ann, "서").await,
        vec![(room, seoul)],
        "one syllable"
    );
    assert_eq!(found(&store, ann, "DEPLOYING").await, vec![(room, deploy)]);
    let both = found(&store, ann, "deploy").await;
    assert_eq!(both.len(), 2, "Deploying and deploys: {both:?}");
    assert_eq!(found(&store, ann, "인천").await, vec![]);
    assert_eq!(
        found(&store, ann, "ploy").await,
        vec![],
        "not inside a word"
    );
    let word = format!("long{}", "q".repeat(2_996));
    let long = post(&store, room, ann, "a4", &word).await;
    let start: String = word.chars().take(100).collect();
    assert_eq!(
        found(&store, ann, &start).await,
        vec![(room, long)],
        "a 3,000-letter word"
    );

    let page = store
        .search(ann, &query_terms("만나"), 0, 50)
        .await
        .expect("search");
    let hit = &page.hits[0];
    assert_eq!(
        (hit.room_name.as_str(), hit.sender_name.as_str()),
        ("trip", "ann")
    );
    let marked: Vec<&str> = hit
        .snippet
        .iter()
        .filter(|p| p.hit)
        .map(|p| p.text.as_str())
        .collect();
    assert_eq!(marked, vec!["만나"]);
}

async fn rooms_the_user_is_not_in_never_appear(store: Store) {
    let (ann, ben) = (
        test_user(&store, "ann").await,
        test_user(&store, "ben").await,
    );
    let mine = store.create_group(ann, "mine", false).await.expect("room");
    let private = store.create_group(ben, "ben's", false).await.expect("room");
    let public = store.create_group(ben, "open", true).await.expect("room");
    let seq = post(&store, mine, ann, "a1", "서울에서 만나요").await;
    post(&store, private, ben, "b1", "서울에서 만나요").await;
    post(&store, public, ben, "b2", "서울에서 만나요").await;
    assert_eq!(
        found(&store, ann, "서울에서 만나요").await,
        vec![(mine, seq)],
        "an exact match in a room she is not in, public or not, stays out"
    );
    assert_eq!(found(&store, ben, "서울").await.len(), 2);
}

async fn deleted_messages_leave_the_index_and_edits_are_found_by_their_new_text(store: Store) {
    let ann = test_user(&store, "ann").await;
    let room = store.create_group(ann, "r", false).await.expect("room");
    let seq = post(&store, room, ann, "a1", "the old wording").await;
    act(
        &store,
        room,
        ann,
        "a2",
        Action::edit(seq, "새 문장 fresh", HOUR_MS),
    )
    .await;
    assert_eq!(
        found(&store, ann, "wording").await,
        vec![],
        "the old text is gone"
    );
    assert_eq!(found(&store, ann, "fresh").await, vec![(room, seq)]);
    assert_eq!(found(&store, ann, "문장").await, vec![(room, seq)]);
    let other = post(&store, room, ann, "a3", "fresh too").await;
    act(&store, room, ann, "a4", Action::Delete { seq }).await;
    assert_eq!(found(&store, ann, "fresh").await, vec![(room, other)]);
    assert_eq!(found(&store, ann, "문장").await, vec![]);
    // Out of the index itself, not only filtered out; an edit replaced its entry.
    let entries: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM message_search")
        .fetch_one(&store.pool)
        .await
        .expect("count");
    assert_eq!(entries, 1);
}

async fn equal_relevance_puts_the_newest_first_in_pages(store: Store) {
    let ann = test_user(&store, "ann").await;
    let room = store.create_group(ann, "r", false).await.expect("room");
    let mut seqs = Vec::new();
    for i in 0..5 {
        seqs.push(post(&store, room, ann, &format!("a{i}"), "release notes").await);
    }
    // One mention among many words ranks below the short ones.
    let long = post(
        &store,
        room,
        ann,
        "long",
        &format!(
            "release {}",
            (0..60)
                .map(|i| format!("w{i}"))
                .collect::<Vec<_>>()
                .join(" ")
        ),
    )
    .await;
    let terms = query_terms("release");
    let mut all = Vec::new();
    let mut more = Vec::new();
    for page in 0..3 {
        let p = store.search(ann, &terms, page, 2).await.expect("search");
        more.push(p.more);
        all.extend(p.hits.into_iter().map(|h| h.seq));
    }
    seqs.reverse();
    seqs.push(long);
    assert_eq!(all, seqs);
    assert_eq!(more, vec![true, true, false]);
}

async fn no_query_is_an_index_syntax_error(store: Store) {
    let ann = test_user(&store, "ann").await;
    let room = store.create_group(ann, "r", false).await.expect("room");
    let seq = post(
        &store,
        room,
        ann,
        "a1",
        "deploy AND rollback NEAR \"quotes\"",
    )
    .await;
    let long = "가".repeat(10_000);
    let nasty = [
        "\"",
        "\"deploy",
        "deploy*",
        "*",
        "NEAR(deploy rollback)",
        "deploy AND",
        "AND",
        "OR NOT",
        "(deploy",
        ")",
        "deploy:*",
        "'",
        "''",
        "!deploy",
        "deploy & | !",
        "{deploy}",
        "^deploy",
        "-deploy",
        "col:deploy",
        "tokens:deploy",
        "\\",
        "\u{0}",
        "😀",
        "   ",
        "",
        &long,
    ];
    for q in nasty {
        let page = store.search(ann, &query_terms(q), 0, 20).await;
        assert!(page.is_ok(), "{q:?}: {page:?}");
    }
    assert_eq!(found(&store, ann, "\"deploy").await, vec![(room, seq)]);
    assert_eq!(
        found(&store, ann, "NEAR(deploy rollback)").await,
        vec![(room, seq)]
    );
}

async fn messages_stored_before_the_index_are_indexed_when_the_store_opens(store: Store) {
    let ann = test_user(&store, "ann").await;
    let room = store.create_group(ann, "r", false).await.expect("room");
    let seq = post(&store, room, ann, "a1", "서울에서 만나요").await;
    let gone = post(&store, room, ann, "a2", "서울 gone").await;
    act(&store, room, ann, "a3", Action::Delete { seq: gone }).await;
    // As a store from before search: no index, and the migration's task.
    sqlx::query("DELETE FROM message_search")
        .execute(&store.pool)
        .await
        .expect("empty the index");
    sqlx::query("INSERT INTO search_backfill (next_id, upto) VALUES (0, 1000000)")
        .execute(&store.pool)
        .await
        .expect("the task");
    assert_eq!(found(&store, ann, "서울").await, vec![]);
    store.backfill_search().await.expect("backfill");
    assert_eq!(found(&store, ann, "서울").await, vec![(room, seq)]);
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM search_backfill")
        .fetch_one(&store.pool)
        .await
        .expect("count");
    assert_eq!(left, 0, "the task is done");
}
