//! Flow control: a consumer that stops reading loses nothing (`Overflow::Block`, the default),
//! against the simulator over real sockets, on paused time.
//!
//! `FLOW_NOTIFICATIONS` sets how many notifications the stalled-consumer test publishes
//! (default 20,000 so that CI stays fast; 200,000 for the full run, see TESTING.md).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use genesys_notifications::{Channel, ConnectOptions, Event, Overflow};
use genesys_sim::{Frame, SimConfig};
use serde_json::json;
use support::*;

fn count() -> u64 {
    std::env::var("FLOW_NOTIFICATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000)
}

/// The frames `0..n`, each with its number as `eventBody.i`.
fn frames(n: u64) -> Vec<Frame> {
    (0..n)
        .map(|i| {
            Frame::envelope(
                TOPIC,
                &json!({"i": i, "pad": "presence-sized padding, presence-sized padding"}),
                &format!("c-{i}"),
            )
        })
        .collect()
}

/// Reads `n` notifications; asserts they are `0..n` in order, with nothing else between.
async fn read_in_order(ch: &mut Channel, n: u64) {
    for expected in 0..n {
        match tokio::time::timeout(Duration::from_secs(60), ch.next()).await {
            Ok(Some(Ok(note))) => assert_eq!(body_i(&note), expected),
            other => panic!("notification {expected}: {other:?}"),
        }
    }
}

/// One frame of `frames()` with the overhead the buffer counts per item.
const LARGEST_ITEM: u64 = 512;

#[tokio::test(start_paused = true)]
async fn a_consumer_that_stops_for_5_s_loses_nothing() {
    let n = count();
    let bound = 2 << 20;
    // The simulator's socket queue is small: what the client does not read stays in TCP.
    let sim = Arc::new(
        sim_with(SimConfig {
            socket_queue_capacity: 1024,
            ..SimConfig::default()
        })
        .await,
    );
    let info = channel(&sim);
    let mut ch = ConnectOptions::new()
        .max_buffer(bound)
        .connect(&info.connect_uri, [TOPIC])
        .await
        .unwrap();
    let mut events = ch.events();
    let frames = frames(n);
    let publisher = {
        let sim = Arc::clone(&sim);
        tokio::spawn(async move { sim.publish_raw_batch_wait(TOPIC, &frames).await })
    };
    // The consumer stops reading for 5 s while the publisher publishes.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let stats = ch.stats();
    assert!(stats.read_pauses >= 1, "{stats:?}");
    assert!(
        stats.buffered <= bound as u64 + LARGEST_ITEM,
        "the buffer exceeds its bound by more than one frame: {stats:?}"
    );
    read_in_order(&mut ch, n).await;
    assert_eq!(publisher.await.unwrap(), n as usize);
    let stats = ch.stats();
    assert_eq!(stats.notifications, n);
    assert_eq!((stats.dropped, stats.gaps, stats.connections), (0, 0, 1));
    assert!(
        stats.buffer_peak <= bound as u64 + LARGEST_ITEM,
        "peak {} for a bound of {bound}",
        stats.buffer_peak
    );
    assert_eq!(sim.stats().channel(&info.id).unwrap().lost, 0);
    assert_eq!(sim.stats().channel(&info.id).unwrap().connections, 1);
    // Paused and resumed, reported as events (never a disconnection).
    let mut paused = 0;
    let mut resumed = 0;
    while let Ok(Some(event)) = tokio::time::timeout(Duration::ZERO, events.next()).await {
        match event {
            Event::ReadingPaused { buffered } => {
                assert!(buffered as u64 >= bound as u64 / 2, "{buffered}");
                paused += 1;
            }
            Event::ReadingResumed { .. } => resumed += 1,
            Event::Disconnected { .. } | Event::Gap(_) | Event::HeartbeatMissed { .. } => {
                panic!("{event:?}")
            }
            _ => {}
        }
    }
    assert!(
        paused >= 1 && resumed >= 1,
        "{paused} pauses, {resumed} resumes"
    );
    assert!(paused - resumed <= 1);
    assert!(
        tokio::time::timeout(Duration::ZERO, ch.next())
            .await
            .is_err()
    );
}

#[tokio::test(start_paused = true)]
async fn a_1_mib_bound_pauses_and_resumes_many_times_without_loss() {
    let n = 20_000;
    let sim = Arc::new(
        sim_with(SimConfig {
            socket_queue_capacity: 256,
            ..SimConfig::default()
        })
        .await,
    );
    let info = channel(&sim);
    let mut ch = ConnectOptions::new()
        .max_buffer(1 << 20)
        .connect(&info.connect_uri, [TOPIC])
        .await
        .unwrap();
    let frames = frames(n);
    let publisher = {
        let sim = Arc::clone(&sim);
        tokio::spawn(async move { sim.publish_raw_batch_wait(TOPIC, &frames).await })
    };
    // A consumer that takes a breath every 500 notifications.
    for chunk in 0..n / 500 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        for i in 0..500 {
            let expected = chunk * 500 + i;
            match tokio::time::timeout(Duration::from_secs(60), ch.next()).await {
                Ok(Some(Ok(note))) => assert_eq!(body_i(&note), expected),
                other => panic!("notification {expected}: {other:?}"),
            }
        }
    }
    assert_eq!(publisher.await.unwrap(), n as usize);
    let stats = ch.stats();
    assert!(stats.read_pauses >= 5, "{stats:?}");
    assert!(stats.buffer_peak <= (1 << 20) + LARGEST_ITEM, "{stats:?}");
    assert_eq!((stats.dropped, stats.gaps, stats.connections), (0, 0, 1));
    assert_eq!(sim.stats().channel(&info.id).unwrap().lost, 0);
}

