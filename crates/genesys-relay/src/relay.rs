//! The relay: a channel's items into JetStream, in order, at least once.
//!
//! # Invariants
//!
//! - `window` holds, in channel order, every message taken from the channel and not yet
//!   acknowledged by JetStream: nothing leaves it except by an acknowledgement (or by the
//!   bounded drain at shutdown, which reports what is left in the stop record).
//! - Acknowledgements are consumed in window order, so "acknowledged" always means
//!   "acknowledged together with everything received before".
//! - When `retry_at` is `None`, every message of the window has been published since the
//!   last failure and carries its acknowledgement future. When it is `Some`, nothing new is
//!   taken from the channel, and at `retry_at` the whole window is published again, in order,
//!   with the same `Nats-Msg-Id`s (JetStream drops the copies it already holds).
//! - The channel is read only while the window has room: when NATS is slow or away, the
//!   channel's own buffer fills behind the relay.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

use async_nats::HeaderMap;
use async_nats::jetstream::context::{PublishAckFuture, PublishErrorKind};
use async_nats::jetstream::message::PublishMessage;
use async_nats::jetstream::publish::PublishAck;
use async_nats::jetstream::{self, stream::Stream};
use bytes::Bytes;
use genesys_notifications::rest::{Pool, PoolEvent, PoolEvents};
use genesys_notifications::{Channel, ErrorKind, Event, Events, Notification};
use tokio::time::Instant;

use crate::error::RelayError;
use crate::metrics::Metrics;
use crate::options::{NatsOptions, RelayOptions};
use crate::record::{
    self, CHANNEL, GapReason, GapRecord, MSG_ID, RECEIVED_AT, RelayEvent, RelayRecord, TOPIC,
    header_text, timestamp,
};
use crate::stream::{Ensured, ensure_stream};
use crate::subject::{gap_subject, relay_subject, subject_of};

type AckFuture = Pin<
    Box<
        dyn Future<Output = Result<PublishAck, async_nats::jetstream::context::PublishError>>
            + Send,
    >,
>;

/// A relay connected to NATS, with its stream ensured. [`Relay::run`] moves a channel's
/// items into the stream.
///
/// ```no_run
/// use genesys_relay::{NatsOptions, Relay, RelayOptions};
///
/// # async fn demo(mut channel: genesys_notifications::Channel) -> Result<(), genesys_relay::RelayError> {
/// let mut relay = Relay::connect(&NatsOptions::new("nats://127.0.0.1:4222"), RelayOptions::default()).await?;
/// let stop = async { /* a shutdown signal */ };
/// let summary = relay.run(&mut channel, "ch1", stop).await?;
/// println!("{} acknowledged", summary.acked);
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Relay {
    client: async_nats::Client,
    js: jetstream::Context,
    stream: Stream,
    ensured: Ensured,
    options: RelayOptions,
    metrics: Arc<Metrics>,
    /// Distinguishes this run's own records from an earlier run's with the same relay id.
    nonce: u64,
    seq: u64,
}

/// What a [`Relay::run`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Summary {
    /// Notifications taken from the channel.
    pub received: u64,
    /// Notifications acknowledged by JetStream.
    pub acked: u64,
    /// Of those, acknowledgements marked duplicate.
    pub duplicates: u64,
    /// Gap records written.
    pub gaps: u64,
    /// Messages still unacknowledged when the drain timed out (normally 0).
    pub unacked: u64,
}

/// What a [`Relay::run`] reads: one channel, or a pool of channels carrying any number of
/// topics. `&mut Channel` and `&mut Pool` convert into it.
#[derive(Debug)]
pub enum Source<'a> {
    /// One channel (its gap records name the run's channel tag).
    Channel(&'a mut Channel),
    /// A channel pool (its gap records name the run's tag and the pool channel's index).
    Pool(&'a mut Pool),
}

impl<'a> From<&'a mut Channel> for Source<'a> {
    fn from(channel: &'a mut Channel) -> Self {
        Source::Channel(channel)
    }
}

impl<'a> From<&'a mut Pool> for Source<'a> {
    fn from(pool: &'a mut Pool) -> Self {
        Source::Pool(pool)
    }
}

impl Source<'_> {
    fn topics(&self) -> Vec<String> {
        match self {
            Source::Channel(channel) => channel.topics(),
            Source::Pool(pool) => pool.topics(),
        }
    }

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

    fn events(&self) -> SourceEvents {
        match self {
            Source::Channel(channel) => SourceEvents::Channel(channel.events()),
            Source::Pool(pool) => SourceEvents::Pool(pool.events()),
        }
    }
}

