//! Runs the `first_hour` example (`examples/first_hour.rs`) as CI does: a new user's first
//! program must keep working, from credentials to decoded bodies, through a dropped
//! connection and an evicted channel.
#![cfg(feature = "rest")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../examples/first_hour.rs"]
#[allow(dead_code, unreachable_pub)]
mod first_hour;

use std::time::Duration;

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
    assert_eq!(seen.recoveries, 2, "{seen:?}");
    // Each fault left the channel without a subscribed socket for a moment: a gap each.
    assert_eq!(seen.gaps, 2, "{seen:?}");
}