#[tokio::test(start_paused = true)]
async fn a_pause_longer_than_the_heartbeat_timeout_is_not_a_dead_connection() {
    let sim = Arc::new(
        sim_with(SimConfig {
            socket_queue_capacity: 64,
            ..SimConfig::default()
        })
        .await,
    );
    let info = channel(&sim);
    let mut ch = ConnectOptions::new()
        .max_buffer(64 << 10)
        .heartbeat_timeout(Some(Duration::from_secs(20)))
        .connect(&info.connect_uri, [TOPIC])
        .await
        .unwrap();
    let mut events = ch.events();
    let n = 2_000;
    let frames = frames(n);
    let publisher = {
        let sim = Arc::clone(&sim);
        tokio::spawn(async move { sim.publish_raw_batch_wait(TOPIC, &frames).await })
    };
    // Stalled for twice the heartbeat timeout (under the simulator's 30 s write timeout).
    tokio::time::sleep(Duration::from_secs(25)).await;
    assert!(ch.stats().read_pauses >= 1);
    read_in_order(&mut ch, n).await;
    assert_eq!(publisher.await.unwrap(), n as usize);
    let stats = ch.stats();
    assert_eq!((stats.dropped, stats.gaps, stats.connections), (0, 0, 1));
    while let Ok(Some(event)) = tokio::time::timeout(Duration::ZERO, events.next()).await {
        assert!(
            !matches!(
                event,
                Event::HeartbeatMissed { .. } | Event::Disconnected { .. } | Event::Gap(_)
            ),
            "{event:?}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn drop_newest_still_reads_the_socket_and_reports_the_loss() {
    let sim = sim_with(SimConfig {
        socket_queue_capacity: 4096,
        ..SimConfig::default()
    })
    .await;
    let info = channel(&sim);
    let mut ch = ConnectOptions::new()
        .max_buffer(64 << 10)
        .overflow(Overflow::DropNewest)
        .connect(&info.connect_uri, [TOPIC])
        .await
        .unwrap();
    let n = 2_000;
    let frames = frames(n);
    assert_eq!(sim.publish_raw_batch_wait(TOPIC, &frames).await, n as usize);
    tokio::time::sleep(Duration::from_secs(5)).await;
    let stats = ch.stats();
    assert_eq!(stats.read_pauses, 0);
    assert_eq!(stats.notifications, n);
    assert!(stats.dropped > 0 && stats.buffer_peak <= (64 << 10) + LARGEST_ITEM);
    let (mut received, mut dropped) = (0, 0);
    while received + dropped < n {
        match ch.next().await.unwrap() {
            Ok(note) => {
                assert_eq!(body_i(&note), received, "the oldest are kept");
                received += 1;
            }
            Err(e) if e.is_lagged() => dropped += e.dropped().unwrap(),
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(dropped, stats.dropped);
}

/// A socket dropped while reading is paused by back-pressure is found closed only when
/// reading resumes. The notifications published between the drop and then are lost; the gap
/// must cover them: its window must start no later than the pause, the last moment the
/// socket was known to deliver.
#[tokio::test(start_paused = true)]
async fn a_drop_during_back_pressure_is_a_gap_from_the_pause() {
    tokio::time::timeout(Duration::from_secs(600), async {
        let sim = sim_with(SimConfig::default()).await;
        let info = channel(&sim);
        let mut ch = ConnectOptions::new()
            .max_buffer(8 << 10)
            .connect(&info.connect_uri, [TOPIC])
            .await
            .unwrap();
        let n = 200;
        assert_eq!(
            sim.publish_raw_batch_wait(TOPIC, &frames(n)).await,
            n as usize
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert!(ch.stats().read_pauses >= 1);
        sim.fault(&info.id, genesys_sim::Fault::Drop).unwrap();
        tokio::time::sleep(Duration::from_secs(2)).await;
        let lost_at = tokio::time::Instant::now();
        assert_eq!(
            sim.publish(TOPIC, json!({"i": n})),
            0,
            "no socket to deliver to"
        );
        tokio::time::sleep(Duration::from_secs(2)).await;
        read_in_order(&mut ch, n).await;
        match ch.next().await {
            Some(Err(e)) if e.is_gap() => {
                let gap = e.gap_window().unwrap();
                assert!(gap.contains(lost_at), "{gap:?} does not cover {lost_at:?}");
            }
            other => panic!("expected a gap: {other:?}"),
        }
    })
    .await
    .unwrap();
}

/// A consumer on the channel's own thread (a current-thread runtime) that never stops, with
/// the service on another thread publishing as fast as it can: the channel lets the consumer
/// run once it has not taken a sixteenth of the bound (here 64 KiB of 1 MiB), so the buffer
/// stays within that plus one batch (the channel reads at most 64 frames per turn) instead of
/// filling until the channel's task runs out its cooperative budget. Real time: nothing here
/// waits on a timer.
#[test]
fn a_consumer_on_the_same_thread_keeps_the_buffer_shallow() {
    let n = 20_000;
    let (uri_tx, uri_rx) = std::sync::mpsc::channel();
    let (go, go_rx) = tokio::sync::oneshot::channel::<()>();
    let (done, done_rx) = tokio::sync::oneshot::channel::<()>();
    let service = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let sim = sim().await;
            let info = channel(&sim);
            uri_tx.send(info.connect_uri.clone()).unwrap();
            go_rx.await.unwrap();
            let published = sim.publish_raw_batch_wait(TOPIC, &frames(n)).await;
            // The simulator stays up until everything was read.
            done_rx.await.unwrap();
            published
        })
    });
    let uri = uri_rx.recv().unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let stats = rt.block_on(async move {
        let mut ch = ConnectOptions::new()
            .max_buffer(1 << 20)
            .connect(&uri, [TOPIC])
            .await
            .unwrap();
        go.send(()).unwrap();
        read_in_order(&mut ch, n).await;
        ch.stats()
    });
    done.send(()).unwrap();
    assert_eq!(service.join().unwrap(), n as usize);
    assert!(
        stats.buffer_peak <= (64 << 10) + 64 * LARGEST_ITEM,
        "peak {} bytes",
        stats.buffer_peak
    );
    assert_eq!((stats.dropped, stats.gaps, stats.read_pauses), (0, 0, 0));
}
