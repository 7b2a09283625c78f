//! The driver: one background task per channel that owns the socket(s), the timers and the
//! reconnects.
//!
//! The task reads every open socket continuously (so heartbeats, pongs and transport pings
//! are always seen, whatever the consumer's speed), applies the pure bookkeeping of
//! [`crate::state`], and talks to the outside through: the bounded notification queue
//! ([`crate::queue`]), the state `watch`, the event hub, and a bounded command queue with
//! one-shot replies. Slow work (opening a socket, REST calls of a managed source) runs as
//! futures polled by the same task, so the current socket keeps being read meanwhile.
//!
//! Every choice between reconnecting, replacing the channel and ending the stream is made by
//! [`crate::machine::recovery::decide`]; pongs are matched to pings by
//! [`crate::machine::pings`]. This module executes those decisions on sockets and timers.
//!
//! Sockets are kept oldest first. Only the oldest delivers to the consumer; a newer one
//! (maintenance reconnect, rollover) holds its notifications until the older ones are gone,
//! or, for an old socket to the same channel, until a pong proves the old one delivered
//! everything sent before the newer one was subscribed: then the old one becomes a shadow,
//! read until the service closes it. During an overlap, once the newer socket is subscribed,
//! what is delivered is remembered (per socket) and its copies on the other socket skipped.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::{FutureExt, SinkExt, StreamExt};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::{Instant, Sleep};
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};
use tokio_util::sync::CancellationToken;

use crate::channel::{Channel, ChannelHandle, Command, Event, EventHub, SharedStats, State};
use crate::error::{Error, ErrorKind, Gap, Reason};
use crate::machine::pings::{Answered, Pings};
use crate::machine::recovery::{self, Cause, Decision, Mode, Policy};
use crate::machine::takeover::{PROBE_PAUSE, Takeover};
use crate::notification::Notification;
use crate::options::ConnectOptions;
use crate::policy::Backoff;
use crate::protocol::{self, Frame};
use crate::queue::{self, FlowChange, Pushed, Reading};
use crate::source::{ChannelSource, ChannelTarget, ReplaceReason, Subscribed};
use crate::state::{Continuity, Dedup, Stamp, extension_due};
use crate::transport::{self, Connector, Ws};

/// Frames handled per wake-up of the driver before it looks at timers and commands again.
const BATCH: usize = 64;
/// Delay before retrying a failed automatic lifetime extension.
const EXTENSION_RETRY: Duration = Duration::from_secs(60);
/// Shortest pause before asking for a new channel again after a failed attempt.
const REPLACE_RETRY_MIN: Duration = Duration::from_secs(1);
/// How long an old socket to the same channel is read after a maintenance switch, unless the
/// service closes it first: the announced grace (about 60 s) and a margin.
const MAINTENANCE_DRAIN: Duration = Duration::from_secs(90);
/// How long closing waits for the close handshake.
const CLOSE_WAIT: Duration = Duration::from_secs(1);

type Reply = oneshot::Sender<Result<(), Error>>;
type PingReply = oneshot::Sender<Result<Duration, Error>>;
type OpFuture = Pin<Box<dyn Future<Output = Op> + Send>>;

/// Starts a channel on `target` with `source` and waits until it is open and subscribed
/// (or failed). The first connection is never retried.
///
/// In out-of-band mode (`!source.subscribes_over_socket()`) the driver calls
/// `source.subscribe(target, topics)` once the socket is open; `target` does not need to be
/// subscribed beforehand.
pub(crate) async fn start<S: ChannelSource>(
    source: S,
    target: ChannelTarget,
    topics: Vec<String>,
    options: ConnectOptions,
) -> Result<Channel, Error> {
    options.validate()?;
    let mode = if source.can_replace() {
        Mode::Managed
    } else {
        Mode::Uri
    };
    let (qtx, qrx) = queue::bounded(options.max_buffer, options.buffer, options.overflow);
    let (cmd_tx, cmd_rx) = mpsc::channel(32);
    let (state_tx, state_rx) = watch::channel(State::Connecting);
    let events = Arc::new(EventHub::default());
    let stats = Arc::new(SharedStats::default());
    let cancel = CancellationToken::new();
    let shared_topics = Arc::new(Mutex::new(topics.clone()));
    let (init_tx, init_rx) = oneshot::channel();
    // If the caller gives up while connecting, the task stops.
    let guard = cancel.clone().drop_guard();
    let rng = options
        .seed
        .map_or_else(fastrand::Rng::new, fastrand::Rng::with_seed);
    let far = far_future();
    let driver = Driver {
        source: Arc::new(source),
        connector: Arc::new(Connector::new(&options)),
        backoff: Backoff::new(options.reconnect.clone()),
        replace_backoff: Backoff::new(options.reconnect.clone()),
        replace_retry: None,
        mode,
        takeover: Takeover::default(),
        replace_topics: Vec::new(),
        deferred: Vec::new(),
        opts: options.clone(),
        target,
        topics,
        shared_topics: shared_topics.clone(),
        queue: qtx,
        events: events.clone(),
        state_tx,
        stats: stats.clone(),
        cmd_rx,
        cancel: cancel.clone(),
        rng,
        conns: Vec::new(),
        next_conn_id: 0,
        ops: Vec::new(),
        connecting: 0,
        replacing: false,
        retry_at: None,
        last_error: None,
        outage: false,
        continuity: Continuity::default(),
        extend_at: None,
        dedup: Dedup::default(),
        recording: false,
        switch: None,
        init: Some(init_tx),
        finished: false,
        sleep: Box::pin(tokio::time::sleep_until(far)),
        sleep_at: far,
        far,
        seq: 0,
        paused_at: None,
    };
    tokio::spawn(driver.run());
    match init_rx.await {
        Ok(Ok(())) => {
            let handle = ChannelHandle {
                commands: cmd_tx,
                state: state_rx,
                events,
                stats,
                allow_plain_ws: options.allow_plain_ws,
                topics: shared_topics,
                buffer: qrx.gauge(),
            };
            drop(guard.disarm());
            Ok(Channel::new(qrx, handle, cancel))
        }
        Ok(Err(e)) => Err(e),
        Err(_) => Err(Error::new(ErrorKind::Connection, Reason::Ambiguous)
            .with_message("the channel task ended during the first connection")),
    }
}

/// The notification of `item` if it takes part in overlap deduplication: heartbeats (in the
/// stream with [`ConnectOptions::heartbeats`]) are all alike and each socket's own, never
/// copies of one another.
fn dedupable(item: &queue::Item) -> Option<&Notification> {
    item.as_ref()
        .ok()
        .filter(|n| n.topic() != protocol::METADATA_TOPIC)
}

fn far_future() -> Instant {
    Instant::now() + Duration::from_secs(86400 * 365 * 30)
}

/// Why a socket is being opened.
#[derive(Debug)]
enum Purpose {
    Initial,
    Reconnect,
    Maintenance,
    Rollover,
    Replacement,
}

/// Why a subscription is awaited.
#[derive(Debug)]
enum SubPurpose {
    Initial,
    Reconnect,
    Maintenance,
    Rollover,
    Extend(Option<Reply>),
    User(Option<Reply>, Vec<String>),
}

#[derive(Debug)]
struct SubWait {
    /// Socket mode: the correlation id sent; out-of-band mode: `None`.
    cid: Option<String>,
    deadline: Option<Instant>,
    purpose: SubPurpose,
    /// No reply came in time and a ping was sent: its pong lets the subscription go on
    /// unconfirmed (the reply is not guaranteed by the service).
    probed: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Subscribing,
    Active,
    Draining,
}

struct Conn {
    id: u64,
    ws: Box<Ws>,
    target: ChannelTarget,
    phase: Phase,
    /// Subscribed and open: notifications published now reach us.
    covering: bool,
    /// Since when it covers.
    covering_since: Option<Stamp>,
    /// Notifications must be checked against those delivered by an older channel.
    dedup: bool,
    /// Its end is expected (replaced by a socket to the same channel, or draining).
    expected_end: bool,
    /// Last frame of any kind (liveness, for the watchdog).
    last_frame: Stamp,
    /// Last frame that proves continuity: a data frame (everything the service queued
    /// before it has arrived), or the close that handed the channel to our own newer socket.
    proof: Stamp,
    /// Order of `proof` among the driver's events (instants can be equal; causality is not).
    proof_seq: u64,
    /// Order of the moment it started covering.
    covering_seq: u64,
    watchdog_at: Option<Instant>,
    drain_until: Option<Instant>,
    active_since: Option<Instant>,
    waits: VecDeque<SubWait>,
    /// The service has echoed one of our correlation ids on this socket: from then on a result
    /// whose id matches no waiting subscription is someone else's and answers nothing.
    echoes_correlation: bool,
    /// Every ping sent on this socket and not yet answered (user, drain, probe).
    pings: Pings<PingReply>,
    /// Items held while an older socket drains, with whether they are bounded (counted
    /// against the buffer's bound).
    held: queue::Held,
    close_reason: Option<String>,
    /// The service closed the socket with a normal closure (1000).
    normal_close: bool,
    /// The service announced maintenance on this socket (`socket_closing`).
    closing_announced: bool,
    /// The topics this socket's channel was last asked to hold (subscribe message, REST
    /// call, or the replacement's creation): compared with the desired set when a switch to
    /// it completes, so changes made meanwhile reach it.
    topics_sent: Vec<String>,
    /// An old socket to the same channel whose drain was proven (its pong arrived after the
    /// newer socket was subscribed) while the service keeps it open: read until the service
    /// closes it, its copies skipped (see [`Driver::deliver`]).
    shadow: bool,
}

enum Op {
    Connected {
        purpose: Purpose,
        target: ChannelTarget,
        result: Result<Box<Ws>, Error>,
    },
    SourceDone {
        conn: u64,
        result: Result<Subscribed, Error>,
    },
    Replaced {
        why: ReplaceReason,
        result: Result<ChannelTarget, Error>,
    },
    /// A user's subscription change carried over from a socket let go after a switch.
    Resubscribe { conn: u64, purpose: SubPurpose },
}

struct Switch {
    new_conn: Option<u64>,
    reply: Option<Reply>,
}

