//! The property the `client_frame` fuzz target checks, shared with the corpus replay in
//! `tests/fuzz_corpus.rs`:
//! - decoding any bytes never panics (the socket hands the decoder only UTF-8; other bytes
//!   are closed with 1007 before they get here);
//! - whatever decodes, encodes, and decodes again to the same frame;
//! - the encoding of a decoded frame is never larger than a few bytes per input byte, so a
//!   frame cannot expand into something the server would choke on.

use parlor::protocol::ClientFrame;

pub fn check(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(frame) = ClientFrame::decode(text) else {
        return;
    };
    let encoded = serde_json::to_string(&frame).expect("a decoded frame encodes");
    let again = ClientFrame::decode(&encoded).expect("an encoded frame decodes");
    assert_eq!(frame, again, "round trip of {text:?}");
    // JSON escapes grow a character to at most six bytes (\uXXXX).
    assert!(
        encoded.len() <= 6 * text.len() + 64,
        "{} bytes became {}",
        text.len(),
        encoded.len()
    );
}
