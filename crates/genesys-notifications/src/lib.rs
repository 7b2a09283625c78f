//! A self-healing client for the Genesys Cloud Notifications service.
//!
//! Connect to a notification channel, subscribe topics, and consume the notifications as a
//! [`futures_core::Stream`]. The channel reconnects and resubscribes by itself, extends its
//! 24-hour lifetime, survives maintenance closes without losing anything, and tells you
//! honestly — with a [`Gap`] — when notifications may have been missed.
//!
//! ```
//! use futures_util::StreamExt;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // A local simulator of the service (crate `genesys-sim`). With Genesys Cloud, use the
//! // `connectUri` of a channel created with POST /api/v2/notifications/channels, e.g.
//! // "wss://streaming.mypurecloud.com/channels/streaming-0-fmtdmf8cdis7jh14udg5p89t6z".
//! let sim = genesys_sim::Simulator::start(genesys_sim::SimConfig::default()).await?;
//! let uri = sim.create_channel("demo-client").connect_uri;
//!
//! let mut channel =
//!     genesys_notifications::connect(&uri, ["v2.users.42?presence&routingStatus"]).await?;
//! sim.publish("v2.users.42.presence", serde_json::json!({"source": "PURECLOUD"}));
//!
//! while let Some(item) = channel.next().await {
//!     match item {
//!         Ok(n) => {
//!             println!("{} {}", n.topic(), n.body_raw());
//!             channel.close().await; // the stream ends after what is buffered
//!         }
//!         Err(e) if e.is_gap() => eprintln!("back-fill needed: {:?}", e.gap_window()),
//!         Err(e) if !e.is_fatal() => eprintln!("warning: {e}"),
//!         Err(e) => return Err(e.into()),
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! Most programs start from OAuth client credentials instead of a channel URI: the managed
//! channel of the `rest` module (feature `rest`, on by default) creates, subscribes and
//! replaces channels by itself and yields the same stream (see the README, and the
//! `first_hour` example); its channel pool (`rest::connect_pool`) carries any number of topics
//! as one stream over as many channels as they need. For more control over a channel use
//! [`ConnectOptions`].
//!
//! # Layout
//!
//! Each module imports only modules of the rows above it (no module cycles):
//!
//! | Layer | Module | What it holds |
//! |---|---|---|
//! | pure | [`Error`], [`ErrorKind`], [`Reason`], [`Gap`] | The single opaque error type and its taxonomy. |
//! | pure | `protocol` (private) | The wire protocol without I/O: one-pass classification of frames (a strict fast path for the usual envelope, the tolerant parser for everything else), subscribe/ping encoding. |
//! | pure | [`topic`] | Topic validation and combined-topic (`prefix?a&b`) expansion. |
//! | pure | [`Notification`] | A notification kept as its frame, parts located once, body decoded on demand. |
//! | pure | `models` (feature `models`) | Typed event bodies of the common topics, topic templates (parse, build, combine) and `Notification::decode`. Depends only on `Notification`, `topic` and `Error`. |
//! | pure | [`ReconnectPolicy`] | The pure retry policy (immediate first retry, exponential backoff with full jitter). |
//! | pure | [`ConnectOptions`], [`Overflow`], [`Maintenance`] | Options: a plain struct, chainable setters, validation. |
//! | pure | `uri` (private) | Channel URIs: parsing and checking (plain `ws://` only to loopback), redaction for logs, `Debug` and errors. |
//! | pure | `state` (private) | Pure bookkeeping: continuity/gap tracking, overlap de-duplication, extension schedule. |
//! | pure | `queue` (private) | The buffer toward the consumer (synchronous, no I/O): byte accounting, overflow policy, the pure back-pressure decision (which sockets may be read), batched hand-off. |
//! | pure | [`Event`], [`State`], [`Stats`] | What a channel tells about itself (plain data). |
//! | pure | `machine` (private) | The channel as one sans-IO state machine with explicit `now` (`machine::core`: `handle(now, input)` → actions: send a frame, close or open a socket, call the source, emit an event, answer a request; items go straight to the buffer), and its parts: the recovery decision (the table above), ping/pong matching, take-over detection, the channel target. |
//! | pure | `wire` (private) | The WebSocket frame layer after the handshake without I/O (client role): frames to messages from a buffer of received bytes (zero-copy payloads, fragments joined, tungstenite's decisions and errors), the closing handshake's state and the answer owed (pong, close), masked frame encoding. |
//! | I/O | `transport` (private) | TCP + rustls (aws-lc-rs, explicit provider) + WebSocket handshake (tungstenite); the open socket (`transport::ws`: reads into one buffer's spare capacity, messages from `wire`); a socket with its write queue, and the polling of the open sockets. |
//! | seam | `source` (private) | The seam to channel management: URI mode here, managed (REST) mode in `rest`. |
//! | public | [`Channel`], [`ChannelHandle`], [`Events`] | The stream, its cloneable control handle and the event stream. |
//! | public | [`CurrentChannel`] | The service channel the stream is on now (id, redacted connect URI, expiry), published by the driver. |
//! | executor | `driver` (private) | The background task per channel: a thin executor of the machine's actions on sockets (a write queue each), the timer, the source's calls and the handles' replies. |
//! | entry | `connect` (private), [`connect`] | [`ConnectOptions::connect`]: URI mode. |
//! | top | `rest` (feature `rest`) | OAuth, the REST client and the managed channel; on top of it the channel pool (`rest::placement`: where a pool places a topic, pure; `rest::pool`: one stream over many managed channels). |
//!
//! # The stream
//!
//! [`Channel`] yields `Result<Notification, Error>`. Control frames (heartbeats, pongs,
//! subscription results, `v2.system.*`) never appear as notifications. Errors that do not end
//! the stream (`!e.is_fatal()`) are placed where they happened: a malformed or binary frame
//! (with its raw bytes, [`Error::raw_frame`]), a [`Gap`], a `Lagged` marker when the consumer
//! was too slow (see [`Overflow`]), a `ChannelExpiring` warning. A fatal error is the last
//! item. The buffer toward the consumer is bounded by bytes ([`ConnectOptions::max_buffer`],
//! 64 MiB by default); when it is full the channel stops reading its socket until the
//! consumer catches up ([`Overflow::Block`], the default: TCP flow control, nothing lost), or
//! drops with a `Lagged` marker if asked to ([`Overflow::DropNewest`],
//! [`Overflow::DropOldest`]).
//!
//! # Recovery model
//!
//! **What is retried.** Once the channel has been open, an abnormal close (no close frame, or
//! a code other than 1000, or any close after a maintenance notice), an I/O error, a frame
//! larger than the limit, or silence (no frame at all for the heartbeat timeout, 75 s by
//! default) makes the channel reconnect to the same channel URI following the
//! [`ReconnectPolicy`]: first retry immediately, then exponential backoff with full jitter,
//! capped at 30 s, forever by default (bound it with [`ReconnectPolicy::max_attempts`] or
//! [`ReconnectPolicy::max_elapsed`]). After reconnecting, every topic is resubscribed and
//! the confirmation awaited before the channel counts as recovered ([`Event::Reconnected`]).
//! A maintenance announcement (`v2.system.socket_closing`) opens the new socket *before* the
//! old one is closed (make before break): the old socket is read until the service closes it
//! (or its grace and a margin, 90 s, have passed), in order, copies delivered on both sockets
//! skipped, without loss and without gap; the new socket delivers as soon as a ping on the
//! old one proves it delivered everything sent before the new one was subscribed. The lifetime is extended by resubscribing 23 h
//! after the last subscription (or an hour before the service's `expires`, when known).
//!
//! **What is not.** The first connection and subscription fail fast with an
//! initialization failure ([`Error::is_initialization_failure`]). After that, one decision
//! says what every cause leads to, in URI mode (only a connect URI is known, the channel
//! cannot be replaced) and in managed mode (the `rest` feature creates channels):
//!
//! | Cause | URI mode | Managed mode |
//! |---|---|---|
//! | Abnormal close, I/O error, oversized frame, heartbeat silence, unconfirmed resubscription | reconnect | reconnect |
//! | Close 1000 without maintenance notice (a take-over, an eviction, or a proxy) | one reconnection after 1 s | new channel |
//! | Close 1000 again within 30 s of the first | fatal [`Reason::ClosedByService`] | new channel |
//! | `socket_closing` ([`Maintenance::Reconnect`]) | make before break, same channel | make before break, same channel |
//! | `socket_closing` ([`Maintenance::NewChannel`]) | make before break, same channel | new channel |
//! | `socket_closing` ([`Maintenance::Surface`]) | warning item; the close is then recovered | same |
//! | Channel not found (handshake 404, `{"result":"404"}`, 404 on a resubscription) | fatal [`Reason::ChannelNotFound`] | new channel |
//! | `no_longer_subscribed` / `token_revoked` | fatal | new channel |
//! | 401 or 403 on a reconnection | fatal | new channel |
//! | Resubscription refused | fatal [`Reason::SubscriptionRejected`] | fatal |
//! | Lifetime could not be extended | warning item | new channel before it expires |
//! | New channel unavailable during maintenance (5xx, timeout, 429, token failure) | — | make before break, same channel |
//! | New channel unavailable otherwise | — | try again, paced by the reconnect policy |
//! | New socket of a switch failed (maintenance, rollover) | keep the old socket, or reconnect if it is gone | same |
//! | Reconnect policy exhausted | fatal [`Reason::AttemptsExhausted`] | fatal |
//!
//! A fatal error is a `ChannelFailure` carrying the reason; [`ErrorKind::Reconnect`] /
//! [`Reason::AttemptsExhausted`] carries the last cause in [`std::error::Error::source`]. A
//! failure inside the channel's own task ends the stream with a fatal [`Reason::Internal`],
//! never silently.
//!
//! **Recovery events.** Whatever the path, a recovery ends with one [`Event::Recovered`]
//! (its [`Recovery`] kind says which path), sent once the new or renewed socket is
//! subscribed and delivers to the stream: wait on that one, not on `Reconnected` or
//! `RolloverCompleted`, which only some paths send. The events from the fault to it, as
//! [`ChannelHandle::events`] yields them (heartbeats left out; `Gap` is [`Event::Gap`],
//! also an item of the stream), each row checked by a test against the simulator:
//!
//! | Row | Mode | Events, in order | Gap |
//! |---|---|---|---|
//! | drop | any | `Disconnected(ConnectionClosed) → ReconnectAttempt → Connected → Gap → Subscribed → Reconnected → Recovered(Reconnected)` | yes |
//! | stall | any | `HeartbeatMissed → Disconnected(Timeout) → ReconnectAttempt → Connected → Gap → Subscribed → Reconnected → Recovered(Reconnected)` | yes |
//! | closed by the service | URI | `Disconnected(ClosedByService) → ReconnectAttempt → Connected → Gap → Subscribed → Reconnected → Recovered(Reconnected)` | yes |
//! | maintenance | URI, or [`Maintenance::Reconnect`] | `SocketClosing → RolloverStarted → Connected → Subscribed → RolloverCompleted → Recovered(Maintenance)` | no |
//! | maintenance, new channel | managed ([`Maintenance::NewChannel`]) | `SocketClosing → RolloverStarted → Connected → Subscribed → RolloverCompleted → Recovered(Maintenance)` | no |
//! | eviction | managed | `Disconnected(ClosedByService) → RolloverStarted → Connected → Gap → Subscribed → RolloverCompleted → Recovered(NewChannel)` | yes |
//! | expiry | managed | `RolloverStarted → Connected → Subscribed → RolloverCompleted → Recovered(Expiry)` | no |
//! | rollover | any ([`ChannelHandle::rollover`]) | `RolloverStarted → Connected → Subscribed → RolloverCompleted → Recovered(Rollover)` | no |
//!
//! *drop*: the connection breaks (no close frame, an I/O error). *stall*: no frame for the
//! heartbeat timeout. *closed by the service*: a close 1000 without maintenance notice in URI
//! mode (an eviction, an expiry, a take-over or a proxy), recovered by the one reconnection
//! described above; in managed mode the same close leads to a new channel, as *eviction*.
//! *expiry*: the lifetime could not be extended, so a new channel takes over before the old
//! one expires (a channel that expires anyway is closed by the service: *eviction*). In
//! managed mode, a channel that is gone for another reason (`no_longer_subscribed`, a revoked
//! token, not found) moves to a new channel too and ends with `Recovered(NewChannel)`; the
//! events before it depend on how the service tells. When a recovery takes more than one attempt,
//! each failed attempt adds its `ReconnectAttempt` (and `Disconnected`) before the end. The
//! current channel ([`ChannelHandle::current_channel`]) is the new one from the new socket's
//! `Connected` on.
//!
//! **What a gap means.** The service queues nothing while no socket is open. Whenever there
//! was a span with no open, subscribed socket between two notifications, the stream yields a
//! non-fatal [`ErrorKind::Gap`] item, at the place of the missing notifications, carrying the
//! window ([`Gap::from`]..[`Gap::to`], also on tokio's clock) and the topics affected, so you
//! can back-fill from the REST API. The window starts at the last frame received on the socket
//! that went away (the last moment continuity was proven) and ends when a subscribed socket is
//! open again: every notification missed lies inside it. A maintenance switch or a rollover
//! that overlapped the sockets reports no gap, because there was none: before the old socket
//! of a rollover is closed, a ping proves it delivered everything sent before the new channel
//! was subscribed; when it cannot be proven (a stalled old socket), the unproven span is a gap.
//! Across sockets only causality counts (read order is not send order): once a newer socket
//! covers, a frame read on an older one proves nothing more, only a pong to a ping sent
//! since, the answer to the channel's own close, or the close the service sends an older
//! socket because a newer one connected to its channel.
//!
//! **Where to take gaps from.** Each gap is reported twice: as an item of the stream and as
//! [`Event::Gap`]. Consume the *item* to back-fill: it is placed in order, between the last
//! notification before the span and the first after it, so a consumer that re-fetches the
//! window from the REST API can merge without reordering. The *event* is for monitoring from
//! another task (metrics, alerts) that does not read the stream. A program that handles both
//! handles every gap twice. [`Gap::expanded_topics`] names the topics affected one by one, as
//! notifications carry them (a combined topic `prefix?a&b` expanded): back-fill those.
//! [`Gap::topics`] lists the same topics as subscribed (combined topics as one entry).
//!
//! # TLS
//!
//! `wss://` uses rustls with the aws-lc-rs provider, always passed explicitly (the library
//! never depends on a process-wide default provider). Certificates are verified with the
//! platform verifier, or the bundled Mozilla roots with feature `webpki-roots`; add roots with
//! [`ConnectOptions::add_root_certificate_der`] or bring a whole configuration with
//! [`ConnectOptions::tls_config`]. Plain `ws://` is only accepted to loopback hosts unless
//! [`ConnectOptions::danger_allow_plain_ws`] is set, whether the URI is yours or a
//! `connectUri` returned by the REST API. Plain `http://` REST base URLs, which would carry the
//! client secret and tokens, are refused the same way (opt-in:
//! `rest::Environment::danger_custom_plain_http`).
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod channel;
mod connect;
mod current;
mod driver;
mod error;
mod event;
mod machine;
mod notification;
mod options;
mod policy;
mod protocol;
mod queue;
mod source;
mod state;
pub mod topic;
mod transport;
mod uri;
mod wire;

