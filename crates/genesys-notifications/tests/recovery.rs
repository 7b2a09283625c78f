//! Reconnect, watchdog, extension, maintenance, rollover, channel gone, gaps —
//! against the simulator over real sockets, on paused time, with exact assertions.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use genesys_notifications::{
    Channel, ConnectOptions, ErrorKind, Event, Gap, Maintenance, Reason, ReconnectPolicy, State,
    connect,
};
use genesys_sim::{Fault, ProtocolOptions, SimConfig, Simulator};
use serde_json::json;
use support::*;
use tokio::time::Instant;

#[tokio::test(start_paused = true)]
async fn drop_then_reconnect_resubscribe_and_report_the_gap() {
    let sim = sim().await;
    let info = channel(&sim);
    let t0 = Instant::now();
    let mut ch = connect(&info.connect_uri, [TOPIC]).await.unwrap();
    let mut events = ch.events();
    tokio::time::sleep(Duration::from_secs(40)).await; // one heartbeat at t0 + 30 s
    let dropped_at = Instant::now();
    sim.fault(&info.id, Fault::Drop).unwrap();
    let lost_at = Instant::now();
    assert_eq!(
        sim.publish(TOPIC, json!({"i": 1})),
        0,
        "no socket: lost by the service"
    );

    let (e, _) = wait_event(&mut events, |e| matches!(e, Event::Disconnected { .. })).await;
    assert_eq!(
        e,
        Event::Disconnected {
            reason: Reason::ConnectionClosed
        }
    );
    let (e, _) = wait_event(&mut events, |e| matches!(e, Event::ReconnectAttempt { .. })).await;
    assert_eq!(
        e,
        Event::ReconnectAttempt {
            attempt: 1,
            delay: Duration::ZERO
        }
    );
    let (e, at) = wait_event(&mut events, |e| matches!(e, Event::Reconnected { .. })).await;
    assert_eq!(e, Event::Reconnected { attempts: 1 });
    assert_eq!(at, dropped_at, "the first retry is immediate");
    assert_eq!(ch.state(), State::Open);
    let stats = sim.stats();
    let c = stats.channel(&info.id).unwrap();
    assert_eq!(
        c.subscribe_requests.ws, 2,
        "resubscribed after reconnecting"
    );
    assert_eq!(c.connections, 2);

    sim.publish(TOPIC, json!({"i": 2}));
    let gap = next_err(&mut ch).await;
    assert!(gap.is_gap() && !gap.is_fatal());
    let w = gap.gap_window().unwrap();
    assert_eq!(
        w.from_instant,
        t0 + Duration::from_secs(30),
        "last frame: the heartbeat"
    );
    assert_eq!(w.to_instant, dropped_at);
    assert!(w.contains(lost_at));
    assert_eq!(w.topics, vec![TOPIC]);
    assert_eq!(body_i(&next_note(&mut ch).await), 2);
    assert_eq!(ch.stats().gaps, 1);
}

#[tokio::test(start_paused = true)]
async fn stall_trips_the_watchdog_at_exactly_the_heartbeat_timeout() {
    let sim = sim().await;
    let info = channel(&sim);
    let mut ch = connect(&info.connect_uri, [TOPIC]).await.unwrap();
    let t0 = Instant::now(); // the subscription result is the last frame
    let mut events = ch.events();
    sim.fault(
        &info.id,
        Fault::Stall {
            duration: Duration::from_secs(600),
        },
    )
    .unwrap();
    let (e, at) = wait_event(&mut events, |e| matches!(e, Event::HeartbeatMissed { .. })).await;
    assert_eq!(at - t0, Duration::from_secs(75));
    assert_eq!(
        e,
        Event::HeartbeatMissed {
            silent_for: Duration::from_secs(75)
        }
    );
    let (_, at) = wait_event(&mut events, |e| matches!(e, Event::Reconnected { .. })).await;
    assert_eq!(at - t0, Duration::from_secs(75));
    sim.publish(TOPIC, json!({"i": 1}));
    let gap = next_err(&mut ch).await;
    let w = gap.gap_window().unwrap();
    assert_eq!(
        (w.from_instant, w.to_instant),
        (t0, t0 + Duration::from_secs(75))
    );
    assert_eq!(body_i(&next_note(&mut ch).await), 1);
}

