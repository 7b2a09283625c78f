//! The WebSocket frame reader against tungstenite's client role, on streams built from
//! random frames (`fuzz/harness/wire.rs` compares the two): valid and invalid headers,
//! every opcode, fragmentation, masked frames, reserved bits, lengths at the 125/126,
//! 65535/65536 boundaries and in longer encodings than needed, close frames with every kind
//! of code and reason, text cut inside a character, streams cut anywhere, bytes arriving in
//! pieces of any size, size limits below and above the frames. `PROPTEST_CASES` raises the
//! count (256 by default).
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code, unreachable_pub)]

#[path = "../../../fuzz/harness/wire.rs"]
mod harness;

use proptest::prelude::*;

/// One frame as the service could send it (or a hostile one).
#[derive(Debug, Clone)]
struct Frame {
    fin: bool,
    rsv: u8,
    opcode: u8,
    mask: Option<[u8; 4]>,
    /// 0: the shortest length encoding, 1: 16 bits, 2: 64 bits (when the length allows).
    form: u8,
    payload: Vec<u8>,
}

impl Frame {
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(u8::from(self.fin) << 7 | self.rsv << 4 | self.opcode);
        let m = if self.mask.is_some() { 0x80 } else { 0 };
        let n = self.payload.len();
        match self.form {
            0 if n < 126 => out.push(m | n as u8),
            0 | 1 if n < 65536 => {
                out.push(m | 126);
                out.extend_from_slice(&(n as u16).to_be_bytes());
            }
            _ => {
                out.push(m | 127);
                out.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        match self.mask {
            Some(k) => {
                out.extend_from_slice(&k);
                out.extend(self.payload.iter().enumerate().map(|(i, b)| b ^ k[i % 4]));
            }
            None => out.extend_from_slice(&self.payload),
        }
    }
}

/// Text, often cut inside a character or spoiled by a byte that is not UTF-8.
fn text() -> impl Strategy<Value = Vec<u8>> {
    (
        ".{0,40}",
        0u8..10,
        any::<prop::sample::Index>(),
        any::<u8>(),
    )
        .prop_map(|(s, how, at, byte)| {
            let mut b = s.into_bytes();
            match how {
                0 if !b.is_empty() => {
                    let i = at.index(b.len());
                    b.truncate(i);
                }
                1 => {
                    let i = at.index(b.len() + 1);
                    b.insert(i, byte | 0x80);
                }
                2 => b.extend_from_slice("é€😀".as_bytes()),
                _ => {}
            }
            b
        })
}

/// A payload for `opcode`, sometimes at a length boundary.
fn payload(opcode: u8) -> BoxedStrategy<Vec<u8>> {
    let boundary = prop::sample::select(vec![124usize, 125, 126, 127, 65535, 65536, 65537])
        .prop_map(|n| vec![b'a'; n]);
    let close = (
        prop::sample::select(vec![
            1000u16, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 1011, 1015, 1016, 2999, 3000, 4999,
            5000, 0, 999,
        ]),
        text(),
    )
        .prop_map(|(code, reason)| {
            let mut p = code.to_be_bytes().to_vec();
            p.extend_from_slice(&reason);
            p
        });
    match opcode {
        1 | 0 => prop_oneof![8 => text(), 1 => boundary].boxed(),
        8 => prop_oneof![
            6 => close,
            1 => Just(Vec::new()),
            1 => any::<u8>().prop_map(|b| vec![b]),
            1 => boundary,
        ]
        .boxed(),
        _ => prop_oneof![
            8 => prop::collection::vec(any::<u8>(), 0..40),
            1 => boundary,
        ]
        .boxed(),
    }
}

fn frame() -> impl Strategy<Value = Frame> {
    let opcode = prop_oneof![
        4 => Just(0u8),
        6 => Just(1u8),
        2 => Just(2u8),
        2 => Just(8u8),
        2 => Just(9u8),
        1 => Just(10u8),
        1 => 3u8..8,
        1 => 11u8..16,
    ];
    (
        opcode,
        prop::bool::weighted(0.75),
        prop_oneof![10 => Just(0u8), 1 => 1u8..8],
        prop::option::weighted(0.08, any::<[u8; 4]>()),
        prop_oneof![10 => Just(0u8), 1 => 1u8..3],
    )
        .prop_flat_map(|(opcode, fin, rsv, mask, form)| {
            payload(opcode).prop_map(move |payload| Frame {
                fin,
                rsv,
                opcode,
                mask,
                form,
                payload,
            })
        })
}

/// The stream: frames, sometimes cut anywhere, sometimes ended by a header that declares
/// more than any limit.
fn stream() -> impl Strategy<Value = Vec<u8>> {
    (
        prop::collection::vec(frame(), 1..10),
        prop::option::weighted(0.3, any::<prop::sample::Index>()),
        prop::option::weighted(0.1, any::<u64>()),
    )
        .prop_map(|(frames, cut, huge)| {
            let mut out = Vec::new();
            for f in &frames {
                f.encode(&mut out);
            }
            if let Some(len) = huge {
                out.extend_from_slice(&[0x81, 127]);
                out.extend_from_slice(&(len | 1 << 40).to_be_bytes());
            }
            if let Some(at) = cut {
                let i = at.index(out.len() + 1);
                out.truncate(i);
            }
            out
        })
}

proptest! {
    #[test]
    fn the_reader_agrees_with_tungstenite(
        stream in stream(),
        chunk in prop_oneof![1usize..16, 16usize..5000, Just(usize::MAX)],
        max in prop::sample::select(vec![16usize, 125, 200, 2000, 65536, 70_000, 1 << 20]),
    ) {
        harness::compare(&stream, chunk, max);
    }
}

/// Streams that must each take a given path, compared the same way (and checked to take
/// it: a limit, a close answered, a ping answered, the end without a close).
#[test]
fn chosen_streams_agree_with_tungstenite() {
    let cases: &[(&[u8], usize)] = &[
        // A text, a ping (answered), a close 1000 (answered), the end.
        (b"\x81\x02hi\x89\x01p\x88\x05\x03\xe8bye", 1000),
        // A close with a code that may not be sent: answered with 1002.
        (b"\x88\x02\x03\xed", 1000),
        // A close of one byte; a close whose reason is not UTF-8.
        (b"\x88\x01\x03", 1000),
        (b"\x88\x03\x03\xe8\xff", 1000),
        // A frame over the limit, refused from its header alone.
        (b"\x81\x7e\x01\x00", 100),
        // Fragments over the limit together.
        (b"\x01\x03abc\x80\x03def", 5),
        // Masked, reserved bits, reserved opcodes, fragmented control, stray continuation.
        (b"\x81\x81\x01\x02\x03\x04a", 1000),
        (b"\xc1\x01a", 1000),
        (b"\xc1\x81\x01\x02\x03\x04a", 1000),
        (b"\x83\x00", 1000),
        (b"\x8b\x00", 1000),
        (b"\x09\x00", 1000),
        (b"\x80\x01a", 1000),
        // A new message while one is fragmented; a character cut at the end of a message.
        (b"\x01\x01a\x81\x01b", 1000),
        (b"\x01\x01a\x80\x02\xc3\xa9\x80\x01\xc3", 1000),
        // The end without a close.
        (b"\x81\x01a", 1000),
        (b"", 1000),
    ];
    for (stream, max) in cases {
        for chunk in [1, 3, usize::MAX] {
            harness::compare(stream, chunk, *max);
        }
    }
    // The paths named above are taken.
    let (items, answers) = genesys_notifications::__private::wire_read(cases[0].0, 1, 1000);
    assert_eq!(items.len(), 4, "{items:?}");
    assert!(matches!(
        items[3],
        Err(tokio_tungstenite::tungstenite::Error::ConnectionClosed)
    ));
    assert_eq!(
        harness::unmask(&answers),
        vec![(0x8a, b"p".to_vec()), (0x88, b"\x03\xe8bye".to_vec())]
    );
    let (items, _) = genesys_notifications::__private::wire_read(cases[4].0, 1, 100);
    assert!(
        matches!(
            items[0],
            Err(tokio_tungstenite::tungstenite::Error::Capacity(_))
        ),
        "{items:?}"
    );
}
