//! An open WebSocket after the handshake: reads into the spare capacity of one buffer and
//! hands out the messages [`wire::Reader`] finds in it; writes masked client frames.
//!
//! The `Stream`, `Sink` and [`Ws::close`] behave as tokio-tungstenite's do where the driver
//! relies on them: a ping is answered (and yielded), the service's close is answered (and
//! yielded) and nothing more can be sent after it; the answers are written when the socket
//! is next read or flushed; the end of the stream after a closing handshake is the end of
//! the `Stream` (`None`), without one an error.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::BytesMut;
use futures_util::{Sink, SinkExt};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

use super::Stream;
use crate::wire::{self, Out, Reader, State};

/// Bytes made room for in the read buffer when its spare capacity runs short.
const READ_CHUNK: usize = 64 * 1024;
/// Below this much spare capacity the read buffer is grown (or taken back) before a read.
const MIN_SPARE: usize = 4 * 1024;
/// `poll_ready` writes the buffer out once it holds this much.
const WRITE_HIGH: usize = 128 * 1024;
/// The write buffer never holds more (a frame that does not fit is refused).
const MAX_WRITE: usize = 1 << 20;

/// An open WebSocket (client role).
pub(crate) struct Ws {
    io: Stream,
    /// Received bytes not yet part of a message handed out. Messages are split off it
    /// (zero-copy); it is released whenever the socket would block with nothing in it.
    rbuf: BytesMut,
    /// Encoded frames; `wbuf[wpos..]` is still to be written.
    wbuf: Vec<u8>,
    wpos: usize,
    reader: Reader,
    /// The stream gave its last item.
    ended: bool,
}

impl std::fmt::Debug for Ws {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ws")
            .field("state", &self.reader.state())
            .field("buffered", &self.rbuf.len())
            .field("to_write", &(self.wbuf.len() - self.wpos))
            .finish_non_exhaustive()
    }
}

impl Ws {
    /// A socket whose handshake is done; `buf` holds what was received after it.
    pub(super) fn new(io: Stream, buf: BytesMut, max_message_size: usize) -> Self {
        Ws {
            io,
            rbuf: buf,
            wbuf: Vec::new(),
            wpos: 0,
            reader: Reader::new(max_message_size, max_message_size),
            ended: false,
        }
    }

    /// Sends a close frame (if nothing closed the socket yet) and flushes.
    ///
    /// # Errors
    ///
    /// `SendAfterClosing` once a close was sent or read, `AlreadyClosed` after the end.
    pub(crate) async fn close(&mut self, frame: Option<CloseFrame>) -> Result<(), WsError> {
        SinkExt::send(self, Message::Close(frame)).await
    }

    /// The capacity of the read buffer (for tests of the memory an idle socket holds).
    #[cfg(test)]
    pub(crate) fn read_capacity(&self) -> usize {
        self.rbuf.capacity()
    }

    fn to_write(&self) -> usize {
        self.wbuf.len() - self.wpos
    }

    fn push(&mut self, frame: &Out) {
        wire::encode(frame, rand::random(), &mut self.wbuf);
    }

    /// Moves the answer owed to the service into the write buffer when it fits there.
    fn queue_reply(&mut self) {
        if let Some(reply) = self.reader.take_reply() {
            if self.to_write() + reply.len() > MAX_WRITE {
                self.reader.put_back_reply(reply);
            } else {
                self.push(&reply);
            }
        }
    }

    /// Writes the whole buffer and flushes the socket.
    fn poll_flush_all(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), WsError>> {
        while self.wpos < self.wbuf.len() {
            let n = ready!(Pin::new(&mut self.io).poll_write(cx, &self.wbuf[self.wpos..]))?;
            if n == 0 {
                return Poll::Ready(Err(WsError::Io(io::Error::new(
                    io::ErrorKind::ConnectionReset,
                    "Connection reset while sending",
                ))));
            }
            self.wpos += n;
        }
        // Written: a large buffer (a long subscription) is not kept for the socket's life.
        if self.wbuf.capacity() > 8 * 1024 {
            self.wbuf = Vec::new();
        } else {
            self.wbuf.clear();
        }
        self.wpos = 0;
        ready!(Pin::new(&mut self.io).poll_flush(cx))?;
        Poll::Ready(Ok(()))
    }

