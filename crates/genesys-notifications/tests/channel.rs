//! Connecting, subscribing, streaming and typed errors, against the simulator over
//! real sockets (127.0.0.1:0), on paused time.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use genesys_notifications::{
    ConnectOptions, ErrorKind, Event, Overflow, Reason, ReconnectPolicy, State, connect,
};
use genesys_sim::{Fault, SimConfig, TlsConfig};
use serde_json::json;
use support::*;
use tokio::time::Instant;

#[tokio::test(start_paused = true)]
async fn happy_path_with_a_combined_topic() {
    let sim = sim().await;
    let info = channel(&sim);
    let mut ch = connect(&info.connect_uri, ["v2.users.u1?presence&routingStatus"])
        .await
        .unwrap();
    assert_eq!(ch.state(), State::Open);
    assert_eq!(ch.topics(), vec!["v2.users.u1?presence&routingStatus"]);
    assert_eq!(
        sim.publish("v2.users.u1.presence", json!({"i": 1, "s": "a\"b"})),
        1
    );
    assert_eq!(sim.publish("v2.users.u1.routingStatus", json!({"i": 2})), 1);
    assert_eq!(sim.publish("v2.users.u2.presence", json!({"i": 3})), 0);

    let a = next_note(&mut ch).await;
    assert_eq!(a.topic(), "v2.users.u1.presence");
    assert_eq!(a.version(), Some("2"));
    assert!(a.correlation_id().is_some_and(|c| !c.is_empty()));
    let v: serde_json::Value = serde_json::from_str(a.raw()).unwrap();
    assert_eq!(v["eventBody"], json!({"i": 1, "s": "a\"b"}));
    #[derive(serde::Deserialize)]
    struct Body {
        i: u64,
        s: String,
    }
    let body: Body = a.body().unwrap();
    assert_eq!((body.i, body.s.as_str()), (1, "a\"b"));

    let b = next_note(&mut ch).await;
    assert_eq!(b.topic(), "v2.users.u1.routingStatus");
    assert_eq!(body_i(&b), 2);
    assert_ne!(a.correlation_id(), b.correlation_id());

    let stats = sim.stats();
    let c = stats.channel(&info.id).unwrap();
    assert_eq!(c.subscribe_requests.ws, 1);
    assert_eq!(c.connections, 1);
    assert!(c.connected);
    assert_eq!(ch.stats().notifications, 2);
    assert_eq!(ch.stats().connections, 1);
}

#[tokio::test(start_paused = true)]
async fn invalid_uris_are_refused_before_any_io() {
    for (uri, why) in [
        ("not a uri", "parse"),
        ("http://127.0.0.1:1/channels/x", "scheme"),
        (
            "ws://streaming.example.com/channels/x",
            "plain ws to a remote host",
        ),
    ] {
        let e = connect(uri, [TOPIC]).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Connection, "{why}");
        assert_eq!(e.reason(), Reason::InvalidUri, "{why}");
        assert!(e.is_connection_failure() && e.is_initialization_failure() && e.is_fatal());
        assert!(e.message().is_some());
    }
    let e = connect("ws://127.0.0.1:1/channels/x", [&"x".repeat(200)])
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.reason()),
        (ErrorKind::Subscription, Reason::InvalidTopic)
    );
}

#[tokio::test(start_paused = true)]
async fn refused_connection_is_a_connection_failure_with_the_io_cause() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let e = connect(&format!("ws://{addr}/channels/x"), [TOPIC])
        .await
        .unwrap_err();
    assert_eq!((e.kind(), e.reason()), (ErrorKind::Connection, Reason::Io));
    let source = std::error::Error::source(&e).expect("io cause");
    assert!(source.downcast_ref::<std::io::Error>().is_some());
}

