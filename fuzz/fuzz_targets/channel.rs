//! The channel state machine driven by an arbitrary sequence of events (see
//! `harness/channel.rs`).
#![no_main]

#[path = "../harness/channel.rs"]
mod channel;

libfuzzer_sys::fuzz_target!(|data: &[u8]| channel::check(data));
