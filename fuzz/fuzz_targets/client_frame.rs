//! Fuzzes `ClientFrame::decode`, the first thing the server does with a client's text frame.
#![no_main]

#[path = "../check/client_frame.rs"]
mod check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| check::check(data));
