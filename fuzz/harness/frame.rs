//! Frame classification, fuzzed: one text or binary frame as the driver receives it.
//!
//! Shared by the `frame` fuzz target and by the library's stable test `fuzz_corpus.rs`
//! (which replays `fuzz/corpus/frame/`). Only the library's public (or `#[doc(hidden)]`)
//! API is used; what a frame *should* be comes from an independent oracle (`oracle.rs`: a
//! generic JSON parse and the protocol reference's rules), never from the library.
//!
//! Input: the first byte chooses the frame type (even: text, odd: binary); the rest is the
//! payload. A text payload that is not UTF-8 cannot be a text frame (tungstenite refuses it
//! before the client sees it), so it is checked as a binary frame instead.

#[path = "oracle.rs"]
mod oracle;

use genesys_notifications::__private::{
    body_range, classify, classify_binary, fast_path_agrees, frame_kind,
};
use genesys_notifications::{ErrorKind, Reason};
use oracle::{Oracle, oracle};

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

/// A binary frame is never parsed (the service sends text frames), whatever it holds: it is
/// a non-fatal malformed item that keeps the exact bytes, and no text of the error shows them.
fn check_binary(payload: &[u8]) {
    let e = classify_binary(payload);
    assert_eq!(
        (e.kind(), e.reason(), e.is_fatal()),
        (ErrorKind::Receive, Reason::InvalidMessage, false)
    );
    assert_eq!(e.raw_frame(), Some(payload), "the bytes are kept exactly");
    assert_eq!(e.raw_text(), std::str::from_utf8(payload).ok());
    assert!(e.message().is_some_and(|m| m.contains("binary")));
    // Display and Debug say what happened, never the payload (it may be megabytes, or a
    // valid envelope whose body is private).
    let shown = format!("{e} {e:?}");
    assert!(shown.len() < 300, "{shown}");
    if payload.len() >= 8
        && let Ok(text) = std::str::from_utf8(payload)
    {
        assert!(!shown.contains(text), "{shown}");
    }
}

fn check_text(text: &str) {
    // The strict fast path declines or agrees exactly with the tolerant parser.
    assert!(fast_path_agrees(text), "{text:?}: the fast path disagrees");
    let expected = oracle(text);
    let kind = frame_kind(text);
    assert!(
        expected.kinds().contains(&kind),
        "{text:?}: the library says {kind}, the protocol {expected:?}"
    );
    let range = body_range(text);
    match classify(text) {
        Ok(Some(n)) => {
            let Oracle::Notification {
                topic,
                version,
                correlation_id,
                body,
            } = expected
            else {
                panic!("{text:?} delivered, the protocol says {expected:?}");
            };
            assert_eq!(n.raw(), text);
            assert_eq!(n.topic(), topic);
            assert_eq!(n.version(), version.as_deref());
            assert_eq!(n.correlation_id(), correlation_id.as_deref());
            // The body is the exact byte range of `eventBody`'s value in the frame: the very
            // text the oracle found there.
            match (body, range) {
                (None, None) => assert_eq!(n.body_raw(), "null"),
                (Some(want), Some((start, end))) => {
                    assert!(
                        start <= end && end <= text.len(),
                        "{text:?}: {start}..{end}"
                    );
                    let slice = text.get(start..end).expect("on character boundaries");
                    assert_eq!(n.body_raw(), slice);
                    assert_eq!(slice, want, "{text:?}: {start}..{end}");
                    assert!(
                        text[..start].trim_end().ends_with(':'),
                        "{text:?}: {start}..{end} is not a member's value"
                    );
                }
                (body, range) => panic!("{text:?}: body {body:?}, range {range:?}"),
            }
            // Debug names the parts, never the body itself.
            let shown = format!("{n:?}");
            assert!(
                shown.contains(&format!("body_len: {}", n.body_raw().len())),
                "{shown}"
            );
            // Decoding never panics, whatever the depth.
            if let Err(e) = n.body::<serde_json::Value>() {
                assert!(!e.is_fatal());
                assert_eq!(e.raw_text(), Some(text));
            }
        }
        Ok(None) => {
            assert!(
                !matches!(expected, Oracle::Notification { .. } | Oracle::Malformed),
                "{text:?}: nothing delivered, the protocol says {expected:?}"
            );
            assert_eq!(range, None);
        }
        Err(e) => {
            assert_eq!(expected, Oracle::Malformed, "{text:?}: {e}");
            assert_eq!(
                (e.kind(), e.reason(), e.is_fatal()),
                (ErrorKind::Receive, Reason::InvalidMessage, false)
            );
            assert_eq!(e.raw_frame(), Some(text.as_bytes()));
            assert!(e.message().is_some_and(|m| !m.is_empty()));
            assert_eq!(range, None);
            assert!(
                e.to_string()
                    .starts_with("receive failure (invalid message): "),
                "{e}"
            );
            assert!(format!("{e:?}").contains(&format!("raw_len: {}", text.len())));
        }
    }
}