#[tokio::test(start_paused = true)]
async fn refused_reconnects_follow_the_exact_backoff_schedule_then_give_up() {
    let sim = sim().await;
    let info = channel(&sim);
    let policy = ReconnectPolicy::default()
        .max_attempts(Some(6))
        .jitter_seed(42);
    let delays: Vec<Duration> = policy.delays().collect();
    assert_eq!(delays.len(), 6);
    let mut ch = ConnectOptions::new()
        .reconnect(policy)
        .connect(&info.connect_uri, [TOPIC])
        .await
        .unwrap();
    let mut events = ch.events();
    sim.fault(
        &info.id,
        Fault::RefuseConnections {
            duration: Duration::from_secs(3600),
        },
    )
    .unwrap();
    let t0 = Instant::now();
    sim.fault(&info.id, Fault::Drop).unwrap();
    let mut expected_at = t0;
    for (k, delay) in delays.iter().enumerate() {
        let (e, at) =
            wait_event(&mut events, |e| matches!(e, Event::ReconnectAttempt { .. })).await;
        assert_eq!(
            e,
            Event::ReconnectAttempt {
                attempt: k as u32 + 1,
                delay: *delay
            }
        );
        assert_eq!(at, expected_at, "attempt {} scheduled on time", k + 1);
        expected_at += *delay;
    }
    let e = next_err(&mut ch).await;
    assert_eq!(
        Instant::now(),
        expected_at,
        "gave up right after the last attempt"
    );
    assert_eq!(
        (e.kind(), e.reason()),
        (ErrorKind::Reconnect, Reason::AttemptsExhausted)
    );
    assert!(e.is_recovery_failure() && e.is_channel_failure() && e.is_fatal());
    assert_eq!(e.attempts(), Some(6));
    let cause = std::error::Error::source(&e)
        .expect("the last cause")
        .to_string();
    assert!(cause.contains("503"), "{cause}");
    assert!(next_opt(&mut ch).await.is_none(), "the stream ended");
    assert_eq!(ch.state(), State::Closed);
}

#[tokio::test(start_paused = true)]
async fn unauthorized_on_reconnect_stops_at_once() {
    let sim = sim().await;
    let info = channel(&sim);
    let proxy = Proxy::start(Mode::Forward(sim.addr())).await;
    let mut ch = connect(&proxy.uri(&info), [TOPIC]).await.unwrap();
    let mut events = ch.events();
    proxy.set(Mode::Status(401, "token expired"));
    let t0 = Instant::now();
    sim.fault(&info.id, Fault::Drop).unwrap();
    let e = next_err(&mut ch).await;
    assert_eq!(Instant::now(), t0);
    assert_eq!(
        (e.kind(), e.reason()),
        (ErrorKind::Reconnect, Reason::HttpUnauthorized)
    );
    assert!(e.is_fatal() && e.is_recovery_failure() && e.is_permanent());
    assert_eq!(e.attempts(), Some(1));
    let mut attempts = 0;
    while let Some(ev) = events.recv().await {
        if matches!(ev, Event::ReconnectAttempt { .. }) {
            attempts += 1;
        }
    }
    assert_eq!(attempts, 1, "no retry after a permanent failure");
}

#[tokio::test(start_paused = true)]
async fn lifetime_is_extended_every_23_hours_across_72_hours() {
    let sim = sim().await;
    let info = channel(&sim);
    let t0 = Instant::now();
    let mut ch = connect(&info.connect_uri, [TOPIC]).await.unwrap();
    let mut events = ch.events();
    for k in 1..=3u32 {
        let (_, at) = wait_event(&mut events, |e| *e == Event::Extended).await;
        assert_eq!(at - t0, Duration::from_secs(23 * 3600) * k);
    }
    tokio::time::sleep_until(t0 + Duration::from_secs(72 * 3600 + 1)).await;
    let stats = sim.stats();
    let c = stats
        .channel(&info.id)
        .expect("the channel is alive at 72 h");
    assert!(c.connected);
    assert_eq!(c.connections, 1, "never reconnected");
    assert_eq!(c.subscribe_requests.ws, 4);
    sim.publish(TOPIC, json!({"i": 72}));
    assert_eq!(body_i(&next_note(&mut ch).await), 72);
    assert_eq!(ch.stats().heartbeats, 72 * 120);
}

