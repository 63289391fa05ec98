//! Text-direction controls in user text. An override such as U+202E reorders what follows
//! it: `invoice \u{202E}gnp.exe` reads "invoice exe.png". The log isolates every bubble
//! (`dir="auto"`, `unicode-bidi: isolate`), so nothing leaks outside it; inside, the
//! embeddings, overrides and isolates are taken out of the text and shown as visible marks.
//! Marks that only steer neutral characters (LRM, RLM, ALM) stay: right-to-left writers
//! use them, and they cannot reorder letters.

/// A piece of text: plain, or one direction control.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Piece<'a> {
    Text(&'a str),
    Control(char),
}

/// Whether `c` is an embedding, override or isolate (U+202A–U+202E, U+2066–U+2069).
pub fn is_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// The control's Unicode abbreviation (`RLO`), shown in its mark.
pub fn abbreviation(c: char) -> &'static str {
    match c {
        '\u{202A}' => "LRE",
        '\u{202B}' => "RLE",
        '\u{202C}' => "PDF",
        '\u{202D}' => "LRO",
        '\u{202E}' => "RLO",
        '\u{2066}' => "LRI",
        '\u{2067}' => "RLI",
        '\u{2068}' => "FSI",
        '\u{2069}' => "PDI",
        _ => "",
    }
}

/// `text` split around its direction controls.
pub fn pieces(text: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut from = 0;
    for (i, c) in text.char_indices() {
        if is_control(c) {
            if from < i {
                out.push(Piece::Text(&text[from..i]));
            }
            out.push(Piece::Control(c));
            from = i + c.len_utf8();
        }
    }
    if from < text.len() {
        out.push(Piece::Text(&text[from..]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_are_taken_out_and_marks_stay() {
        assert_eq!(
            pieces("invoice \u{202E}gnp.exe"),
            [
                Piece::Text("invoice "),
                Piece::Control('\u{202E}'),
                Piece::Text("gnp.exe")
            ]
        );
        assert_eq!(
            pieces("\u{2067}\u{2069}"),
            [Piece::Control('\u{2067}'), Piece::Control('\u{2069}')]
        );
        assert_eq!(pieces("שלום\u{200F}!"), [Piece::Text("שלום\u{200F}!")]);
        assert_eq!(pieces("안녕하세요"), [Piece::Text("안녕하세요")]);
        assert_eq!(abbreviation('\u{202E}'), "RLO");
        assert!((0x202A..=0x202E)
            .chain(0x2066..=0x2069)
            .filter_map(char::from_u32)
            .all(|c| is_control(c) && !abbreviation(c).is_empty()));
    }
}
