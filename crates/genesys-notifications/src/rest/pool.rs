//! A channel pool: any number of topics as one self-healing stream over as many managed
//! channels as they need.
//!
//! # Design
//!
//! Where each topic goes is decided by the pure [`Placement`](super::placement) (packing,
//! budget, minimum churn). Each pool channel is an ordinary managed [`Channel`] (which
//! extends, reconnects and replaces itself); one forwarding task per channel moves its items
//! into the pool's single bounded buffer, tagging gaps and warnings with the channel
//! ([`Error::pool_channel`]), and one task per channel forwards its lifecycle events as
//! [`PoolEvent`]s.
//!
//! Invariants:
//! * A topic lives on one channel at a time ([`Placement`] never moves one), so its
//!   notifications keep their order.
//! * Every change of the topic set runs under one async lock; a channel whose entries did
//!   not change receives no request.
//! * The user's buffer bound ([`ConnectOptions::buffer`]) is the pool's, shared by all its
//!   channels. Each channel's own buffer is only a hand-off of at most [`HAND_OFF`] items,
//!   drained continuously by its forwarding task (which never waits on the consumer).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::task::{Context, Poll};
use std::time::Duration;

use futures_core::Stream;
use tokio::sync::mpsc;
use tokio_util::sync::{CancellationToken, DropGuard};

use super::auth::Credentials;
use super::client::RestClient;
use super::managed::ManagedOptions;
use super::model::{ChannelInfo, ChannelScope};
use super::placement::{Limits, Placement, Refusal, SERVICE_MAX_CHANNELS, TopicCounting};
use super::region::Environment;
use super::source::ReplaceObserver;
use crate::channel::{ChannelHandle, Event, Events, State, Stats};
use crate::error::{Error, ErrorKind, Reason};
use crate::notification::Notification;
use crate::queue::{self, Pushed};
use crate::source::ReplaceReason;
use crate::{Channel, ConnectOptions, Maintenance};

/// Capacity of each pool channel's own buffer: a hand-off to the pool's shared buffer.
pub const HAND_OFF: usize = 1024;
/// Default spacing of the pool channels' lifetime extensions.
pub const DEFAULT_EXTENSION_STAGGER: Duration = Duration::from_secs(20 * 60);
const EVENTS_CAPACITY: usize = 1024;

/// Starts a channel pool with the default options (at most 15 channels, combined entries
/// counted by their expansions) and subscribes `topics`.
///
/// ```
/// use futures_util::StreamExt;
/// use genesys_notifications::rest::{connect_pool, Credentials, Environment};
/// use genesys_sim::{SimConfig, Simulator};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let sim = Simulator::start(SimConfig::default()).await?;
/// let env = Environment::local(&sim.base_url())?;
/// let credentials = Credentials::client_credentials("demo-client", "demo-secret");
/// // 1,500 topics: two channels.
/// let topics: Vec<String> = (0..1500).map(|i| format!("v2.users.u{i}.presence")).collect();
/// let mut pool = connect_pool(env, credentials, &topics).await?;
/// assert_eq!(pool.channels().len(), 2);
///
/// sim.publish("v2.users.u1234.presence", serde_json::json!({"n": 1}));
/// let notification = pool.next().await.expect("an item")?;
/// assert_eq!(notification.topic(), "v2.users.u1234.presence");
/// pool.close().await;
/// # Ok(())
/// # }
/// ```
///
/// # Errors
///
/// A [`Reason::TooManyTopics`] error (kind `Subscription`) naming the count and the limit
/// when the topics do not fit, before any channel is created; otherwise as
/// [`super::connect_managed`].
pub async fn connect_pool<I, T>(
    env: impl Into<Environment>,
    credentials: Credentials,
    topics: I,
) -> Result<Pool, Error>
where
    I: IntoIterator<Item = T>,
    T: Into<String>,
{
    let rest = RestClient::new(env, credentials)?;
    PoolOptions::new(rest).connect(topics).await
}

