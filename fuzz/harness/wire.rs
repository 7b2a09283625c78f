//! The WebSocket frame reader, fuzzed differentially: for any bytes received after the
//! handshake, the library's reader gives exactly the messages, the ending error and the
//! answers (pongs, the echo of a close) that tungstenite's own client role gives.
//!
//! Shared by the `wire` fuzz target, by the library's stable test `fuzz_corpus.rs` (which
//! replays `fuzz/corpus/wire/`) and by the property test `tests/wire.rs` (which builds the
//! bytes from random frames). The oracle is tungstenite itself (`WebSocket::from_raw_socket`
//! in the client role over an in-memory stream, read until it fails).
//!
//! Input: the first byte chooses the size limit, the second how many bytes arrive at a
//! time; the rest is the stream.

use std::io::{self, Cursor, Read, Write};

use genesys_notifications::__private::wire_read;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocket, WebSocketConfig};
use tokio_tungstenite::tungstenite::{Error, Message};

/// The size limits the fuzz input chooses from.
pub const LIMITS: [usize; 5] = [16, 125, 200, 70_000, 1 << 20];

/// Checks the reader on a fuzz input; panics on a disagreement.
pub fn check(data: &[u8]) {
    let [limit, chunk, stream @ ..] = data else {
        return;
    };
    let max = LIMITS[usize::from(*limit) % LIMITS.len()];
    let chunk = if *chunk == 255 {
        usize::MAX
    } else {
        usize::from(*chunk) + 1
    };
    compare(stream, chunk, max);
}

/// Reads `stream` with both readers (the library's `chunk` bytes at a time) and panics
/// unless they agree on every message, the ending error and the answers written.
pub fn compare(stream: &[u8], chunk: usize, max: usize) {
    let (ours, our_answers) = wire_read(stream, chunk, max);
    let (theirs, their_answers) = tungstenite_read(stream, max);
    let show = |items: &[Result<Message, Error>]| -> Vec<String> {
        items
            .iter()
            .map(|i| match i {
                Ok(m) => format!("{m:?}"),
                Err(e) => format!("error {e:?}"),
            })
            .collect()
    };
    assert_eq!(
        show(&ours),
        show(&theirs),
        "messages of {stream:02x?} (limit {max}, {chunk} bytes at a time)"
    );
    assert_eq!(
        unmask(&our_answers),
        unmask(&their_answers),
        "answers to {stream:02x?}"
    );
}

/// Reads `stream` with tungstenite's client role until it fails: the items, and the bytes
/// it wrote in answer.
pub fn tungstenite_read(stream: &[u8], max: usize) -> (Vec<Result<Message, Error>>, Vec<u8>) {
    let config = WebSocketConfig::default()
        .max_message_size(Some(max))
        .max_frame_size(Some(max));
    let peer = Peer {
        input: Cursor::new(stream.to_vec()),
        written: Vec::new(),
    };
    let mut ws = WebSocket::from_raw_socket(peer, Role::Client, Some(config));
    let mut items = Vec::new();
    loop {
        match ws.read() {
            Ok(m) => items.push(Ok(m)),
            Err(e) => {
                items.push(Err(e));
                break;
            }
        }
    }
    (items, std::mem::take(&mut ws.get_mut().written))
}

/// Client frames as (first byte, unmasked payload); every one must be masked and whole.
pub fn unmask(mut bytes: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut frames = Vec::new();
    while let [first, second, rest @ ..] = bytes {
        assert!(second & 0x80 != 0, "a client frame is not masked");
        let (len, rest) = match second & 0x7f {
            126 => (
                usize::from(u16::from_be_bytes([rest[0], rest[1]])),
                &rest[2..],
            ),
            127 => {
                let mut l = [0u8; 8];
                l.copy_from_slice(&rest[..8]);
                (usize::try_from(u64::from_be_bytes(l)).unwrap(), &rest[8..])
            }
            l => (usize::from(l), rest),
        };
        let (mask, rest) = rest.split_at(4);
        let (payload, rest) = rest.split_at(len);
        let payload = payload
            .iter()
            .enumerate()
            .map(|(i, b)| b ^ mask[i % 4])
            .collect();
        frames.push((*first, payload));
        bytes = rest;
    }
    assert!(bytes.is_empty(), "a partial frame was written");
    frames
}

/// The service's side of an in-memory socket: what it sent, and what it was sent.
struct Peer {
    input: Cursor<Vec<u8>>,
    written: Vec<u8>,
}

impl Read for Peer {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.input.read(buf)
    }
}

impl Write for Peer {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.written.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