enum Wake {
    Cancel,
    Command(Option<Command>),
    Op(Op),
    Timer,
    /// The consumer made room in the buffer: decide again what to read.
    Room,
    Frame(
        usize,
        Option<Result<Message, tokio_tungstenite::tungstenite::Error>>,
    ),
}

struct Driver<S> {
    source: Arc<S>,
    connector: Arc<Connector>,
    opts: ConnectOptions,
    backoff: Backoff,
    /// Paces attempts to obtain a new channel after a failed one (reset on success).
    replace_backoff: Backoff,
    /// When to ask the source for a new channel again, and why.
    replace_retry: Option<(Instant, ReplaceReason)>,
    mode: Mode,
    takeover: Takeover,
    /// The topics the pending or last replacement channel was created with.
    replace_topics: Vec<String>,
    /// Users' subscription changes made while no socket was open: answered by the next
    /// subscription of the whole set (or the end of the stream).
    deferred: Vec<Reply>,
    target: ChannelTarget,
    topics: Vec<String>,
    shared_topics: Arc<Mutex<Vec<String>>>,
    queue: queue::Sender,
    events: Arc<EventHub>,
    state_tx: watch::Sender<State>,
    stats: Arc<SharedStats>,
    cmd_rx: mpsc::Receiver<Command>,
    cancel: CancellationToken,
    rng: fastrand::Rng,
    conns: Vec<Conn>,
    next_conn_id: u64,
    ops: Vec<OpFuture>,
    connecting: usize,
    replacing: bool,
    retry_at: Option<Instant>,
    last_error: Option<Error>,
    outage: bool,
    continuity: Continuity,
    extend_at: Option<Instant>,
    dedup: Dedup,
    recording: bool,
    switch: Option<Switch>,
    init: Option<oneshot::Sender<Result<(), Error>>>,
    finished: bool,
    sleep: Pin<Box<Sleep>>,
    sleep_at: Instant,
    /// "Never": the timer's instant when nothing is due.
    far: Instant,
    /// Logical clock: orders frames and coverage changes.
    seq: u64,
    /// Since when reading has been paused by back-pressure (socket deadlines suspended).
    paused_at: Option<Instant>,
}

fn poll_conns(
    conns: &mut [Conn],
    reading: Reading,
    cx: &mut Context<'_>,
) -> Poll<(
    usize,
    Option<Result<Message, tokio_tungstenite::tungstenite::Error>>,
)> {
    let readable = match reading {
        Reading::All => conns.len(),
        Reading::HeadOnly => 1,
        Reading::Paused => 0,
    };
    for (i, c) in conns.iter_mut().enumerate().take(readable) {
        if let Poll::Ready(m) = c.ws.poll_next_unpin(cx) {
            return Poll::Ready((i, m));
        }
    }
    Poll::Pending
}

fn poll_ops(ops: &mut Vec<OpFuture>, cx: &mut Context<'_>) -> Poll<Op> {
    for i in 0..ops.len() {
        if let Poll::Ready(op) = ops[i].as_mut().poll(cx) {
            drop(ops.swap_remove(i));
            return Poll::Ready(op);
        }
    }
    Poll::Pending
}

impl<S: ChannelSource> Driver<S> {
    async fn run(mut self) {
        self.start_connect(self.target.clone(), Purpose::Initial);
        while !self.finished {
            // Everything delivered during the last wake-up goes to the consumer at once.
            if let Some(change) = self.queue.flush() {
                self.flow_changed(change);
            }
            self.arm_timer();
            let wake = {
                let cancel = &self.cancel;
                let cmd_rx = &mut self.cmd_rx;
                let ops = &mut self.ops;
                let sleep = self.sleep.as_mut();
                let reading = self.queue.reading();
                let queue = &mut self.queue;
                let conns = &mut self.conns;
                tokio::select! {
                    biased;
                    () = cancel.cancelled() => Wake::Cancel,
                    cmd = cmd_rx.recv() => Wake::Command(cmd),
                    op = std::future::poll_fn(|cx| poll_ops(ops, cx)) => Wake::Op(op),
                    () = sleep => Wake::Timer,
                    () = std::future::poll_fn(|cx| queue.poll_room(cx)) => Wake::Room,
                    (i, m) = std::future::poll_fn(|cx| poll_conns(conns, reading, cx)) => Wake::Frame(i, m),
                }
            };
            match wake {
                Wake::Cancel => {
                    self.shutdown(None).await;
                }
                Wake::Command(Some(cmd)) => self.on_command(cmd).await,
                // Every handle is gone: nobody can consume or control the channel.
                Wake::Command(None) => self.shutdown(None).await,
                Wake::Op(op) => self.on_op(op).await,
                Wake::Timer => {
                    self.sleep_at = self.far;
                    self.sleep.as_mut().reset(self.far);
                    self.on_timers().await;
                }
                Wake::Room => {}
                Wake::Frame(i, m) => self.on_frames(i, m).await,
            }
            self.refresh_state();
        }
    }

    // ----- time -------------------------------------------------------------------------

    fn next_deadline(&self) -> Option<Instant> {
        let mut d: Option<Instant> = None;
        let mut take = |t: Option<Instant>| {
            if let Some(t) = t {
                d = Some(d.map_or(t, |x| x.min(t)));
            }
        };
        take(self.retry_at);
        take(self.replace_retry.map(|(at, _)| at));
        take(self.extend_at);
        take(self.dedup.deadline());
        let paused = self.paused_at.is_some();
        for c in &self.conns {
            if !paused {
                take(c.watchdog_at);
                take(c.drain_until);
                for w in &c.waits {
                    take(w.deadline);
                }
            }
            take(c.pings.user_deadline(self.opts.ping_timeout));
        }
        d
    }

    fn arm_timer(&mut self) {
        let at = self.next_deadline().unwrap_or(self.far);
        if at != self.sleep_at {
            self.sleep_at = at;
            self.sleep.as_mut().reset(at);
        }
    }

    async fn on_timers(&mut self) {
        let now = Instant::now();
        if self.retry_at.is_some_and(|t| t <= now) {
            self.retry_at = None;
            self.start_connect(self.target.clone(), Purpose::Reconnect);
        }
        if let Some((at, why)) = self.replace_retry
            && at <= now
        {
            self.replace_retry = None;
            self.start_replace(why);
        }
        if self.dedup.deadline().is_some_and(|t| t <= now) {
            if self.conns.iter().any(|c| c.shadow) {
                self.dedup.expire_at(now + self.opts.drain_timeout);
            } else {
                self.dedup.clear();
                for c in &mut self.conns {
                    c.dedup = false;
                }
                self.update_recording();
            }
        }
        if self.extend_at.is_some_and(|t| t <= now) {
            self.extend_at = None;
            if self.opts.extend_after.is_some() {
                self.start_extend(None).await;
            } else {
                self.queue.push_error(
                    Error::new(ErrorKind::ChannelExpiring, Reason::ChannelExpired)
                        .with_message("the channel expires soon; call extend() or rollover(uri)"),
                );
            }
        }
        // Per-socket deadlines; collect first, act after (acting may remove sockets).
        let mut timed_out_waits = Vec::new();
        let mut silent = Vec::new();
        let mut drained = Vec::new();
        for c in &mut self.conns {
            for tx in c.pings.expire_users(now, self.opts.ping_timeout) {
                let _ = tx.send(Err(Error::new(ErrorKind::Receive, Reason::Timeout)
                    .non_fatal()
                    .with_message(format!("no pong within {:?}", self.opts.ping_timeout))));
            }
            // Paused by back-pressure: nothing can be read, so no silence counts.
            if self.paused_at.is_some() {
                continue;
            }
            if c.drain_until.is_some_and(|t| t <= now) {
                drained.push(c.id);
                continue;
            }
            if let (Some(at), Some(limit)) = (c.watchdog_at, self.opts.heartbeat_timeout)
                && at <= now
            {
                let due = c.last_frame.instant + limit;
                if due <= now {
                    c.watchdog_at = None;
                    silent.push((c.id, now.saturating_duration_since(c.last_frame.instant)));
                } else {
                    c.watchdog_at = Some(due);
                }
            }
            if c.waits.iter().any(|w| w.deadline.is_some_and(|d| d <= now)) {
                timed_out_waits.push(c.id);
            }
        }
        for id in drained {
            self.end_conn(id, None).await;
        }
        for (id, silent_for) in silent {
            self.events.emit(Event::HeartbeatMissed { silent_for });
            let e = Error::new(ErrorKind::Receive, Reason::Timeout)
                .with_message(format!("no frame for {silent_for:?} (heartbeat timeout)"));
            self.fail_conn(id, e).await;
        }
        let ping_timeout = self.opts.ping_timeout;
        for id in timed_out_waits {
            let Some(c) = self.conn_mut(id) else { continue };
            // A socket subscription without reply: ask the socket whether it is alive first.
            let mut probe = false;
            for w in &mut c.waits {
                if w.deadline.is_some_and(|d| d <= now) && w.cid.is_some() && !w.probed {
                    w.probed = true;
                    w.deadline = Some(now + ping_timeout);
                    probe = true;
                }
            }
            if probe && c.pings.has_room() {
                c.pings.probe(now);
                if !self.send_text(id, protocol::PING.to_owned()).await {
                    continue;
                }
            }
            let Some(c) = self.conn_mut(id) else { continue };
            let mut expired = Vec::new();
            let mut keep = VecDeque::new();
            while let Some(w) = c.waits.pop_front() {
                if w.deadline.is_some_and(|d| d <= now) {
                    expired.push(w);
                } else {
                    keep.push_back(w);
                }
            }
            c.waits = keep;
            for w in expired {
                let e = Error::new(ErrorKind::Subscription, Reason::Timeout).with_message(format!(
                    "the subscription was not confirmed within {:?}",
                    self.opts.subscribe_timeout
                ));
                self.resolve_wait(id, w, Err(e)).await;
            }
        }
    }

    // ----- helpers ----------------------------------------------------------------------

    fn conn_index(&self, id: u64) -> Option<usize> {
        self.conns.iter().position(|c| c.id == id)
    }

    fn conn_mut(&mut self, id: u64) -> Option<&mut Conn> {
        self.conns.iter_mut().find(|c| c.id == id)
    }

    fn correlation_id(&mut self) -> String {
        format!("{:016x}{:016x}", self.rng.u64(..), self.rng.u64(..))
    }

