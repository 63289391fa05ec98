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

mod en;
mod ko;
mod moderation;
use en::EN;
use ko::KO;
pub use moderation::ModTexts;

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
    /// The participant list's heading: who has the room open.
    pub here_now: &'static str,
    /// A day separator for today, and for yesterday; older days are dates.
    pub today: &'static str,
    pub yesterday: &'static str,
    pub skip_to_content: &'static str,
    /// The button that opens the forms to create a room or message someone.
    pub new_chat: &'static str,
    /// `{n}` characters left before the message limit.
    pub chars_left: &'static str,
    /// The message is `{n}` characters over the limit.
    pub chars_over: &'static str,
    /// A paste refused: it would make the message `{n}` characters, over `{max}`.
    pub paste_refused: &'static str,
    /// The visible mark of a hidden direction control (`{code}`, e.g. U+202E).
    pub direction_control: &'static str,
    pub typing_one: &'static str,
    pub typing_two: &'static str,
    pub typing_many: &'static str,
    pub write_message: &'static str,
    /// Above the composer of a muted member: `{left}` is the time left.
    pub muted_for: &'static str,
    /// The same with the moderator's `{reason}`.
    pub muted_because: &'static str,
    /// Moderation's strings.
    pub moderation: &'static ModTexts,
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
    pub search_label: &'static str,
    pub search_placeholder: &'static str,
    pub search_results: &'static str,
    pub search_hint: &'static str,
    /// `{q}`: the query.
    pub no_matches: &'static str,
    pub more_results: &'static str,
    pub connection_lost: &'static str,
    pub enable_notifications: &'static str,
    pub language: &'static str,
    /// Beside an edited message.
    pub edited: &'static str,
    /// A deleted message's tombstone.
    pub message_deleted: &'static str,
    /// The actions on a message: the menu button, reply, edit, delete and its confirmation.
    pub message_actions: &'static str,
    pub reply: &'static str,
    pub edit: &'static str,
    pub delete: &'static str,
    pub confirm_delete: &'static str,
    /// Add or take back the reaction `{emoji}`.
    pub react_with: &'static str,
    /// A reaction's button: `{emoji}`, `{n}` people, `{names}`.
    pub reacted: &'static str,
    /// The composer's bar while answering `{name}`.
    pub replying_to: &'static str,
    pub editing: &'static str,
    /// Cancel a reply or an edit (Escape does the same).
    pub cancel: &'static str,
    /// A reply's quote of a deleted message.
    pub quote_deleted: &'static str,
    /// A reply's quote: go to the message it answers.
    pub show_original: &'static str,
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
            (ApiError::SearchQueryTooLong, false) => "That search is too long: shorten it.",
            (ApiError::SearchQueryTooLong, true) => "검색어가 너무 깁니다. 줄여 주세요.",
            (ApiError::SearchQueryEmpty, false) => "Search for a word: letters or numbers.",
            (ApiError::SearchQueryEmpty, true) => "글자나 숫자로 된 검색어를 입력하세요.",
            (ApiError::NotAllowed, false) => "You may not do that.",
            (ApiError::NotAllowed, true) => "허용되지 않는 작업입니다.",
            (ApiError::NoSuchMessage, false) => "That message is gone.",
            (ApiError::NoSuchMessage, true) => "그 메시지는 없습니다.",
            (ApiError::ReasonTooLong, false) => "The reason is too long: at most 500 characters.",
            (ApiError::ReasonTooLong, true) => "사유가 너무 깁니다. 500자 이하로 써 주세요.",
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
            (ErrorCode::NotYours, false) => "only its sender may change a message",
            (ErrorCode::NotYours, true) => "보낸 사람만 메시지를 바꿀 수 있습니다",
            (ErrorCode::EditWindowClosed, false) => "it is too late to edit this message",
            (ErrorCode::EditWindowClosed, true) => "이 메시지는 이제 수정할 수 없습니다",
            (ErrorCode::NoSuchMessage, false) => "that message is gone",
            (ErrorCode::NoSuchMessage, true) => "그 메시지는 없습니다",
            (ErrorCode::Muted, false) => "you are muted in this room",
            (ErrorCode::Muted, true) => "이 방에서 발언이 제한되었습니다",
            (ErrorCode::NotAllowed, false) => "your role does not allow that",
            (ErrorCode::NotAllowed, true) => "권한이 없는 작업입니다",
            (ErrorCode::ReadOnly, false) => "only moderators may post in this room",
            (ErrorCode::ReadOnly, true) => "이 방은 관리자만 글을 쓸 수 있습니다",
            (ErrorCode::StoreUnavailable | ErrorCode::RateLimited, false) => "the server is busy",
            (ErrorCode::StoreUnavailable | ErrorCode::RateLimited, true) => "서버가 바쁩니다",
            (_, false) => "the server refused it",
            (_, true) => "서버가 거부했습니다",
        }
    }
}

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
