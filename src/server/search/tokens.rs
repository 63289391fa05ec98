//! Tokens for search, the same for the text that is indexed and for the query, on every
//! store: SQLite's FTS5 and PostgreSQL's text search get these tokens, never their own
//! parsers (FTS5's `unicode61` keeps `서울에서` whole, its `trigram` cannot match two
//! syllables, and PostgreSQL has no Korean parser).
//!
//! - The text is folded ([`fold`]): NFKC (NFC, and compatibility forms folded: full-width
//!   Latin, compatibility Jamo), accents taken off Latin, Greek and Cyrillic letters
//!   (`Café` and `cafe`, `İstanbul` and `istanbul` meet), and lower case. Decomposed Hangul
//!   (NFD, as macOS files give it) and composed text meet too. Other scripts keep their
//!   marks: a Devanagari or Thai vowel sign is part of the word.
//! - A run of characters written without spaces between words (Hangul, where particles
//!   attach to the noun; Han, Hiragana, Katakana; Thai, Lao, Khmer, Myanmar) becomes its
//!   overlapping bigrams (`서울에서` → `서울 울에 에서`) plus its last character alone, and a
//!   run of one character is that character. A query's run of two or more is its bigrams,
//!   all required (`서울` finds `서울에서`); a query of one character is a prefix (`서*`),
//!   which reaches every place the character is: the start of a bigram, or the end of a run.
//! - Any other run of letters, digits and their marks is a word. A query's word of three
//!   characters or more is a prefix (`deploy` finds `Deploying`); shorter words must match
//!   whole.
//! - Everything else (spaces, punctuation, symbols, emoji) separates tokens and is dropped;
//!   so no query can carry an index's own syntax (`"`, `*`, `NEAR`, parentheses): a term is
//!   only ever letters, digits, marks or characters of those scripts.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// One term of a query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Term {
    pub text: String,
    /// Matches any token that starts with `text`.
    pub prefix: bool,
}

/// Query words shorter than this must match a whole word.
pub const PREFIX_FROM_CHARS: usize = 3;

/// Longest word token, in characters: a longer word is indexed by its start, and a longer
/// query word is that start as a prefix. PostgreSQL keeps at most 2047 bytes of a lexeme
/// and truncates a longer one silently; 64 characters are at most 256 bytes.
pub const MAX_WORD_CHARS: usize = 64;

/// The first [`MAX_WORD_CHARS`] characters of `word`, and whether it was cut.
pub(super) fn capped(word: String) -> (String, bool) {
    match word.char_indices().nth(MAX_WORD_CHARS) {
        Some((at, _)) => (word[..at].to_owned(), true),
        None => (word, false),
    }
}

/// Whether `c` belongs to a script written without spaces between words (Korean particles
/// attach to the noun), so that its runs are indexed by bigrams.
pub(super) fn spaceless(c: char) -> bool {
    matches!(c,
        '\u{1100}'..='\u{11FF}'     // Hangul Jamo
        | '\u{3130}'..='\u{318F}'   // Hangul compatibility Jamo
        | '\u{AC00}'..='\u{D7AF}'   // Hangul syllables
        | '\u{A960}'..='\u{A97F}' | '\u{D7B0}'..='\u{D7FF}'
        | '\u{3040}'..='\u{309F}'   // Hiragana
        | '\u{30A0}'..='\u{30FF}'   // Katakana
        | '\u{31F0}'..='\u{31FF}'
        | '\u{3400}'..='\u{4DBF}'   // Han
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{20000}'..='\u{3134F}'
        | '\u{0E00}'..='\u{0EFF}'   // Thai, Lao
        | '\u{1000}'..='\u{109F}'   // Myanmar
        | '\u{1780}'..='\u{17FF}') // Khmer
}

/// `text` as the index reads it: NFKC, without the accents of Latin, Greek and Cyrillic
/// letters, in lower case.
pub fn fold(text: &str) -> String {
    let mut bare = String::with_capacity(text.len());
    // Whether the last base character is one whose marks are accents to drop.
    let mut accented = false;
    for c in text.nfkd() {
        if is_combining_mark(c) {
            if accented {
                continue;
            }
        } else {
            accented = c < '\u{0530}';
        }
        bare.push(c);
    }
    bare.nfc().flat_map(char::to_lowercase).collect()
}

/// A run of folded characters of one kind: `len` characters from `start` of the sequence.
pub(super) struct Run {
    pub spaceless: bool,
    pub start: usize,
    pub chars: Vec<char>,
}

/// The runs of a sequence of folded characters (from [`fold`]): a letter, digit or
/// spaceless character starts or continues a run of its kind, a mark continues the run it
/// follows, anything else ends the run.
pub(super) fn runs_of(folded: impl Iterator<Item = char>) -> Vec<Run> {
    let mut out = Vec::new();
    let mut current: Option<Run> = None;
    for (at, c) in folded.enumerate() {
        let kind = if spaceless(c) {
            Some(true)
        } else if c.is_alphanumeric() {
            Some(false)
        } else if is_combining_mark(c) && current.is_some() {
            current.as_ref().map(|run| run.spaceless)
        } else {
            None
        };
        match (kind, current.as_mut()) {
            (None, _) => out.extend(current.take()),
            (Some(kind), Some(run)) if run.spaceless == kind => run.chars.push(c),
            (Some(kind), _) => {
                out.extend(current.take());
                current = Some(Run {
                    spaceless: kind,
                    start: at,
                    chars: vec![c],
                });
            }
        }
    }
    out.extend(current);
    out
}

/// `text` folded and cut into runs.
fn runs(text: &str) -> Vec<Run> {
    runs_of(fold(text).chars())
}

/// The tokens that index `text`, in order (repeats kept).
pub fn index_tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for run in runs(text) {
        if run.spaceless {
            let chars = run.chars;
            out.extend(chars.windows(2).map(|w| w.iter().collect::<String>()));
            out.extend(chars.last().map(char::to_string));
        } else {
            out.push(capped(run.chars.into_iter().collect()).0);
        }
    }
    out
}

/// The tokens that index `text`, space-separated, as the stores take them.
pub fn index_text(text: &str) -> String {
    index_tokens(text).join(" ")
}

/// The terms of a query: every one must match. Empty when the query holds no letter,
/// digit or CJK character.
pub fn query_terms(query: &str) -> Vec<Term> {
    let mut out: Vec<Term> = Vec::new();
    for run in runs(query) {
        let chars = run.chars;
        let terms: Vec<Term> = if !run.spaceless {
            let (word, cut) = capped(chars.into_iter().collect());
            let prefix = cut || word.chars().count() >= PREFIX_FROM_CHARS;
            vec![Term { text: word, prefix }]
        } else if chars.len() == 1 {
            vec![Term {
                text: chars[0].to_string(),
                prefix: true,
            }]
        } else {
            chars
                .windows(2)
                .map(|w| Term {
                    text: w.iter().collect(),
                    prefix: false,
                })
                .collect()
        };
        for term in terms {
            if !out.contains(&term) {
                out.push(term);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;
