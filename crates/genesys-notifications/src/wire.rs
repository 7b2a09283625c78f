//! The WebSocket frame layer after the handshake, without I/O, for the client role.
//!
//! [`Reader`] turns received bytes (a `BytesMut` the socket reads into) into messages:
//! one header parse and one `split_to(len).freeze()` per frame, so an unfragmented payload
//! is handed out without a copy; fragments are joined into one buffer. It takes exactly the
//! decisions tungstenite's client role takes, as the same `tungstenite::Error` values, in the
//! same order (a frame larger than the limit is refused from its header, before its payload
//! is buffered; everything else once the whole frame is there). It also holds the state of
//! the closing handshake and the one answer (a pong, or the echo of the service's close)
//! the socket owes the service. [`encode`] writes a masked client frame.

use bytes::{Buf, BufMut, Bytes, BytesMut};
use tokio_tungstenite::tungstenite::error::{CapacityError, ProtocolError};
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{CloseCode, Data};
use tokio_tungstenite::tungstenite::{Error as WsError, Message, Utf8Bytes};

const CONTINUE: u8 = 0;
const TEXT: u8 = 1;
const BINARY: u8 = 2;
const CLOSE: u8 = 8;
const PING: u8 = 9;
const PONG: u8 = 10;

/// Where the connection is in the closing handshake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    /// Messages flow both ways.
    Active,
    /// We sent a close; the service may still send frames before its answer.
    ClosedByUs,
    /// The service sent a close (we answer it); nothing more is read or sent.
    ClosedByPeer,
    /// The service answered our close.
    CloseAcknowledged,
    /// The stream ended or failed.
    Terminated,
}

impl State {
    fn can_read(self) -> bool {
        matches!(self, State::Active | State::ClosedByUs)
    }
}

/// A frame to write: its opcode, whether it ends its message, its payload (unmasked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Out {
    pub(crate) fin: bool,
    pub(crate) opcode: u8,
    pub(crate) payload: Bytes,
}

impl Out {
    fn control(opcode: u8, payload: Bytes) -> Self {
        Out {
            fin: true,
            opcode,
            payload,
        }
    }

    fn close(frame: Option<&CloseFrame>) -> Self {
        let payload = match frame {
            Some(f) => {
                let mut p = BytesMut::with_capacity(2 + f.reason.len());
                p.put_u16(u16::from(f.code));
                p.put_slice(f.reason.as_bytes());
                p.freeze()
            }
            None => Bytes::new(),
        };
        Out::control(CLOSE, payload)
    }

    /// The length of the frame as [`encode`] writes it.
    pub(crate) fn len(&self) -> usize {
        let n = self.payload.len();
        let extra = if n < 126 {
            0
        } else if n < 65536 {
            2
        } else {
            8
        };
        2 + extra + 4 + n
    }
}

/// Writes `frame` masked with `mask` (a client's frames are always masked).
pub(crate) fn encode(frame: &Out, mask: [u8; 4], out: &mut Vec<u8>) {
    let n = frame.payload.len();
    out.reserve(frame.len());
    out.push(frame.opcode | if frame.fin { 0x80 } else { 0 });
    if n < 126 {
        out.push(0x80 | n as u8);
    } else if let Ok(short) = u16::try_from(n) {
        out.push(0x80 | 126);
        out.extend_from_slice(&short.to_be_bytes());
    } else {
        out.push(0x80 | 127);
        out.extend_from_slice(&(n as u64).to_be_bytes());
    }
    out.extend_from_slice(&mask);
    out.extend(
        frame
            .payload
            .iter()
            .zip(mask.iter().cycle())
            .map(|(b, m)| b ^ m),
    );
}

/// A frame header: what the first 2 to 14 bytes say.
#[derive(Debug, Clone, Copy)]
struct Header {
    fin: bool,
    rsv: bool,
    opcode: u8,
    masked: bool,
    len: usize,
}