    /// The next message, or the error (`ConnectionClosed` for the end after a closing
    /// handshake) that ends the stream.
    fn poll_message(&mut self, cx: &mut Context<'_>) -> Poll<Result<Message, WsError>> {
        if self.reader.state() == State::Terminated {
            return Poll::Ready(Err(WsError::AlreadyClosed));
        }
        // Answers what was read before (a pong, the echo of a close); a write that would
        // block does not hold up the reading, it is tried again on the next poll.
        if self.reader.has_reply() || self.to_write() > 0 {
            self.queue_reply();
            if let Poll::Ready(Err(e)) = self.poll_flush_all(cx) {
                return Poll::Ready(Err(e));
            }
        }
        loop {
            if let Some(m) = self.reader.read(&mut self.rbuf)? {
                return Poll::Ready(Ok(m));
            }
            // Room for the rest of the frame being read, or a large read: a new buffer
            // only when messages handed out still hold the old one (else it is taken back).
            let wanted = self.reader.wanted(self.rbuf.len());
            if self.rbuf.capacity() - self.rbuf.len() < wanted.max(MIN_SPARE) {
                self.rbuf.reserve(wanted.max(READ_CHUNK));
            }
            match tokio_util::io::poll_read_buf(Pin::new(&mut self.io), cx, &mut self.rbuf) {
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(self.reader.end())),
                Poll::Ready(Ok(_)) => {}
                Poll::Ready(Err(e)) => {
                    // A reset after the service's close is the end of the socket.
                    let closed = !matches!(self.reader.state(), State::Active | State::ClosedByUs);
                    return Poll::Ready(Err(
                        if closed && e.kind() == io::ErrorKind::ConnectionReset {
                            WsError::ConnectionClosed
                        } else {
                            WsError::Io(e)
                        },
                    ));
                }
                Poll::Pending => {
                    if self.rbuf.is_empty() {
                        // Idle: the socket holds no buffer while it waits.
                        self.rbuf = BytesMut::new();
                    }
                    return Poll::Pending;
                }
            }
        }
    }
}

impl futures_core::Stream for Ws {
    type Item = Result<Message, WsError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let me = self.get_mut();
        if me.ended {
            return Poll::Ready(None);
        }
        match ready!(me.poll_message(cx)) {
            Ok(m) => Poll::Ready(Some(Ok(m))),
            Err(e) => {
                me.ended = true;
                me.reader.terminate();
                match e {
                    WsError::ConnectionClosed | WsError::AlreadyClosed => Poll::Ready(None),
                    e => Poll::Ready(Some(Err(e))),
                }
            }
        }
    }
}

impl Sink<Message> for Ws {
    type Error = WsError;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), WsError>> {
        let me = self.get_mut();
        if me.to_write() >= WRITE_HIGH {
            ready!(me.poll_flush_all(cx))?;
        }
        Poll::Ready(Ok(()))
    }

    fn start_send(self: Pin<&mut Self>, item: Message) -> Result<(), WsError> {
        let me = self.get_mut();
        let kept = item.clone();
        if let Some(frame) = me.reader.send(item)? {
            if me.to_write() + frame.len() > MAX_WRITE {
                return Err(WsError::WriteBufferFull(Box::new(kept)));
            }
            me.push(&frame);
        }
        me.queue_reply();
        Ok(())
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), WsError>> {
        let me = self.get_mut();
        me.queue_reply();
        match ready!(me.poll_flush_all(cx)) {
            Err(WsError::ConnectionClosed) => Poll::Ready(Ok(())),
            other => Poll::Ready(other),
        }
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), WsError>> {
        let me = self.get_mut();
        if me.reader.state() == State::Active
            && let Some(frame) = me.reader.send(Message::Close(None))?
        {
            me.push(&frame);
        }
        Pin::new(me).poll_flush(cx)
    }
}

/// The socket during the handshake: tungstenite is handed the response head and nothing
/// after it when the response is a 101 (what follows are frames, for [`Ws`]); a refusal is
/// handed out with what came with it (its body, which the error keeps).
pub(crate) struct Handshake {
    pub(super) io: Stream,
    /// Received and not handed to tungstenite; after a 101, the first frames.
    pub(super) buf: BytesMut,
    /// How much of `buf` may still be handed out, once the head is complete.
    limit: Option<usize>,
    /// Not a 101 (or no complete head): after `buf`, reads go to the socket.
    refused: bool,
}

/// A response head larger than this is handed to tungstenite as it is (which refuses it).
const MAX_HEAD: usize = 64 * 1024;

impl Handshake {
    pub(super) fn new(io: Stream) -> Self {
        Handshake {
            io,
            buf: BytesMut::new(),
            limit: None,
            refused: false,
        }
    }
}

