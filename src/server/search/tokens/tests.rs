//! The tokenizer: Korean with particles, mixed scripts, emoji, NFD, one syllable, CJK,
//! punctuation only.

use super::*;

fn term(text: &str, prefix: bool) -> Term {
    Term {
        text: text.into(),
        prefix,
    }
}

/// Whether every term of `query` matches a token of `text`, as the stores match them.
fn finds(query: &str, text: &str) -> bool {
    let tokens = index_tokens(text);
    let terms = query_terms(query);
    !terms.is_empty()
        && terms.iter().all(|t| {
            tokens.iter().any(|k| {
                if t.prefix {
                    k.starts_with(&t.text)
                } else {
                    *k == t.text
                }
            })
        })
}

#[test]
fn korean_with_particles_is_found_by_its_words() {
    assert_eq!(
        index_tokens("서울에서 만나요"),
        ["서울", "울에", "에서", "서", "만나", "나요", "요"]
    );
    assert!(finds("서울", "서울에서 만나요"));
    assert!(finds("만나", "서울에서 만나요"));
    assert!(finds("서울에서", "서울에서 만나요"));
    assert!(!finds("부산", "서울에서 만나요"));
    assert!(
        !finds("서울 부산", "서울에서 만나요"),
        "every term must match"
    );
}

#[test]
fn one_syllable_is_a_prefix_that_reaches_every_place() {
    assert_eq!(query_terms("서"), [term("서", true)]);
    assert!(finds("서", "서울에서"), "the start of a bigram");
    assert!(finds("요", "만나요"), "the end of a run");
    assert!(finds("나", "만나요"), "the middle");
    assert!(finds("밥", "밥"), "a run of one");
}

#[test]
fn mixed_korean_and_english_and_prefixes_of_words() {
    assert!(finds("deploy", "Deploying now"));
    assert!(finds("배포 deploy", "오늘 배포했어요: deploy done"));
    assert!(
        !finds("deployment", "Deploying now"),
        "a longer word is not a prefix of a shorter"
    );
    assert_eq!(
        query_terms("go"),
        [term("go", false)],
        "short words match whole"
    );
    assert!(!finds("go", "google"));
    assert!(
        finds("rust의", "Rust의 소유권"),
        "a particle on a Latin word splits off"
    );
}

#[test]
fn emoji_and_punctuation_only_separate() {
    assert_eq!(index_tokens("👍deploy🎉 done!"), ["deploy", "done"]);
    assert!(query_terms("👍🎉").is_empty());
    assert!(query_terms("!!! ... ???").is_empty());
    assert!(query_terms(r#"" * ( ) NEAR AND"#) == [term("near", true), term("and", true)]);
}

#[test]
fn nfd_and_case_meet_their_composed_forms() {
    let nfd = "\u{1109}\u{1165}\u{110B}\u{116E}\u{11AF}"; // 서울, decomposed
    assert_eq!(index_tokens(nfd), ["서울", "울"]);
    assert!(finds(nfd, "서울에서"));
    assert!(finds("서울", nfd));
    assert!(finds("ÉCOLE", "école"));
    assert!(
        finds("ｄｅｐｌｏｙ", "deploy"),
        "full-width letters fold to ASCII (NFKC)"
    );
}

#[test]
fn chinese_and_japanese_runs_are_bigrams_too() {
    assert!(finds("東京", "明日東京に行きます"));
    assert!(finds("行き", "明日東京に行きます"));
    assert!(finds("中文", "我们用中文聊天"));
}

#[test]
fn a_long_word_is_indexed_and_found_by_its_start() {
    let long = "a".repeat(3_000);
    let tokens = index_tokens(&long);
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens[0].chars().count(), MAX_WORD_CHARS);
    assert!(tokens[0].len() < 2047, "within PostgreSQL's lexeme limit");
    assert!(finds(&long, &long), "the whole word finds itself");
    let wide = "\u{FDF2}".repeat(300); // NFKC: four letters each
    assert!(index_tokens(&wide)
        .iter()
        .all(|t| t.chars().count() <= MAX_WORD_CHARS));
    assert!(finds(&wide, &wide));
}

#[test]
fn accents_on_latin_letters_fold_and_marks_stay_inside_words() {
    // The dotted capital I lower-cases to `i` and a combining dot: one word all the same.
    assert_eq!(index_tokens("İstanbul'da"), ["istanbul", "da"]);
    assert!(finds("istanbul", "İstanbul'da buluşalım"));
    assert!(finds("İstanbul", "istanbul"));
    assert!(
        finds("cafe", "Café crème"),
        "accents are folded, as people type them"
    );
    assert!(finds("café", "CAFE"));
    let decomposed = "Cafe\u{301}"; // é as e and a combining acute
    assert_eq!(index_tokens(decomposed), ["cafe"]);
    // Other scripts keep their marks: a Devanagari vowel sign is part of its word.
    assert_eq!(index_tokens("नमस्ते दुनिया").len(), 2);
    assert!(finds("नमस्ते", "नमस्ते दुनिया"));
}

#[test]
fn scripts_without_spaces_between_words_are_bigrams() {
    // Thai: "I like to eat rice" in one run; its vowel signs are marks inside the run.
    let thai = "ผมชอบกินข้าว";
    assert!(index_tokens(thai).len() > 5, "bigrams, not one long word");
    assert!(finds("กินข้าว", thai));
    assert!(finds("ชอบ", thai));
    assert!(!finds("ข้าวผม", thai));
}
