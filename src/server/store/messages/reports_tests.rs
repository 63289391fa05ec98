//! Moderation's second part in the store, on both backends: read-only rooms, a moderator's
//! removal of a message, reports and the threshold that hides a message for everyone, and
//! the site acting above the owner.

use super::moderation_tests::{act, one, post, room_of_three};
use super::*;
use crate::protocol::{MessageKind, ModAction, ModEvent, Role, REPORTS_REASON};
use crate::server::search::tokens::query_terms;
use crate::server::store::test_user;
use crate::server::store::testing::on_both_backends;
use crate::server::store::SYSTEM_SUB;

on_both_backends!(
    a_read_only_room_refuses_members_and_accepts_moderators,
    a_moderator_removes_the_messages_of_lower_roles_only,
    reports_count_once_per_member_and_the_threshold_hides_for_everyone,
    the_site_and_its_moderators_act_above_the_owner,
    a_batch_applies_its_rows_in_order_and_its_hides_name_no_reporter,
);

fn on_message(room: RoomId, actor: UserId, id: &str, act: ModAction, seq: Seq) -> SendRequest {
    let mut req = super::moderation_tests::act(room, actor, id, 0, act, None);
    if let Action::Moderate { seq: s, .. } = &mut req.action {
        *s = Some(seq);
    }
    req
}

fn request(room: RoomId, sender: UserId, id: &str, action: Action) -> SendRequest {
    SendRequest {
        room_id: room,
        sender_id: sender,
        sender_name: String::new(),
        sender_username: String::new(),
        client_msg_id: id.into(),
        action,
    }
}

fn report(room: RoomId, reporter: UserId, seq: Seq, threshold: i64) -> SendRequest {
    let reason = format!("spam, says {reporter}");
    let id = format!("report:{room}:{seq}");
    request(
        room,
        reporter,
        &id,
        Action::Report {
            seq,
            reason,
            threshold,
        },
    )
}

fn stored(outcome: SendOutcome) -> Message {
    match outcome {
        SendOutcome::Stored(m) => m,
        other => panic!("not stored: {other:?}"),
    }
}

/// The message `seq` of `room` as a page loaded now shows it.
async fn shown(store: &Store, room: RoomId, seq: Seq) -> Message {
    let page = store.latest(room, 100).await.expect("page");
    page.into_iter()
        .find(|m| m.seq == seq)
        .expect("on the page")
}

async fn a_read_only_room_refuses_members_and_accepts_moderators(store: Store) {
    let (room, ann, bob, cy) = room_of_three(&store).await;
    let before = stored(one(&store, post(room, bob, "b0")).await);
    stored(one(&store, act(room, ann, "a1", 0, ModAction::ReadOnly, None)).await);
    assert!(store.read_only(room).await.expect("flag"));
    assert_eq!(
        one(&store, post(room, bob, "b1")).await,
        SendOutcome::Refused(ErrorCode::ReadOnly)
    );
    let edit = request(
        room,
        bob,
        "b2",
        Action::edit(before.seq, "again", 3_600_000),
    );
    assert_eq!(
        one(&store, edit).await,
        SendOutcome::Refused(ErrorCode::ReadOnly)
    );
    assert!(!store.may_post(room, bob).await.expect("may post"));
    // Reading and reacting stay open.
    let react = Action::React {
        seq: before.seq,
        emoji: "👍".into(),
        on: true,
    };
    stored(one(&store, request(room, cy, "c1", react)).await);
    stored(one(&store, post(room, ann, "a2")).await);
    stored(one(&store, act(room, ann, "a3", cy, ModAction::Promote, None)).await);
    stored(one(&store, post(room, cy, "c2")).await);
    assert!(store.may_post(room, cy).await.expect("may post"));
    // A member cannot open it again.
    assert_eq!(
        one(&store, act(room, bob, "b3", 0, ModAction::ReadWrite, None)).await,
        SendOutcome::Refused(ErrorCode::NotAllowed)
    );
    // Inside one batch: the room opens, and the member's send behind it passes.
    let out = store
        .write_batch(&[
            act(room, cy, "c3", 0, ModAction::ReadWrite, None),
            post(room, bob, "b4"),
        ])
        .await
        .expect("commit");
    assert!(matches!(&out[1], SendOutcome::Stored(_)), "{out:?}");
    assert!(!store.read_only(room).await.expect("flag"));
}

