//! Opening one WebSocket: TCP, optional TLS (rustls, aws-lc-rs provider), handshake.
//!
//! The library never calls `rustls::ClientConfig::builder()` (which depends on a
//! process-wide crypto provider and can panic); the provider is always explicit.

use std::io;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Error as WsError;
use tokio_tungstenite::tungstenite::error::{CapacityError, UrlError};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use url::{Host, Url};

use crate::error::{Error, ErrorKind, Reason};
use crate::options::ConnectOptions;

/// An open WebSocket.
pub(crate) type Ws = WebSocketStream<Stream>;

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

fn invalid_uri(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::Connection, Reason::InvalidUri).with_message(msg)
}

/// Whether `host` is a loopback address or a `localhost` name: the only hosts plain `ws://`
/// and `http://` may reach without an explicit opt-in.
pub(crate) fn is_loopback(host: &Host<&str>) -> bool {
    match host {
        Host::Ipv4(ip) => ip.is_loopback(),
        Host::Ipv6(ip) => ip.is_loopback(),
        Host::Domain(d) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            d == "localhost" || d.ends_with(".localhost")
        }
    }
}

/// Parses and checks a channel URI: `ws`/`wss`, a host, and no plain `ws://` to a remote
/// host unless allowed. Errors show the URI redacted ([`redact_text`]): it is the socket's
/// credential.
pub(crate) fn parse_uri(uri: &str, allow_plain_ws: bool) -> Result<Url, Error> {
    let shown = redact_text(uri);
    let url = Url::parse(uri)
        .map_err(|e| invalid_uri(format!("{shown:?} is not a valid URI: {e}")).with_source(e))?;
    let host = url
        .host()
        .ok_or_else(|| invalid_uri(format!("{shown:?} has no host")))?;
    match url.scheme() {
        "wss" => Ok(url),
        "ws" if allow_plain_ws || is_loopback(&host) => Ok(url),
        "ws" => Err(invalid_uri(format!(
            "refusing plain ws:// to the non-loopback host {host}: use wss:// \
             (or ConnectOptions::danger_allow_plain_ws)"
        ))),
        other => Err(invalid_uri(format!(
            "{shown:?}: scheme {other:?} is not ws or wss"
        ))),
    }
}

/// The WebSocket read buffer (tungstenite's default is 128 KiB).
const READ_BUFFER: usize = 32 * 1024;

/// Opens sockets with fixed options; the TLS configuration is built once, on first use.
#[derive(Debug)]
pub(crate) struct Connector {
    timeout: Duration,
    ws_config: WebSocketConfig,
    custom_tls: Option<Arc<rustls::ClientConfig>>,
    extra_roots: Vec<Vec<u8>>,
    tls: std::sync::OnceLock<Arc<rustls::ClientConfig>>,
}