    fn set_topics(&mut self, topics: Vec<String>) {
        self.topics = topics;
        *self.shared_topics.lock().unwrap_or_else(|p| p.into_inner()) = self.topics.clone();
    }

    fn live_conn_exists(&self) -> bool {
        self.conns.iter().any(|c| c.phase != Phase::Draining)
    }

    fn head_active(&self) -> Option<u64> {
        self.conns
            .iter()
            .rev()
            .find(|c| c.phase == Phase::Active)
            .map(|c| c.id)
    }

    fn refresh_state(&mut self) {
        let state = if self.finished {
            State::Closed
        } else if self.init.is_some() {
            if self.conns.is_empty() {
                State::Connecting
            } else {
                State::Subscribing
            }
        } else if self.switch.is_some() {
            State::RollingOver
        } else if self
            .conns
            .iter()
            .any(|c| c.covering && c.phase == Phase::Active)
        {
            State::Open
        } else {
            State::Reconnecting
        };
        self.state_tx.send_if_modified(|s| {
            if *s == state {
                false
            } else {
                *s = state;
                true
            }
        });
    }

    /// Back-pressure started or ended (decided in [`queue`]). While paused nothing is read,
    /// so the socket deadlines that wait for a frame (watchdog, drain, subscription
    /// confirmation) are suspended; on resume they move back by the paused time.
    fn flow_changed(&mut self, change: FlowChange) {
        let now = Instant::now();
        match change {
            FlowChange::Paused { buffered } => {
                self.paused_at.get_or_insert(now);
                tracing::debug!(buffered, "reading paused: the consumer is behind");
                self.events.emit(Event::ReadingPaused { buffered });
            }
            FlowChange::Resumed => {
                let Some(since) = self.paused_at.take() else {
                    return;
                };
                let paused = now.saturating_duration_since(since);
                for c in &mut self.conns {
                    c.last_frame.instant += paused;
                    c.watchdog_at = c.watchdog_at.map(|t| t + paused);
                    c.drain_until = c.drain_until.map(|t| t + paused);
                    for w in &mut c.waits {
                        w.deadline = w.deadline.map(|t| t + paused);
                    }
                }
                tracing::debug!(?paused, "reading resumed");
                self.events
                    .emit(Event::ReadingResumed { paused_for: paused });
            }
        }
    }

    /// Hands an item to the consumer: bounded items (notifications, malformed-frame reports)
    /// under the overflow policy, notices never dropped.
    fn push(&mut self, item: queue::Item, bounded: bool) {
        if !bounded {
            if let Err(e) = item {
                self.queue.push_error(e);
            }
            return;
        }
        match self.queue.push_bounded(item) {
            Pushed::Queued | Pushed::Gone => {}
            Pushed::Dropped(n) => {
                self.stats.dropped.fetch_add(n, Ordering::Relaxed);
            }
        }
    }

    /// Delivers an item from socket `idx`: directly when it is the oldest socket, held
    /// otherwise (order). `bounded`: subject to the overflow policy (see [`queue`]).
    ///
    /// A shadow socket (an old socket to the same channel, drained and proven, that the
    /// service still delivers on) delivers at once what the newer socket has not delivered
    /// yet, and skips the rest: both carry the same notifications in the same order, so the
    /// first copy to arrive keeps the stream in order.
    fn deliver(&mut self, idx: usize, item: queue::Item, bounded: bool) {
        let from = self.conns[idx].id;
        if let Some(n) = dedupable(&item)
            && (self.conns[idx].dedup || self.conns[idx].shadow)
            && self.dedup.take_match(from, n)
        {
            return;
        }
        if idx == 0 || self.conns[idx].shadow {
            if self.recording
                && let Some(n) = dedupable(&item)
            {
                self.dedup.record(from, n);
            }
            self.push(item, bounded);
        } else {
            self.conns[idx].held.push_back((item, bounded));
        }
    }

    /// The oldest socket changed: deliver what the new oldest held.
    fn flush_head(&mut self) {
        let Some(head) = self.conns.first_mut() else {
            return;
        };
        let held = head.held.take();
        let check = head.dedup;
        let from = head.id;
        self.update_recording();
        for (item, bounded) in held {
            if let Some(n) = dedupable(&item)
                && check
                && self.dedup.take_match(from, n)
            {
                continue;
            }
            if self.recording
                && let Some(n) = dedupable(&item)
            {
                self.dedup.record(from, n);
            }
            self.push(item, bounded);
        }
    }

    /// What is delivered is remembered while a newer socket may receive copies of it: from
    /// the moment that socket is subscribed (before, it receives nothing), or while a shadow
    /// socket overlaps.
    fn update_recording(&mut self) {
        self.recording = self
            .conns
            .iter()
            .enumerate()
            .any(|(i, c)| c.shadow || (i > 0 && c.dedup && c.covering));
    }

    /// Coverage (re)started on some socket: report the gap, if there was one.
    fn covered_again(&mut self) {
        if let Some(gap) = self.continuity.resumed(Stamp::now(), &self.topics) {
            tracing::info!(duration = ?gap.duration(), "gap in the notification stream");
            self.stats.gaps.fetch_add(1, Ordering::Relaxed);
            self.events.emit(Event::Gap(gap.clone()));
            self.queue.push_error(Error::gap(gap));
        }
    }

    async fn send_text(&mut self, id: u64, text: String) -> bool {
        let Some(c) = self.conn_mut(id) else {
            return false;
        };
        match c.ws.send(Message::text(text)).await {
            Ok(()) => true,
            Err(e) => {
                let err = transport::stream_error(e);
                self.fail_conn(id, err).await;
                false
            }
        }
    }

    // ----- opening sockets and subscribing ---------------------------------------------

    fn start_connect(&mut self, target: ChannelTarget, purpose: Purpose) {
        self.connecting += 1;
        let connector = self.connector.clone();
        self.ops.push(Box::pin(async move {
            let result = connector.open(&target.uri).await.map(Box::new);
            Op::Connected {
                purpose,
                target,
                result,
            }
        }));
    }

    fn start_replace(&mut self, why: ReplaceReason) {
        if self.replacing {
            return;
        }
        self.replacing = true;
        let source = self.source.clone();
        let topics = self.topics.clone();
        self.replace_topics = topics.clone();
        self.ops.push(Box::pin(async move {
            let result = source.replace(why, &topics).await;
            Op::Replaced { why, result }
        }));
    }

    async fn on_op(&mut self, op: Op) {
        match op {
            Op::Connected {
                purpose,
                target,
                result,
            } => {
                self.connecting = self.connecting.saturating_sub(1);
                match result {
                    Ok(ws) => self.on_connected(ws, target, purpose).await,
                    Err(e) => self.on_connect_failed(e, target, purpose).await,
                }
            }
            Op::SourceDone { conn, result } => {
                let Some(c) = self.conn_mut(conn) else { return };
                let Some(pos) = c.waits.iter().position(|w| w.cid.is_none()) else {
                    return;
                };
                let Some(w) = c.waits.remove(pos) else { return };
                self.resolve_wait(conn, w, result).await;
            }
            Op::Resubscribe { conn, purpose } => {
                if self.conn_mut(conn).is_some() {
                    self.begin_subscribe(conn, purpose).await;
                } else if let SubPurpose::User(Some(r), _) = purpose {
                    let _ = r.send(Err(Error::new(
                        ErrorKind::Receive,
                        Reason::ConnectionClosed,
                    )
                    .non_fatal()
                    .with_message("the socket closed")));
                }
            }
            Op::Replaced { why, result } => {
                self.replacing = false;
                match result {
                    Ok(target) => {
                        self.replace_backoff.reset();
                        if self.switch.is_none() {
                            self.switch = Some(Switch {
                                new_conn: None,
                                reply: None,
                            });
                            self.events.emit(Event::RolloverStarted);
                        }
                        self.start_connect(target, Purpose::Replacement);
                    }
                    Err(e) => self.replacement_failed(why, e).await,
                }
            }
        }
    }

    async fn on_connected(&mut self, ws: Box<Ws>, target: ChannelTarget, purpose: Purpose) {
        let now = Stamp::now();
        self.stats.connections.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(host = %crate::uri::redact(&target.uri), ?purpose, "socket open");
        self.events.emit(Event::Connected);
        let id = self.next_conn_id;
        self.next_conn_id += 1;
        let same_channel = target.uri == self.target.uri;
        let pre_subscribed = matches!(purpose, Purpose::Replacement)
            || (same_channel && matches!(purpose, Purpose::Reconnect | Purpose::Maintenance));
        let older_exists = !self.conns.is_empty();
        let conn = Conn {
            id,
            ws,
            target: target.clone(),
            phase: Phase::Subscribing,
            covering: false,
            covering_since: None,
            dedup: older_exists,
            expected_end: false,
            last_frame: now,
            proof: now,
            proof_seq: 0,
            covering_seq: u64::MAX,
            watchdog_at: self.opts.heartbeat_timeout.map(|t| now.instant + t),
            drain_until: None,
            active_since: None,
            waits: VecDeque::new(),
            echoes_correlation: false,
            pings: Pings::default(),
            held: self.queue.held(),
            close_reason: None,
            normal_close: false,
            closing_announced: false,
            shadow: false,
            topics_sent: if matches!(purpose, Purpose::Replacement) {
                std::mem::take(&mut self.replace_topics)
            } else {
                self.topics.clone()
            },
        };
        self.conns.push(conn);
        if let Some(sw) = &mut self.switch
            && matches!(
                purpose,
                Purpose::Maintenance | Purpose::Rollover | Purpose::Replacement
            )
        {
            sw.new_conn = Some(id);
        }
        if same_channel && older_exists {
            // One socket per channel: the service closes the older ones; that is expected.
            for c in self.conns.iter_mut().filter(|c| c.id != id) {
                if c.target.uri == target.uri {
                    c.expected_end = true;
                }
            }
        }
        if pre_subscribed {
            // Subscriptions are channel state: this socket receives from now on.
            self.seq += 1;
            let seq = self.seq;
            if let Some(c) = self.conn_mut(id) {
                c.covering = true;
                c.covering_since = Some(now);
                c.covering_seq = seq;
            }
            self.update_recording();
            self.covered_again();
        }
        match purpose {
            Purpose::Replacement => {
                self.target = target;
                self.subscribed(id, Stamp::now(), None);
                self.after_switch_subscribed(id).await;
            }
            Purpose::Initial => self.begin_subscribe(id, SubPurpose::Initial).await,
            Purpose::Reconnect => self.begin_subscribe(id, SubPurpose::Reconnect).await,
            Purpose::Maintenance => self.begin_subscribe(id, SubPurpose::Maintenance).await,
            Purpose::Rollover => self.begin_subscribe(id, SubPurpose::Rollover).await,
        }
    }

