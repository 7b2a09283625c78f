//! Connection options.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::error::{Error, ErrorKind, Reason};
use crate::policy::ReconnectPolicy;

/// What happens when the consumer does not keep up and the notification buffer is full.
///
/// What counts against the buffer's bound ([`ConnectOptions::max_buffer`], and optionally
/// [`ConnectOptions::buffer`]) is what the peer sends at its pace: notifications and reports
/// of malformed frames, by size, including those a newer socket holds during a switch. The
/// client's own notices (gaps, warnings, the final error) never count and are never dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Overflow {
    /// Back-pressure (default): nothing is dropped. When the buffer is full the channel stops
    /// reading its socket and resumes once the consumer has taken the buffer down to half
    /// its bound; TCP flow control then slows the service down. While reading is paused the
    /// heartbeat watchdog, the drain timeout and the subscription timeout do not count the
    /// silence. [`Event::ReadingPaused`](crate::Event::ReadingPaused) and
    /// [`Event::ReadingResumed`](crate::Event::ReadingResumed) report it; the buffer's peak
    /// is in [`Stats::buffer_peak`](crate::Stats::buffer_peak).
    ///
    /// The service keeps nothing for a client that is not connected, and may end a socket
    /// that does not take its frames for long: a consumer that stops for minutes should use
    /// a drop policy, or a larger buffer.
    #[default]
    Block,
    /// Drop the incoming notification (keep what is buffered); the socket is always read.
    /// A non-fatal [`ErrorKind::Lagged`](crate::ErrorKind::Lagged) item with the number of
    /// dropped items appears right after the buffered notifications, where the dropped ones
    /// would have been.
    DropNewest,
    /// Drop the oldest buffered notification (keep the freshest); the socket is always read.
    /// The `Lagged` item appears before the oldest notification still buffered.
    DropOldest,
}

/// What to do when the service announces maintenance (`v2.system.socket_closing`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Maintenance {
    /// Make before break: connect a new socket to the same channel at once, drain the old
    /// one, go on. No gap. (Default.)
    #[default]
    Reconnect,
    /// Obtain a brand-new channel from the channel source (managed mode) and roll over to it;
    /// in URI mode this behaves like `Reconnect`.
    NewChannel,
    /// Yield a non-fatal `ChannelExpiring` (reason `ChannelClosing`) item and let the user
    /// call `rollover(uri)`; if nothing is done the socket is closed by the service and the
    /// channel reconnects as after any drop (with a gap).
    Surface,
}

/// Options for connecting a channel: a plain struct with `Default`, chainable setters, and a
/// terminal [`ConnectOptions::connect`].
///
/// # Examples
///
/// ```no_run
/// use std::time::Duration;
/// use genesys_notifications::{ConnectOptions, Overflow, ReconnectPolicy};
///
/// # async fn demo() -> Result<(), genesys_notifications::Error> {
/// let channel = ConnectOptions::new()
///     .heartbeat_timeout(Some(Duration::from_secs(75)))
///     .max_buffer(16 << 20)
///     .overflow(Overflow::DropOldest)
///     .reconnect(ReconnectPolicy::default().max_attempts(Some(20)))
///     .connect("wss://streaming.mypurecloud.com/channels/streaming-0-abc", ["v2.users.42.presence"])
///     .await?;
/// # drop(channel); Ok(()) }
/// ```
#[derive(Clone)]
pub struct ConnectOptions {
    pub(crate) connect_timeout: Duration,
    pub(crate) subscribe_timeout: Duration,
    pub(crate) await_confirmation: bool,
    pub(crate) heartbeat_timeout: Option<Duration>,
    pub(crate) ping_timeout: Duration,
    pub(crate) max_message_size: usize,
    pub(crate) buffer: usize,
    pub(crate) max_buffer: usize,
    pub(crate) overflow: Overflow,
    pub(crate) reconnect: ReconnectPolicy,
    pub(crate) extend_after: Option<Duration>,
    pub(crate) expiry_margin: Duration,
    pub(crate) maintenance: Maintenance,
    pub(crate) heartbeat_events: bool,
    pub(crate) heartbeats: bool,
    pub(crate) drain_timeout: Duration,
    pub(crate) close_timeout: Duration,
    pub(crate) allow_plain_ws: bool,
    pub(crate) tls_config: Option<Arc<rustls::ClientConfig>>,
    pub(crate) extra_roots: Vec<Vec<u8>>,
    pub(crate) seed: Option<u64>,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        ConnectOptions {
            connect_timeout: Duration::from_secs(10),
            subscribe_timeout: Duration::from_secs(10),
            await_confirmation: true,
            heartbeat_timeout: Some(Duration::from_secs(75)),
            ping_timeout: Duration::from_secs(10),
            max_message_size: 8 << 20,
            buffer: usize::MAX,
            max_buffer: 64 << 20,
            overflow: Overflow::Block,
            reconnect: ReconnectPolicy::default(),
            extend_after: Some(Duration::from_secs(23 * 3600)),
            expiry_margin: Duration::from_secs(3600),
            maintenance: Maintenance::Reconnect,
            heartbeat_events: false,
            heartbeats: false,
            drain_timeout: Duration::from_secs(10),
            close_timeout: Duration::from_secs(1),
            allow_plain_ws: false,
            tls_config: None,
            extra_roots: Vec::new(),
            seed: None,
        }
    }
}

