//! The crate's single error type.
//!
//! [`Error`] is opaque: ask it questions with [`Error::kind`], [`Error::reason`], the group
//! predicates (`is_*`), [`Error::is_fatal`] and [`std::error::Error::source`]. It keeps the
//! taxonomy of the Python package `genesys-notifications` so its users feel at home:
//!
//! ```text
//! ChannelExpiring                         (non-fatal warning)
//! ChannelFailure
//! ├── InitializationFailure               (first connect: never retried)
//! │   ├── ConnectionFailure
//! │   │   └── AuthorizationFailure
//! │   └── SubscriptionFailure
//! ├── ReceiveFailure
//! └── RecoveryFailure
//!     ├── LifetimeExtensionFailure
//!     ├── ReconnectFailure
//!     └── RolloverFailure
//! Gap, Lagged                             (non-fatal: data may be missing)
//! Closed                                  (the channel is closed; control calls fail with it)
//! ```

use std::fmt;
use std::time::{Duration, SystemTime};

use bytes::Bytes;

/// A boxed cause, kept only behind [`std::error::Error::source`].
pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can go wrong with a notification channel.
///
/// Pointer-sized, `Send + Sync`, cheap to move. Some errors arrive as *items* of the
/// notification stream without ending it (see [`Error::is_fatal`]): a malformed frame, a
/// [`Gap`], a lagging consumer, an expiring channel.
pub struct Error(Box<Inner>);

struct Inner {
    kind: ErrorKind,
    reason: Reason,
    fatal: bool,
    message: Option<String>,
    raw: Option<Bytes>,
    detail: Detail,
    source: Option<BoxError>,
    /// The message already says what `source` says: [`std::error::Error::source`] then goes
    /// on with the source's own cause, so a chain printer never shows a text twice.
    source_shown: bool,
    /// The pool channel the error concerns (items of a channel pool).
    pool_channel: Option<usize>,
}

enum Detail {
    None,
    Gap(Gap),
    Lagged(u64),
    Attempts(u32),
}

/// The leaf of the error taxonomy an [`Error`] belongs to.
///
/// Use the predicates on [`Error`] to test for a whole group (for example
/// [`Error::is_recovery_failure`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The channel is about to expire or the socket is about to be closed for maintenance, and
    /// automatic handling is switched off. Non-fatal: call `extend()` or `rollover(uri)`.
    ChannelExpiring,
    /// The first connection could not be opened (refused, timeout, TLS, bad status, bad URI).
    Connection,
    /// The first connection was refused with 401 or 403. A kind of [`ErrorKind::Connection`].
    Authorization,
    /// The first subscription was rejected or not confirmed in time.
    Subscription,
    /// A frame could not be received or understood, or the channel went away while streaming.
    Receive,
    /// Extending the channel's lifetime failed.
    LifetimeExtension,
    /// Automatic reconnection gave up, or hit a permanent failure.
    Reconnect,
    /// Switching to another channel failed.
    Rollover,
    /// Notifications may have been missed: no subscribed socket was open for a while. Non-fatal.
    Gap,
    /// The consumer was too slow and the buffer overflowed. Non-fatal.
    Lagged,
    /// The channel is closed (returned by control calls after close).
    Closed,
}

