//! What a frame read on a socket proves when another socket overlaps it: read order across
//! sockets is not send order, so once a newer socket covers, frames read on an older one
//! prove nothing more; only causality does (a pong to a ping sent since, the answer to our
//! own close, or the close the service sends an older socket to a channel connected again).
//! Driven with explicit `now`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use url::Url;

use super::catch_up_tests::{Rig, opened, subscription_cid};
use super::core::{Action, Input, Request, SocketId};
use super::recovery::Mode;
use crate::error::{Error, ErrorKind, Reason};
use crate::event::Event;

const PONG: &str = r#"{"topicName":"channel.metadata","eventBody":{"message":"pong"}}"#;
const CLOSING: &str = r#"{"topicName":"v2.system.socket_closing","eventBody":{"message":"bye"}}"#;

/// Request `id`: a rollover to channel `channel`; its new socket opens at once. The new
/// socket, and the correlation id of the subscription sent on it.
fn rollover(rig: &mut Rig, id: u64, channel: &str) -> (SocketId, String) {
    let uri = Url::parse(&format!("ws://127.0.0.1:1/channels/{channel}")).unwrap();
    let new = opened(&rig.feed(Input::Request {
        id,
        req: Request::Rollover(uri),
    }));
    let cid = subscription_cid(&rig.feed(Input::Opened {
        sock: new,
        result: Ok(()),
    }));
    (new, cid)
}