impl fmt::Debug for ConnectOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectOptions")
            .field("connect_timeout", &self.connect_timeout)
            .field("subscribe_timeout", &self.subscribe_timeout)
            .field("await_confirmation", &self.await_confirmation)
            .field("heartbeat_timeout", &self.heartbeat_timeout)
            .field("ping_timeout", &self.ping_timeout)
            .field("max_message_size", &self.max_message_size)
            .field("buffer", &self.buffer)
            .field("max_buffer", &self.max_buffer)
            .field("overflow", &self.overflow)
            .field("reconnect", &self.reconnect)
            .field("extend_after", &self.extend_after)
            .field("maintenance", &self.maintenance)
            .field("heartbeat_events", &self.heartbeat_events)
            .field("heartbeats", &self.heartbeats)
            .field("close_timeout", &self.close_timeout)
            .field("danger_allow_plain_ws", &self.allow_plain_ws)
            .field("custom_tls_config", &self.tls_config.is_some())
            .field("extra_roots", &self.extra_roots.len())
            .finish_non_exhaustive()
    }
}

impl ConnectOptions {
    /// The defaults (same as `ConnectOptions::default()`).
    pub fn new() -> Self {
        Self::default()
    }

    /// Timeout of TCP connect + TLS + WebSocket handshake (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long to wait for the service to confirm a subscription (default 10 s).
    pub fn subscribe_timeout(mut self, timeout: Duration) -> Self {
        self.subscribe_timeout = timeout;
        self
    }

    /// Whether to wait for the subscription confirmation (default `true`). The service's
    /// confirmation behaviour is unconfirmed; with `false` the channel is considered
    /// subscribed as soon as the subscribe message is sent.
    pub fn await_confirmation(mut self, yes: bool) -> Self {
        self.await_confirmation = yes;
        self
    }

