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
    /// The user may not do this.
    NotAllowed,
    /// The request came from another site.
    CrossSite,
    /// The server could not reach its store; try again.
    Unavailable,
    /// The request itself failed (network, encoding).
    Request(String),
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
