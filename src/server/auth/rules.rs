//! What makes a username, display name or password acceptable.

use crate::error::ApiError;
use crate::model::{MAX_DISPLAY_NAME_CHARS, USERNAME_CHARS};

/// Shortest password, in characters.
pub const MIN_PASSWORD: usize = 8;
/// Longest password, in characters (argon2 work is bounded by the input).
pub const MAX_PASSWORD: usize = 256;

/// Usernames are 3–32 characters from `a–z`, `A–Z`, `0–9`, `.`, `_` and `-`; they are unique
/// ignoring letter case.
pub fn username(name: &str) -> Result<&str, ApiError> {
    let name = name.trim();
    let ok = USERNAME_CHARS.contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(name)
    } else {
        Err(ApiError::InvalidUsername)
    }
}

/// Display names are 1–64 characters of any script, without control characters, bidi
/// controls or invisible characters (see [`is_visible_text`]); an empty one falls back to
/// the username.
pub fn display_name<'a>(name: &'a str, username: &'a str) -> Result<&'a str, ApiError> {
    let name = name.trim();
    let name = if name.is_empty() { username } else { name };
    if name.chars().count() <= MAX_DISPLAY_NAME_CHARS && is_visible_text(name) {
        Ok(name)
    } else {
        Err(ApiError::InvalidDisplayName)
    }
}

/// Whether a name shows as what it is: no control characters, no bidi controls (which can
/// reorder the text around them, `"\u{202e}nimda"` showing as `admin`), and no invisible
/// characters (zero-width spaces, word joiners, the byte-order mark, soft hyphens) that make
/// two names look alike. A zero-width joiner is allowed only inside an emoji sequence (between
/// two characters that are neither letters nor digits, as in 👩‍💻), never beside a letter.
pub fn is_visible_text(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    chars.iter().enumerate().all(|(i, &c)| match c {
        '\u{200D}' => {
            let symbol =
                |c: Option<&char>| c.is_some_and(|c| !c.is_alphanumeric() && !c.is_whitespace());
            i > 0 && symbol(chars.get(i - 1)) && symbol(chars.get(i + 1))
        }
        c => !c.is_control() && !is_bidi_or_invisible(c),
    })
}

fn is_bidi_or_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{206A}'..='\u{206F}' | '\u{FEFF}'
        | '\u{FFF9}'..='\u{FFFB}' | '\u{E0000}'..='\u{E007F}')
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
        for spoof in [
            "\u{202e}evil\u{200b}\u{2066}admin",
            "ali\u{200b}ce",
            "a\u{200d}b",
            "\u{feff}bob",
        ] {
            assert_eq!(
                display_name(spoof, "x"),
                Err(ApiError::InvalidDisplayName),
                "{spoof:?}"
            );
        }
        assert_eq!(
            display_name("👩\u{200d}💻 민수", "x"),
            Ok("👩\u{200d}💻 민수")
        );
        assert_eq!(password("비밀번호비밀번호"), Ok("비밀번호비밀번호"));
    }
}
