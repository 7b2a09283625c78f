//! The user-facing channel: a [`Stream`] of notifications plus control.
//!
//! # Design
//!
//! One background task (the driver) per channel owns the socket(s), the timers and the
//! reconnects. It hands notifications to the [`Channel`] through a buffer bounded by bytes
//! with an explicit [`Overflow`](crate::Overflow) policy (by default back-pressure: reading
//! pauses while the buffer is full); non-fatal problems (malformed frames, gaps, lag,
//! expiry warnings) are items of the same stream, placed where they happened. Control calls
//! go to the driver as commands over a bounded queue, each with a one-shot reply.
//!
//! The [`Channel`] is the stream and the owner: dropping it closes the socket (no runtime is
//! needed for that: it only cancels a token). A [`ChannelHandle`] is a cheap clone of the
//! control half, usable from other tasks while the channel is consumed elsewhere.

use std::fmt;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use futures_core::Stream;
use tokio::sync::{mpsc, oneshot, watch};
use tokio_util::sync::{CancellationToken, DropGuard};

use crate::current::CurrentChannel;
use crate::error::Error;
pub(crate) use crate::event::SharedStats;
pub(crate) use crate::event::{Event, State, Stats};
use crate::notification::Notification;
use crate::queue;

/// Fan-out of lifecycle events to every [`Events`] stream.
#[derive(Debug, Default)]
pub(crate) struct EventHub {
    inner: Mutex<HubInner>,
}

#[derive(Debug, Default)]
struct HubInner {
    subscribers: Vec<mpsc::Sender<Event>>,
    /// The events of the start (until the channel is handed to the caller), at most
    /// [`START_EVENTS`]: replayed by [`EventHub::subscribe_from_start`].
    start: Vec<Event>,
    /// The start is over: nothing more is added to `start`.
    started: bool,
    /// The channel is closed: no more events, new streams end at once.
    closed: bool,
}

impl EventHub {
    pub(crate) fn emit(&self, event: Event) {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if !inner.started && inner.start.len() < START_EVENTS {
            inner.start.push(event.clone());
        }
        inner
            .subscribers
            .retain(|tx| match tx.try_send(event.clone()) {
                Ok(()) => true,
                Err(mpsc::error::TrySendError::Full(_)) => true,
                Err(mpsc::error::TrySendError::Closed(_)) => false,
            });
    }

    /// The channel is handed to the caller: the start's events are complete.
    pub(crate) fn start_over(&self) {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).started = true;
    }

    fn subscribe(&self) -> Events {
        self.subscribe_with(false)
    }

    fn subscribe_from_start(&self) -> Events {
        self.subscribe_with(true)
    }

    fn subscribe_with(&self, replay: bool) -> Events {
        let (tx, rx) = mpsc::channel(EVENTS_CAPACITY);
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if replay {
            for event in &inner.start {
                // START_EVENTS < EVENTS_CAPACITY: always room.
                let _ = tx.try_send(event.clone());
            }
        }
        // Once closed, the channel has no subscribers: the stream ends after the replay.
        if !inner.closed {
            inner.subscribers.push(tx);
        }
        Events { rx }
    }

    pub(crate) fn close(&self) {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner.subscribers.clear();
        inner.started = true;
        inner.closed = true;
    }
}

const EVENTS_CAPACITY: usize = 256;
/// Events of the start kept for [`ChannelHandle::events_from_start`].
const START_EVENTS: usize = 32;
const _: () = assert!(START_EVENTS < EVENTS_CAPACITY);

/// A stream of lifecycle [`Event`]s, from the moment it was created. Ends when the channel
/// is closed. Holds up to 256 unread events; later ones are dropped until it is read.
#[derive(Debug)]
pub struct Events {
    rx: mpsc::Receiver<Event>,
}

impl Events {
    /// The next event, or `None` once the channel is closed.
    pub async fn recv(&mut self) -> Option<Event> {
        self.rx.recv().await
    }
}

impl Stream for Events {
    type Item = Event;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Event>> {
        self.rx.poll_recv(cx)
    }
}

/// A control request to the driver.
#[derive(Debug)]
pub(crate) enum Command {
    Ping(oneshot::Sender<Result<Duration, Error>>),
    Close(oneshot::Sender<()>),
    Extend(oneshot::Sender<Result<(), Error>>),
    Rollover(url::Url, oneshot::Sender<Result<(), Error>>),
    Subscribe(Vec<String>, oneshot::Sender<Result<(), Error>>),
    Unsubscribe(Vec<String>, oneshot::Sender<Result<(), Error>>),
    Reconnect(oneshot::Sender<Result<(), Error>>),
}