#[tokio::test(start_paused = true)]
async fn without_extension_the_stream_warns_and_extend_works() {
    let sim = sim().await;
    let info = channel(&sim);
    let t0 = Instant::now();
    let mut ch = ConnectOptions::new()
        .extend_after(None)
        .connect(&info.connect_uri, [TOPIC])
        .await
        .unwrap();
    let e = next_err(&mut ch).await;
    assert_eq!(Instant::now() - t0, Duration::from_secs(23 * 3600));
    assert_eq!(
        (e.kind(), e.reason()),
        (ErrorKind::ChannelExpiring, Reason::ChannelExpired)
    );
    assert!(!e.is_fatal() && e.is_channel_expiring());
    let before = sim.stats().channel(&info.id).unwrap().expires.clone();
    ch.extend().await.unwrap();
    let after = sim.stats().channel(&info.id).unwrap().expires.clone();
    assert!(after > before, "{before} -> {after}");
    tokio::time::sleep(Duration::from_secs(3 * 3600)).await;
    sim.publish(TOPIC, json!({"i": 1}));
    assert_eq!(body_i(&next_note(&mut ch).await), 1);
}

/// Publishes `{"i": n}` every 100 ms from a task, remembering when each one was published.
fn publish_continuously(
    sim: &std::sync::Arc<Simulator>,
    count: u64,
) -> tokio::task::JoinHandle<Vec<Instant>> {
    let sim = sim.clone();
    tokio::spawn(async move {
        let mut at = Vec::new();
        for i in 0..count {
            at.push(Instant::now());
            sim.publish(TOPIC, json!({ "i": i }));
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        at
    })
}

/// Reads until notification `last`; returns how often each was received and the gaps.
async fn collect_until(ch: &mut Channel, last: u64) -> (BTreeMap<u64, u32>, Vec<Gap>, Vec<u64>) {
    let mut seen = BTreeMap::new();
    let mut order = Vec::new();
    let mut gaps = Vec::new();
    loop {
        match next(ch).await {
            Ok(n) => {
                let i = body_i(&n);
                *seen.entry(i).or_insert(0) += 1;
                order.push(i);
                if i == last {
                    return (seen, gaps, order);
                }
            }
            Err(e) if e.is_gap() => gaps.push(e.gap_window().unwrap().clone()),
            Err(e) if !e.is_fatal() => {}
            Err(e) => panic!("fatal: {e:?}"),
        }
    }
}

/// Every published notification is received exactly once, or falls inside a reported gap.
fn assert_accounted(published: &[Instant], seen: &BTreeMap<u64, u32>, gaps: &[Gap]) -> usize {
    let mut in_gaps = 0;
    for (i, at) in published.iter().enumerate() {
        match seen.get(&(i as u64)) {
            Some(1) => {}
            Some(n) => panic!("notification {i} received {n} times"),
            None => {
                assert!(
                    gaps.iter().any(|g| g.contains(*at)),
                    "notification {i} (published at {at:?}) lost outside any gap: {gaps:?}"
                );
                in_gaps += 1;
            }
        }
    }
    in_gaps
}

/// Make before break on maintenance, whichever way the service treats the old socket once the
/// new one is there: closed at once, or delivering (copies) until its grace period ends. Both
/// sockets are read until the service closes the old one: nothing lost, nothing twice, in
/// order, no gap.
#[tokio::test(start_paused = true)]
async fn socket_closing_under_continuous_publishing_make_before_break_loses_nothing() {
    for keeps_delivering in [false, true] {
        let mut config = SimConfig::default();
        config.protocol.closing_socket_keeps_delivering = keeps_delivering;
        let sim = std::sync::Arc::new(sim_with(config).await);
        let info = channel(&sim);
        let mut ch = connect(&info.connect_uri, [TOPIC]).await.unwrap();
        let mut events = ch.events();
        let publisher = publish_continuously(&sim, 1500);
        tokio::time::sleep(Duration::from_millis(30_050)).await;
        sim.fault(&info.id, Fault::SocketClosing).unwrap();
        let (seen, gaps, order) = collect_until(&mut ch, 1499).await;
        let published = publisher.await.unwrap();
        assert!(
            gaps.is_empty(),
            "keeps delivering {keeps_delivering}: no gap at all, got {gaps:?}"
        );
        assert_eq!(assert_accounted(&published, &seen, &gaps), 0);
        assert_eq!(order, (0..1500).collect::<Vec<_>>(), "in order");
        let mut got = Vec::new();
        while let Ok(Some(e)) = tokio::time::timeout(Duration::ZERO, events.recv()).await {
            got.push(e);
        }
        assert!(got.contains(&Event::SocketClosing));
        assert!(got.contains(&Event::RolloverStarted));
        assert!(got.contains(&Event::RolloverCompleted));
        assert!(
            !got.iter().any(|e| matches!(e, Event::Disconnected { .. })),
            "{got:?}"
        );
        let stats = sim.stats();
        let c = stats.channel(&info.id).unwrap();
        assert_eq!(c.connections, 2);
        assert_eq!(c.lost, 0);
        assert_eq!(ch.stats().gaps, 0);
    }
}

#[tokio::test(start_paused = true)]
async fn socket_closing_surfaced_then_the_close_is_recovered_with_an_exact_gap() {
    let sim = std::sync::Arc::new(
        sim_with(SimConfig {
            socket_closing_grace: Duration::from_secs(10),
            ..SimConfig::default()
        })
        .await,
    );
    let info = channel(&sim);
    let mut ch = ConnectOptions::new()
        .maintenance(Maintenance::Surface)
        .connect(&info.connect_uri, [TOPIC])
        .await
        .unwrap();
    let publisher = publish_continuously(&sim, 300);
    tokio::time::sleep(Duration::from_millis(5_050)).await;
    sim.fault(&info.id, Fault::SocketClosing).unwrap();
    let mut warned = false;
    let mut seen = BTreeMap::new();
    let mut gaps = Vec::new();
    loop {
        match next(&mut ch).await {
            Ok(n) => {
                let i = body_i(&n);
                *seen.entry(i).or_insert(0) += 1;
                if i == 299 {
                    break;
                }
            }
            Err(e) if e.is_channel_expiring() => {
                assert_eq!(e.reason(), Reason::ChannelClosing);
                assert!(!e.is_fatal());
                warned = true;
            }
            Err(e) if e.is_gap() => gaps.push(e.gap_window().unwrap().clone()),
            Err(e) => panic!("{e:?}"),
        }
    }
    let published = publisher.await.unwrap();
    assert!(warned);
    assert_eq!(gaps.len(), 1, "the service closed the socket: one gap");
    let lost = assert_accounted(&published, &seen, &gaps);
    assert_eq!(lost as u64, sim.stats().channel(&info.id).unwrap().lost);
}

#[tokio::test(start_paused = true)]
async fn rollover_under_continuous_publishing_is_in_order_without_loss_or_duplicates() {
    let sim = std::sync::Arc::new(sim().await);
    let a = channel(&sim);
    let b = channel(&sim);
    let mut ch = connect(&a.connect_uri, [TOPIC]).await.unwrap();
    let handle = ch.handle();
    let publisher = publish_continuously(&sim, 600);
    tokio::time::sleep(Duration::from_millis(20_050)).await;
    let uri = b.connect_uri.clone();
    let rollover = tokio::spawn(async move { handle.rollover(&uri).await });
    let (seen, gaps, order) = collect_until(&mut ch, 599).await;
    rollover.await.unwrap().unwrap();
    let published = publisher.await.unwrap();
    assert!(gaps.is_empty(), "{gaps:?}");
    assert_eq!(assert_accounted(&published, &seen, &gaps), 0);
    assert_eq!(order, (0..600).collect::<Vec<_>>());
    let stats = sim.stats();
    assert!(
        !stats.channel(&a.id).unwrap().connected,
        "old socket closed"
    );
    assert!(stats.channel(&b.id).unwrap().connected);
    assert!(
        stats.channel(&a.id).unwrap().delivered > 200
            && stats.channel(&b.id).unwrap().delivered > 200
    );
}

#[tokio::test(start_paused = true)]
async fn eviction_is_a_fatal_channel_failure_in_uri_mode() {
    for not_found_frame in [false, true] {
        let sim = sim_with(SimConfig {
            protocol: ProtocolOptions {
                not_found_frame,
                ..ProtocolOptions::default()
            },
            ..SimConfig::default()
        })
        .await;
        let info = channel(&sim);
        let mut ch = connect(&info.connect_uri, [TOPIC]).await.unwrap();
        let mut events = ch.events();
        sim.fault(&info.id, Fault::Evict).unwrap();
        let e = next_err(&mut ch).await;
        // With the 404 frame the reason is known at once. Without it the service's normal
        // close cannot be told from a proxy's: one reconnection, answered with 404.
        let (kind, attempts) = if not_found_frame {
            (ErrorKind::Receive, 0)
        } else {
            (ErrorKind::Reconnect, 1)
        };
        assert_eq!((e.kind(), e.reason()), (kind, Reason::ChannelNotFound));
        assert!(e.is_channel_failure() && e.is_fatal() && e.is_permanent());
        assert!(next_opt(&mut ch).await.is_none());
        let mut seen = 0;
        while let Some(ev) = events.recv().await {
            seen += usize::from(matches!(ev, Event::ReconnectAttempt { .. }));
        }
        assert_eq!(seen, attempts);
    }
}

/// A proxy or load balancer may close with 1000 too: a lone normal close is reconnected once,
/// after a pause, and the stream goes on with the gap reported.
#[tokio::test(start_paused = true)]
async fn a_lone_normal_close_is_reconnected_once_after_a_pause() {
    let sim = sim().await;
    let info = channel(&sim);
    let mut ch = connect(&info.connect_uri, [TOPIC]).await.unwrap();
    let mut events = ch.events();
    let kicked_at = Instant::now();
    sim.fault(&info.id, Fault::Kick).unwrap();
    let (e, _) = wait_event(&mut events, |e| matches!(e, Event::ReconnectAttempt { .. })).await;
    assert_eq!(
        e,
        Event::ReconnectAttempt {
            attempt: 1,
            delay: Duration::from_secs(1)
        }
    );
    let (e, at) = wait_event(&mut events, |e| matches!(e, Event::Reconnected { .. })).await;
    assert_eq!(e, Event::Reconnected { attempts: 1 });
    assert_eq!(at, kicked_at + Duration::from_secs(1));
    sim.publish(TOPIC, json!({"i": 7}));
    let gap = next_err(&mut ch).await;
    assert!(gap.is_gap(), "{gap:?}");
    assert_eq!(gap.gap_window().unwrap().to_instant, at);
    assert_eq!(body_i(&next_note(&mut ch).await), 7);
    assert_eq!(sim.stats().channel(&info.id).unwrap().connections, 2);
    assert_eq!(ch.state(), State::Open);
}

/// Someone else holds the channel and takes it back whenever they lose it: after the one
/// reconnection, the second normal close ends the stream; no tug of war.
#[tokio::test(start_paused = true)]
async fn taken_over_by_another_connection_is_not_taken_back() {
    use futures_util::StreamExt;
    let sim = sim().await;
    let info = channel(&sim);
    let mut ch = connect(&info.connect_uri, [TOPIC]).await.unwrap();
    // The other holder: connects, and reconnects once when it is kicked.
    let uri = info.connect_uri.clone();
    let other = tokio::spawn(async move {
        let (mut ws, _) = tokio_tungstenite::connect_async(uri.as_str())
            .await
            .unwrap();
        while let Some(Ok(_)) = ws.next().await {}
        // Holds the channel from now on.
        let (ws, _) = tokio_tungstenite::connect_async(uri.as_str())
            .await
            .unwrap();
        ws
    });
    let e = next_err(&mut ch).await;
    assert!(e.is_gap(), "the first close is a gap, not the end: {e:?}");
    let e = next_err(&mut ch).await;
    assert_eq!(
        (e.kind(), e.reason()),
        (ErrorKind::Receive, Reason::ClosedByService)
    );
    assert!(e.is_channel_failure() && e.is_fatal());
    assert!(
        e.message()
            .unwrap()
            .contains("replaced by a new connection"),
        "{e}"
    );
    assert!(next_opt(&mut ch).await.is_none());
    let _held = other.await.unwrap();
    let stats = sim.stats();
    assert_eq!(
        stats.channel(&info.id).unwrap().connections,
        4,
        "ours twice, theirs twice"
    );
    assert!(stats.channel(&info.id).unwrap().connected, "theirs");
}

/// A rollover whose new socket cannot open while the old one closes meanwhile must not leave
/// the channel without a socket.
#[tokio::test(start_paused = true)]
async fn a_rollover_that_fails_after_the_old_socket_closed_reconnects() {
    let sim = sim().await;
    let info = channel(&sim);
    let ch = ConnectOptions::new()
        .connect_timeout(Duration::from_secs(5))
        .connect(&info.connect_uri, [TOPIC])
        .await
        .unwrap();
    let mut events = ch.events();
    // The new channel's host accepts and never answers: the connect times out after 5 s.
    let silent = Proxy::start(Mode::Silent).await;
    let other = channel(&sim);
    let handle = ch.handle();
    let rollover = tokio::spawn(async move { handle.rollover(&silent.uri(&other)).await });
    settle().await;
    sim.fault(&info.id, Fault::Drop).unwrap();
    let e = rollover.await.unwrap().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Rollover);
    let (e, at) = wait_event(&mut events, |e| matches!(e, Event::Reconnected { .. })).await;
    assert_eq!(e, Event::Reconnected { attempts: 1 });
    assert_eq!(ch.state(), State::Open);
    assert!(at.elapsed() < Duration::from_secs(1));
    assert_eq!(sim.stats().channel(&info.id).unwrap().connections, 2);
}