    async fn on_connect_failed(&mut self, e: Error, target: ChannelTarget, purpose: Purpose) {
        match purpose {
            Purpose::Initial => self.fail_init(e).await,
            Purpose::Reconnect => {
                let e = e.into_kind(ErrorKind::Reconnect);
                if e.is_permanent() {
                    self.permanent_failure(e).await;
                } else {
                    self.schedule_reconnect(Some(e));
                }
            }
            Purpose::Maintenance => {
                tracing::debug!(error = %e, "maintenance reconnect failed");
                if let Some(sw) = self.switch.take()
                    && let Some(r) = sw.reply
                {
                    let _ = r.send(Err(e.shallow_clone().into_kind(ErrorKind::Rollover)));
                }
                if self.decide(Cause::SwitchFailed) == Decision::Reconnect
                    && !self.live_conn_exists()
                {
                    self.schedule_reconnect(Some(e.into_kind(ErrorKind::Reconnect)));
                }
            }
            Purpose::Rollover => {
                if let Some(sw) = self.switch.take()
                    && let Some(r) = sw.reply
                {
                    let _ = r.send(Err(e
                        .shallow_clone()
                        .into_kind(ErrorKind::Rollover)
                        .non_fatal()));
                }
                // The old socket may have closed while the new one was being opened.
                if self.decide(Cause::SwitchFailed) == Decision::Reconnect
                    && !self.live_conn_exists()
                {
                    self.schedule_reconnect(Some(e.into_kind(ErrorKind::Reconnect)));
                }
            }
            Purpose::Replacement => {
                // Keep trying the new channel with the reconnect policy.
                self.switch = None;
                self.target = target;
                if !self.live_conn_exists() {
                    self.schedule_reconnect(Some(e.into_kind(ErrorKind::Reconnect)));
                }
            }
        }
    }

    async fn begin_subscribe(&mut self, id: u64, purpose: SubPurpose) {
        let now = Instant::now();
        let desired = self.topics.clone();
        if let Some(c) = self.conn_mut(id) {
            c.topics_sent = desired;
        }
        if self.topics.is_empty() {
            let w = SubWait {
                cid: None,
                deadline: None,
                purpose,
                probed: false,
            };
            self.resolve_wait(id, w, Ok(Subscribed::default())).await;
            return;
        }
        if self.source.subscribes_over_socket() {
            let cid = self.correlation_id();
            let text = protocol::encode_subscribe(&self.topics, &cid);
            if !self.send_text(id, text).await {
                // The socket failed; its end was handled (waits answered there).
                if let SubPurpose::Extend(Some(r)) | SubPurpose::User(Some(r), _) = purpose {
                    let _ = r.send(Err(Error::new(
                        ErrorKind::Receive,
                        Reason::ConnectionClosed,
                    )
                    .non_fatal()));
                }
                return;
            }
            if self.opts.await_confirmation {
                let deadline = Some(now + self.opts.subscribe_timeout);
                if let Some(c) = self.conn_mut(id) {
                    c.waits.push_back(SubWait {
                        cid: Some(cid),
                        deadline,
                        purpose,
                        probed: false,
                    });
                }
            } else {
                let w = SubWait {
                    cid: Some(cid),
                    deadline: None,
                    purpose,
                    probed: false,
                };
                self.resolve_wait(id, w, Ok(Subscribed::default())).await;
            }
        } else {
            let source = self.source.clone();
            let topics = self.topics.clone();
            let extend = matches!(purpose, SubPurpose::Extend(_));
            let Some(c) = self.conn_mut(id) else { return };
            c.waits.push_back(SubWait {
                cid: None,
                deadline: None,
                purpose,
                probed: false,
            });
            let target = c.target.clone();
            self.ops.push(Box::pin(async move {
                let result = if extend {
                    source.extend(&target, &topics).await
                } else {
                    source.subscribe(&target, &topics).await
                };
                Op::SourceDone { conn: id, result }
            }));
        }
    }

    /// A subscription of socket `id` succeeded at `now`.
    fn subscribed(&mut self, id: u64, now: Stamp, outcome: Option<&Subscribed>) {
        self.seq += 1;
        let seq = self.seq;
        let Some(c) = self.conn_mut(id) else { return };
        let first = c.phase == Phase::Subscribing;
        if first {
            c.phase = Phase::Active;
            c.active_since = Some(now.instant);
        }
        if let Some(exp) = outcome.and_then(|o| o.expires) {
            c.target.expires = Some(exp);
        }
        let expires = c.target.expires;
        let was_covering = c.covering;
        c.covering = true;
        if !was_covering {
            c.covering_since = Some(now);
            c.covering_seq = seq;
            self.update_recording();
            self.covered_again();
        }
        if let Some(o) = outcome
            && !o.rejected.is_empty()
        {
            let rejected: Vec<String> = o.rejected.iter().map(|(t, _)| t.clone()).collect();
            let topics = self
                .topics
                .iter()
                .filter(|t| !rejected.contains(t))
                .cloned()
                .collect();
            self.set_topics(topics);
            self.events.emit(Event::TopicsRejected {
                topics: o.rejected.clone(),
            });
        }
        if self.head_active() == Some(id) || first {
            let after = self
                .opts
                .extend_after
                .unwrap_or(Duration::from_secs(23 * 3600));
            self.extend_at = Some(extension_due(now, after, expires, self.opts.expiry_margin));
        }
        self.events.emit(Event::Subscribed {
            topics: self.topics.len(),
        });
        let rejected = outcome.map(|o| o.rejected.as_slice()).unwrap_or_default();
        for r in self.deferred.drain(..) {
            let _ = r.send(refused(rejected));
        }
    }

    async fn resolve_wait(&mut self, id: u64, w: SubWait, outcome: Result<Subscribed, Error>) {
        let now = Stamp::now();
        match w.purpose {
            SubPurpose::Initial => match outcome {
                Ok(o) => {
                    self.subscribed(id, now, Some(&o));
                    if let Some(init) = self.init.take() {
                        let _ = init.send(Ok(()));
                    }
                }
                Err(e) => {
                    let e = if e.kind() == ErrorKind::Subscription {
                        e
                    } else {
                        e.into_kind(ErrorKind::Subscription)
                    };
                    self.fail_init(e).await;
                }
            },
            SubPurpose::Reconnect | SubPurpose::Maintenance => {
                match self.tolerate_resubscription(id, outcome) {
                    Ok(None) => {
                        self.subscribed(id, now, None);
                        self.extend_at = Some(now.instant + EXTENSION_RETRY);
                        if self.outage {
                            self.outage = false;
                            let attempts = self.backoff.attempts();
                            self.events.emit(Event::Reconnected { attempts });
                        }
                        if matches!(w.purpose, SubPurpose::Maintenance) {
                            self.after_switch_subscribed(id).await;
                        }
                    }
                    Ok(Some(o)) => {
                        self.subscribed(id, now, Some(&o));
                        if self.outage {
                            self.outage = false;
                            let attempts = self.backoff.attempts();
                            self.events.emit(Event::Reconnected { attempts });
                        }
                        self.last_error = None;
                        if matches!(w.purpose, SubPurpose::Maintenance) {
                            self.after_switch_subscribed(id).await;
                        }
                    }
                    Err(e) => {
                        let e = e.into_kind(ErrorKind::Reconnect);
                        match self.decide(recovery::cause_of(&e)) {
                            Decision::Reconnect | Decision::Probe => self.fail_conn(id, e).await,
                            Decision::Replace(why) | Decision::RetryReplace(why) => {
                                self.start_replace(why);
                                self.fail_conn(id, e).await;
                            }
                            Decision::Fatal(_) | Decision::Surface => self.fatal(e).await,
                        }
                    }
                }
            }
            SubPurpose::Rollover => match outcome {
                Ok(o) => {
                    if let Some(c) = self.conn_mut(id) {
                        self.target = c.target.clone();
                    }
                    self.subscribed(id, now, Some(&o));
                    self.after_switch_subscribed(id).await;
                }
                Err(e) => {
                    if let Some(sw) = self.switch.take()
                        && let Some(r) = sw.reply
                    {
                        let _ = r.send(Err(e.into_kind(ErrorKind::Rollover).non_fatal()));
                    }
                    self.close_conn(id).await;
                }
            },
            SubPurpose::Extend(reply) => match outcome {
                Ok(o) => {
                    self.subscribed(id, now, Some(&o));
                    self.events.emit(Event::Extended);
                    if let Some(r) = reply {
                        let _ = r.send(Ok(()));
                    }
                }
                Err(e) => {
                    let e = e.into_kind(ErrorKind::LifetimeExtension).non_fatal();
                    let decision = (e.reason() == Reason::ChannelExpired)
                        .then(|| self.decide(Cause::WillExpire));
                    if let Some(Decision::Replace(why)) = decision {
                        // The source verified that the lifetime did not move: the channel
                        // will expire, so move to a new one before it does (no gap).
                        self.start_replace(why);
                    } else if self.opts.extend_after.is_some() {
                        self.extend_at = Some(now.instant + EXTENSION_RETRY);
                    }
                    match reply {
                        Some(r) => {
                            let _ = r.send(Err(e));
                        }
                        None => {
                            self.queue.push_error(e);
                        }
                    }
                }
            },
            SubPurpose::User(reply, added) => match outcome {
                Ok(o) => {
                    self.subscribed(id, now, Some(&o));
                    if let Some(r) = reply {
                        let _ = r.send(refused(&o.rejected));
                    }
                }
                Err(e) => {
                    let topics = self
                        .topics
                        .iter()
                        .filter(|t| !added.contains(t))
                        .cloned()
                        .collect();
                    self.set_topics(topics);
                    let e = e.into_kind(ErrorKind::Subscription).non_fatal();
                    match reply {
                        Some(r) => {
                            let _ = r.send(Err(e));
                        }
                        // Nobody waits for it (topics carried over to a new channel): the
                        // stream says so.
                        None => {
                            self.queue.push_error(e);
                        }
                    }
                }
            },
        }
    }

