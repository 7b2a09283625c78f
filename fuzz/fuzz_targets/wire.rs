//! The WebSocket frame reader against tungstenite's (see `harness/wire.rs`).
#![no_main]

#[path = "../harness/wire.rs"]
mod wire;

libfuzzer_sys::fuzz_target!(|data: &[u8]| wire::check(data));
