//! Chat Markdown → sanitised HTML, once, on the server, when a message is written or edited.
//!
//! The subset: emphasis, strikethrough, inline code, fenced and indented code blocks, links
//! (and bare `http(s)://` addresses), lists, quotes and line breaks. No images (shown as a
//! link to their address), no headings (shown as paragraphs), no tables, and raw HTML is
//! shown as the text it is. `@mentions` become `<mark class="mention">`; direction controls
//! (`text::bidi`) are taken out of the text and shown as `<abbr class="bidi-control">`.
//!
//! `pulldown-cmark` parses; `ammonia` then cleans the result with an allow-list (tags,
//! attributes, `http`/`https`/`mailto` links only, `rel="nofollow noopener noreferrer"`), so
//! a parser bug cannot put a script or an event handler into a page. The parser stays out of
//! the WASM bundle: browsers receive the HTML.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd};

use crate::text::bidi::{abbreviation, pieces, Piece};
use crate::text::mention::{segments, Segment};

/// The version of this renderer, stored beside each message's HTML: a row rendered by an
/// older version is rendered again when read.
pub const RENDER_VERSION: i64 = 1;

/// The HTML of a message body.
pub fn render(body: &str) -> String {
    plain(body).unwrap_or_else(|| full(body))
}

/// Punctuation that, in one line of text that starts with none of it, neither Markdown,
/// HTML nor the marks change.
const INERT: &str = ",.?!:;%/()'\"=";

/// A body that holds nothing Markdown, HTML or the marks would change (letters and digits of
/// any script, single-line spaces, a little punctuation; no address, no leading digit or
/// dash that could start a list): its one paragraph, exactly what [`full`] gives (tested),
/// without parsing and cleaning. Most chat messages are such, and the cleaner parses HTML,
/// which costs tens of microseconds a message.
fn plain(body: &str) -> Option<String> {
    let first = body.chars().next()?;
    let inert = body
        .chars()
        .all(|c| c == ' ' || c.is_alphanumeric() || INERT.contains(c));
    let starts_plain = !first.is_ascii_digit() && first != ' ' && !INERT.contains(first);
    (inert && starts_plain && !body.ends_with(' ') && !body.contains("://"))
        .then(|| format!("<p>{body}</p>"))
}

/// The HTML of any body: parsed, marked and cleaned.
fn full(body: &str) -> String {
    let parser = Parser::new_ext(body, Options::ENABLE_STRIKETHROUGH);
    let mut in_code = false;
    let mut in_link = 0usize;
    let mut events = Vec::new();
    for event in parser {
        match event {
            Event::Start(Tag::CodeBlock(_)) => {
                in_code = true;
                events.push(Event::Start(Tag::CodeBlock(
                    pulldown_cmark::CodeBlockKind::Indented,
                )));
            }
            Event::End(TagEnd::CodeBlock) => {
                in_code = false;
                events.push(Event::End(TagEnd::CodeBlock));
            }
            Event::Start(Tag::Heading { .. }) => events.push(Event::Start(Tag::Paragraph)),
            Event::End(TagEnd::Heading(_)) => events.push(Event::End(TagEnd::Paragraph)),
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title: _,
                id,
            })
            | Event::Start(Tag::Link {
                link_type,
                dest_url,
                title: _,
                id,
            }) => {
                in_link += 1;
                // The address is always shown on hover, whatever the text (or the
                // author's title) says.
                events.push(Event::Start(Tag::Link {
                    link_type,
                    title: dest_url.clone(),
                    dest_url,
                    id,
                }));
            }
            Event::End(TagEnd::Image) | Event::End(TagEnd::Link) => {
                in_link = in_link.saturating_sub(1);
                events.push(Event::End(TagEnd::Link));
            }
            Event::Html(html) | Event::InlineHtml(html) => {
                events.push(Event::Html(escape(&html)));
            }
            Event::Start(Tag::HtmlBlock) => events.push(Event::Start(Tag::Paragraph)),
            Event::End(TagEnd::HtmlBlock) => events.push(Event::End(TagEnd::Paragraph)),
            Event::SoftBreak if !in_code => events.push(Event::HardBreak),
            Event::Text(text) if !in_code => {
                events.push(Event::Html(decorate(&text, in_link == 0).into()));
            }
            other => events.push(other),
        }
    }
    let mut html = String::with_capacity(body.len() * 2);
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    let mut clean = CLEANER.clean(&html).to_string();
    clean.truncate(clean.trim_end().len());
    clean
}