    /// Topics added or removed while socket `id`'s channel was being subscribed (or created)
    /// reach it now. Over the socket only additions can be sent (there is no unsubscribe
    /// message, and `unsubscribe()` is refused in that mode).
    fn catch_up_topics(&mut self, id: u64) {
        let over_socket = self.source.subscribes_over_socket();
        let Some(c) = self.conns.iter().find(|c| c.id == id) else {
            return;
        };
        let added: Vec<String> = self
            .topics
            .iter()
            .filter(|t| !c.topics_sent.contains(t))
            .cloned()
            .collect();
        let removed = c.topics_sent.iter().any(|t| !self.topics.contains(t));
        if added.is_empty() && (over_socket || !removed) {
            return;
        }
        tracing::debug!(
            added = added.len(),
            removed,
            "topics changed during the switch"
        );
        // Deferred to the next turn of the loop (a switch completes inside a subscription's
        // resolution).
        let purpose = SubPurpose::User(None, added);
        self.ops.push(Box::pin(
            async move { Op::Resubscribe { conn: id, purpose } },
        ));
    }

    /// The socket answered the ping sent because subscriptions were not confirmed in time:
    /// it is alive, so they go on unconfirmed, with a warning.
    async fn probe_answered(&mut self, id: u64) {
        let Some(c) = self.conn_mut(id) else { return };
        let mut answered = Vec::new();
        let mut keep = VecDeque::new();
        while let Some(w) = c.waits.pop_front() {
            if w.probed {
                answered.push(w);
            } else {
                keep.push_back(w);
            }
        }
        c.waits = keep;
        let timeout = self.opts.subscribe_timeout;
        for w in answered {
            let warning = Error::new(ErrorKind::Subscription, Reason::Timeout)
                .non_fatal()
                .with_message(format!(
                    "the subscription was not confirmed within {timeout:?}; the socket answers \
                     pings, so the channel goes on (subscription not confirmed)"
                ));
            tracing::warn!(%warning, "subscription not confirmed");
            if let Some(i) = self.conn_index(id) {
                self.deliver(i, Err(warning), false);
            }
            self.resolve_wait(id, w, Ok(Subscribed::default())).await;
        }
    }

    /// Out of band, a socket to a channel whose subscriptions are known (it already covers)
    /// receives without the REST call: a transient failure of that call is reported, and
    /// the call retried as an extension, instead of dropping a working socket.
    fn tolerate_resubscription(
        &mut self,
        id: u64,
        outcome: Result<Subscribed, Error>,
    ) -> Result<Option<Subscribed>, Error> {
        match outcome {
            Err(e)
                if !self.source.subscribes_over_socket()
                    && recovery::cause_of(&e) == Cause::Dropped
                    && self.conn_mut(id).is_some_and(|c| c.covering) =>
            {
                let warning = Error::new(ErrorKind::Subscription, e.reason())
                    .non_fatal()
                    .with_message(format!(
                        "the subscriptions could not be renewed ({e}); the socket receives, \
                         so the channel goes on and retries in {EXTENSION_RETRY:?}"
                    ));
                tracing::warn!(%warning, "resubscription failed");
                self.queue.push_error(warning);
                Ok(None)
            }
            other => other.map(Some),
        }
    }

    /// The new socket of a switch is subscribed: let the older ones go.
    ///
    /// An old socket to the same channel is simply closed (the service moved delivery to the
    /// new one when it connected). An old socket to another channel is pinged first and closed
    /// when the pong arrives: the pong, sent after everything queued before it, proves that
    /// the old socket delivered all it had up to the moment the new one was subscribed. If it
    /// does not come within the drain timeout the socket is let go, and the span between its
    /// last data frame and the new subscription is reported as a gap.
    async fn after_switch_subscribed(&mut self, id: u64) {
        self.catch_up_topics(id);
        let now = Instant::now();
        let until = now + self.opts.drain_timeout;
        let maintenance_until = now + self.opts.drain_timeout.max(MAINTENANCE_DRAIN);
        let new_uri = self.conn_mut(id).map(|c| c.target.uri.clone());
        let olders: Vec<u64> = self
            .conns
            .iter()
            .take_while(|c| c.id != id)
            .map(|c| c.id)
            .collect();
        for old in olders {
            if let Some(c) = self.conn_mut(old) {
                if c.phase == Phase::Draining {
                    continue;
                }
                c.phase = Phase::Draining;
                c.expected_end = true;
                c.watchdog_at = None;
                // The service may still deliver on an old socket to the same channel until
                // the end of its maintenance grace: it is never closed by us before then.
                c.drain_until = Some(if new_uri.as_ref() == Some(&c.target.uri) {
                    maintenance_until
                } else {
                    until
                });
                c.pings.drain(now);
                let sent = c.ws.send(Message::text(protocol::PING)).await;
                if let Err(e) = sent {
                    tracing::debug!(error = %e, "draining the old socket failed");
                    self.end_conn(old, None).await;
                }
            }
        }
        self.check_switch_done();
    }

    /// Socket `id`, an old socket to the same channel whose drain is proven, becomes a
    /// shadow: the oldest newer socket takes over delivery, and `id` moves behind the others.
    fn promote(&mut self, id: u64) {
        let Some(idx) = self.conn_index(id) else {
            return;
        };
        let mut conn = self.conns.remove(idx);
        // What it held (if it was not the oldest) comes before what the next one holds.
        if let Some(next) = self.conns.get_mut(idx) {
            conn.held.append(&mut next.held);
            std::mem::swap(&mut conn.held, &mut next.held);
        }
        self.conns.push(conn);
        if idx == 0 {
            self.flush_head();
        }
        self.update_recording();
        self.check_switch_done();
    }

    fn check_switch_done(&mut self) {
        let Some(sw) = &self.switch else { return };
        let Some(new_id) = sw.new_conn else { return };
        let done = self
            .conns
            .first()
            .is_some_and(|c| c.id == new_id && c.phase == Phase::Active);
        if done {
            if let Some(sw) = self.switch.take()
                && let Some(r) = sw.reply
            {
                let _ = r.send(Ok(()));
            }
            self.dedup
                .expire_at(Instant::now() + self.opts.drain_timeout);
            self.events.emit(Event::RolloverCompleted);
        }
    }

    async fn start_extend(&mut self, reply: Option<Reply>) {
        let Some(id) = self.head_active() else {
            match reply {
                Some(r) => {
                    let _ = r.send(Err(Error::new(
                        ErrorKind::LifetimeExtension,
                        Reason::ConnectionClosed,
                    )
                    .non_fatal()
                    .with_message("no open socket; the channel is recovering")));
                }
                None => self.extend_at = Some(Instant::now() + EXTENSION_RETRY),
            }
            return;
        };
        self.begin_subscribe(id, SubPurpose::Extend(reply)).await;
    }

    // ----- frames -----------------------------------------------------------------------

    async fn on_frames(
        &mut self,
        idx: usize,
        first: Option<Result<Message, tokio_tungstenite::tungstenite::Error>>,
    ) {
        let Some(id) = self.conns.get(idx).map(|c| c.id) else {
            return;
        };
        let now = Stamp::now();
        let mut next = Some(first);
        let mut handled = 0;
        while let Some(m) = next.take() {
            match m {
                Some(Ok(msg)) => {
                    self.seq += 1;
                    let seq = self.seq;
                    if let Some(c) = self.conns.get_mut(idx) {
                        c.last_frame = now;
                        match &msg {
                            Message::Text(_) | Message::Binary(_) => {
                                c.proof = now;
                                c.proof_seq = seq;
                            }
                            // Closed by the service while a newer socket took over (to the
                            // same channel: the service moved delivery to it; or the end of a
                            // drain): the close comes after everything sent on this socket.
                            Message::Close(_) if c.expected_end => {
                                c.proof = now;
                                c.proof_seq = u64::MAX;
                            }
                            _ => {}
                        }
                    }
                    self.on_message(idx, id, msg).await;
                }
                Some(Err(e)) => {
                    let err = transport::stream_error(e);
                    // The peer broke the protocol (oversized frame, text that is not UTF-8,
                    // bad framing): say so before the socket is replaced, so the gap that
                    // follows is explained. (Plain drops are told by the gap alone.)
                    if matches!(
                        err.reason(),
                        Reason::MessageTooLarge | Reason::InvalidMessage | Reason::InvalidHandshake
                    ) {
                        self.stats.malformed.fetch_add(1, Ordering::Relaxed);
                        let item = err.shallow_clone().non_fatal();
                        if let Some(i) = self.conn_index(id) {
                            self.deliver(i, Err(item), false);
                        }
                    }
                    self.fail_conn(id, err).await;
                    return;
                }
                None => {
                    let (reason, deliberate) = match self.conn_mut(id) {
                        Some(c) => (
                            c.close_reason.take(),
                            c.normal_close
                                && !c.closing_announced
                                && !c.expected_end
                                && c.phase != Phase::Draining,
                        ),
                        None => (None, false),
                    };
                    let reason = reason.unwrap_or_else(|| "the socket was closed".to_owned());
                    let err = Error::new(ErrorKind::Receive, Reason::ConnectionClosed)
                        .with_message(reason.clone());
                    if deliberate {
                        // A normal closure without maintenance notice: the channel expired,
                        // was evicted, or another connection took it over, or a proxy ended
                        // the connection. One reconnection after a pause tells them apart:
                        // a second such close soon after is a take-over (taking the channel
                        // back again would only start a tug of war, one socket per channel).
                        let cause = self.takeover.closed_normally(Instant::now());
                        if self.init.is_none() && self.decide(cause) == Decision::Probe {
                            tracing::info!("{reason}; reconnecting once");
                            self.schedule_reconnect_after(Some(err.shallow_clone()), PROBE_PAUSE);
                            self.end_conn(id, Some(err)).await;
                            return;
                        }
                        let message = format!(
                            "{reason}: the service ended this socket (channel taken over by \
                             another connection, evicted or expired)"
                        );
                        self.channel_gone(id, ReplaceReason::ClosedByService, Some(message), None)
                            .await;
                        if !self.finished {
                            self.end_conn(id, Some(err)).await;
                        }
                        return;
                    }
                    self.fail_conn(id, err).await;
                    return;
                }
            }
            handled += 1;
            if handled >= BATCH {
                break;
            }
            // The socket may have been removed or moved while handling the frame.
            let Some(i) = self.conn_index(id) else { return };
            if i != idx {
                return;
            }
            // Back-pressure: the buffer is at its bound (exceeded by at most this frame).
            if !self.queue.may_read(idx == 0) {
                break;
            }
            next = self.conns[idx].ws.next().now_or_never();
        }
    }

