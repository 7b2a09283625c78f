//! The loop shared by `listen` and `demo`: notifications to stdout, everything else to
//! stderr, counted on the way.

use std::collections::BTreeMap;
use std::future::Future;
use std::io;
use std::time::{Duration, SystemTime};

use genesys_notifications::models::Template;
use genesys_notifications::rest::{Pool, PoolEvent, PoolEvents};
use genesys_notifications::{Channel, ErrorKind, Event, Events, Notification};
use tokio::sync::watch;

use futures_util::FutureExt as _;

use crate::output::{BATCH_BYTES, GATHER_BYTES, Lines};

/// The topic of heartbeats; they are stream items only with `ConnectOptions::heartbeats`.
const HEARTBEAT_TOPIC: &str = "channel.metadata";

/// How long `close` waits for the buffered notifications after the close frame.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(2);

/// What was seen.
#[derive(Debug, Default, Clone)]
pub(crate) struct Tally {
    /// Notifications written, by topic (only when asked for: [`Pump::per_topic`]).
    pub(crate) per_topic: BTreeMap<String, u64>,
    /// Notifications written.
    pub(crate) notifications: u64,
    /// Heartbeats seen (written with `--include-heartbeats`).
    pub(crate) heartbeats: u64,
    /// Recoveries after a lost connection.
    pub(crate) reconnects: u64,
    /// Completed switches to a new socket or channel (maintenance, expiry).
    pub(crate) rollovers: u64,
    /// Gaps reported by the client (spans without a subscribed socket).
    pub(crate) gaps: u64,
    /// Total length of those gaps.
    pub(crate) gap_time: Duration,
    /// Notifications dropped because stdout did not keep up.
    pub(crate) dropped: u64,
    /// Frames that were not notifications the client understood.
    pub(crate) malformed: u64,
}

/// Why [`Pump::run`] returned.
#[derive(Debug)]
pub(crate) enum Stop {
    /// `--count` notifications were written.
    Count,
    /// `--duration` elapsed.
    Deadline,
    /// SIGINT or SIGTERM.
    Signal(&'static str),
    /// The stream ended without an error.
    Ended,
    /// stdout was closed by its reader (e.g. `| head`).
    OutputClosed,
    /// stdout failed.
    OutputFailed(io::Error),
    /// The channel failed for good.
    Failed(genesys_notifications::Error),
}

/// One channel (URI mode) or a pool of managed channels.
#[derive(Debug)]
pub(crate) enum Source {
    Channel(Channel),
    Pool(Pool),
}

impl Source {
    async fn next_item(&mut self) -> Option<Result<Notification, genesys_notifications::Error>> {
        match self {
            Source::Channel(channel) => channel.next_item().await,
            Source::Pool(pool) => pool.next_item().await,
        }
    }

    async fn close(&self) {
        match self {
            Source::Channel(channel) => channel.close().await,
            Source::Pool(pool) => pool.close().await,
        }
    }
}

/// The lifecycle events of a [`Source`].
#[derive(Debug)]
enum EventSource {
    Channel(Events),
    Pool(PoolEvents),
}

impl EventSource {
    async fn recv(&mut self) -> Option<PoolEvent> {
        match self {
            EventSource::Channel(events) => events
                .recv()
                .await
                .map(|event| PoolEvent::Channel { channel: 0, event }),
            EventSource::Pool(events) => events.recv().await,
        }
    }
}

/// Moves notifications from a channel or a pool to stdout and lifecycle events to stderr.
#[derive(Debug)]
pub(crate) struct Pump {
    channel: Source,
    events: EventSource,
    /// Whether the events come from a pool (stderr lines then name the pool channel).
    pooled: bool,
    out: Lines,
    heartbeats: bool,
    /// Templates whose notifications are written; empty: all.
    only: Vec<Template>,
    /// Whether [`Tally::per_topic`] is kept (a map lookup per notification).
    per_topic: bool,
    tally: Tally,
    written: watch::Sender<u64>,
}

impl Pump {
    /// `heartbeats`: also write heartbeats (the channel must have `heartbeats(true)`).
    pub(crate) fn new(channel: Source, out: Lines, heartbeats: bool) -> Self {
        let (events, pooled) = match &channel {
            Source::Channel(channel) => (EventSource::Channel(channel.events()), false),
            Source::Pool(pool) => (EventSource::Pool(pool.events()), true),
        };
        Pump {
            channel,
            events,
            pooled,
            out,
            heartbeats,
            only: Vec::new(),
            per_topic: false,
            tally: Tally::default(),
            written: watch::Sender::new(0),
        }
    }