/// The service accepts the subscription `cid` sent on `sock`.
fn answer_subscription(rig: &mut Rig, sock: SocketId, cid: &str) {
    rig.text(
        sock,
        &format!(r#"{{"result":"200","correlationId":"{cid}"}}"#),
    );
}

fn close(rig: &mut Rig, sock: SocketId, code: CloseCode) {
    rig.feed(Input::Frame {
        sock,
        msg: Message::Close(Some(CloseFrame {
            code,
            reason: "".into(),
        })),
    });
    rig.feed(Input::Ended { sock });
}

fn fail(rig: &mut Rig, sock: SocketId) {
    let error = Error::new(ErrorKind::Receive, Reason::ConnectionClosed).non_fatal();
    rig.feed(Input::Failed { sock, error });
}

/// A rollover: the new channel's socket covers from 2 s. A notification read on the old
/// socket at 3 s may have been sent before 2 s; the old socket then drops without answering
/// the drain ping. What it did not prove before 2 s (from its last frame read before then,
/// at 500 ms) is a gap.
#[test]
fn a_frame_read_on_the_old_socket_after_the_new_one_covers_proves_nothing() {
    let (mut rig, old) = Rig::subscribed_in(Mode::Uri);
    rig.at_ms(500);
    rig.note(old, 0);
    let mut notes = rig.consume().0;
    rig.at_ms(1_000);
    let (new, cid) = rollover(&mut rig, 0, "c1");
    rig.at_ms(2_000);
    answer_subscription(&mut rig, new, &cid);
    rig.at_ms(3_000);
    rig.note(old, 1);
    notes += rig.consume().0;
    rig.at_ms(4_000);
    fail(&mut rig, old);
    let (more, gaps) = rig.consume();
    let notes = notes + more;
    assert_eq!(notes, 2);
    assert_eq!(gaps.len(), 1, "{gaps:?}");
    assert_eq!(rig.window_ms(&gaps[0]), (500, 2_000));
}

/// The same rollover, the old socket answering: the pong to the drain ping (sent at 2 s,
/// when the new socket covered) proves it up to the handover, and the machine closes it.
/// No gap, whatever was read on the old socket meanwhile.
#[test]
fn the_drain_pong_proves_the_old_socket() {
    let (mut rig, old) = Rig::subscribed_in(Mode::Uri);
    rig.at_ms(500);
    rig.note(old, 0);
    let mut notes = rig.consume().0;
    rig.at_ms(1_000);
    let (new, cid) = rollover(&mut rig, 0, "c1");
    rig.at_ms(2_000);
    answer_subscription(&mut rig, new, &cid);
    rig.at_ms(3_000);
    rig.note(old, 1);
    notes += rig.consume().0;
    let closing = rig.text(old, PONG);
    assert!(
        closing
            .iter()
            .any(|a| matches!(a, Action::Close { sock, .. } if *sock == old)),
        "{closing:?}"
    );
    rig.at_ms(3_500);
    rig.note(old, 2);
    notes += rig.consume().0;
    close(&mut rig, old, CloseCode::Normal);
    let (more, gaps) = rig.consume();
    let notes = notes + more;
    assert_eq!(notes, 3);
    assert!(gaps.is_empty(), "{gaps:?}");
}

/// Maintenance on a URI channel: the newer socket to the same channel covers from 1.5 s
/// (the service moves delivery to it) and fails at 2 s; the old socket's normal close, read
/// at 2.5 s, is the service's answer to the newer connection: it proves the old socket up to
/// 1.5 s, not up to 2.5 s. The gap starts where the newer socket's proof ended (1.5 s).
#[test]
fn the_close_of_a_displaced_socket_proves_only_up_to_the_newer_socket() {
    let (mut rig, old) = Rig::subscribed_in(Mode::Uri);
    rig.at_ms(500);
    rig.note(old, 0);
    let notes = rig.consume().0;
    rig.at_ms(1_000);
    let new = opened(&rig.text(old, CLOSING));
    rig.at_ms(1_500);
    rig.feed(Input::Opened {
        sock: new,
        result: Ok(()),
    });
    rig.at_ms(2_000);
    fail(&mut rig, new);
    rig.at_ms(2_500);
    close(&mut rig, old, CloseCode::Normal);
    let at = rig.m.next_deadline().expect("a reconnection is scheduled");
    rig.now.instant = at;
    rig.now.wall = rig.t0.wall + (at - rig.t0.instant);
    rig.connect(Input::Timer);
    let (more, gaps) = rig.consume();
    let notes = notes + more;
    assert_eq!(notes, 1);
    assert_eq!(gaps.len(), 1, "{gaps:?}");
    assert_eq!(rig.window_ms(&gaps[0]).0, 1_500);
}

/// No subscription reply within the timeout, the socket answers the probe: the channel goes
/// on unconfirmed. The refusal that then arrives says the socket never received anything:
/// the stream ends with the refusal, never silently.
#[test]
fn a_late_refusal_of_a_subscription_that_went_on_unconfirmed_ends_the_stream() {
    let mut rig = Rig::new(Mode::Uri);
    let sock = opened(&rig.feed(Input::Start));
    let cid = subscription_cid(&rig.feed(Input::Opened {
        sock,
        result: Ok(()),
    }));
    let at = rig.m.next_deadline().expect("a subscription deadline");
    rig.now.instant = at;
    rig.now.wall = rig.t0.wall + (at - rig.t0.instant);
    let probed = rig.feed(Input::Timer);
    assert!(
        probed
            .iter()
            .any(|a| matches!(a, Action::Send { text, .. } if text.contains("ping"))),
        "{probed:?}"
    );
    let ready = rig.text(sock, PONG);
    assert!(
        ready.iter().any(|a| matches!(a, Action::Ready(Ok(())))),
        "{ready:?}"
    );
    let warned = rig.consume_all();
    assert!(
        warned
            .iter()
            .all(|i| i.as_ref().is_err_and(|e| !e.is_fatal())),
        "{warned:?}"
    );
    rig.text(
        sock,
        &format!(r#"{{"result":"400","correlationId":"{cid}"}}"#),
    );
    let items = rig.consume_all();
    assert!(
        items.iter().any(|i| i
            .as_ref()
            .is_err_and(|e| e.is_fatal() && e.reason() == Reason::SubscriptionRejected)),
        "{items:?}"
    );
}

/// A reconnection to the old channel opens while a rollover's new socket is subscribing.
/// The switch's socket is the successor: the reconnection is let go, not subscribed (it
/// took over from the new socket before, and what it then held waited behind a socket that
/// was not going to end). When the new channel's socket and a second rollover's fail, the
/// client reconnects to the current channel (the first rollover's), not to the old one.
#[test]
fn a_reconnection_opened_during_a_rollover_is_let_go() {
    let (mut rig, first) = Rig::subscribed_in(Mode::Uri);
    rig.at_ms(100);
    fail(&mut rig, first);
    let reconnection = opened(&rig.feed(Input::Timer));
    rig.at_ms(200);
    let (new, cid) = rollover(&mut rig, 0, "c1");
    rig.at_ms(300);
    let actions = rig.feed(Input::Opened {
        sock: reconnection,
        result: Ok(()),
    });
    assert!(
        actions
            .iter()
            .any(|a| matches!(a, Action::Drop { sock } if *sock == reconnection)),
        "{actions:?}"
    );
    rig.at_ms(400);
    answer_subscription(&mut rig, new, &cid);
    rig.note(new, 0);
    let (notes, gaps) = rig.consume();
    assert_eq!(notes, 1);
    assert_eq!(gaps.len(), 1, "{gaps:?}");
    // From the first socket's last proof (its subscription, at 0) to the new socket's.
    assert_eq!(gaps[0].duration(), Duration::from_millis(400), "{gaps:?}");
    rig.at_ms(500);
    let uri = Url::parse("ws://127.0.0.1:1/channels/c2").unwrap();
    let second = opened(&rig.feed(Input::Request {
        id: 1,
        req: Request::Rollover(uri),
    }));
    fail(&mut rig, new);
    rig.feed(Input::Opened {
        sock: second,
        result: Ok(()),
    });
    let actions = rig.feed(Input::Failed {
        sock: second,
        error: Error::new(ErrorKind::Receive, Reason::ConnectionClosed).non_fatal(),
    });
    let delay = actions.iter().find_map(|a| match a {
        Action::Emit(Event::ReconnectAttempt { delay, .. }) => Some(*delay),
        _ => None,
    });
    // The second attempt of the outage that began at 500 ms (the backoff's jitter is seeded).
    assert_eq!(delay, Some(Duration::from_millis(774)), "{actions:?}");
    rig.at_ms(1_274);
    let reopened = rig.feed(Input::Timer).into_iter().find_map(|a| match a {
        Action::Open { uri, .. } => Some(uri.path().to_owned()),
        _ => None,
    });
    assert_eq!(reopened.as_deref(), Some("/channels/c1"));
    let (notes, gaps) = rig.consume();
    assert_eq!(notes, 0);
    assert_eq!(gaps.len(), 0, "the outage is open: {gaps:?}");
}

/// Maintenance on a URI channel when the service closes the old socket as soon as the newer
/// one connects: the normal close, read after the newer socket covers, is the one the
/// newer connection causes; it comes after everything sent on the old socket before. No
/// gap: make before break stays gap-free.
#[test]
fn maintenance_with_the_old_socket_closed_at_once_is_no_gap() {
    let (mut rig, old) = Rig::subscribed_in(Mode::Uri);
    rig.at_ms(500);
    rig.note(old, 0);
    let mut notes = rig.consume().0;
    rig.at_ms(1_000);
    let new = opened(&rig.text(old, CLOSING));
    rig.at_ms(1_500);
    let cid = subscription_cid(&rig.feed(Input::Opened {
        sock: new,
        result: Ok(()),
    }));
    rig.at_ms(1_600);
    close(&mut rig, old, CloseCode::Normal);
    rig.at_ms(1_700);
    rig.text(
        new,
        &format!(r#"{{"result":"200","correlationId":"{cid}"}}"#),
    );
    rig.note(new, 1);
    let (more, gaps) = rig.consume();
    notes += more;
    assert_eq!(notes, 2);
    assert!(gaps.is_empty(), "{gaps:?}");
}

/// A rollover whose new socket fails after the old one was pinged; a reconnection to the
/// new channel covers from 3 s; the old socket's pong (to the ping of 2 s) arrives after
/// that, the machine closes it, and a normal close follows. That close may be the answer to
/// the machine's own, or one the service sent for its own reason before the machine's close
/// reached it: it proves nothing more. The old socket is proven up to the ping of 2 s, so
/// the span to 3 s is a gap (conservative: the client cannot know it lost nothing).
#[test]
fn a_normal_close_after_our_own_proves_nothing_more() {
    let (mut rig, old) = Rig::subscribed_in(Mode::Uri);
    rig.at_ms(1_000);
    let (new, cid) = rollover(&mut rig, 0, "c1");
    rig.at_ms(2_000);
    answer_subscription(&mut rig, new, &cid);
    fail(&mut rig, new);
    let at = rig.m.next_deadline().expect("a reconnection is scheduled");
    assert!(at <= rig.t0.instant + Duration::from_millis(3_000));
    rig.at_ms(3_000);
    let again = opened(&rig.feed(Input::Timer));
    rig.feed(Input::Opened {
        sock: again,
        result: Ok(()),
    });
    rig.at_ms(3_500);
    let closing = rig.text(old, PONG);
    assert!(
        closing
            .iter()
            .any(|a| matches!(a, Action::Close { sock, .. } if *sock == old)),
        "{closing:?}"
    );
    rig.at_ms(3_600);
    close(&mut rig, old, CloseCode::Normal);
    let (_, gaps) = rig.consume();
    assert_eq!(gaps.len(), 1, "{gaps:?}");
    assert_eq!(rig.window_ms(&gaps[0]), (2_000, 3_000));
}

/// A managed channel replaced at maintenance: the replacement covers from 2 s. A
/// notification read on the old socket after that may have been sent before; the old
/// socket is then closed abnormally. The gap starts at the old socket's last proof before
/// the replacement covered (the notice at 1 s).
#[test]
fn a_frame_read_after_the_replacement_covers_proves_nothing() {
    let options = crate::ConnectOptions::default().maintenance(crate::Maintenance::NewChannel);
    let mut rig = Rig::with_options(Mode::Managed, options);
    let old = rig.connect(Input::Start);
    rig.at_ms(1_000);
    let asked = rig.text(old, CLOSING);
    assert!(
        asked.iter().any(|a| matches!(a, Action::Replace { .. })),
        "{asked:?}"
    );
    rig.at_ms(2_000);
    let uri = Url::parse("ws://127.0.0.1:1/channels/c1").unwrap();
    let new = opened(&rig.feed(Input::Replaced {
        why: super::recovery::ReplaceReason::Maintenance,
        result: Ok((
            super::target::ChannelTarget::from_uri(uri),
            super::target::Subscribed::default(),
        )),
    }));
    rig.feed(Input::Opened {
        sock: new,
        result: Ok(()),
    });
    rig.at_ms(3_000);
    rig.note(old, 0);
    let notes = rig.consume().0;
    close(&mut rig, old, CloseCode::Error);
    let (more, gaps) = rig.consume();
    assert_eq!(notes + more, 1);
    assert_eq!(gaps.len(), 1, "{gaps:?}");
    assert_eq!(rig.window_ms(&gaps[0]), (1_000, 2_000));
}

/// Maintenance on a managed channel (policy: reconnect): a newer socket to the same channel
/// opens at 1.5 s, so the service may deliver nothing more on the old one. A `subscribe()`
/// answered on the old socket after that does not make it cover again; when the newer
/// socket fails, the old one is not relied on: a reconnection is made at once, and the gap
/// starts where the newer socket's proof ended.
#[test]
fn a_socket_displaced_by_a_newer_one_to_its_channel_is_not_relied_on() {
    let mut rig = Rig::new(Mode::Managed);
    let old = rig.connect(Input::Start);
    rig.at_ms(1_000);
    let new = opened(&rig.text(old, CLOSING));
    let asked = rig.feed(Input::Request {
        id: 0,
        req: Request::Subscribe(vec!["v2.users.u2.presence".to_owned()]),
    });
    assert!(
        asked
            .iter()
            .any(|a| matches!(a, Action::CallSource { sock, .. } if *sock == old)),
        "{asked:?}"
    );
    rig.at_ms(1_500);
    rig.feed(Input::Opened {
        sock: new,
        result: Ok(()),
    });
    rig.at_ms(1_600);
    rig.feed(Input::SourceDone {
        sock: old,
        result: Ok(super::target::Subscribed::default()),
    });
    rig.at_ms(2_000);
    close(&mut rig, new, CloseCode::Error);
    assert_eq!(
        rig.m.next_deadline(),
        Some(rig.now.instant),
        "a reconnection at once"
    );
    let again = opened(&rig.feed(Input::Timer));
    rig.at_ms(2_500);
    rig.feed(Input::Opened {
        sock: again,
        result: Ok(()),
    });
    let (_, gaps) = rig.consume();
    assert_eq!(gaps.len(), 1, "{gaps:?}");
    assert_eq!(rig.window_ms(&gaps[0]).0, 1_500);
}

/// During an outage a rollover's socket covers before the reconnection's timer fires: the
/// timer opens nothing (a second socket to the now current channel would only make the
/// service close the one that covers).
#[test]
fn a_rollover_that_ends_an_outage_leaves_no_reconnection_pending() {
    let (mut rig, first) = Rig::subscribed_in(Mode::Uri);
    rig.at_ms(100);
    fail(&mut rig, first);
    let reconnection = opened(&rig.feed(Input::Timer));
    let actions = rig.feed(Input::Opened {
        sock: reconnection,
        result: Err(Error::new(ErrorKind::Connection, Reason::ConnectionClosed)),
    });
    let delay = actions.iter().find_map(|a| match a {
        Action::Emit(Event::ReconnectAttempt { delay, .. }) => Some(*delay),
        _ => None,
    });
    assert_eq!(delay, Some(Duration::from_millis(774)), "{actions:?}");
    rig.at_ms(200);
    let (new, cid) = rollover(&mut rig, 0, "c1");
    rig.at_ms(300);
    answer_subscription(&mut rig, new, &cid);
    rig.at_ms(874);
    let actions = rig.feed(Input::Timer);
    assert!(
        !actions.iter().any(|a| matches!(a, Action::Open { .. })),
        "{actions:?}"
    );
    rig.note(new, 0);
    let (notes, gaps) = rig.consume();
    assert_eq!(notes, 1);
    assert_eq!(gaps.len(), 1, "the outage, 0 → 300 ms: {gaps:?}");
    assert_eq!(gaps[0].duration(), Duration::from_millis(300));
}

/// A rollover's socket reads a notification before the answer to its subscription, then
/// fails. What it held is handed to the oldest socket, which stays: it is delivered at
/// once (it waited for the oldest socket's end, which may never come, and was lost at the
/// close), and the oldest socket's own copy of it is skipped.
#[test]
fn what_a_failed_switch_held_is_delivered_while_the_old_socket_stays() {
    let (mut rig, old) = Rig::subscribed_in(Mode::Uri);
    rig.at_ms(100);
    let (new, _cid) = rollover(&mut rig, 0, "c1");
    rig.at_ms(200);
    rig.note(new, 0);
    assert_eq!(rig.consume().0, 0, "held until the switch is decided");
    fail(&mut rig, new);
    assert_eq!(rig.consume().0, 1, "delivered when the switch failed");
    rig.note(old, 0);
    rig.note(old, 1);
    let (notes, gaps) = rig.consume();
    assert_eq!(notes, 1, "the copy of notification 0 skipped");
    assert!(gaps.is_empty(), "{gaps:?}");
}
