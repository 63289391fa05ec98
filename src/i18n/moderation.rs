//! The strings of moderation: messages removed or hidden, reports, the moderators' panel
//! (reports, members, log) and its actions, in English and Korean.

use crate::protocol::{ModAction, Role};

/// Moderation's strings in one language (`Texts::moderation`).
pub struct ModTexts {
    pub removed_by_moderator: &'static str,
    pub hidden_pending_review: &'static str,
    pub report: &'static str,
    pub report_reason: &'static str,
    pub send_report: &'static str,
    pub reported: &'static str,
    pub remove: &'static str,
    pub hide: &'static str,
    pub restore: &'static str,
    /// Above the composer of a member in a read-only room.
    pub read_only_note: &'static str,
    pub panel: &'static str,
    /// `{n}`: messages with open reports.
    pub reports_count: &'static str,
    pub no_reports: &'static str,
    pub members: &'static str,
    pub log: &'static str,
    pub empty_log: &'static str,
    /// `{n}` reports.
    pub report_count: &'static str,
    pub make_read_only: &'static str,
    pub make_writable: &'static str,
    pub mute: &'static str,
    /// The reason the panel's actions on members give.
    pub reason: &'static str,
    /// How long a mute or a ban from the panel lasts.
    pub length: &'static str,
    pub unmute: &'static str,
    pub kick: &'static str,
    pub ban: &'static str,
    pub promote: &'static str,
    pub demote: &'static str,
    pub make_owner: &'static str,
    pub muted_badge: &'static str,
    roles: [&'static str; 4],
    /// What each action did, as a line of the log says it.
    done: [&'static str; 12],
}

impl ModTexts {
    pub fn role(&self, role: Role) -> &'static str {
        self.roles[role as usize]
    }

    pub fn done(&self, action: ModAction) -> &'static str {
        self.done[action as usize]
    }
}

pub(super) static EN: ModTexts = ModTexts {
    removed_by_moderator: "Removed by a moderator",
    hidden_pending_review: "Hidden after reports, waiting for a moderator",
    report: "Report",
    report_reason: "Why? (optional)",
    send_report: "Send report",
    reported: "Reported. The moderators will look at it.",
    remove: "Remove",
    hide: "Hide",
    restore: "Restore",
    read_only_note: "Only moderators can post in this room.",
    panel: "Moderation",
    reports_count: "Reports ({n})",
    no_reports: "No open reports.",
    members: "Members",
    log: "Log",
    empty_log: "Nothing yet.",
    report_count: "{n} reports",
    make_read_only: "Make read-only",
    make_writable: "Let everyone post",
    mute: "Mute",
    reason: "Reason (shown to the member)",
    length: "For how long (mute, ban)",
    unmute: "Unmute",
    kick: "Kick",
    ban: "Ban",
    promote: "Make moderator",
    demote: "Make member",
    make_owner: "Make owner",
    muted_badge: "muted",
    roles: ["member", "moderator", "owner", "site moderator"],
    done: [
        "kicked",
        "banned",
        "lifted the ban of",
        "muted",
        "unmuted",
        "made moderator",
        "made member",
        "made owner",
        "hid a message of",
        "restored a message of",
        "made the room read-only",
        "let everyone post",
    ],
};

pub(super) static KO: ModTexts = ModTexts {
    removed_by_moderator: "관리자가 삭제한 메시지입니다",
    hidden_pending_review: "신고가 접수되어 관리자 검토를 기다리는 메시지입니다",
    report: "신고",
    report_reason: "신고 사유 (선택)",
    send_report: "신고하기",
    reported: "신고했습니다. 관리자가 확인합니다.",
    remove: "삭제",
    hide: "숨기기",
    restore: "복원",
    read_only_note: "이 방은 관리자만 글을 쓸 수 있습니다.",
    panel: "관리",
    reports_count: "신고 ({n})",
    no_reports: "처리할 신고가 없습니다.",
    members: "참여자",
    log: "기록",
    empty_log: "아직 없습니다.",
    report_count: "신고 {n}건",
    make_read_only: "읽기 전용으로",
    make_writable: "모두 쓰기 허용",
    mute: "발언 제한",
    reason: "사유 (당사자에게 보입니다)",
    length: "기간 (발언 제한, 차단)",
    unmute: "제한 해제",
    kick: "내보내기",
    ban: "차단",
    promote: "관리자로 지정",
    demote: "관리자 해제",
    make_owner: "방장 넘기기",
    muted_badge: "발언 제한",
    roles: ["참여자", "관리자", "방장", "사이트 관리자"],
    done: [
        "내보냄:",
        "차단함:",
        "차단 해제:",
        "발언 제한:",
        "제한 해제:",
        "관리자 지정:",
        "관리자 해제:",
        "방장 지정:",
        "메시지 숨김:",
        "메시지 복원:",
        "읽기 전용 설정",
        "쓰기 허용",
    ],
};