#[cfg(feature = "models")]
#[cfg_attr(docsrs, doc(cfg(feature = "models")))]
pub mod models;

#[cfg(feature = "rest")]
pub mod rest;

/// The README's examples are compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

/// The workspace README's example too.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct WorkspaceReadmeDoctests;

pub use channel::{Channel, ChannelHandle, Events};
pub use current::CurrentChannel;
pub use error::{Error, ErrorKind, Gap, Reason};
pub use event::Recovery;
pub use event::{Event, State, Stats};
pub use notification::Notification;
pub use options::{ConnectOptions, Maintenance, Overflow};
pub use policy::ReconnectPolicy;

/// Connects to a channel URI with the default options and subscribes `topics` (waiting for
/// the confirmation). Same as `ConnectOptions::default().connect(uri, topics)`.
///
/// # Errors
///
/// An initialization failure; see [`ConnectOptions::connect`].
pub async fn connect<I, T>(uri: &str, topics: I) -> Result<Channel, Error>
where
    I: IntoIterator<Item = T>,
    T: Into<String>,
{
    ConnectOptions::default().connect(uri, topics).await
}

/// Hooks for the project's benchmarks, property tests and fuzz targets: the frame classifier,
/// the message encoders and the WebSocket frame reader exactly as the driver uses them,
/// without a socket. Not part of the
/// public API; no stability promise.
#[doc(hidden)]
pub mod __private {
    use crate::protocol::{self, Frame};
    use crate::{Error, Notification, wire};
    use tokio_tungstenite::tungstenite::{Error as WsError, Message, Utf8Bytes};