#[tokio::test(start_paused = true)]
async fn handshake_statuses_map_to_kinds_and_reasons() {
    let cases = [
        (401, ErrorKind::Authorization, Reason::HttpUnauthorized),
        (403, ErrorKind::Authorization, Reason::HttpForbidden),
        (404, ErrorKind::Connection, Reason::ChannelNotFound),
        (500, ErrorKind::Connection, Reason::InvalidStatusCode(500)),
    ];
    for (status, kind, reason) in cases {
        let proxy = Proxy::start(Mode::Status(status, "told you so")).await;
        let e = connect(&format!("ws://{}/channels/x", proxy.addr), [TOPIC])
            .await
            .unwrap_err();
        assert_eq!((e.kind(), e.reason()), (kind, reason), "status {status}");
        assert_eq!(e.status(), Some(status));
        assert_eq!(e.message(), Some("told you so"));
        assert!(e.is_connection_failure());
        assert_eq!(e.is_authorization_failure(), status == 401 || status == 403);
    }
}

#[tokio::test(start_paused = true)]
async fn unknown_channel_is_channel_not_found() {
    let sim = sim().await;
    let uri = format!("ws://{}/channels/streaming-0-nope", sim.addr());
    let e = connect(&uri, [TOPIC]).await.unwrap_err();
    assert_eq!(
        (e.kind(), e.reason()),
        (ErrorKind::Connection, Reason::ChannelNotFound)
    );
    assert!(e.is_permanent());
}

#[tokio::test(start_paused = true)]
async fn rejected_subscription_is_a_subscription_failure_with_the_service_message() {
    let sim = sim().await;
    let info = channel(&sim);
    // The fault needs no socket: the next subscription of this channel is rejected.
    sim.fault(&info.id, Fault::RejectNextSubscribe).unwrap();
    let e = connect(&info.connect_uri, [TOPIC]).await.unwrap_err();
    assert_eq!(
        (e.kind(), e.reason()),
        (ErrorKind::Subscription, Reason::SubscriptionRejected)
    );
    assert!(e.is_subscription_failure() && e.is_initialization_failure());
    assert!(!e.is_connection_failure());
    assert!(e.message().is_some_and(|m| !m.is_empty()));
    let raw = e.raw_text().expect("the result frame");
    assert!(raw.contains("\"result\":\"400\""), "{raw}");
}

/// The subscription reply is not guaranteed by the service: without one, a socket that
/// answers a ping goes on with a warning; one that answers nothing fails at exactly the
/// subscribe timeout plus the ping timeout.
#[tokio::test(start_paused = true)]
async fn unconfirmed_subscription_goes_on_when_the_socket_answers_or_fails_exactly() {
    let sim = sim_with(SimConfig {
        ws_subscribe: false,
        ..SimConfig::default()
    })
    .await;
    let info = channel(&sim);
    let t0 = Instant::now();
    let mut ch = ConnectOptions::new()
        .subscribe_timeout(Duration::from_secs(7))
        .connect(&info.connect_uri, [TOPIC])
        .await
        .unwrap();
    assert_eq!(Instant::now() - t0, Duration::from_secs(7));
    assert_eq!(ch.state(), State::Open);
    let warning = next_err(&mut ch).await;
    assert!(!warning.is_fatal(), "{warning:?}");
    assert_eq!(
        (warning.kind(), warning.reason()),
        (ErrorKind::Subscription, Reason::Timeout)
    );
    assert!(
        warning
            .message()
            .unwrap()
            .contains("subscription not confirmed"),
        "{warning}"
    );

    // A socket that answers nothing at all.
    let silent = channel(&sim);
    let uri = silent.connect_uri.clone();
    let t1 = Instant::now();
    let connecting = tokio::spawn(async move {
        ConnectOptions::new()
            .subscribe_timeout(Duration::from_secs(7))
            .ping_timeout(Duration::from_secs(4))
            .connect(&uri, [TOPIC])
            .await
    });
    for _ in 0..100 {
        if sim.stats().channel(&silent.id).is_some_and(|c| c.connected) {
            break;
        }
        settle().await;
    }
    sim.fault(
        &silent.id,
        Fault::Stall {
            duration: Duration::from_secs(3600),
        },
    )
    .unwrap();
    let e = connecting.await.unwrap().unwrap_err();
    assert_eq!(Instant::now() - t1, Duration::from_secs(7 + 4));
    assert_eq!(
        (e.kind(), e.reason()),
        (ErrorKind::Subscription, Reason::Timeout)
    );
    assert!(e.is_timeout());

    let ch = ConnectOptions::new()
        .await_confirmation(false)
        .connect(&info.connect_uri, [TOPIC])
        .await
        .unwrap();
    assert_eq!(ch.state(), State::Open);
}