/// Options of a channel pool.
///
/// ```no_run
/// use genesys_notifications::rest::{Credentials, PoolOptions, Region, RestClient, TopicCounting};
///
/// # async fn demo(topics: Vec<String>) -> Result<(), genesys_notifications::Error> {
/// let rest = RestClient::new(Region::UsEast1, Credentials::client_credentials("id", "secret"))?;
/// let options = PoolOptions::new(rest).max_channels(18).counting(TopicCounting::Expanded);
/// let plan = options.plan(&topics)?; // refused here, before any channel, if it cannot fit
/// eprintln!("{} topics in {} entries on {} channels", plan.topic_count(), plan.entry_count(), plan.channel_count());
/// let pool = options.connect(topics).await?;
/// # drop(pool); Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[must_use = "options do nothing until `connect()` is called"]
pub struct PoolOptions {
    rest: RestClient,
    options: ConnectOptions,
    limits: Limits,
    reuse_existing: bool,
    stagger: Duration,
}

impl PoolOptions {
    /// Pool options using this REST client (and its credentials).
    pub fn new(rest: RestClient) -> Self {
        PoolOptions {
            rest,
            options: ConnectOptions::new().maintenance(Maintenance::NewChannel),
            limits: Limits::default(),
            reuse_existing: false,
            stagger: DEFAULT_EXTENSION_STAGGER,
        }
    }

    /// Options of every channel (see [`super::ManagedOptions::connect_options`]). The buffer
    /// ([`ConnectOptions::buffer`]) and its overflow policy are the pool's, shared by all its
    /// channels.
    pub fn connect_options(mut self, options: ConnectOptions) -> Self {
        self.options = options;
        self
    }

    /// The channel budget: at most this many channels (default 15, leaving room for other
    /// tools of the same OAuth client; clamped to 1..=20, the service's limit per client).
    pub fn max_channels(mut self, channels: usize) -> Self {
        self.limits = self.limits.max_channels(channels);
        self
    }

    /// Topics per channel (default and at most 1,000, the service's limit).
    pub fn topics_per_channel(mut self, topics: usize) -> Self {
        self.limits = self.limits.topics_per_channel(topics);
        self
    }

    /// How combined entries count toward a channel's topics (default
    /// [`TopicCounting::Expanded`], the safe assumption).
    pub fn counting(mut self, counting: TopicCounting) -> Self {
        self.limits = self.limits.counting(counting);
        self
    }

    /// Reuse the client's existing channels (listed with `includechannels=oauthclient`,
    /// those whose id the service shows) before creating new ones. Their subscriptions are
    /// replaced.
    pub fn reuse_existing(mut self, yes: bool) -> Self {
        self.reuse_existing = yes;
        self
    }

    /// Spacing of the channels' lifetime extensions (default 20 minutes): channel `i` is
    /// extended `i` spacings before the configured [`ConnectOptions::extend_after`] (never
    /// earlier than half of it), so the channels never all extend at once.
    pub fn extension_stagger(mut self, spacing: Duration) -> Self {
        self.stagger = spacing;
        self
    }

    /// The limits in force.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Where `topics` would go, without any request.
    ///
    /// # Errors
    ///
    /// A [`Reason::TooManyTopics`] error naming the count and the limit, or an invalid topic.
    pub fn plan<I, T>(&self, topics: I) -> Result<Placement, Error>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<str>,
    {
        let topics: Vec<String> = topics.into_iter().map(|t| t.as_ref().to_owned()).collect();
        for topic in &topics {
            crate::topic::validate(topic)?;
        }
        Placement::plan(self.limits, &topics)
            .map(|(placement, _)| placement)
            .map_err(refused)
    }