async fn a_moderator_removes_the_messages_of_lower_roles_only(store: Store) {
    let (room, ann, bob, cy) = room_of_three(&store).await;
    stored(one(&store, act(room, ann, "a1", bob, ModAction::Promote, None)).await);
    let cys = stored(one(&store, post(room, cy, "c1")).await);
    let anns = stored(one(&store, post(room, ann, "a2")).await);
    let bobs = stored(one(&store, post(room, bob, "b1")).await);
    let delete = |who, id: &str, seq| request(room, who, id, Action::Delete { seq });
    // A member removes nobody's message; a moderator not the owner's, nor another's of the
    // same role.
    assert_eq!(
        one(&store, delete(cy, "c2", bobs.seq)).await,
        SendOutcome::Refused(ErrorCode::NotYours)
    );
    assert_eq!(
        one(&store, delete(bob, "b2", anns.seq)).await,
        SendOutcome::Refused(ErrorCode::NotYours)
    );
    let event = stored(one(&store, delete(bob, "b3", cys.seq)).await);
    let target = event.target.expect("the removed message");
    assert!(target.deleted && target.removed_by_moderator && target.body.is_empty());
    let reloaded = shown(&store, room, cys.seq).await;
    assert!(reloaded.deleted && reloaded.removed_by_moderator);
    // The owner removes the moderator's; a sender's own delete is not a moderator's.
    let by_owner = stored(one(&store, delete(ann, "a3", bobs.seq)).await);
    assert!(by_owner.target.expect("target").removed_by_moderator);
    stored(one(&store, delete(ann, "a4", anns.seq)).await);
    let own = shown(&store, room, anns.seq).await;
    assert!(own.deleted && !own.removed_by_moderator);
}

async fn reports_count_once_per_member_and_the_threshold_hides_for_everyone(store: Store) {
    let (room, ann, bob, cy) = room_of_three(&store).await;
    let dan = test_user(&store, "dan").await;
    assert_eq!(
        store.join_public(dan, room).await.expect("join"),
        crate::server::store::JoinOutcome::Joined
    );
    let spam = stored(
        one(
            &store,
            request(
                room,
                bob,
                "b1",
                Action::post("buy cheap 서울 tickets", None),
            ),
        )
        .await,
    );
    // Not one's own message; once per member.
    assert_eq!(
        one(&store, report(room, bob, spam.seq, 2)).await,
        SendOutcome::Refused(ErrorCode::NotAllowed)
    );
    assert_eq!(
        one(&store, report(room, cy, spam.seq, 2)).await,
        SendOutcome::Reported(1)
    );
    assert_eq!(
        one(&store, report(room, cy, spam.seq, 2)).await,
        SendOutcome::Reported(1)
    );
    assert!(!shown(&store, room, spam.seq).await.hidden);
    // The second member's report reaches the threshold: a row of the sequence that hides
    // the message, from the server's own user, naming no reporter.
    let hide = stored(one(&store, report(room, dan, spam.seq, 2)).await);
    assert_eq!(hide.kind, MessageKind::Moderation);
    assert_eq!(hide.sender_id, store.system_user);
    assert_ne!(hide.sender_id, dan);
    let event = ModEvent::parse(&hide.body).expect("event");
    assert_eq!(
        (
            event.action,
            event.seq,
            event.user_id,
            event.reason.as_str()
        ),
        (ModAction::Hide, Some(spam.seq), bob, REPORTS_REASON)
    );
    let target = hide.target.expect("the hidden message");
    assert!(target.hidden && target.body.is_empty() && target.html.is_empty());
    // For everyone, on every load: hidden, no body; not found by search.
    let reloaded = shown(&store, room, spam.seq).await;
    assert!(reloaded.hidden && reloaded.body.is_empty() && !reloaded.deleted);
    let hits = store
        .search(ann, &query_terms("서울"), 0, 10)
        .await
        .expect("search");
    assert!(hits.hits.is_empty(), "{hits:?}");
    // Nobody answers or reacts to it meanwhile.
    let reply = request(room, ann, "a0", Action::post("what?", Some(spam.seq)));
    assert_eq!(
        one(&store, reply).await,
        SendOutcome::Refused(ErrorCode::NoSuchMessage)
    );
    // The inbox: the body as written, for the review, and both reasons.
    assert_eq!(store.open_reports(room).await.expect("count"), 1);
    let inbox = store.reported(room, 10).await.expect("inbox");
    assert_eq!(inbox.len(), 1);
    assert!(inbox[0].hidden && inbox[0].body.contains("cheap"));
    assert_eq!(inbox[0].reasons.len(), 2);
    // A member cannot restore it; the owner does, and its reports close.
    assert_eq!(
        one(
            &store,
            on_message(room, cy, "c9", ModAction::Restore, spam.seq)
        )
        .await,
        SendOutcome::Refused(ErrorCode::NotAllowed)
    );
    let restore = stored(
        one(
            &store,
            on_message(room, ann, "a1", ModAction::Restore, spam.seq),
        )
        .await,
    );
    assert!(!restore.target.expect("target").hidden);
    let back = shown(&store, room, spam.seq).await;
    assert!(!back.hidden && back.body.contains("cheap"));
    assert_eq!(store.open_reports(room).await.expect("count"), 0);
    assert_eq!(
        store
            .search(ann, &query_terms("서울"), 0, 10)
            .await
            .expect("search")
            .hits
            .len(),
        1
    );
    // Reports once closed are not counted again, and their reporters do not report twice.
    assert_eq!(
        one(&store, report(room, dan, spam.seq, 2)).await,
        SendOutcome::Reported(0)
    );
    // A moderator hides and removes directly.
    stored(
        one(
            &store,
            on_message(room, ann, "a2", ModAction::Hide, spam.seq),
        )
        .await,
    );
    assert!(shown(&store, room, spam.seq).await.hidden);
    let removed = stored(
        one(
            &store,
            request(room, ann, "a3", Action::Delete { seq: spam.seq }),
        )
        .await,
    );
    assert!(removed.target.expect("target").removed_by_moderator);
    assert_eq!(role_of(&store, room, cy).await, Role::Member);
}