/// The lifecycle events of a [`Source`], as pool events (a lone channel is channel 0).
enum SourceEvents {
    Channel(Events),
    Pool(PoolEvents),
}

impl SourceEvents {
    async fn recv(&mut self) -> Option<PoolEvent> {
        match self {
            SourceEvents::Channel(events) => events
                .recv()
                .await
                .map(|event| PoolEvent::Channel { channel: 0, event }),
            SourceEvents::Pool(events) => events.recv().await,
        }
    }
}

/// One message of the window.
struct Pending {
    subject: String,
    message: PublishMessage,
    bytes: u64,
    /// When a notification was received; `None` for the relay's own records.
    received_at: Option<SystemTime>,
    checkpoint: bool,
    ack: Option<AckFuture>,
}

impl Relay {
    /// Connects to NATS and makes sure the stream exists (see [`ensure_stream`]).
    ///
    /// # Errors
    ///
    /// [`RelayError::Connect`], [`RelayError::InvalidOption`], [`RelayError::StreamConflict`]
    /// or [`RelayError::JetStream`].
    pub async fn connect(nats: &NatsOptions, options: RelayOptions) -> Result<Relay, RelayError> {
        options.stream.validate()?;
        if options.relay_id.is_empty() {
            return Err(RelayError::InvalidOption("the relay id is empty".into()));
        }
        let metrics = Arc::new(Metrics::default());
        let events = Arc::clone(&metrics);
        let connected_once = Arc::new(AtomicBool::new(false));
        let client = nats
            .connect(move |event| match event {
                async_nats::Event::Connected => {
                    events.nats_connected.store(true, Ordering::Relaxed);
                    if connected_once.swap(true, Ordering::Relaxed) {
                        Metrics::add(&events.nats_reconnects, 1);
                        tracing::info!(event = "nats_reconnected", "reconnected to NATS");
                    }
                }
                async_nats::Event::Disconnected => {
                    events.nats_connected.store(false, Ordering::Relaxed);
                    tracing::warn!(
                        event = "nats_disconnected",
                        "disconnected from NATS; reconnecting"
                    );
                }
                async_nats::Event::LameDuckMode => {
                    tracing::info!(
                        event = "nats_lame_duck",
                        "the NATS server is shutting down (lame duck)"
                    );
                }
                other => tracing::debug!(event = "nats", "NATS: {other}"),
            })
            .await?;
        metrics.nats_connected.store(
            client.connection_state() == async_nats::connection::State::Connected,
            Ordering::Relaxed,
        );
        let js = jetstream::ContextBuilder::new()
            .timeout(options.ack_timeout)
            // Room for the window plus the copies abandoned by a retry.
            .max_ack_inflight(options.max_in_flight.max(1).saturating_mul(4))
            .backpressure_on_inflight(true)
            .build(client.clone());
        let (stream, ensured) = ensure_stream(&js, &options.stream).await?;
        Ok(Relay {
            client,
            js,
            stream,
            ensured,
            options,
            metrics,
            nonce: fastrand::u64(..),
            seq: 0,
        })
    }

    /// The counters (shared; pass them to [`crate::metrics::serve`]).
    pub fn metrics(&self) -> Arc<Metrics> {
        Arc::clone(&self.metrics)
    }

    /// Whether the stream was created by this relay or existed.
    pub fn ensured(&self) -> Ensured {
        self.ensured
    }

    /// The NATS client.
    pub fn client(&self) -> &async_nats::Client {
        &self.client
    }

