//! A search hit's snippet: the part of the body around its first match, each match marked.
//! The pieces are plain text; the page puts them in text nodes, so no body is ever HTML.
//!
//! The body is matched as the index saw it (folded, cut into the same runs), and shown as
//! it was written: each character is folded with the marks and jamo that combine with it,
//! and a match marks the characters it came from (`ㅋㅋ` shows as typed, `Ｄeploy` keeps its
//! full-width letter). The cost is a hash lookup per run and prefix length, whatever the
//! number of terms.

use std::collections::HashSet;

use unicode_normalization::char::is_combining_mark;

use super::tokens::{capped, fold, runs_of, Term};
use crate::model::SnippetPart;

/// Characters of a snippet at most (an ellipsis marks each cut end).
pub const SNIPPET_CHARS: usize = 160;
/// Characters kept before the first match, when the body is cut.
const BEFORE_CHARS: usize = 40;

/// The snippet of `body` for `terms`.
pub fn snippet(body: &str, terms: &[Term]) -> Vec<SnippetPart> {
    // Line breaks and tabs read as spaces on one line.
    let shown: Vec<char> = body
        .chars()
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .collect();
    let hits = matches(&shown, terms);
    let first = hits.iter().position(|&h| h).unwrap_or(0);
    let start = if shown.len() <= SNIPPET_CHARS {
        0
    } else {
        first
            .saturating_sub(BEFORE_CHARS)
            .min(shown.len() - SNIPPET_CHARS)
    };
    let end = (start + SNIPPET_CHARS).min(shown.len());
    let mut parts: Vec<SnippetPart> = Vec::new();
    if start > 0 {
        parts.push(SnippetPart {
            text: "…".into(),
            hit: false,
        });
    }
    for i in start..end {
        match parts.last_mut() {
            Some(last) if last.hit == hits[i] && !(i == start && start > 0) => {
                last.text.push(shown[i])
            }
            _ => parts.push(SnippetPart {
                text: shown[i].to_string(),
                hit: hits[i],
            }),
        }
    }
    if end < shown.len() {
        parts.push(SnippetPart {
            text: "…".into(),
            hit: false,
        });
    }
    parts
}

/// Whether `c` combines with the character before it when folded: a mark, or a Hangul
/// vowel or final (conjoining, or a compatibility vowel that NFKC composes).
fn combines(c: char) -> bool {
    is_combining_mark(c)
        || matches!(c, '\u{1160}'..='\u{11FF}' | '\u{314F}'..='\u{3163}' | '\u{3187}'..='\u{318E}')
}

/// The terms, by how they match: whole words and bigrams, and prefixes by their length.
struct Wanted {
    whole: HashSet<String>,
    prefixes: HashSet<String>,
    prefix_lengths: Vec<usize>,
}

impl Wanted {
    fn new(terms: &[Term]) -> Wanted {
        let (prefix, whole): (Vec<&Term>, Vec<&Term>) = terms.iter().partition(|t| t.prefix);
        let mut prefix_lengths: Vec<usize> =
            prefix.iter().map(|t| t.text.chars().count()).collect();
        prefix_lengths.sort_unstable();
        prefix_lengths.dedup();
        // The longest first: a match marks as much of the word as any term reaches.
        prefix_lengths.reverse();
        Wanted {
            whole: whole.iter().map(|t| t.text.clone()).collect(),
            prefixes: prefix.iter().map(|t| t.text.clone()).collect(),
            prefix_lengths,
        }
    }

    /// How many characters from the start of `chars` a term matches.
    fn prefix_of(&self, chars: &[char]) -> Option<usize> {
        self.prefix_lengths.iter().copied().find(|&n| {
            n <= chars.len()
                && self
                    .prefixes
                    .contains(&chars[..n].iter().collect::<String>())
        })
    }
}