async fn role_of(store: &Store, room: RoomId, user: UserId) -> Role {
    store.role(room, user).await.expect("role").expect("member")
}

async fn the_site_and_its_moderators_act_above_the_owner(store: Store) {
    let (room, _) = store
        .ensure_host_room("qa", "QA", "question:1", "How?", "")
        .await
        .expect("room");
    let room_id = room.room_id;
    let mut users = Vec::new();
    for sub in ["asker", "helper", "reader"] {
        let (user, _) = store
            .add_host_member("qa", &room, sub, sub)
            .await
            .expect("member");
        users.push(user);
    }
    let [asker, helper, reader] = users[..] else {
        panic!("three")
    };
    let site = store
        .host_user("qa", SYSTEM_SUB)
        .await
        .expect("user")
        .expect("the host's system user");
    // The host makes the asker the owner; the owner names a moderator.
    stored(
        one(
            &store,
            act(room_id, site, "s1", asker, ModAction::Transfer, None),
        )
        .await,
    );
    assert_eq!(role_of(&store, room_id, asker).await, Role::Owner);
    stored(
        one(
            &store,
            act(room_id, asker, "o1", helper, ModAction::Promote, None),
        )
        .await,
    );
    // A moderator cannot act on the owner; the site can.
    assert_eq!(
        one(
            &store,
            act(room_id, helper, "h1", asker, ModAction::Mute, Some(5))
        )
        .await,
        SendOutcome::Refused(ErrorCode::NotAllowed)
    );
    stored(
        one(
            &store,
            act(room_id, site, "s2", asker, ModAction::Mute, Some(5)),
        )
        .await,
    );
    // A site moderator, not a member of the room, acts too: demotes and kicks anyone.
    let (moderator, _) = store
        .add_host_member("qa", &room, "mod", "Mod")
        .await
        .expect("user");
    store
        .remove_host_member("qa", &room, "mod")
        .await
        .expect("left");
    assert!(!store.is_member(room_id, moderator).await.expect("member"));
    assert_eq!(
        one(
            &store,
            act(room_id, moderator, "m0", reader, ModAction::Kick, None)
        )
        .await,
        SendOutcome::NotMember,
        "not a site moderator yet"
    );
    assert!(store
        .set_site_moderator("qa", "mod", true)
        .await
        .expect("granted"));
    assert_eq!(
        store.acting_role(room_id, moderator).await.expect("role"),
        Some(Role::Site)
    );
    stored(
        one(
            &store,
            act(room_id, moderator, "m1", asker, ModAction::Demote, None),
        )
        .await,
    );
    assert_eq!(role_of(&store, room_id, asker).await, Role::Member);
    stored(
        one(
            &store,
            act(room_id, moderator, "m2", asker, ModAction::Kick, None),
        )
        .await,
    );
    assert!(!store.is_member(room_id, asker).await.expect("member"));
    // A site moderator posts only where they are a member.
    assert_eq!(
        one(&store, post(room_id, moderator, "m3")).await,
        SendOutcome::NotMember
    );
    // Revoked: a plain outsider again.
    store
        .set_site_moderator("qa", "mod", false)
        .await
        .expect("revoked");
    assert_eq!(
        one(
            &store,
            act(room_id, moderator, "m4", reader, ModAction::Kick, None)
        )
        .await,
        SendOutcome::NotMember
    );
}

