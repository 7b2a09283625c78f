//! The channel as one sans-IO machine: every decision about its sockets, subscriptions,
//! switches, gaps and the consumer's items, taken in [`Machine::handle`] from an [`Input`] and
//! the time `now`, and told as [`Action`]s for the executor ([`crate::driver`]) to carry out.
//!
//! No task, socket or clock here: the executor reads the sockets, writes what `Send` asks
//! (one write queue per socket), runs the source's calls and the socket openings, arms the
//! timer at [`Machine::next_deadline`] and feeds every outcome back as an input. Items go to
//! the consumer's buffer ([`crate::queue::Sender`], owned here) directly, without an action:
//! the frame → item path allocates nothing besides the item.
//!
//! # Sockets and their order
//!
//! `conns` holds the sockets the machine reads, oldest first; a socket the executor opens is
//! unknown here until its `Opened` input, and a socket forgotten (`Action::Drop`, or the end
//! of its stream) is never referred to again. Only the oldest socket (`conns[0]`) delivers to
//! the consumer; a newer one (maintenance reconnect, rollover, replacement) holds its items
//! until the older ones are gone, or, for an old socket to the same channel, until a pong
//! proves the old one delivered everything sent before the newer one was subscribed: then the
//! old one becomes a *shadow*, moved behind the others and read until the service closes it,
//! its copies skipped. During an overlap, once the newer socket is subscribed, what is
//! delivered is remembered (per socket, [`Dedup`]) and its copies on the other socket skipped.
//!
//! # Invariants of the state
//!
//! * `continuity` is uncovered exactly when no socket in `conns` is `covering` since the last
//!   covering one went away; its window starts at that socket's last proof.
//! * Read order across sockets is not send order. Once a newer socket covers, every older
//!   socket it takes over from (to the same channel; or to another channel when the newer
//!   one is to the current channel) has its `handover` set to that moment, and from then on
//!   only causality raises its `proof`: a pong (up to its ping), the answer to our own close
//!   (up to that close), or, to the same channel, the service's normal close (up to the
//!   handover: the newer connection caused it). An older socket to the same channel is not
//!   `covering` and not live once handed over. What a handed-over socket did not prove up to
//!   the handover is a gap when it ends.
//! * A socket's `proof` (what it proved delivered) is apart from `last_frame` (the watchdog's
//!   silence clock): after reading paused by back-pressure, `catch_up` is set until the
//!   backlog is proven read, and meanwhile a frame read raises `proof` no further than its
//!   bound (where proof stood when reading stopped, or a later pong's ping).
//! * `recording` is true exactly when some socket is a shadow, or a socket other than the
//!   oldest is covering and checks for copies (see [`Machine::update_recording`]).
//! * `switch` is `Some` from the moment a make-before-break starts until its new socket is
//!   the oldest and active (completed) or it failed; `switch.new_conn` names that socket once
//!   it is open.
//! * Every request id received is answered exactly once: at once, when its subscription or
//!   ping resolves, when its socket goes, or when the machine finishes ([`Machine::finished`]).
//! * `opening` lists each socket asked to be opened and not yet reported: the machine never
//!   waits for a socket it has not asked for, and an `Opened` it no longer wants is dropped.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::Utf8Bytes;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use url::Url;

use super::pings::{Answered, Mark, Pings};
use super::recovery::{self, Cause, Decision, Mode, Policy, Recovery, ReplaceReason};
use super::takeover::{PROBE_PAUSE, Takeover};
use super::target::{ChannelTarget, Subscribed};
use crate::error::{Error, ErrorKind, Gap, Reason};
use crate::event::{Event, SharedStats, State};
use crate::notification::Notification;
use crate::options::ConnectOptions;
use crate::policy::Backoff;
use crate::protocol::{self, Frame};
use crate::queue::{self, FlowChange, Pushed, Reading};
use crate::state::{Continuity, Dedup, Stamp, extension_due};

/// Delay before retrying a failed automatic lifetime extension.
pub(crate) const EXTENSION_RETRY: Duration = Duration::from_secs(60);
/// Shortest pause before asking for a new channel again after a failed attempt.
const REPLACE_RETRY_MIN: Duration = Duration::from_secs(1);
/// How long an old socket to the same channel is read after a maintenance switch, unless the
/// service closes it first: the announced grace (about 60 s) and a margin.
const MAINTENANCE_DRAIN: Duration = Duration::from_secs(90);

/// A socket, named by the machine when it asks for it to be opened.
pub(crate) type SocketId = u64;
/// A user's request, named by the executor; answered exactly once ([`Action::Answer`]).
pub(crate) type RequestId = u64;

/// A user's request to the channel.
#[derive(Debug)]
pub(crate) enum Request {
    Ping,
    Close,
    Extend,
    Rollover(Url),
    Subscribe(Vec<String>),
    Unsubscribe(Vec<String>),
    Reconnect,
}

/// A successful answer to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Answer {
    Done,
    /// The round trip of a ping.
    Rtt(Duration),
}

/// What happened, as the executor tells it.
#[derive(Debug)]
pub(crate) enum Input {
    /// Begin: open the first socket.
    Start,
    /// A socket asked for with [`Action::Open`] is open, or could not be opened.
    Opened {
        sock: SocketId,
        result: Result<(), Error>,
    },
    /// A frame arrived on a socket.
    Frame { sock: SocketId, msg: Message },
    /// A socket's stream ended (after the close handshake, or at the end of the connection).
    Ended { sock: SocketId },
    /// Reading or writing a socket failed.
    Failed { sock: SocketId, error: Error },
    /// A read of a socket would block: everything that had arrived on it has been read (told
    /// only while [`Machine::catching_up`]).
    Drained { sock: SocketId },
    /// [`Machine::next_deadline`] has passed.
    Timer,
    /// A user's request.
    Request { id: RequestId, req: Request },
    /// The source's subscription or extension call for a socket's channel finished.
    SourceDone {
        sock: SocketId,
        result: Result<Subscribed, Error>,
    },
    /// The source's call for a new channel finished.
    Replaced {
        why: ReplaceReason,
        result: Result<(ChannelTarget, Subscribed), Error>,
    },
    /// The channel was dropped, or every handle is gone: end without a reason.
    Shutdown,
}

/// What the executor is asked to do, in order.
#[derive(Debug)]
pub(crate) enum Action {
    /// Queue a text frame on a socket (written in order, without blocking other sockets).
    Send { sock: SocketId, text: String },
    /// Start the close handshake (1000 with `reason`) on a socket and keep reading it until
    /// its stream ends.
    Close {
        sock: SocketId,
        reason: &'static str,
    },
    /// Forget a socket: the machine no longer reads it (closed without waiting).
    Drop { sock: SocketId },
    /// Open a socket to `uri`; report it with [`Input::Opened`].
    Open { sock: SocketId, uri: Url },
    /// Call the source to subscribe (or extend) a socket's channel; report with
    /// [`Input::SourceDone`].
    CallSource {
        sock: SocketId,
        target: ChannelTarget,
        topics: Vec<String>,
        extend: bool,
    },
    /// Ask the source for a new channel; report with [`Input::Replaced`].
    Replace {
        why: ReplaceReason,
        topics: Vec<String>,
    },
    /// Publish a lifecycle event.
    Emit(Event),
    /// Answer a request.
    Answer {
        id: RequestId,
        result: Result<Answer, Error>,
    },
    /// The outcome of the first connection and subscription.
    Ready(Result<(), Error>),
    /// The desired topic set changed.
    Topics(Vec<String>),
    /// Close every socket (1000) and wait briefly for the handshakes: the channel ends.
    CloseAll,
    /// The end: close the consumer's buffer and the event streams.
    Finish,
}

/// Why a socket is being opened.
#[derive(Debug, Clone, Copy)]
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
    Extend(Option<RequestId>),
    User(Option<RequestId>, Vec<String>),
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
    id: SocketId,
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
    /// Order of `proof` among the machine's events (instants can be equal; causality is not).
    proof_seq: u64,
    /// Reading resumed after a pause and the backlog is not proven read: while `Some`, a
    /// frame read proves delivery only up to its bound, never up to now.
    catch_up: Option<CatchUp>,
    /// Order of the moment it started covering.
    covering_seq: u64,
    /// A newer socket took over: the moment it started covering. From then on a frame read
    /// here may have been sent before that moment or after (read order across sockets is not
    /// send order), so it proves nothing more; only a pong (to a ping sent since) does, or,
    /// for a socket to the same channel, the service's normal close (the one socket a channel
    /// allows: the newer connection ends the older one, so the close comes after everything
    /// sent here before the newer socket covered).
    handover: Option<Handover>,
    watchdog_at: Option<Instant>,
    drain_until: Option<Instant>,
    active_since: Option<Instant>,
    waits: VecDeque<SubWait>,
    /// The service has echoed one of our correlation ids on this socket: from then on a result
    /// whose id matches no waiting subscription is someone else's and answers nothing.
    echoes_correlation: bool,
    /// Every ping sent on this socket and not yet answered (user, drain, probe).
    pings: Pings<RequestId>,
    /// Correlation ids of subscriptions of the whole set that went on unconfirmed (no reply
    /// in time, the socket answered a ping): a refusal that still arrives means the socket
    /// never received anything.
    unconfirmed: Vec<String>,
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
    /// closes it, its copies skipped (see [`Machine::deliver`]).
    shadow: bool,
}

