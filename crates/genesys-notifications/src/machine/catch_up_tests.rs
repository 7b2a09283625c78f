//! A socket lost while back-pressure had stopped reading: the gap starts where continuity was
//! last proven (when reading stopped), not where the loss was read; and once the backlog is
//! proven read (a read that would block, or a pong to a ping sent since), frames prove up to
//! now again. Driven with explicit `now`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use futures_util::FutureExt;
use futures_util::StreamExt;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use url::Url;

use super::core::{Action, Input, Machine, Setup, SocketId};
use super::recovery::Mode;
use super::recovery::ReplaceReason;
use super::target::{ChannelTarget, Subscribed};
use crate::error::{Error, ErrorKind, Gap, Reason};
use crate::event::SharedStats;
use crate::options::{ConnectOptions, Overflow};
use crate::queue;
use crate::state::Stamp;

const TOPIC: &str = "v2.users.u1.presence";
const PONG: &str = r#"{"topicName":"channel.metadata","eventBody":{"message":"pong"}}"#;

/// The socket an action in `actions` opens (there must be one).
pub(super) fn opened(actions: &[Action]) -> SocketId {
    actions
        .iter()
        .find_map(|a| match a {
            Action::Open { sock, .. } => Some(*sock),
            _ => None,
        })
        .expect("a socket is opened")
}

/// The correlation id of the subscription sent in `actions` (there must be one).
pub(super) fn subscription_cid(actions: &[Action]) -> String {
    actions
        .iter()
        .find_map(|a| match a {
            Action::Send { text, .. } => text
                .split("\"correlationId\":\"")
                .nth(1)
                .and_then(|r| r.split('"').next())
                .map(str::to_owned),
            _ => None,
        })
        .expect("a subscription is sent")
}

pub(super) struct Rig {
    pub(super) m: Machine,
    pub(super) rx: queue::Receiver,
    pub(super) t0: Stamp,
    pub(super) now: Stamp,
    mode: Mode,
}

impl Rig {
    /// A channel in URI mode whose buffer holds two notifications, subscribed at 0 ms.
    fn subscribed() -> (Rig, SocketId) {
        Rig::subscribed_in(Mode::Uri)
    }

    /// The same in `mode` (managed: subscribed through the source, replaced when gone).
    pub(super) fn subscribed_in(mode: Mode) -> (Rig, SocketId) {
        let mut rig = Rig::new(mode);
        let sock = rig.connect(Input::Start);
        (rig, sock)
    }

    /// A channel in `mode`, not started.
    pub(super) fn new(mode: Mode) -> Rig {
        Rig::with_options(mode, ConnectOptions::default())
    }