/// A duration too long to schedule is refused before connecting, never a panic.
#[tokio::test(start_paused = true)]
async fn durations_too_long_to_schedule_are_refused() {
    let sim = sim().await;
    let info = channel(&sim);
    let forever = Duration::from_secs(100_000 * 365 * 86_400);
    let refused = [
        ConnectOptions::new().heartbeat_timeout(Some(forever)),
        ConnectOptions::new().ping_timeout(forever),
        ConnectOptions::new().extend_after(Some(forever)),
        ConnectOptions::new().reconnect(ReconnectPolicy::default().max_delay(forever)),
    ];
    for options in refused {
        let e = options
            .connect(&info.connect_uri, [TOPIC])
            .await
            .unwrap_err();
        assert_eq!(
            (e.kind(), e.reason()),
            (ErrorKind::Connection, Reason::InvalidOption),
            "{e}"
        );
        assert!(e.is_fatal());
    }
    assert_eq!(sim.stats().channel(&info.id).unwrap().connections, 0);
    let ok = ConnectOptions::new().heartbeat_timeout(Some(ConnectOptions::MAX_DURATION));
    assert!(ok.connect(&info.connect_uri, [TOPIC]).await.is_ok());
}

#[tokio::test(start_paused = true)]
async fn connect_timeout_is_exact() {
    let proxy = Proxy::start(Mode::Silent).await;
    let t0 = Instant::now();
    let e = ConnectOptions::new()
        .connect_timeout(Duration::from_secs(3))
        .connect(&format!("ws://{}/channels/x", proxy.addr), [TOPIC])
        .await
        .unwrap_err();
    assert_eq!(Instant::now() - t0, Duration::from_secs(3));
    assert_eq!(
        (e.kind(), e.reason()),
        (ErrorKind::Connection, Reason::Timeout)
    );
}

#[tokio::test(start_paused = true)]
async fn heartbeats_are_counted_never_delivered_and_optionally_surfaced() {
    let sim = sim().await;
    let info = channel(&sim);
    let t0 = Instant::now();
    let mut ch = ConnectOptions::new()
        .heartbeat_events(true)
        .connect(&info.connect_uri, [TOPIC])
        .await
        .unwrap();
    let mut events = ch.events();
    let (_, at) = wait_event(&mut events, |e| *e == Event::Heartbeat).await;
    assert_eq!(at - t0, Duration::from_secs(30));
    tokio::time::sleep_until(t0 + Duration::from_secs(95)).await;
    sim.publish(TOPIC, json!({"i": 7}));
    let n = next_note(&mut ch).await;
    assert_eq!(
        body_i(&n),
        7,
        "the first item is the notification, not a heartbeat"
    );
    let stats = ch.stats();
    assert_eq!(stats.heartbeats, 3);
    assert_eq!(stats.last_heartbeat, Some(t0 + Duration::from_secs(90)));
    assert_eq!(stats.notifications, 1);
}

