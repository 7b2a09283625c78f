//! Runs the `first_hour` example (`examples/first_hour.rs`) as CI does: a new user's first
//! program must keep working, from credentials to decoded bodies, through a dropped
//! connection and an evicted channel, each ending with one recovered signal.
#![cfg(feature = "rest")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../examples/first_hour.rs"]
#[allow(dead_code, unreachable_pub)]
mod first_hour;

use std::time::Duration;

use genesys_notifications::{Event, Recovery};

#[tokio::test]
async fn the_first_hour_example_survives_a_drop_and_an_eviction() {
    let seen = tokio::time::timeout(Duration::from_secs(60), first_hour::run())
        .await
        .expect("the example finishes within a minute")
        .expect("the example succeeds");
    // Three rounds (before the drop, after it, after the eviction) of 3 users × 2 topics.
    assert_eq!(seen.presences.len(), 9, "{seen:?}");
    assert_eq!(seen.routing, 9, "{seen:?}");
    let statuses: Vec<&str> = seen.presences.iter().map(|(_, s)| s.as_str()).collect();
    assert_eq!(
        statuses,
        [
            "AVAILABLE",
            "AVAILABLE",
            "AVAILABLE",
            "BUSY",
            "BUSY",
            "BUSY",
            "AWAY",
            "AWAY",
            "AWAY"
        ]
    );
    assert!(
        seen.presences[..3]
            .iter()
            .all(|(t, _)| t.starts_with("v2.users.") && t.ends_with(".presence"))
    );
    // One signal per fault, whatever its path: a reconnection, then a new channel.
    assert_eq!(
        seen.recoveries,
        [Recovery::Reconnected, Recovery::NewChannel],
        "{seen:?}"
    );
    // The start was observable.
    assert_eq!(
        seen.start_events,
        [Event::Connected, Event::Subscribed { topics: 3 }],
        "{seen:?}"
    );
    // The drop kept the channel; the eviction moved the stream to a new one.
    assert_eq!(seen.channels.len(), 3, "{seen:?}");
    assert_eq!(seen.channels[0], seen.channels[1]);
    assert_ne!(seen.channels[1], seen.channels[2]);
    // Each fault left the channel without a subscribed socket for a moment: a gap each.
    assert_eq!(seen.gaps, 2, "{seen:?}");
}