    async fn on_message(&mut self, idx: usize, id: u64, msg: Message) {
        match msg {
            Message::Text(text) => {
                let frame = protocol::classify(&text);
                self.on_frame(idx, id, text, frame).await;
            }
            Message::Binary(bytes) => {
                self.stats.malformed.fetch_add(1, Ordering::Relaxed);
                let e = Error::malformed("unexpected binary frame", bytes);
                self.deliver(idx, Err(e), true);
            }
            Message::Close(frame) => {
                if let (Some(f), Some(c)) = (frame, self.conns.get_mut(idx)) {
                    c.normal_close = f.code == CloseCode::Normal;
                    c.close_reason = Some(format!(
                        "closed by the service with code {}{}{}",
                        u16::from(f.code),
                        if f.reason.is_empty() { "" } else { ": " },
                        f.reason
                    ));
                }
            }
            Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => {}
        }
    }

    async fn on_frame(&mut self, idx: usize, id: u64, text: Utf8Bytes, frame: Frame) {
        match frame {
            Frame::Notification(parts) => {
                self.stats.notifications.fetch_add(1, Ordering::Relaxed);
                self.deliver(idx, Ok(Notification::new(text, parts)), true);
            }
            Frame::Heartbeat(parts) => {
                self.stats.heartbeats.fetch_add(1, Ordering::Relaxed);
                *self
                    .stats
                    .last_heartbeat
                    .lock()
                    .unwrap_or_else(|p| p.into_inner()) = Some(Instant::now());
                if self.opts.heartbeat_events {
                    self.events.emit(Event::Heartbeat);
                }
                if self.opts.heartbeats {
                    // In order with the notifications of this socket, as received.
                    self.deliver(idx, Ok(Notification::new(text, parts)), true);
                }
            }
            Frame::Pong => {
                let current = self.target.uri.clone();
                let Some(c) = self.conns.get_mut(idx) else {
                    return;
                };
                match c.pings.pong(Instant::now()) {
                    Answered::User(tx, rtt) => {
                        let _ = tx.send(Ok(rtt));
                    }
                    Answered::Nothing => {}
                    Answered::Probe => self.probe_answered(id).await,
                    // Everything the old socket carried before the newer socket to the same
                    // channel was subscribed has arrived; what it carries from now on, the
                    // newer one carries too. Keep reading it until the service closes it, and
                    // let the newer one deliver.
                    Answered::Drain if c.target.uri == current => {
                        c.shadow = true;
                        self.promote(id);
                    }
                    // Everything the old socket carried before the switch has arrived.
                    Answered::Drain => {
                        let frame = CloseFrame {
                            code: CloseCode::Normal,
                            reason: Utf8Bytes::from_static("switched to a new socket"),
                        };
                        if let Err(e) = Ws::close(&mut c.ws, Some(frame)).await {
                            tracing::debug!(error = %e, "closing the old socket failed");
                            self.end_conn(id, None).await;
                        }
                    }
                }
            }
            Frame::SubscribeResult {
                result,
                status,
                message,
                correlation_id,
            } => {
                let Some(c) = self.conns.get_mut(idx) else {
                    return;
                };
                // Whether the service echoes our correlation id is unconfirmed, so a result
                // without an id answers the oldest waiting subscription. A result with an id
                // that matches none answers the oldest too, until the service has shown that
                // it echoes ids: then it is a stray result and answers nothing.
                let oldest = || c.waits.iter().position(|w| w.cid.is_some());
                let pos = match &correlation_id {
                    Some(cid) => {
                        match c
                            .waits
                            .iter()
                            .position(|w| w.cid.as_deref() == Some(cid.as_str()))
                        {
                            Some(p) => {
                                c.echoes_correlation = true;
                                Some(p)
                            }
                            None if c.echoes_correlation => None,
                            None => oldest(),
                        }
                    }
                    None => oldest(),
                };
                let Some(w) = pos.and_then(|p| c.waits.remove(p)) else {
                    tracing::debug!(result, "subscription result with nothing waiting");
                    return;
                };
                let outcome = if (200..300).contains(&result) {
                    Ok(Subscribed::default())
                } else {
                    let msg = message
                        .or(status)
                        .unwrap_or_else(|| format!("subscription result {result}"));
                    Err(
                        Error::new(ErrorKind::Subscription, Reason::SubscriptionRejected)
                            .with_message(msg)
                            .with_raw(text.into()),
                    )
                };
                self.resolve_wait(id, w, outcome).await;
            }
            Frame::ChannelGone { message } => {
                self.channel_gone(id, ReplaceReason::NotFound, message, Some(text))
                    .await;
            }
            Frame::NoLongerSubscribed { message } => {
                self.channel_gone(id, ReplaceReason::NoLongerSubscribed, message, Some(text))
                    .await;
            }
            Frame::TokenRevoked { message } => {
                self.channel_gone(id, ReplaceReason::TokenRevoked, message, Some(text))
                    .await;
            }
            Frame::SocketClosing { message } => self.socket_closing(id, message).await,
            Frame::System { topic } => {
                tracing::debug!(%topic, "system message ignored");
            }
            Frame::Malformed { reason } => {
                self.stats.malformed.fetch_add(1, Ordering::Relaxed);
                let e = Error::malformed(reason, text.into());
                self.deliver(idx, Err(e), true);
            }
        }
    }

    async fn socket_closing(&mut self, id: u64, message: Option<String>) {
        self.events.emit(Event::SocketClosing);
        let Some(c) = self.conn_mut(id) else { return };
        c.closing_announced = true;
        if c.phase == Phase::Draining || c.expected_end {
            return;
        }
        let target = c.target.clone();
        match self.decide(Cause::Maintenance) {
            Decision::Surface => {
                let mut e = Error::new(ErrorKind::ChannelExpiring, Reason::ChannelClosing);
                e = e.with_message(
                    message.unwrap_or_else(|| "the service will close the socket".to_owned()),
                );
                if let Some(i) = self.conn_index(id) {
                    self.deliver(i, Err(e), false);
                }
            }
            Decision::Replace(why) | Decision::RetryReplace(why) => {
                if self.switch.is_none() && !self.replacing {
                    self.switch = Some(Switch {
                        new_conn: None,
                        reply: None,
                    });
                    self.events.emit(Event::RolloverStarted);
                    self.start_replace(why);
                }
            }
            Decision::Reconnect | Decision::Probe | Decision::Fatal(_) => {
                if self.switch.is_none() && self.connecting == 0 {
                    self.switch = Some(Switch {
                        new_conn: None,
                        reply: None,
                    });
                    self.events.emit(Event::RolloverStarted);
                    self.start_connect(target, Purpose::Maintenance);
                }
            }
        }
    }

    async fn channel_gone(
        &mut self,
        id: u64,
        why: ReplaceReason,
        message: Option<String>,
        raw: Option<Utf8Bytes>,
    ) {
        let now = Stamp::now();
        if let Some(c) = self.conn_mut(id) {
            if c.phase == Phase::Draining {
                return;
            }
            if c.covering {
                c.covering = false;
                let proof = now;
                if !self.conns.iter().any(|c| c.covering) {
                    self.continuity.lost(proof);
                }
            }
        }
        let message = message.unwrap_or_else(|| match why {
            ReplaceReason::NotFound => "the channel does not exist".to_owned(),
            ReplaceReason::NoLongerSubscribed => "the channel is no longer subscribed".to_owned(),
            ReplaceReason::TokenRevoked => "the channel's token was revoked".to_owned(),
            _ => "the channel is gone".to_owned(),
        });
        let kind = if self.init.is_some() {
            ErrorKind::Connection
        } else {
            ErrorKind::Receive
        };
        let mut e = Error::new(kind, why.reason()).with_message(message);
        if let Some(raw) = raw {
            e = e.with_raw(raw.into());
        }
        if self.init.is_some() {
            self.fail_init(e).await;
            return;
        }
        let cause = match why {
            ReplaceReason::Maintenance => Cause::Maintenance,
            ReplaceReason::NotFound => Cause::NotFound,
            ReplaceReason::NoLongerSubscribed => Cause::NoLongerSubscribed,
            ReplaceReason::TokenRevoked => Cause::TokenRevoked,
            ReplaceReason::Expired => Cause::WillExpire,
            // The one reconnection after a first normal close has been made already.
            ReplaceReason::ClosedByService => Cause::ClosedNormallyAgain,
        };
        match self.decide(cause) {
            Decision::Replace(why) | Decision::RetryReplace(why) => {
                tracing::info!(reason = %e, "the channel is gone; replacing it");
                self.last_error = Some(e);
                self.start_replace(why);
            }
            Decision::Fatal(_) | Decision::Surface | Decision::Reconnect | Decision::Probe => {
                self.fatal(e).await;
            }
        }
    }

    fn decide(&self, cause: Cause) -> Decision {
        let policy = Policy {
            maintenance: self.opts.maintenance,
        };
        recovery::decide(cause, self.mode, policy)
    }