    /// Relays `source` (a `&mut Channel` or a `&mut Pool`) until it ends or `until` resolves.
    ///
    /// Writes a start record, and first a `relay_restarted` gap record when this relay id's
    /// last record is not a stop record (the previous run did not finish). Then every
    /// notification goes to `<prefix>.<topic>` with its headers, every gap, lag and
    /// malformed frame to `<prefix>._gap`, and a checkpoint record every
    /// [`RelayOptions::checkpoint_interval`]. When `until` resolves, the channel is closed,
    /// what it had buffered is relayed, the stop record written, and the acknowledgements
    /// awaited for at most [`RelayOptions::drain_timeout`].
    ///
    /// `channel_tag` names the channel (or pool) in `Genesys-Channel` headers and records,
    /// after the relay id; never pass the channel id itself (it is the socket's credential).
    /// A gap of one pool channel is recorded as `<relay id>/<channel tag>/<pool channel index>`.
    ///
    /// # Errors
    ///
    /// [`RelayError::Channel`] when the channel failed for good (after the drain).
    pub async fn run(
        &mut self,
        source: impl Into<Source<'_>>,
        channel_tag: &str,
        until: impl Future<Output = ()>,
    ) -> Result<Summary, RelayError> {
        let mut source = source.into();
        let mut run = Run {
            relay: self,
            channel_name: String::new(),
            pooled: matches!(source, Source::Pool(_)),
            topics: source.topics(),
            window: VecDeque::new(),
            retry_at: None,
            backoff: Duration::ZERO,
            summary: Summary::default(),
        };
        run.channel_name = header_text(&format!("{}/{channel_tag}", run.relay.options.relay_id));
        run.backoff = run.relay.options.retry_min;
        run.relay.metrics.running.store(true, Ordering::Relaxed);
        run.report_previous_run().await;
        let start = run.relay_record(RelayEvent::Start, None);
        run.push(start).await;
        tracing::info!(
            event = "relaying",
            stream = %run.relay.options.stream.name,
            prefix = %run.relay.options.stream.prefix,
            relay = %run.relay.options.relay_id,
            topics = run.topics.len(),
            "relaying {} topic(s) into stream {}",
            run.topics.len(),
            run.relay.options.stream.name
        );
        let result = run.pump(&mut source, until).await;
        run.relay.metrics.running.store(false, Ordering::Relaxed);
        run.summary.unacked = run.window.len() as u64;
        let summary = run.summary.clone();
        result.map(|()| summary)
    }
}

/// The state of one [`Relay::run`].
struct Run<'a> {
    relay: &'a mut Relay,
    channel_name: String,
    /// Whether the source is a pool (gap records then name the pool channel).
    pooled: bool,
    topics: Vec<String>,
    window: VecDeque<Pending>,
    retry_at: Option<Instant>,
    backoff: Duration,
    summary: Summary,
}

