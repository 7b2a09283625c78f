//! What the channel tells about itself: its [`State`], its lifecycle [`Event`]s and its
//! [`Stats`]. Plain data, shared by the machine that decides them and the handles that show
//! them.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::time::Instant;

use crate::error::{Gap, Reason};
use crate::queue;

/// Where the channel is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum State {
    /// Opening the first socket.
    Connecting,
    /// Waiting for the first subscription to be confirmed.
    Subscribing,
    /// Streaming.
    Open,
    /// No subscribed socket; recovering.
    Reconnecting,
    /// Switching sockets or channels (maintenance, rollover); still streaming.
    RollingOver,
    /// Closed for good; the stream has ended or will end after what is buffered.
    Closed,
}

/// Something that happened to the channel. Observe them with [`ChannelHandle::events`](crate::ChannelHandle::events).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// A socket was opened.
    Connected,
    /// The topics were subscribed (confirmed, or sent when confirmation is off).
    Subscribed {
        /// Number of topics in the subscription.
        topics: usize,
    },
    /// A heartbeat arrived (only with `ConnectOptions::heartbeat_events(true)`).
    Heartbeat,
    /// No frame arrived within the heartbeat timeout; the socket is abandoned.
    HeartbeatMissed {
        /// How long the socket had been silent.
        silent_for: Duration,
    },
    /// The socket closed or failed unexpectedly.
    Disconnected {
        /// Why.
        reason: Reason,
    },
    /// A reconnect attempt is scheduled.
    ReconnectAttempt {
        /// 1-based attempt number within this outage.
        attempt: u32,
        /// Delay before the attempt.
        delay: Duration,
    },
    /// The channel is subscribed again after an outage.
    Reconnected {
        /// Attempts it took.
        attempts: u32,
    },
    /// The channel is healthy again: after any outage or switch (a reconnection, a
    /// maintenance switch, a new channel, a rollover), the new or renewed socket is subscribed
    /// and delivers to the stream. Sent exactly once per recovery, whatever the path, after
    /// that path's own events (`Reconnected`, `RolloverCompleted`) and after its gap; wait on
    /// this one. See "Recovery events" in the crate documentation.
    Recovered {
        /// Which kind of recovery it was.
        kind: Recovery,
    },
    /// The channel's lifetime was extended.
    Extended,
    /// The service announced maintenance (`v2.system.socket_closing`).
    SocketClosing,
    /// A switch to a new socket or channel started.
    RolloverStarted,
    /// The switch completed: the old socket is drained and closed.
    RolloverCompleted,
    /// Topics the service refused (managed mode, `ignoreErrors`), with the reason.
    TopicsRejected {
        /// `(topic, reason)` pairs.
        topics: Vec<(String, String)>,
    },
    /// Notifications may have been missed. Also an item of the stream, placed where they
    /// would have been: back-fill from the item; use this event for monitoring only (see
    /// "Where to take gaps from" in the crate documentation).
    Gap(Gap),
    /// The buffer toward the consumer is full ([`Overflow::Block`](crate::Overflow::Block)):
    /// the channel stopped reading its socket(s) until the consumer catches up. Nothing is
    /// lost; the service sees TCP flow control.
    ReadingPaused {
        /// Bytes buffered when reading stopped.
        buffered: usize,
    },
    /// The consumer took the buffer down to half its bound: reading resumed.
    ReadingResumed {
        /// How long reading was paused.
        paused_for: Duration,
    },
    /// The channel is closed.
    Closed {
        /// Why, when it was not closed by the user.
        reason: Option<Reason>,
    },
}

/// Counters of a channel.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Notifications received from the service (before any overflow drop).
    pub notifications: u64,
    /// Items (notifications or malformed-frame reports) dropped because the consumer lagged.
    pub dropped: u64,
    /// Heartbeats received.
    pub heartbeats: u64,
    /// When the last heartbeat arrived.
    pub last_heartbeat: Option<Instant>,
    /// Sockets opened (including the first).
    pub connections: u64,
    /// Gaps reported.
    pub gaps: u64,
    /// Malformed frames reported.
    pub malformed: u64,
    /// Bytes buffered toward the consumer now (see
    /// [`ConnectOptions::max_buffer`](crate::ConnectOptions::max_buffer)).
    pub buffered: u64,
    /// The most bytes buffered at once so far.
    pub buffer_peak: u64,
    /// The buffer's bound, in bytes.
    pub buffer_bound: u64,
    /// Times reading was paused because the buffer was full
    /// ([`Overflow::Block`](crate::Overflow::Block)).
    pub read_pauses: u64,
}

#[derive(Debug, Default)]
pub(crate) struct SharedStats {
    pub(crate) notifications: AtomicU64,
    pub(crate) dropped: AtomicU64,
    pub(crate) heartbeats: AtomicU64,
    pub(crate) connections: AtomicU64,
    pub(crate) gaps: AtomicU64,
    pub(crate) malformed: AtomicU64,
    pub(crate) last_heartbeat: Mutex<Option<Instant>>,
}

impl SharedStats {
    pub(crate) fn snapshot(&self, buffer: &queue::Gauge) -> Stats {
        Stats {
            notifications: self.notifications.load(Ordering::Relaxed),
            dropped: self.dropped.load(Ordering::Relaxed),
            heartbeats: self.heartbeats.load(Ordering::Relaxed),
            last_heartbeat: *self
                .last_heartbeat
                .lock()
                .unwrap_or_else(|p| p.into_inner()),
            connections: self.connections.load(Ordering::Relaxed),
            gaps: self.gaps.load(Ordering::Relaxed),
            malformed: self.malformed.load(Ordering::Relaxed),
            buffered: buffer.bytes() as u64,
            buffer_peak: buffer.peak() as u64,
            buffer_bound: buffer.bound() as u64,
            read_pauses: buffer.pauses(),
        }
    }
}

/// How a channel recovered: the kind carried by
/// [`Event::Recovered`](crate::Event::Recovered). The crate documentation's "Recovery events"
/// table gives the event sequence of each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Recovery {
    /// Reconnected to the same channel after an outage: a dropped or silent socket, a close
    /// by a proxy. The time without a socket is reported as a gap.
    Reconnected,
    /// Moved to a new socket after a maintenance notice (`v2.system.socket_closing`), on the
    /// same channel or a new one (managed mode), make before break: no gap.
    Maintenance,
    /// Moved to a new channel because the old one is gone: evicted, expired, not found, no
    /// longer subscribed, its token revoked, or closed by the service (managed mode). The time
    /// without a socket is reported as a gap.
    NewChannel,
    /// Moved to a new channel before the old one expires, because its lifetime could not be
    /// extended (managed mode), make before break: no gap.
    Expiry,
    /// Switched to the channel given to [`rollover`](crate::ChannelHandle::rollover), make
    /// before break: no gap.
    Rollover,
}
