//! The executor: one background task per channel that carries out what the channel machine
//! ([`crate::machine::core`]) decides.
//!
//! It owns the sockets, the timer, the source's calls and the replies to the handles, and
//! nothing else: every decision is the machine's. It reads every socket the machine lists
//! (so heartbeats, pongs and transport pings are always seen, whatever the consumer's speed),
//! feeds each frame, end, error, timer, command and finished call back as an input, and
//! executes the actions. Writes go through a queue per socket, driven from the same poll as
//! the reads: a socket whose peer is slow to take a frame never holds up the reading of
//! another. Slow work (opening a socket, REST calls of a managed source) runs as futures
//! polled by the same task.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::{FutureExt, StreamExt};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::{Instant, Sleep};
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Error as WsError, Message, Utf8Bytes};
use tokio_util::sync::CancellationToken;

use crate::channel::{Channel, ChannelHandle, Command, EventHub, SharedStats, State};
use crate::current;
use crate::error::{Error, ErrorKind, Reason};
use crate::machine::core::{Action, Answer, Input, Machine, Request, RequestId, Setup, SocketId};
use crate::machine::recovery::Mode;
use crate::options::ConnectOptions;
use crate::queue;
use crate::source::{ChannelSource, ChannelTarget};
use crate::state::Stamp;
use crate::transport::{self, Connector, Socket, SocketWake, Ws};

/// Frames handled per wake-up of the driver before it looks at timers and commands again.
const BATCH: usize = 64;

type OpFuture = Pin<Box<dyn Future<Output = Done> + Send>>;

/// A finished piece of slow work.
enum Done {
    Opened(SocketId, Result<Box<Ws>, Error>),
    Input(Input),
}

/// Where the answer to a request goes.
enum Reply {
    Unit(oneshot::Sender<Result<(), Error>>),
    Rtt(oneshot::Sender<Result<Duration, Error>>),
    Close(oneshot::Sender<()>),
}

fn poll_ops(ops: &mut Vec<OpFuture>, cx: &mut Context<'_>) -> Poll<Done> {
    for i in 0..ops.len() {
        if let Poll::Ready(done) = ops[i].as_mut().poll(cx) {
            drop(ops.swap_remove(i));
            return Poll::Ready(done);
        }
    }
    Poll::Pending
}

enum Wake {
    Cancel,
    Command(Option<Command>),
    Op(Done),
    Timer,
    /// The consumer made room in the buffer: decide again what to read.
    Room,
    Socket(SocketWake),
}

/// Starts a channel on `target` with `source` and waits until it is open and subscribed
/// (or failed). The first connection is never retried.
///
/// In out-of-band mode (`!source.subscribes_over_socket()`) the channel calls
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
    let (current, current_rx) = current::Publisher::new(&target);
    // If the caller gives up while connecting, the task stops.
    let guard = cancel.clone().drop_guard();
    let setup = Setup {
        options: options.clone(),
        mode,
        over_socket: source.subscribes_over_socket(),
        target,
        topics,
    };
    let far = Instant::now() + Duration::from_secs(86400 * 365 * 30);
    let driver = Driver {
        machine: Machine::new(setup, qtx, stats.clone(), Stamp::now()),
        source: Arc::new(source),
        connector: Arc::new(Connector::new(&options)),
        sockets: Vec::new(),
        readable: Vec::new(),
        ops: Vec::new(),
        replies: Vec::new(),
        next_request: 0,
        events: events.clone(),
        state_tx,
        current,
        close_timeout: options.close_timeout,
        topics: shared_topics.clone(),
        cmd_rx,
        cancel: cancel.clone(),
        init: Some(init_tx),
        sleep: Box::pin(tokio::time::sleep_until(far)),
        sleep_at: far,
        far,
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
                current: current_rx,
            };
            drop(guard.disarm());
            handle.events.start_over();
            Ok(Channel::new(qrx, handle, cancel))
        }
        Ok(Err(e)) => Err(e),
        Err(_) => Err(Error::new(ErrorKind::Connection, Reason::Ambiguous)
            .with_message("the channel task ended during the first connection")),
    }
}

