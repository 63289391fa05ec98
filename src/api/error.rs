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

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            ApiError::NotSignedIn => "Please sign in first.",
            ApiError::UsernameTaken => "That username is taken.",
            ApiError::InvalidUsername => {
                "Usernames are 3–32 characters: letters a–z, digits, '.', '_' or '-'."
            }
            ApiError::InvalidDisplayName => "Display names are 1–64 characters.",
            ApiError::PasswordTooShort => "The password is too short: use at least 8 characters.",
            ApiError::PasswordTooLong => "The password is too long: use at most 256 characters.",
            ApiError::WrongCredentials => "Wrong username or password.",
            ApiError::TooManyAttempts => "Too many attempts. Wait a minute and try again.",
            ApiError::InvalidRoomName => "Room names are 1–80 characters.",
            ApiError::RoomNotFound => "No such room, or you are not a member.",
            ApiError::UserNotFound => "No user has that username.",
            ApiError::NotAllowed => "You may not do that.",
            ApiError::CrossSite => "This request came from another site and was refused.",
            ApiError::Unavailable => "The server is busy. Try again.",
            ApiError::Request(detail) => return write!(f, "The request failed: {detail}"),
        };
        f.write_str(text)
    }
}

impl std::error::Error for ApiError {}

impl FromServerFnError for ApiError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        ApiError::Request(value.to_string())
    }
}