/// Resolves with the acknowledgement of the window's first message, or never.
async fn front_ack(
    window: &mut VecDeque<Pending>,
) -> Result<PublishAck, async_nats::jetstream::context::PublishError> {
    match window.front_mut().and_then(|p| p.ack.as_mut()) {
        Some(ack) => ack.await,
        None => std::future::pending().await,
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

impl Run<'_> {
    async fn pump(
        &mut self,
        channel: &mut Source<'_>,
        until: impl Future<Output = ()>,
    ) -> Result<(), RelayError> {
        tokio::pin!(until);
        let mut events = channel.events();
        let period = self
            .relay
            .options
            .checkpoint_interval
            .max(Duration::from_millis(10));
        let mut checkpoints = tokio::time::interval_at(Instant::now() + period, period);
        let mut stopping = false;
        let mut channel_done = false;
        let mut stop_sent = false;
        let mut drain_deadline: Option<Instant> = None;
        let mut failure: Option<genesys_notifications::Error> = None;
        let max = self.relay.options.max_in_flight.max(1);
        loop {
            if channel_done && !stop_sent {
                let stop = self.relay_record(RelayEvent::Stop, None);
                self.push(stop).await;
                stop_sent = true;
                drain_deadline.get_or_insert(Instant::now() + self.relay.options.drain_timeout);
            }
            if stop_sent && self.window.is_empty() {
                break;
            }
            let can_read = !channel_done && self.retry_at.is_none() && self.window.len() < max;
            let awaiting =
                self.retry_at.is_none() && self.window.front().is_some_and(|p| p.ack.is_some());
            tokio::select! {
                biased;
                () = &mut until, if !stopping => {
                    stopping = true;
                    drain_deadline = Some(Instant::now() + self.relay.options.drain_timeout);
                    tracing::info!(event = "stopping", in_flight = self.window.len(), "stopping: closing the channel and relaying what it holds");
                    channel.close().await;
                }
                () = sleep_until(drain_deadline) => {
                    tracing::warn!(
                        event = "drain_timeout",
                        unacked = self.window.len(),
                        "gave up waiting for {} acknowledgement(s)",
                        self.window.len()
                    );
                    break;
                }
                ack = front_ack(&mut self.window), if awaiting => self.on_ack(ack),
                () = sleep_until(self.retry_at) => self.republish().await,
                item = channel.next_item(), if can_read => match item {
                    None => channel_done = true,
                    Some(Ok(notification)) => self.on_notification(&notification).await,
                    Some(Err(error)) if error.is_fatal() => {
                        tracing::error!(event = "channel_failed", reason = %error.reason(), "the channel failed: {error}");
                        failure = Some(error);
                        channel_done = true;
                    }
                    Some(Err(error)) => self.on_warning(&error).await,
                },
                Some(event) = events.recv() => self.on_pool_event(event),
                _ = checkpoints.tick(), if !stop_sent => {
                    if !self.window.iter().any(|p| p.checkpoint) {
                        let record = self.relay_record(RelayEvent::Checkpoint, None);
                        self.push(record).await;
                    }
                }
            }
        }
        match failure {
            Some(error) => Err(RelayError::Channel(error)),
            None => Ok(()),
        }
    }

    /// Reports the previous run of this relay id when it did not end with a stop record.
    async fn report_previous_run(&mut self) {
        let subject = relay_subject(
            &self.relay.options.stream.prefix,
            &self.relay.options.relay_id,
        );
        let last = match self
            .relay
            .stream
            .get_last_raw_message_by_subject(&subject)
            .await
        {
            Ok(message) => message,
            Err(error) => {
                use async_nats::jetstream::stream::LastRawMessageErrorKind;
                if error.kind() != LastRawMessageErrorKind::NoMessageFound {
                    tracing::warn!(
                        event = "previous_run_unknown",
                        "cannot read this relay's last record: {error}"
                    );
                }
                return;
            }
        };
        let previous: RelayRecord = match serde_json::from_slice(&last.payload) {
            Ok(record) => record,
            Err(error) => {
                tracing::warn!(
                    event = "previous_run_unknown",
                    "this relay's last record is unreadable: {error}"
                );
                return;
            }
        };
        if previous.event == RelayEvent::Stop {
            return;
        }
        let mut gap = GapRecord::new(
            SystemTime::now(),
            SystemTime::now(),
            previous.topics.clone(),
            previous.channel.clone(),
            GapReason::RelayRestarted,
        );
        gap.from = previous.watermark.clone();
        tracing::warn!(
            event = "gap",
            reason = "relay_restarted",
            from = %gap.from,
            to = %gap.to,
            "the previous run of relay {} did not stop cleanly: notifications since {} may be missing (back-fill from the REST API)",
            self.relay.options.relay_id,
            gap.from
        );
        let pending = self.gap_pending(&gap);
        self.push(pending).await;
    }

    async fn on_notification(&mut self, notification: &Notification) {
        let received_at = SystemTime::now();
        Metrics::add(&self.relay.metrics.received, 1);
        self.summary.received += 1;
        let topic = notification.topic();
        let id = record::message_id(
            topic,
            notification.correlation_id(),
            notification.body_raw(),
        );
        let mut headers = HeaderMap::new();
        headers.insert(MSG_ID, id.as_str());
        headers.insert(TOPIC, header_text(topic).as_str());
        headers.insert(RECEIVED_AT, timestamp(received_at).as_str());
        headers.insert(CHANNEL, self.channel_name.as_str());
        let payload = Bytes::copy_from_slice(notification.raw().as_bytes());
        let bytes = payload.len() as u64;
        let pending = Pending {
            subject: subject_of(&self.relay.options.stream.prefix, topic),
            message: PublishMessage::build().payload(payload).headers(headers),
            bytes,
            received_at: Some(received_at),
            checkpoint: false,
            ack: None,
        };
        self.push(pending).await;
    }

    /// Gaps, lag and malformed frames become gap records; other warnings are logged.
    async fn on_warning(&mut self, error: &genesys_notifications::Error) {
        let now = SystemTime::now();
        let record = match error.kind() {
            ErrorKind::Gap => {
                let Some(gap) = error.gap_window() else {
                    return;
                };
                tracing::warn!(
                    event = "gap",
                    from = %timestamp(gap.from),
                    to = %timestamp(gap.to),
                    duration_ms = u64::try_from(gap.duration().as_millis()).unwrap_or(u64::MAX),
                    topics = gap.topics.len(),
                    "gap: no subscribed socket for {:?}; notifications in this window may be missing (back-fill from the REST API)",
                    gap.duration()
                );
                GapRecord::new(
                    gap.from,
                    gap.to,
                    gap.topics.clone(),
                    self.source_name(error),
                    GapReason::Disconnected,
                )
            }
            ErrorKind::Lagged => {
                let dropped = error.dropped().unwrap_or(0);
                Metrics::add(&self.relay.metrics.lagged, dropped);
                tracing::warn!(
                    event = "lagged",
                    dropped,
                    "the channel dropped {dropped} notification(s): NATS did not keep up and the channel's buffer was full"
                );
                let mut gap = GapRecord::new(
                    now,
                    now,
                    self.topics.clone(),
                    self.source_name(error),
                    GapReason::Lagged,
                );
                gap.dropped = Some(dropped);
                gap
            }
            _ => match error.raw_frame() {
                Some(raw) => {
                    let raw = String::from_utf8_lossy(raw).into_owned();
                    tracing::warn!(event = "malformed", reason = %error.reason(), raw = %raw, "{error}");
                    let mut gap = GapRecord::new(
                        now,
                        now,
                        self.topics.clone(),
                        self.source_name(error),
                        GapReason::Malformed,
                    );
                    gap.raw = Some(raw);
                    gap
                }
                None => {
                    tracing::warn!(event = "warning", reason = %error.reason(), "{error}");
                    return;
                }
            },
        };
        let pending = self.gap_pending(&record);
        self.push(pending).await;
    }

    /// The name of the channel an error came from: the run's channel name, followed for a
    /// pool by the pool channel's index.
    fn source_name(&self, error: &genesys_notifications::Error) -> String {
        match error.pool_channel() {
            Some(index) if self.pooled => format!("{}/{index}", self.channel_name),
            _ => self.channel_name.clone(),
        }
    }

    fn on_pool_event(&mut self, event: PoolEvent) {
        crate::logging::pool_event(event, self.pooled, |event| self.on_event(event));
    }

    fn on_event(&mut self, event: Event) {
        if let Event::Reconnected { .. } = event {
            Metrics::add(&self.relay.metrics.channel_reconnects, 1);
        }
        crate::logging::channel_event(&event);
    }

    fn gap_pending(&mut self, gap: &GapRecord) -> Pending {
        Metrics::add(&self.relay.metrics.gaps, 1);
        self.summary.gaps += 1;
        let id = format!(
            "_gap|{}|{}|{}|{:?}",
            self.relay.options.relay_id, gap.from, gap.to, gap.reason
        );
        let id = match gap.reason {
            // Several of these can share an instant.
            GapReason::Lagged | GapReason::Malformed | GapReason::TooLarge => {
                let seq = self.next_seq();
                format!("{id}|{seq}")
            }
            _ => id,
        };
        self.control(
            gap_subject(&self.relay.options.stream.prefix),
            &id,
            gap,
            false,
        )
    }

    fn relay_record(&mut self, event: RelayEvent, unacked: Option<u64>) -> Pending {
        let now = SystemTime::now();
        // Everything received before the oldest unacknowledged notification is in the
        // stream once this record is (acknowledgements are consumed in order).
        let watermark = self
            .window
            .iter()
            .find_map(|p| p.received_at)
            .unwrap_or(now);
        let record = RelayRecord {
            event,
            relay: self.relay.options.relay_id.clone(),
            at: timestamp(now),
            watermark: timestamp(watermark),
            channel: self.channel_name.clone(),
            topics: self.topics.clone(),
            host: crate::options::default_relay_id(),
            pid: std::process::id(),
            unacked,
        };
        let seq = self.next_seq();
        let id = format!(
            "_relay|{}|{:016x}|{seq}",
            self.relay.options.relay_id, self.relay.nonce
        );
        let subject = relay_subject(
            &self.relay.options.stream.prefix,
            &self.relay.options.relay_id,
        );
        self.control(subject, &id, &record, event == RelayEvent::Checkpoint)
    }

    fn next_seq(&mut self) -> u64 {
        self.relay.seq += 1;
        self.relay.seq
    }

    fn control(
        &self,
        subject: String,
        id: &str,
        record: &impl serde::Serialize,
        checkpoint: bool,
    ) -> Pending {
        let payload = Bytes::from(serde_json::to_vec(record).unwrap_or_default());
        let mut headers = HeaderMap::new();
        headers.insert(MSG_ID, header_text(id).as_str());
        headers.insert(CHANNEL, self.channel_name.as_str());
        Pending {
            subject,
            bytes: payload.len() as u64,
            message: PublishMessage::build().payload(payload).headers(headers),
            received_at: None,
            checkpoint,
            ack: None,
        }
    }

    /// Appends to the window, publishing at once unless a retry is pending.
    async fn push(&mut self, mut pending: Pending) {
        Metrics::add(&self.relay.metrics.in_flight, 1);
        Metrics::add(&self.relay.metrics.buffer_bytes, pending.bytes);
        if self.retry_at.is_none() {
            match self.publish(&mut pending).await {
                Ok(ack) => pending.ack = Some(ack),
                Err(error) => self.failed(&error.to_string()),
            }
        }
        self.window.push_back(pending);
    }

    /// Publishes one message. A notification larger than the server accepts is replaced by
    /// a `too_large` gap record in its place.
    async fn publish(
        &mut self,
        pending: &mut Pending,
    ) -> Result<AckFuture, async_nats::jetstream::context::PublishError> {
        Metrics::add(&self.relay.metrics.published, 1);
        match self
            .relay
            .js
            .send_publish(pending.subject.clone(), pending.message.clone())
            .await
        {
            Ok(ack) => Ok(into_ack(ack)),
            Err(error)
                if error.kind() == PublishErrorKind::MaxPayloadExceeded
                    && pending.received_at.is_some() =>
            {
                let now = SystemTime::now();
                let topic =
                    crate::subject::topic_of(&self.relay.options.stream.prefix, &pending.subject)
                        .unwrap_or_else(|| pending.subject.clone());
                tracing::error!(event = "too_large", topic = %topic, bytes = pending.bytes, "a notification is larger than the NATS server accepts: not relayed, reported on the gap subject");
                let mut gap = GapRecord::new(
                    now,
                    now,
                    self.topics.clone(),
                    self.channel_name.clone(),
                    GapReason::TooLarge,
                );
                gap.topic = Some(topic);
                let replacement = self.gap_pending(&gap);
                let old_bytes = pending.bytes;
                *pending = replacement;
                self.relay
                    .metrics
                    .buffer_bytes
                    .fetch_sub(old_bytes.saturating_sub(pending.bytes), Ordering::Relaxed);
                Box::pin(self.publish(pending)).await
            }
            Err(error) => Err(error),
        }
    }

    fn on_ack(&mut self, ack: Result<PublishAck, async_nats::jetstream::context::PublishError>) {
        match ack {
            Ok(ack) => {
                let Some(done) = self.window.pop_front() else {
                    return;
                };
                self.relay.metrics.in_flight.fetch_sub(1, Ordering::Relaxed);
                self.relay
                    .metrics
                    .buffer_bytes
                    .fetch_sub(done.bytes, Ordering::Relaxed);
                self.backoff = self.relay.options.retry_min;
                if done.received_at.is_some() {
                    Metrics::add(&self.relay.metrics.acked, 1);
                    self.summary.acked += 1;
                    if ack.duplicate {
                        Metrics::add(&self.relay.metrics.duplicates, 1);
                        self.summary.duplicates += 1;
                    }
                }
            }
            Err(error) => self.failed(&error.to_string()),
        }
    }

    /// A publication or acknowledgement failed: everything in the window is published
    /// again, in order, after the backoff.
    fn failed(&mut self, why: &str) {
        for pending in &mut self.window {
            pending.ack = None;
        }
        if self.retry_at.is_none() {
            tracing::warn!(
                event = "publish_failed",
                in_flight = self.window.len() + 1,
                retry_in_ms = u64::try_from(self.backoff.as_millis()).unwrap_or(u64::MAX),
                "publishing to JetStream failed ({why}); retrying in {:?}",
                self.backoff
            );
        }
        self.retry_at = Some(Instant::now() + self.backoff);
        self.backoff = (self.backoff * 2).min(self.relay.options.retry_max);
    }

    async fn republish(&mut self) {
        self.retry_at = None;
        let mut window = std::mem::take(&mut self.window);
        for pending in &mut window {
            Metrics::add(&self.relay.metrics.retried, 1);
            match self.publish(pending).await {
                Ok(ack) => pending.ack = Some(ack),
                Err(error) => {
                    self.window = window;
                    self.failed(&error.to_string());
                    return;
                }
            }
        }
        self.window = window;
    }
}

fn into_ack(ack: PublishAckFuture) -> AckFuture {
    Box::pin(std::future::IntoFuture::into_future(ack))
}
