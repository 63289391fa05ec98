//! Every user-facing string, in English and Korean. Components take their text from here
//! and nowhere else.
//!
//! The language comes from the `parlor_lang` cookie (set by the switcher), else from the
//! browser's `Accept-Language`; the server renders the page in it and writes it to
//! `<html lang>`, where the browser half reads it back, so both render the same text.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::ApiError;
use crate::protocol::ErrorCode;

/// A language of the interface.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Lang {
    #[default]
    En,
    Ko,
}

/// The name of the cookie that keeps the chosen language.
pub const COOKIE: &str = "parlor_lang";

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Ko];

    /// The BCP 47 code, for `<html lang>` and date formatting.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ko => "ko",
        }
    }

    /// The language of a code such as `ko`, `ko-KR` or `en-US`.
    pub fn from_code(code: &str) -> Option<Lang> {
        let primary = code.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Lang::En),
            "ko" => Some(Lang::Ko),
            _ => None,
        }
    }

    /// The first supported language of an `Accept-Language` header (in the order given;
    /// browsers list them by preference).
    pub fn from_accept_language(header: &str) -> Lang {
        header
            .split(',')
            .filter_map(|part| Lang::from_code(part.split(';').next().unwrap_or_default()))
            .next()
            .unwrap_or_default()
    }

    /// The strings of this language.
    pub fn texts(self) -> &'static Texts {
        match self {
            Lang::En => &EN,
            Lang::Ko => &KO,
        }
    }

    /// The name of the language, in itself.
    pub fn name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Ko => "한국어",
        }
    }
}

/// The language of the page, provided as context by `<App/>`.
#[derive(Clone, Copy)]
pub struct I18n(pub RwSignal<Lang>);

impl I18n {
    /// The current strings (tracked).
    pub fn t(&self) -> &'static Texts {
        self.0.get().texts()
    }
}

/// The language context.
pub fn use_i18n() -> I18n {
    expect_context::<I18n>()
}

/// The language to render in: on the server from the request (cookie, then
/// `Accept-Language`), in the browser from `<html lang>` as the server wrote it.
pub fn initial() -> Lang {
    #[cfg(feature = "ssr")]
    {
        use axum::http::{header, request::Parts};
        let Some(parts) = use_context::<Parts>() else {
            return Lang::default();
        };
        let cookie = parts
            .headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, _)| *name == COOKIE)
            .and_then(|(_, value)| Lang::from_code(value));
        cookie.unwrap_or_else(|| {
            let accept = parts
                .headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            Lang::from_accept_language(accept)
        })
    }
    #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
    {
        document()
            .document_element()
            .and_then(|html| Lang::from_code(&html.get_attribute("lang").unwrap_or_default()))
            .unwrap_or_default()
    }
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    {
        Lang::default()
    }
}

/// Keeps the chosen language for the next pages (browser only) and updates `<html lang>`.
pub fn remember(lang: Lang) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let doc = document();
        if let Some(html) = doc.document_element() {
            let _ = html.set_attribute("lang", lang.code());
        }
        if let Some(doc) = doc.dyn_ref::<web_sys::HtmlDocument>() {
            let cookie = format!(
                "{COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
                lang.code()
            );
            let _ = doc.set_cookie(&cookie);
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = lang;
}

/// Replaces `{name}` placeholders in a template.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    values
        .iter()
        .fold(template.to_owned(), |text, (name, value)| {
            text.replace(&format!("{{{name}}}"), value)
        })
}