    /// Creates the channels, subscribes their topics and returns the merged stream.
    ///
    /// # Errors
    ///
    /// See [`connect_pool`]. When one channel cannot be started, those already started are
    /// closed again.
    pub async fn connect<I, T>(self, topics: I) -> Result<Pool, Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<String>,
    {
        let topics: Vec<String> = topics.into_iter().map(Into::into).collect();
        let placement = self.plan(&topics)?;
        let mut reusable = if self.reuse_existing && placement.channel_count() > 0 {
            self.rest
                .list_channels(ChannelScope::OauthClient)
                .await?
                .into_iter()
                .filter(|c| !c.id.is_empty() && !c.connect_uri.is_empty())
                .collect()
        } else {
            Vec::new()
        };
        let (tx, rx) = queue::bounded(
            self.options.max_buffer,
            self.options.buffer,
            self.options.overflow,
        );
        let cancel = CancellationToken::new();
        let inner = Arc::new(PoolInner {
            opts: self,
            state: Mutex::new(PoolState {
                placement: placement.clone(),
                members: BTreeMap::new(),
            }),
            changes: tokio::sync::Mutex::new(()),
            sender: Mutex::new(Some(Arc::new(SharedSender(Mutex::new(tx))))),
            events: Mutex::new(Vec::new()),
            cancel: cancel.clone(),
            dropped: AtomicU64::new(0),
            evicted_warned: AtomicBool::new(false),
            closed: AtomicBool::new(false),
            rejected: Mutex::new(Vec::new()),
        });
        let guard = cancel.clone().drop_guard();
        let starts = placement.channels().into_iter().map(|slot| {
            let reuse = (!reusable.is_empty()).then(|| reusable.remove(0));
            start_member(&inner, slot, placement.entries(slot), reuse)
        });
        let results = futures_util::future::join_all(starts.collect::<Vec<_>>()).await;
        if let Some(error) = results.into_iter().find_map(Result::err) {
            inner.close_all().await;
            return Err(error);
        }
        Ok(Pool {
            rx,
            handle: PoolHandle { inner },
            _guard: guard,
        })
    }
}

fn refused(refusal: Refusal) -> Error {
    Error::new(ErrorKind::Subscription, Reason::TooManyTopics).with_message(refusal.to_string())
}

/// Something that happened in a channel pool. Observe them with [`PoolHandle::events`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PoolEvent {
    /// Something happened to one channel of the pool.
    Channel {
        /// The pool channel ([`PoolChannel::index`]).
        channel: usize,
        /// What happened.
        event: Event,
    },
    /// A channel joined the pool.
    Opened {
        /// The pool channel.
        channel: usize,
        /// Topics (expanded) it carries.
        topics: usize,
    },
    /// A channel left the pool (its last topic was removed).
    Closed {
        /// The pool channel.
        channel: usize,
    },
    /// The service evicted a pool channel because the OAuth client holds as many channels as
    /// it allows: another tool of the same client is creating channels. The channel was
    /// replaced (its gap is reported). Sent once per pool.
    Evicted {
        /// The pool channel.
        channel: usize,
        /// Channels the OAuth client held when it was checked.
        client_channels: usize,
    },
}

/// A stream of [`PoolEvent`]s, from the moment it was created; ends when the pool is closed.
/// Holds up to 1,024 unread events; later ones are dropped until it is read.
#[derive(Debug)]
pub struct PoolEvents {
    rx: mpsc::Receiver<PoolEvent>,
}

impl PoolEvents {
    /// The next event, or `None` once the pool is closed.
    pub async fn recv(&mut self) -> Option<PoolEvent> {
        self.rx.recv().await
    }
}

impl Stream for PoolEvents {
    type Item = PoolEvent;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<PoolEvent>> {
        self.rx.poll_recv(cx)
    }
}

/// One channel of a pool, as [`PoolHandle::channels`] describes it. `Debug` shortens the
/// channel id (whoever knows it can connect to the channel).
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PoolChannel {
    /// Its index in the pool, the tag of its items and events; it stays while the pool
    /// channel lives, across the service channels that carry it.
    pub index: usize,
    /// The id of the service channel carrying it now (the newest created).
    pub channel_id: String,
    /// Its entries, as subscribed (combined topics unexpanded).
    pub entries: Vec<String>,
    /// Its topics, expanded.
    pub topics: usize,
    /// Its count by the counting rule.
    pub count: usize,
    /// Its state.
    pub state: State,
}

impl fmt::Debug for PoolChannel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PoolChannel")
            .field("index", &self.index)
            .field("channel_id", &crate::uri::short_id(&self.channel_id))
            .field("entries", &self.entries.len())
            .field("topics", &self.topics)
            .field("count", &self.count)
            .field("state", &self.state)
            .finish()
    }
}

struct Member {
    handle: ChannelHandle,
    channel_id: String,
}

struct PoolState {
    placement: Placement,
    members: BTreeMap<usize, Member>,
}

