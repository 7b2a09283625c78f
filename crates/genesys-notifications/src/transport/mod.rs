//! Opening one WebSocket: TCP, optional TLS (rustls, aws-lc-rs provider), handshake
//! (tungstenite); the open socket (`ws`: our own frame layer over [`crate::wire`]); writing
//! and reading the open sockets.
//!
//! The library never calls `rustls::ClientConfig::builder()` (which depends on a
//! process-wide crypto provider and can panic); the provider is always explicit.

use std::collections::VecDeque;
use std::io;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tokio_tungstenite::tungstenite::error::{CapacityError, ProtocolError, UrlError};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use url::{Host, Url};

use crate::error::{Error, ErrorKind, Reason};
use crate::options::ConnectOptions;
use crate::uri::{invalid_uri, redact};

mod ws;

use ws::Handshake;
pub(crate) use ws::Ws;

/// An open socket and the frames waiting to be written to it.
pub(crate) struct Socket {
    pub(crate) id: u64,
    pub(crate) ws: Box<Ws>,
    /// Frames waiting to be written, in order.
    pub(crate) out: VecDeque<Message>,
    /// Frames were handed to the socket and not flushed yet.
    unflushed: bool,
}

impl Socket {
    /// An open socket with nothing to write.
    pub(crate) fn new(id: u64, ws: Box<Ws>) -> Self {
        Socket {
            id,
            ws,
            out: VecDeque::new(),
            unflushed: false,
        }
    }

    /// Writes what is queued; `Ready(Ok)` once everything is flushed.
    ///
    /// Once the service's close frame has been read (the WebSocket layer answers it at
    /// once), nothing more can be sent: what is still queued (a ping decided before the
    /// close was read) is dropped, and the socket's end comes from the read side.
    pub(crate) fn poll_write(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), WsError>> {
        while !self.out.is_empty() {
            ready!(self.ws.poll_ready_unpin(cx))?;
            if let Some(m) = self.out.pop_front() {
                match self.ws.start_send_unpin(m) {
                    Ok(()) => self.unflushed = true,
                    Err(WsError::Protocol(ProtocolError::SendAfterClosing)) => self.out.clear(),
                    Err(e) => return Poll::Ready(Err(e)),
                }
            }
        }
        if self.unflushed {
            ready!(self.ws.poll_flush_unpin(cx))?;
            self.unflushed = false;
        }
        Poll::Ready(Ok(()))
    }
}

/// What a socket had to say.
pub(crate) enum SocketWake {
    Read(u64, Option<Result<Message, WsError>>),
    WriteFailed(u64, WsError),
}

/// Writes every socket's queue, then reads the sockets in `readable` (in that order):
/// what one of them has to say, or `Pending` with every socket registered for a wake-up.
pub(crate) fn poll_sockets(
    sockets: &mut [Socket],
    readable: &[u64],
    cx: &mut Context<'_>,
) -> Poll<SocketWake> {
    for s in sockets.iter_mut() {
        if let Poll::Ready(Err(e)) = s.poll_write(cx) {
            return Poll::Ready(SocketWake::WriteFailed(s.id, e));
        }
    }
    for id in readable {
        if let Some(s) = sockets.iter_mut().find(|s| s.id == *id)
            && let Poll::Ready(m) = s.ws.poll_next_unpin(cx)
        {
            return Poll::Ready(SocketWake::Read(*id, m));
        }
    }
    Poll::Pending
}