/// A socket's backlog after paused reading. A frame read from it may have been sent at any
/// time since reading stopped, so it proves no more than was proven then (`bound`: the pause
/// start, raised by each pong, which proves what was sent before its ping). The backlog is
/// proven read by a read that would block ([`Input::Drained`]) or a pong to a ping sent since
/// the last resume: then frames prove up to now again. The watchdog's silence clock
/// (`last_frame`) is apart: it moves on resume (silence while paused is not a dead socket).
#[derive(Debug, Clone, Copy)]
struct CatchUp {
    bound: Mark,
    /// The order of the last resume.
    resumed_seq: u64,
}

/// A newer socket took over from this one (see [`Conn::handover`]).
#[derive(Debug, Clone, Copy)]
struct Handover {
    /// When the newer socket started covering.
    at: Mark,
    /// The newer socket is to the same channel: the service moved delivery to it (this
    /// socket may receive nothing more, so it covers no longer).
    same_channel: bool,
}

impl Conn {
    /// Raises the continuity proof to `m` (never lowers it).
    fn prove(&mut self, m: Mark) {
        if m.seq > self.proof_seq {
            self.proof = m.at;
            self.proof_seq = m.seq;
        }
    }
}

struct Switch {
    new_conn: Option<SocketId>,
    reply: Option<RequestId>,
    /// What its completion recovers from ([`Event::Recovered`]).
    kind: Recovery,
}

/// How the channel is set up: fixed for its life.
pub(crate) struct Setup {
    pub(crate) options: ConnectOptions,
    pub(crate) mode: Mode,
    /// Subscriptions travel over the socket (URI mode), else through the source (REST).
    pub(crate) over_socket: bool,
    pub(crate) target: ChannelTarget,
    pub(crate) topics: Vec<String>,
}

/// The channel's whole state. See the module docs for its invariants.
pub(crate) struct Machine {
    opts: ConnectOptions,
    mode: Mode,
    over_socket: bool,
    backoff: Backoff,
    /// Paces attempts to obtain a new channel after a failed one (reset on success).
    replace_backoff: Backoff,
    /// When to ask the source for a new channel again, and why.
    replace_retry: Option<(Instant, ReplaceReason)>,
    takeover: Takeover,
    /// The topics the pending or last replacement channel was created with.
    replace_topics: Vec<String>,
    /// The outcome of the subscription the replacement channel being opened was created
    /// with (its refused topics are reported once it is open).
    replace_outcome: Option<Subscribed>,
    /// Users' subscription changes made while no socket was open: answered by the next
    /// subscription of the whole set (or the end of the stream).
    deferred: Vec<RequestId>,
    /// The current channel.
    target: ChannelTarget,
    /// The desired topic set.
    topics: Vec<String>,
    queue: queue::Sender,
    stats: Arc<SharedStats>,
    rng: fastrand::Rng,
    conns: Vec<Conn>,
    next_conn_id: SocketId,
    /// Sockets asked to be opened and not yet reported.
    opening: Vec<(SocketId, Purpose, ChannelTarget)>,
    replacing: bool,
    retry_at: Option<Instant>,
    last_error: Option<Error>,
    outage: bool,
    /// What the outage under way recovers from when a reconnection ends it: a new channel
    /// whose first socket failed (`None`: the same channel, [`Recovery::Reconnected`]).
    outage_kind: Option<Recovery>,
    continuity: Continuity,
    extend_at: Option<Instant>,
    dedup: Dedup,
    recording: bool,
    switch: Option<Switch>,
    /// The first connection is under way (its outcome not yet told with `Ready`).
    init: bool,
    finished: bool,
    /// Logical clock: orders frames and coverage changes.
    seq: u64,
    /// Since when reading has been paused by back-pressure (socket deadlines suspended).
    paused_at: Option<Instant>,
    /// The same moment with its order: what the sockets proved when reading stopped.
    paused_mark: Option<Mark>,
    /// User subscription changes carried over to another socket, handled at the end of the
    /// current input (a switch completes inside a subscription's resolution).
    carried: VecDeque<(SocketId, SubPurpose)>,
    /// The time of the input being handled.
    now: Stamp,
    /// The actions of the input being handled (reused: no allocation per input).
    out: Vec<Action>,
}

/// The notification of `item` if it takes part in overlap deduplication: heartbeats (in the
/// stream with [`ConnectOptions::heartbeats`]) are all alike and each socket's own, never
/// copies of one another.
fn dedupable(item: &queue::Item) -> Option<&Notification> {
    item.as_ref()
        .ok()
        .filter(|n| n.topic() != protocol::METADATA_TOPIC)
}

fn socket_closed() -> Error {
    Error::new(ErrorKind::Receive, Reason::ConnectionClosed)
        .non_fatal()
        .with_message("the socket closed")
}

impl Machine {
    pub(crate) fn new(
        setup: Setup,
        queue: queue::Sender,
        stats: Arc<SharedStats>,
        now: Stamp,
    ) -> Self {
        let opts = setup.options;
        let rng = opts
            .seed
            .map_or_else(fastrand::Rng::new, fastrand::Rng::with_seed);
        Machine {
            backoff: Backoff::new(opts.reconnect.clone()),
            replace_backoff: Backoff::new(opts.reconnect.clone()),
            replace_retry: None,
            mode: setup.mode,
            over_socket: setup.over_socket,
            takeover: Takeover::default(),
            replace_topics: Vec::new(),
            replace_outcome: None,
            deferred: Vec::new(),
            opts,
            target: setup.target,
            topics: setup.topics,
            queue,
            stats,
            rng,
            conns: Vec::new(),
            next_conn_id: 0,
            opening: Vec::new(),
            replacing: false,
            retry_at: None,
            last_error: None,
            outage: false,
            outage_kind: None,
            continuity: Continuity::default(),
            extend_at: None,
            dedup: Dedup::default(),
            recording: false,
            switch: None,
            init: true,
            finished: false,
            seq: 0,
            paused_at: None,
            paused_mark: None,
            carried: VecDeque::new(),
            now,
            out: Vec::new(),
        }
    }

    // ----- the entry points -------------------------------------------------------------

    /// Handles one input at `now`; the actions to carry out are in [`Machine::actions`].
    pub(crate) fn handle(&mut self, now: Stamp, input: Input) {
        self.now = now;
        if self.finished {
            self.after_finish(input);
            return;
        }
        match input {
            Input::Start => {
                let target = self.target.clone();
                self.start_connect(target, Purpose::Initial);
            }
            Input::Opened { sock, result } => self.on_opened(sock, result),
            Input::Frame { sock, msg } => self.on_frame(sock, msg),
            Input::Ended { sock } => self.on_ended(sock),
            Input::Drained { sock } => {
                if let Some(c) = self.conn_mut(sock) {
                    c.catch_up = None;
                }
            }
            Input::Failed { sock, error } => self.on_failed(sock, error),
            Input::Timer => self.on_timers(),
            Input::Request { id, req } => self.on_request(id, req),
            Input::SourceDone { sock, result } => self.on_source_done(sock, result),
            Input::Replaced { why, result } => self.on_replaced(why, result),
            Input::Shutdown => self.shutdown(None),
        }
        while let Some((conn, purpose)) = self.carried.pop_front() {
            if self.finished {
                self.answer_purpose(purpose, Error::closed());
            } else if self.conn_index(conn).is_some() {
                self.begin_subscribe(conn, purpose);
            } else {
                self.answer_purpose(purpose, socket_closed());
            }
        }
    }

    /// After the end: answer what still arrives, and forget sockets that still open.
    fn after_finish(&mut self, input: Input) {
        match input {
            Input::Request { id, req } => {
                let result = match req {
                    Request::Close => Ok(Answer::Done),
                    _ => Err(Error::closed()),
                };
                self.out.push(Action::Answer { id, result });
            }
            Input::Opened {
                sock,
                result: Ok(()),
            } => self.out.push(Action::Drop { sock }),
            _ => {}
        }
    }

    /// Hands what was delivered to the consumer and decides what may be read next (call it
    /// before waiting for the next input).
    pub(crate) fn flush(&mut self, now: Stamp) {
        self.now = now;
        if let Some(change) = self.queue.flush() {
            self.flow_changed(change);
        }
    }

    /// The actions decided since they were last taken, in order (the buffer is reused).
    pub(crate) fn actions(&mut self) -> &mut Vec<Action> {
        &mut self.out
    }

    /// Whether socket `sock` has a backlog left by paused reading that is not proven read:
    /// then the executor tells when a read of it would block ([`Input::Drained`]).
    pub(crate) fn catching_up(&self, sock: SocketId) -> bool {
        self.conns
            .iter()
            .any(|c| c.id == sock && c.catch_up.is_some())
    }

    pub(crate) fn finished(&self) -> bool {
        self.finished
    }

    /// The consumer's buffer (for the executor's wait for room).
    pub(crate) fn queue_mut(&mut self) -> &mut queue::Sender {
        &mut self.queue
    }

