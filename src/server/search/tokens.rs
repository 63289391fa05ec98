//! Tokens for search, the same for the text that is indexed and for the query, on every
//! store: SQLite's FTS5 and PostgreSQL's text search get these tokens, never their own
//! parsers (FTS5's `unicode61` keeps `서울에서` whole, its `trigram` cannot match two
//! syllables, and PostgreSQL has no Korean parser).
//!
//! - The text is NFKC-normalised (NFC, and compatibility forms folded: full-width Latin,
//!   compatibility Jamo) and lower-cased, so `Ｄeploy`, decomposed Hangul (NFD, as macOS
//!   files give it) and composed text all meet.
//! - A run of CJK characters (Hangul, Han, Hiragana, Katakana) becomes its overlapping
//!   bigrams (`서울에서` → `서울 울에 에서`) plus its last character alone, and a run of one
//!   character is that character. A query's run of two or more is its bigrams, all required
//!   (`서울` finds `서울에서`); a query of one character is a prefix (`서*`), which reaches
//!   every place the character is: the start of a bigram, or the end of a run.
//! - Any other run of letters and digits is a word. A query's word of three characters or
//!   more is a prefix (`deploy` finds `Deploying`); shorter words must match whole.
//! - Everything else (spaces, punctuation, symbols, emoji) separates tokens and is dropped;
//!   so no query can carry an index's own syntax (`"`, `*`, `NEAR`, parentheses): a term is
//!   only ever letters, digits or CJK characters.

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
fn capped(word: String) -> (String, bool) {
    match word.char_indices().nth(MAX_WORD_CHARS) {
        Some((at, _)) => (word[..at].to_owned(), true),
        None => (word, false),
    }
}

/// Whether `c` is written without spaces between words (Korean particles attach to the
/// noun), so that its runs are indexed by bigrams.
pub(super) fn is_cjk(c: char) -> bool {
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
        | '\u{20000}'..='\u{3134F}')
}

/// A run of characters of one kind.
enum Run {
    Cjk(Vec<char>),
    Word(String),
}

/// `text` normalised and cut into runs.
fn runs(text: &str) -> Vec<Run> {
    let mut out = Vec::new();
    let mut current: Option<Run> = None;
    for c in text.nfkc().flat_map(char::to_lowercase) {
        let kind = if is_cjk(c) {
            Some(true)
        } else if c.is_alphanumeric() {
            Some(false)
        } else {
            None
        };
        match (kind, current.as_mut()) {
            (Some(true), Some(Run::Cjk(chars))) => chars.push(c),
            (Some(false), Some(Run::Word(word))) => word.push(c),
            (None, _) => out.extend(current.take()),
            (Some(cjk), _) => {
                out.extend(current.take());
                current = Some(if cjk {
                    Run::Cjk(vec![c])
                } else {
                    Run::Word(c.to_string())
                });
            }
        }
    }
    out.extend(current);
    out
}

/// The tokens that index `text`, in order (repeats kept).
pub fn index_tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for run in runs(text) {
        match run {
            Run::Word(word) => out.push(capped(word).0),
            Run::Cjk(chars) => {
                out.extend(chars.windows(2).map(|w| w.iter().collect::<String>()));
                out.extend(chars.last().map(char::to_string));
            }
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
        let terms: Vec<Term> = match run {
            Run::Word(word) => {
                let (word, cut) = capped(word);
                let prefix = cut || word.chars().count() >= PREFIX_FROM_CHARS;
                vec![Term { text: word, prefix }]
            }
            Run::Cjk(chars) if chars.len() == 1 => vec![Term {
                text: chars[0].to_string(),
                prefix: true,
            }],
            Run::Cjk(chars) => chars
                .windows(2)
                .map(|w| Term {
                    text: w.iter().collect(),
                    prefix: false,
                })
                .collect(),
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