async fn a_batch_applies_its_rows_in_order_and_its_hides_name_no_reporter(store: Store) {
    let (room, ann, bob, cy) = room_of_three(&store).await;
    let dan = test_user(&store, "dan").await;
    store.join_public(dan, room).await.expect("join");
    // A hide or restore naming no message is refused alone: the batch around it commits.
    let no_seq = act(room, ann, "a0", 0, ModAction::Restore, None);
    let out = store
        .write_batch(&[no_seq, post(room, cy, "c0")])
        .await
        .expect("the batch commits");
    assert_eq!(out[0], SendOutcome::Refused(ErrorCode::NoSuchMessage));
    assert!(matches!(out[1], SendOutcome::Stored(_)), "{out:?}");
    assert_eq!(
        one(&store, on_message(room, ann, "a1", ModAction::Hide, 999)).await,
        SendOutcome::Refused(ErrorCode::NoSuchMessage)
    );
    // The report that hides, then the sender's own delete, in one batch: deleted, not
    // hidden; the hide's row names its place, not its reporter.
    let first = stored(one(&store, post(room, bob, "b1")).await);
    one(&store, report(room, cy, first.seq, 2)).await;
    let delete = request(room, bob, "b2", Action::Delete { seq: first.seq });
    let out = store
        .write_batch(&[report(room, dan, first.seq, 2), delete])
        .await
        .expect("commit");
    let hide = match &out[0] {
        SendOutcome::Stored(m) => m.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(hide.client_msg_id, format!("hide:{room}:{}", hide.seq));
    let after = shown(&store, room, first.seq).await;
    assert!(after.deleted && !after.hidden, "{after:?}");
    assert_eq!(store.open_reports(room).await.expect("count"), 0);
    // Restore, then a report, in one batch: the report counts from none, and hides nothing.
    let second = stored(one(&store, post(room, bob, "b3")).await);
    for reporter in [cy, dan] {
        one(&store, report(room, reporter, second.seq, 2)).await;
    }
    assert!(shown(&store, room, second.seq).await.hidden);
    let out = store
        .write_batch(&[
            on_message(room, ann, "a2", ModAction::Restore, second.seq),
            report(room, ann, second.seq, 2),
        ])
        .await
        .expect("commit");
    assert_eq!(out[1], SendOutcome::Reported(1), "{out:?}");
    assert!(!shown(&store, room, second.seq).await.hidden);
    // A moderator's message is never hidden by reports, and its sender cannot restore
    // their own hidden message.
    stored(one(&store, act(room, ann, "a3", cy, ModAction::Promote, None)).await);
    let cys = stored(one(&store, post(room, cy, "c1")).await);
    for reporter in [bob, dan] {
        assert!(matches!(
            one(&store, report(room, reporter, cys.seq, 2)).await,
            SendOutcome::Reported(_)
        ));
    }
    assert!(!shown(&store, room, cys.seq).await.hidden);
    stored(
        one(
            &store,
            on_message(room, ann, "a4", ModAction::Hide, cys.seq),
        )
        .await,
    );
    assert_eq!(
        one(
            &store,
            on_message(room, cy, "c2", ModAction::Restore, cys.seq)
        )
        .await,
        SendOutcome::Refused(ErrorCode::NotAllowed)
    );
}