#[tokio::test(start_paused = true)]
async fn heartbeats_can_be_stream_items_as_received_and_in_order() {
    let sim = sim().await;
    let info = channel(&sim);
    let t0 = Instant::now();
    let mut ch = ConnectOptions::new()
        .heartbeats(true)
        .connect(&info.connect_uri, [TOPIC])
        .await
        .unwrap();
    sim.publish(TOPIC, json!({"i": 1}));
    settle().await; // the simulator writes faults ahead of queued notifications
    let odd = r#"{ "topicName" : "channel.metadata", "version": 2, "eventBody": {"message": "WebSocket Heartbeat"} }"#;
    sim.fault(&info.id, Fault::RawText(odd.into())).unwrap();
    settle().await;
    sim.publish(TOPIC, json!({"i": 2}));

    assert_eq!(body_i(&next_note(&mut ch).await), 1);
    let hb = next_note(&mut ch).await;
    assert_eq!(hb.topic(), "channel.metadata");
    assert_eq!(hb.raw(), odd, "the frame exactly as received");
    assert_eq!(hb.version(), Some("2"));
    assert_eq!(hb.body_raw(), r#"{"message": "WebSocket Heartbeat"}"#);
    assert_eq!(body_i(&next_note(&mut ch).await), 2);
    // The simulator's own heartbeat, 30 s after the connection.
    let hb = next_note(&mut ch).await;
    assert_eq!(Instant::now() - t0, Duration::from_secs(30));
    assert_eq!(hb.topic(), "channel.metadata");
    let v: serde_json::Value = serde_json::from_str(hb.raw()).unwrap();
    assert_eq!(
        v,
        json!({"topicName": "channel.metadata", "eventBody": {"message": "WebSocket Heartbeat"}})
    );
    let stats = ch.stats();
    assert_eq!((stats.heartbeats, stats.notifications), (2, 2));
}

#[tokio::test(start_paused = true)]
async fn ping_measures_the_round_trip_and_times_out_exactly() {
    let sim = sim().await;
    let info = channel(&sim);
    let ch = ConnectOptions::new()
        .ping_timeout(Duration::from_secs(4))
        .connect(&info.connect_uri, [TOPIC])
        .await
        .unwrap();
    let rtt = ch.ping().await.unwrap();
    assert!(rtt < Duration::from_millis(10), "{rtt:?}");
    let handle = ch.handle();
    assert!(handle.ping().await.is_ok(), "the handle pings too");

    sim.fault(
        &info.id,
        Fault::Stall {
            duration: Duration::from_secs(30),
        },
    )
    .unwrap();
    let t0 = Instant::now();
    let e = ch.ping().await.unwrap_err();
    assert_eq!(Instant::now() - t0, Duration::from_secs(4));
    assert_eq!(e.reason(), Reason::Timeout);
    assert!(!e.is_fatal());
    assert_eq!(
        ch.state(),
        State::Open,
        "a late pong does not end the channel"
    );
}

#[tokio::test(start_paused = true)]
async fn close_ends_the_stream_and_drop_closes_the_socket() {
    let sim = sim().await;
    let info = channel(&sim);
    let mut ch = connect(&info.connect_uri, [TOPIC]).await.unwrap();
    let handle = ch.handle();
    ch.close().await;
    assert_eq!(handle.state(), State::Closed);
    assert!(ch.next().await.is_none(), "the stream ended");
    settle().await;
    assert!(!sim.stats().channel(&info.id).unwrap().connected);
    let e = handle.ping().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Closed);

    let info2 = channel(&sim);
    let ch2 = connect(&info2.connect_uri, [TOPIC]).await.unwrap();
    let handle2 = ch2.handle();
    assert!(sim.stats().channel(&info2.id).unwrap().connected);
    drop(ch2);
    handle2
        .wait_for_state(|s| s == State::Closed)
        .await
        .expect("closed");
    settle().await;
    assert!(!sim.stats().channel(&info2.id).unwrap().connected);
}

