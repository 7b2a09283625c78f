//! Frame classification: one text or binary frame (see `harness/frame.rs`).
#![no_main]

#[path = "../harness/frame.rs"]
mod frame;

libfuzzer_sys::fuzz_target!(|data: &[u8]| frame::check(data));
