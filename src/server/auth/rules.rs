//! What makes a username, display name or password acceptable.

use crate::api::ApiError;

/// Shortest password, in characters.
pub const MIN_PASSWORD: usize = 8;
/// Longest password, in characters (argon2 work is bounded by the input).
pub const MAX_PASSWORD: usize = 256;

/// Usernames are 3–32 characters from `a–z`, `A–Z`, `0–9`, `.`, `_` and `-`; they are unique
/// ignoring letter case.
pub fn username(name: &str) -> Result<&str, ApiError> {
    let name = name.trim();
    let ok = (3..=32).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(name)
    } else {
        Err(ApiError::InvalidUsername)
    }
}

/// Display names are 1–64 characters of any script, without control characters; an empty
/// one falls back to the username.
pub fn display_name<'a>(name: &'a str, username: &'a str) -> Result<&'a str, ApiError> {
    let name = name.trim();
    let name = if name.is_empty() { username } else { name };
    if name.chars().count() <= 64 && !name.chars().any(char::is_control) {
        Ok(name)
    } else {
        Err(ApiError::InvalidDisplayName)
    }
}

/// Passwords are 8–256 characters.
pub fn password(password: &str) -> Result<&str, ApiError> {
    match password.chars().count() {
        n if n < MIN_PASSWORD => Err(ApiError::PasswordTooShort),
        n if n > MAX_PASSWORD => Err(ApiError::PasswordTooLong),
        _ => Ok(password),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert_eq!(username(" kim.min-su_1 "), Ok("kim.min-su_1"));
        assert_eq!(username("ab"), Err(ApiError::InvalidUsername));
        assert_eq!(username("김민수"), Err(ApiError::InvalidUsername));
        assert_eq!(username(&"a".repeat(33)), Err(ApiError::InvalidUsername));
    }

    #[test]
    fn korean_display_names_and_password_lengths() {
        assert_eq!(display_name("김민수", "minsu"), Ok("김민수"));
        assert_eq!(display_name("  ", "minsu"), Ok("minsu"));
        assert_eq!(
            display_name("a\u{7}b", "x"),
            Err(ApiError::InvalidDisplayName)
        );
        assert_eq!(password("1234567"), Err(ApiError::PasswordTooShort));
        assert_eq!(password("비밀번호비밀번호"), Ok("비밀번호비밀번호"));
    }
}
