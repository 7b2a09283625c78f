//! Frame classification, fuzzed: one text or binary frame as the driver receives it.
//!
//! Shared by the `frame` fuzz target and by the library's stable test `fuzz_corpus.rs`
//! (which replays `fuzz/corpus/frame/`). Only the library's public (or `#[doc(hidden)]`)
//! API is used.
//!
//! Input: the first byte chooses the frame type (even: text, odd: binary); the rest is the
//! payload. A text payload that is not UTF-8 cannot be a text frame (tungstenite refuses it
//! before the client sees it), so it is checked as a binary frame instead.

use genesys_notifications::__private::{classify, fast_path_agrees, frame_kind};
use genesys_notifications::{ErrorKind, Reason};

/// Checks every invariant of classifying `data`; panics on a violation.
pub fn check(data: &[u8]) {
    let Some((&kind, payload)) = data.split_first() else {
        return;
    };
    match std::str::from_utf8(payload) {
        Ok(text) if kind % 2 == 0 => check_text(text),
        _ => check_binary(payload),
    }
}

fn check_binary(payload: &[u8]) {
    // The driver reports every binary frame as a malformed item with its bytes; nothing to
    // classify. What can be checked without a socket: nothing in it is read as text.
    let _ = payload;
}

fn check_text(text: &str) {
    // The strict fast path declines or agrees exactly with the tolerant parser.
    assert!(fast_path_agrees(text), "{text:?}: the fast path disagrees");
    let kind = frame_kind(text);
    match classify(text) {
        Ok(Some(n)) => {
            assert_eq!(kind, "notification", "{text:?}");
            assert_eq!(n.raw(), text);
            let topic = n.topic();
            assert!(!topic.is_empty(), "{text:?}: empty topic delivered");
            assert_ne!(
                topic, "channel.metadata",
                "{text:?}: control frame delivered"
            );
            assert!(
                !topic.starts_with("v2.system."),
                "{text:?}: system message delivered"
            );
            // Only a JSON object is an envelope.
            assert!(
                text.trim_start().starts_with('{'),
                "{text:?}: delivered although it is not a JSON object"
            );
            let body = n.body_raw();
            assert!(
                body == "null" || text.contains(body),
                "{text:?}: body {body:?}"
            );
            let _ = (n.version(), n.correlation_id(), format!("{n:?}"));
            // Decoding never panics, whatever the depth.
            if let Err(e) = n.body::<serde_json::Value>() {
                assert!(!e.is_fatal());
                assert_eq!(e.raw_text(), Some(text));
            }
        }
        Ok(None) => assert!(
            !matches!(kind, "notification" | "malformed"),
            "{text:?}: {kind}"
        ),
        Err(e) => {
            assert_eq!(kind, "malformed", "{text:?}");
            assert_eq!(
                (e.kind(), e.reason(), e.is_fatal()),
                (ErrorKind::Receive, Reason::InvalidMessage, false)
            );
            assert_eq!(e.raw_frame(), Some(text.as_bytes()));
            assert!(e.message().is_some_and(|m| !m.is_empty()));
            let _ = (e.to_string(), format!("{e:?}"));
        }
    }
}