/// The strings of one language.
pub struct Texts {
    pub tagline: &'static str,
    pub sign_in: &'static str,
    pub sign_up: &'static str,
    pub sign_out: &'static str,
    pub create_account: &'static str,
    pub username: &'static str,
    pub display_name: &'static str,
    pub password: &'static str,
    pub username_hint: &'static str,
    pub display_name_hint: &'static str,
    pub password_hint: &'static str,
    pub new_here: &'static str,
    pub have_account: &'static str,
    pub loading: &'static str,
    pub rooms: &'static str,
    pub public_rooms: &'static str,
    pub new_room_name: &'static str,
    pub public: &'static str,
    pub create: &'static str,
    pub create_room_label: &'static str,
    pub username_to_message: &'static str,
    pub message_someone: &'static str,
    pub message_button: &'static str,
    pub join: &'static str,
    pub more_public_rooms: &'static str,
    pub invitations: &'static str,
    /// `{name}` invited the reader.
    pub invited_by: &'static str,
    pub accept: &'static str,
    pub decline: &'static str,
    pub leave_room: &'static str,
    pub invite: &'static str,
    pub username_to_invite: &'static str,
    pub invitation_sent: &'static str,
    pub block: &'static str,
    pub unblock: &'static str,
    pub kind_group: &'static str,
    pub kind_direct: &'static str,
    pub people_here: &'static str,
    pub back_to_rooms: &'static str,
    pub page_not_found: &'static str,
    /// `{n}` people with the room open.
    pub online: &'static str,
    /// `{n}` unread messages (for the badge's label).
    pub unread: &'static str,
    pub joined: &'static str,
    pub left: &'static str,
    pub typing_one: &'static str,
    pub typing_two: &'static str,
    pub typing_many: &'static str,
    pub write_message: &'static str,
    pub message_label: &'static str,
    pub send: &'static str,
    pub sending: &'static str,
    pub not_sent: &'static str,
    pub no_answer: &'static str,
    pub retry: &'static str,
    pub discard: &'static str,
    pub read: &'static str,
    pub new_messages: &'static str,
    pub jump_to_latest: &'static str,
    pub loading_older: &'static str,
    pub connection_lost: &'static str,
    pub enable_notifications: &'static str,
    pub language: &'static str,
}

impl Texts {
    /// The text of an error from a server function.
    pub fn api_error(&self, e: &ApiError) -> String {
        let ko = std::ptr::eq(self, &KO);
        let text = match (e, ko) {
            (ApiError::NotSignedIn, false) => "Please sign in first.",
            (ApiError::NotSignedIn, true) => "먼저 로그인하세요.",
            (ApiError::UsernameTaken, false) => "That username is taken.",
            (ApiError::UsernameTaken, true) => "이미 사용 중인 사용자 이름입니다.",
            (ApiError::InvalidUsername, false) => {
                "Usernames are 3–32 characters: letters a–z, digits, '.', '_' or '-'."
            }
            (ApiError::InvalidUsername, true) => {
                "사용자 이름은 영문자, 숫자, '.', '_', '-'로 3–32자여야 합니다."
            }
            (ApiError::InvalidDisplayName, false) => "Display names are 1–64 characters.",
            (ApiError::InvalidDisplayName, true) => "표시 이름은 1–64자여야 합니다.",
            (ApiError::PasswordTooShort, false) => {
                "The password is too short: use at least 8 characters."
            }
            (ApiError::PasswordTooShort, true) => {
                "비밀번호가 너무 짧습니다. 8자 이상이어야 합니다."
            }
            (ApiError::PasswordTooLong, false) => {
                "The password is too long: use at most 256 characters."
            }
            (ApiError::PasswordTooLong, true) => "비밀번호가 너무 깁니다. 256자 이하여야 합니다.",
            (ApiError::WrongCredentials, false) => "Wrong username or password.",
            (ApiError::WrongCredentials, true) => "사용자 이름 또는 비밀번호가 틀렸습니다.",
            (ApiError::TooManyAttempts, false) => "Too many attempts. Wait a little and try again.",
            (ApiError::TooManyAttempts, true) => "시도가 너무 많습니다. 잠시 후 다시 시도하세요.",
            (ApiError::InvalidRoomName, false) => "Room names are 1–80 characters.",
            (ApiError::InvalidRoomName, true) => "방 이름은 1–80자여야 합니다.",
            (ApiError::RoomNotFound, false) => "No such room, or you are not a member.",
            (ApiError::RoomNotFound, true) => "방이 없거나 참여하지 않은 방입니다.",
            (ApiError::UserNotFound, false) => "No user has that username.",
            (ApiError::UserNotFound, true) => "그런 사용자 이름은 없습니다.",
            (ApiError::NotAllowed, false) => "You may not do that.",
            (ApiError::NotAllowed, true) => "허용되지 않는 작업입니다.",
            (ApiError::CrossSite, false) => "This request came from another site and was refused.",
            (ApiError::CrossSite, true) => "다른 사이트에서 온 요청이라 거부되었습니다.",
            (ApiError::Unavailable, false) => "The server is busy. Try again.",
            (ApiError::Unavailable, true) => "서버가 바쁩니다. 다시 시도하세요.",
            (ApiError::Request(_), false) => "The request failed. Check your connection.",
            (ApiError::Request(_), true) => "요청이 실패했습니다. 연결을 확인하세요.",
            (ApiError::TokenRefused(_), false) => {
                "This chat link has expired or was already used. Reload the page."
            }
            (ApiError::TokenRefused(_), true) => {
                "채팅 링크가 만료되었거나 이미 사용되었습니다. 페이지를 새로 고치세요."
            }
        };
        text.to_owned()
    }