    /// A channel in `mode` with `options` (seeded, blocking, a buffer of two), not started.
    pub(super) fn with_options(mode: Mode, options: ConnectOptions) -> Rig {
        let options = options
            .random_seed(7)
            .reconnect(crate::ReconnectPolicy::default().jitter_seed(7))
            .overflow(Overflow::Block)
            .buffer(2);
        let (tx, rx) = queue::bounded(options.max_buffer, options.buffer, options.overflow);
        let uri = Url::parse("ws://127.0.0.1:1/channels/c0").unwrap();
        let setup = Setup {
            options,
            mode,
            over_socket: mode == Mode::Uri,
            target: ChannelTarget::from_uri(uri),
            topics: vec![TOPIC.to_owned()],
        };
        let t0 = Stamp {
            instant: Instant::now(),
            wall: SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000),
        };
        let m = Machine::new(setup, tx, Arc::new(SharedStats::default()), t0);
        Rig {
            m,
            rx,
            t0,
            now: t0,
            mode,
        }
    }

    /// A gap's window in milliseconds since the start (`t0`): from, to.
    pub(super) fn window_ms(&self, gap: &Gap) -> (u128, u128) {
        let ms = |i: Instant| (i - self.t0.instant).as_millis();
        (ms(gap.from_instant), ms(gap.to_instant))
    }

    pub(super) fn at_ms(&mut self, ms: u64) {
        let d = Duration::from_millis(ms);
        self.now = Stamp {
            instant: self.t0.instant + d,
            wall: self.t0.wall + d,
        };
    }

    pub(super) fn feed(&mut self, input: Input) -> Vec<Action> {
        self.m.handle(self.now, input);
        self.m.flush(self.now);
        std::mem::take(self.m.actions())
    }

    pub(super) fn text(&mut self, sock: SocketId, text: &str) -> Vec<Action> {
        self.feed(Input::Frame {
            sock,
            msg: Message::text(text.to_owned()),
        })
    }

    pub(super) fn note(&mut self, sock: SocketId, n: u32) -> Vec<Action> {
        let text = format!(
            r#"{{"topicName":"{TOPIC}","eventBody":{{"n":{n}}},"metadata":{{"CorrelationId":"c{n}"}}}}"#
        );
        self.text(sock, &text)
    }

    /// Feeds `input`, which must ask for a socket, then opens and subscribes it.
    pub(super) fn connect(&mut self, input: Input) -> SocketId {
        if !self.over_socket() {
            return self.connect_managed(input);
        }
        let sock = opened(&self.feed(input));
        let cid = subscription_cid(&self.feed(Input::Opened {
            sock,
            result: Ok(()),
        }));
        self.text(
            sock,
            &format!(r#"{{"result":"200","correlationId":"{cid}"}}"#),
        );
        sock
    }

    fn over_socket(&self) -> bool {
        self.mode == Mode::Uri
    }

    /// Managed mode: the subscription is the source's call.
    fn connect_managed(&mut self, input: Input) -> SocketId {
        let sock = opened(&self.feed(input));
        let called = self.feed(Input::Opened {
            sock,
            result: Ok(()),
        });
        assert!(
            called
                .iter()
                .any(|a| matches!(a, Action::CallSource { sock: s, .. } if *s == sock)),
            "{called:?}"
        );
        self.feed(Input::SourceDone {
            sock,
            result: Ok(Subscribed::default()),
        });
        sock
    }

    /// Why the machine asked for a new channel in `actions` (it must have).
    pub(super) fn replacement_asked(actions: &[Action]) -> ReplaceReason {
        actions
            .iter()
            .find_map(|a| match a {
                Action::Replace { why, .. } => Some(*why),
                _ => None,
            })
            .expect("a new channel is asked for")
    }

    /// At 11 s the consumer takes the two notifications buffered (the bound): reading
    /// resumes; the actions of the resume are set aside.
    fn resume_at_11_s(&mut self) {
        self.at_ms(11_000);
        assert_eq!(self.consume().0, 2);
        self.m.flush(self.now);
        self.m.actions().clear();
    }

    /// The consumer takes everything buffered, as it comes.
    pub(super) fn consume_all(&mut self) -> Vec<Result<crate::Notification, Error>> {
        let mut out = Vec::new();
        while let Some(Some(item)) = self.rx.next().now_or_never() {
            out.push(item);
        }
        out
    }

    /// The consumer takes everything buffered: notification numbers, and the gaps.
    pub(super) fn consume(&mut self) -> (usize, Vec<Gap>) {
        let (mut notes, mut gaps) = (0, Vec::new());
        while let Some(Some(item)) = self.rx.next().now_or_never() {
            match item {
                Ok(_) => notes += 1,
                Err(e) if e.is_gap() => gaps.push(e.gap_window().unwrap().clone()),
                Err(e) => panic!("unexpected item: {e}"),
            }
        }
        (notes, gaps)
    }

    /// The socket is lost at the current time; the machine reconnects (the next socket
    /// subscribed at the next deadline): the gap it reports.
    pub(super) fn lose_and_reconnect(&mut self, sock: SocketId) -> Gap {
        let error = Error::new(ErrorKind::Receive, Reason::ConnectionClosed).non_fatal();
        self.feed(Input::Failed { sock, error });
        let at = self.m.next_deadline().expect("a reconnection is scheduled");
        self.now = Stamp {
            instant: at,
            wall: self.t0.wall + (at - self.t0.instant),
        };
        self.connect(Input::Timer);
        let (_, gaps) = self.consume();
        assert_eq!(gaps.len(), 1, "one gap: {gaps:?}");
        gaps.into_iter().next().unwrap()
    }
}

fn pings_sent(actions: &[Action], on: SocketId) -> usize {
    actions
        .iter()
        .filter(
            |a| matches!(a, Action::Send { sock, text } if *sock == on && text.contains("ping")),
        )
        .count()
}

/// Reading stops at 1 s (the buffer is full); the consumer is away until 11 s. The service
/// had sent two more notifications before the connection dropped; they are read after the
/// resume, then the loss. What was published between the pause and the drop is lost: the
/// gap must start at the pause, not at 11 s.
#[test]
fn a_loss_read_after_a_pause_is_a_gap_from_the_pause() {
    let (mut rig, sock) = Rig::subscribed();
    rig.at_ms(1_000);
    rig.note(sock, 0);
    rig.note(sock, 1);
    assert_eq!(rig.m.readable().count(), 0, "reading is paused");
    rig.at_ms(11_000);
    assert_eq!(rig.consume().0, 2);
    rig.m.flush(rig.now);
    let resumed = std::mem::take(rig.m.actions());
    // Nothing is written: a write to a socket the service closed meanwhile could reset the
    // connection and destroy the backlog still unread.
    assert!(
        !resumed.iter().any(|a| matches!(a, Action::Send { .. })),
        "{resumed:?}"
    );
    rig.note(sock, 2);
    rig.note(sock, 3);
    assert_eq!(rig.consume().0, 2);
    let gap = rig.lose_and_reconnect(sock);
    assert_eq!(rig.window_ms(&gap).0, 1_000, "{gap:?}");
    assert_eq!(gap.from, rig.t0.wall + Duration::from_millis(1_000));
}

