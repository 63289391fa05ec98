//! The renderer: the chat subset, and hostile input that must come out inert. The browser
//! check of the same corpus is `end2end/tests/xss.spec.ts`.

use super::render;

#[test]
fn the_chat_subset_renders() {
    assert_eq!(
        render("**bold** and _it_"),
        "<p><strong>bold</strong> and <em>it</em></p>"
    );
    assert_eq!(render("`a < b`"), "<p><code>a &lt; b</code></p>");
    assert_eq!(
        render("- one\n- two"),
        "<ul>\n<li>one</li>\n<li>two</li>\n</ul>"
    );
    assert_eq!(
        render("> quoted"),
        "<blockquote>\n<p>quoted</p>\n</blockquote>"
    );
    assert_eq!(
        render("line one\nline two"),
        "<p>line one<br>\nline two</p>"
    );
    assert_eq!(render("~~gone~~"), "<p><del>gone</del></p>");
}

#[test]
fn a_fenced_block_keeps_its_indentation_and_its_text() {
    let html = render("```rust\nfn main() {\n    println!(\"<hi>\");\n}\n```");
    assert_eq!(
        html,
        "<pre><code>fn main() {\n    println!(\"&lt;hi&gt;\");\n}\n</code></pre>"
    );
    // An unclosed fence runs to the end, still as text.
    assert_eq!(
        render("```\n<script>x</script>"),
        "<pre><code>&lt;script&gt;x&lt;/script&gt;</code></pre>"
    );
}

#[test]
fn links_are_marked_and_only_safe_schemes_kept() {
    let html = render("[docs](https://example.com/a?b=1&c=2)");
    assert_eq!(
        html,
        "<p><a href=\"https://example.com/a?b=1&amp;c=2\" title=\"https://example.com/a?b=1&amp;c=2\" \
         rel=\"nofollow noopener noreferrer\">docs</a></p>"
    );
    for hostile in [
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](data:text/html,<script>alert(1)</script>)",
        "[x](vbscript:msgbox)",
        "[x](/relative)",
    ] {
        let html = render(hostile);
        assert!(!html.contains("href"), "{hostile} → {html}");
    }
    let bare = render("see https://example.com/x, then");
    assert!(bare.contains("<a href=\"https://example.com/x\""), "{bare}");
    assert!(bare.ends_with(", then</p>"), "{bare}");
}

#[test]
fn headings_images_and_raw_html_are_not_rendered() {
    assert_eq!(render("# title"), "<p>title</p>");
    let image = render("![alt](https://example.com/i.png)");
    assert!(!image.contains("<img"), "{image}");
    assert!(
        image.contains("<a href=\"https://example.com/i.png\""),
        "{image}"
    );
    assert_eq!(
        render("<b onmouseover=alert(1)>hi</b>"),
        "<p>&lt;b onmouseover=alert(1)&gt;hi&lt;/b&gt;</p>"
    );
    assert_eq!(
        render("<script>alert(1)</script>"),
        "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"
    );
}

#[test]
fn mentions_and_direction_controls_are_marked() {
    assert_eq!(
        render("hi @ann_lee"),
        "<p>hi <mark class=\"mention\">@ann_lee</mark></p>"
    );
    assert_eq!(
        render("invoice \u{202E}gnp.exe"),
        "<p>invoice <abbr class=\"bidi-control\" title=\"U+202E\">RLO</abbr>gnp.exe</p>"
    );
    assert_eq!(
        render("서울에서 **만나요**"),
        "<p>서울에서 <strong>만나요</strong></p>"
    );
}

#[test]
fn the_plain_path_gives_what_the_full_path_gives() {
    use super::full;
    for body in [
        "hello",
        "t=1764121200000;xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "서울에서 만나요",
        "Is it (really) done? Yes, 100% done: ship it.",
        "it's \"quoted\"",
        "a  b",
        "école, naïve",
        "明日東京に行きます",
    ] {
        assert_eq!(
            super::plain(body).as_deref(),
            Some(full(body).as_str()),
            "{body}"
        );
    }
    // And these go the full way.
    for body in [
        "1. a list",
        "- a list",
        "**bold**",
        "see https://example.com",
        "a & b",
        "<b>",
        "@ann hi",
        "x\ny",
        "\u{202E}x",
        "a\u{a0}b",
        "(a) b",
        "👍",
        "",
    ] {
        assert_eq!(super::plain(body), None, "{body}");
    }
}