    /// No new channel could be obtained for `why`.
    async fn replacement_failed(&mut self, why: ReplaceReason, e: Error) {
        tracing::info!(error = %e, ?why, "no new channel");
        match self.decide(Cause::ReplacementFailed(why)) {
            Decision::Reconnect => {
                // Maintenance: the old channel still works; make before break to it while
                // its socket is open, else reconnect to it.
                if self.live_conn_exists() {
                    if self.connecting == 0 {
                        if self.switch.is_none() {
                            self.switch = Some(Switch {
                                new_conn: None,
                                reply: None,
                            });
                        }
                        let target = self.target.clone();
                        self.start_connect(target, Purpose::Maintenance);
                    }
                } else {
                    self.switch = None;
                    self.schedule_reconnect(Some(e.into_kind(ErrorKind::Reconnect)));
                }
            }
            Decision::RetryReplace(why) => {
                if self.switch.as_ref().is_some_and(|s| s.new_conn.is_none()) {
                    self.switch = None;
                }
                let now = Instant::now();
                match self.replace_backoff.next_delay(now) {
                    Some(delay) => {
                        let delay = delay.max(REPLACE_RETRY_MIN);
                        tracing::info!(?delay, "asking for a new channel again");
                        self.last_error = Some(e);
                        self.replace_retry = Some((now + delay, why));
                    }
                    None => {
                        let attempts = self.replace_backoff.attempts();
                        let e = Error::new(ErrorKind::Reconnect, Reason::AttemptsExhausted)
                            .with_attempts(attempts)
                            .with_message(format!(
                                "gave up obtaining a new channel after {attempts} attempt(s); \
                                 last error: {e}"
                            ))
                            .with_source(e);
                        self.fatal(e).await;
                    }
                }
            }
            Decision::Replace(why) => self.start_replace(why),
            Decision::Fatal(_) | Decision::Surface | Decision::Probe => self.fatal(e).await,
        }
    }

    // ----- losing sockets ---------------------------------------------------------------

    /// Socket `id` failed (error, close, watchdog, unconfirmed resubscription): close it and
    /// recover.
    async fn fail_conn(&mut self, id: u64, cause: Error) {
        if let Some(c) = self.conn_mut(id) {
            let _ = Ws::close(&mut c.ws, None).now_or_never();
        }
        self.end_conn(id, Some(cause)).await;
    }

    async fn close_conn(&mut self, id: u64) {
        if let Some(c) = self.conn_mut(id) {
            c.expected_end = true;
            let _ = Ws::close(&mut c.ws, None).now_or_never();
        }
        self.end_conn(id, None).await;
    }

    /// Removes socket `id` and decides what comes next.
    async fn end_conn(&mut self, id: u64, cause: Option<Error>) {
        let Some(idx) = self.conn_index(id) else {
            return;
        };
        let now = Instant::now();
        let mut conn = self.conns.remove(idx);
        let closed = || {
            Error::new(ErrorKind::Receive, Reason::ConnectionClosed)
                .non_fatal()
                .with_message("the socket closed")
        };
        for tx in conn.pings.take_replies() {
            let _ = tx.send(Err(closed()));
        }
        // Items it held are still in order after everything older: deliver them now.
        if idx == 0 {
            let held = conn.held.take();
            for (item, bounded) in held {
                self.push(item, bounded);
            }
        } else if let Some(prev) = self.conns.get_mut(idx - 1) {
            prev.held.append(&mut conn.held);
        }
        if conn.covering {
            let successor = self
                .conns
                .iter()
                .filter(|c| c.covering)
                .filter_map(|c| c.covering_since.map(|s| (s, c.covering_seq)))
                .min_by_key(|(_, seq)| *seq);
            match successor {
                None => self.continuity.lost(conn.proof),
                // A successor covers, but only from `since`: this socket proved nothing after
                // its last data frame (e.g. it was stalled when a switch let it go), so the
                // span in between is a gap, placed after this socket's notifications.
                Some((since, seq)) if conn.proof_seq < seq => {
                    let gap = Gap {
                        from: conn.proof.wall,
                        to: since.wall.max(conn.proof.wall),
                        from_instant: conn.proof.instant,
                        to_instant: since.instant.max(conn.proof.instant),
                        topics: self.topics.clone(),
                    };
                    tracing::info!(duration = ?gap.duration(), "gap before the switch");
                    self.stats.gaps.fetch_add(1, Ordering::Relaxed);
                    self.events.emit(Event::Gap(gap.clone()));
                    match idx.checked_sub(1).and_then(|i| self.conns.get_mut(i)) {
                        Some(prev) => prev.held.push_back((Err(Error::gap(gap)), false)),
                        None => {
                            self.queue.push_error(Error::gap(gap));
                        }
                    }
                }
                Some(_) => {}
            }
        }
        let unexpected = !conn.expected_end && conn.phase != Phase::Draining;
        if unexpected {
            let reason = cause
                .as_ref()
                .map_or(Reason::ConnectionClosed, Error::reason);
            tracing::info!(%reason, "socket lost");
            self.events.emit(Event::Disconnected { reason });
        }
        if conn
            .active_since
            .is_some_and(|t| now.saturating_duration_since(t) >= self.backoff.healthy_after())
        {
            self.backoff.reset();
        }
        let waits: Vec<SubWait> = conn.waits.drain(..).collect();
        let was_switch_target = self.switch.as_ref().is_some_and(|s| s.new_conn == Some(id));
        // A socket let go after a switch: a user's subscription change still waiting on it
        // is carried over to the socket that took over, not failed.
        let handed_over = conn.phase == Phase::Draining;
        drop(conn);
        if was_switch_target && !self.conns.iter().any(|c| c.shadow) {
            // A failed switch: what was remembered for it is of no use any more.
            self.dedup.clear();
            for c in &mut self.conns {
                c.dedup = false;
            }
        }
        if idx == 0 {
            self.flush_head();
        }
        self.update_recording();
        for w in waits {
            if handed_over
                && matches!(w.purpose, SubPurpose::User(Some(_), _))
                && let Some(head) = self.head_active()
            {
                let purpose = w.purpose;
                self.ops.push(Box::pin(async move {
                    Op::Resubscribe {
                        conn: head,
                        purpose,
                    }
                }));
                continue;
            }
            let e = cause.as_ref().map_or_else(closed, Error::shallow_clone);
            match w.purpose {
                SubPurpose::Initial => {}
                SubPurpose::User(reply, added) => {
                    // A failed subscribe() leaves the topic set as it was.
                    let topics = self
                        .topics
                        .iter()
                        .filter(|t| !added.contains(t))
                        .cloned()
                        .collect();
                    self.set_topics(topics);
                    if let Some(r) = reply {
                        let _ = r.send(Err(e.into_kind(ErrorKind::Subscription).non_fatal()));
                    }
                }
                SubPurpose::Extend(Some(r)) => {
                    let _ = r.send(Err(e.non_fatal()));
                }
                _ => {}
            }
        }
        if self.init.is_some() {
            let e = cause.unwrap_or_else(|| {
                Error::new(ErrorKind::Connection, Reason::ConnectionClosed)
                    .with_message("the socket closed before the subscription was confirmed")
            });
            let e = if e.is_initialization_failure() {
                e
            } else {
                e.into_kind(ErrorKind::Connection)
            };
            self.fail_init(e).await;
            return;
        }
        if was_switch_target
            && let Some(sw) = self.switch.take()
            && let Some(r) = sw.reply
        {
            let err = cause.as_ref().map_or_else(closed, Error::shallow_clone);
            let _ = r.send(Err(err.into_kind(ErrorKind::Rollover).non_fatal()));
        }
        self.check_switch_done();
        if !self.live_conn_exists()
            && self.connecting == 0
            && !self.replacing
            && self.replace_retry.is_none()
        {
            self.schedule_reconnect(cause);
        }
    }

    fn schedule_reconnect(&mut self, cause: Option<Error>) {
        self.schedule_reconnect_after(cause, Duration::ZERO);
    }

    /// Schedules the next reconnection under the policy, not sooner than `at_least`.
    fn schedule_reconnect_after(&mut self, cause: Option<Error>, at_least: Duration) {
        if self.retry_at.is_some() || self.connecting > 0 || self.finished {
            return;
        }
        if let Some(c) = cause {
            self.last_error = Some(c);
        }
        self.outage = true;
        let now = Instant::now();
        match self.backoff.next_delay(now) {
            Some(delay) => {
                let delay = delay.max(at_least);
                tracing::info!(attempt = self.backoff.attempts(), ?delay, "reconnecting");
                self.events.emit(Event::ReconnectAttempt {
                    attempt: self.backoff.attempts(),
                    delay,
                });
                self.retry_at = Some(now + delay);
            }
            None => {
                let attempts = self.backoff.attempts();
                let reason = match self.decide(Cause::Exhausted) {
                    Decision::Fatal(reason) => reason,
                    _ => Reason::AttemptsExhausted,
                };
                let mut e = Error::new(ErrorKind::Reconnect, reason)
                    .with_attempts(attempts)
                    .with_message(format!("gave up reconnecting after {attempts} attempt(s)"));
                if let Some(last) = self.last_error.take() {
                    e = e
                        .with_message(format!(
                            "gave up reconnecting after {attempts} attempt(s); last error: {last}"
                        ))
                        .with_source(last);
                }
                self.finish_with(e);
            }
        }
    }

    /// A permanent failure while recovering: what the recovery decision says.
    async fn permanent_failure(&mut self, e: Error) {
        match self.decide(recovery::cause_of(&e)) {
            Decision::Replace(why) | Decision::RetryReplace(why) => {
                self.last_error = Some(e);
                self.start_replace(why);
            }
            Decision::Reconnect | Decision::Probe => self.schedule_reconnect(Some(e)),
            Decision::Fatal(_) | Decision::Surface => {
                let attempts = self.backoff.attempts();
                // Say what started the outage too (e.g. the close that preceded a 404).
                let e = match self.last_error.take() {
                    Some(before) => {
                        let now = e
                            .message()
                            .map_or_else(|| e.reason().to_string(), str::to_owned);
                        let then = before
                            .message()
                            .map_or_else(|| before.reason().to_string(), str::to_owned);
                        e.with_message(format!("{now}; before that: {then}"))
                    }
                    None => e,
                };
                self.fatal(e.with_attempts(attempts)).await;
            }
        }
    }

    async fn fail_init(&mut self, e: Error) {
        if let Some(init) = self.init.take() {
            let _ = init.send(Err(e.fatal()));
        }
        self.close_all().await;
        self.finished = true;
        self.queue.close();
        self.events.close();
    }

    /// Ends the stream with `e` (fatal).
    async fn fatal(&mut self, e: Error) {
        if self.init.is_some() {
            self.fail_init(e).await;
            return;
        }
        self.close_all().await;
        self.finish_with(e);
    }