impl Connector {
    pub(crate) fn new(options: &ConnectOptions) -> Self {
        let ws_config = WebSocketConfig::default()
            // tungstenite zeroes the free part of its read buffer before every read and
            // starts a new buffer whenever notifications still hold the old one: a smaller
            // buffer costs less per read (frames larger than it still fit, it grows per frame).
            .read_buffer_size(READ_BUFFER)
            .max_message_size(Some(options.max_message_size))
            .max_frame_size(Some(options.max_message_size))
            .max_write_buffer_size(1 << 20);
        Connector {
            timeout: options.connect_timeout,
            ws_config,
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
        let (ws, _response) =
            tokio_tungstenite::client_async_with_config(uri.as_str(), stream, Some(self.ws_config))
                .await
                .map_err(handshake_error)?;
        Ok(ws)
    }
}

/// The URI without its path (the channel id is the socket's only credential).
pub(crate) fn redact(uri: &Url) -> String {
    match uri.host_str() {
        Some(h) => format!("{}://{}/…", uri.scheme(), h),
        None => format!("{}://…", uri.scheme()),
    }
}

/// A URI as text, for `Debug` and errors: scheme, host and port, and each path segment
/// shortened by [`short_id`] (so a channel id shows only its first characters); user info,
/// query and fragment are left out. Text that is no URI shows only its first characters.
pub(crate) fn redact_text(uri: &str) -> String {
    match Url::parse(uri) {
        Ok(url) => {
            let mut shown = format!("{}://", url.scheme());
            if let Some(host) = url.host_str() {
                shown.push_str(host);
            }
            if let Some(port) = url.port() {
                shown.push_str(&format!(":{port}"));
            }
            let path: Vec<String> = url.path().split('/').map(short_id).collect();
            shown.push_str(&path.join("/"));
            if url.query().is_some() || url.fragment().is_some() {
                shown.push('…');
            }
            shown
        }
        Err(_) => short_id(uri),
    }
}

/// A channel id shortened for logs and error labels: its first 16 characters and `…` (the
/// whole id is the socket's only credential, like the URI [`redact`] hides).
#[cfg_attr(not(feature = "rest"), allow(dead_code))]
pub(crate) fn short_id(id: &str) -> String {
    const KEEP: usize = 16;
    match id.char_indices().nth(KEEP) {
        Some((end, _)) => format!("{}…", &id[..end]),
        None => id.to_owned(),
    }
}

/// A URL path with the channel id (the segment after `channels`) shortened by [`short_id`].
#[cfg_attr(not(feature = "rest"), allow(dead_code))]
pub(crate) fn redact_path(path: &str) -> String {
    let mut out = Vec::new();
    let mut after_channels = false;
    for segment in path.split('/') {
        if after_channels && !segment.is_empty() {
            out.push(short_id(segment));
        } else {
            out.push(segment.to_owned());
        }
        after_channels = segment == "channels";
    }
    out.join("/")
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
    fn uri_checks() {
        assert!(parse_uri("ws://127.0.0.1:1/channels/x", false).is_ok());
        assert!(parse_uri("ws://[::1]:1/channels/x", false).is_ok());
        assert!(parse_uri("ws://localhost:1/channels/x", false).is_ok());
        assert!(parse_uri("wss://streaming.mypurecloud.com/channels/x", false).is_ok());
        let e = parse_uri("ws://streaming.mypurecloud.com/channels/x", false)
            .err()
            .map(|e| (e.kind(), e.reason()));
        assert_eq!(e, Some((ErrorKind::Connection, Reason::InvalidUri)));
        assert!(parse_uri("ws://example.com/x", true).is_ok());
        assert!(parse_uri("http://127.0.0.1/x", false).is_err());
        assert!(parse_uri("not a uri", false).is_err());
        assert_eq!(
            redact(&Url::parse("wss://h.example/channels/secret").unwrap()),
            "wss://h.example/…"
        );
    }

    #[test]
    fn uri_errors_never_show_the_whole_uri() {
        let id = "streaming-0-1tvypwwdkuzrderyr21vwn7pbn";
        for uri in [
            format!("ws://streaming.mypurecloud.com/channels/{id}"),
            format!("http://127.0.0.1/channels/{id}"),
            format!("ftp://h.example/channels/{id}"),
            format!("not a uri {id}"),
        ] {
            let e = parse_uri(&uri, false).unwrap_err();
            let shown = format!("{e} {e:?}");
            assert!(!shown.contains(id), "{shown}");
        }
        let e = parse_uri(&format!("http://127.0.0.1/channels/{id}"), false).unwrap_err();
        assert!(e.to_string().contains("streaming-0-1tvy…"), "{e}");
        assert_eq!(
            redact_text(&format!("wss://u:p@h.example:8443/channels/{id}?t=x")),
            "wss://h.example:8443/channels/streaming-0-1tvy……"
        );
    }

    #[test]
    fn channel_ids_are_shortened_in_labels() {
        let id = "streaming-0-1tvypwwdkuzrderyr21vwn7pbn";
        assert_eq!(short_id(id), "streaming-0-1tvy…");
        assert_eq!(short_id("short"), "short");
        assert_eq!(short_id("ééééééééééééééééé"), "éééééééééééééééé…");
        assert_eq!(
            redact_path(&format!(
                "/api/v2/notifications/channels/{id}/subscriptions"
            )),
            "/api/v2/notifications/channels/streaming-0-1tvy…/subscriptions"
        );
        assert_eq!(
            redact_path("/api/v2/notifications/channels"),
            "/api/v2/notifications/channels"
        );
    }

    #[test]
    fn default_tls_config_builds_with_explicit_provider() {
        // Whatever the platform store holds, building must not panic; with the bundled roots
        // or a populated store it succeeds.
        let _ = default_tls_config(&[]);
    }
}