    /// Why a message was refused, from the server's error code.
    pub fn send_error(&self, code: ErrorCode) -> &'static str {
        let ko = std::ptr::eq(self, &KO);
        match (code, ko) {
            (ErrorCode::EmptyBody, false) => "the message is empty",
            (ErrorCode::EmptyBody, true) => "메시지가 비어 있습니다",
            (ErrorCode::BodyTooLong, false) => "the message is too long",
            (ErrorCode::BodyTooLong, true) => "메시지가 너무 깁니다",
            (ErrorCode::NotMember, false) => "you are not a member of this room",
            (ErrorCode::NotMember, true) => "이 방의 참여자가 아닙니다",
            (ErrorCode::StoreUnavailable | ErrorCode::RateLimited, false) => "the server is busy",
            (ErrorCode::StoreUnavailable | ErrorCode::RateLimited, true) => "서버가 바쁩니다",
            (_, false) => "the server refused it",
            (_, true) => "서버가 거부했습니다",
        }
    }
}

static EN: Texts = Texts {
    tagline: "Real-time chat for your Q&A community.",
    sign_in: "Sign in",
    sign_up: "Sign up",
    sign_out: "Sign out",
    create_account: "Create an account",
    username: "Username",
    display_name: "Display name",
    password: "Password",
    username_hint: "3–32 characters: letters, digits, '.', '_' or '-'.",
    display_name_hint: "Any script, e.g. 김민수. Defaults to the username.",
    password_hint: "At least 8 characters.",
    new_here: "New here?",
    have_account: "Have an account?",
    loading: "Loading…",
    rooms: "Rooms",
    public_rooms: "Public rooms",
    new_room_name: "New room name",
    public: "Public",
    create: "Create",
    create_room_label: "Create a room",
    username_to_message: "Username to message",
    message_someone: "Message someone",
    message_button: "Message",
    join: "Join",
    more_public_rooms: "More public rooms",
    invitations: "Invitations",
    invited_by: "invited by {name}",
    accept: "Accept",
    decline: "Decline",
    leave_room: "Leave room",
    invite: "Invite",
    username_to_invite: "Username to invite",
    invitation_sent: "Invitation sent.",
    block: "Block",
    unblock: "Unblock",
    kind_group: "group",
    kind_direct: "direct",
    people_here: "people here now",
    back_to_rooms: "Back to rooms",
    page_not_found: "Page not found",
    online: "{n} online",
    unread: "{n} unread",
    joined: "{name} joined",
    left: "{name} left",
    typing_one: "{a} is typing…",
    typing_two: "{a} and {b} are typing…",
    typing_many: "{a} and {n} others are typing…",
    write_message: "Write a message…",
    message_label: "Message",
    send: "Send",
    sending: "Sending…",
    not_sent: "Not sent: {reason}",
    no_answer: "no answer from the server",
    retry: "Retry",
    discard: "Discard",
    read: "Read",
    new_messages: "New messages ↓",
    jump_to_latest: "Jump to latest ↓",
    loading_older: "Loading older messages…",
    connection_lost: "Connection lost. Reconnecting…",
    enable_notifications: "Notify me of mentions",
    language: "Language",
};

