//! The one recovery signal ([`Event::Recovered`]) names what the stream recovered from, also
//! when the way back took more than one step. Driven with explicit `now`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use url::Url;

use super::catch_up_tests::{Rig, opened};
use super::core::{Action, Input};
use super::recovery::Mode;
use super::target::{ChannelTarget, Subscribed};
use crate::error::{Error, ErrorKind, Reason};
use crate::event::{Event, Recovery};

fn recovered(actions: &[Action]) -> Vec<Recovery> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Emit(Event::Recovered { kind }) => Some(*kind),
            _ => None,
        })
        .collect()
}

/// A managed channel that is no longer subscribed gets a new channel; the first socket to it
/// fails and the next one opens: the stream recovered onto a new channel, and says so once.
#[test]
fn a_new_channel_reached_at_the_second_attempt_is_a_new_channel_recovery() {
    let (mut rig, sock) = Rig::subscribed_in(Mode::Managed);
    rig.at_ms(1_000);
    let asked = rig.text(
        sock,
        r#"{"topicName":"v2.system.no_longer_subscribed.c0","eventBody":{}}"#,
    );
    let why = Rig::replacement_asked(&asked);
    let uri = Url::parse("ws://127.0.0.1:1/channels/c1").unwrap();
    let mut all = rig.feed(Input::Replaced {
        why,
        result: Ok((ChannelTarget::from_uri(uri), Subscribed::default())),
    });
    let first = opened(&all);
    rig.at_ms(1_100);
    let refused = Error::new(ErrorKind::Connection, Reason::Io).with_message("refused");
    all.extend(rig.feed(Input::Opened {
        sock: first,
        result: Err(refused),
    }));
    // Retried under the reconnection policy until a socket opens.
    let (mut second, mut second_at) = (None, 0);
    for ms in (1_200..120_000).step_by(100) {
        rig.at_ms(ms);
        let step = rig.feed(Input::Timer);
        if step.iter().any(|a| matches!(a, Action::Open { .. })) {
            second = Some(opened(&step));
        }
        all.extend(step);
        if second.is_some() {
            second_at = ms;
            break;
        }
    }
    let second = second.expect("the new channel is tried again");
    // At once (the policy's first delay is zero), not once the old socket has been silent
    // for the heartbeat timeout.
    assert_eq!(second_at, 1_200);
    all.extend(rig.feed(Input::Opened {
        sock: second,
        result: Ok(()),
    }));
    all.extend(rig.feed(Input::SourceDone {
        sock: second,
        result: Ok(Subscribed::default()),
    }));
    assert_eq!(
        rig.m.target().uri.as_str(),
        "ws://127.0.0.1:1/channels/c1",
        "on the new channel"
    );
    assert_eq!(recovered(&all), [Recovery::NewChannel], "{all:?}");
    // The old channel's socket was let go at once (it carries nothing more), and the time
    // without a socket to either channel is one gap, from the notice to the new socket.
    assert!(
        all.iter()
            .any(|a| matches!(a, Action::Drop { sock: s } if *s == sock)),
        "{all:?}"
    );
    let (notes, gaps) = rig.consume();
    assert_eq!((notes, gaps.len()), (0, 1), "{gaps:?}");
    assert_eq!(rig.window_ms(&gaps[0]), (1_000, u128::from(second_at)));
    // Nothing more happens to the stream while the new socket is healthy.
    for s in 1..60 {
        rig.at_ms(second_at + 1_000 * s);
        let later = rig.feed(Input::Timer);
        assert!(
            !later
                .iter()
                .any(|a| matches!(a, Action::Emit(_) | Action::Drop { .. })),
            "{later:?}"
        );
    }
}