    /// Writes only notifications of these templates (all when empty).
    pub(crate) fn only(mut self, templates: Vec<Template>) -> Self {
        self.only = templates;
        self
    }

    /// Also counts the notifications written per topic ([`Tally::per_topic`]).
    pub(crate) fn per_topic(mut self) -> Self {
        self.per_topic = true;
        self
    }

    /// Whether a notification on `topic` passes the template filter.
    fn keeps(&self, topic: &str) -> bool {
        self.only.is_empty()
            || Template::parse(topic).is_some_and(|(template, _)| self.only.contains(&template))
    }

    /// The count of notifications written so far (updated with each batch handed to
    /// stdout), observable from elsewhere.
    pub(crate) fn written(&self) -> watch::Receiver<u64> {
        self.written.subscribe()
    }

    /// Runs until `limit` notifications were written in total, `until` resolves, the stream
    /// ends or fails, or stdout fails.
    ///
    /// The notifications ready at once are gathered into one batch; the batch is handed to
    /// stdout as soon as no more is ready (or it is large), so a burst costs one write and a
    /// lone notification is written at once. While a writer thread is still writing the
    /// previous batch, lines keep being gathered (up to [`GATHER_BYTES`]) and go out the
    /// moment it is free.
    pub(crate) async fn run(
        &mut self,
        limit: Option<u64>,
        until: impl Future<Output = Stop>,
    ) -> Stop {
        tokio::pin!(until);
        let stop = loop {
            if limit.is_some_and(|limit| self.tally.notifications >= limit) {
                break Stop::Count;
            }
            let item = match self.channel.next_item().now_or_never() {
                Some(item) if self.out.pending() < BATCH_BYTES => item,
                ready => {
                    // Nothing more is ready (or the batch is large): hand it to the writer,
                    // or keep gathering while the writer is still busy.
                    if let Err(stop) = self.hand_off().await {
                        break stop;
                    }
                    let waited = match ready {
                        Some(item) => {
                            // Signals, the deadline and events are seen between batches
                            // even while notifications never stop coming.
                            if let Some(stop) = until.as_mut().now_or_never() {
                                break stop;
                            }
                            while let Some(Some(event)) = self.events.recv().now_or_never() {
                                self.on_pool_event(event);
                            }
                            Some(item)
                        }
                        None => tokio::select! {
                            biased;
                            stop = &mut until => break stop,
                            // Lines gathered while the writer was busy go out once it is free.
                            () = self.out.writable(), if self.out.pending() > 0 => None,
                            item = self.channel.next_item() => Some(item),
                            Some(event) = self.events.recv() => {
                                self.on_pool_event(event);
                                None
                            }
                        },
                    };
                    match waited {
                        Some(item) => item,
                        None => continue,
                    }
                }
            };
            match item {
                None => break Stop::Ended,
                Some(Ok(notification)) => {
                    self.write(notification.topic(), notification.raw());
                }
                Some(Err(error)) if error.is_fatal() => break Stop::Failed(error),
                Some(Err(error)) => self.warn(&error),
            }
        };
        // What was gathered is written whatever the reason to stop.
        match self.flush().await {
            Err(out) if !matches!(stop, Stop::OutputClosed | Stop::OutputFailed(_)) => out,
            _ => stop,
        }
    }

    /// Hands the gathered lines to the writer if it can take them now; waits for it only
    /// once [`GATHER_BYTES`] are gathered, so a writer thread that is slow to be scheduled
    /// does not stop the channel's buffer from being drained.
    async fn hand_off(&mut self) -> Result<(), Stop> {
        if self.out.pending() >= GATHER_BYTES {
            return self.flush().await;
        }
        if self.out.try_flush().map_err(output_stop)? {
            self.written.send_if_modified(|written| {
                let changed = *written != self.tally.notifications;
                *written = self.tally.notifications;
                changed
            });
        }
        Ok(())
    }

    /// Hands the gathered lines to stdout, waiting for the writer if it is busy.
    async fn flush(&mut self) -> Result<(), Stop> {
        self.written.send_if_modified(|written| {
            let changed = *written != self.tally.notifications;
            *written = self.tally.notifications;
            changed
        });
        self.out.flush().await.map_err(output_stop)
    }