/// A cheap, cloneable control handle of a [`Channel`].
///
/// All its methods fail with an [`ErrorKind::Closed`](crate::ErrorKind::Closed) error once
/// the channel is closed or dropped.
#[derive(Clone)]
pub struct ChannelHandle {
    pub(crate) commands: mpsc::Sender<Command>,
    pub(crate) state: watch::Receiver<State>,
    pub(crate) events: Arc<EventHub>,
    pub(crate) stats: Arc<SharedStats>,
    pub(crate) allow_plain_ws: bool,
    pub(crate) topics: Arc<Mutex<Vec<String>>>,
    pub(crate) buffer: queue::Gauge,
    pub(crate) current: watch::Receiver<CurrentChannel>,
}

impl fmt::Debug for ChannelHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChannelHandle")
            .field("state", &*self.state.borrow())
            .finish_non_exhaustive()
    }
}

impl ChannelHandle {
    async fn request<T>(
        &self,
        make: impl FnOnce(oneshot::Sender<Result<T, Error>>) -> Command,
    ) -> Result<T, Error> {
        let (tx, rx) = oneshot::channel();
        self.commands
            .send(make(tx))
            .await
            .map_err(|_| Error::closed())?;
        rx.await.unwrap_or_else(|_| Err(Error::closed()))
    }

    /// Sends `{"message":"ping"}` and resolves with the round-trip time when the pong arrives.
    ///
    /// # Errors
    ///
    /// [`Reason::Timeout`](crate::Reason::Timeout) when no pong arrives within the ping timeout (the channel itself
    /// goes on; the heartbeat watchdog decides about the socket), or a closed channel.
    pub async fn ping(&self) -> Result<Duration, Error> {
        self.request(Command::Ping).await
    }

    /// Closes the channel: close frame 1000 on the socket, then the stream ends after what
    /// is already buffered. Resolves once the service answered the close frame, or after
    /// [`ConnectOptions::close_timeout`](crate::ConnectOptions::close_timeout) (1 s by
    /// default; zero: as soon as the close frame is written).
    pub async fn close(&self) {
        let (tx, rx) = oneshot::channel();
        if self.commands.send(Command::Close(tx)).await.is_ok() {
            let _ = rx.await;
        }
    }

    /// Extends the channel's lifetime now (re-subscribes every topic).
    ///
    /// # Errors
    ///
    /// A non-fatal [`ErrorKind::LifetimeExtension`](crate::ErrorKind::LifetimeExtension)
    /// error when the service refused or did not confirm.
    pub async fn extend(&self) -> Result<(), Error> {
        self.request(Command::Extend).await
    }

    /// Switches to another channel: opens and subscribes `uri`, then drains and closes the
    /// old socket. The stream goes on in order, without loss and without duplicates
    /// (notifications delivered by both channels during the overlap are recognised by their
    /// correlation id, or by topic and body). Resolves once the old socket is gone.
    ///
    /// # Errors
    ///
    /// A [`ErrorKind::Rollover`](crate::ErrorKind::Rollover) error when the new channel could
    /// not be opened or subscribed; the channel then goes on on the old socket.
    pub async fn rollover(&self, uri: &str) -> Result<(), Error> {
        let url = crate::uri::parse_uri(uri, self.allow_plain_ws)
            .map_err(|e| e.into_kind(crate::ErrorKind::Rollover))?;
        self.request(|tx| Command::Rollover(url, tx)).await
    }

    /// Adds topics to the subscription (the complete set is re-sent) and waits for the
    /// confirmation.
    ///
    /// # Errors
    ///
    /// A non-fatal [`ErrorKind::Subscription`](crate::ErrorKind::Subscription) error when a
    /// topic is invalid or the service refused. When the service refused only some topics
    /// (managed mode), the others are subscribed, the refused ones dropped from
    /// [`ChannelHandle::topics`], and the error ([`Reason::SubscriptionRejected`](crate::Reason::SubscriptionRejected)) names
    /// each refused topic with the service's reason.
    pub async fn subscribe<I, T>(&self, topics: I) -> Result<(), Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<String>,
    {
        let topics: Vec<String> = topics.into_iter().map(Into::into).collect();
        for t in &topics {
            crate::topic::validate(t).map_err(Error::non_fatal)?;
        }
        self.request(|tx| Command::Subscribe(topics, tx)).await
    }

    /// Removes topics from the subscription and waits until the service has the new set.
    /// Managed channels only (feature `rest`): the socket protocol has no unsubscribe
    /// message. Unknown topics are ignored.
    ///
    /// # Errors
    ///
    /// A non-fatal [`ErrorKind::Subscription`](crate::ErrorKind::Subscription) error in URI
    /// mode, or when the service refused the new set (the topics stay removed from the
    /// desired set and the next subscription applies it).
    pub async fn unsubscribe<I, T>(&self, topics: I) -> Result<(), Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<String>,
    {
        let topics: Vec<String> = topics.into_iter().map(Into::into).collect();
        self.request(|tx| Command::Unsubscribe(topics, tx)).await
    }