    /// Classifies one text frame as the driver does: `Ok(Some(_))` is a notification the driver
    /// would deliver, `Ok(None)` a control frame, `Err(_)` the non-fatal item the driver would
    /// yield for a malformed frame (raw frame attached).
    pub fn classify(frame: &str) -> Result<Option<Notification>, Error> {
        match protocol::classify(frame) {
            Frame::Notification(parts) => Ok(Some(Notification::new(
                Utf8Bytes::from(frame.to_owned()),
                parts,
            ))),
            Frame::Malformed { reason } => Err(Error::malformed(
                reason,
                bytes::Bytes::copy_from_slice(frame.as_bytes()),
            )),
            _ => Ok(None),
        }
    }

    /// The non-fatal item the driver yields for a binary frame (never parsed, whatever it
    /// holds: the service sends text frames), with the bytes as received.
    pub fn classify_binary(payload: &[u8]) -> Error {
        Error::binary_frame(bytes::Bytes::copy_from_slice(payload))
    }

    /// The kind of a frame as a short stable name: `notification`, `heartbeat`, `pong`,
    /// `subscribe_result`, `channel_gone`, `socket_closing`, `no_longer_subscribed`,
    /// `token_revoked`, `system` or `malformed`.
    pub fn frame_kind(frame: &str) -> &'static str {
        match protocol::classify(frame) {
            Frame::Notification(_) => "notification",
            Frame::Heartbeat(_) => "heartbeat",
            Frame::Pong => "pong",
            Frame::SubscribeResult { .. } => "subscribe_result",
            Frame::ChannelGone { .. } => "channel_gone",
            Frame::SocketClosing { .. } => "socket_closing",
            Frame::NoLongerSubscribed { .. } => "no_longer_subscribed",
            Frame::TokenRevoked { .. } => "token_revoked",
            Frame::System { .. } => "system",
            Frame::Malformed { .. } => "malformed",
        }
    }

    /// The body of a notification frame as its byte range in `frame`, or `None` for any other
    /// frame: forces the whole one-pass classification (for benchmarks).
    pub fn body_range(frame: &str) -> Option<(usize, usize)> {
        match protocol::classify(frame) {
            Frame::Notification(parts) => {
                let body = parts.body.get(frame)?;
                let start = body.as_ptr() as usize - frame.as_ptr() as usize;
                Some((start, start + body.len()))
            }
            _ => None,
        }
    }

    /// Whether the strict fast path of the classification agrees with the tolerant parser on
    /// `frame`: it either declines the frame or gives exactly the tolerant parser's
    /// notification (for the fuzz harness and tests).
    pub fn fast_path_agrees(frame: &str) -> bool {
        match protocol::fast::notification(frame) {
            None => true,
            Some(parts) => protocol::classify_tolerant(frame) == Frame::Notification(parts),
        }
    }

    /// Whether the strict fast path accepts `frame` (for tests and benchmarks).
    pub fn fast_path_accepts(frame: &str) -> bool {
        protocol::fast::notification(frame).is_some()
    }

    /// Encodes the socket subscribe message as the driver does.
    pub fn encode_subscribe(topics: &[String], correlation_id: &str) -> String {
        protocol::encode_subscribe(topics, correlation_id)
    }

    /// The ping message the driver sends.
    pub const PING: &str = protocol::PING;

    /// Reads `stream` as an open socket does, received `chunk` bytes at a time, refusing
    /// frames and messages larger than `max_size`: every message, then the error that ends
    /// the stream (`ConnectionClosed` for the end after a closing handshake). Also gives the
    /// frames written in answer (pongs, the echo of a close), masked as they are sent.
    pub fn wire_read(
        stream: &[u8],
        chunk: usize,
        max_size: usize,
    ) -> (Vec<Result<Message, WsError>>, Vec<u8>) {
        let mut reader = wire::Reader::new(max_size, max_size);
        let mut buf = bytes::BytesMut::new();
        let (mut items, mut written) = (Vec::new(), Vec::new());
        let mut rest = stream;
        loop {
            match reader.read(&mut buf) {
                Ok(Some(m)) => {
                    items.push(Ok(m));
                    if let Some(reply) = reader.take_reply() {
                        wire::encode(&reply, rand::random(), &mut written);
                    }
                }
                Ok(None) if rest.is_empty() => {
                    items.push(Err(reader.end()));
                    return (items, written);
                }
                Ok(None) => {
                    let (now, later) = rest.split_at(chunk.clamp(1, rest.len()));
                    buf.extend_from_slice(now);
                    rest = later;
                }
                Err(e) => {
                    items.push(Err(e));
                    return (items, written);
                }
            }
        }
    }
}