/// The length of the head of `buf` (up to and including the blank line that ends it, with
/// CRLF or bare LF line ends), if complete.
fn head_len(buf: &[u8]) -> Option<usize> {
    buf.iter().enumerate().find_map(|(i, b)| {
        let rest = buf.get(i + 1..)?;
        match b {
            b'\n' if rest.starts_with(b"\n") => Some(i + 2),
            b'\n' if rest.starts_with(b"\r\n") => Some(i + 3),
            _ => None,
        }
    })
}

/// Whether the status line of `head` says 101.
fn switching(head: &[u8]) -> bool {
    let line = head.split(|b| *b == b'\n').next().unwrap_or_default();
    line.split(|b| *b == b' ').nth(1) == Some(b"101".as_slice())
}

impl AsyncRead for Handshake {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        out: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let me = self.get_mut();
        loop {
            match me.limit {
                Some(0) if me.refused => return Pin::new(&mut me.io).poll_read(cx, out),
                // The head of a 101 was handed out: tungstenite reads no further.
                Some(0) => return Poll::Pending,
                Some(limit) => {
                    let n = out.remaining().min(limit);
                    out.put_slice(&me.buf.split_to(n));
                    me.limit = Some(limit - n);
                    return Poll::Ready(Ok(()));
                }
                None => {}
            }
            if let Some(head) = head_len(&me.buf) {
                let ok = switching(&me.buf[..head]);
                me.refused = !ok;
                me.limit = Some(if ok { head } else { me.buf.len() });
                continue;
            }
            if me.buf.len() > MAX_HEAD {
                me.refused = true;
                me.limit = Some(me.buf.len());
                continue;
            }
            me.buf.reserve(4096);
            if ready!(tokio_util::io::poll_read_buf(
                Pin::new(&mut me.io),
                cx,
                &mut me.buf
            ))? == 0
            {
                // The end before a complete head: tungstenite sees what there is, then the end.
                me.refused = true;
                me.limit = Some(me.buf.len());
            }
        }
    }
}

impl AsyncWrite for Handshake {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use std::time::Duration;