    /// The sockets to read now, in order (oldest first; fewer under back-pressure).
    pub(crate) fn readable(&self) -> impl Iterator<Item = SocketId> + '_ {
        let n = match self.queue.reading() {
            Reading::All => self.conns.len(),
            Reading::HeadOnly => 1,
            Reading::Paused => 0,
        };
        self.conns.iter().take(n).map(|c| c.id)
    }

    /// Whether one more frame may be read from `sock` in the same turn.
    pub(crate) fn may_read_more(&self, sock: SocketId) -> bool {
        self.conn_index(sock)
            .is_some_and(|i| self.queue.may_read(i == 0))
    }

    /// The current channel.
    pub(crate) fn target(&self) -> &ChannelTarget {
        &self.target
    }

    /// The lifecycle state as the handle shows it.
    pub(crate) fn state(&self) -> State {
        if self.finished {
            State::Closed
        } else if self.init {
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
        }
    }

    /// When [`Input::Timer`] is due next, if ever.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
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

    /// The executor's task is going away before the machine finished (a panic, an abort):
    /// the stream ends with a fatal item, never silently.
    pub(crate) fn abort(&mut self) {
        if self.finished {
            return;
        }
        self.finished = true;
        let e = Error::new(ErrorKind::Receive, Reason::Internal)
            .with_message("the channel's task stopped unexpectedly");
        tracing::error!(error = %e, "channel failed");
        if self.init {
            self.init = false;
            self.out.push(Action::Ready(Err(e.fatal())));
        } else {
            self.queue.push_error(e.fatal());
        }
        self.emit(Event::Closed {
            reason: Some(Reason::Internal),
        });
        self.queue.close();
        self.out.push(Action::Finish);
    }

    /// Closes the consumer's buffer (the stream ends after what it holds).
    pub(crate) fn close_queue(&mut self) {
        self.queue.close();
    }

    // ----- small helpers ----------------------------------------------------------------

    fn emit(&mut self, event: Event) {
        self.out.push(Action::Emit(event));
    }

    fn answer(&mut self, id: RequestId, result: Result<(), Error>) {
        self.out.push(Action::Answer {
            id,
            result: result.map(|()| Answer::Done),
        });
    }

    fn answer_purpose(&mut self, purpose: SubPurpose, e: Error) {
        if let SubPurpose::Extend(Some(r)) | SubPurpose::User(Some(r), _) = purpose {
            self.answer(r, Err(e));
        }
    }

    /// Now, in the order of the machine's events.
    fn mark(&self) -> Mark {
        Mark {
            at: self.now,
            seq: self.seq,
        }
    }

    /// Now, as a new event: the moment a ping is sent (after everything before it, so its
    /// pong proves more than any frame read so far).
    fn ping_mark(&mut self) -> Mark {
        self.seq += 1;
        self.mark()
    }

    fn conn_index(&self, id: SocketId) -> Option<usize> {
        self.conns.iter().position(|c| c.id == id)
    }

    fn conn_mut(&mut self, id: SocketId) -> Option<&mut Conn> {
        self.conns.iter_mut().find(|c| c.id == id)
    }

    fn correlation_id(&mut self) -> String {
        format!("{:016x}{:016x}", self.rng.u64(..), self.rng.u64(..))
    }

    fn set_topics(&mut self, topics: Vec<String>) {
        self.topics = topics;
        self.out.push(Action::Topics(self.topics.clone()));
    }

    /// A failed `subscribe()` leaves the topic set as it was: takes out the topics it added.
    fn forget_added(&mut self, added: &[String]) {
        let topics = self
            .topics
            .iter()
            .filter(|t| !added.contains(t))
            .cloned()
            .collect();
        self.set_topics(topics);
    }

    /// Some socket that is not being let go, and that the service did not move delivery
    /// away from (a newer socket to its channel), may deliver from now on.
    fn live_conn_exists(&self) -> bool {
        self.conns
            .iter()
            .any(|c| c.phase != Phase::Draining && !c.handover.is_some_and(|h| h.same_channel))
    }

    fn head_active(&self) -> Option<SocketId> {
        self.conns
            .iter()
            .rev()
            .find(|c| c.phase == Phase::Active)
            .map(|c| c.id)
    }

    fn send_text(&mut self, sock: SocketId, text: String) -> bool {
        if self.conn_index(sock).is_none() {
            return false;
        }
        self.out.push(Action::Send { sock, text });
        true
    }

    fn decide(&self, cause: Cause) -> Decision {
        let policy = Policy {
            maintenance: self.opts.maintenance,
        };
        recovery::decide(cause, self.mode, policy)
    }

    /// Back-pressure started or ended (decided in [`queue`]). While paused nothing is read,
    /// so the socket deadlines that wait for a frame (watchdog, drain, subscription
    /// confirmation, and the end of the de-duplication window: copies may still be unread)
    /// are suspended; on resume they move back by the paused time.
    fn flow_changed(&mut self, change: FlowChange) {
        let now = self.now.instant;
        match change {
            FlowChange::Paused { buffered } => {
                self.paused_at.get_or_insert(now);
                let mark = self.mark();
                self.paused_mark.get_or_insert(mark);
                tracing::debug!(buffered, "reading paused: the consumer is behind");
                self.emit(Event::ReadingPaused { buffered });
            }
            FlowChange::Resumed => {
                let Some(since) = self.paused_at.take() else {
                    return;
                };
                let paused = now.saturating_duration_since(since);
                let bound = self.paused_mark.take().unwrap_or(self.mark());
                // What is read from now on may have waited since the pause: it proves no more
                // than `bound` until the backlog is proven read. (No ping is sent to prove it:
                // writing to a socket the service closed meanwhile can reset the connection
                // and destroy the backlog still unread.)
                self.seq += 1;
                let resumed_seq = self.seq;
                for c in &mut self.conns {
                    c.catch_up = Some(CatchUp {
                        bound: c.catch_up.map_or(bound, |cu| cu.bound),
                        resumed_seq,
                    });
                    c.last_frame.instant += paused;
                    c.watchdog_at = c.watchdog_at.map(|t| t + paused);
                    c.drain_until = c.drain_until.map(|t| t + paused);
                    for w in &mut c.waits {
                        w.deadline = w.deadline.map(|t| t + paused);
                    }
                }
                if let Some(at) = self.dedup.deadline() {
                    self.dedup.expire_at(at + paused);
                }
                tracing::debug!(?paused, "reading resumed");
                self.emit(Event::ReadingResumed { paused_for: paused });
            }
        }
    }

    // ----- delivering -------------------------------------------------------------------

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
            self.conns[idx].held.push_back((item, bounded, from));
        }
    }

    /// The oldest socket changed: deliver what the new oldest held.
    fn flush_head(&mut self) {
        let Some(head) = self.conns.first_mut() else {
            return;
        };
        let held = head.held.take();
        let (from, check_own) = (head.id, head.dedup);
        self.update_recording();
        let keep = self.recording;
        self.release(held, from, check_own, keep);
    }

    /// Delivers `held`: socket `from`'s items and what newer sockets handed it when they
    /// ended, in order. A handed-over item is always checked against what was delivered
    /// from elsewhere; `from`'s own only if `check_own` (it may carry copies), or when items
    /// of several sockets are among them (any may be a copy of another). What is delivered
    /// is remembered while copies may still come: `keep`, or items of several sockets (then
    /// for a drain's time at least).
    fn release(
        &mut self,
        held: VecDeque<(queue::Item, bool, SocketId)>,
        from: SocketId,
        check_own: bool,
        keep: bool,
    ) {
        let mixed = held.iter().any(|(_, _, origin)| *origin != from);
        if mixed && self.dedup.deadline().is_none() {
            self.dedup
                .expire_at(self.now.instant + self.opts.drain_timeout);
        }
        for (item, bounded, origin) in held {
            if let Some(n) = dedupable(&item) {
                if (check_own || mixed) && self.dedup.take_match(origin, n) {
                    continue;
                }
                if keep || mixed {
                    self.dedup.record(origin, n);
                }
            }
            self.push(item, bounded);
        }
    }

    /// What is delivered is remembered while a newer socket may receive copies of it (or
    /// holds some): from the moment its subscription is asked for (the service may apply it, and send copies,
    /// before its confirmation is read; before, it receives nothing), or while a shadow socket
    /// overlaps. (Records key on the correlation id the service gives every notification, so
    /// recording early does not take a later event for a copy.)
    fn update_recording(&mut self) {
        self.recording = self.conns.iter().enumerate().any(|(i, c)| {
            c.shadow
                || (i > 0 && c.dedup && (c.covering || !c.waits.is_empty()))
                // The oldest holds what a newer socket handed over when it ended: copies of
                // what it delivers itself.
                || (i == 0 && !c.held.is_empty())
        });
    }

    /// Coverage (re)started on some socket: report the gap, if there was one.
    fn covered_again(&mut self) {
        if let Some(gap) = self.continuity.resumed(self.now, &self.topics) {
            self.report_gap(gap, None);
        }
    }

    /// Reports `gap`: as an event, and as an item placed after what socket `before` holds
    /// (or at once).
    fn report_gap(&mut self, gap: Gap, before: Option<usize>) {
        tracing::info!(duration = ?gap.duration(), "gap in the notification stream");
        self.stats.gaps.fetch_add(1, Ordering::Relaxed);
        self.emit(Event::Gap(gap.clone()));
        match before.and_then(|i| self.conns.get_mut(i)) {
            Some(prev) => {
                let id = prev.id;
                prev.held.push_back((Err(Error::gap(gap)), false, id));
            }
            None => {
                self.queue.push_error(Error::gap(gap));
            }
        }
    }

    // ----- time -------------------------------------------------------------------------

    fn on_timers(&mut self) {
        let now = self.now.instant;
        if self.retry_at.is_some_and(|t| t <= now) {
            self.retry_at = None;
            // A socket that may deliver exists meanwhile (a switch's new socket, open or
            // covering): it ends the outage, or has; another socket to the current channel
            // would only make the service close it. If it fails instead, its end schedules
            // the reconnection again.
            if !self.live_conn_exists() {
                let target = self.target.clone();
                self.start_connect(target, Purpose::Reconnect);
            }
        }
        if let Some((at, why)) = self.replace_retry
            && at <= now
        {
            self.replace_retry = None;
            self.start_replace(why);
        }
        if self.dedup.deadline().is_some_and(|t| t <= now) {
            // Kept while copies may still come: another socket overlaps, or the oldest holds
            // what a newer one handed over.
            if self.conns.len() > 1 || self.conns.iter().any(|c| c.shadow || !c.held.is_empty()) {
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
                self.start_extend(None);
            } else {
                self.queue.push_error(
                    Error::new(ErrorKind::ChannelExpiring, Reason::ChannelExpired)
                        .with_message("the channel expires soon; call extend() or rollover(uri)"),
                );
            }
        }
        // Per-socket deadlines; collect first, act after (acting may remove sockets).
        let mut timed_out_pings = Vec::new();
        let mut timed_out_waits = Vec::new();
        let mut silent = Vec::new();
        let mut drained = Vec::new();
        for c in &mut self.conns {
            timed_out_pings.extend(c.pings.expire_users(now, self.opts.ping_timeout));
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
        for id in timed_out_pings {
            let e = Error::new(ErrorKind::Receive, Reason::Timeout)
                .non_fatal()
                .with_message(format!("no pong within {:?}", self.opts.ping_timeout));
            self.answer_ping(id, Err(e));
        }
        for id in drained {
            self.forget_conn(id, None);
        }
        for (id, silent_for) in silent {
            self.emit(Event::HeartbeatMissed { silent_for });
            let e = Error::new(ErrorKind::Receive, Reason::Timeout)
                .with_message(format!("no frame for {silent_for:?} (heartbeat timeout)"));
            self.fail_conn(id, e);
        }
        let ping_timeout = self.opts.ping_timeout;
        let mark = self.ping_mark();
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
                c.pings.probe(mark);
                self.send_text(id, protocol::PING.to_owned());
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
                self.resolve_wait(id, w, Err(e));
            }
        }
    }

    fn answer_ping(&mut self, id: RequestId, result: Result<Duration, Error>) {
        self.out.push(Action::Answer {
            id,
            result: result.map(Answer::Rtt),
        });
    }

    // ----- opening sockets and subscribing ---------------------------------------------

    fn start_connect(&mut self, target: ChannelTarget, purpose: Purpose) {
        let sock = self.next_conn_id;
        self.next_conn_id += 1;
        self.out.push(Action::Open {
            sock,
            uri: target.uri.clone(),
        });
        self.opening.push((sock, purpose, target));
    }

    /// A socket is being opened that can carry the current channel.
    fn connecting(&self) -> bool {
        self.opening
            .iter()
            .any(|(_, purpose, target)| !self.stale(*purpose, target))
    }

    /// An opening that cannot carry the current channel any more: a reconnection (or a
    /// maintenance socket) to a channel a switch has left while it was being opened. A
    /// rollover's or a replacement's socket makes its channel the current one.
    fn stale(&self, purpose: Purpose, target: &ChannelTarget) -> bool {
        !matches!(purpose, Purpose::Rollover | Purpose::Replacement)
            && target.uri != self.target.uri
    }

    /// The new socket of a switch under way is open (subscribing or covering).
    fn switch_socket_open(&self) -> bool {
        self.switch
            .as_ref()
            .and_then(|sw| sw.new_conn)
            .is_some_and(|id| self.conn_index(id).is_some())
    }

    fn start_replace(&mut self, why: ReplaceReason) {
        if self.replacing {
            return;
        }
        self.replacing = true;
        self.replace_topics = self.topics.clone();
        self.out.push(Action::Replace {
            why,
            topics: self.topics.clone(),
        });
    }

    fn on_opened(&mut self, sock: SocketId, result: Result<(), Error>) {
        let Some(pos) = self.opening.iter().position(|(s, _, _)| *s == sock) else {
            if result.is_ok() {
                self.out.push(Action::Drop { sock });
            }
            return;
        };
        let (_, purpose, target) = self.opening.swap_remove(pos);
        match result {
            Ok(()) => self.on_connected(sock, target, purpose),
            Err(e) => self.on_connect_failed(e, target, purpose),
        }
    }

    fn on_source_done(&mut self, sock: SocketId, result: Result<Subscribed, Error>) {
        let Some(c) = self.conn_mut(sock) else { return };
        let Some(pos) = c.waits.iter().position(|w| w.cid.is_none()) else {
            return;
        };
        let Some(w) = c.waits.remove(pos) else { return };
        self.resolve_wait(sock, w, result);
    }

    fn on_replaced(
        &mut self,
        why: ReplaceReason,
        result: Result<(ChannelTarget, Subscribed), Error>,
    ) {
        self.replacing = false;
        match result {
            Ok((target, outcome)) => {
                self.replace_backoff.reset();
                self.replace_outcome = Some(outcome);
                if self.switch.is_none() {
                    self.switch = Some(Switch {
                        new_conn: None,
                        reply: None,
                        kind: why.recovery(),
                    });
                    self.emit(Event::RolloverStarted);
                }
                self.start_connect(target, Purpose::Replacement);
            }
            Err(e) => self.replacement_failed(why, e),
        }
    }

    fn on_connected(&mut self, id: SocketId, target: ChannelTarget, purpose: Purpose) {
        if self.stale(purpose, &target)
            || (matches!(purpose, Purpose::Reconnect) && self.switch_socket_open())
        {
            // A reconnection to a channel a switch has left meanwhile, or while a switch's
            // new socket is open: not needed (subscribing there would not reach the current
            // channel; the switch's socket is the successor). If the current channel's
            // socket was lost meanwhile, a reconnection to it is already due.
            self.out.push(Action::Drop { sock: id });
            self.reconnect_if_nothing_carries(None);
            return;
        }
        let now = self.now;
        self.stats.connections.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(host = %crate::uri::redact(&target.uri), ?purpose, "socket open");
        self.emit(Event::Connected);
        let same_channel = target.uri == self.target.uri;
        let pre_subscribed = matches!(purpose, Purpose::Replacement)
            || (same_channel && matches!(purpose, Purpose::Reconnect | Purpose::Maintenance));
        let older_exists = !self.conns.is_empty();
        let conn = Conn {
            id,
            target: target.clone(),
            phase: Phase::Subscribing,
            covering: false,
            covering_since: None,
            dedup: older_exists,
            expected_end: false,
            last_frame: now,
            proof: now,
            proof_seq: 0,
            catch_up: None,
            covering_seq: u64::MAX,
            handover: None,
            watchdog_at: self.opts.heartbeat_timeout.map(|t| now.instant + t),
            drain_until: None,
            active_since: None,
            waits: VecDeque::new(),
            echoes_correlation: false,
            pings: Pings::default(),
            unconfirmed: Vec::new(),
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
        if matches!(purpose, Purpose::Replacement) {
            // The new channel is the current one from now on (before it covers: the older
            // sockets hand over to it).
            self.target = target.clone();
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
            self.took_over(id);
            self.update_recording();
            self.covered_again();
        }
        match purpose {
            Purpose::Replacement => {
                self.target = target;
                // The topics the service refused on the new channel leave the set and reach
                // the user as those of a `subscribe()` do: an event and a non-fatal item.
                let outcome = self.replace_outcome.take();
                if let Some(Err(e)) = outcome.as_ref().map(|o| refused(&o.rejected))
                    && let Some(i) = self.conn_index(id)
                {
                    self.deliver(i, Err(e), false);
                }
                self.subscribed(id, outcome.as_ref());
                self.after_switch_subscribed(id);
            }
            Purpose::Initial => self.begin_subscribe(id, SubPurpose::Initial),
            Purpose::Reconnect => self.begin_subscribe(id, SubPurpose::Reconnect),
            Purpose::Maintenance => self.begin_subscribe(id, SubPurpose::Maintenance),
            Purpose::Rollover => self.begin_subscribe(id, SubPurpose::Rollover),
        }
    }

    fn on_connect_failed(&mut self, e: Error, target: ChannelTarget, purpose: Purpose) {
        match purpose {
            Purpose::Initial => self.fail_init(e),
            Purpose::Reconnect if self.stale(purpose, &target) => {
                // Its channel was left meanwhile: its failure says nothing of the current one.
                self.reconnect_if_nothing_carries(Some(e.into_kind(ErrorKind::Reconnect)));
            }
            Purpose::Reconnect => {
                let e = e.into_kind(ErrorKind::Reconnect);
                if e.is_permanent() {
                    self.permanent_failure(e);
                } else {
                    self.schedule_reconnect(Some(e));
                }
            }
            Purpose::Maintenance | Purpose::Rollover => {
                tracing::debug!(error = %e, ?purpose, "the new socket of a switch failed");
                if let Some(sw) = self.switch.take()
                    && let Some(r) = sw.reply
                {
                    let err = e.shallow_clone().into_kind(ErrorKind::Rollover);
                    let err = if matches!(purpose, Purpose::Rollover) {
                        err.non_fatal()
                    } else {
                        err
                    };
                    self.answer(r, Err(err));
                }
                // The old socket may have closed while the new one was being opened.
                if self.decide(Cause::SwitchFailed) == Decision::Reconnect
                    && !self.live_conn_exists()
                {
                    self.schedule_reconnect(Some(e.into_kind(ErrorKind::Reconnect)));
                }
            }
            Purpose::Replacement => {
                // Keep trying the new channel with the reconnect policy: reaching it recovers
                // what the replacement was for. A socket to a channel that is gone (not one
                // replaced ahead of its expiry) carries nothing more: do not wait for it.
                let kind = self.switch.as_ref().map(|sw| sw.kind);
                self.abandon_switch(&e);
                if kind == Some(Recovery::NewChannel) {
                    let gone: Vec<SocketId> = (self.conns.iter())
                        .filter(|c| c.target.uri != target.uri)
                        .map(|c| c.id)
                        .collect();
                    for id in gone {
                        self.close_conn(id);
                    }
                }
                self.target = target;
                self.outage_kind = kind;
                if !self.live_conn_exists() {
                    self.schedule_reconnect(Some(e.into_kind(ErrorKind::Reconnect)));
                }
            }
        }
    }

    fn begin_subscribe(&mut self, id: SocketId, purpose: SubPurpose) {
        let now = self.now.instant;
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
            self.resolve_wait(id, w, Ok(Subscribed::default()));
            return;
        }
        if self.over_socket {
            let cid = self.correlation_id();
            let text = protocol::encode_subscribe(&self.topics, &cid);
            if !self.send_text(id, text) {
                self.answer_purpose(purpose, socket_closed());
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
                self.update_recording();
            } else {
                let w = SubWait {
                    cid: Some(cid),
                    deadline: None,
                    purpose,
                    probed: false,
                };
                self.resolve_wait(id, w, Ok(Subscribed::default()));
            }
        } else {
            let topics = self.topics.clone();
            let extend = matches!(purpose, SubPurpose::Extend(_));
            let Some(c) = self.conn_mut(id) else {
                self.answer_purpose(purpose, socket_closed());
                return;
            };
            c.waits.push_back(SubWait {
                cid: None,
                deadline: None,
                purpose,
                probed: false,
            });
            let target = c.target.clone();
            self.update_recording();
            self.out.push(Action::CallSource {
                sock: id,
                target,
                topics,
                extend,
            });
        }
    }

    /// A subscription of socket `id` succeeded now.
    fn subscribed(&mut self, id: SocketId, outcome: Option<&Subscribed>) {
        let now = self.now;
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
        // A socket the service moved delivery away from (a newer socket to its channel)
        // covers no more, whatever it is subscribed to.
        let displaced = c.handover.is_some_and(|h| h.same_channel);
        c.covering = !displaced;
        if !was_covering && !displaced {
            c.covering_since = Some(now);
            c.covering_seq = seq;
            self.took_over(id);
            self.update_recording();
            self.covered_again();
        }
        // An extension read the current channel's new expiry back.
        if expires.is_some()
            && self
                .conns
                .iter()
                .any(|c| c.id == id && c.target.uri == self.target.uri)
        {
            self.target.expires = expires;
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
            self.emit(Event::TopicsRejected {
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
        self.emit(Event::Subscribed {
            topics: self.topics.len(),
        });
        let rejected = outcome.map(|o| o.rejected.as_slice()).unwrap_or_default();
        let answer = refused(rejected);
        for r in std::mem::take(&mut self.deferred) {
            let a = match &answer {
                Ok(()) => Ok(()),
                Err(e) => Err(e.shallow_clone()),
            };
            self.answer(r, a);
        }
    }

    /// Socket `id` started covering: the older sockets it takes over from are handed over
    /// (see [`Conn::handover`]): every older socket to the same channel (the service moves
    /// delivery to the newest), and, when `id` is to the current channel, the older sockets to
    /// other channels (a switch to it). A socket to the same channel covers no longer.
    fn took_over(&mut self, id: SocketId) {
        let Some(pos) = self.conn_index(id) else {
            return;
        };
        let (uri, at) = {
            let c = &self.conns[pos];
            (
                c.target.uri.clone(),
                Mark {
                    at: c.covering_since.unwrap_or(self.now),
                    seq: c.covering_seq,
                },
            )
        };
        let current = uri == self.target.uri;
        for c in &mut self.conns[..pos] {
            let same_channel = c.target.uri == uri;
            if c.handover.is_some() || !(same_channel || current) {
                continue;
            }
            c.handover = Some(Handover { at, same_channel });
            if same_channel {
                c.covering = false;
            }
        }
    }

    /// A socket of the channel is subscribed again after an outage: `Reconnected`, then the
    /// one signal of every recovery.
    fn outage_over(&mut self) {
        if self.outage {
            self.outage = false;
            let attempts = self.backoff.attempts();
            self.emit(Event::Reconnected { attempts });
            let kind = self.outage_kind.take().unwrap_or(Recovery::Reconnected);
            self.emit(Event::Recovered { kind });
        }
    }

    fn resolve_wait(&mut self, id: SocketId, w: SubWait, outcome: Result<Subscribed, Error>) {
        let now = self.now;
        match w.purpose {
            SubPurpose::Initial => match outcome {
                Ok(o) => {
                    self.subscribed(id, Some(&o));
                    if self.init {
                        self.init = false;
                        self.out.push(Action::Ready(Ok(())));
                    }
                }
                Err(e) => {
                    let e = if e.kind() == ErrorKind::Subscription {
                        e
                    } else {
                        e.into_kind(ErrorKind::Subscription)
                    };
                    self.fail_init(e);
                }
            },
            SubPurpose::Reconnect | SubPurpose::Maintenance => {
                let maintenance = matches!(w.purpose, SubPurpose::Maintenance);
                match self.tolerate_resubscription(id, outcome) {
                    Ok(None) => {
                        self.subscribed(id, None);
                        self.extend_at = Some(now.instant + EXTENSION_RETRY);
                        self.outage_over();
                        if maintenance {
                            self.after_switch_subscribed(id);
                        }
                    }
                    Ok(Some(o)) => {
                        self.subscribed(id, Some(&o));
                        self.outage_over();
                        self.last_error = None;
                        if maintenance {
                            self.after_switch_subscribed(id);
                        }
                    }
                    Err(e) => {
                        let e = e.into_kind(ErrorKind::Reconnect);
                        match self.decide(recovery::cause_of(&e)) {
                            Decision::Reconnect | Decision::Probe => self.fail_conn(id, e),
                            Decision::Replace(why) | Decision::RetryReplace(why) => {
                                self.start_replace(why);
                                self.fail_conn(id, e);
                            }
                            Decision::Fatal(_) | Decision::Surface => self.fatal(e),
                        }
                    }
                }
            }
            SubPurpose::Rollover => match outcome {
                Ok(o) => {
                    if let Some(c) = self.conn_mut(id) {
                        self.target = c.target.clone();
                    }
                    self.subscribed(id, Some(&o));
                    self.after_switch_subscribed(id);
                }
                Err(e) => {
                    if let Some(sw) = self.switch.take()
                        && let Some(r) = sw.reply
                    {
                        self.answer(r, Err(e.into_kind(ErrorKind::Rollover).non_fatal()));
                    }
                    self.close_conn(id);
                }
            },
            SubPurpose::Extend(reply) => match outcome {
                Ok(o) => {
                    self.subscribed(id, Some(&o));
                    self.emit(Event::Extended);
                    if let Some(r) = reply {
                        self.answer(r, Ok(()));
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
                        Some(r) => self.answer(r, Err(e)),
                        None => {
                            self.queue.push_error(e);
                        }
                    }
                }
            },
            SubPurpose::User(reply, added) => match outcome {
                Ok(o) => {
                    self.subscribed(id, Some(&o));
                    if let Some(r) = reply {
                        self.answer(r, refused(&o.rejected));
                    }
                }
                Err(e) => {
                    self.forget_added(&added);
                    let e = e.into_kind(ErrorKind::Subscription).non_fatal();
                    match reply {
                        Some(r) => self.answer(r, Err(e)),
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
    fn catch_up_topics(&mut self, id: SocketId) {
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
        if added.is_empty() && (self.over_socket || !removed) {
            return;
        }
        tracing::debug!(
            added = added.len(),
            removed,
            "topics changed during the switch"
        );
        // At the end of this input (a switch completes inside a subscription's resolution).
        self.carried.push_back((id, SubPurpose::User(None, added)));
    }

    /// The socket answered the ping sent because subscriptions were not confirmed in time:
    /// it is alive, so they go on unconfirmed, with a warning.
    fn probe_answered(&mut self, id: SocketId) {
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
            if let (
                Some(cid),
                SubPurpose::Initial
                | SubPurpose::Reconnect
                | SubPurpose::Maintenance
                | SubPurpose::Rollover,
            ) = (&w.cid, &w.purpose)
                && let Some(c) = self.conn_mut(id)
            {
                c.unconfirmed.push(cid.clone());
            }
            self.resolve_wait(id, w, Ok(Subscribed::default()));
        }
    }

    /// The service refused, late, a subscription of socket `idx` that went on unconfirmed:
    /// the socket received nothing since, so continuity is lost from the moment it was taken
    /// to cover, and the stream ends as on a refused resubscription.
    fn refused_late(&mut self, idx: usize, result: u16, message: Option<String>, raw: Utf8Bytes) {
        let c = &mut self.conns[idx];
        if c.covering {
            c.covering = false;
            let since = c.covering_since.unwrap_or(c.proof);
            if !self.conns.iter().any(|c| c.covering) {
                self.continuity.lost(since);
            }
        }
        let msg = message.unwrap_or_else(|| format!("subscription result {result}"));
        let e = Error::new(ErrorKind::Subscription, Reason::SubscriptionRejected)
            .with_message(format!(
                "the subscription that went on unconfirmed was refused: {msg}"
            ))
            .with_raw(raw.into());
        match self.decide(recovery::cause_of(&e)) {
            Decision::Replace(why) | Decision::RetryReplace(why) => {
                self.last_error = Some(e);
                self.start_replace(why);
            }
            Decision::Reconnect | Decision::Probe => {
                let id = self.conns[idx].id;
                self.fail_conn(id, e);
            }
            Decision::Fatal(_) | Decision::Surface => self.fatal(e),
        }
    }

    /// Out of band, a socket to a channel whose subscriptions are known (it already covers)
    /// receives without the REST call: a transient failure of that call is reported, and
    /// the call retried as an extension, instead of dropping a working socket.
    fn tolerate_resubscription(
        &mut self,
        id: SocketId,
        outcome: Result<Subscribed, Error>,
    ) -> Result<Option<Subscribed>, Error> {
        match outcome {
            Err(e)
                if !self.over_socket
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
    /// An old socket to another channel is pinged and closed when the pong arrives: the pong,
    /// sent after everything queued before it, proves that the old socket delivered all it
    /// had up to the moment the new one was subscribed. If it does not come within the drain
    /// timeout the socket is let go, and the span between its last data frame and the new
    /// subscription is reported as a gap. An old socket to the same channel is pinged too,
    /// and read until the service closes it (or the maintenance grace has passed).
    fn after_switch_subscribed(&mut self, id: SocketId) {
        self.catch_up_topics(id);
        let now = self.now.instant;
        let until = now + self.opts.drain_timeout;
        let maintenance_until = now + self.opts.drain_timeout.max(MAINTENANCE_DRAIN);
        let new_uri = self.conn_mut(id).map(|c| c.target.uri.clone());
        // The older sockets, and a newer one to another channel (a reconnection to the old
        // channel that opened while the switch was under way).
        let pos = self.conn_index(id).unwrap_or(0);
        let olders: Vec<SocketId> = self
            .conns
            .iter()
            .enumerate()
            .filter(|(i, c)| *i < pos || (*i > pos && Some(&c.target.uri) != new_uri.as_ref()))
            .map(|(_, c)| c.id)
            .collect();
        let mark = self.ping_mark();
        for old in olders {
            let Some(c) = self.conn_mut(old) else {
                continue;
            };
            if c.phase == Phase::Draining {
                continue;
            }
            c.phase = Phase::Draining;
            c.expected_end = true;
            c.watchdog_at = None;
            // The service may still deliver on an old socket to the same channel until the
            // end of its maintenance grace: it is never closed by us before then.
            c.drain_until = Some(if new_uri.as_ref() == Some(&c.target.uri) {
                maintenance_until
            } else {
                until
            });
            c.pings.drain(mark);
            self.send_text(old, protocol::PING.to_owned());
        }
        self.check_switch_done();
    }

    /// Socket `id`, an old socket to the same channel whose drain is proven, becomes a
    /// shadow: the oldest newer socket takes over delivery, and `id` moves behind the others.
    fn promote(&mut self, id: SocketId) {
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
        if done && let Some(sw) = self.switch.take() {
            if let Some(r) = sw.reply {
                self.answer(r, Ok(()));
            }
            self.dedup
                .expire_at(self.now.instant + self.opts.drain_timeout);
            self.emit(Event::RolloverCompleted);
            // The new socket delivers: whatever outage led here is over.
            self.outage = false;
            self.outage_kind = None;
            self.emit(Event::Recovered { kind: sw.kind });
        }
    }

    fn start_extend(&mut self, reply: Option<RequestId>) {
        let Some(id) = self.head_active() else {
            match reply {
                Some(r) => self.answer(
                    r,
                    Err(
                        Error::new(ErrorKind::LifetimeExtension, Reason::ConnectionClosed)
                            .non_fatal()
                            .with_message("no open socket; the channel is recovering"),
                    ),
                ),
                None => self.extend_at = Some(self.now.instant + EXTENSION_RETRY),
            }
            return;
        };
        self.begin_subscribe(id, SubPurpose::Extend(reply));
    }

    // ----- frames -----------------------------------------------------------------------

    fn on_frame(&mut self, id: SocketId, msg: Message) {
        let Some(idx) = self.conn_index(id) else {
            return;
        };
        let now = self.now;
        self.seq += 1;
        let seq = self.seq;
        let c = &mut self.conns[idx];
        c.last_frame = now;
        // A data frame proves that everything the service queued before it has arrived: up
        // to now, or, while a backlog is read, up to its bound.
        let proved = c.catch_up.map_or(Mark { at: now, seq }, |cu| cu.bound);
        let proves = c.handover.is_none();
        match msg {
            Message::Text(text) => {
                if proves {
                    c.prove(proved);
                }
                let frame = protocol::classify(&text);
                self.on_text(idx, id, text, frame);
            }
            Message::Binary(bytes) => {
                if proves {
                    c.prove(proved);
                }
                self.stats.malformed.fetch_add(1, Ordering::Relaxed);
                let e = Error::malformed("unexpected binary frame", bytes);
                self.deliver(idx, Err(e), true);
            }
            Message::Close(frame) => {
                // Closed normally by the service after a newer socket to the same channel
                // connected: the close that connection causes, after everything sent here
                // before the newer socket covered (up to then, and no further: when it was
                // sent is unknown). An abnormal close proves nothing.
                let normal = frame.as_ref().is_some_and(|f| f.code == CloseCode::Normal);
                if c.expected_end
                    && normal
                    && let Some(h) = c.handover
                    && h.same_channel
                {
                    c.prove(h.at);
                }
                // A normal close after our own proves nothing more: it may be the answer
                // (sent after everything before our close), or a close the service sent
                // for its own reason before our close reached it, and the two cannot be
                // told apart.
                if let Some(f) = frame {
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

    fn on_text(&mut self, idx: usize, id: SocketId, text: Utf8Bytes, frame: Frame) {
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
                    .unwrap_or_else(|p| p.into_inner()) = Some(self.now.instant);
                if self.opts.heartbeat_events {
                    self.emit(Event::Heartbeat);
                }
                if self.opts.heartbeats {
                    // In order with the notifications of this socket, as received.
                    self.deliver(idx, Ok(Notification::new(text, parts)), true);
                }
            }
            Frame::Pong => self.on_pong(idx, id),
            Frame::SubscribeResult {
                result,
                status,
                message,
                correlation_id,
            } => {
                let c = &mut self.conns[idx];
                // Whether the service echoes our correlation id is unconfirmed, so a result
                // without an id answers the oldest waiting subscription. A result with an id
                // that matches none answers the oldest too, until the service has shown that
                // it echoes ids: then it is a stray result and answers nothing.
                let oldest = c.waits.iter().position(|w| w.cid.is_some());
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
                            None => oldest,
                        }
                    }
                    None => oldest,
                };
                let Some(w) = pos.and_then(|p| c.waits.remove(p)) else {
                    // The late reply of a subscription that went on unconfirmed.
                    let late = match &correlation_id {
                        Some(cid) => c.unconfirmed.iter().position(|u| u == cid),
                        None => (!c.unconfirmed.is_empty()).then_some(0),
                    };
                    if let Some(p) = late {
                        c.unconfirmed.remove(p);
                        if !(200..300).contains(&result) {
                            self.refused_late(idx, result, message.or(status), text);
                        }
                        return;
                    }
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
                self.resolve_wait(id, w, outcome);
            }
            Frame::ChannelGone { message } => {
                self.channel_gone(id, ReplaceReason::NotFound, message, Some(text));
            }
            Frame::NoLongerSubscribed { message } => {
                self.channel_gone(id, ReplaceReason::NoLongerSubscribed, message, Some(text));
            }
            Frame::TokenRevoked { message } => {
                self.channel_gone(id, ReplaceReason::TokenRevoked, message, Some(text));
            }
            Frame::SocketClosing { message } => self.socket_closing(id, message),
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

    fn on_pong(&mut self, idx: usize, id: SocketId) {
        let now = self.now.instant;
        let same_channel = self.conns[idx].target.uri == self.target.uri;
        let c = &mut self.conns[idx];
        let (answered, sent) = c.pings.pong(now);
        // Everything sent before the ping has arrived.
        if let Some(m) = sent {
            c.prove(m);
            if let Some(cu) = &mut c.catch_up {
                if m.seq >= cu.resumed_seq {
                    c.catch_up = None;
                } else if m.seq > cu.bound.seq {
                    cu.bound = m;
                }
            }
        }
        match answered {
            Answered::User(r, rtt) => self.answer_ping(r, Ok(rtt)),
            Answered::Nothing => {}
            Answered::Probe => self.probe_answered(id),
            // Everything the old socket carried before the newer socket to the same channel
            // was subscribed has arrived; what it carries from now on, the newer one carries
            // too. Keep reading it until the service closes it, and let the newer one deliver.
            Answered::Drain if same_channel => {
                self.conns[idx].shadow = true;
                self.promote(id);
            }
            // Everything the old socket carried before the switch has arrived.
            Answered::Drain => {
                self.out.push(Action::Close {
                    sock: id,
                    reason: "switched to a new socket",
                });
            }
        }
    }

    fn socket_closing(&mut self, id: SocketId, message: Option<String>) {
        self.emit(Event::SocketClosing);
        let Some(c) = self.conn_mut(id) else { return };
        c.closing_announced = true;
        if c.phase == Phase::Draining || c.expected_end {
            return;
        }
        let target = c.target.clone();
        match self.decide(Cause::Maintenance) {
            Decision::Surface => {
                let e = Error::new(ErrorKind::ChannelExpiring, Reason::ChannelClosing)
                    .with_message(
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
                        kind: Recovery::Maintenance,
                    });
                    self.emit(Event::RolloverStarted);
                    self.start_replace(why);
                }
            }
            Decision::Reconnect | Decision::Probe | Decision::Fatal(_) => {
                if self.switch.is_none() && !self.connecting() {
                    self.switch = Some(Switch {
                        new_conn: None,
                        reply: None,
                        kind: Recovery::Maintenance,
                    });
                    self.emit(Event::RolloverStarted);
                    self.start_connect(target, Purpose::Maintenance);
                }
            }
        }
    }

    fn channel_gone(
        &mut self,
        id: SocketId,
        why: ReplaceReason,
        message: Option<String>,
        raw: Option<Utf8Bytes>,
    ) {
        if let Some(c) = self.conn_mut(id) {
            if c.phase == Phase::Draining {
                return;
            }
            if c.covering {
                c.covering = false;
                // What was proven, not when the notice was read: after paused reading the
                // notice may have waited in the backlog since the pause.
                let proof = c.proof;
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
        let kind = if self.init {
            ErrorKind::Connection
        } else {
            ErrorKind::Receive
        };
        let mut e = Error::new(kind, why.reason()).with_message(message);
        if let Some(raw) = raw {
            e = e.with_raw(raw.into());
        }
        if self.init {
            self.fail_init(e);
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
                self.fatal(e);
            }
        }
    }

    /// The switch under way will not complete: its requester learns why.
    fn abandon_switch(&mut self, e: &Error) {
        if let Some(sw) = self.switch.take()
            && let Some(r) = sw.reply
        {
            let err = e.shallow_clone().into_kind(ErrorKind::Rollover).non_fatal();
            self.answer(r, Err(err));
        }
    }

    /// No new channel could be obtained for `why`.
    fn replacement_failed(&mut self, why: ReplaceReason, e: Error) {
        tracing::info!(error = %e, ?why, "no new channel");
        match self.decide(Cause::ReplacementFailed(why)) {
            Decision::Reconnect => {
                // Maintenance: the old channel still works; make before break to it while
                // its socket is open, else reconnect to it.
                if self.live_conn_exists() {
                    if !self.connecting() {
                        if self.switch.is_none() {
                            self.switch = Some(Switch {
                                new_conn: None,
                                reply: None,
                                kind: Recovery::Maintenance,
                            });
                        }
                        let target = self.target.clone();
                        self.start_connect(target, Purpose::Maintenance);
                    }
                } else {
                    self.abandon_switch(&e);
                    self.schedule_reconnect(Some(e.into_kind(ErrorKind::Reconnect)));
                }
            }
            Decision::RetryReplace(why) => {
                if self.switch.as_ref().is_some_and(|s| s.new_conn.is_none()) {
                    self.abandon_switch(&e);
                }
                let now = self.now.instant;
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
                        self.fatal(e);
                    }
                }
            }
            Decision::Replace(why) => self.start_replace(why),
            Decision::Fatal(_) | Decision::Surface | Decision::Probe => self.fatal(e),
        }
    }

    // ----- losing sockets ---------------------------------------------------------------

    /// The stream of socket `id` ended.
    fn on_ended(&mut self, id: SocketId) {
        let (reason, deliberate) = match self.conn_mut(id) {
            Some(c) => (
                c.close_reason.take(),
                c.normal_close
                    && !c.closing_announced
                    && !c.expected_end
                    && c.phase != Phase::Draining,
            ),
            None => return,
        };
        let reason = reason.unwrap_or_else(|| "the socket was closed".to_owned());
        // A normal close without notice is the service's decision (eviction, expiry,
        // take-over), or a proxy's.
        let closed_by = if deliberate {
            Reason::ClosedByService
        } else {
            Reason::ConnectionClosed
        };
        let err = Error::new(ErrorKind::Receive, closed_by).with_message(reason.clone());
        if deliberate {
            // A normal closure without maintenance notice: the channel expired, was evicted,
            // or another connection took it over, or a proxy ended the connection. One
            // reconnection after a pause tells them apart: a second such close soon after is
            // a take-over (taking the channel back again would only start a tug of war, one
            // socket per channel).
            let cause = self.takeover.closed_normally(self.now.instant);
            if !self.init && self.decide(cause) == Decision::Probe {
                tracing::info!("{reason}; reconnecting once");
                // Told here, before the attempt is scheduled (as on every path); `end_conn`
                // then stays silent about it.
                self.emit(Event::Disconnected {
                    reason: Reason::ClosedByService,
                });
                if let Some(c) = self.conn_mut(id) {
                    c.expected_end = true;
                }
                self.schedule_reconnect_after(Some(err.shallow_clone()), PROBE_PAUSE);
                self.end_conn(id, Some(err));
                return;
            }
            let message = format!(
                "{reason}: the service ended this socket (channel taken over by another \
                 connection, evicted or expired)"
            );
            self.channel_gone(id, ReplaceReason::ClosedByService, Some(message), None);
            if !self.finished {
                self.end_conn(id, Some(err));
            }
            return;
        }
        self.end_conn(id, Some(err));
    }

    /// Reading or writing socket `id` failed.
    fn on_failed(&mut self, id: SocketId, err: Error) {
        // The peer broke the protocol (oversized frame, text that is not UTF-8, bad framing):
        // say so before the socket is replaced, so the gap that follows is explained. (Plain
        // drops are told by the gap alone.)
        if matches!(
            err.reason(),
            Reason::MessageTooLarge | Reason::InvalidMessage | Reason::InvalidHandshake
        ) && let Some(i) = self.conn_index(id)
        {
            self.stats.malformed.fetch_add(1, Ordering::Relaxed);
            let item = err.shallow_clone().non_fatal();
            self.deliver(i, Err(item), false);
        }
        self.fail_conn(id, err);
    }

    /// Socket `id` failed (error, close, watchdog, unconfirmed resubscription): let it go and
    /// recover.
    fn fail_conn(&mut self, id: SocketId, cause: Error) {
        self.forget_conn(id, Some(cause));
    }

    /// Lets socket `id` go (its end is expected).
    fn close_conn(&mut self, id: SocketId) {
        if let Some(c) = self.conn_mut(id) {
            c.expected_end = true;
        }
        self.forget_conn(id, None);
    }

    /// Stops reading socket `id` (the executor closes it) and decides what comes next.
    fn forget_conn(&mut self, id: SocketId, cause: Option<Error>) {
        if self.conn_index(id).is_some() {
            self.out.push(Action::Drop { sock: id });
        }
        self.end_conn(id, cause);
    }

    /// Removes socket `id` and decides what comes next.
    fn end_conn(&mut self, id: SocketId, cause: Option<Error>) {
        let Some(idx) = self.conn_index(id) else {
            return;
        };
        let now = self.now.instant;
        let mut conn = self.conns.remove(idx);
        for r in conn.pings.take_replies() {
            self.answer_ping(r, Err(socket_closed()));
        }
        // Items it held are still in order after everything older: deliver them now. What
        // the oldest socket holds came from newer sockets (handed over when they ended): a
        // copy of what it delivered itself is skipped.
        if idx == 0 {
            // The other sockets may carry their own copies still.
            let others = !self.conns.is_empty();
            self.release(conn.held.take(), conn.id, true, others);
        } else if let Some(prev) = self.conns.get_mut(idx - 1) {
            prev.held.append(&mut conn.held);
        }
        // A socket handed over covers no more than it proved: what it did not prove before
        // the newer socket covered is a gap.
        let unproven = conn.handover.is_some_and(|h| conn.proof_seq < h.at.seq);
        if conn.covering || unproven {
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
                    let gap = crate::state::gap(conn.proof, since, &self.topics);
                    tracing::info!("gap before the switch");
                    self.report_gap(gap, idx.checked_sub(1));
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
            self.emit(Event::Disconnected { reason });
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
        if was_switch_target
            && !self
                .conns
                .iter()
                .any(|c| c.dedup || c.shadow || !c.held.is_empty())
        {
            // A failed switch: what was remembered for it is of no use any more (unless
            // copies it handed over are still held, or a remaining socket may carry copies
            // of what was delivered: e.g. a reconnection that opened during a switch).
            self.dedup.clear();
            for c in &mut self.conns {
                c.dedup = false;
            }
        }
        // What it handed to the oldest waits for the oldest's end, to come after the oldest's
        // own notifications; an oldest socket that is not being let go has no end in sight:
        // deliver it now.
        let staying_head = self.conns.first_mut().filter(|h| {
            idx == 1 && !h.held.is_empty() && h.phase != Phase::Draining && h.handover.is_none()
        });
        if let Some(head) = staying_head {
            // It may carry its own copies of what it is handed: it checks for them (for a
            // drain's time: the records of handed-over items expire then).
            head.dedup = true;
            self.flush_head();
        } else if idx == 0 {
            self.flush_head();
        }
        self.update_recording();
        for w in waits {
            if handed_over
                && matches!(w.purpose, SubPurpose::User(Some(_), _))
                && let Some(head) = self.head_active()
            {
                self.carried.push_back((head, w.purpose));
                continue;
            }
            let e = cause
                .as_ref()
                .map_or_else(socket_closed, Error::shallow_clone);
            match w.purpose {
                SubPurpose::User(reply, added) => {
                    self.forget_added(&added);
                    if let Some(r) = reply {
                        self.answer(r, Err(e.into_kind(ErrorKind::Subscription).non_fatal()));
                    }
                }
                SubPurpose::Extend(Some(r)) => self.answer(r, Err(e.non_fatal())),
                _ => {}
            }
        }
        if self.init {
            let e = cause.unwrap_or_else(|| {
                Error::new(ErrorKind::Connection, Reason::ConnectionClosed)
                    .with_message("the socket closed before the subscription was confirmed")
            });
            let e = if e.is_initialization_failure() {
                e
            } else {
                e.into_kind(ErrorKind::Connection)
            };
            self.fail_init(e);
            return;
        }
        if was_switch_target
            && let Some(sw) = self.switch.take()
            && let Some(r) = sw.reply
        {
            let err = cause
                .as_ref()
                .map_or_else(socket_closed, Error::shallow_clone);
            self.answer(r, Err(err.into_kind(ErrorKind::Rollover).non_fatal()));
        }
        self.check_switch_done();
        self.reconnect_if_nothing_carries(cause);
    }

    /// Schedules a reconnection unless some socket may deliver, one that can carry the
    /// current channel is being opened, or a new channel is being obtained.
    fn reconnect_if_nothing_carries(&mut self, cause: Option<Error>) {
        if !self.live_conn_exists()
            && !self.connecting()
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
        if self.retry_at.is_some() || self.connecting() || self.finished {
            return;
        }
        if let Some(c) = cause {
            self.last_error = Some(c);
        }
        self.outage = true;
        let now = self.now.instant;
        match self.backoff.next_delay(now) {
            Some(delay) => {
                let delay = delay.max(at_least);
                tracing::info!(attempt = self.backoff.attempts(), ?delay, "reconnecting");
                self.emit(Event::ReconnectAttempt {
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
    fn permanent_failure(&mut self, e: Error) {
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
                self.fatal(e.with_attempts(attempts));
            }
        }
    }

    // ----- the end ----------------------------------------------------------------------

    fn fail_init(&mut self, e: Error) {
        if self.init {
            self.init = false;
            self.out.push(Action::Ready(Err(e.fatal())));
        }
        self.close_all();
        self.answer_everyone();
        self.finished = true;
        self.out.push(Action::Finish);
    }

    /// Ends the stream with `e` (fatal).
    fn fatal(&mut self, e: Error) {
        if self.init {
            self.fail_init(e);
            return;
        }
        self.close_all();
        self.finish_with(e);
    }

    fn finish_with(&mut self, e: Error) {
        if self.finished {
            return;
        }
        tracing::warn!(error = %e, "channel failed");
        let reason = e.reason();
        if self.init {
            self.init = false;
            self.out.push(Action::Ready(Err(e.fatal())));
        } else {
            self.queue.push_error(e.fatal());
        }
        self.answer_everyone();
        self.finished = true;
        self.emit(Event::Closed {
            reason: Some(reason),
        });
        self.out.push(Action::Finish);
    }

    /// Answers every request still waiting: the channel is closed.
    fn answer_everyone(&mut self) {
        if let Some(sw) = self.switch.take()
            && let Some(r) = sw.reply
        {
            self.answer(r, Err(Error::closed()));
        }
        for r in std::mem::take(&mut self.deferred) {
            self.answer(r, Err(Error::closed()));
        }
        let mut conns = std::mem::take(&mut self.conns);
        self.answer_everyone_on(&mut conns);
        self.conns = conns;
        for (conn, purpose) in std::mem::take(&mut self.carried) {
            let _ = conn;
            self.answer_purpose(purpose, Error::closed());
        }
    }

    fn answer_everyone_on(&mut self, conns: &mut [Conn]) {
        for c in conns {
            for r in c.pings.take_replies() {
                self.answer_ping(r, Err(Error::closed()));
            }
            for w in c.waits.drain(..) {
                if let SubPurpose::Extend(Some(r)) | SubPurpose::User(Some(r), _) = w.purpose {
                    self.out.push(Action::Answer {
                        id: r,
                        result: Err(Error::closed()),
                    });
                }
            }
        }
    }

    /// Asks for every socket to be closed (1000) and forgets them.
    fn close_all(&mut self) {
        let mut conns = std::mem::take(&mut self.conns);
        self.opening.clear();
        self.out.push(Action::CloseAll);
        self.answer_everyone_on(&mut conns);
    }

    /// Closed by the user (or the channel was dropped).
    fn shutdown(&mut self, reply: Option<RequestId>) {
        self.close_all();
        self.answer_everyone();
        self.finished = true;
        self.emit(Event::Closed { reason: None });
        self.out.push(Action::Finish);
        if let Some(r) = reply {
            self.answer(r, Ok(()));
        }
    }

    // ----- requests ---------------------------------------------------------------------

    fn on_request(&mut self, id: RequestId, req: Request) {
        match req {
            Request::Close => self.shutdown(Some(id)),
            Request::Ping => {
                let Some(sock) = self.head_active() else {
                    self.answer_ping(
                        id,
                        Err(Error::new(ErrorKind::Receive, Reason::ConnectionClosed)
                            .non_fatal()
                            .with_message("no open socket; the channel is recovering")),
                    );
                    return;
                };
                let mark = self.ping_mark();
                let Some(c) = self.conn_mut(sock) else { return };
                if !c.pings.has_room() {
                    self.answer_ping(
                        id,
                        Err(Error::new(ErrorKind::Receive, Reason::Timeout)
                            .non_fatal()
                            .with_message("too many pings without an answer on this socket")),
                    );
                    return;
                }
                c.pings.user(mark, id);
                self.send_text(sock, protocol::PING.to_owned());
            }
            Request::Extend => self.start_extend(Some(id)),
            Request::Subscribe(topics) => {
                let added: Vec<String> = topics
                    .into_iter()
                    .filter(|t| !self.topics.contains(t))
                    .collect();
                let mut all = self.topics.clone();
                all.extend(added.iter().cloned());
                self.set_topics(all);
                match self.head_active() {
                    Some(sock) => self.begin_subscribe(sock, SubPurpose::User(Some(id), added)),
                    // Recovering: the topics are subscribed with the others on reconnection,
                    // and the answer is that subscription's.
                    None => self.deferred.push(id),
                }
            }
            Request::Unsubscribe(topics) => {
                if self.over_socket {
                    self.answer(
                        id,
                        Err(Error::new(ErrorKind::Subscription, Reason::Ambiguous)
                            .non_fatal()
                            .with_message(
                                "the socket protocol has no unsubscribe message; \
                                 removing topics needs the managed channel (feature `rest`)",
                            )),
                    );
                    return;
                }
                let remaining: Vec<String> = self
                    .topics
                    .iter()
                    .filter(|t| !topics.contains(t))
                    .cloned()
                    .collect();
                if remaining.len() == self.topics.len() {
                    self.answer(id, Ok(()));
                    return;
                }
                self.set_topics(remaining);
                match self.head_active() {
                    Some(sock) => {
                        self.begin_subscribe(sock, SubPurpose::User(Some(id), Vec::new()));
                    }
                    // Recovering: the remaining topics are subscribed on reconnection.
                    None => self.deferred.push(id),
                }
            }
            Request::Rollover(uri) => {
                if self.switch.is_some() || self.replacing {
                    self.answer(
                        id,
                        Err(Error::new(ErrorKind::Rollover, Reason::Ambiguous)
                            .non_fatal()
                            .with_message("a switch is already in progress")),
                    );
                    return;
                }
                self.switch = Some(Switch {
                    new_conn: None,
                    reply: Some(id),
                    kind: Recovery::Rollover,
                });
                self.emit(Event::RolloverStarted);
                self.start_connect(ChannelTarget::from_uri(uri), Purpose::Rollover);
            }
            Request::Reconnect => {
                if let Some(sock) = self.head_active() {
                    let e = Error::new(ErrorKind::Receive, Reason::ConnectionClosed)
                        .with_message("reconnection requested");
                    self.fail_conn(sock, e);
                }
                self.answer(id, Ok(()));
            }
        }
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
