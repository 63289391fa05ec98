//! Moderation in the store, on both backends: roles decide who may act on whom, in the
//! transaction; a mute refuses sends until it ends; a kick and a ban keep the user out;
//! every action is a row of the sequence and a line of the log.

use super::*;
use crate::protocol::{MessageKind, ModAction, ModEvent, Role};
use crate::server::store::test_user;
use crate::server::store::testing::on_both_backends;
use crate::server::store::InviteOutcome;
use crate::server::store::JoinOutcome;

on_both_backends!(
    roles_decide_who_may_act_on_whom,
    a_mute_refuses_sends_until_it_ends,
    kicks_block_for_longer_each_time_and_a_ban_keeps_out_for_ever,
    an_action_holds_for_the_rest_of_its_batch_and_a_mute_outlives_leaving,
);

const MINUTE_MS: i64 = 60_000;

pub(super) fn act(
    room: RoomId,
    actor: UserId,
    id: &str,
    target: UserId,
    act: ModAction,
    minutes: Option<u32>,
) -> SendRequest {
    SendRequest {
        room_id: room,
        sender_id: actor,
        sender_name: String::new(),
        sender_username: String::new(),
        client_msg_id: id.into(),
        action: Action::Moderate {
            target,
            act,
            minutes,
            reason: format!("{act:?}"),
            seq: None,
        },
    }
}

pub(super) fn post(room: RoomId, sender: UserId, id: &str) -> SendRequest {
    SendRequest {
        room_id: room,
        sender_id: sender,
        sender_name: String::new(),
        sender_username: String::new(),
        client_msg_id: id.into(),
        action: Action::post("hello", None),
    }
}

pub(super) async fn one(store: &Store, req: SendRequest) -> SendOutcome {
    store
        .write_batch(&[req])
        .await
        .expect("commit")
        .pop()
        .expect("one")
}

/// A room owned by Ann, with Bob and Cy as members.
pub(super) async fn room_of_three(store: &Store) -> (RoomId, UserId, UserId, UserId) {
    let ann = test_user(store, "ann").await;
    let bob = test_user(store, "bob").await;
    let cy = test_user(store, "cy").await;
    let room = store.create_group(ann, "lobby", true).await.expect("room");
    for user in [bob, cy] {
        assert_eq!(
            store.join_public(user, room).await.expect("join"),
            JoinOutcome::Joined
        );
    }
    (room, ann, bob, cy)
}

async fn roles_decide_who_may_act_on_whom(store: Store) {
    let (room, ann, bob, cy) = room_of_three(&store).await;
    assert_eq!(
        store.role(room, ann).await.expect("role"),
        Some(Role::Owner)
    );
    assert_eq!(
        store.role(room, bob).await.expect("role"),
        Some(Role::Member)
    );
    // A member acts on nobody.
    let refused = one(&store, act(room, bob, "b1", cy, ModAction::Mute, Some(5))).await;
    assert_eq!(refused, SendOutcome::Refused(ErrorCode::NotAllowed));
    // The owner makes Bob a moderator; he may mute Cy, not Ann, and promotes nobody.
    assert!(matches!(
        one(&store, act(room, ann, "a1", bob, ModAction::Promote, None)).await,
        SendOutcome::Stored(_)
    ));
    assert_eq!(
        store.role(room, bob).await.expect("role"),
        Some(Role::Moderator)
    );
    assert!(matches!(
        one(&store, act(room, bob, "b2", cy, ModAction::Mute, Some(5))).await,
        SendOutcome::Stored(_)
    ));
    for (id, action) in [
        ("b3", ModAction::Mute),
        ("b4", ModAction::Kick),
        ("b5", ModAction::Ban),
    ] {
        let on_owner = one(&store, act(room, bob, id, ann, action, Some(5))).await;
        assert_eq!(
            on_owner,
            SendOutcome::Refused(ErrorCode::NotAllowed),
            "{action:?}"
        );
    }
    let promote = one(&store, act(room, bob, "b6", cy, ModAction::Promote, None)).await;
    assert_eq!(promote, SendOutcome::Refused(ErrorCode::NotAllowed));
    // A mute longer than 28 days, or of no length, is refused.
    for (id, minutes) in [
        ("a2", Some(28 * 24 * 60 + 1)),
        ("a3", None),
        ("a4", Some(0)),
    ] {
        let out = one(&store, act(room, ann, id, cy, ModAction::Mute, minutes)).await;
        assert_eq!(
            out,
            SendOutcome::Refused(ErrorCode::NotAllowed),
            "{minutes:?}"
        );
    }
    // Demoted, Bob is a member again: he can no longer act.
    assert!(matches!(
        one(&store, act(room, ann, "a5", bob, ModAction::Demote, None)).await,
        SendOutcome::Stored(_)
    ));
    let after = one(&store, act(room, bob, "b7", cy, ModAction::Unmute, None)).await;
    assert_eq!(after, SendOutcome::Refused(ErrorCode::NotAllowed));
    // The log holds the three actions taken, the newest first, with their seqs.
    let log = store.moderation_log(room, 50).await.expect("log");
    let actions: Vec<ModAction> = log.iter().map(|l| l.action).collect();
    assert_eq!(
        actions,
        [ModAction::Demote, ModAction::Mute, ModAction::Promote]
    );
    assert_eq!(log[1].reason, "Mute");
    assert_eq!(log[1].target_name, "cy");
    assert!(log[1].until.is_some());
}