/// Why an error happened: the reasons of the Python package `genesys-notifications`, plus what
/// this client knows more precisely.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Reason {
    /// The connection was closed (by the peer or by the network).
    ConnectionClosed,
    /// The WebSocket handshake failed for a reason other than an HTTP status.
    InvalidHandshake,
    /// The handshake was answered with an unexpected HTTP status.
    InvalidStatusCode(u16),
    /// The handshake was answered with 401.
    HttpUnauthorized,
    /// The handshake was answered with 403.
    HttpForbidden,
    /// The service closed the socket normally (close code 1000) without announcing
    /// maintenance, again within 30 s of the one reconnection that followed a first such
    /// close: another connection holds the channel (one socket per channel). Not retried
    /// further: reconnecting would only take it back.
    ClosedByService,
    /// The channel URI is not a valid `ws://` or `wss://` URI, or plain `ws://` to a remote host
    /// was not allowed.
    InvalidUri,
    /// A frame was not a message this client understands (not JSON, binary, missing fields).
    InvalidMessage,
    /// The channel's lifetime is over (or about to be).
    ChannelExpired,
    /// The service announced it will close the socket (`v2.system.socket_closing`).
    ChannelClosing,
    /// Something went wrong and the cause is not known more precisely.
    Ambiguous,
    /// An operation did not finish in time (connect, subscription confirmation, ping, watchdog).
    Timeout,
    /// The TLS handshake or configuration failed.
    Tls,
    /// An I/O error on the socket.
    Io,
    /// The channel does not exist (handshake 404, or a `{"result":"404"}` frame).
    ChannelNotFound,
    /// A frame exceeded the configured maximum message size.
    MessageTooLarge,
    /// The service rejected a subscription request.
    SubscriptionRejected,
    /// The service said the channel is no longer subscribed (`v2.system.no_longer_subscribed`).
    NoLongerSubscribed,
    /// The service said the channel's token was revoked (`v2.system.token_revoked`).
    TokenRevoked,
    /// Every reconnect attempt allowed by the policy failed.
    AttemptsExhausted,
    /// Notifications may have been lost while no socket was open.
    Gap,
    /// The consumer fell behind and notifications were dropped.
    Lagged,
    /// The channel was closed by the user.
    Closed,
    /// A topic name is invalid (empty, or 200 characters or more).
    InvalidTopic,
    /// Replacing the channel is impossible (only a URI is known).
    ReplacementUnavailable,
    /// An option is out of range (e.g. a duration too long to schedule).
    InvalidOption,
    /// The channel's task failed internally (a bug): the stream ends instead of stopping
    /// silently.
    Internal,
    /// The topics do not fit the channels allowed (a channel pool's budget); the message
    /// names the count and the limit.
    TooManyTopics,
    /// The service evicted one of the client's channels because the OAuth client holds too
    /// many (another tool of the same client created channels).
    ChannelEvicted,
}

/// A span of time during which notifications may have been missed.
///
/// Reported as a non-fatal [`Error`] item of kind [`ErrorKind::Gap`], placed in the stream
/// where the missing notifications would have been. Both clocks are given: the wall clock to
/// back-fill from the REST API, tokio's clock to compare with other tokio instants (and with
/// paused time in tests). The window is conservative: it starts at the last frame received
/// on the socket that went away (the last moment continuity was proven) and ends when a
/// subscribed socket was open again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gap {
    /// Wall-clock start of the window.
    pub from: SystemTime,
    /// Wall-clock end of the window.
    pub to: SystemTime,
    /// Start of the window on tokio's clock.
    pub from_instant: tokio::time::Instant,
    /// End of the window on tokio's clock.
    pub to_instant: tokio::time::Instant,
    /// Topics whose notifications may be missing, as subscribed: a combined topic
    /// (`v2.users.42?presence&routingStatus`) as one entry, unexpanded. To back-fill, use
    /// [`Gap::expanded_topics`].
    pub topics: Vec<String>,
    /// The same topics as individual topic names, each combined topic expanded
    /// (`v2.users.42.presence`, `v2.users.42.routingStatus`), in subscription order, without
    /// duplicates: the names notifications carry, and the ones to back-fill.
    pub expanded_topics: Vec<String>,
}

impl Gap {
    /// Length of the window.
    pub fn duration(&self) -> Duration {
        self.to_instant.saturating_duration_since(self.from_instant)
    }