/// By default the channel reconnects however long the outage lasts.
#[tokio::test(start_paused = true)]
async fn by_default_reconnection_never_gives_up() {
    let sim = sim().await;
    let info = channel(&sim);
    let ch = connect(&info.connect_uri, [TOPIC]).await.unwrap();
    let mut events = ch.events();
    let hour = Duration::from_secs(3600);
    sim.fault(&info.id, Fault::RefuseConnections { duration: hour })
        .unwrap();
    let t0 = Instant::now();
    sim.fault(&info.id, Fault::Drop).unwrap();
    let (e, at) = wait_event(&mut events, |e| matches!(e, Event::Reconnected { .. })).await;
    assert!(at - t0 >= hour, "{:?}", at - t0);
    assert!(at - t0 <= hour + Duration::from_secs(30), "{:?}", at - t0);
    let Event::Reconnected { attempts } = e else {
        unreachable!()
    };
    assert!(attempts > 100, "{attempts}");
    assert_eq!(ch.state(), State::Open);
}

#[tokio::test(start_paused = true)]
async fn abnormal_close_codes_are_retried() {
    let sim = sim_with(SimConfig {
        protocol: ProtocolOptions {
            close_codes: genesys_sim::CloseCodes {
                kicked: 1011,
                ..genesys_sim::CloseCodes::default()
            },
            ..ProtocolOptions::default()
        },
        ..SimConfig::default()
    })
    .await;
    let info = channel(&sim);
    let mut ch = connect(&info.connect_uri, [TOPIC]).await.unwrap();
    let mut events = ch.events();
    sim.fault(&info.id, Fault::Kick).unwrap();
    let (e, _) = wait_event(&mut events, |e| matches!(e, Event::Reconnected { .. })).await;
    assert_eq!(e, Event::Reconnected { attempts: 1 });
    sim.publish(TOPIC, json!({"i": 5}));
    assert!(next_err(&mut ch).await.is_gap());
    assert_eq!(body_i(&next_note(&mut ch).await), 5);
}