    /// Abandons the current socket and reconnects (with the same resubscription and gap
    /// accounting as after an unexpected drop).
    ///
    /// # Errors
    ///
    /// A closed channel.
    pub async fn force_reconnect(&self) -> Result<(), Error> {
        self.request(Command::Reconnect).await
    }

    /// The current state.
    pub fn state(&self) -> State {
        *self.state.borrow()
    }

    /// Waits until the state satisfies `pred`, returning it; `None` if the channel is gone.
    pub async fn wait_for_state(&self, mut pred: impl FnMut(State) -> bool) -> Option<State> {
        let mut rx = self.state.clone();
        rx.wait_for(|s| pred(*s)).await.ok().map(|s| *s)
    }

    /// A new stream of lifecycle events, starting now.
    pub fn events(&self) -> Events {
        self.events.subscribe()
    }

    /// A new stream of lifecycle events that begins with the events of the channel's start,
    /// then goes on as [`ChannelHandle::events`] from now on. The start is everything until
    /// the channel was handed to you by `connect` (the first [`Event::Connected`] and
    /// [`Event::Subscribed`], refused topics, heartbeats if enabled), at most 32 events
    /// (later ones are not kept). Events between the end of the start and this call are not
    /// in it: call it right after connecting to see every event.
    ///
    /// ```
    /// use futures_util::StreamExt;
    /// use genesys_notifications::Event;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let sim = genesys_sim::Simulator::start(genesys_sim::SimConfig::default()).await?;
    /// # let uri = sim.create_channel("demo-client").connect_uri;
    /// let channel = genesys_notifications::connect(&uri, ["v2.users.42.presence"]).await?;
    /// let mut events = channel.events_from_start();
    /// assert_eq!(events.next().await, Some(Event::Connected));
    /// assert_eq!(events.next().await, Some(Event::Subscribed { topics: 1 }));
    /// # Ok(()) }
    /// ```
    pub fn events_from_start(&self) -> Events {
        self.events.subscribe_from_start()
    }

    /// Counters.
    pub fn stats(&self) -> Stats {
        self.stats.snapshot(&self.buffer)
    }

    /// The topics currently subscribed (as given, combined topics unexpanded).
    pub fn topics(&self) -> Vec<String> {
        self.topics
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The service channel the stream is on now (id, connect URI, expiry); see
    /// [`CurrentChannel`] for when it changes.
    pub fn current_channel(&self) -> CurrentChannel {
        self.current.borrow().clone()
    }
}

/// A subscribed notification channel: a [`Stream`] of `Result<Notification, Error>`.
///
/// * `Ok(notification)` — a topic notification, in the order the service sent it.
/// * `Err(e)` with `!e.is_fatal()` — something you should know and the stream goes on: a
///   malformed frame (with its raw bytes), a [`Gap`](crate::Gap), a lagging consumer, an expiry warning.
/// * `Err(e)` with `e.is_fatal()` — the last item; the stream ends after it.
///
/// The control methods are those of [`ChannelHandle`], also available here; use
/// [`Channel::handle`] to control the channel from another task while this one is consumed.
/// Dropping the channel closes the socket.
///
/// # Examples
///
/// ```
/// use futures_util::StreamExt;
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let sim = genesys_sim::Simulator::start(genesys_sim::SimConfig::default()).await?;
/// # let uri = sim.create_channel("demo-client").connect_uri;
/// let mut channel = genesys_notifications::connect(&uri, ["v2.users.42.presence"]).await?;
/// let handle = channel.handle(); // control from anywhere while the stream is consumed
/// let pinger = tokio::spawn(async move { handle.ping().await });
/// # sim.publish("v2.users.42.presence", serde_json::json!({"n": 1}));
/// if let Some(item) = channel.next().await {
///     let n = item?;
///     println!("{}: {}", n.topic(), n.body_raw());
/// }
/// println!("round trip {:?}", pinger.await??);
/// channel.close().await;
/// assert!(channel.next().await.is_none());
/// # Ok(()) }
/// ```
pub struct Channel {
    pub(crate) rx: queue::Receiver,
    pub(crate) handle: ChannelHandle,
    pub(crate) _guard: DropGuard,
}

impl fmt::Debug for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Channel")
            .field("state", &self.handle.state())
            .field("buffered", &self.rx.len())
            .finish()
    }
}

impl Channel {
    pub(crate) fn new(
        rx: queue::Receiver,
        handle: ChannelHandle,
        cancel: CancellationToken,
    ) -> Self {
        Channel {
            rx,
            handle,
            _guard: cancel.drop_guard(),
        }
    }