    /// Whether `instant` (tokio clock) lies inside the window, bounds included.
    pub fn contains(&self, instant: tokio::time::Instant) -> bool {
        self.from_instant <= instant && instant <= self.to_instant
    }
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, reason: Reason) -> Self {
        let fatal = !matches!(
            kind,
            ErrorKind::ChannelExpiring | ErrorKind::Gap | ErrorKind::Lagged
        );
        Error(Box::new(Inner {
            kind,
            reason,
            fatal,
            message: None,
            raw: None,
            detail: Detail::None,
            source: None,
            source_shown: false,
            pool_channel: None,
        }))
    }

    /// The non-fatal item for a frame the client cannot read: kind Receive, reason
    /// InvalidMessage, with why and the frame as received.
    pub(crate) fn malformed(message: impl Into<String>, raw: Bytes) -> Self {
        Error::new(ErrorKind::Receive, Reason::InvalidMessage)
            .non_fatal()
            .with_message(message)
            .with_raw(raw)
    }

    /// The non-fatal item for a binary frame: never parsed (the service sends text frames),
    /// its bytes kept as received.
    pub(crate) fn binary_frame(raw: Bytes) -> Self {
        Error::malformed("unexpected binary frame", raw)
    }

    pub(crate) fn with_message(mut self, message: impl Into<String>) -> Self {
        self.0.message = Some(message.into());
        self
    }

    pub(crate) fn with_source(mut self, source: impl Into<BoxError>) -> Self {
        self.0.source = Some(source.into());
        self.0.source_shown = false;
        self
    }

    /// Keeps `source` as the cause whose text the message already contains: `source()`
    /// skips it (and goes on with its own cause), so the chain never repeats it; it stays
    /// reachable for downcasting through [`Error::cause`].
    pub(crate) fn with_shown_source(mut self, source: impl Into<BoxError>) -> Self {
        self.0.source = Some(source.into());
        self.0.source_shown = true;
        self
    }

    /// The underlying cause as kept, even when its text is already part of the message (and
    /// [`std::error::Error::source`] therefore skips it).
    #[cfg_attr(not(feature = "rest"), allow(dead_code))]
    pub(crate) fn cause(&self) -> Option<&(dyn std::error::Error + Send + Sync + 'static)> {
        self.0.source.as_deref()
    }

    /// Heap bytes this error occupies (its box, message and raw frame, each with the
    /// allocator's header and rounding); its source, if any, is not counted.
    pub(crate) fn heap_len(&self) -> usize {
        let text = |n: usize| if n == 0 { 0 } else { n + 32 };
        size_of::<Inner>()
            + 32
            + text(self.0.message.as_ref().map_or(0, String::capacity))
            + text(self.0.raw.as_ref().map_or(0, Bytes::len))
    }

    /// Moves the raw frame (if any) into an allocation of its own (see
    /// [`Notification::compact`](crate::Notification)).
    pub(crate) fn compact_raw(&mut self) {
        if let Some(raw) = &mut self.0.raw {
            *raw = Bytes::copy_from_slice(raw);
        }
    }

    pub(crate) fn with_raw(mut self, raw: Bytes) -> Self {
        self.0.raw = Some(raw);
        self
    }

    pub(crate) fn non_fatal(mut self) -> Self {
        self.0.fatal = false;
        self
    }

    pub(crate) fn fatal(mut self) -> Self {
        self.0.fatal = true;
        self
    }

    pub(crate) fn with_attempts(mut self, attempts: u32) -> Self {
        self.0.detail = Detail::Attempts(attempts);
        self
    }

    /// Tags the error with the pool channel it concerns.
    pub(crate) fn with_pool_channel(mut self, channel: usize) -> Self {
        self.0.pool_channel = Some(channel);
        self
    }

    /// The channel of a channel pool this item concerns (its index in the pool, stable while
    /// the pool channel lives, across the service channels that carry it), for items of a
    /// pool's stream; `None` for a single channel and for the pool's own items.
    pub fn pool_channel(&self) -> Option<usize> {
        self.0.pool_channel
    }

    /// Re-labels an error with another kind (e.g. a connect error seen during recovery).
    pub(crate) fn into_kind(mut self, kind: ErrorKind) -> Self {
        self.0.kind = kind;
        self
    }

    pub(crate) fn gap(gap: Gap) -> Self {
        let mut e = Error::new(ErrorKind::Gap, Reason::Gap);
        e.0.detail = Detail::Gap(gap);
        e
    }

    pub(crate) fn lagged(dropped: u64) -> Self {
        let mut e = Error::new(ErrorKind::Lagged, Reason::Lagged);
        e.0.detail = Detail::Lagged(dropped);
        e
    }

    pub(crate) fn closed() -> Self {
        Error::new(ErrorKind::Closed, Reason::Closed).with_message("the channel is closed")
    }

    /// The leaf of the taxonomy this error belongs to.
    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }

    /// Why it happened.
    pub fn reason(&self) -> Reason {
        self.0.reason
    }

    /// The message the service sent with the failure (a subscription result's `message`, a
    /// handshake response body, a `socket_closing` message), or a description by this client.
    pub fn message(&self) -> Option<&str> {
        self.0.message.as_deref()
    }

    /// The frame that caused the error, exactly as received (malformed, binary or
    /// unexpected frames). Never lost: a malformed frame is reported with its bytes.
    pub fn raw_frame(&self) -> Option<&[u8]> {
        self.0.raw.as_deref()
    }

    /// The raw frame as text, when it was valid UTF-8.
    pub fn raw_text(&self) -> Option<&str> {
        self.raw_frame().and_then(|b| std::str::from_utf8(b).ok())
    }

    /// Whether this error ends the stream. Non-fatal errors are items of the stream and the
    /// stream goes on after them.
    pub fn is_fatal(&self) -> bool {
        self.0.fatal
    }

    /// The gap, for errors of kind [`ErrorKind::Gap`].
    pub fn gap_window(&self) -> Option<&Gap> {
        match &self.0.detail {
            Detail::Gap(g) => Some(g),
            _ => None,
        }
    }

    /// How many items were dropped (notifications, or reports of malformed frames), for
    /// errors of kind [`ErrorKind::Lagged`].
    pub fn dropped(&self) -> Option<u64> {
        match self.0.detail {
            Detail::Lagged(n) => Some(n),
            _ => None,
        }
    }

    /// How many reconnect attempts were made, for [`ErrorKind::Reconnect`] errors.
    pub fn attempts(&self) -> Option<u32> {
        match self.0.detail {
            Detail::Attempts(n) => Some(n),
            _ => None,
        }
    }

    /// The HTTP status of a refused handshake, if that is what happened.
    pub fn status(&self) -> Option<u16> {
        match self.0.reason {
            Reason::InvalidStatusCode(s) => Some(s),
            Reason::HttpUnauthorized => Some(401),
            Reason::HttpForbidden => Some(403),
            Reason::ChannelNotFound if self.0.raw.is_none() => Some(404),
            _ => None,
        }
    }

    /// ChannelExpiring: the channel expires or the socket closes soon (non-fatal).
    pub fn is_channel_expiring(&self) -> bool {
        self.0.kind == ErrorKind::ChannelExpiring
    }

    /// ChannelFailure: every failure of the channel itself (all of initialization, receive
    /// and recovery failures).
    pub fn is_channel_failure(&self) -> bool {
        self.is_initialization_failure() || self.is_receive_failure() || self.is_recovery_failure()
    }

    /// InitializationFailure: the first connection or subscription failed.
    pub fn is_initialization_failure(&self) -> bool {
        self.is_connection_failure() || self.is_subscription_failure()
    }

    /// ConnectionFailure: the first connection failed (includes authorization failures).
    pub fn is_connection_failure(&self) -> bool {
        matches!(
            self.0.kind,
            ErrorKind::Connection | ErrorKind::Authorization
        )
    }

    /// AuthorizationFailure: the first handshake was refused with 401 or 403.
    pub fn is_authorization_failure(&self) -> bool {
        self.0.kind == ErrorKind::Authorization
    }

    /// SubscriptionFailure: the first subscription was rejected or not confirmed.
    pub fn is_subscription_failure(&self) -> bool {
        self.0.kind == ErrorKind::Subscription
    }

    /// ReceiveFailure: a frame could not be received or understood.
    pub fn is_receive_failure(&self) -> bool {
        self.0.kind == ErrorKind::Receive
    }

    /// RecoveryFailure: reconnect, lifetime extension or rollover failed.
    pub fn is_recovery_failure(&self) -> bool {
        matches!(
            self.0.kind,
            ErrorKind::LifetimeExtension | ErrorKind::Reconnect | ErrorKind::Rollover
        )
    }

    /// A gap: notifications may have been missed.
    pub fn is_gap(&self) -> bool {
        self.0.kind == ErrorKind::Gap
    }

    /// The consumer lagged and notifications were dropped.
    pub fn is_lagged(&self) -> bool {
        self.0.kind == ErrorKind::Lagged
    }

    /// An operation timed out.
    pub fn is_timeout(&self) -> bool {
        self.0.reason == Reason::Timeout
    }

    /// Whether the failure is permanent for this channel: retrying the same URI cannot help
    /// (401, 403, channel not found, revoked, no longer subscribed).
    pub fn is_permanent(&self) -> bool {
        matches!(
            self.0.reason,
            Reason::HttpUnauthorized
                | Reason::HttpForbidden
                | Reason::ChannelNotFound
                | Reason::NoLongerSubscribed
                | Reason::TokenRevoked
                | Reason::ChannelExpired
                | Reason::ClosedByService
                | Reason::InvalidUri
        )
    }

    /// A copy of this error without its cause chain (used to hand one failure to several
    /// waiters).
    pub(crate) fn shallow_clone(&self) -> Error {
        let inner = &self.0;
        let mut e = Error::new(inner.kind, inner.reason);
        e.0.fatal = inner.fatal;
        e.0.message = inner.message.clone();
        e.0.raw = inner.raw.clone();
        e.0.pool_channel = inner.pool_channel;
        e.0.detail = match &inner.detail {
            Detail::None => Detail::None,
            Detail::Gap(g) => Detail::Gap(g.clone()),
            Detail::Lagged(n) => Detail::Lagged(*n),
            Detail::Attempts(n) => Detail::Attempts(*n),
        };
        if let Some(src) = &inner.source {
            e.0.source = Some(Box::new(SourceText(src.to_string())));
            e.0.source_shown = inner.source_shown;
        }
        e
    }
}

