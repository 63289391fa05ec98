//! The moderators' panel in a room's header: the inbox of reported messages with its count
//! (restore or remove each), the members with their roles and the actions the viewer's
//! role allows on each, the room's read-only switch, and the log. Every action is a
//! `moderate` frame (or a delete); the panel reads the server again after each row of the
//! room's moderation, so what it shows is the server's.

use leptos::prelude::*;

use crate::api::{moderation_log, reports, room_members};
use crate::client::{Change, Chat};
use crate::i18n::{fill, use_i18n};
use crate::model::MemberEntry;
use crate::protocol::{ModAction, Role, RoomId, UserId};

/// A moderator's action on member `user_id` (or on the room, with 0).
fn action(user_id: UserId, action: ModAction, minutes: Option<u32>, reason: String) -> Change {
    Change::Moderate {
        user_id,
        action,
        minutes,
        reason,
        seq: None,
    }
}

/// What `load` answers, read in the browser (never during server rendering, and outside
/// any `Suspense`: a resource read under the room's would put the whole room back to its
/// fallback on each read) each time `when` runs and says yes. An answer that comes after
/// a later read's is dropped.
fn read_when<T, F, W>(when: W, load: impl Fn() -> F + 'static) -> RwSignal<Option<T>>
where
    T: Send + Sync + 'static,
    F: std::future::Future<Output = Result<T, crate::api::ApiError>> + 'static,
    W: Fn() -> bool + 'static,
{
    let value = RwSignal::new(None);
    let asked = StoredValue::new(0_u64);
    Effect::new(move |_| {
        if !when() {
            return;
        }
        asked.update_value(|n| *n += 1);
        let this = asked.get_value();
        let answer = load();
        leptos::task::spawn_local(async move {
            if let Ok(v) = answer.await {
                if asked.try_get_value() == Some(this) {
                    value.try_set(Some(v));
                }
            }
        });
    });
    value
}

/// The lengths a mute or a ban may be given from the panel, in minutes.
const LENGTHS: [(u32, &str); 4] = [(1, "1 min"), (10, "10 min"), (60, "1 h"), (1440, "1 d")];

/// What the panel's actions on members take: the reason typed, and the length chosen.
#[derive(Clone, Copy)]
struct Terms {
    reason: RwSignal<String>,
    minutes: RwSignal<u32>,
}

/// The panel, for the room's moderators and owner (and the site's); `reports`: the count
/// the page was loaded with.
#[component]
pub fn ModerationPanel(room: RoomId, reports_at_load: i64) -> impl IntoView {
    let chat = expect_context::<Chat>();
    let i18n = use_i18n();
    let standing = chat.feed(room).standing;
    let t = move || i18n.t().moderation;
    let open = RwSignal::new(false);
    // Read in the browser only, again after each moderation row (the count is shown
    // closed too); the lists only while open.
    let changed = standing.reviews.clone();
    let inbox = read_when(
        move || {
            changed.track();
            true
        },
        move || reports(room, chat.session_token()),
    );
    let changed = standing.reviews.clone();
    let members = read_when(
        move || {
            changed.track();
            open.get()
        },
        move || room_members(room, chat.session_token()),
    );
    let changed = standing.reviews.clone();
    let log = read_when(
        move || {
            changed.track();
            open.get()
        },
        move || moderation_log(room, chat.session_token()),
    );
    let count = move || inbox.with(|r| r.as_ref().map_or(reports_at_load, |r| r.len() as i64));
    let read_only = standing.read_only.clone();
    let toggle = move |_| {
        let next = if read_only.get_untracked() {
            ModAction::ReadWrite
        } else {
            ModAction::ReadOnly
        };
        chat.change(room, action(0, next, None, String::new()));
    };
    let terms = Terms {
        reason: RwSignal::new(String::new()),
        minutes: RwSignal::new(10),
    };
    let lengths = LENGTHS
        .iter()
        .map(|&(m, label)| view! { <option value=m selected=m == 10>{label}</option> })
        .collect_view();
    let read_only = standing.read_only.clone();
    let inbox_view = move || {
        let list = inbox.get().unwrap_or_default();
        if list.is_empty() {
            return view! { <p class="note">{t().no_reports}</p> }.into_any();
        }
        list.into_iter()
            .map(|m| {
                let seq = m.seq;
                let n = m.reasons.len().to_string();
                let reasons = m
                    .reasons
                    .iter()
                    .filter(|r| !r.is_empty())
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(" · ");
                let restore = Change::Moderate {
                    user_id: 0,
                    action: ModAction::Restore,
                    minutes: None,
                    reason: String::new(),
                    seq: Some(seq),
                };
                view! {
                    <li data-testid="reported" data-seq=seq>
                        <span class="name" dir="auto">{m.sender_name}</span>
                        <q dir="auto">{m.body}</q>
                        <span class="note">{fill(t().report_count, &[("n", &n)])}</span>
                        <span class="note" dir="auto">{reasons}</span>
                        <button class="link" data-action="restore" on:click=move |_| { chat.change(room, restore.clone()); }>
                            {t().restore}
                        </button>
                        <button class="link danger" data-action="remove" on:click=move |_| { chat.change(room, Change::Delete { seq }); }>
                            {t().remove}
                        </button>
                    </li>
                }
            })
            .collect_view()
            .into_any()
    };
    let role = standing.role.clone();
    let members_view = move || {
        let mine = role.get();
        members
            .get()
            .unwrap_or_default()
            .into_iter()
            .map(|m| view! { <MemberLine room member=m mine terms /> })
            .collect_view()
    };
    let log_view = move || {
        let lines = log.get().unwrap_or_default();
        if lines.is_empty() {
            return view! { <li class="note">{t().empty_log}</li> }.into_any();
        }
        lines
            .into_iter()
            .map(|l| {
                view! {
                    <li data-testid="log-line" data-action=format!("{:?}", l.action)>
                        <span dir="auto">{l.actor_name}</span>" "
                        {t().done(l.action)}" "
                        <span dir="auto">{l.target_name}</span>
                        {(!l.reason.is_empty()).then(|| view! { <q dir="auto">{l.reason}</q> })}
                    </li>
                }
            })
            .collect_view()
            .into_any()
    };
    view! {
        <details
            class="moderation"
            data-testid="moderation"
            on:toggle=move |_| open.update(|o| *o = !*o)
        >
            <summary data-testid="moderation-summary">
                {move || t().panel}" · "
                <span data-testid="report-count">
                    {move || fill(t().reports_count, &[("n", &count().to_string())])}
                </span>
            </summary>
            <div class="moderation-panel">
                <button class="link" data-action="read-only" on:click=toggle>
                    {move || if read_only.get() { t().make_writable } else { t().make_read_only }}
                </button>
                <h2>{move || fill(t().reports_count, &[("n", &count().to_string())])}</h2>
                <ul class="inbox">{inbox_view}</ul>
                <h2>{move || t().members}</h2>
                <div class="terms">
                    <input
                        data-testid="moderation-reason"
                        maxlength="500"
                        placeholder=move || t().reason
                        aria-label=move || t().reason
                        bind:value=terms.reason
                    />
                    <select
                        data-testid="moderation-length"
                        aria-label=move || t().length
                        on:change=move |ev| {
                            if let Ok(m) = event_target_value(&ev).parse() {
                                terms.minutes.set(m);
                            }
                        }
                    >
                        {lengths}
                    </select>
                </div>
                <ul class="members" data-testid="members">{members_view}</ul>
                <h2>{move || t().log}</h2>
                <ol class="log" data-testid="log">{log_view}</ol>
            </div>
        </details>
    }
}

/// One member, their role, and the actions `mine` (the viewer's role) allows on them, with
/// the panel's reason and length.
#[component]
fn MemberLine(room: RoomId, member: MemberEntry, mine: Role, terms: Terms) -> impl IntoView {
    let chat = expect_context::<Chat>();
    let i18n = use_i18n();
    let t = move || i18n.t().moderation;
    let (id, theirs) = (member.user_id, member.role);
    let me = chat.me.get_untracked().map(|m| m.user_id);
    let over = mine >= Role::Moderator && mine > theirs && me != Some(id);
    let owns = mine >= Role::Owner && me != Some(id);
    let button = move |label: fn(&'static crate::i18n::ModTexts) -> &'static str,
                       name: &'static str,
                       act: ModAction| {
        let click = move |_| {
            let minutes = matches!(act, ModAction::Mute | ModAction::Ban)
                .then(|| terms.minutes.get_untracked());
            let reason = terms.reason.get_untracked().trim().to_owned();
            chat.change(room, action(id, act, minutes, reason));
        };
        view! {
            <button class="link" data-action=name on:click=click>
                {move || label(t())}
            </button>
        }
    };
    let muted = member.muted_until.is_some();
    view! {
        <li data-testid="member" data-user-id=id data-role=theirs.as_str()>
            <span dir="auto">{member.display_name}</span>
            <span class="handle">{format!("@{}", member.username)}</span>
            <span class="role">{move || t().role(theirs)}</span>
            {muted.then(|| view! { <span class="badge">{move || t().muted_badge}</span> })}
            {over.then(|| {
                view! {
                    {if muted {
                        button(|t| t.unmute, "unmute", ModAction::Unmute).into_any()
                    } else {
                        button(|t| t.mute, "mute", ModAction::Mute).into_any()
                    }}
                    {button(|t| t.kick, "kick", ModAction::Kick)}
                    {button(|t| t.ban, "ban", ModAction::Ban)}
                }
            })}
            {(owns && theirs == Role::Member)
                .then(|| button(|t| t.promote, "promote", ModAction::Promote))}
            {(owns && theirs == Role::Moderator)
                .then(|| button(|t| t.demote, "demote", ModAction::Demote))}
            {(owns && theirs < Role::Owner)
                .then(|| button(|t| t.make_owner, "transfer", ModAction::Transfer))}
        </li>
    }
}