struct Driver<S> {
    machine: Machine,
    source: Arc<S>,
    connector: Arc<Connector>,
    /// The open sockets, in no particular order (the machine orders them).
    sockets: Vec<Socket>,
    /// The sockets to read in this turn, as the machine lists them (reused).
    readable: Vec<SocketId>,
    ops: Vec<OpFuture>,
    /// Requests the machine has not answered yet.
    replies: Vec<(RequestId, Reply)>,
    next_request: RequestId,
    events: Arc<EventHub>,
    state_tx: watch::Sender<State>,
    /// Publishes the machine's current channel to the handles ([`crate::CurrentChannel`]).
    current: current::Publisher,
    /// How long closing waits for the service's answer.
    close_timeout: Duration,
    topics: Arc<Mutex<Vec<String>>>,
    cmd_rx: mpsc::Receiver<Command>,
    cancel: CancellationToken,
    init: Option<oneshot::Sender<Result<(), Error>>>,
    sleep: Pin<Box<Sleep>>,
    sleep_at: Instant,
    /// "Never": the timer's instant when nothing is due.
    far: Instant,
}

impl<S: ChannelSource> Driver<S> {
    async fn run(mut self) {
        self.feed(Stamp::now(), Input::Start).await;
        while !self.machine.finished() {
            // Everything delivered during the last wake-up goes to the consumer at once.
            self.machine.flush(Stamp::now());
            self.execute().await;
            // A consumer on this thread takes what it was handed before much more is read,
            // so the buffer stays shallow instead of growing until the task's cooperative
            // budget runs out (then frames that wait are copied out of their read chunks).
            if self.machine.queue_mut().consumer_behind() {
                tokio::task::yield_now().await;
            }
            self.arm_timer();
            self.readable.clear();
            self.readable.extend(self.machine.readable());
            let wake = {
                let queue = self.machine.queue_mut();
                let sockets = &mut self.sockets;
                let readable = &self.readable;
                let ops = &mut self.ops;
                tokio::select! {
                    biased;
                    () = self.cancel.cancelled() => Wake::Cancel,
                    cmd = self.cmd_rx.recv() => Wake::Command(cmd),
                    done = std::future::poll_fn(|cx| poll_ops(ops, cx)) => Wake::Op(done),
                    () = self.sleep.as_mut() => Wake::Timer,
                    () = std::future::poll_fn(|cx| queue.poll_room(cx)) => Wake::Room,
                    w = std::future::poll_fn(|cx| transport::poll_sockets(sockets, readable, cx)) => Wake::Socket(w),
                }
            };
            let now = Stamp::now();
            match wake {
                // The channel was dropped, or every handle is gone.
                Wake::Cancel | Wake::Command(None) => self.feed(now, Input::Shutdown).await,
                Wake::Command(Some(cmd)) => {
                    let input = self.request(cmd);
                    self.feed(now, input).await;
                }
                Wake::Op(Done::Opened(sock, result)) => {
                    let result = result.map(|ws| self.sockets.push(Socket::new(sock, ws)));
                    self.feed(now, Input::Opened { sock, result }).await;
                }
                Wake::Op(Done::Input(input)) => self.feed(now, input).await,
                Wake::Timer => {
                    self.sleep_at = self.far;
                    self.sleep.as_mut().reset(self.far);
                    self.feed(now, Input::Timer).await;
                }
                Wake::Room => {}
                Wake::Socket(SocketWake::WriteFailed(sock, e)) => {
                    self.forget(sock);
                    let error = transport::stream_error(e);
                    self.feed(now, Input::Failed { sock, error }).await;
                }
                Wake::Socket(SocketWake::Read(sock, m)) => self.on_read(now, sock, m).await,
            }
            self.refresh_state();
        }
        self.refresh_state();
        self.cmd_rx.close();
        while let Ok(cmd) = self.cmd_rx.try_recv() {
            let input = self.request(cmd);
            self.feed(Stamp::now(), input).await;
        }
    }