struct PoolInner {
    opts: PoolOptions,
    /// Placement and members; never held across an await.
    state: Mutex<PoolState>,
    /// Serialises changes of the topic set (and close).
    changes: tokio::sync::Mutex<()>,
    /// The producer side of the shared buffer; `None` once closed. Each forwarding task
    /// holds a clone, so the stream ends when the last one is gone.
    sender: Mutex<Option<Arc<SharedSender>>>,
    events: Mutex<Vec<mpsc::Sender<PoolEvent>>>,
    cancel: CancellationToken,
    /// Items dropped by the shared buffer's overflow policy.
    dropped: AtomicU64,
    evicted_warned: AtomicBool,
    closed: AtomicBool,
    /// Topics the service refused when the pool subscribed them, with the reasons.
    rejected: Mutex<Vec<(String, String)>>,
}

/// The producer side of the pool's buffer, shared by the forwarding tasks; every push is
/// flushed at once (the tasks do not batch).
struct SharedSender(Mutex<queue::Sender>);

impl SharedSender {
    /// Whether a forwarding task may take one more item from its channel.
    fn may_read(&self) -> bool {
        lock(&self.0).may_read(true)
    }

    /// Resolves when the consumer has made room (the buffer wakes every waiting task), then
    /// decides again what may be read.
    async fn room(&self) {
        let mut wait = queue::RoomWait::default();
        std::future::poll_fn(|cx| lock(&self.0).poll_room_for(&mut wait, cx)).await;
        lock(&self.0).flush();
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

impl PoolInner {
    fn emit(&self, event: PoolEvent) {
        lock(&self.events).retain(|tx| match tx.try_send(event.clone()) {
            Ok(()) | Err(mpsc::error::TrySendError::Full(_)) => true,
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        });
    }

    fn sender(&self) -> Option<Arc<SharedSender>> {
        lock(&self.sender).clone()
    }

    fn handles(&self) -> Vec<(usize, ChannelHandle)> {
        lock(&self.state)
            .members
            .iter()
            .map(|(i, m)| (*i, m.handle.clone()))
            .collect()
    }

    /// Closes every channel; the stream ends after what is buffered.
    async fn close_all(&self) {
        self.closed.store(true, Ordering::SeqCst);
        let handles = self.handles();
        futures_util::future::join_all(handles.iter().map(|(_, h)| h.close())).await;
        lock(&self.state).members.clear();
        lock(&self.sender).take();
        lock(&self.events).clear();
    }

    /// Options of pool channel `slot`: the user's, with a small own buffer and a staggered
    /// extension.
    fn member_options(&self, slot: usize) -> ConnectOptions {
        let mut options = self.opts.options.clone();
        options.buffer = options.buffer.min(HAND_OFF);
        if let Some(after) = options.extend_after {
            let shift = self
                .opts
                .stagger
                .saturating_mul(u32::try_from(slot).unwrap_or(u32::MAX));
            options.extend_after = Some(after.saturating_sub(shift).max(after / 2));
        }
        options
    }

    fn push(&self, sender: &SharedSender, item: Result<Notification, Error>, bounded: bool) {
        let mut tx = lock(&sender.0);
        if bounded {
            if let Pushed::Dropped(n) = tx.push_bounded(item) {
                self.dropped.fetch_add(n, Ordering::Relaxed);
            }
        } else if let Err(error) = item {
            tx.push_error(error);
        }
        tx.flush();
    }
}

/// Starts pool channel `slot` with `entries` and its forwarding tasks.
async fn start_member(
    inner: &Arc<PoolInner>,
    slot: usize,
    entries: Vec<String>,
    reuse: Option<ChannelInfo>,
) -> Result<(), Error> {
    let weak = Arc::downgrade(inner);
    let observer = ReplaceObserver(Arc::new(
        move |why: ReplaceReason, old: &ChannelInfo, new: &ChannelInfo| {
            if let Some(inner) = weak.upgrade() {
                on_replaced(&inner, slot, why, old, new);
            }
        },
    ));
    let mut managed = ManagedOptions::new(inner.opts.rest.clone())
        .connect_options(inner.member_options(slot))
        .observe_replacements(observer);
    if let Some(channel) = reuse {
        managed = managed.reuse_channel(channel);
    }
    // The channel is opened first and subscribed once its socket is open: the service
    // delivers only to an open socket, so nothing published after the subscription can be
    // missed before the stream exists.
    let started = managed
        .start(std::iter::empty::<String>())
        .await
        .map_err(|e| e.with_pool_channel(slot))?;
    let channel = started.channel;
    let handle = channel.handle();
    let events = handle.events();
    lock(&inner.state).members.insert(
        slot,
        Member {
            handle: handle.clone(),
            channel_id: started.channel_info.id.clone(),
        },
    );
    let Some(sender) = inner.sender() else {
        handle.close().await;
        lock(&inner.state).members.remove(&slot);
        return Err(Error::closed().with_pool_channel(slot));
    };
    tokio::spawn(forward_items(Arc::clone(inner), slot, channel, sender));
    tokio::spawn(forward_events(
        Arc::downgrade(inner),
        slot,
        events,
        inner.cancel.clone(),
    ));
    if !entries.is_empty()
        && let Err(error) = subscribe_member(inner, slot, &handle, entries).await
    {
        handle.close().await;
        lock(&inner.state).members.remove(&slot);
        return Err(error.with_pool_channel(slot));
    }
    let topics = lock(&inner.state).placement.topics_of(slot).len();
    inner.emit(PoolEvent::Opened {
        channel: slot,
        topics,
    });
    Ok(())
}

/// Subscribes `entries` on a pool channel and takes the topics the service refused out of
/// the placement before returning (the channel reports them with `TopicsRejected` before it
/// answers).
async fn subscribe_member(
    inner: &PoolInner,
    slot: usize,
    handle: &ChannelHandle,
    entries: Vec<String>,
) -> Result<(), Error> {
    let mut events = handle.events();
    // A subscription the service applied except for some topics answers with a non-fatal
    // `SubscriptionRejected` naming them; they are also reported by `TopicsRejected`, read
    // below. Anything else is a failure of the change.
    if let Err(e) = handle.subscribe(entries).await
        && (e.is_fatal() || e.reason() != Reason::SubscriptionRejected)
    {
        return Err(e.with_pool_channel(slot));
    }
    while let Some(Some(event)) = futures_util::FutureExt::now_or_never(events.recv()) {
        if let Event::TopicsRejected { topics } = event {
            lock(&inner.state)
                .placement
                .remove(topics.iter().map(|(t, _)| t));
            lock(&inner.rejected).extend(topics);
        }
    }
    Ok(())
}

/// Moves one pool channel's items into the shared buffer until the channel ends.
async fn forward_items(
    inner: Arc<PoolInner>,
    slot: usize,
    mut channel: Channel,
    sender: Arc<SharedSender>,
) {
    let cancel = inner.cancel.clone();
    loop {
        // Back-pressure (`Overflow::Block`): while the shared buffer is over its bound this
        // channel is not read, so its own hand-off fills and its driver stops reading.
        if !sender.may_read() {
            tokio::select! {
                biased;
                () = cancel.cancelled() => return,
                () = sender.room() => {}
            }
            continue;
        }
        let item = tokio::select! {
            biased;
            () = cancel.cancelled() => return,
            item = channel.next_item() => item,
        };
        match item {
            // Closed by the pool (channel emptied, or the pool closed).
            None => return,
            Some(Ok(notification)) => inner.push(&sender, Ok(notification), true),
            Some(Err(error)) if error.is_fatal() => {
                // The channel gave up: the pool ends with its error, tagged.
                tracing::warn!(channel = slot, %error, "a pool channel failed; closing the pool");
                inner.closed.store(true, Ordering::SeqCst);
                {
                    let mut tx = lock(&sender.0);
                    tx.push_error(error.with_pool_channel(slot));
                    tx.close();
                }
                drop(channel);
                inner.close_all().await;
                inner.cancel.cancel();
                return;
            }
            Some(Err(error)) => {
                // A malformed frame comes from the peer at its pace and counts against the
                // bound; the client's own notices never do.
                let bounded = error.raw_frame().is_some() && !error.is_gap();
                inner.push(&sender, Err(error.with_pool_channel(slot)), bounded);
            }
        }
    }
}

/// Forwards one pool channel's lifecycle events, tagged, and keeps the placement in step
/// with topics the service refused.
async fn forward_events(
    inner: Weak<PoolInner>,
    slot: usize,
    mut events: Events,
    cancel: CancellationToken,
) {
    loop {
        let event = tokio::select! {
            biased;
            () = cancel.cancelled() => return,
            event = events.recv() => event,
        };
        let Some(event) = event else { return };
        let Some(inner) = inner.upgrade() else { return };
        if let Event::TopicsRejected { topics } = &event {
            lock(&inner.state)
                .placement
                .remove(topics.iter().map(|(t, _)| t));
        }
        inner.emit(PoolEvent::Channel {
            channel: slot,
            event,
        });
    }
}

/// A pool channel moved to a new service channel. When the old one was taken away by the
/// service (gone or closed without notice), check whether the client's channel budget is
/// full: then another tool of the same client evicted it, which is worth one warning.
fn on_replaced(
    inner: &Arc<PoolInner>,
    slot: usize,
    why: ReplaceReason,
    old: &ChannelInfo,
    new: &ChannelInfo,
) {
    if let Some(member) = lock(&inner.state).members.get_mut(&slot) {
        member.channel_id = new.id.clone();
    }
    if !matches!(
        why,
        ReplaceReason::NotFound | ReplaceReason::ClosedByService
    ) || inner.evicted_warned.load(Ordering::SeqCst)
    {
        return;
    }
    let inner = Arc::clone(inner);
    let old_id = old.id.clone();
    tokio::spawn(async move {
        let rest = &inner.opts.rest;
        // Still listed: the socket was taken over (another connection), not evicted.
        match rest.list_channels(ChannelScope::Token).await {
            Ok(own) if own.iter().any(|c| c.id == old_id) => return,
            Ok(_) => {}
            Err(error) => {
                tracing::debug!(%error, "cannot list channels to check for an eviction");
                return;
            }
        }
        let Ok(all) = rest.list_channels(ChannelScope::OauthClient).await else {
            return;
        };
        if all.len() < SERVICE_MAX_CHANNELS || inner.evicted_warned.swap(true, Ordering::SeqCst) {
            return;
        }
        let ours = lock(&inner.state).members.len();
        let message = format!(
            "pool channel {slot} was evicted by the service: the OAuth client holds {} \
             channels, the most the service allows is {SERVICE_MAX_CHANNELS}, and {} of them \
             are not this pool's; another tool of the same OAuth client is creating channels. \
             The pool channel moved to a new channel; its gap is reported. Lower the pool's \
             budget or the other tool's channels to stop evictions",
            all.len(),
            all.len().saturating_sub(ours)
        );
        tracing::warn!(channel = slot, client_channels = all.len(), "{message}");
        if let Some(sender) = inner.sender() {
            inner.push(
                &sender,
                Err(Error::new(ErrorKind::Receive, Reason::ChannelEvicted)
                    .non_fatal()
                    .with_message(message)
                    .with_pool_channel(slot)),
                false,
            );
        }
        inner.emit(PoolEvent::Evicted {
            channel: slot,
            client_channels: all.len(),
        });
    });
}

/// A cheap, cloneable control handle of a [`Pool`]. Its methods fail with an
/// [`ErrorKind::Closed`] error once the pool is closed or dropped.
#[derive(Clone)]
pub struct PoolHandle {
    inner: Arc<PoolInner>,
}

impl fmt::Debug for PoolHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PoolHandle")
            .field("channels", &lock(&self.inner.state).members.len())
            .finish_non_exhaustive()
    }
}

