//! The error every server function returns: a small code that crosses the wire. The cause,
//! when there is one, stays in the server log.

use std::fmt;

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// What a page can be told about a failed request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", content = "detail", rename_all = "snake_case")]
pub enum ApiError {
    /// No valid session: sign in first.
    NotSignedIn,
    /// Another account has this username (letter case is ignored).
    UsernameTaken,
    /// The username breaks the documented rules.
    InvalidUsername,
    /// The display name is empty or too long.
    InvalidDisplayName,
    /// The password is shorter than 8 characters.
    PasswordTooShort,
    /// The password is longer than 256 characters.
    PasswordTooLong,
    /// Unknown username or wrong password (never says which).
    WrongCredentials,
    /// Too many sign-in attempts; wait a minute.
    TooManyAttempts,
    /// The room name is empty or longer than 80 characters.
    InvalidRoomName,
    /// No such room, or the user may not see it.
    RoomNotFound,
    /// No user has that username.
    UserNotFound,
    /// The search query is longer than `search_query_chars`.
    SearchQueryTooLong,
    /// The search query has no letter, digit or CJK character to look for.
    SearchQueryEmpty,
    /// The user may not do this.
    NotAllowed,
    /// No such message in the room (or it was deleted).
    NoSuchMessage,
    /// A report's reason is longer than 500 characters.
    ReasonTooLong,
    /// The request came from another site.
    CrossSite,
    /// The server could not reach its store; try again.
    Unavailable,
    /// The request itself failed (network, encoding).
    Request(String),
    /// A host-signed sign-in token was refused; the detail says why.
    TokenRefused(TokenError),
}

/// Why a host-signed sign-in token was refused (`docs/integration.md`). Nothing is written
/// for a refused token: no user, no session.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenError {
    /// Not a JWT (three base64url parts), or its claims are missing or of the wrong type.
    TokenMalformed,
    /// The header's `alg` is not HS256 (`none` included).
    TokenAlgorithm,
    /// The header has no `kid`, or the host has no signing key with that id.
    TokenUnknownKey,
    /// `iss` names no configured host.
    TokenIssuer,
    /// `aud` is not `parlor`.
    TokenAudience,
    /// The signature does not match the key.
    TokenSignature,
    /// `exp` has passed.
    TokenExpired,
    /// `exp - iat` is over five minutes, or `iat` is in the future.
    TokenLifetime,
    /// The token's `jti` was used before: tokens are single-use.
    TokenReplayed,
    /// A token was put in a URL query, where logs keep it.
    TokenInQuery,
}

impl TokenError {
    /// The wire code (`"token_expired"`).
    pub fn code(self) -> &'static str {
        match self {
            TokenError::TokenMalformed => "token_malformed",
            TokenError::TokenAlgorithm => "token_algorithm",
            TokenError::TokenUnknownKey => "token_unknown_key",
            TokenError::TokenIssuer => "token_issuer",
            TokenError::TokenAudience => "token_audience",
            TokenError::TokenSignature => "token_signature",
            TokenError::TokenExpired => "token_expired",
            TokenError::TokenLifetime => "token_lifetime",
            TokenError::TokenReplayed => "token_replayed",
            TokenError::TokenInQuery => "token_in_query",
        }
    }
}

impl ApiError {
    /// The HTTP status of a failed call (the table in `docs/protocol.md`): the caller's own
    /// mistakes are 4xx, so that proxies, monitors and HTTP libraries do not read a mistyped
    /// password as a broken server; only `unavailable` is a 5xx.
    pub fn status(&self) -> u16 {
        match self {
            ApiError::Request(_) => 400,
            ApiError::NotSignedIn | ApiError::WrongCredentials | ApiError::TokenRefused(_) => 401,
            ApiError::NotAllowed | ApiError::CrossSite => 403,
            ApiError::RoomNotFound | ApiError::UserNotFound | ApiError::NoSuchMessage => 404,
            ApiError::UsernameTaken => 409,
            ApiError::InvalidUsername
            | ApiError::InvalidDisplayName
            | ApiError::PasswordTooShort
            | ApiError::PasswordTooLong
            | ApiError::InvalidRoomName
            | ApiError::SearchQueryTooLong
            | ApiError::SearchQueryEmpty
            | ApiError::ReasonTooLong => 422,
            ApiError::TooManyAttempts => 429,
            ApiError::Unavailable => 503,
        }
    }

    /// The wire code alone (`"wrong_credentials"`), for logs.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::NotSignedIn => "not_signed_in",
            ApiError::UsernameTaken => "username_taken",
            ApiError::InvalidUsername => "invalid_username",
            ApiError::InvalidDisplayName => "invalid_display_name",
            ApiError::PasswordTooShort => "password_too_short",
            ApiError::PasswordTooLong => "password_too_long",
            ApiError::WrongCredentials => "wrong_credentials",
            ApiError::TooManyAttempts => "too_many_attempts",
            ApiError::InvalidRoomName => "invalid_room_name",
            ApiError::RoomNotFound => "room_not_found",
            ApiError::UserNotFound => "user_not_found",
            ApiError::SearchQueryTooLong => "search_query_too_long",
            ApiError::SearchQueryEmpty => "search_query_empty",
            ApiError::NotAllowed => "not_allowed",
            ApiError::NoSuchMessage => "no_such_message",
            ApiError::ReasonTooLong => "reason_too_long",
            ApiError::CrossSite => "cross_site",
            ApiError::Unavailable => "unavailable",
            ApiError::Request(_) => "request",
            ApiError::TokenRefused(_) => "token_refused",
        }
    }
}

/// For logs. What a person reads comes from `i18n::Texts::api_error`.
impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

impl std::error::Error for ApiError {}

impl FromServerFnError for ApiError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        ApiError::Request(value.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::ApiError;

    #[test]
    fn codes_match_the_wire_and_only_unavailable_is_a_server_fault() {
        let all = [
            ApiError::NotSignedIn,
            ApiError::UsernameTaken,
            ApiError::InvalidUsername,
            ApiError::InvalidDisplayName,
            ApiError::PasswordTooShort,
            ApiError::PasswordTooLong,
            ApiError::WrongCredentials,
            ApiError::TooManyAttempts,
            ApiError::InvalidRoomName,
            ApiError::RoomNotFound,
            ApiError::UserNotFound,
            ApiError::NotAllowed,
            ApiError::NoSuchMessage,
            ApiError::ReasonTooLong,
            ApiError::CrossSite,
            ApiError::Unavailable,
            ApiError::Request("x".into()),
            ApiError::TokenRefused(super::TokenError::TokenExpired),
        ];
        for e in all {
            let wire = serde_json::to_value(&e).expect("json");
            assert_eq!(wire["code"], e.code(), "{e:?}");
            assert_eq!(e.status() >= 500, e == ApiError::Unavailable, "{e:?}");
        }
        let refused = serde_json::to_value(ApiError::TokenRefused(super::TokenError::TokenInQuery));
        assert_eq!(refused.expect("json")["detail"], "token_in_query");
    }
}