    /// Handles what socket `sock` gave, and then up to [`BATCH`] frames it has ready.
    async fn on_read(
        &mut self,
        now: Stamp,
        sock: SocketId,
        first: Option<Result<Message, WsError>>,
    ) {
        let mut next = first;
        for handled in 1.. {
            match next {
                Some(Ok(msg)) => self.machine.handle(now, Input::Frame { sock, msg }),
                Some(Err(e)) => {
                    self.forget(sock);
                    let error = transport::stream_error(e);
                    return self.feed(now, Input::Failed { sock, error }).await;
                }
                None => {
                    self.forget(sock);
                    return self.feed(now, Input::Ended { sock }).await;
                }
            }
            if !self.machine.actions().is_empty() {
                self.execute().await;
            }
            // Back-pressure: the buffer is at its bound (exceeded by at most this frame).
            if handled >= BATCH || !self.machine.may_read_more(sock) {
                return;
            }
            let Some(s) = self.sockets.iter_mut().find(|s| s.id == sock) else {
                return;
            };
            match s.ws.next().now_or_never() {
                Some(m) => next = m,
                None => {
                    // Everything that had arrived is read: after paused reading, the backlog.
                    if self.machine.catching_up(sock) {
                        self.feed(now, Input::Drained { sock }).await;
                    }
                    return;
                }
            }
        }
    }

    async fn feed(&mut self, now: Stamp, input: Input) {
        self.machine.handle(now, input);
        self.execute().await;
    }

    fn request(&mut self, cmd: Command) -> Input {
        let id = self.next_request;
        self.next_request += 1;
        let (req, reply) = match cmd {
            Command::Ping(r) => (Request::Ping, Reply::Rtt(r)),
            Command::Close(r) => (Request::Close, Reply::Close(r)),
            Command::Extend(r) => (Request::Extend, Reply::Unit(r)),
            Command::Rollover(uri, r) => (Request::Rollover(uri), Reply::Unit(r)),
            Command::Subscribe(t, r) => (Request::Subscribe(t), Reply::Unit(r)),
            Command::Unsubscribe(t, r) => (Request::Unsubscribe(t), Reply::Unit(r)),
            Command::Reconnect(r) => (Request::Reconnect, Reply::Unit(r)),
        };
        self.replies.push((id, reply));
        Input::Request { id, req }
    }

    fn arm_timer(&mut self) {
        let at = self.machine.next_deadline().unwrap_or(self.far);
        if at != self.sleep_at {
            self.sleep_at = at;
            self.sleep.as_mut().reset(at);
        }
    }

    fn refresh_state(&mut self) {
        let state = self.machine.state();
        self.state_tx.send_if_modified(|s| {
            if *s == state {
                false
            } else {
                *s = state;
                true
            }
        });
        self.current.sync(self.machine.target());
    }

    /// Carries out the machine's actions, in order.
    async fn execute(&mut self) {
        let mut actions = std::mem::take(self.machine.actions());
        for action in actions.drain(..) {
            if let Some(Action::CloseAll) = self.apply(action) {
                self.close_all().await;
            }
        }
        *self.machine.actions() = actions;
    }

    /// Sends close 1000 on every socket and waits for the close handshakes, at most
    /// `close_timeout`: the answers come after everything sent before them, so meanwhile
    /// the sockets are read and what arrives is discarded. With a zero timeout each close
    /// frame is written if its socket takes it at once, and nothing is read.
    async fn close_all(&mut self) {
        self.ops.clear();
        let wait = self.close_timeout;
        let mut sockets = std::mem::take(&mut self.sockets);
        let closing = sockets.iter_mut().map(|s| async move {
            let frame = CloseFrame {
                code: CloseCode::Normal,
                reason: Utf8Bytes::from_static("closed by the client"),
            };
            // Written even when a busy task has used up its cooperative budget (the
            // timeout below polls this once before it expires, however short it is).
            let sent = tokio::task::unconstrained(Ws::close(&mut s.ws, Some(frame))).await;
            if sent.is_ok() && !wait.is_zero() {
                while let Some(Ok(_)) = s.ws.next().await {}
            }
        });
        let _ = tokio::time::timeout(wait, futures_util::future::join_all(closing)).await;
    }