static KO: Texts = Texts {
    tagline: "Q&A 커뮤니티를 위한 실시간 채팅.",
    sign_in: "로그인",
    sign_up: "가입하기",
    sign_out: "로그아웃",
    create_account: "계정 만들기",
    username: "사용자 이름",
    display_name: "표시 이름",
    password: "비밀번호",
    username_hint: "영문자, 숫자, '.', '_', '-'로 3–32자.",
    display_name_hint: "어떤 문자든 됩니다(예: 김민수). 비우면 사용자 이름을 씁니다.",
    password_hint: "8자 이상.",
    new_here: "처음이신가요?",
    have_account: "계정이 있으신가요?",
    loading: "불러오는 중…",
    rooms: "채팅방",
    public_rooms: "공개 채팅방",
    new_room_name: "새 채팅방 이름",
    public: "공개",
    create: "만들기",
    create_room_label: "채팅방 만들기",
    username_to_message: "대화할 사용자 이름",
    message_someone: "1:1 대화",
    message_button: "대화하기",
    join: "참여",
    more_public_rooms: "공개 채팅방 더 보기",
    invitations: "초대",
    invited_by: "{name} 님의 초대",
    accept: "수락",
    decline: "거절",
    leave_room: "방 나가기",
    invite: "초대",
    username_to_invite: "초대할 사용자 이름",
    invitation_sent: "초대를 보냈습니다.",
    block: "차단",
    unblock: "차단 해제",
    kind_group: "그룹",
    kind_direct: "1:1",
    people_here: "지금 있는 사람",
    back_to_rooms: "채팅방 목록으로",
    page_not_found: "페이지를 찾을 수 없습니다",
    online: "{n}명 접속 중",
    unread: "읽지 않음 {n}",
    joined: "{name}님이 들어왔습니다",
    left: "{name}님이 나갔습니다",
    typing_one: "{a}님이 입력 중…",
    typing_two: "{a}님과 {b}님이 입력 중…",
    typing_many: "{a}님 외 {n}명이 입력 중…",
    write_message: "메시지를 입력하세요…",
    message_label: "메시지",
    send: "보내기",
    sending: "보내는 중…",
    not_sent: "보내지 못함: {reason}",
    no_answer: "서버 응답 없음",
    retry: "다시 보내기",
    discard: "삭제",
    read: "읽음",
    new_messages: "새 메시지 ↓",
    jump_to_latest: "최신 메시지로 ↓",
    loading_older: "이전 메시지를 불러오는 중…",
    connection_lost: "연결이 끊어졌습니다. 다시 연결하는 중…",
    enable_notifications: "멘션 알림 받기",
    language: "언어",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_come_from_codes_and_headers() {
        assert_eq!(
            Lang::from_accept_language("ko-KR,ko;q=0.9,en;q=0.8"),
            Lang::Ko
        );
        assert_eq!(Lang::from_accept_language("fr-FR, en-GB;q=0.5"), Lang::En);
        assert_eq!(Lang::from_accept_language(""), Lang::En);
        assert_eq!(Lang::from_code("ko_KR"), Some(Lang::Ko));
    }

    #[test]
    fn templates_fill() {
        let t = Lang::Ko.texts();
        assert_eq!(fill(t.online, &[("n", "2")]), "2명 접속 중");
        assert_eq!(
            fill(EN.typing_many, &[("a", "Alice"), ("n", "2")]),
            "Alice and 2 others are typing…"
        );
    }
}