/// Which characters of `shown` a term matches, found by the tokenizer's own runs: a word
/// whole or by a prefix, a bigram or single character anywhere in a spaceless run.
fn matches(shown: &[char], terms: &[Term]) -> Vec<bool> {
    // Each folded character, with the index of the first character of the group it came
    // from (a base character and what combines with it) and the group's end.
    let mut folded: Vec<char> = Vec::with_capacity(shown.len());
    let mut origin: Vec<(usize, usize)> = Vec::with_capacity(shown.len());
    let mut at = 0;
    while at < shown.len() {
        let mut end = at + 1;
        while end < shown.len() && combines(shown[end]) {
            end += 1;
        }
        let group: String = shown[at..end].iter().collect();
        for c in fold(&group).chars() {
            folded.push(c);
            origin.push((at, end));
        }
        at = end;
    }
    let wanted = Wanted::new(terms);
    let mut marked = vec![false; folded.len()];
    for run in runs_of(folded.iter().copied()) {
        let chars = &run.chars;
        let mut mark = |from: usize, n: usize| {
            marked[run.start + from..run.start + from + n].fill(true);
        };
        if run.spaceless {
            for i in 0..chars.len() {
                if i + 1 < chars.len()
                    && wanted
                        .whole
                        .contains(&chars[i..i + 2].iter().collect::<String>())
                {
                    mark(i, 2);
                }
                if let Some(n) = wanted.prefix_of(&chars[i..i + 1]) {
                    mark(i, n);
                }
            }
        } else {
            let (word, _) = capped(chars.iter().collect());
            if wanted.whole.contains(&word) {
                mark(0, chars.len());
            } else if let Some(n) = wanted.prefix_of(chars) {
                mark(0, n);
            }
        }
    }
    let mut hits = vec![false; shown.len()];
    for (k, &(from, to)) in origin.iter().enumerate() {
        if marked[k] {
            hits[from..to].fill(true);
        }
    }
    hits
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::search::tokens::query_terms;

    fn marked(body: &str, query: &str) -> String {
        snippet(body, &query_terms(query))
            .into_iter()
            .map(|p| {
                if p.hit {
                    format!("[{}]", p.text)
                } else {
                    p.text
                }
            })
            .collect()
    }

    #[test]
    fn matches_are_marked_where_the_index_found_them() {
        assert_eq!(marked("서울에서 만나요", "서울"), "[서울]에서 만나요");
        assert_eq!(marked("서울에서 만나요", "만나"), "서울에서 [만나]요");
        assert_eq!(marked("Deploying now", "deploy"), "[Deploy]ing now");
        assert_eq!(marked("Ｄeploy", "deploy"), "[Ｄeploy]");
        // A short word matches whole words only, as in the index.
        assert_eq!(marked("go gopher go", "go"), "[go] gopher [go]");
        // Not inside a word.
        assert_eq!(marked("redeploy", "deploy"), "redeploy");
    }

    #[test]
    fn the_body_is_shown_as_written_with_the_matches_on_its_own_characters() {
        // Compatibility jamo are not shown as the conjoining jamo NFKC makes of them.
        assert_eq!(marked("ㅋㅋ 서울 ㅋㅋ", "서울"), "ㅋㅋ [서울] ㅋㅋ");
        assert_eq!(marked("ㅋㅋㅋ", "ㅋㅋ"), "[ㅋㅋㅋ]");
        // Full width stays full width; accents stay on the letters they were written on.
        assert_eq!(marked("Ｄeploying", "deploy"), "[Ｄeploy]ing");
        assert_eq!(marked("Café crème", "cafe"), "[Café] crème");
        assert_eq!(marked("İstanbul'da", "istanbul"), "[İstanbul]'da");
        // Decomposed Hangul is marked whole, on the jamo it was written with.
        let nfd: String = unicode_normalization::UnicodeNormalization::nfd("서울에서").collect();
        let text = marked(&nfd, "서울");
        assert!(text.starts_with('[') && text.contains(']'), "{text}");
        assert_eq!(text.replace(['[', ']'], ""), nfd);
    }

    #[test]
    fn many_terms_on_a_long_body_cost_lookups_not_comparisons() {
        let body = "abcdefgh ".repeat(2_000);
        let query: String = (0..60).map(|i| format!("w{i:03}x ")).collect();
        let terms = query_terms(&query);
        assert_eq!(terms.len(), 60);
        let parts = snippet(&body, &terms);
        assert!(parts.iter().all(|p| !p.hit));
        assert_eq!(marked("abcdefgh w007xyz", &query), "abcdefgh [w007x]yz");
    }

    #[test]
    fn a_long_body_is_cut_around_the_first_match_on_one_line() {
        let body = format!("{}\nneedle here{}", "x ".repeat(200), " y".repeat(200));
        let parts = snippet(&body, &query_terms("needle"));
        let text: String = parts.iter().map(|p| p.text.as_str()).collect();
        assert!(text.starts_with('…') && text.ends_with('…'), "{text}");
        assert!(text.chars().count() <= SNIPPET_CHARS + 2);
        assert!(!text.contains('\n'));
        assert!(parts.iter().any(|p| p.hit && p.text == "needle"));
    }

    #[test]
    fn markup_in_the_body_stays_text() {
        let parts = snippet("<img src=x onerror=alert(1)> 서울", &query_terms("서울"));
        assert_eq!(parts[0].text, "<img src=x onerror=alert(1)> ");
        assert!(parts[1].hit);
    }
}