    /// Carries out one action without waiting; gives `CloseAll` back to be awaited.
    fn apply(&mut self, action: Action) -> Option<Action> {
        match action {
            Action::Send { sock, text } => {
                if let Some(s) = self.sockets.iter_mut().find(|s| s.id == sock) {
                    s.out.push_back(Message::text(text));
                }
            }
            Action::Close { sock, reason } => {
                if let Some(s) = self.sockets.iter_mut().find(|s| s.id == sock) {
                    s.out.push_back(Message::Close(Some(CloseFrame {
                        code: CloseCode::Normal,
                        reason: Utf8Bytes::from_static(reason),
                    })));
                }
            }
            Action::Drop { sock } => self.forget(sock),
            Action::Open { sock, uri } => {
                let connector = self.connector.clone();
                self.ops.push(Box::pin(async move {
                    Done::Opened(sock, connector.open(&uri).await.map(Box::new))
                }));
            }
            Action::CallSource {
                sock,
                target,
                topics,
                extend,
            } => {
                let source = self.source.clone();
                self.ops.push(Box::pin(async move {
                    let result = if extend {
                        source.extend(&target, &topics).await
                    } else {
                        source.subscribe(&target, &topics).await
                    };
                    Done::Input(Input::SourceDone { sock, result })
                }));
            }
            Action::Replace { why, topics } => {
                let source = self.source.clone();
                self.ops.push(Box::pin(async move {
                    let result = source.replace(why, &topics).await;
                    Done::Input(Input::Replaced { why, result })
                }));
            }
            other => return self.apply_local(other),
        }
        None
    }
}

impl<S> Driver<S> {
    /// The actions that touch neither sockets nor the source (also carried out on drop).
    fn apply_local(&mut self, action: Action) -> Option<Action> {
        match action {
            Action::Emit(event) => self.events.emit(event),
            Action::Answer { id, result } => {
                let pos = self.replies.iter().position(|(r, _)| *r == id)?;
                let (_, reply) = self.replies.swap_remove(pos);
                match reply {
                    Reply::Unit(tx) => drop(tx.send(result.map(|_| ()))),
                    Reply::Rtt(tx) => drop(tx.send(result.map(|a| match a {
                        Answer::Rtt(d) => d,
                        Answer::Done => Duration::ZERO,
                    }))),
                    Reply::Close(tx) => drop(tx.send(())),
                }
            }
            Action::Ready(result) => {
                if let Some(init) = self.init.take() {
                    let _ = init.send(result);
                }
            }
            Action::Topics(topics) => {
                *self.topics.lock().unwrap_or_else(|p| p.into_inner()) = topics;
            }
            Action::Finish => {
                self.events.close();
                self.machine.close_queue();
            }
            Action::Drop { sock } => self.forget(sock),
            other => return Some(other),
        }
        None
    }

    /// Closes socket `sock` without waiting and stops reading it.
    fn forget(&mut self, sock: SocketId) {
        if let Some(pos) = self.sockets.iter().position(|s| s.id == sock) {
            let mut s = self.sockets.swap_remove(pos);
            let _ = Ws::close(&mut s.ws, None).now_or_never();
        }
    }
}

/// A driver that goes away before the machine finished (a panic in the task, or the task
/// aborted) ends the stream with a fatal item: the consumer must never take it for a user's
/// close.
impl<S> Drop for Driver<S> {
    fn drop(&mut self) {
        if self.machine.finished() {
            return;
        }
        self.machine.abort();
        let actions = std::mem::take(self.machine.actions());
        for action in actions {
            let _ = self.apply_local(action);
        }
    }
}