/// Parses the header at the start of `b`: `None` while it is incomplete; its length in
/// bytes with it. A reserved opcode is refused here, as tungstenite does, once the header
/// is complete.
fn parse_header(b: &[u8]) -> Result<Option<(Header, usize)>, WsError> {
    let (Some(&first), Some(&second)) = (b.first(), b.get(1)) else {
        return Ok(None);
    };
    let (len, mut at) = match second & 0x7f {
        126 => match b.get(2..4) {
            Some(l) => (u64::from(u16::from_be_bytes([l[0], l[1]])), 4),
            None => return Ok(None),
        },
        127 => match b.get(2..10).and_then(|l| <[u8; 8]>::try_from(l).ok()) {
            Some(l) => (u64::from_be_bytes(l), 10),
            None => return Ok(None),
        },
        l => (u64::from(l), 2),
    };
    let masked = second & 0x80 != 0;
    if masked {
        at += 4;
        if b.len() < at {
            return Ok(None);
        }
    }
    let opcode = first & 0x0f;
    if matches!(opcode, 3..=7 | 11..=15) {
        return Err(WsError::Protocol(ProtocolError::InvalidOpcode(opcode)));
    }
    let header = Header {
        fin: first & 0x80 != 0,
        rsv: first & 0x70 != 0,
        opcode,
        masked,
        len: usize::try_from(len).unwrap_or(usize::MAX),
    };
    Ok(Some((header, at)))
}

/// A fragmented message being assembled.
#[derive(Debug)]
struct Partial {
    text: bool,
    buf: BytesMut,
    /// Text: the bytes before this offset are known to be UTF-8 (a character may be cut
    /// at the end of a fragment).
    checked: usize,
}

impl Partial {
    /// Adds a fragment; the same size and UTF-8 decisions, in the same order, as
    /// tungstenite's message assembly.
    fn extend(&mut self, fragment: &[u8], max_message: usize) -> Result<(), WsError> {
        let have = self.buf.len();
        if have > max_message || fragment.len() > max_message - have {
            return Err(WsError::Capacity(CapacityError::MessageTooLong {
                size: have.saturating_add(fragment.len()),
                max_size: max_message,
            }));
        }
        self.buf.extend_from_slice(fragment);
        if self.text {
            let rest = &self.buf[self.checked..];
            match std::str::from_utf8(rest) {
                Ok(_) => self.checked = self.buf.len(),
                Err(e) => match e.error_len() {
                    // The invalid sequence as the text of the error, as tungstenite gives it.
                    Some(n) => {
                        let at = e.valid_up_to();
                        let bad = rest.get(at..at + n).unwrap_or_default();
                        return Err(WsError::Utf8(String::from_utf8_lossy(bad).into()));
                    }
                    None => self.checked += e.valid_up_to(),
                },
            }
        }
        Ok(())
    }

    fn complete(self) -> Result<Message, WsError> {
        if !self.text {
            return Ok(Message::Binary(self.buf.freeze()));
        }
        if self.checked < self.buf.len() {
            // A character cut by the end of the message.
            let tail = &self.buf[self.checked..];
            let mut buffer = [0u8; 4];
            let n = tail.len().min(4);
            buffer[..n].copy_from_slice(&tail[..n]);
            return Err(WsError::Utf8(format!(
                "incomplete string: Incomplete {{ buffer: {buffer:?}, buffer_len: {n} }}"
            )));
        }
        Ok(Message::Text(Utf8Bytes::try_from(self.buf.freeze())?))
    }
}

/// The receiving side of a client connection and its closing handshake (see the module).
#[derive(Debug)]
pub(crate) struct Reader {
    max_frame: usize,
    max_message: usize,
    /// The header of the frame whose payload is awaited (already taken from the buffer).
    header: Option<Header>,
    partial: Option<Partial>,
    state: State,
    /// The answer owed to the service: a pong (a newer ping replaces it) or the echo of its
    /// close (never replaced).
    reply: Option<Out>,
}

impl Reader {
    /// A reader refusing frames larger than `max_frame` and messages larger than
    /// `max_message` bytes.
    pub(crate) fn new(max_frame: usize, max_message: usize) -> Self {
        Reader {
            max_frame,
            max_message,
            header: None,
            partial: None,
            state: State::Active,
            reply: None,
        }
    }