/// Once a read would block, the backlog is read: later frames prove up to now again, so a
/// later loss is a gap from the last frame, not from the pause.
#[test]
fn after_the_backlog_is_read_frames_prove_up_to_now_again() {
    let (mut rig, sock) = Rig::subscribed();
    rig.at_ms(1_000);
    rig.note(sock, 0);
    rig.note(sock, 1);
    rig.resume_at_11_s();
    assert!(rig.m.catching_up(sock));
    rig.note(sock, 2);
    rig.at_ms(11_500);
    rig.feed(Input::Drained { sock });
    assert!(!rig.m.catching_up(sock));
    rig.at_ms(12_000);
    rig.note(sock, 3);
    assert_eq!(rig.consume().0, 2);
    rig.at_ms(13_000);
    let gap = rig.lose_and_reconnect(sock);
    assert_eq!(rig.window_ms(&gap).0, 12_000, "{gap:?}");
}

/// A pong to a ping sent during the pause proves up to that ping only; a pong to a ping
/// sent after the resume proves the backlog read.
#[test]
fn a_pong_to_a_ping_sent_before_the_resume_proves_up_to_that_ping() {
    let (mut rig, sock) = Rig::subscribed();
    rig.at_ms(1_000);
    rig.note(sock, 0);
    rig.note(sock, 1);
    rig.at_ms(4_000);
    let sent = rig.feed(Input::Request {
        id: 0,
        req: super::core::Request::Ping,
    });
    assert_eq!(pings_sent(&sent, sock), 1);
    rig.resume_at_11_s();
    rig.note(sock, 2);
    rig.text(sock, PONG);
    rig.note(sock, 3);
    assert_eq!(rig.consume().0, 2);
    assert!(rig.m.catching_up(sock), "not proven read by that pong");
    rig.at_ms(12_000);
    let sent = rig.feed(Input::Request {
        id: 1,
        req: super::core::Request::Ping,
    });
    assert_eq!(pings_sent(&sent, sock), 1);
    rig.at_ms(12_500);
    rig.note(sock, 4);
    assert_eq!(rig.consume().0, 1);
    rig.at_ms(13_000);
    let gap = rig.lose_and_reconnect(sock);
    assert_eq!(rig.window_ms(&gap).0, 4_000, "{gap:?}");
}

#[test]
fn a_pong_to_a_ping_sent_after_the_resume_proves_the_backlog_read() {
    let (mut rig, sock) = Rig::subscribed();
    rig.at_ms(1_000);
    rig.note(sock, 0);
    rig.note(sock, 1);
    rig.resume_at_11_s();
    rig.at_ms(11_200);
    let sent = rig.feed(Input::Request {
        id: 0,
        req: super::core::Request::Ping,
    });
    assert_eq!(pings_sent(&sent, sock), 1);
    rig.note(sock, 2);
    rig.at_ms(11_500);
    rig.text(sock, PONG);
    assert!(!rig.m.catching_up(sock));
    rig.at_ms(12_000);
    // The pong proves up to its ping.
    let gap = rig.lose_and_reconnect(sock);
    assert_eq!(rig.window_ms(&gap).0, 11_200, "{gap:?}");
}

/// A managed channel told it is gone while reading was paused (here `no_longer_subscribed`,
/// read from the backlog after the resume; eviction, expiry and a revoked token take the same
/// path): it is replaced, and the gap starts where proof stood when reading stopped, not
/// where the notice was read.
#[test]
fn a_managed_channel_gone_during_a_pause_is_a_gap_from_the_pause() {
    let (mut rig, sock) = Rig::subscribed_in(Mode::Managed);
    rig.at_ms(1_000);
    rig.note(sock, 0);
    rig.note(sock, 1);
    assert_eq!(rig.m.readable().count(), 0, "reading is paused");
    rig.resume_at_11_s();
    rig.note(sock, 2);
    let asked = rig.text(
        sock,
        r#"{"topicName":"v2.system.no_longer_subscribed.c0","eventBody":{}}"#,
    );
    let why = Rig::replacement_asked(&asked);
    assert_eq!(why, ReplaceReason::NoLongerSubscribed);
    rig.at_ms(12_000);
    let uri = Url::parse("ws://127.0.0.1:1/channels/c1").unwrap();
    let opened = rig.feed(Input::Replaced {
        why,
        result: Ok((ChannelTarget::from_uri(uri), Subscribed::default())),
    });
    let new = opened
        .iter()
        .find_map(|a| match a {
            Action::Open { sock, .. } => Some(*sock),
            _ => None,
        })
        .expect("the new channel's socket is opened");
    rig.at_ms(12_500);
    rig.feed(Input::Opened {
        sock: new,
        result: Ok(()),
    });
    let (notes, gaps) = rig.consume();
    assert_eq!(notes, 1);
    assert_eq!(gaps.len(), 1, "{gaps:?}");
    assert_eq!(rig.window_ms(&gaps[0]), (1_000, 12_500), "{gaps:?}");
}