/// Plain TCP or TLS over TCP.
#[derive(Debug)]
pub(crate) enum Stream {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_flush(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// Opens sockets with fixed options; the TLS configuration is built once, on first use.
#[derive(Debug)]
pub(crate) struct Connector {
    timeout: Duration,
    ws_config: WebSocketConfig,
    max_message_size: usize,
    custom_tls: Option<Arc<rustls::ClientConfig>>,
    extra_roots: Vec<Vec<u8>>,
    tls: std::sync::OnceLock<Arc<rustls::ClientConfig>>,
}

impl Connector {
    pub(crate) fn new(options: &ConnectOptions) -> Self {
        // tungstenite only does the handshake: it reads the response head and nothing after.
        let ws_config = WebSocketConfig::default().read_buffer_size(4096);
        Connector {
            timeout: options.connect_timeout,
            ws_config,
            max_message_size: options.max_message_size,
            custom_tls: options.tls_config.clone(),
            extra_roots: options.extra_roots.clone(),
            tls: std::sync::OnceLock::new(),
        }
    }

    fn tls_config(&self) -> Result<Arc<rustls::ClientConfig>, Error> {
        if let Some(c) = &self.custom_tls {
            return Ok(c.clone());
        }
        if let Some(c) = self.tls.get() {
            return Ok(c.clone());
        }
        let built = Arc::new(default_tls_config(&self.extra_roots)?);
        Ok(self.tls.get_or_init(|| built).clone())
    }

    /// Opens a WebSocket to `uri` within the connect timeout.
    pub(crate) async fn open(&self, uri: &Url) -> Result<Ws, Error> {
        match tokio::time::timeout(self.timeout, self.open_inner(uri)).await {
            Ok(r) => r,
            Err(_) => Err(
                Error::new(ErrorKind::Connection, Reason::Timeout).with_message(format!(
                    "no WebSocket to {} within {:?}",
                    redact(uri),
                    self.timeout
                )),
            ),
        }
    }

    async fn open_inner(&self, uri: &Url) -> Result<Ws, Error> {
        let host = uri
            .host()
            .ok_or_else(|| invalid_uri("the URI has no host"))?;
        let port = uri
            .port_or_known_default()
            .ok_or_else(|| invalid_uri("the URI has no port"))?;
        let tcp = match &host {
            Host::Domain(d) => TcpStream::connect((*d, port)).await,
            Host::Ipv4(ip) => TcpStream::connect((IpAddr::V4(*ip), port)).await,
            Host::Ipv6(ip) => TcpStream::connect((IpAddr::V6(*ip), port)).await,
        }
        .map_err(|e| {
            Error::new(ErrorKind::Connection, Reason::Io)
                .with_message(format!("cannot connect to {host}:{port}: {e}"))
                .with_source(e)
        })?;
        let _ = tcp.set_nodelay(true);
        let stream = if uri.scheme() == "wss" {
            let config = self.tls_config()?;
            let name = match &host {
                Host::Domain(d) => ServerName::try_from(d.to_string()),
                Host::Ipv4(ip) => Ok(ServerName::from(IpAddr::V4(*ip))),
                Host::Ipv6(ip) => Ok(ServerName::from(IpAddr::V6(*ip))),
            }
            .map_err(|e| invalid_uri(format!("invalid TLS server name: {e}")).with_source(e))?;
            let tls = TlsConnector::from(config)
                .connect(name, tcp)
                .await
                .map_err(|e| {
                    Error::new(ErrorKind::Connection, Reason::Tls)
                        .with_message(format!("TLS handshake with {host} failed: {e}"))
                        .with_source(e)
                })?;
            Stream::Tls(Box::new(tls))
        } else {
            Stream::Plain(tcp)
        };
        let (ws, _response) = tokio_tungstenite::client_async_with_config(
            uri.as_str(),
            Handshake::new(stream),
            Some(self.ws_config),
        )
        .await
        .map_err(handshake_error)?;
        let Handshake { io, buf, .. } = ws.into_inner();
        Ok(Ws::new(io, buf, self.max_message_size))
    }
}

fn default_tls_config(extra_roots: &[Vec<u8>]) -> Result<rustls::ClientConfig, Error> {
    let tls_err = |e: rustls::Error| {
        Error::new(ErrorKind::Connection, Reason::Tls)
            .with_message(format!("cannot build the TLS configuration: {e}"))
            .with_source(e)
    };
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(tls_err)?;
    let extra = extra_roots
        .iter()
        .map(|der| CertificateDer::from(der.clone()));
    #[cfg(feature = "webpki-roots")]
    let config = {
        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        for cert in extra {
            roots.add(cert).map_err(tls_err)?;
        }
        builder.with_root_certificates(roots).with_no_client_auth()
    };
    #[cfg(not(feature = "webpki-roots"))]
    let config = {
        let verifier = rustls_platform_verifier::Verifier::new_with_extra_roots(extra, provider)
            .map_err(tls_err)?;
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_no_client_auth()
    };
    Ok(config)
}

/// Maps a tungstenite error seen while connecting (kind `Connection`/`Authorization`).
pub(crate) fn handshake_error(e: WsError) -> Error {
    match e {
        WsError::Http(resp) => {
            let status = resp.status().as_u16();
            let body = resp
                .body()
                .as_deref()
                .and_then(|b| std::str::from_utf8(b).ok())
                .map(str::trim)
                .filter(|b| !b.is_empty())
                .map(|b| b.chars().take(1024).collect::<String>());
            let (kind, reason) = match status {
                401 => (ErrorKind::Authorization, Reason::HttpUnauthorized),
                403 => (ErrorKind::Authorization, Reason::HttpForbidden),
                404 => (ErrorKind::Connection, Reason::ChannelNotFound),
                s => (ErrorKind::Connection, Reason::InvalidStatusCode(s)),
            };
            let err = Error::new(kind, reason);
            match body {
                Some(b) => err.with_message(b),
                None => err.with_message(format!("the handshake was answered with HTTP {status}")),
            }
        }
        WsError::Url(u) => {
            let msg = u.to_string();
            let reason = match u {
                UrlError::TlsFeatureNotEnabled | UrlError::UnsupportedUrlScheme => {
                    Reason::InvalidUri
                }
                _ => Reason::InvalidUri,
            };
            Error::new(ErrorKind::Connection, reason).with_message(msg)
        }
        other => stream_error(other).into_kind(ErrorKind::Connection),
    }
}

/// Maps a tungstenite error seen on an open socket (kind `Receive`).
pub(crate) fn stream_error(e: WsError) -> Error {
    let reason = match &e {
        WsError::ConnectionClosed | WsError::AlreadyClosed => Reason::ConnectionClosed,
        WsError::Io(io) if io.kind() == io::ErrorKind::UnexpectedEof => Reason::ConnectionClosed,
        WsError::Io(_) => Reason::Io,
        WsError::Tls(_) => Reason::Tls,
        WsError::Capacity(CapacityError::MessageTooLong { .. }) => Reason::MessageTooLarge,
        WsError::Capacity(_) => Reason::MessageTooLarge,
        WsError::Protocol(p) => {
            if matches!(
                p,
                tokio_tungstenite::tungstenite::error::ProtocolError::ResetWithoutClosingHandshake
            ) {
                Reason::ConnectionClosed
            } else {
                Reason::InvalidHandshake
            }
        }
        WsError::Utf8(_) => Reason::InvalidMessage,
        WsError::Url(_) => Reason::InvalidUri,
        WsError::Http(resp) => Reason::InvalidStatusCode(resp.status().as_u16()),
        _ => Reason::Ambiguous,
    };
    let msg = e.to_string();
    Error::new(ErrorKind::Receive, reason)
        .with_message(msg)
        .with_source(e)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn default_tls_config_builds_with_explicit_provider() {
        // Whatever the platform store holds, building must not panic; with the bundled roots
        // or a populated store it succeeds.
        let _ = default_tls_config(&[]);
    }

    /// The service closed the socket and the close was read (the WebSocket layer answered
    /// it): a frame the machine queued before it knew is dropped, not a write failure
    /// (which reached the consumer as a spurious error item during maintenance).
    #[tokio::test]
    async fn a_frame_queued_after_the_services_close_was_read_is_dropped() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let service = tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
            ws.close(None).await.unwrap();
            // The client's answer to the close, then the end.
            while let Some(Ok(_)) = ws.next().await {}
        });
        let uri = Url::parse(&format!("ws://{addr}/channels/c")).unwrap();
        let ws = Connector::new(&ConnectOptions::default())
            .open(&uri)
            .await
            .unwrap();
        let mut socket = Socket::new(1, Box::new(ws));
        match socket.ws.next().await {
            Some(Ok(Message::Close(_))) => {}
            other => panic!("expected the service's close, got {other:?}"),
        }
        socket.out.push_back(Message::text("ping"));
        let written = std::future::poll_fn(|cx| socket.poll_write(cx)).await;
        assert!(written.is_ok(), "{written:?}");
        assert!(socket.out.is_empty());
        // Reading on sends the answer to the close and ends the socket.
        let end = tokio::time::timeout(Duration::from_secs(10), socket.ws.next()).await;
        assert!(matches!(end, Ok(None | Some(Err(_)))), "{end:?}");
        tokio::time::timeout(Duration::from_secs(10), service)
            .await
            .expect("the service saw the close answered")
            .unwrap();
    }
}