/// Closing waits for the service's answer to the close frame at most `close_timeout`
/// (here the answer is held up, as behind a long queue); the close frame is sent whatever
/// the timeout, and the stream still ends after what was buffered.
#[tokio::test(start_paused = true)]
async fn close_waits_for_the_answer_at_most_the_close_timeout() {
    let cases = [
        (ConnectOptions::new(), Duration::from_secs(1)),
        (
            ConnectOptions::new().close_timeout(Duration::from_millis(250)),
            Duration::from_millis(250),
        ),
        (
            ConnectOptions::new().close_timeout(Duration::ZERO),
            Duration::ZERO,
        ),
    ];
    for (options, waited) in cases {
        let sim = sim().await;
        let info = channel(&sim);
        let proxy = Proxy::start(Mode::Holdable(sim.addr())).await;
        let mut ch = options
            .clone()
            .connect(&proxy.uri(&info), [TOPIC])
            .await
            .unwrap();
        sim.publish(TOPIC, json!({"i": 1}));
        sim.publish(TOPIC, json!({"i": 2}));
        let t0 = std::time::Instant::now();
        let v0 = Instant::now();
        tokio::time::timeout(Duration::from_secs(500), async {
            while ch.buffered_len() < 2 {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        })
        .await
        .expect("both notifications buffered");
        eprintln!("real {:?} virtual {:?}", t0.elapsed(), v0.elapsed());
        proxy.hold(true);
        sim.publish(TOPIC, json!({"i": 3}));

        let start = Instant::now();
        ch.close().await;
        assert_eq!(start.elapsed(), waited, "{options:?}");
        settle().await; // the proxy reads what the client sent
        let sent = proxy.sent_while_held();
        assert_eq!(
            sent.first().map(|b| b & 0x0f),
            Some(0x8),
            "a close frame went out ({options:?})"
        );
        assert_eq!(body_i(&next_note(&mut ch).await), 1);
        assert_eq!(body_i(&next_note(&mut ch).await), 2);
        assert!(ch.next().await.is_none(), "the stream ended");
        settle().await;
        assert!(!sim.stats().channel(&info.id).unwrap().connected);
    }
}

/// A service that answers the close at once is not waited for.
#[tokio::test(start_paused = true)]
async fn close_answered_at_once_takes_no_time() {
    let sim = sim().await;
    let info = channel(&sim);
    let ch = connect(&info.connect_uri, [TOPIC]).await.unwrap();
    let start = Instant::now();
    ch.close().await;
    assert_eq!(start.elapsed(), Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn malformed_and_binary_frames_are_reported_and_the_stream_goes_on() {
    let sim = sim().await;
    let info = channel(&sim);
    let mut ch = connect(&info.connect_uri, [TOPIC]).await.unwrap();
    sim.publish(TOPIC, json!({"i": 1}));
    settle().await; // the simulator writes faults ahead of queued notifications
    sim.fault(&info.id, Fault::RawText("not json {".into()))
        .unwrap();
    sim.fault(&info.id, Fault::RawText(r#"{"topicName":""}"#.into()))
        .unwrap();
    sim.fault(&info.id, Fault::RawBinary(vec![0, 159, 146, 150]))
        .unwrap();
    sim.publish(TOPIC, json!({"i": 2}));

    assert_eq!(body_i(&next_note(&mut ch).await), 1);
    let e = next_err(&mut ch).await;
    assert_eq!(
        (e.kind(), e.reason()),
        (ErrorKind::Receive, Reason::InvalidMessage)
    );
    assert!(!e.is_fatal());
    assert_eq!(e.raw_text(), Some("not json {"));
    assert!(
        e.message()
            .is_some_and(|m| m.starts_with("not a notification envelope: ")),
        "{e:?}"
    );
    let e = next_err(&mut ch).await;
    assert_eq!(e.raw_text(), Some(r#"{"topicName":""}"#));
    let e = next_err(&mut ch).await;
    assert_eq!(e.reason(), Reason::InvalidMessage);
    assert_eq!(e.raw_frame(), Some(&[0u8, 159, 146, 150][..]));
    assert_eq!(body_i(&next_note(&mut ch).await), 2);
    assert_eq!(ch.stats().malformed, 3);
    assert_eq!(sim.stats().channel(&info.id).unwrap().connections, 1);
}

#[tokio::test(start_paused = true)]
async fn oversized_frame_is_reported_then_the_channel_recovers_without_losing_silently() {
    let sim = sim().await;
    let info = channel(&sim);
    let mut ch = ConnectOptions::new()
        .max_message_size(64 * 1024)
        .connect(&info.connect_uri, [TOPIC])
        .await
        .unwrap();
    let mut events = ch.events();
    sim.publish(TOPIC, json!({"i": 1}));
    settle().await; // the simulator writes faults ahead of queued notifications
    sim.fault(&info.id, Fault::Oversize { bytes: 100 * 1024 })
        .unwrap();
    let published_at = Instant::now();
    sim.publish(TOPIC, json!({"i": 2})); // behind the oversized frame: lost with the socket
    wait_event(&mut events, |e| matches!(e, Event::Reconnected { .. })).await;
    sim.publish(TOPIC, json!({"i": 3}));

    assert_eq!(body_i(&next_note(&mut ch).await), 1);
    let e = next_err(&mut ch).await;
    assert_eq!(
        (e.kind(), e.reason()),
        (ErrorKind::Receive, Reason::MessageTooLarge)
    );
    assert!(!e.is_fatal());
    let mut got2 = false;
    let mut gap = None;
    loop {
        match next(&mut ch).await {
            Ok(n) if body_i(&n) == 2 => got2 = true,
            Ok(n) => {
                assert_eq!(body_i(&n), 3);
                break;
            }
            Err(e) if e.is_gap() => gap = e.gap_window().cloned(),
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
    let gap = gap.expect("a gap is reported for the reconnection");
    assert!(
        got2 || gap.contains(published_at),
        "notification 2 is received or in the gap"
    );
    assert_eq!(gap.topics, vec![TOPIC]);
}

#[tokio::test(start_paused = true)]
async fn slow_consumer_lags_explicitly_while_heartbeats_keep_being_read() {
    for overflow in [Overflow::DropNewest, Overflow::DropOldest] {
        let sim = sim().await;
        let info = channel(&sim);
        let mut ch = ConnectOptions::new()
            .buffer(4)
            .overflow(overflow)
            .connect(&info.connect_uri, [TOPIC])
            .await
            .unwrap();
        let t0 = Instant::now();
        for i in 0..10 {
            sim.publish(TOPIC, json!({ "i": i }));
        }
        // Nobody reads the stream for 10 minutes: the socket is still read (heartbeats
        // counted, watchdog quiet), the buffer stays bounded.
        tokio::time::sleep(Duration::from_secs(610)).await;
        let stats = ch.stats();
        assert_eq!(stats.heartbeats, 20);
        assert_eq!(stats.last_heartbeat, Some(t0 + Duration::from_secs(600)));
        assert_eq!(stats.dropped, 6);
        assert_eq!(ch.buffered_len(), 4);
        assert_eq!(ch.state(), State::Open);
        assert_eq!(sim.stats().channel(&info.id).unwrap().connections, 1);
        let mut seen = Vec::new();
        for _ in 0..5 {
            match next(&mut ch).await {
                Ok(n) => seen.push(format!("{}", body_i(&n))),
                Err(e) => {
                    assert!(e.is_lagged() && !e.is_fatal());
                    seen.push(format!("lagged {}", e.dropped().unwrap()));
                }
            }
        }
        let expected = match overflow {
            Overflow::DropNewest => ["0", "1", "2", "3", "lagged 6"],
            _ => ["lagged 6", "6", "7", "8", "9"],
        };
        assert_eq!(seen, expected, "{overflow:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn tls_with_an_extra_root_or_a_custom_config_and_a_clear_error_otherwise() {
    let cert =
        rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()]).unwrap();
    let sim = sim_with(SimConfig {
        tls: Some(TlsConfig {
            cert_pem: cert.cert.pem().into_bytes(),
            key_pem: cert.signing_key.serialize_pem().into_bytes(),
        }),
        ..SimConfig::default()
    })
    .await;
    let info = channel(&sim);
    assert!(
        info.connect_uri.starts_with("wss://"),
        "{}",
        info.connect_uri
    );

    let e = connect(&info.connect_uri, [TOPIC]).await.unwrap_err();
    assert_eq!((e.kind(), e.reason()), (ErrorKind::Connection, Reason::Tls));

    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert.cert.der().clone()).unwrap();
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let mut ch = ConnectOptions::new()
        .tls_config(Arc::new(config))
        .connect(&info.connect_uri, [TOPIC])
        .await
        .unwrap();
    sim.publish(TOPIC, json!({"i": 1}));
    assert_eq!(body_i(&next_note(&mut ch).await), 1);
    ch.close().await;

    let ch = ConnectOptions::new()
        .add_root_certificate_der(cert.cert.der().to_vec())
        .connect(&info.connect_uri, [TOPIC])
        .await;
    assert!(ch.is_ok(), "{ch:?}");
}

#[tokio::test(start_paused = true)]
async fn runtime_subscribe_adds_topics() {
    let sim = sim().await;
    let info = channel(&sim);
    let mut ch = connect(&info.connect_uri, [TOPIC]).await.unwrap();
    assert_eq!(sim.publish("v2.users.u9.presence", json!({"i": 1})), 0);
    ch.subscribe(["v2.users.u9.presence"]).await.unwrap();
    assert_eq!(ch.topics(), vec![TOPIC, "v2.users.u9.presence"]);
    assert_eq!(sim.publish("v2.users.u9.presence", json!({"i": 2})), 1);
    assert_eq!(body_i(&next_note(&mut ch).await), 2);
    let e = ch.subscribe([""]).await.unwrap_err();
    assert_eq!(e.reason(), Reason::InvalidTopic);
    assert!(!e.is_fatal());
    let _ = ReconnectPolicy::default();
}

/// The next event, which must come (paused time: only a bug makes this wait).
async fn next_event(events: &mut genesys_notifications::Events) -> Option<Event> {
    tokio::time::timeout(Duration::from_secs(3600), events.next())
        .await
        .expect("an event or the end within an hour")
}

#[tokio::test(start_paused = true)]
async fn the_start_is_observable_with_events_from_start() {
    let sim = sim().await;
    let info = channel(&sim);
    let ch = connect(&info.connect_uri, [TOPIC, "v2.users.u2.presence"])
        .await
        .unwrap();
    let mut live = ch.events();
    let mut from_start = ch.events_from_start();
    sim.fault(&info.id, Fault::Drop).unwrap();
    assert_eq!(next_event(&mut from_start).await, Some(Event::Connected));
    assert_eq!(
        next_event(&mut from_start).await,
        Some(Event::Subscribed { topics: 2 })
    );
    // Then live, as `events()`, which starts at the drop.
    let disconnected = Some(Event::Disconnected {
        reason: Reason::ConnectionClosed,
    });
    assert_eq!(next_event(&mut from_start).await, disconnected);
    assert_eq!(next_event(&mut live).await, disconnected);
    ch.close().await;
    // After the close: the start, then the end.
    let mut after = ch.events_from_start();
    assert_eq!(next_event(&mut after).await, Some(Event::Connected));
    assert_eq!(
        next_event(&mut after).await,
        Some(Event::Subscribed { topics: 2 })
    );
    assert_eq!(next_event(&mut after).await, None);
    assert_eq!(next_event(&mut ch.events()).await, None);
}