#[tokio::test(start_paused = true)]
async fn no_longer_subscribed_is_fatal_in_uri_mode() {
    let sim = sim().await;
    let info = channel(&sim);
    let mut ch = connect(&info.connect_uri, [TOPIC]).await.unwrap();
    sim.fault(&info.id, Fault::NoLongerSubscribed).unwrap();
    let e = next_err(&mut ch).await;
    assert_eq!(
        (e.kind(), e.reason()),
        (ErrorKind::Receive, Reason::NoLongerSubscribed)
    );
    assert!(e.is_fatal() && e.raw_text().is_some());
}

async fn next_opt(
    ch: &mut Channel,
) -> Option<Result<genesys_notifications::Notification, genesys_notifications::Error>> {
    use futures_util::StreamExt;
    tokio::time::timeout(Duration::from_secs(3600), ch.next())
        .await
        .expect("ends or yields")
}

#[tokio::test(start_paused = true)]
async fn attempts_reset_only_after_a_healthy_period() {
    let sim = sim().await;
    let info = channel(&sim);
    let policy = ReconnectPolicy::default()
        .jitter(false)
        .healthy_after(Duration::from_secs(60));
    let ch = ConnectOptions::new()
        .reconnect(policy)
        .connect(&info.connect_uri, [TOPIC])
        .await
        .unwrap();
    let mut events = ch.events();
    // Healthy for 100 s: the next outage starts again at attempt 1 (immediate).
    tokio::time::sleep(Duration::from_secs(100)).await;
    sim.fault(&info.id, Fault::Drop).unwrap();
    let (e, _) = wait_event(&mut events, |e| matches!(e, Event::ReconnectAttempt { .. })).await;
    assert_eq!(
        e,
        Event::ReconnectAttempt {
            attempt: 1,
            delay: Duration::ZERO
        }
    );
    wait_event(&mut events, |e| matches!(e, Event::Reconnected { .. })).await;
    // Dropped again 10 s later: a flapping connection keeps counting (1 s backoff).
    tokio::time::sleep(Duration::from_secs(10)).await;
    sim.fault(&info.id, Fault::Drop).unwrap();
    let (e, _) = wait_event(&mut events, |e| matches!(e, Event::ReconnectAttempt { .. })).await;
    assert_eq!(
        e,
        Event::ReconnectAttempt {
            attempt: 2,
            delay: Duration::from_secs(1)
        }
    );
    let (e, at) = wait_event(&mut events, |e| matches!(e, Event::Reconnected { .. })).await;
    assert_eq!(e, Event::Reconnected { attempts: 2 });
    // Healthy for 60 s since: reset again.
    tokio::time::sleep_until(at + Duration::from_secs(60)).await;
    sim.fault(&info.id, Fault::Drop).unwrap();
    let (e, _) = wait_event(&mut events, |e| matches!(e, Event::ReconnectAttempt { .. })).await;
    assert_eq!(
        e,
        Event::ReconnectAttempt {
            attempt: 1,
            delay: Duration::ZERO
        }
    );
    let (e, _) = wait_event(&mut events, |e| matches!(e, Event::Reconnected { .. })).await;
    assert_eq!(e, Event::Reconnected { attempts: 1 });
    assert_eq!(ch.state(), State::Open);
}