    pub(crate) fn state(&self) -> State {
        self.state
    }

    /// How many more bytes the frame being read needs (0 when its header is not read yet).
    pub(crate) fn wanted(&self, buffered: usize) -> usize {
        self.header.map_or(0, |h| h.len.saturating_sub(buffered))
    }

    /// The next message from `buf`, taking what it uses: `Ok(None)` when more bytes are
    /// needed. Control frames are messages too (a ping's answer is queued, see
    /// [`Reader::take_reply`]).
    pub(crate) fn read(&mut self, buf: &mut BytesMut) -> Result<Option<Message>, WsError> {
        if self.state == State::Terminated {
            return Err(WsError::AlreadyClosed);
        }
        loop {
            let header = match self.header {
                Some(h) => h,
                None => {
                    let Some((h, n)) = parse_header(buf)? else {
                        return Ok(None);
                    };
                    buf.advance(n);
                    if h.len > self.max_frame {
                        return Err(WsError::Capacity(CapacityError::MessageTooLong {
                            size: h.len,
                            max_size: self.max_frame,
                        }));
                    }
                    self.header = Some(h);
                    h
                }
            };
            if buf.len() < header.len {
                return Ok(None);
            }
            self.header = None;
            let payload = buf.split_to(header.len).freeze();
            if let Some(m) = self.frame(header, payload)? {
                return Ok(Some(m));
            }
        }
    }

    /// The stream ended: the error that says how.
    pub(crate) fn end(&mut self) -> WsError {
        match std::mem::replace(&mut self.state, State::Terminated) {
            State::ClosedByPeer | State::CloseAcknowledged => WsError::ConnectionClosed,
            _ => WsError::Protocol(ProtocolError::ResetWithoutClosingHandshake),
        }
    }

    /// Nothing more can be read or written (an error ended the stream).
    pub(crate) fn terminate(&mut self) {
        self.state = State::Terminated;
    }

    /// The answer owed to the service, if any, to be written now.
    pub(crate) fn take_reply(&mut self) -> Option<Out> {
        self.reply.take()
    }

    /// Gives back an answer that found no room in the write buffer.
    pub(crate) fn put_back_reply(&mut self, reply: Out) {
        self.set_reply(reply);
    }

    /// Whether an answer is owed.
    pub(crate) fn has_reply(&self) -> bool {
        self.reply.is_some()
    }

    /// The frame to write for `msg`, or the error that refuses it: nothing is sent after a
    /// close either way. A pong becomes the owed answer (`Ok(None)`).
    pub(crate) fn send(&mut self, msg: Message) -> Result<Option<Out>, WsError> {
        match self.state {
            State::Terminated => return Err(WsError::AlreadyClosed),
            State::Active => {}
            _ => return Err(WsError::Protocol(ProtocolError::SendAfterClosing)),
        }
        let frame = match msg {
            Message::Text(t) => Out {
                fin: true,
                opcode: TEXT,
                payload: Bytes::from(t),
            },
            Message::Binary(b) => Out {
                fin: true,
                opcode: BINARY,
                payload: b,
            },
            Message::Ping(p) => Out::control(PING, p),
            Message::Pong(p) => {
                self.set_reply(Out::control(PONG, p));
                return Ok(None);
            }
            Message::Close(c) => {
                self.state = State::ClosedByUs;
                Out::close(c.as_ref())
            }
            Message::Frame(f) => Out {
                fin: f.header().is_final,
                opcode: u8::from(f.header().opcode),
                payload: f.into_payload(),
            },
        };
        Ok(Some(frame))
    }

    /// The reply slot as tungstenite keeps it: a pong is replaced by a newer answer, the
    /// echo of a close is not.
    fn set_reply(&mut self, reply: Out) {
        if self.reply.as_ref().is_none_or(|r| r.opcode == PONG) {
            self.reply = Some(reply);
        }
    }