    /// Closes the channel (close frame 1000) and returns the tally once everything written
    /// has reached stdout. With `flush`, the notifications already received are written
    /// first (after a signal or the deadline); without it they are discarded (after
    /// `--count`, which means exactly that many).
    pub(crate) async fn close(mut self, flush: bool) -> Tally {
        let close = async {
            self.channel.close().await;
            // Without `flush` whatever follows would be discarded: it is not read at all
            // (a busy channel may have megabytes in flight behind the close reply).
            if !flush {
                return;
            }
            while let Some(item) = self.channel.next_item().await {
                match item {
                    Ok(notification) => self.write(notification.topic(), notification.raw()),
                    Err(error) if !error.is_fatal() => self.warn(&error),
                    Err(_) => break,
                }
            }
        };
        if tokio::time::timeout(DRAIN_TIMEOUT, close).await.is_err() {
            tracing::warn!(
                event = "drain_timeout",
                "gave up waiting for buffered notifications after the close"
            );
        }
        // Not bounded in time: a reader that is slow is still a reader.
        if let Err(error) = self.out.finish().await
            && error.kind() != io::ErrorKind::BrokenPipe
        {
            tracing::warn!(event = "output_failed", "cannot write to stdout: {error}");
        }
        self.tally
    }

    /// Writes a notification, or a heartbeat (only ever an item with `--include-heartbeats`),
    /// into the batch.
    fn write(&mut self, topic: &str, frame: &str) {
        let heartbeat = topic == HEARTBEAT_TOPIC;
        if (heartbeat && !self.heartbeats) || (!heartbeat && !self.keeps(topic)) {
            return;
        }
        self.out.frame(frame);
        if heartbeat {
            self.tally.heartbeats += 1;
            return;
        }
        self.tally.notifications += 1;
        if !self.per_topic {
            return;
        }
        match self.tally.per_topic.get_mut(topic) {
            Some(n) => *n += 1,
            None => {
                self.tally.per_topic.insert(topic.to_owned(), 1);
            }
        }
    }

    /// A non-fatal error item: one stderr line.
    fn warn(&mut self, error: &genesys_notifications::Error) {
        match error.kind() {
            ErrorKind::Gap => {
                if let Some(gap) = error.gap_window() {
                    self.tally.gaps += 1;
                    self.tally.gap_time += gap.duration();
                    tracing::warn!(
                        event = "gap",
                        from = %timestamp(gap.from),
                        to = %timestamp(gap.to),
                        duration_ms = millis(gap.duration()),
                        topics = gap.topics.len(),
                        channel = error.pool_channel(),
                        "gap: no subscribed socket for {:?}; notifications in this window may be missing (back-fill from the REST API)",
                        gap.duration()
                    );
                }
            }
            ErrorKind::Lagged => {
                let dropped = error.dropped().unwrap_or(0);
                self.tally.dropped += dropped;
                tracing::warn!(
                    event = "lagged",
                    dropped,
                    "stdout is too slow: {dropped} notification(s) dropped"
                );
            }
            ErrorKind::ChannelExpiring => {
                tracing::warn!(event = "channel_expiring", reason = %error.reason(), "{error}");
            }
            _ => {
                if let Some(raw) = error.raw_frame() {
                    self.tally.malformed += 1;
                    tracing::warn!(
                        event = "malformed",
                        reason = %error.reason(),
                        raw = %String::from_utf8_lossy(raw),
                        "{error}"
                    );
                } else {
                    tracing::warn!(
                        event = "warning",
                        reason = %error.reason(),
                        channel = error.pool_channel(),
                        "{error}"
                    );
                }
            }
        }
    }

    /// A pool event: one stderr line.
    fn on_pool_event(&mut self, event: PoolEvent) {
        genesys_relay::logging::pool_event(event, self.pooled, |event| self.on_event(event));
    }

    /// A lifecycle event: one stderr line.
    fn on_event(&mut self, event: Event) {
        match event {
            Event::Reconnected { .. } => self.tally.reconnects += 1,
            Event::RolloverCompleted => self.tally.rollovers += 1,
            _ => {}
        }
        genesys_relay::logging::channel_event(&event);
    }
}

fn output_stop(error: io::Error) -> Stop {
    match error.kind() {
        io::ErrorKind::BrokenPipe => Stop::OutputClosed,
        _ => Stop::OutputFailed(error),
    }
}

/// A channel id shortened for logs: the id is the socket's only credential (whoever knows
/// it can connect and take the channel over), so stderr never carries it whole.
pub(crate) fn short_id(id: &str) -> String {
    match id.char_indices().nth(16) {
        Some((end, _)) => format!("{}…", &id[..end]),
        None => id.to_owned(),
    }
}

/// RFC 3339 with milliseconds, UTC.
pub(crate) fn timestamp(at: SystemTime) -> String {
    humantime::format_rfc3339_millis(at).to_string()
}

pub(crate) fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_ids_hide_the_rest() {
        assert_eq!(
            short_id("streaming-0-1tvypwwdkuzrderyr21vwn7pbn"),
            "streaming-0-1tvy…"
        );
        assert_eq!(short_id("short"), "short");
    }
}