/// A topic added while a rollover is under way reaches the new channel: the desired topics
/// are compared with what the new channel was subscribed with when the switch completes.
#[tokio::test(start_paused = true)]
async fn a_topic_added_during_a_rollover_reaches_the_new_channel() {
    const OTHER: &str = "v2.users.u2.presence";
    let mut missed = Vec::new();
    for yields in 0..24 {
        let sim = sim().await;
        let a = channel(&sim);
        let b = channel(&sim);
        let mut ch = connect(&a.connect_uri, [TOPIC]).await.unwrap();
        let handle = ch.handle();
        let uri = b.connect_uri.clone();
        let rollover = tokio::spawn(async move { handle.rollover(&uri).await });
        for _ in 0..yields {
            tokio::task::yield_now().await;
        }
        ch.subscribe([OTHER]).await.unwrap();
        rollover.await.unwrap().unwrap();
        // Let a catch-up subscription, if one is needed, be answered.
        tokio::time::sleep(Duration::from_secs(1)).await;
        let topics = sim.stats().channel(&b.id).unwrap().topics.clone();
        if !topics.iter().any(|t| t == OTHER) {
            missed.push(yields);
            continue;
        }
        assert_eq!(
            sim.publish(OTHER, json!({"i": yields})),
            1,
            "yields {yields}"
        );
        loop {
            let n = next_note(&mut ch).await;
            if n.topic() == OTHER {
                break;
            }
        }
    }
    assert!(
        missed.is_empty(),
        "the new channel lacks the topic for yields {missed:?}"
    );
}