    fn finish_with(&mut self, e: Error) {
        if self.finished {
            return;
        }
        tracing::warn!(error = %e, "channel failed");
        let reason = e.reason();
        if let Some(init) = self.init.take() {
            let _ = init.send(Err(e.fatal()));
        } else {
            self.queue.push_error(e.fatal());
        }
        self.answer_everyone();
        self.finished = true;
        self.events.emit(Event::Closed {
            reason: Some(reason),
        });
        self.events.close();
        self.queue.close();
    }

    fn answer_everyone(&mut self) {
        if let Some(sw) = self.switch.take()
            && let Some(r) = sw.reply
        {
            let _ = r.send(Err(Error::closed()));
        }
        for r in self.deferred.drain(..) {
            let _ = r.send(Err(Error::closed()));
        }
        for c in &mut self.conns {
            for tx in c.pings.take_replies() {
                let _ = tx.send(Err(Error::closed()));
            }
            for w in c.waits.drain(..) {
                if let SubPurpose::Extend(Some(r)) | SubPurpose::User(Some(r), _) = w.purpose {
                    let _ = r.send(Err(Error::closed()));
                }
            }
        }
        while let Ok(cmd) = self.cmd_rx.try_recv() {
            reject(cmd);
        }
        self.cmd_rx.close();
    }

    /// Sends close 1000 on every socket and waits (briefly) for the close handshakes.
    async fn close_all(&mut self) {
        let mut conns = std::mem::take(&mut self.conns);
        let closing = conns.iter_mut().map(|c| async move {
            let frame = CloseFrame {
                code: CloseCode::Normal,
                reason: Utf8Bytes::from_static("closed by the client"),
            };
            if Ws::close(&mut c.ws, Some(frame)).await.is_ok() {
                while let Some(Ok(_)) = c.ws.next().await {}
            }
        });
        let _ = tokio::time::timeout(CLOSE_WAIT, futures_util::future::join_all(closing)).await;
        self.answer_everyone_on(&mut conns);
    }

    fn answer_everyone_on(&mut self, conns: &mut [Conn]) {
        for c in conns {
            for tx in c.pings.take_replies() {
                let _ = tx.send(Err(Error::closed()));
            }
            for w in c.waits.drain(..) {
                if let SubPurpose::Extend(Some(r)) | SubPurpose::User(Some(r), _) = w.purpose {
                    let _ = r.send(Err(Error::closed()));
                }
            }
        }
    }

    /// Closed by the user (or the channel was dropped).
    async fn shutdown(&mut self, reply: Option<oneshot::Sender<()>>) {
        self.close_all().await;
        self.answer_everyone();
        self.finished = true;
        self.events.emit(Event::Closed { reason: None });
        self.events.close();
        self.queue.close();
        if let Some(r) = reply {
            let _ = r.send(());
        }
    }

    // ----- commands ---------------------------------------------------------------------

    async fn on_command(&mut self, cmd: Command) {
        match cmd {
            Command::Close(reply) => self.shutdown(Some(reply)).await,
            Command::Ping(reply) => {
                let Some(id) = self.head_active() else {
                    let _ = reply.send(Err(Error::new(
                        ErrorKind::Receive,
                        Reason::ConnectionClosed,
                    )
                    .non_fatal()
                    .with_message("no open socket; the channel is recovering")));
                    return;
                };
                let Some(c) = self.conn_mut(id) else { return };
                if !c.pings.has_room() {
                    let _ = reply.send(Err(Error::new(ErrorKind::Receive, Reason::Timeout)
                        .non_fatal()
                        .with_message("too many pings without an answer on this socket")));
                    return;
                }
                c.pings.user(Instant::now(), reply);
                self.send_text(id, protocol::PING.to_owned()).await;
            }
            Command::Extend(reply) => self.start_extend(Some(reply)).await,
            Command::Subscribe(topics, reply) => {
                let added: Vec<String> = topics
                    .into_iter()
                    .filter(|t| !self.topics.contains(t))
                    .collect();
                let mut all = self.topics.clone();
                all.extend(added.iter().cloned());
                self.set_topics(all);
                match self.head_active() {
                    Some(id) => {
                        self.begin_subscribe(id, SubPurpose::User(Some(reply), added))
                            .await;
                    }
                    // Recovering: the topics are subscribed with the others on reconnection,
                    // and the answer is that subscription's.
                    None => self.deferred.push(reply),
                }
            }
            Command::Unsubscribe(topics, reply) => {
                if self.source.subscribes_over_socket() {
                    let _ = reply.send(Err(Error::new(ErrorKind::Subscription, Reason::Ambiguous)
                        .non_fatal()
                        .with_message(
                            "the socket protocol has no unsubscribe message; \
                             removing topics needs the managed channel (feature `rest`)",
                        )));
                    return;
                }
                let remaining: Vec<String> = self
                    .topics
                    .iter()
                    .filter(|t| !topics.contains(t))
                    .cloned()
                    .collect();
                if remaining.len() == self.topics.len() {
                    let _ = reply.send(Ok(()));
                    return;
                }
                self.set_topics(remaining);
                match self.head_active() {
                    Some(id) => {
                        self.begin_subscribe(id, SubPurpose::User(Some(reply), Vec::new()))
                            .await;
                    }
                    // Recovering: the remaining topics are subscribed on reconnection.
                    None => self.deferred.push(reply),
                }
            }
            Command::Rollover(uri, reply) => {
                if self.switch.is_some() || self.replacing {
                    let _ = reply.send(Err(Error::new(ErrorKind::Rollover, Reason::Ambiguous)
                        .non_fatal()
                        .with_message("a switch is already in progress")));
                    return;
                }
                self.switch = Some(Switch {
                    new_conn: None,
                    reply: Some(reply),
                });
                self.events.emit(Event::RolloverStarted);
                self.start_connect(ChannelTarget::from_uri(uri), Purpose::Rollover);
            }
            Command::Reconnect(reply) => {
                if let Some(id) = self.head_active() {
                    let e = Error::new(ErrorKind::Receive, Reason::ConnectionClosed)
                        .with_message("reconnection requested");
                    self.fail_conn(id, e).await;
                }
                let _ = reply.send(Ok(()));
            }
        }
    }
}

/// A driver that goes away before it finished (a panic in the task, or the task aborted)
/// ends the stream with a fatal item: the consumer must never take it for a user's close.
impl<S> Drop for Driver<S> {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        let e = Error::new(ErrorKind::Receive, Reason::Internal)
            .with_message("the channel's task stopped unexpectedly");
        tracing::error!(error = %e, "channel failed");
        match self.init.take() {
            Some(init) => {
                let _ = init.send(Err(e.fatal()));
            }
            None => {
                self.queue.push_error(e.fatal());
            }
        }
        self.events.emit(Event::Closed {
            reason: Some(Reason::Internal),
        });
        self.events.close();
        self.queue.close();
    }
}

/// The answer to a user's subscription change the service applied except for `rejected`
/// (managed mode, `ignoreErrors`): the refused topics, with the service's reasons.
fn refused(rejected: &[(String, String)]) -> Result<(), Error> {
    if rejected.is_empty() {
        return Ok(());
    }
    let list: Vec<String> = rejected
        .iter()
        .map(|(topic, why)| format!("{topic} ({why})"))
        .collect();
    Err(
        Error::new(ErrorKind::Subscription, Reason::SubscriptionRejected)
            .non_fatal()
            .with_message(format!(
                "the service refused {} topic(s), the others are subscribed: {}",
                rejected.len(),
                list.join(", ")
            )),
    )
}

fn reject(cmd: Command) {
    match cmd {
        Command::Ping(r) => {
            let _ = r.send(Err(Error::closed()));
        }
        Command::Close(r) => {
            let _ = r.send(());
        }
        Command::Extend(r)
        | Command::Rollover(_, r)
        | Command::Subscribe(_, r)
        | Command::Unsubscribe(_, r)
        | Command::Reconnect(r) => {
            let _ = r.send(Err(Error::closed()));
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use std::sync::atomic::AtomicU32;

    use futures_util::StreamExt;
    use url::Url;

    use super::*;

    /// A source whose second subscription panics (a bug inside the channel's task).
    #[derive(Default)]
    struct Panicky {
        calls: AtomicU32,
    }

    impl ChannelSource for Panicky {
        fn subscribes_over_socket(&self) -> bool {
            false
        }

        fn can_replace(&self) -> bool {
            false
        }

        async fn subscribe(&self, _: &ChannelTarget, _: &[String]) -> Result<Subscribed, Error> {
            assert_eq!(self.calls.fetch_add(1, Ordering::Relaxed), 0, "a bug");
            Ok(Subscribed::default())
        }

        async fn extend(&self, _: &ChannelTarget, _: &[String]) -> Result<Subscribed, Error> {
            Ok(Subscribed::default())
        }

        async fn replace(&self, why: ReplaceReason, _: &[String]) -> Result<ChannelTarget, Error> {
            Err(Error::new(ErrorKind::Receive, why.reason()))
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_panic_in_the_task_ends_the_stream_with_a_fatal_item() {
        let sim = genesys_sim::Simulator::start(genesys_sim::SimConfig::default())
            .await
            .unwrap();
        let info = sim.create_channel("demo-client");
        let target = ChannelTarget::from_uri(Url::parse(&info.connect_uri).unwrap());
        let topics = vec!["v2.users.u1.presence".to_owned()];
        let mut ch = start(
            Panicky::default(),
            target,
            topics,
            ConnectOptions::default(),
        )
        .await
        .unwrap();
        let mut events = ch.events();
        assert!(ch.subscribe(["v2.users.u2.presence"]).await.is_err());
        let item = tokio::time::timeout(Duration::from_secs(60), ch.next())
            .await
            .unwrap()
            .expect("an item, not a silent end");
        let e = item.unwrap_err();
        assert!(e.is_fatal(), "{e:?}");
        assert_eq!(e.reason(), Reason::Internal);
        assert!(ch.next().await.is_none());
        let mut closed = None;
        while let Some(ev) = events.recv().await {
            if let Event::Closed { reason } = ev {
                closed = Some(reason);
            }
        }
        assert_eq!(closed, Some(Some(Reason::Internal)));
    }
}