async fn a_mute_refuses_sends_until_it_ends(store: Store) {
    let (room, ann, bob, _) = room_of_three(&store).await;
    let muted = match one(&store, act(room, ann, "a1", bob, ModAction::Mute, Some(10))).await {
        SendOutcome::Stored(m) => m,
        other => panic!("{other:?}"),
    };
    assert_eq!(muted.kind, MessageKind::Moderation);
    let event = ModEvent::parse(&muted.body).expect("event");
    assert_eq!((event.action, event.user_id), (ModAction::Mute, bob));
    let until = event.until.expect("an end");
    let now = crate::server::store::now_ms();
    assert!(
        (until - now - 10 * MINUTE_MS).abs() < 5_000,
        "{until} {now}"
    );
    assert_eq!(
        one(&store, post(room, bob, "b1")).await,
        SendOutcome::Muted(until)
    );
    // Nothing was stored for the refused send: the next row is Ann's.
    let next = one(&store, post(room, ann, "a2")).await;
    assert!(
        matches!(next, SendOutcome::Stored(ref m) if m.seq == muted.seq + 1),
        "{next:?}"
    );
    // Unmuted, Bob sends again.
    assert!(matches!(
        one(&store, act(room, ann, "a3", bob, ModAction::Unmute, None)).await,
        SendOutcome::Stored(_)
    ));
    assert!(matches!(
        one(&store, post(room, bob, "b1")).await,
        SendOutcome::Stored(_)
    ));
}

async fn kicks_block_for_longer_each_time_and_a_ban_keeps_out_for_ever(store: Store) {
    let (room, ann, bob, cy) = room_of_three(&store).await;
    let kick = |id: &str| act(room, ann, id, bob, ModAction::Kick, None);
    let until = |out: SendOutcome| match out {
        SendOutcome::Stored(m) => ModEvent::parse(&m.body)
            .and_then(|e| e.until)
            .expect("until"),
        other => panic!("{other:?}"),
    };
    let first = until(one(&store, kick("k1")).await) - crate::server::store::now_ms();
    assert!((first - MINUTE_MS).abs() < 5_000, "{first}");
    assert!(!store.is_member(room, bob).await.expect("query"));
    assert!(matches!(
        store.join_public(bob, room).await.expect("join"),
        JoinOutcome::Barred(_)
    ));
    assert_eq!(
        one(&store, post(room, bob, "b1")).await,
        SendOutcome::NotMember
    );
    // The block ended (its end moved back, as time passing would): Bob comes back.
    sqlx::query("UPDATE room_bars SET until = 1")
        .execute(&store.pool)
        .await
        .expect("age");
    assert_eq!(
        store.join_public(bob, room).await.expect("join"),
        JoinOutcome::Joined
    );
    let second = until(one(&store, kick("k2")).await) - crate::server::store::now_ms();
    assert!((second - 5 * MINUTE_MS).abs() < 5_000, "{second}");
    sqlx::query("UPDATE room_bars SET until = 1")
        .execute(&store.pool)
        .await
        .expect("age");
    store.join_public(bob, room).await.expect("join");
    let third = until(one(&store, kick("k3")).await) - crate::server::store::now_ms();
    assert!((third - 30 * MINUTE_MS).abs() < 5_000, "{third}");

    // A ban without an end: no joining, no invitation, until it is lifted.
    let ban = one(&store, act(room, ann, "n1", cy, ModAction::Ban, None)).await;
    assert!(
        matches!(ban, SendOutcome::Stored(ref m) if ModEvent::parse(&m.body).is_some_and(|e| e.until.is_none()))
    );
    assert!(matches!(
        store.join_public(cy, room).await.expect("join"),
        JoinOutcome::Barred(i64::MAX)
    ));
    assert_eq!(
        store.invite(ann, room, cy).await.expect("invite"),
        InviteOutcome::Barred
    );
    assert!(matches!(
        one(&store, act(room, ann, "n2", cy, ModAction::Unban, None)).await,
        SendOutcome::Stored(_)
    ));
    assert_eq!(
        store.invite(ann, room, cy).await.expect("invite"),
        InviteOutcome::Invited
    );
}

async fn an_action_holds_for_the_rest_of_its_batch_and_a_mute_outlives_leaving(store: Store) {
    let (room, ann, bob, cy) = room_of_three(&store).await;
    let out = store
        .write_batch(&[
            act(room, ann, "a1", bob, ModAction::Kick, None),
            post(room, bob, "b1"),
            act(room, ann, "a2", cy, ModAction::Mute, Some(10)),
            post(room, cy, "c1"),
        ])
        .await
        .expect("commit");
    assert!(matches!(out[0], SendOutcome::Stored(_)), "{:?}", out[0]);
    assert_eq!(
        out[1],
        SendOutcome::NotMember,
        "kicked earlier in the batch"
    );
    assert!(matches!(out[3], SendOutcome::Muted(_)), "{:?}", out[3]);
    // Cy leaves and joins again: still muted.
    assert!(store.leave(cy, room).await.expect("leave"));
    assert_eq!(
        store.join_public(cy, room).await.expect("join"),
        JoinOutcome::Joined
    );
    assert!(matches!(
        one(&store, post(room, cy, "c2")).await,
        SendOutcome::Muted(_)
    ));
    // Outside the room, only the owner bans: a moderator may not.
    let dan = test_user(&store, "dan").await;
    assert_eq!(
        store.join_public(dan, room).await.expect("join"),
        JoinOutcome::Joined
    );
    assert!(matches!(
        one(&store, act(room, ann, "a3", dan, ModAction::Promote, None)).await,
        SendOutcome::Stored(_)
    ));
    let outsider = test_user(&store, "eve").await;
    let by_moderator = one(&store, act(room, dan, "d1", outsider, ModAction::Ban, None)).await;
    assert_eq!(by_moderator, SendOutcome::Refused(ErrorCode::NotAllowed));
    let by_owner = one(&store, act(room, ann, "a4", outsider, ModAction::Ban, None)).await;
    assert!(matches!(by_owner, SendOutcome::Stored(_)), "{by_owner:?}");
}
