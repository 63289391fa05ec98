//! Replays the fuzz inputs of `ClientFrame::decode` through the fuzz target's own property
//! check, so that every normal test run covers what fuzzing found:
//! - `fuzz/seeds/client_frame`: hand-written frames, one valid frame of every type and some
//!   near misses;
//! - `fuzz/corpus/client_frame`: libFuzzer's minimised corpus (`cargo fuzz cmin`) after the
//!   runs recorded in `docs/hardening.md`.

#[path = "../fuzz/check/client_frame.rs"]
mod check;

use std::path::Path;

/// Every input in `dir`, checked; returns (inputs, inputs that decode).
fn replay(dir: &str) -> (usize, usize) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut inputs = 0;
    let mut decoded = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let data = std::fs::read(entry.expect("entry").path()).expect("input");
        check::check(&data);
        inputs += 1;
        let text = std::str::from_utf8(&data).unwrap_or("");
        decoded += usize::from(parlor::protocol::ClientFrame::decode(text).is_ok());
    }
    (inputs, decoded)
}

#[test]
fn the_seed_frames_pass_the_fuzz_property() {
    let (inputs, decoded) = replay("fuzz/seeds/client_frame");
    assert_eq!(inputs, 17);
    // One valid frame of every type, and a few variants.
    assert_eq!(decoded, 12, "{decoded} of {inputs} seeds decode");
}

#[test]
fn the_fuzz_corpus_passes_the_fuzz_property() {
    let (inputs, decoded) = replay("fuzz/corpus/client_frame");
    assert!(inputs > 1000, "{inputs} corpus inputs");
    assert!(decoded > 100, "{decoded} of {inputs} corpus inputs decode");
}