    /// A cloneable control handle.
    pub fn handle(&self) -> ChannelHandle {
        self.handle.clone()
    }

    /// Notifications buffered and not yet consumed.
    pub fn buffered_len(&self) -> usize {
        self.rx.len()
    }

    /// See [`ChannelHandle::ping`].
    ///
    /// # Errors
    ///
    /// See [`ChannelHandle::ping`].
    pub async fn ping(&self) -> Result<Duration, Error> {
        self.handle.ping().await
    }

    /// See [`ChannelHandle::close`]. The stream ends after what is already buffered.
    pub async fn close(&self) {
        self.handle.close().await;
    }

    /// See [`ChannelHandle::extend`].
    ///
    /// # Errors
    ///
    /// See [`ChannelHandle::extend`].
    pub async fn extend(&self) -> Result<(), Error> {
        self.handle.extend().await
    }

    /// See [`ChannelHandle::rollover`]. Keep consuming the stream (from another task or with
    /// `select!`) while this runs, or the buffer may fill.
    ///
    /// # Errors
    ///
    /// See [`ChannelHandle::rollover`].
    pub async fn rollover(&self, uri: &str) -> Result<(), Error> {
        self.handle.rollover(uri).await
    }

    /// See [`ChannelHandle::subscribe`].
    ///
    /// # Errors
    ///
    /// See [`ChannelHandle::subscribe`].
    pub async fn subscribe<I, T>(&self, topics: I) -> Result<(), Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<String>,
    {
        self.handle.subscribe(topics).await
    }

    /// See [`ChannelHandle::unsubscribe`].
    ///
    /// # Errors
    ///
    /// See [`ChannelHandle::unsubscribe`].
    pub async fn unsubscribe<I, T>(&self, topics: I) -> Result<(), Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<String>,
    {
        self.handle.unsubscribe(topics).await
    }

    /// The current state.
    pub fn state(&self) -> State {
        self.handle.state()
    }

    /// A new stream of lifecycle events, starting now.
    pub fn events(&self) -> Events {
        self.handle.events()
    }

    /// See [`ChannelHandle::events_from_start`].
    pub fn events_from_start(&self) -> Events {
        self.handle.events_from_start()
    }

    /// Counters.
    pub fn stats(&self) -> Stats {
        self.handle.stats()
    }

    /// The topics currently subscribed (as given, combined topics unexpanded).
    pub fn topics(&self) -> Vec<String> {
        self.handle.topics()
    }

    /// See [`ChannelHandle::current_channel`].
    pub fn current_channel(&self) -> CurrentChannel {
        self.handle.current_channel()
    }

    /// The next item; `None` once the stream has ended. (Same as `StreamExt::next`.)
    pub async fn next_item(&mut self) -> Option<Result<Notification, Error>> {
        std::future::poll_fn(|cx| self.rx.poll_recv(cx)).await
    }
}

impl Stream for Channel {
    type Item = Result<Notification, Error>;
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().rx.poll_recv(cx)
    }
}

#[allow(dead_code)]
fn _assert_send_sync() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_sync::<ChannelHandle>();
    send_sync::<Channel>();
    send_sync::<Notification>();
    send_sync::<Event>();
    send_sync::<Error>();
    send::<Events>();
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_start_is_replayed_up_to_its_bound_then_live_events_follow() {
        let hub = EventHub::default();
        let mut live = hub.subscribe();
        for attempt in 0..40 {
            hub.emit(Event::ReconnectAttempt {
                attempt,
                delay: Duration::ZERO,
            });
        }
        hub.start_over();
        let mut from_start = hub.subscribe_from_start();
        hub.emit(Event::Extended);
        let mut replayed = Vec::new();
        while let Ok(event) = from_start.rx.try_recv() {
            replayed.push(event);
        }
        assert_eq!(replayed.len(), START_EVENTS + 1);
        for (i, event) in replayed.iter().take(START_EVENTS).enumerate() {
            let attempt = u32::try_from(i).unwrap();
            assert_eq!(
                *event,
                Event::ReconnectAttempt {
                    attempt,
                    delay: Duration::ZERO
                }
            );
        }
        assert_eq!(replayed.last(), Some(&Event::Extended), "then live events");
        // A stream taken before held everything, live.
        let mut count = 0;
        while live.rx.try_recv().is_ok() {
            count += 1;
        }
        assert_eq!(count, 41);
        // Closed: a new stream replays the start and ends.
        hub.close();
        let mut after = hub.subscribe_from_start();
        let mut n = 0;
        while after.rx.try_recv().is_ok() {
            n += 1;
        }
        assert_eq!(n, START_EVENTS);
        assert!(after.rx.is_closed(), "no sender is left");
        assert!(hub.subscribe().rx.is_closed());
    }
}