    /// One whole frame: a message, or `None` for a fragment that does not end one.
    fn frame(&mut self, h: Header, payload: Bytes) -> Result<Option<Message>, WsError> {
        if !self.state.can_read() {
            return Err(WsError::Protocol(ProtocolError::ReceivedAfterClosing));
        }
        if h.rsv {
            return Err(WsError::Protocol(ProtocolError::NonZeroReservedBits));
        }
        if h.masked {
            return Err(WsError::Protocol(ProtocolError::MaskedFrameFromServer));
        }
        if h.opcode >= CLOSE {
            if !h.fin {
                return Err(WsError::Protocol(ProtocolError::FragmentedControlFrame));
            }
            if payload.len() > 125 {
                return Err(WsError::Protocol(ProtocolError::ControlFrameTooBig));
            }
            return match h.opcode {
                CLOSE => Ok(self.closed(close_frame(payload)?)),
                PING => {
                    if self.state == State::Active {
                        self.set_reply(Out::control(PONG, payload.clone()));
                    }
                    Ok(Some(Message::Ping(payload)))
                }
                PONG => Ok(Some(Message::Pong(payload))),
                op => Err(WsError::Protocol(ProtocolError::UnknownControlFrameType(
                    op,
                ))),
            };
        }
        let text = match h.opcode {
            CONTINUE => {
                let Some(partial) = self.partial.as_mut() else {
                    return Err(WsError::Protocol(ProtocolError::UnexpectedContinueFrame));
                };
                partial.extend(&payload, self.max_message)?;
                if !h.fin {
                    return Ok(None);
                }
                return match self.partial.take() {
                    Some(p) => p.complete().map(Some),
                    None => Ok(None),
                };
            }
            TEXT => true,
            BINARY => false,
            op => {
                return Err(WsError::Protocol(ProtocolError::UnknownDataFrameType(op)));
            }
        };
        if self.partial.is_some() {
            let data = if text { Data::Text } else { Data::Binary };
            return Err(WsError::Protocol(ProtocolError::ExpectedFragment(data)));
        }
        if h.fin {
            if payload.len() > self.max_message {
                return Err(WsError::Capacity(CapacityError::MessageTooLong {
                    size: payload.len(),
                    max_size: self.max_message,
                }));
            }
            return Ok(Some(if text {
                Message::Text(Utf8Bytes::try_from(payload)?)
            } else {
                Message::Binary(payload)
            }));
        }
        let mut partial = Partial {
            text,
            buf: BytesMut::new(),
            checked: 0,
        };
        partial.extend(&payload, self.max_message)?;
        self.partial = Some(partial);
        Ok(None)
    }

    /// The service's close: answered (with the code replaced by 1002 when it may not be
    /// sent) if it starts the handshake, the end of the handshake if it answers ours.
    fn closed(&mut self, close: Option<CloseFrame>) -> Option<Message> {
        match self.state {
            State::Active => {
                self.state = State::ClosedByPeer;
                let close = close.map(|f| {
                    if f.code.is_allowed() {
                        f
                    } else {
                        CloseFrame {
                            code: CloseCode::Protocol,
                            reason: Utf8Bytes::from_static("Protocol violation"),
                        }
                    }
                });
                self.set_reply(Out::close(close.as_ref()));
                Some(Message::Close(close))
            }
            State::ClosedByUs => {
                self.state = State::CloseAcknowledged;
                Some(Message::Close(close))
            }
            State::ClosedByPeer | State::CloseAcknowledged | State::Terminated => None,
        }
    }
}

/// The close frame a close payload holds: none when empty; a code and a UTF-8 reason.
fn close_frame(payload: Bytes) -> Result<Option<CloseFrame>, WsError> {
    match payload.len() {
        0 => Ok(None),
        1 => Err(WsError::Protocol(ProtocolError::InvalidCloseSequence)),
        _ => {
            let code = u16::from_be_bytes([payload[0], payload[1]]);
            let reason = Utf8Bytes::try_from(payload.slice(2..))?;
            Ok(Some(CloseFrame {
                code: CloseCode::from(code),
                reason,
            }))
        }
    }
}