    use futures_util::{FutureExt, StreamExt};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};
    use tokio_tungstenite::tungstenite::error::ProtocolError;
    use url::Url;

    use super::*;
    use crate::options::ConnectOptions;
    use crate::transport::Connector;

    const WAIT: Duration = Duration::from_secs(10);

    async fn open(addr: std::net::SocketAddr) -> Ws {
        let uri = Url::parse(&format!("ws://{addr}/channels/c")).unwrap();
        Connector::new(&ConnectOptions::default())
            .open(&uri)
            .await
            .unwrap()
    }

    /// A service that answers the handshake and sends `after` in the same write.
    async fn raw_service(listener: TcpListener, after: Vec<u8>) -> TcpStream {
        let (mut tcp, _) = listener.accept().await.unwrap();
        let mut request = Vec::new();
        while !request.ends_with(b"\r\n\r\n") {
            let mut byte = [0u8; 1];
            tcp.read_exact(&mut byte).await.unwrap();
            request.push(byte[0]);
        }
        let request = String::from_utf8(request).unwrap();
        let key = request
            .lines()
            .find_map(|l| l.strip_prefix("Sec-WebSocket-Key: "))
            .or_else(|| {
                request
                    .lines()
                    .find_map(|l| l.strip_prefix("sec-websocket-key: "))
            })
            .unwrap();
        let accept =
            tokio_tungstenite::tungstenite::handshake::derive_accept_key(key.trim().as_bytes());
        let mut response = format!(
            "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
             Sec-WebSocket-Accept: {accept}\r\n\r\n"
        )
        .into_bytes();
        response.extend_from_slice(&after);
        tcp.write_all(&response).await.unwrap();
        tcp
    }

    /// Frames the service sends with its 101 are read after the handshake, not lost in it.
    #[tokio::test]
    async fn frames_that_come_with_the_handshake_response_are_read() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let frames = b"\x81\x05first\x81\x06second".to_vec();
        let service = tokio::spawn(raw_service(listener, frames));
        let mut ws = open(addr).await;
        let _tcp = service.await.unwrap();
        for want in ["first", "second"] {
            let got = tokio::time::timeout(WAIT, ws.next()).await.unwrap();
            assert!(
                matches!(&got, Some(Ok(Message::Text(t))) if t.as_str() == want),
                "{got:?}"
            );
        }
    }

    /// Between messages an idle socket holds no read buffer; a message is a slice of the
    /// buffer it was read into (no copy).
    #[tokio::test]
    async fn an_idle_socket_holds_no_read_buffer() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let service = tokio::spawn(raw_service(listener, b"\x81\x05hello".to_vec()));
        let mut ws = open(addr).await;
        let mut tcp = service.await.unwrap();
        let got = tokio::time::timeout(WAIT, ws.next()).await.unwrap();
        assert!(matches!(&got, Some(Ok(Message::Text(t))) if t.as_str() == "hello"));
        assert!(ws.next().now_or_never().is_none());
        assert_eq!(ws.read_capacity(), 0);
        tcp.write_all(b"\x81\x05again").await.unwrap();
        let got = tokio::time::timeout(WAIT, ws.next()).await.unwrap();
        assert!(matches!(&got, Some(Ok(Message::Text(t))) if t.as_str() == "again"));
    }

    /// A ping is yielded and answered with its payload; the end of the socket without a
    /// close is an error, then the stream ends.
    #[tokio::test]
    async fn a_ping_is_answered_and_an_end_without_close_is_an_error() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let service = tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
            ws.send(Message::Ping(bytes::Bytes::from_static(b"are you there")))
                .await
                .unwrap();
            // The answer, then the socket is dropped without a close.
            match ws.next().await {
                Some(Ok(Message::Pong(p))) => assert_eq!(&p[..], b"are you there"),
                other => panic!("expected the pong, got {other:?}"),
            }
        });
        let mut ws = open(addr).await;
        let got = tokio::time::timeout(WAIT, ws.next()).await.unwrap();
        assert!(matches!(&got, Some(Ok(Message::Ping(_)))), "{got:?}");
        let end = tokio::time::timeout(WAIT, ws.next()).await.unwrap();
        assert!(
            matches!(
                end,
                Some(Err(WsError::Protocol(
                    ProtocolError::ResetWithoutClosingHandshake
                )))
            ),
            "{end:?}"
        );
        assert!(ws.next().await.is_none());
        tokio::time::timeout(WAIT, service).await.unwrap().unwrap();
    }

    /// Frames of every length encoding reach the service intact (masked, as tungstenite's
    /// server requires); after our close, nothing more can be sent, the service's answer
    /// is yielded and its end of the socket ends the stream.
    #[tokio::test]
    async fn sent_frames_arrive_whole_and_our_close_is_answered() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let sizes = [0usize, 125, 126, 65535, 65536, 200_000];
        let service = tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
            for n in sizes {
                match ws.next().await {
                    Some(Ok(Message::Text(t))) => assert_eq!(t.as_str(), "x".repeat(n)),
                    other => panic!("expected {n} bytes, got {other:?}"),
                }
            }
            // Our close; tungstenite answers it and ends the socket.
            while let Some(Ok(_)) = ws.next().await {}
        });
        let mut ws = open(addr).await;
        for n in sizes {
            ws.send(Message::text("x".repeat(n))).await.unwrap();
        }
        ws.close(None).await.unwrap();
        assert!(matches!(
            ws.send(Message::text("late")).await,
            Err(WsError::Protocol(ProtocolError::SendAfterClosing))
        ));
        let answer = tokio::time::timeout(WAIT, ws.next()).await.unwrap();
        assert!(matches!(answer, Some(Ok(Message::Close(_)))), "{answer:?}");
        let end = tokio::time::timeout(WAIT, ws.next()).await.unwrap();
        assert!(end.is_none(), "{end:?}");
        tokio::time::timeout(WAIT, service).await.unwrap().unwrap();
    }

    #[test]
    fn the_head_ends_at_the_first_blank_line() {
        assert_eq!(head_len(b"HTTP/1.1 101 OK\r\nA: b\r\n\r\n\x81"), Some(25));
        assert_eq!(head_len(b"HTTP/1.1 101 OK\nA: b\n\n\x81"), Some(22));
        assert_eq!(head_len(b"HTTP/1.1 101 OK\r\nA: b\r\n"), None);
        assert!(switching(b"HTTP/1.1 101 Switching Protocols\r\n\r\n"));
        assert!(!switching(b"HTTP/1.1 404 Not Found\r\n\r\n"));
        assert!(!switching(b"HTTP/1.1 1010 x\r\n\r\n"));
    }

    /// A response that is not a 101 is refused with what came with it.
    #[tokio::test]
    async fn a_refused_handshake_keeps_its_body() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut tcp, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; 4096];
            let _ = tcp.read(&mut buf).await.unwrap();
            tcp.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 17\r\n\r\nno such channel!!")
                .await
                .unwrap();
        });
        let uri = Url::parse(&format!("ws://{addr}/channels/c")).unwrap();
        let err = Connector::new(&ConnectOptions::default())
            .open(&uri)
            .await
            .unwrap_err();
        assert_eq!(err.reason(), crate::Reason::ChannelNotFound);
        assert!(format!("{err}").contains("no such channel!!"), "{err}");
    }
}
