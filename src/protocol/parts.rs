//! The parts of a message on the wire: its reactions, and the quote of the message a reply
//! answers.

use serde::{Deserialize, Serialize};

use super::{PresenceUser, Seq};

/// The emoji a reaction may be: a small fixed set, so that a reaction bar stays readable.
pub const REACTIONS: [&str; 6] = ["👍", "❤️", "😂", "🎉", "😮", "🙏"];

/// One emoji's reactions to a message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reaction {
    pub emoji: String,
    /// Who reacted, in the order they did.
    pub users: Vec<PresenceUser>,
}

/// The start of a replied-to message, as a reply shows it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    pub seq: Seq,
    pub sender_name: String,
    /// The first characters of its text, on one line (empty when deleted).
    pub excerpt: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deleted: bool,
}

/// Characters of a parent's text a reply's quote carries.
pub const QUOTE_CHARS: usize = 120;

/// A quote of `body`: its first [`QUOTE_CHARS`] characters, on one line.
pub fn excerpt(body: &str) -> String {
    let one_line = body.split_whitespace().collect::<Vec<_>>().join(" ");
    match one_line.char_indices().nth(QUOTE_CHARS) {
        Some((at, _)) => format!("{}…", &one_line[..at]),
        None => one_line,
    }
}