/// A `subscribe()` made while the channel recovers answers with the outcome of the
/// resubscription that carries it, not at once.
#[tokio::test(start_paused = true)]
async fn a_subscribe_during_recovery_answers_when_it_is_subscribed() {
    const OTHER: &str = "v2.users.u2.presence";
    let sim = sim().await;
    let info = channel(&sim);
    let mut ch = connect(&info.connect_uri, [TOPIC]).await.unwrap();
    let mut events = ch.events();
    let outage = Duration::from_secs(10);
    sim.fault(&info.id, Fault::RefuseConnections { duration: outage })
        .unwrap();
    sim.fault(&info.id, Fault::Drop).unwrap();
    wait_event(&mut events, |e| matches!(e, Event::ReconnectAttempt { .. })).await;
    assert_eq!(ch.state(), State::Reconnecting);
    let handle = ch.handle();
    let t0 = Instant::now();
    let add = tokio::spawn(async move {
        let r = handle.subscribe([OTHER]).await;
        (r, Instant::now())
    });
    settle().await;
    assert!(
        !add.is_finished(),
        "answered before anything was subscribed"
    );
    let (_, reconnected_at) =
        wait_event(&mut events, |e| matches!(e, Event::Reconnected { .. })).await;
    let (result, answered_at) = add.await.unwrap();
    result.unwrap();
    assert!(answered_at >= reconnected_at && answered_at - t0 >= Duration::from_secs(5));
    assert!(
        sim.stats()
            .channel(&info.id)
            .unwrap()
            .topics
            .iter()
            .any(|t| t == OTHER)
    );
    sim.publish(OTHER, json!({"i": 3}));
    assert!(next_err(&mut ch).await.is_gap());
    assert_eq!(body_i(&next_note(&mut ch).await), 3);
}