impl PoolHandle {
    fn check_open(&self) -> Result<(), Error> {
        if self.inner.closed.load(Ordering::SeqCst) || self.inner.cancel.is_cancelled() {
            Err(Error::closed())
        } else {
            Ok(())
        }
    }

    /// Adds topics (combined ones expanded; known ones ignored). They go to the emptiest
    /// channels with room, a channel is opened only when the others cannot take them, and a
    /// channel that receives none gets no request. Waits until the service has them.
    ///
    /// # Errors
    ///
    /// A non-fatal [`Reason::TooManyTopics`] error, before any request, when they do not fit
    /// the budget; an invalid topic; a failed subscription (the topics of that channel are
    /// then not part of the pool); a closed pool.
    pub async fn subscribe<I, T>(&self, topics: I) -> Result<(), Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<String>,
    {
        let topics: Vec<String> = topics.into_iter().map(Into::into).collect();
        for topic in &topics {
            crate::topic::validate(topic).map_err(Error::non_fatal)?;
        }
        let _changes = self.inner.changes.lock().await;
        self.check_open()?;
        let changes = {
            let mut state = lock(&self.inner.state);
            state
                .placement
                .add(&topics)
                .map_err(|r| refused(r).non_fatal())?
        };
        let mut first_error = None;
        for slot in &changes.changed {
            if let Err(error) = self.sync_member(*slot).await {
                first_error.get_or_insert(error);
            }
        }
        for slot in &changes.opened {
            let entries = lock(&self.inner.state).placement.entries(*slot);
            if let Err(error) = start_member(&self.inner, *slot, entries, None).await {
                let mut state = lock(&self.inner.state);
                let lost = state.placement.topics_of(*slot);
                state.placement.remove(&lost);
                first_error.get_or_insert(error.non_fatal());
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    /// Removes topics (combined ones expanded; unknown ones ignored). Only the channels that
    /// carried them get a request; a channel left without topics is closed.
    ///
    /// # Errors
    ///
    /// A failed request (the topics stay removed from the pool, and the channel's next
    /// subscription applies it); a closed pool.
    pub async fn unsubscribe<I, T>(&self, topics: I) -> Result<(), Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<String>,
    {
        let topics: Vec<String> = topics.into_iter().map(Into::into).collect();
        let _changes = self.inner.changes.lock().await;
        self.check_open()?;
        let changes = lock(&self.inner.state).placement.remove(&topics);
        let mut first_error = None;
        for slot in &changes.changed {
            if let Err(error) = self.sync_member(*slot).await {
                first_error.get_or_insert(error);
            }
        }
        for slot in &changes.closed {
            let member = lock(&self.inner.state).members.remove(slot);
            if let Some(member) = member {
                member.handle.close().await;
                self.inner.emit(PoolEvent::Closed { channel: *slot });
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    /// Makes a channel's subscription equal to its placement: new entries first, then the
    /// old ones removed, so a leaf whose entry was rewritten stays subscribed throughout.
    async fn sync_member(&self, slot: usize) -> Result<(), Error> {
        let (handle, desired) = {
            let state = lock(&self.inner.state);
            let Some(member) = state.members.get(&slot) else {
                return Ok(());
            };
            (member.handle.clone(), state.placement.entries(slot))
        };
        let current: BTreeSet<String> = handle.topics().into_iter().collect();
        let desired_set: BTreeSet<&String> = desired.iter().collect();
        let added: Vec<String> = desired
            .iter()
            .filter(|e| !current.contains(*e))
            .cloned()
            .collect();
        let removed: Vec<String> = current
            .iter()
            .filter(|e| !desired_set.contains(e))
            .cloned()
            .collect();
        if !added.is_empty() {
            subscribe_member(&self.inner, slot, &handle, added.clone())
                .await
                .inspect_err(|_| {
                    lock(&self.inner.state)
                        .placement
                        .remove(added.iter().map(String::as_str));
                })?;
        }
        if !removed.is_empty() {
            handle
                .unsubscribe(removed)
                .await
                .map_err(|e| e.with_pool_channel(slot))?;
        }
        Ok(())
    }

    /// Closes every channel (close frame 1000 on each socket); the stream ends after what is
    /// buffered.
    pub async fn close(&self) {
        let _changes = self.inner.changes.lock().await;
        self.inner.close_all().await;
    }

    /// The topics the pool carries, expanded, sorted.
    pub fn topics(&self) -> Vec<String> {
        lock(&self.inner.state).placement.topics()
    }

    /// Topics the service refused when the pool subscribed them, with the reasons (they are
    /// not part of the pool).
    pub fn rejected(&self) -> Vec<(String, String)> {
        lock(&self.inner.rejected).clone()
    }

    /// The pool's placement (a copy): where each topic lives.
    pub fn placement(&self) -> Placement {
        lock(&self.inner.state).placement.clone()
    }

    /// The pool's channels, by index.
    pub fn channels(&self) -> Vec<PoolChannel> {
        let state = lock(&self.inner.state);
        state
            .members
            .iter()
            .map(|(index, member)| PoolChannel {
                index: *index,
                channel_id: member.channel_id.clone(),
                entries: state.placement.entries(*index),
                topics: state.placement.topics_of(*index).len(),
                count: state.placement.load(*index),
                state: member.handle.state(),
            })
            .collect()
    }

    /// A new stream of the pool's events, starting now.
    pub fn events(&self) -> PoolEvents {
        let (tx, rx) = mpsc::channel(EVENTS_CAPACITY);
        if !self.inner.closed.load(Ordering::SeqCst) {
            lock(&self.inner.events).push(tx);
        }
        PoolEvents { rx }
    }

    /// Counters summed over the pool's channels; `dropped` includes what the shared buffer
    /// dropped.
    pub fn stats(&self) -> Stats {
        let mut total = Stats::default();
        for (_, handle) in self.inner.handles() {
            let s = handle.stats();
            total.notifications += s.notifications;
            total.dropped += s.dropped;
            total.heartbeats += s.heartbeats;
            total.last_heartbeat = total.last_heartbeat.max(s.last_heartbeat);
            total.connections += s.connections;
            total.gaps += s.gaps;
            total.malformed += s.malformed;
        }
        total.dropped += self.inner.dropped.load(Ordering::Relaxed);
        total
    }

    /// Counters of one pool channel.
    pub fn channel_stats(&self, channel: usize) -> Option<Stats> {
        lock(&self.inner.state)
            .members
            .get(&channel)
            .map(|m| m.handle.stats())
    }

    /// The control handle of one pool channel (ping, extend, force a reconnect); its
    /// [`ChannelHandle::current_channel`] tells which service channel carries it now.
    pub fn channel(&self, channel: usize) -> Option<ChannelHandle> {
        lock(&self.inner.state)
            .members
            .get(&channel)
            .map(|m| m.handle.clone())
    }
}

/// Many managed channels as one stream: `Result<Notification, Error>` items, as [`Channel`].
///
/// Gaps and warnings carry the pool channel they concern ([`Error::pool_channel`]) and name
/// only its topics. A fatal error of one channel (its recovery gave up) ends the pool with
/// that error. Dropping the pool closes every socket. The control methods are those of
/// [`PoolHandle`].
pub struct Pool {
    rx: queue::Receiver,
    handle: PoolHandle,
    _guard: DropGuard,
}

impl fmt::Debug for Pool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pool")
            .field("channels", &lock(&self.handle.inner.state).members.len())
            .field("buffered", &self.rx.len())
            .finish()
    }
}

impl Pool {
    /// A cloneable control handle.
    pub fn handle(&self) -> PoolHandle {
        self.handle.clone()
    }

    /// Items buffered and not yet consumed.
    pub fn buffered_len(&self) -> usize {
        self.rx.len()
    }

    /// The next item; `None` once the stream has ended.
    pub async fn next_item(&mut self) -> Option<Result<Notification, Error>> {
        std::future::poll_fn(|cx| self.rx.poll_recv(cx)).await
    }

    /// See [`PoolHandle::close`].
    pub async fn close(&self) {
        self.handle.close().await;
    }

    /// See [`PoolHandle::subscribe`].
    ///
    /// # Errors
    ///
    /// See [`PoolHandle::subscribe`].
    pub async fn subscribe<I, T>(&self, topics: I) -> Result<(), Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<String>,
    {
        self.handle.subscribe(topics).await
    }

    /// See [`PoolHandle::unsubscribe`].
    ///
    /// # Errors
    ///
    /// See [`PoolHandle::unsubscribe`].
    pub async fn unsubscribe<I, T>(&self, topics: I) -> Result<(), Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<String>,
    {
        self.handle.unsubscribe(topics).await
    }

    /// See [`PoolHandle::topics`].
    pub fn topics(&self) -> Vec<String> {
        self.handle.topics()
    }

    /// See [`PoolHandle::channels`].
    pub fn channels(&self) -> Vec<PoolChannel> {
        self.handle.channels()
    }

    /// See [`PoolHandle::events`].
    pub fn events(&self) -> PoolEvents {
        self.handle.events()
    }

    /// See [`PoolHandle::stats`].
    pub fn stats(&self) -> Stats {
        self.handle.stats()
    }
}

impl Stream for Pool {
    type Item = Result<Notification, Error>;
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().rx.poll_recv(cx)
    }
}

#[allow(dead_code)]
fn _assert_send_sync() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Pool>();
    send_sync::<PoolHandle>();
    send_sync::<PoolEvent>();
}