/// The allow-list every rendered body passes through.
static CLEANER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let tags: HashSet<&str> = [
        "p",
        "br",
        "em",
        "strong",
        "del",
        "code",
        "pre",
        "a",
        "ul",
        "ol",
        "li",
        "blockquote",
        "hr",
        "mark",
        "abbr",
    ]
    .into();
    let mut attributes: HashMap<&str, HashSet<&str>> = HashMap::new();
    attributes.insert("a", ["href", "title"].into());
    attributes.insert("abbr", ["title"].into());
    attributes.insert("ol", ["start"].into());
    let mut classes: HashMap<&str, HashSet<&str>> = HashMap::new();
    classes.insert("mark", ["mention"].into());
    classes.insert("abbr", ["bidi-control"].into());
    let mut builder = ammonia::Builder::empty();
    builder
        .tags(tags)
        .tag_attributes(attributes)
        .allowed_classes(classes)
        .url_schemes(["http", "https", "mailto"].into())
        .url_relative(ammonia::UrlRelative::Deny)
        .link_rel(Some("nofollow noopener noreferrer"))
        .strip_comments(true);
    builder
});

/// Plain text as HTML: escaped, with `@mentions` marked, direction controls shown as marks,
/// and (outside a link) bare `http(s)://` addresses made links.
fn decorate(text: &str, linkify: bool) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for segment in segments(text) {
        match segment {
            Segment::Mention(m) => {
                out.push_str("<mark class=\"mention\">");
                out.push_str(&escape(m));
                out.push_str("</mark>");
            }
            Segment::Text(t) => {
                for piece in pieces(t) {
                    match piece {
                        Piece::Text(t) if linkify => links(t, &mut out),
                        Piece::Text(t) => out.push_str(&escape(t)),
                        Piece::Control(c) => out.push_str(&format!(
                            "<abbr class=\"bidi-control\" title=\"U+{:04X}\">{}</abbr>",
                            u32::from(c),
                            abbreviation(c)
                        )),
                    }
                }
            }
        }
    }
    out
}

/// Text with its bare `http://` and `https://` addresses as links (trailing punctuation is
/// the sentence's, not the address's).
fn links(text: &str, out: &mut String) {
    let mut rest = text;
    while let Some(at) = find_address(rest) {
        out.push_str(&escape(&rest[..at]));
        let tail = &rest[at..];
        let end = tail.find(char::is_whitespace).unwrap_or(tail.len());
        let address = tail[..end].trim_end_matches(['.', ',', ';', ':', '!', '?', ')', '\'', '"']);
        let address = if address.len() <= "https://".len() {
            &tail[..end]
        } else {
            address
        };
        let shown = escape(address);
        out.push_str(&format!(
            "<a href=\"{shown}\" title=\"{shown}\">{shown}</a>"
        ));
        rest = &tail[address.len()..];
    }
    out.push_str(&escape(rest));
}

fn find_address(text: &str) -> Option<usize> {
    let lower = text.to_ascii_lowercase();
    let at = [lower.find("https://"), lower.find("http://")]
        .into_iter()
        .flatten()
        .min()?;
    // Only at the start of a word: `xhttp://` is not an address.
    let starts_word = text[..at]
        .chars()
        .next_back()
        .is_none_or(|c| c.is_whitespace() || c == '(');
    if starts_word {
        Some(at)
    } else {
        // Skip this occurrence and look further on.
        let skip = at + 4;
        find_address(&text[skip..]).map(|n| n + skip)
    }
}

/// `&`, `<`, `>`, `"` and `'` as entities.
fn escape(text: &str) -> CowStr<'static> {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out.into()
}

#[cfg(test)]
mod tests;