#[derive(Debug)]
struct SourceText(String);
impl fmt::Display for SourceText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for SourceText {}

impl ErrorKind {
    fn describe(self) -> &'static str {
        match self {
            ErrorKind::ChannelExpiring => "channel expiring",
            ErrorKind::Connection => "connection failure",
            ErrorKind::Authorization => "authorization failure",
            ErrorKind::Subscription => "subscription failure",
            ErrorKind::Receive => "receive failure",
            ErrorKind::LifetimeExtension => "lifetime extension failure",
            ErrorKind::Reconnect => "reconnect failure",
            ErrorKind::Rollover => "rollover failure",
            ErrorKind::Gap => "gap in the notification stream",
            ErrorKind::Lagged => "consumer lagged",
            ErrorKind::Closed => "channel closed",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::ConnectionClosed => f.write_str("connection closed"),
            Reason::InvalidHandshake => f.write_str("invalid handshake"),
            Reason::InvalidStatusCode(s) => write!(f, "unexpected HTTP status {s}"),
            Reason::HttpUnauthorized => f.write_str("HTTP 401 unauthorized"),
            Reason::HttpForbidden => f.write_str("HTTP 403 forbidden"),
            Reason::ClosedByService => f.write_str("closed by the service"),
            Reason::InvalidUri => f.write_str("invalid URI"),
            Reason::InvalidMessage => f.write_str("invalid message"),
            Reason::ChannelExpired => f.write_str("channel expired"),
            Reason::ChannelClosing => f.write_str("channel closing"),
            Reason::Ambiguous => f.write_str("ambiguous"),
            Reason::Timeout => f.write_str("timed out"),
            Reason::Tls => f.write_str("TLS failure"),
            Reason::Io => f.write_str("I/O error"),
            Reason::ChannelNotFound => f.write_str("channel not found"),
            Reason::MessageTooLarge => f.write_str("message too large"),
            Reason::SubscriptionRejected => f.write_str("subscription rejected"),
            Reason::NoLongerSubscribed => f.write_str("no longer subscribed"),
            Reason::TokenRevoked => f.write_str("token revoked"),
            Reason::AttemptsExhausted => f.write_str("reconnect attempts exhausted"),
            Reason::Gap => f.write_str("notifications may be missing"),
            Reason::Lagged => f.write_str("consumer lagged"),
            Reason::Closed => f.write_str("closed by the user"),
            Reason::InvalidTopic => f.write_str("invalid topic"),
            Reason::ReplacementUnavailable => f.write_str("no replacement channel available"),
            Reason::InvalidOption => f.write_str("invalid option"),
            Reason::Internal => f.write_str("internal failure of the channel task"),
            Reason::TooManyTopics => f.write_str("too many topics for the channel budget"),
            Reason::ChannelEvicted => f.write_str("channel evicted by the service"),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.0.kind, self.0.reason)?;
        if let Some(channel) = self.0.pool_channel {
            write!(f, " on pool channel {channel}")?;
        }
        match &self.0.detail {
            Detail::Gap(g) => write!(
                f,
                ": {:?} without a subscribed socket, {} topic(s)",
                g.duration(),
                g.topics.len()
            )?,
            Detail::Lagged(n) => write!(f, ": {n} notification(s) dropped")?,
            Detail::Attempts(n) => write!(f, " after {n} attempt(s)")?,
            Detail::None => {}
        }
        if let Some(m) = &self.0.message {
            write!(f, ": {m}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("kind", &self.0.kind)
            .field("reason", &self.0.reason)
            .field("fatal", &self.0.fatal);
        if let Some(m) = &self.0.message {
            d.field("message", m);
        }
        match &self.0.detail {
            Detail::Gap(g) => {
                d.field("gap", g);
            }
            Detail::Lagged(n) => {
                d.field("dropped", n);
            }
            Detail::Attempts(n) => {
                d.field("attempts", n);
            }
            Detail::None => {}
        }
        if let Some(raw) = &self.0.raw {
            d.field("raw_len", &raw.len());
        }
        if let Some(s) = &self.0.source {
            d.field("source", s);
        }
        d.finish()
    }
}

impl std::error::Error for Error {
    /// The cause, when the message does not already say it; otherwise the cause's own cause.
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        let source = self
            .0
            .source
            .as_ref()
            .map(|s| &**s as &(dyn std::error::Error + 'static))?;
        if self.0.source_shown {
            source.source()
        } else {
            Some(source)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_is_pointer_sized_send_sync() {
        assert_eq!(std::mem::size_of::<Error>(), std::mem::size_of::<usize>());
        fn assert_send_sync<T: Send + Sync + 'static>() {}
        assert_send_sync::<Error>();
    }

    #[test]
    fn group_predicates_follow_the_error_taxonomy() {
        let auth = Error::new(ErrorKind::Authorization, Reason::HttpUnauthorized);
        assert!(auth.is_authorization_failure());
        assert!(auth.is_connection_failure());
        assert!(auth.is_initialization_failure());
        assert!(auth.is_channel_failure());
        assert!(!auth.is_recovery_failure());
        assert!(auth.is_fatal());
        assert!(auth.is_permanent());
        assert_eq!(auth.status(), Some(401));

        let sub = Error::new(ErrorKind::Subscription, Reason::SubscriptionRejected);
        assert!(sub.is_initialization_failure() && !sub.is_connection_failure());

        let rec = Error::new(ErrorKind::Reconnect, Reason::AttemptsExhausted).with_attempts(3);
        assert!(rec.is_recovery_failure() && rec.is_channel_failure());
        assert_eq!(rec.attempts(), Some(3));

        let expiring = Error::new(ErrorKind::ChannelExpiring, Reason::ChannelClosing);
        assert!(!expiring.is_fatal() && !expiring.is_channel_failure());

        let lag = Error::lagged(7);
        assert_eq!(lag.dropped(), Some(7));
        assert!(!lag.is_fatal());
    }

    /// Every level of `{e}: {source}: {source's source}...`, as a chain printer shows it.
    fn chain(e: &Error) -> String {
        let mut text = e.to_string();
        let mut next = std::error::Error::source(e);
        while let Some(cause) = next {
            text.push_str(&format!(": {cause}"));
            next = cause.source();
        }
        text
    }

    #[test]
    fn a_cause_quoted_in_the_message_is_not_repeated_by_the_chain() {
        #[derive(Debug)]
        struct Outer(std::io::Error);
        impl fmt::Display for Outer {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("the request failed (POST /oauth/token)")
            }
        }
        impl std::error::Error for Outer {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        let outer = Outer(std::io::Error::other("connection refused"));
        let e = Error::new(ErrorKind::Connection, Reason::Io)
            .with_message(outer.to_string())
            .with_shown_source(outer);
        assert_eq!(
            chain(&e),
            "connection failure (I/O error): the request failed (POST /oauth/token): \
             connection refused"
        );
        assert!(
            e.cause()
                .is_some_and(|c| c.downcast_ref::<Outer>().is_some())
        );
        // A cause the message does not quote stays the source.
        let e =
            Error::new(ErrorKind::Receive, Reason::Io).with_source(std::io::Error::other("reset"));
        assert_eq!(chain(&e), "receive failure (I/O error): reset");
        assert_eq!(
            chain(&e.shallow_clone()),
            "receive failure (I/O error): reset"
        );
    }

    #[test]
    fn malformed_keeps_raw_frame_and_source() {
        let cause = std::io::Error::other("boom");
        let e = Error::new(ErrorKind::Receive, Reason::InvalidMessage)
            .non_fatal()
            .with_raw(Bytes::from_static(b"not json"))
            .with_source(cause);
        assert_eq!(e.raw_text(), Some("not json"));
        assert!(!e.is_fatal());
        let src = std::error::Error::source(&e).map(|s| s.to_string());
        assert_eq!(src.as_deref(), Some("boom"));
        let c = e.shallow_clone();
        assert_eq!(c.raw_frame(), Some(&b"not json"[..]));
        assert!(std::error::Error::source(&c).is_some());
        assert!(e.to_string().contains("receive failure"));
    }
}
