//! `@username` mentions: found in message text for highlighting and notifications.

/// A piece of message text: plain, or a mention (including its `@`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Segment<'a> {
    Text(&'a str),
    Mention(&'a str),
}

fn username_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-')
}

/// Splits text into plain runs and `@username` mentions (3–32 username characters after an
/// `@` that does not follow another username character, so e-mail addresses are not
/// mentions; trailing dots end the sentence, not the name).
pub fn segments(text: &str) -> Vec<Segment<'_>> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let (mut plain_from, mut i) = (0, 0);
    while i < bytes.len() {
        let starts = bytes[i] == b'@' && (i == 0 || !username_byte(bytes[i - 1]));
        if starts {
            let mut end = i + 1;
            while end < bytes.len() && username_byte(bytes[end]) {
                end += 1;
            }
            while end > i + 1 && bytes[end - 1] == b'.' {
                end -= 1;
            }
            if (3..=32).contains(&(end - i - 1)) {
                if plain_from < i {
                    out.push(Segment::Text(&text[plain_from..i]));
                }
                out.push(Segment::Mention(&text[i..end]));
                plain_from = end;
                i = end;
                continue;
            }
        }
        i += 1;
    }
    if plain_from < text.len() {
        out.push(Segment::Text(&text[plain_from..]));
    }
    out
}

/// Whether `text` mentions `username` (ignoring letter case).
pub fn mentions(text: &str, username: &str) -> bool {
    segments(text).iter().any(|s| match s {
        Segment::Mention(m) => m[1..].eq_ignore_ascii_case(username),
        Segment::Text(_) => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_are_found_but_not_in_email_addresses() {
        assert_eq!(
            segments("hi @bob.kim, see me@example.com."),
            [
                Segment::Text("hi "),
                Segment::Mention("@bob.kim"),
                Segment::Text(", see me@example.com."),
            ]
        );
        assert_eq!(segments("@al"), [Segment::Text("@al")]);
        assert!(mentions("어이 @Minsu 안녕", "minsu"));
        assert!(!mentions("@minsu2", "minsu"));
    }
}