/// A reconnect policy limited to 5 minutes (`max_elapsed`) gives up after 5 minutes of refused
/// reconnects, end to end: unseeded, the bounds hold for every draw; seeded, the schedule is
/// known and the give-up exact. (The default policy never gives up: see
/// `by_default_reconnection_never_gives_up`.)
#[tokio::test(start_paused = true)]
async fn a_five_minute_policy_gives_up_after_five_minutes_of_refused_reconnects() {
    const FIVE_MINUTES: Duration = Duration::from_secs(300);
    async fn outage(policy: ReconnectPolicy) -> (Vec<(u32, Duration)>, Duration, u32) {
        let sim = sim().await;
        let info = channel(&sim);
        let options = ConnectOptions::new().reconnect(policy);
        let mut ch = options.connect(&info.connect_uri, [TOPIC]).await.unwrap();
        let mut events = ch.events();
        sim.fault(
            &info.id,
            Fault::RefuseConnections {
                duration: Duration::from_secs(3600),
            },
        )
        .unwrap();
        let t0 = Instant::now();
        sim.fault(&info.id, Fault::Drop).unwrap();
        let e = loop {
            match next(&mut ch).await {
                Err(e) if e.is_fatal() => break e,
                _ => {}
            }
        };
        let elapsed = Instant::now() - t0;
        assert_eq!(
            (e.kind(), e.reason()),
            (ErrorKind::Reconnect, Reason::AttemptsExhausted)
        );
        let mut attempts = Vec::new();
        while let Some(ev) = events.recv().await {
            if let Event::ReconnectAttempt { attempt, delay } = ev {
                attempts.push((attempt, delay));
            }
        }
        (attempts, elapsed, e.attempts().unwrap())
    }

    // Unseeded: the first retry at once, then delays of at most 1, 2, 4, 8, 16, 30, 30 ... s.
    // Even at the maximum every time, 14 attempts fit in 5 minutes (0+1+2+4+8+16 = 31 s, then
    // 8 × 30 s); and the attempt not made would have started after 5 minutes, so the last one
    // started less than 30 s before.
    let limited = ReconnectPolicy::default().max_elapsed(Some(FIVE_MINUTES));
    let (attempts, elapsed, made) = outage(limited).await;
    assert!(made >= 14, "{made} attempts: {attempts:?}");
    assert_eq!(made as usize, attempts.len());
    assert!(
        elapsed <= FIVE_MINUTES && elapsed > FIVE_MINUTES - Duration::from_secs(30),
        "gave up after {elapsed:?}"
    );
    assert_eq!(attempts.iter().map(|a| a.1).sum::<Duration>(), elapsed);

    // Seeded: exactly the attempts whose start lies within 5 minutes of the drop.
    let policy = ReconnectPolicy::default()
        .max_elapsed(Some(FIVE_MINUTES))
        .jitter_seed(9);
    let mut expected = Vec::new();
    let mut total = Duration::ZERO;
    for (n, d) in (1u32..).zip(policy.delays()) {
        if total + d > FIVE_MINUTES {
            break;
        }
        total += d;
        expected.push((n, d));
    }
    let (attempts, elapsed, made) = outage(policy).await;
    assert_eq!(attempts, expected);
    assert_eq!(elapsed, total);
    assert_eq!(made as usize, expected.len());
}
