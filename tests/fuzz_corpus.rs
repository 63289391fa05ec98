//! Replays the fuzz corpus of `ClientFrame::decode` (`fuzz/corpus/client_frame`, seeds plus
//! what libFuzzer found) through the fuzz target's own property check, so that every normal
//! test run covers what fuzzing found.

#[path = "../fuzz/check/client_frame.rs"]
mod check;

use std::path::Path;

#[test]
fn the_client_frame_corpus_passes_the_fuzz_property() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/client_frame");
    let mut inputs = 0;
    let mut decoded = 0;
    for entry in std::fs::read_dir(&dir).expect("fuzz/corpus/client_frame") {
        let path = entry.expect("entry").path();
        let data = std::fs::read(&path).expect("corpus file");
        check::check(&data);
        inputs += 1;
        let text = std::str::from_utf8(&data).unwrap_or("");
        if parlor::protocol::ClientFrame::decode(text).is_ok() {
            decoded += 1;
        }
    }
    // The seeds alone hold one valid frame of every type.
    assert!(inputs >= 17, "{inputs} corpus inputs");
    assert!(decoded >= 11, "{decoded} of {inputs} inputs decode");
}
