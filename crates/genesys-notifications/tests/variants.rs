//! The unconfirmed ([U]) parts of the protocol: every variant the simulator can play is
//! tolerated, and the control paths around them work.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use genesys_notifications::{ConnectOptions, ErrorKind, Event, Reason, State, connect};
use genesys_sim::{Fault, ProtocolOptions, SimConfig};
use serde_json::json;
use support::*;
use tokio::time::Instant;

#[tokio::test(start_paused = true)]
async fn every_protocol_variant_is_tolerated() {
    for (echo, full_envelope, pong) in [
        (false, false, "pong"),
        (true, false, "pong"),
        (false, true, "Pong"),
        (true, true, "WebSocket Pong"),
    ] {
        let sim = sim_with(SimConfig {
            protocol: ProtocolOptions {
                echo_correlation_id: echo,
                metadata_full_envelope: full_envelope,
                pong_message: pong.to_owned(),
                ..ProtocolOptions::default()
            },
            ..SimConfig::default()
        })
        .await;
        let info = channel(&sim);
        let t0 = Instant::now();
        let mut ch = connect(&info.connect_uri, [TOPIC]).await.unwrap();
        let case = format!("echo={echo} full={full_envelope} pong={pong:?}");
        assert!(ch.ping().await.is_ok(), "{case}");
        ch.extend().await.unwrap();
        tokio::time::sleep_until(t0 + Duration::from_secs(61)).await;
        sim.publish(TOPIC, json!({"i": 1}));
        let n = next_note(&mut ch).await;
        assert_eq!(
            body_i(&n),
            1,
            "{case}: heartbeats and pongs are never notifications"
        );
        assert_eq!(ch.stats().heartbeats, 2, "{case}");
        assert_eq!(
            sim.stats().channel(&info.id).unwrap().subscribe_requests.ws,
            2
        );
    }
}

#[tokio::test(start_paused = true)]
async fn failed_rollover_is_reported_and_the_stream_goes_on() {
    let sim = sim().await;
    let info = channel(&sim);
    let mut ch = connect(&info.connect_uri, [TOPIC]).await.unwrap();
    let unknown = format!("ws://{}/channels/streaming-0-unknown", sim.addr());
    let e = ch.rollover(&unknown).await.unwrap_err();
    assert_eq!(
        (e.kind(), e.reason()),
        (ErrorKind::Rollover, Reason::ChannelNotFound)
    );
    assert!(e.is_recovery_failure() && !e.is_fatal());
    let e = ch
        .rollover("ws://example.com/channels/x")
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.reason()),
        (ErrorKind::Rollover, Reason::InvalidUri)
    );

    let other = channel(&sim);
    sim.fault(&other.id, Fault::RejectNextSubscribe).unwrap();
    let e = ch.rollover(&other.connect_uri).await.unwrap_err();
    assert_eq!(
        (e.kind(), e.reason()),
        (ErrorKind::Rollover, Reason::SubscriptionRejected)
    );

    assert_eq!(ch.state(), State::Open);
    sim.publish(TOPIC, json!({"i": 1}));
    assert_eq!(body_i(&next_note(&mut ch).await), 1);
    assert_eq!(sim.stats().channel(&info.id).unwrap().connections, 1);
}

#[tokio::test(start_paused = true)]
async fn failed_extension_is_non_fatal_and_retried_a_minute_later() {
    let sim = sim().await;
    let info = channel(&sim);
    let t0 = Instant::now();
    let mut ch = connect(&info.connect_uri, [TOPIC]).await.unwrap();
    let mut events = ch.events();
    tokio::time::sleep(Duration::from_secs(3600)).await;
    sim.fault(&info.id, Fault::RejectNextSubscribe).unwrap();
    let e = next_err(&mut ch).await;
    assert_eq!(Instant::now() - t0, Duration::from_secs(23 * 3600));
    assert_eq!(
        (e.kind(), e.reason()),
        (ErrorKind::LifetimeExtension, Reason::SubscriptionRejected)
    );
    assert!(e.is_recovery_failure() && !e.is_fatal());
    let (_, at) = wait_event(&mut events, |e| *e == Event::Extended).await;
    assert_eq!(at - t0, Duration::from_secs(23 * 3600 + 60));
    sim.publish(TOPIC, json!({"i": 1}));
    assert_eq!(body_i(&next_note(&mut ch).await), 1);
}

#[tokio::test(start_paused = true)]
async fn forced_reconnect_resubscribes_and_reports_its_gap() {
    let sim = sim().await;
    let info = channel(&sim);
    let mut ch = ConnectOptions::new()
        .connect(&info.connect_uri, [TOPIC])
        .await
        .unwrap();
    let mut events = ch.events();
    ch.handle().force_reconnect().await.unwrap();
    wait_event(&mut events, |e| {
        matches!(e, Event::Reconnected { attempts: 1 })
    })
    .await;
    assert_eq!(
        sim.stats().channel(&info.id).unwrap().subscribe_requests.ws,
        2
    );
    sim.publish(TOPIC, json!({"i": 1}));
    assert!(next_err(&mut ch).await.is_gap());
    assert_eq!(body_i(&next_note(&mut ch).await), 1);
}

#[tokio::test(start_paused = true)]
async fn expired_channel_without_extension_ends_the_stream() {
    let sim = sim().await;
    let info = channel(&sim);
    let t0 = Instant::now();
    let mut ch = ConnectOptions::new()
        .extend_after(None)
        .connect(&info.connect_uri, [TOPIC])
        .await
        .unwrap();
    let warning = next_err(&mut ch).await;
    assert_eq!(warning.reason(), Reason::ChannelExpired);
    let e = next_err(&mut ch).await;
    // The normal close is followed by one reconnection after 1 s, answered with 404.
    assert_eq!(Instant::now() - t0, Duration::from_secs(24 * 3600 + 1));
    assert_eq!(
        (e.kind(), e.reason()),
        (ErrorKind::Reconnect, Reason::ChannelNotFound)
    );
    assert!(e.is_fatal() && e.is_channel_failure());
    assert!(e.message().unwrap().contains("channel expired"), "{e}");
}
