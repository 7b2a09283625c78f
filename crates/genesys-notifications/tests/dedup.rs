//! De-duplication during a rollover, proven through the public API and the simulator: an
//! event queued on both sockets of a switch reaches the client twice and is delivered once;
//! events that only look alike are all delivered; what is remembered for the switch is
//! forgotten after it.
//!
//! The overlap is caught deterministically: `rollover` runs in its own task while the test
//! watches the simulator until it has subscribed the new channel; the old socket is then still
//! open and its drain ping not yet answered, so an event published at that moment is queued on
//! both sockets, ahead of the pong that ends the old one. `Stats::notifications` (frames
//! received from the service, on any socket) proves the client received both copies.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use genesys_notifications::{Channel, ConnectOptions, Event, connect};
use genesys_sim::{Fault, Frame, SimChannel, Simulator};
use serde_json::json;
use support::*;
use tokio::task::JoinHandle;

/// The same frame every time: no `CorrelationId`, so two events with it look identical.
fn bare(i: u64) -> Frame {
    Frame::text(format!(
        r#"{{"topicName":"{TOPIC}","version":"2","eventBody":{{"i":{i}}}}}"#
    ))
}

/// Starts a rollover of `ch` to `to` and returns once the simulator has subscribed the new
/// channel while the old socket is still connected: the overlap.
async fn overlap(
    sim: &Simulator,
    ch: &Channel,
    from: &SimChannel,
    to: &SimChannel,
) -> JoinHandle<Result<(), genesys_notifications::Error>> {
    let handle = ch.handle();
    let uri = to.connect_uri.clone();
    let rollover = tokio::spawn(async move { handle.rollover(&uri).await });
    tokio::time::timeout(Duration::from_secs(60), async {
        while sim.stats().channel(&to.id).unwrap().topics.is_empty() {
            tokio::task::yield_now().await;
        }
    })
    .await
    .expect("the new channel is subscribed");
    assert!(sim.stats().channel(&from.id).unwrap().connected);
    rollover
}

fn delivered(sim: &Simulator, info: &SimChannel) -> u64 {
    sim.stats().channel(&info.id).unwrap().delivered
}

#[tokio::test(start_paused = true)]
async fn an_event_on_both_sockets_of_a_rollover_is_delivered_once() {
    let sim = sim().await;
    let (a, b) = (channel(&sim), channel(&sim));
    let mut ch = connect(&a.connect_uri, [TOPIC]).await.unwrap();
    let rollover = overlap(&sim, &ch, &a, &b).await;
    // One event (one CorrelationId), queued on both sockets.
    assert_eq!(sim.publish(TOPIC, json!({ "i": 1 })), 2);
    rollover.await.unwrap().unwrap();
    assert_eq!((delivered(&sim, &a), delivered(&sim, &b)), (1, 1));
    assert_eq!(
        ch.stats().notifications,
        2,
        "both copies reached the client"
    );
    assert_eq!(body_i(&next_note(&mut ch).await), 1);
    // The second copy was suppressed: the next item is the next event.
    assert_eq!(sim.publish(TOPIC, json!({ "i": 2 })), 1);
    assert_eq!(body_i(&next_note(&mut ch).await), 2);
    assert_eq!(ch.stats().notifications, 3);
    assert_eq!(ch.stats().dropped, 0);
}

#[tokio::test(start_paused = true)]
async fn identical_looking_events_are_all_delivered_unless_they_are_overlap_copies() {
    let sim = sim().await;
    let (a, b) = (channel(&sim), channel(&sim));
    let mut ch = connect(&a.connect_uri, [TOPIC]).await.unwrap();
    // On one socket, no switch: two identical frames are two events.
    assert_eq!(sim.publish_raw(TOPIC, &bare(1)), 1);
    assert_eq!(sim.publish_raw(TOPIC, &bare(1)), 1);
    assert_eq!(body_i(&next_note(&mut ch).await), 1);
    assert_eq!(body_i(&next_note(&mut ch).await), 1);

    // During the overlap: two identical events, each on both sockets: four frames arrive,
    // two are copies, two are delivered.
    let rollover = overlap(&sim, &ch, &a, &b).await;
    assert_eq!(sim.publish_raw(TOPIC, &bare(2)), 2);
    assert_eq!(sim.publish_raw(TOPIC, &bare(2)), 2);
    rollover.await.unwrap().unwrap();
    assert_eq!(ch.stats().notifications, 2 + 4);
    assert_eq!(body_i(&next_note(&mut ch).await), 2);
    assert_eq!(body_i(&next_note(&mut ch).await), 2);

    // After the switch the same frame again, on the new socket: a new event, delivered.
    assert_eq!(sim.publish_raw(TOPIC, &bare(2)), 1);
    assert_eq!(body_i(&next_note(&mut ch).await), 2);
    assert_eq!(sim.publish_raw(TOPIC, &bare(3)), 1);
    assert_eq!(body_i(&next_note(&mut ch).await), 3);
    assert_eq!(ch.stats().notifications, 2 + 4 + 2);
}

/// What a rollover remembers is kept until the drain timeout after the switch, then
/// forgotten. Two events reach the old socket alone while the new channel is already
/// subscribed (injected on that socket only), so both are remembered: an identical event on
/// the new channel right after the switch is taken as their overlap copy and skipped; one
/// after the drain timeout is a new event and delivered.
#[tokio::test(start_paused = true)]
async fn what_a_rollover_remembers_expires_after_the_drain_timeout() {
    let drain = Duration::from_secs(10);
    let sim = sim().await;
    let (a, b) = (channel(&sim), channel(&sim));
    let mut ch = ConnectOptions::new()
        .drain_timeout(drain)
        .connect(&a.connect_uri, [TOPIC])
        .await
        .unwrap();
    let mut events = ch.events();
    let rollover = overlap(&sim, &ch, &a, &b).await;
    for i in [7, 8] {
        sim.fault(&a.id, Fault::RawText(bare(i).as_str().to_owned()))
            .unwrap();
    }
    rollover.await.unwrap().unwrap();
    assert_eq!(body_i(&next_note(&mut ch).await), 7);
    assert_eq!(body_i(&next_note(&mut ch).await), 8);
    wait_event(&mut events, |e| matches!(e, Event::RolloverCompleted)).await;
    // Within the drain timeout: the copy of 8 on the new channel is skipped.
    assert_eq!(sim.publish_raw(TOPIC, &bare(8)), 1, "new socket");
    assert_eq!(sim.publish_raw(TOPIC, &bare(9)), 1, "new socket");
    assert_eq!(
        body_i(&next_note(&mut ch).await),
        9,
        "8 was taken as a copy"
    );
    // After it: 7 is forgotten, an identical event is delivered.
    tokio::time::sleep(drain + Duration::from_millis(1)).await;
    assert_eq!(sim.publish_raw(TOPIC, &bare(7)), 1, "new socket");
    assert_eq!(body_i(&next_note(&mut ch).await), 7);
    assert_eq!(delivered(&sim, &b), 3);
}