    /// Reconnect when no frame at all arrived for this long (default 75 s, two and a half
    /// heartbeat intervals). `None` disables the watchdog.
    pub fn heartbeat_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.heartbeat_timeout = timeout;
        self
    }

    /// How long [`Channel::ping`](crate::ChannelHandle::ping) waits for the pong (default 10 s).
    pub fn ping_timeout(mut self, timeout: Duration) -> Self {
        self.ping_timeout = timeout;
        self
    }

    /// Largest frame accepted (default 8 MiB, at least 1 KiB). A larger frame is reported as a non-fatal
    /// `MessageTooLarge` error; the socket cannot be read past it, so the channel reconnects.
    pub fn max_message_size(mut self, bytes: usize) -> Self {
        self.max_message_size = bytes.max(1024);
        self
    }

    /// Bound of the buffer toward the consumer, in bytes (default 64 MiB, at least 1 KiB):
    /// the frames of the notifications (and malformed-frame reports) it holds, plus 128
    /// bytes each for bookkeeping. A frame already read is never cut, so the buffer may
    /// exceed its bound by one frame. See [`Overflow`] for what happens when it is full.
    pub fn max_buffer(mut self, bytes: usize) -> Self {
        self.max_buffer = bytes.max(1024);
        self
    }

    /// An additional bound of the buffer, in notifications (default: none, only
    /// [`max_buffer`](Self::max_buffer) applies). The buffer is full when either is reached.
    pub fn buffer(mut self, notifications: usize) -> Self {
        self.buffer = notifications.max(1);
        self
    }

    /// What to do when the buffer is full (default [`Overflow::Block`]: back-pressure).
    pub fn overflow(mut self, policy: Overflow) -> Self {
        self.overflow = policy;
        self
    }

    /// How to reconnect after an unexpected close (default [`ReconnectPolicy::default`]).
    pub fn reconnect(mut self, policy: ReconnectPolicy) -> Self {
        self.reconnect = policy;
        self
    }

    /// Re-subscribe this long after the last subscription to extend the channel's lifetime
    /// (default 23 h; the service keeps a channel 24 h after its last subscription). When the
    /// service's `expires` is known (managed mode), the extension happens one hour before it
    /// if that is earlier. `None` disables automatic extension: the stream then yields a
    /// non-fatal `ChannelExpiring` (reason `ChannelExpired`) item at that time instead, and
    /// you call [`ChannelHandle::extend`](crate::ChannelHandle::extend) or [`ChannelHandle::rollover`](crate::ChannelHandle::rollover).
    pub fn extend_after(mut self, after: Option<Duration>) -> Self {
        self.extend_after = after;
        self
    }

    /// What to do on a maintenance announcement (default [`Maintenance::Reconnect`]).
    pub fn maintenance(mut self, policy: Maintenance) -> Self {
        self.maintenance = policy;
        self
    }

    /// Also send an [`Event::Heartbeat`](crate::Event::Heartbeat) for every heartbeat
    /// (default off; heartbeats are always counted, see [`ChannelHandle::stats`](crate::ChannelHandle::stats)).
    pub fn heartbeat_events(mut self, yes: bool) -> Self {
        self.heartbeat_events = yes;
        self
    }

    /// Also deliver every heartbeat frame as a stream item (default off): an
    /// `Ok(`[`Notification`](crate::Notification)`)` whose [`topic`](crate::Notification::topic)
    /// is `channel.metadata` and whose [`raw`](crate::Notification::raw) is the frame exactly as
    /// received, in order with the notifications of the same socket. Heartbeat items take a
    /// place in the [`buffer`](Self::buffer) like notifications (and may be dropped with them
    /// on overflow); they are counted in [`Stats::heartbeats`](crate::Stats::heartbeats), not
    /// in the notifications. Useful to show the raw traffic of a channel:
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), genesys_notifications::Error> {
    /// use futures_util::StreamExt;
    /// use genesys_notifications::ConnectOptions;
    ///
    /// let mut channel = ConnectOptions::new()
    ///     .heartbeats(true)
    ///     .connect("wss://streaming.mypurecloud.com/channels/streaming-0-abc", ["v2.users.42.presence"])
    ///     .await?;
    /// while let Some(item) = channel.next().await {
    ///     match item {
    ///         Ok(n) if n.topic() == "channel.metadata" => println!("heartbeat: {}", n.raw()),
    ///         Ok(n) => println!("{}", n.raw()),
    ///         Err(e) if !e.is_fatal() => eprintln!("{e}"),
    ///         Err(e) => return Err(e),
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn heartbeats(mut self, yes: bool) -> Self {
        self.heartbeats = yes;
        self
    }

    /// How long to keep reading an old socket after a rollover or reconnect switched to a new
    /// one, waiting for the service to close it (default 10 s).
    pub fn drain_timeout(mut self, timeout: Duration) -> Self {
        self.drain_timeout = timeout;
        self
    }

    /// How long closing the channel ([`ChannelHandle::close`](crate::ChannelHandle::close),
    /// or dropping it) waits for the service's answer to the close frame (default 1 s).
    ///
    /// The close frame (code 1000) is always sent. The answer comes after everything the
    /// service sent before it, so while waiting the socket is read and what arrives is
    /// discarded (the stream ends after what was already buffered). On a busy channel that
    /// may be megabytes: a short timeout makes an explicit end cheap. `Duration::ZERO`
    /// sends the close frame (if the socket takes it at once) and does not wait for the
    /// answer; the service sees the close, then the connection ends.
    ///
    /// ```
    /// use std::time::Duration;
    /// use genesys_notifications::ConnectOptions;
    ///
    /// let options = ConnectOptions::new().close_timeout(Duration::from_millis(100));
    /// # assert!(options.validate().is_ok());
    /// ```
    pub fn close_timeout(mut self, timeout: Duration) -> Self {
        self.close_timeout = timeout;
        self
    }

    /// Allow plain `ws://` to a host that is not a loopback address. Without TLS anyone on the
    /// path can read the notifications and, since the channel URI is the only credential of
    /// the socket, take over the channel. Loopback hosts (the simulator) are always allowed.
    pub fn danger_allow_plain_ws(mut self, yes: bool) -> Self {
        self.allow_plain_ws = yes;
        self
    }

    /// Use this TLS configuration for `wss://` (corporate roots, client certificates,
    /// pinning). It replaces the default: platform verifier (or the bundled Mozilla roots
    /// with feature `webpki-roots`) on the aws-lc-rs provider.
    pub fn tls_config(mut self, config: Arc<rustls::ClientConfig>) -> Self {
        self.tls_config = Some(config);
        self
    }

    /// Trust this extra root certificate (DER) in addition to the default roots.
    pub fn add_root_certificate_der(mut self, der: impl Into<Vec<u8>>) -> Self {
        self.extra_roots.push(der.into());
        self
    }

    /// Seeds the random parts (subscription correlation ids), for reproducible tests.
    pub fn random_seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Checks that every option can be used: durations at most [`ConnectOptions::MAX_DURATION`]
    /// (a longer one could not be scheduled). [`ConnectOptions::connect`] and the managed
    /// channel check this before connecting.
    ///
    /// # Errors
    ///
    /// A [`Reason::InvalidOption`](crate::Reason::InvalidOption) error naming the option.
    ///
    /// ```
    /// use std::time::Duration;
    /// use genesys_notifications::ConnectOptions;
    ///
    /// assert!(ConnectOptions::new().validate().is_ok());
    /// let forever = Duration::from_secs(100_000 * 365 * 86_400);
    /// let err = ConnectOptions::new().heartbeat_timeout(Some(forever)).validate().unwrap_err();
    /// assert!(err.to_string().contains("heartbeat_timeout"));
    /// ```
    pub fn validate(&self) -> Result<(), Error> {
        let durations = [
            ("connect_timeout", Some(self.connect_timeout)),
            ("subscribe_timeout", Some(self.subscribe_timeout)),
            ("heartbeat_timeout", self.heartbeat_timeout),
            ("ping_timeout", Some(self.ping_timeout)),
            ("extend_after", self.extend_after),
            ("expiry_margin", Some(self.expiry_margin)),
            ("drain_timeout", Some(self.drain_timeout)),
            ("close_timeout", Some(self.close_timeout)),
        ];
        let policy = self.reconnect.durations();
        for (name, d) in durations.into_iter().chain(policy) {
            if let Some(d) = d
                && d > Self::MAX_DURATION
            {
                return Err(
                    Error::new(ErrorKind::Connection, Reason::InvalidOption).with_message(format!(
                        "{name} of {d:?} is longer than the maximum of {:?}",
                        Self::MAX_DURATION
                    )),
                );
            }
        }
        Ok(())
    }

    /// The longest duration an option accepts: ten years.
    pub const MAX_DURATION: Duration = Duration::from_secs(10 * 365 * 86_400);
}
