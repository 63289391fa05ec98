//! A search hit's snippet: the part of the body around its first match, each match marked.
//! The pieces are plain text; the page puts them in text nodes, so no body is ever HTML.
//!
//! The body is matched as the index saw it (NFKC, lower case), and shown NFKC-normalised:
//! what the reader sees is what matched (a full-width `Ｄeploy` shows as `Deploy`).

use unicode_normalization::UnicodeNormalization;

use super::tokens::{is_cjk, Term};
use crate::model::SnippetPart;

/// Characters of a snippet at most (an ellipsis marks each cut end).
pub const SNIPPET_CHARS: usize = 160;
/// Characters kept before the first match, when the body is cut.
const BEFORE_CHARS: usize = 40;

/// The snippet of `body` for `terms`.
pub fn snippet(body: &str, terms: &[Term]) -> Vec<SnippetPart> {
    // Line breaks and tabs read as spaces on one line.
    let shown: Vec<char> = body
        .nfkc()
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

/// Which characters of `shown` a term matches: a CJK term anywhere (its bigrams are inside
/// runs), a word at the start of a word, and whole unless it is a prefix.
fn matches(shown: &[char], terms: &[Term]) -> Vec<bool> {
    // Each lower-case character, with the index of the character it came from.
    let mut lower: Vec<(char, usize)> = Vec::with_capacity(shown.len());
    for (i, c) in shown.iter().enumerate() {
        lower.extend(c.to_lowercase().map(|l| (l, i)));
    }
    let word_char = |k: usize| {
        lower
            .get(k)
            .is_some_and(|&(c, _)| c.is_alphanumeric() && !is_cjk(c))
    };
    let mut hits = vec![false; shown.len()];
    for term in terms {
        let text: Vec<char> = term.text.chars().collect();
        let cjk = text.first().copied().is_some_and(is_cjk);
        for at in 0..lower.len() {
            let end = at + text.len();
            if end > lower.len()
                || lower[at..end]
                    .iter()
                    .map(|&(c, _)| c)
                    .ne(text.iter().copied())
            {
                continue;
            }
            let starts_word = at == 0 || !word_char(at - 1);
            let ends_word = !word_char(end);
            if cjk || (starts_word && (term.prefix || ends_word)) {
                for &(_, i) in &lower[at..end] {
                    hits[i] = true;
                }
            }
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
        assert_eq!(marked("Ｄeploy", "deploy"), "[Deploy]");
        // A short word matches whole words only, as in the index.
        assert_eq!(marked("go gopher go", "go"), "[go] gopher [go]");
        // Not inside a word.
        assert_eq!(marked("redeploy", "deploy"), "redeploy");
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
