//! WebSocket behaviour over real loopback sockets, timers under paused time.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use futures_util::StreamExt;
use genesys_sim::{ExpiryBehaviour, ExtendOn, Fault, SimConfig};
use reqwest::Method;
use serde_json::json;
use support::*;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

const S: Duration = Duration::from_secs(1);

#[tokio::test(start_paused = true)]
async fn delivers_envelopes_for_combined_topics_under_expanded_names() {
    let sim = start(SimConfig::default()).await;
    let token = token(&sim).await;
    let channel = create_channel(&sim, &token).await;
    let (status, _) = subscribe(
        &sim,
        &token,
        Method::PUT,
        &id(&channel),
        &["v2.users.u1?presence&routingStatus"],
        "",
    )
    .await;
    assert_eq!(status, 200);
    let mut ws = connect(&sim, &uri(&channel)).await;
    assert_eq!(
        sim.publish("v2.users.u1.routingStatus", json!({"id": "u1"})),
        1
    );
    assert_eq!(
        sim.publish("v2.users.u2.routingStatus", json!({"id": "u2"})),
        0
    );
    let event = recv_json(&mut ws).await;
    assert_eq!(event["topicName"], "v2.users.u1.routingStatus");
    assert_eq!(event["version"], "2");
    assert_eq!(event["eventBody"], json!({"id": "u1"}));
    assert_eq!(
        event["metadata"]["CorrelationId"].as_str().unwrap().len(),
        36
    );
    let stats = sim.stats();
    let ch = stats.channel(&id(&channel)).unwrap();
    assert_eq!(
        (ch.delivered, ch.lost, ch.connected, ch.connections),
        (1, 0, true, 1)
    );
}

#[tokio::test(start_paused = true)]
async fn events_without_an_open_socket_are_lost_and_counted() {
    let sim = start(SimConfig::default()).await;
    let channel = sim.create_channel("demo-client");
    let mut ws = connect(&sim, &channel.connect_uri).await;
    send_json(&mut ws, json!({"message": "subscribe", "topics": ["a.b"]})).await;
    assert_eq!(
        recv_json(&mut ws).await,
        json!({"result": "200", "status": "subscribed"})
    );
    ws.close(None).await.unwrap();
    while ws.next().await.is_some() {}
    // Let the simulator notice the close.
    tokio::time::sleep(Duration::from_millis(1)).await;
    assert_eq!(sim.publish("a.b", json!({})), 0);
    assert_eq!(sim.publish("a.b", json!({})), 0);
    let stats = sim.stats();
    let ch = stats.channel(&channel.id).unwrap();
    assert!(!ch.connected);
    assert_eq!((ch.delivered, ch.lost), (0, 2));
    // Reconnecting to the same channel keeps its subscriptions.
    let mut ws = connect(&sim, &channel.connect_uri).await;
    assert_eq!(sim.publish("a.b", json!({"n": 3})), 1);
    assert_eq!(recv_json(&mut ws).await["eventBody"]["n"], 3);
}

#[tokio::test(start_paused = true)]
async fn heartbeats_arrive_exactly_every_interval() {
    let sim = start(SimConfig {
        heartbeat_interval: 30 * S,
        ..SimConfig::default()
    })
    .await;
    let channel = sim.create_channel("demo-client");
    let t0 = Instant::now();
    let mut ws = connect(&sim, &channel.connect_uri).await;
    for n in 1..=4u32 {
        let v = recv_json(&mut ws).await;
        assert_eq!(
            v,
            json!({"topicName": "channel.metadata", "eventBody": {"message": "WebSocket Heartbeat"}})
        );
        assert_eq!(t0.elapsed(), 30 * S * n);
    }
}

#[tokio::test(start_paused = true)]
async fn ping_is_answered_with_pong_on_channel_metadata() {
    let mut config = SimConfig::default();
    config.protocol.metadata_full_envelope = true;
    config.protocol.pong_message = "PONG".to_owned();
    let sim = start(config).await;
    let channel = sim.create_channel("demo-client");
    let mut ws = connect(&sim, &channel.connect_uri).await;
    let t0 = Instant::now();
    send_json(&mut ws, json!({"message": "ping"})).await;
    let pong = recv_json(&mut ws).await;
    assert_eq!(t0.elapsed(), Duration::ZERO);
    assert_eq!(pong["topicName"], "channel.metadata");
    assert_eq!(pong["eventBody"], json!({"message": "PONG"}));
    assert_eq!(pong["version"], "2");
    assert!(pong["metadata"]["CorrelationId"].is_string());
}

#[tokio::test(start_paused = true)]
async fn socket_subscribe_message_results_and_options() {
    let mut config = SimConfig {
        max_topics: 2,
        ..SimConfig::default()
    };
    config.protocol.echo_correlation_id = true;
    let sim = start(config).await;
    let channel = sim.create_channel("demo-client");
    let mut ws = connect(&sim, &channel.connect_uri).await;
    send_json(&mut ws, json!({"message": "subscribe", "topics": ["v2.users.u?presence&activity"], "correlationId": "k1"})).await;
    assert_eq!(
        recv_json(&mut ws).await,
        json!({"result": "200", "status": "subscribed", "correlationId": "k1"})
    );
    send_json(
        &mut ws,
        json!({"message": "subscribe", "topics": ["x.y"], "correlationId": "k2"}),
    )
    .await;
    let failure = recv_json(&mut ws).await;
    assert_eq!(failure["result"], "400");
    assert_eq!(failure["status"], "failure");
    assert_eq!(failure["correlationId"], "k2");
    assert!(
        failure["message"]
            .as_str()
            .unwrap()
            .contains("too many topics")
    );
    send_json(&mut ws, json!({"message": "subscribe", "topics": "nope"})).await;
    assert_eq!(recv_json(&mut ws).await["status"], "error");
    let stats = sim.stats();
    let ch = stats.channel(&channel.id).unwrap();
    assert_eq!(
        ch.topics,
        vec!["v2.users.u.activity", "v2.users.u.presence"]
    );
    // The malformed message never reached the channel.
    assert_eq!(ch.subscribe_requests.ws, 2);
}

#[tokio::test(start_paused = true)]
async fn socket_subscribe_can_be_switched_off() {
    let mut config = SimConfig {
        ws_subscribe: false,
        ..SimConfig::default()
    };
    config.protocol.reply_to_invalid_frames = true;
    let sim = start(config).await;
    let channel = sim.create_channel("demo-client");
    let mut ws = connect(&sim, &channel.connect_uri).await;
    send_json(&mut ws, json!({"message": "subscribe", "topics": ["a.b"]})).await;
    let reply = recv_json(&mut ws).await;
    assert_eq!(
        (reply["result"].as_str(), reply["status"].as_str()),
        (Some("400"), Some("error"))
    );
    assert!(sim.stats().channels[0].topics.is_empty());
}

#[tokio::test(start_paused = true)]
async fn unknown_frames_are_ignored_by_default() {
    let sim = start(SimConfig {
        heartbeat_interval: 10 * S,
        ..SimConfig::default()
    })
    .await;
    let channel = sim.create_channel("demo-client");
    let mut ws = connect(&sim, &channel.connect_uri).await;
    let t0 = Instant::now();
    ws.send_text("2026-11-28 07:00:00 +0000 UTC").await;
    // The next frame is the heartbeat, not a reply.
    assert!(is_heartbeat(&recv_json(&mut ws).await));
    assert_eq!(t0.elapsed(), 10 * S);
}

trait SendText {
    async fn send_text(&mut self, text: &str);
}

impl SendText for Ws {
    async fn send_text(&mut self, text: &str) {
        futures_util::SinkExt::send(self, Message::text(text))
            .await
            .unwrap();
    }
}

#[tokio::test(start_paused = true)]
async fn a_second_socket_kicks_the_first() {
    let mut config = SimConfig::default();
    config.protocol.close_codes.kicked = 4001;
    let sim = start(config).await;
    let channel = sim.create_channel("demo-client");
    let mut first = connect(&sim, &channel.connect_uri).await;
    let mut second = connect(&sim, &channel.connect_uri).await;
    let close = recv_close(&mut first).await;
    assert_eq!(u16::from(close.code), 4001);
    send_json(&mut second, json!({"message": "ping"})).await;
    assert_eq!(recv_json(&mut second).await["eventBody"]["message"], "pong");
    let ch = sim.stats().channels[0].clone();
    assert_eq!((ch.connected, ch.connections), (true, 2));
}

#[tokio::test(start_paused = true)]
async fn channel_expires_exactly_at_its_lifetime_and_closes_the_socket() {
    let sim = start(SimConfig {
        channel_lifetime: 3600 * S,
        heartbeat_interval: 7200 * S,
        ..SimConfig::default()
    })
    .await;
    let t0 = Instant::now();
    let channel = sim.create_channel("demo-client");
    let mut ws = connect(&sim, &channel.connect_uri).await;
    let close = recv_close(&mut ws).await;
    assert_eq!(t0.elapsed(), 3600 * S);
    assert_eq!(u16::from(close.code), 1000);
    assert_eq!(refused_status(&sim, &channel.connect_uri).await, 404);
    assert!(sim.stats().channels.is_empty());
}

#[tokio::test(start_paused = true)]
async fn rest_and_socket_subscriptions_extend_the_lifetime() {
    let sim = start(SimConfig {
        channel_lifetime: 100 * S,
        heartbeat_interval: 1000 * S,
        ..SimConfig::default()
    })
    .await;
    let token = token(&sim).await;
    let t0 = Instant::now();
    let channel = create_channel(&sim, &token).await;
    let mut ws = connect(&sim, &uri(&channel)).await;
    tokio::time::sleep(60 * S).await;
    let (status, _) = subscribe(&sim, &token, Method::POST, &id(&channel), &["a.b"], "").await;
    assert_eq!(status, 200); // expires now t0 + 160 s
    tokio::time::sleep(60 * S).await;
    subscribe_socket(&mut ws, &["c.d"]).await; // expires now t0 + 220 s
    let expires = sim.stats().channels[0].expires.clone();
    let close = recv_close(&mut ws).await;
    assert_eq!(t0.elapsed(), 220 * S);
    assert_eq!(u16::from(close.code), 1000);
    // `expires` was reported as creation + 220 s of virtual time.
    let created = humantime::parse_rfc3339(channel["expires"].as_str().unwrap()).unwrap() - 100 * S;
    assert_eq!(
        humantime::parse_rfc3339(&expires).unwrap(),
        created + 220 * S
    );
}

#[tokio::test(start_paused = true)]
async fn extension_can_be_limited_to_rest() {
    let mut config = SimConfig {
        channel_lifetime: 100 * S,
        heartbeat_interval: 1000 * S,
        ..SimConfig::default()
    };
    config.protocol.extend_on = ExtendOn::Rest;
    let sim = start(config).await;
    let t0 = Instant::now();
    let channel = sim.create_channel("demo-client");
    let mut ws = connect(&sim, &channel.connect_uri).await;
    tokio::time::sleep(50 * S).await;
    subscribe_socket(&mut ws, &["c.d"]).await;
    recv_close(&mut ws).await;
    assert_eq!(t0.elapsed(), 100 * S);
}

#[tokio::test(start_paused = true)]
async fn expiry_notice_and_not_found_frame_are_options() {
    let mut config = SimConfig {
        channel_lifetime: 10 * S,
        heartbeat_interval: 1000 * S,
        ..SimConfig::default()
    };
    config.protocol.expiry = ExpiryBehaviour::NoticeThenClose;
    config.protocol.not_found_frame = true;
    config.protocol.close_codes.expired = 4008;
    let sim = start(config).await;
    let channel = sim.create_channel("demo-client");
    let mut ws = connect(&sim, &channel.connect_uri).await;
    let notice = recv_json(&mut ws).await;
    assert_eq!(
        notice["topicName"],
        format!("v2.system.no_longer_subscribed.{}", channel.id)
    );
    assert_eq!(notice["eventBody"]["channelId"], channel.id.as_str());
    let not_found = recv_json(&mut ws).await;
    assert_eq!(not_found["result"], "404");
    assert_eq!(u16::from(recv_close(&mut ws).await.code), 4008);
}

#[tokio::test(start_paused = true)]
async fn silent_expiry_keeps_the_socket_but_not_the_channel() {
    let mut config = SimConfig {
        channel_lifetime: 10 * S,
        heartbeat_interval: 30 * S,
        ..SimConfig::default()
    };
    config.protocol.expiry = ExpiryBehaviour::Silent;
    let sim = start(config).await;
    let t0 = Instant::now();
    let channel = sim.create_channel("demo-client");
    let mut ws = connect(&sim, &channel.connect_uri).await;
    assert!(is_heartbeat(&recv_json(&mut ws).await));
    assert_eq!(t0.elapsed(), 30 * S);
    assert!(sim.stats().channels.is_empty());
    assert_eq!(refused_status(&sim, &channel.connect_uri).await, 404);
}

#[tokio::test(start_paused = true)]
async fn socket_closing_then_close_after_the_grace_period() {
    let sim = start(SimConfig {
        socket_closing_grace: 60 * S,
        heartbeat_interval: 25 * S,
        ..SimConfig::default()
    })
    .await;
    let channel = sim.create_channel("demo-client");
    let mut ws = connect(&sim, &channel.connect_uri).await;
    let t0 = Instant::now();
    sim.fault(&channel.id, Fault::SocketClosing).unwrap();
    let closing = recv_json(&mut ws).await;
    assert_eq!(closing["topicName"], "v2.system.socket_closing");
    assert_eq!(closing["eventBody"]["channelId"], channel.id.as_str());
    assert!(closing["eventBody"]["reason"].is_string());
    assert!(closing["eventBody"]["message"].is_string());
    // Heartbeats continue during the grace period.
    assert!(is_heartbeat(&recv_json(&mut ws).await));
    assert!(is_heartbeat(&recv_json(&mut ws).await));
    let close = recv_close(&mut ws).await;
    assert_eq!(t0.elapsed(), 60 * S);
    assert_eq!(u16::from(close.code), 1001);
    // The channel survives maintenance.
    let mut again = connect(&sim, &channel.connect_uri).await;
    send_json(&mut again, json!({"message": "ping"})).await;
    assert_eq!(recv_json(&mut again).await["eventBody"]["message"], "pong");
}

#[tokio::test(start_paused = true)]
async fn socket_closing_body_values_are_configurable() {
    let mut config = SimConfig::default();
    config.protocol.socket_closing_body = json!({
        "reason": "REBALANCE",
        "systemTopicType": "v2.system.socket_closing",
        "data": {"graceSeconds": "60"},
        "message": null,
    })
    .as_object()
    .cloned()
    .unwrap();
    let sim = start(config).await;
    let channel = sim.create_channel("demo-client");
    let mut ws = connect(&sim, &channel.connect_uri).await;
    sim.fault(&channel.id, Fault::SocketClosing).unwrap();
    let closing = recv_json(&mut ws).await;
    assert_eq!(closing["topicName"], "v2.system.socket_closing");
    let body = closing["eventBody"].as_object().unwrap();
    assert_eq!(body["reason"], "REBALANCE");
    assert_eq!(body["systemTopicType"], "v2.system.socket_closing");
    assert_eq!(body["data"], json!({"graceSeconds": "60"}));
    assert!(
        !body.contains_key("message"),
        "null removes a key: {body:?}"
    );
    // Keys not overridden keep their default values.
    assert_eq!(body["channelId"], channel.id.as_str());
    assert!(body["correlationId"].is_string());
}

#[tokio::test(start_paused = true)]
async fn unknown_channels_refuse_the_handshake() {
    let sim = start(SimConfig::default()).await;
    let uri = format!("ws://{}/channels/streaming-0-nope", sim.addr());
    assert_eq!(refused_status(&sim, &uri).await, 404);
}

#[tokio::test(start_paused = true)]
async fn drop_fault_closes_tcp_without_a_close_frame() {
    let sim = start(SimConfig::default()).await;
    let channel = sim.create_channel("demo-client");
    let mut ws = connect(&sim, &channel.connect_uri).await;
    sim.fault(&channel.id, Fault::Drop).unwrap();
    match ws.next().await {
        Some(Err(e)) => assert!(e.to_string().contains("closing handshake"), "{e}"),
        other => panic!("expected a reset without close frame, got {other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn stall_silences_everything_and_loses_events() {
    let sim = start(SimConfig {
        heartbeat_interval: 10 * S,
        ..SimConfig::default()
    })
    .await;
    let channel = sim.create_channel("demo-client");
    let t0 = Instant::now();
    let mut ws = connect(&sim, &channel.connect_uri).await;
    subscribe_socket(&mut ws, &["a.b"]).await;
    sim.fault(&channel.id, Fault::Stall { duration: 35 * S })
        .unwrap();
    assert_eq!(sim.publish("a.b", json!({"n": 1})), 0);
    send_json(&mut ws, json!({"message": "ping"})).await;
    // Heartbeats at 10, 20, 30 s are swallowed; the next one is at 40 s.
    let next = recv_json(&mut ws).await;
    assert!(is_heartbeat(&next), "{next}");
    assert_eq!(t0.elapsed(), 40 * S);
    assert_eq!(sim.publish("a.b", json!({"n": 2})), 1);
    assert_eq!(recv_json(&mut ws).await["eventBody"]["n"], 2);
    let ch = sim.stats().channels[0].clone();
    assert_eq!((ch.delivered, ch.lost), (1, 1));
}

#[tokio::test(start_paused = true)]
async fn raw_and_oversize_frames() {
    let sim = start(SimConfig::default()).await;
    let channel = sim.create_channel("demo-client");
    let mut ws = connect(&sim, &channel.connect_uri).await;
    sim.fault(&channel.id, Fault::RawText("not json {".to_owned()))
        .unwrap();
    sim.fault(&channel.id, Fault::RawBinary(vec![0, 159, 146, 150]))
        .unwrap();
    sim.fault(&channel.id, Fault::Oversize { bytes: 100_000 })
        .unwrap();
    assert_eq!(recv(&mut ws).await, Message::text("not json {"));
    assert_eq!(recv(&mut ws).await, Message::binary(vec![0, 159, 146, 150]));
    match recv(&mut ws).await {
        Message::Text(text) => {
            assert_eq!(text.len(), 100_000);
            let v: serde_json::Value = serde_json::from_str(text.as_str()).unwrap();
            assert_eq!(v["topicName"], "v2.sim.oversize");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn socket_faults_need_a_socket_and_a_channel() {
    let sim = start(SimConfig::default()).await;
    let channel = sim.create_channel("demo-client");
    for fault in [
        Fault::Drop,
        Fault::Kick,
        Fault::SocketClosing,
        Fault::Stall { duration: S },
        Fault::RawText(String::new()),
        Fault::RawBinary(Vec::new()),
        Fault::Oversize { bytes: 10 },
    ] {
        let err = sim.fault(&channel.id, fault).unwrap_err();
        assert!(
            matches!(err, genesys_sim::SimError::NotConnected(_)),
            "{err}"
        );
    }
    let err = sim.fault("streaming-0-nope", Fault::Expire).unwrap_err();
    assert!(matches!(err, genesys_sim::SimError::UnknownChannel(_)));
}

#[tokio::test(start_paused = true)]
async fn kick_evict_and_expire_faults() {
    let mut config = SimConfig::default();
    config.protocol.close_codes.kicked = 4001;
    config.protocol.close_codes.evicted = 4002;
    config.protocol.close_codes.expired = 4003;
    let sim = start(config).await;
    let a = sim.create_channel("demo-client");
    let mut ws = connect(&sim, &a.connect_uri).await;
    sim.fault(&a.id, Fault::Kick).unwrap();
    assert_eq!(u16::from(recv_close(&mut ws).await.code), 4001);
    assert!(!sim.stats().channels[0].connected);

    let mut ws = connect(&sim, &a.connect_uri).await;
    sim.fault(&a.id, Fault::Evict).unwrap();
    assert_eq!(u16::from(recv_close(&mut ws).await.code), 4002);
    assert_eq!(refused_status(&sim, &a.connect_uri).await, 404);

    let b = sim.create_channel("demo-client");
    let mut ws = connect(&sim, &b.connect_uri).await;
    sim.fault(&b.id, Fault::Expire).unwrap();
    assert_eq!(u16::from(recv_close(&mut ws).await.code), 4003);
    assert_eq!(refused_status(&sim, &b.connect_uri).await, 404);
}

#[tokio::test(start_paused = true)]
async fn reject_next_subscribe_fails_exactly_one_request() {
    let sim = start(SimConfig::default()).await;
    let token = token(&sim).await;
    let channel = create_channel(&sim, &token).await;
    let mut ws = connect(&sim, &uri(&channel)).await;
    sim.fault(&id(&channel), Fault::RejectNextSubscribe)
        .unwrap();
    send_json(&mut ws, json!({"message": "subscribe", "topics": ["a.b"]})).await;
    assert_eq!(recv_json(&mut ws).await["result"], "400");
    subscribe_socket(&mut ws, &["a.b"]).await;
    sim.fault(&id(&channel), Fault::RejectNextSubscribe)
        .unwrap();
    let (status, body) = subscribe(&sim, &token, Method::PUT, &id(&channel), &["c.d"], "").await;
    assert_eq!(status, 400);
    assert_eq!(body["status"], 400);
    let (status, _) = subscribe(&sim, &token, Method::PUT, &id(&channel), &["c.d"], "").await;
    assert_eq!(status, 200);
}

#[tokio::test(start_paused = true)]
async fn refuse_connections_for_a_duration() {
    let sim = start(SimConfig::default()).await;
    let channel = sim.create_channel("demo-client");
    sim.fault(&channel.id, Fault::RefuseConnections { duration: 10 * S })
        .unwrap();
    assert_eq!(refused_status(&sim, &channel.connect_uri).await, 503);
    tokio::time::sleep(10 * S - Duration::from_millis(1)).await;
    assert_eq!(refused_status(&sim, &channel.connect_uri).await, 503);
    tokio::time::sleep(Duration::from_millis(1)).await;
    connect(&sim, &channel.connect_uri).await;
}

#[tokio::test(start_paused = true)]
async fn no_longer_subscribed_drops_subscriptions_and_tells_the_socket() {
    let sim = start(SimConfig::default()).await;
    let channel = sim.create_channel("demo-client");
    let mut ws = connect(&sim, &channel.connect_uri).await;
    subscribe_socket(&mut ws, &["a.b"]).await;
    sim.fault(&channel.id, Fault::NoLongerSubscribed).unwrap();
    let notice = recv_json(&mut ws).await;
    assert_eq!(
        notice["topicName"],
        format!("v2.system.no_longer_subscribed.{}", channel.id)
    );
    assert_eq!(sim.publish("a.b", json!({})), 0);
    assert!(sim.stats().channels[0].topics.is_empty());
}

#[tokio::test(start_paused = true)]
async fn shutdown_closes_sockets_with_going_away() {
    let sim = start(SimConfig::default()).await;
    let channel = sim.create_channel("demo-client");
    let mut ws = connect(&sim, &channel.connect_uri).await;
    drop(sim);
    assert_eq!(u16::from(recv_close(&mut ws).await.code), 1001);
}

#[tokio::test(start_paused = true)]
async fn slow_consumers_lose_events_instead_of_blocking_the_publisher() {
    let sim = start(SimConfig {
        socket_queue_capacity: 8,
        ..SimConfig::default()
    })
    .await;
    let channel = sim.create_channel("demo-client");
    let mut ws = connect(&sim, &channel.connect_uri).await;
    subscribe_socket(&mut ws, &["a.b"]).await;
    let frame = sim.envelope("a.b", &json!({"n": 0}));
    // Without yielding, the socket task cannot drain: only 8 fit.
    let queued = sim.publish_raw_batch("a.b", std::iter::repeat_n(&frame, 20));
    assert_eq!(queued, 8);
    for _ in 0..8 {
        assert_eq!(recv_json(&mut ws).await["eventBody"]["n"], 0);
    }
    let ch = sim.stats().channels[0].clone();
    assert_eq!((ch.delivered, ch.lost), (8, 12));
    assert_eq!(sim.stats().published, 20);
}

#[tokio::test(start_paused = true)]
async fn drop_abandons_a_write_blocked_on_a_client_that_reads_nothing() {
    let sim = start(SimConfig {
        socket_queue_capacity: 4,
        heartbeat_interval: 3600 * S,
        ..SimConfig::default()
    })
    .await;
    let channel = sim.create_channel("demo-client");
    let mut ws = connect(&sim, &channel.connect_uri).await;
    subscribe_socket(&mut ws, &["a.b"]).await;
    // 4 x 8 MiB: far more than the loopback socket buffers hold.
    let big = genesys_sim::Frame::text("x".repeat(8 << 20));
    assert_eq!(
        sim.publish_raw_batch("a.b", std::iter::repeat_n(&big, 4)),
        4
    );
    tokio::time::sleep(Duration::from_millis(1)).await;
    sim.fault(&channel.id, Fault::Drop).unwrap();
    tokio::time::sleep(Duration::from_millis(1)).await;
    let ch = sim.stats().channels[0].clone();
    assert!(!ch.connected);
    // Every frame is accounted for: none was fully written.
    assert_eq!((ch.delivered, ch.lost), (0, 4));
}

#[tokio::test(start_paused = true)]
async fn faults_arrive_after_the_events_published_before_them() {
    let sim = start(SimConfig::default()).await;
    let channel = sim.create_channel("demo-client");
    let mut ws = connect(&sim, &channel.connect_uri).await;
    subscribe_socket(&mut ws, &["a.b"]).await;
    for n in 0..3 {
        assert_eq!(sim.publish("a.b", json!({"n": n})), 1);
    }
    sim.fault(&channel.id, Fault::RawText("garbage".to_owned()))
        .unwrap();
    assert_eq!(sim.publish("a.b", json!({"n": 3})), 1);
    sim.fault(&channel.id, Fault::Expire).unwrap();
    for n in 0..3 {
        assert_eq!(recv_json(&mut ws).await["eventBody"]["n"], n);
    }
    assert_eq!(recv(&mut ws).await, Message::text("garbage"));
    assert_eq!(recv_json(&mut ws).await["eventBody"]["n"], 3);
    assert_eq!(u16::from(recv_close(&mut ws).await.code), 1000);
}

#[tokio::test(start_paused = true)]
async fn unusable_configuration_and_fault_values_are_errors_not_panics() {
    let err = genesys_sim::Simulator::start(SimConfig {
        heartbeat_interval: Duration::ZERO,
        ..SimConfig::default()
    })
    .await
    .unwrap_err();
    assert!(matches!(err, genesys_sim::SimError::Config(_)), "{err}");
    let sim = start(SimConfig::default()).await;
    let channel = sim.create_channel("demo-client");
    let _ws = connect(&sim, &channel.connect_uri).await;
    let err = sim
        .fault(&channel.id, Fault::Oversize { bytes: usize::MAX })
        .unwrap_err();
    assert!(
        matches!(err, genesys_sim::SimError::InvalidFault(_)),
        "{err}"
    );
    sim.fault(
        &channel.id,
        Fault::Stall {
            duration: Duration::MAX,
        },
    )
    .unwrap();
    assert_eq!(sim.publish("a.b", json!({})), 0);
}

/// Once the handshake has succeeded, the socket is registered: an event published right
/// away is delivered, even on a multi-threaded runtime where the socket task may not have
/// started yet.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_socket_is_registered_before_the_handshake_completes() {
    let sim = start(SimConfig::default()).await;
    let channel = sim.create_channel("demo-client");
    for n in 0..20 {
        let mut ws = connect(&sim, &channel.connect_uri).await;
        assert!(sim.stats().channels[0].connected);
        if n == 0 {
            subscribe_socket(&mut ws, &["a.b"]).await;
        }
        assert_eq!(sim.publish("a.b", json!({"n": n})), 1);
        assert_eq!(recv_event(&mut ws).await["eventBody"]["n"], n);
    }
    assert_eq!(sim.stats().channels[0].connections, 20);
}

#[tokio::test(start_paused = true)]
async fn socket_subscribe_to_a_denied_topic_fails_and_changes_nothing() {
    let sim = start(SimConfig {
        denied_topics: vec![genesys_sim::DeniedTopic::new("v2.analytics.*")],
        ..SimConfig::default()
    })
    .await;
    let channel = sim.create_channel("demo-client");
    let mut ws = connect(&sim, &channel.connect_uri).await;
    send_json(&mut ws, json!({"message": "subscribe", "topics": ["v2.users.u.presence", "v2.analytics.queues.q.observations"]})).await;
    let reply = recv_json(&mut ws).await;
    assert_eq!(
        (reply["result"].as_str(), reply["status"].as_str()),
        (Some("400"), Some("failure"))
    );
    assert!(
        reply["message"]
            .as_str()
            .unwrap()
            .contains("v2.analytics.queues.q.observations")
    );
    assert!(
        reply.get("correlationId").is_none(),
        "not echoed by default"
    );
    assert!(sim.stats().channels[0].topics.is_empty());
}

#[tokio::test(start_paused = true)]
async fn heartbeats_can_carry_the_full_envelope() {
    let mut config = SimConfig {
        heartbeat_interval: 5 * S,
        ..SimConfig::default()
    };
    config.protocol.metadata_full_envelope = true;
    let sim = start(config).await;
    let channel = sim.create_channel("demo-client");
    let mut ws = connect(&sim, &channel.connect_uri).await;
    let heartbeat = recv_json(&mut ws).await;
    assert!(is_heartbeat(&heartbeat));
    assert_eq!(heartbeat["version"], "2");
    assert!(heartbeat["metadata"]["CorrelationId"].is_string());
}

#[tokio::test(start_paused = true)]
async fn a_client_that_stops_reading_is_dropped_after_the_write_timeout() {
    let sim = start(SimConfig {
        write_timeout: 10 * S,
        heartbeat_interval: 3600 * S,
        socket_queue_capacity: 4,
        ..SimConfig::default()
    })
    .await;
    let channel = sim.create_channel("demo-client");
    let mut ws = connect(&sim, &channel.connect_uri).await;
    subscribe_socket(&mut ws, &["a.b"]).await;
    let big = genesys_sim::Frame::text("x".repeat(8 << 20));
    assert_eq!(
        sim.publish_raw_batch("a.b", std::iter::repeat_n(&big, 4)),
        4
    );
    tokio::time::sleep(10 * S - Duration::from_millis(1)).await;
    assert!(sim.stats().channels[0].connected);
    tokio::time::sleep(Duration::from_millis(2)).await;
    let ch = sim.stats().channels[0].clone();
    assert!(!ch.connected);
    assert_eq!((ch.delivered, ch.lost), (0, 4));
}

#[tokio::test(start_paused = true)]
async fn socket_unsubscribe_is_an_option() {
    let mut config = SimConfig::default();
    config.protocol.reply_to_invalid_frames = true;
    let sim = start(config.clone()).await;
    let channel = sim.create_channel("demo-client");
    let mut ws = connect(&sim, &channel.connect_uri).await;
    subscribe_socket(&mut ws, &["v2.users.u?presence&activity"]).await;
    send_json(
        &mut ws,
        json!({"message": "unsubscribe", "topics": ["v2.users.u.activity"]}),
    )
    .await;
    assert_eq!(
        recv_json(&mut ws).await["status"],
        "error",
        "off by default"
    );
    drop(sim);

    config.protocol.ws_unsubscribe = true;
    let sim = start(config).await;
    let channel = sim.create_channel("demo-client");
    let mut ws = connect(&sim, &channel.connect_uri).await;
    subscribe_socket(&mut ws, &["v2.users.u?presence&activity"]).await;
    send_json(
        &mut ws,
        json!({"message": "unsubscribe", "topics": ["v2.users.u.activity"]}),
    )
    .await;
    assert_eq!(
        recv_json(&mut ws).await,
        json!({"result": "200", "status": "unsubscribed"})
    );
    assert_eq!(sim.stats().channels[0].topics, vec!["v2.users.u.presence"]);
}

/// Subscribes a fresh socket to `a.b` with the socket `subscribe` message.
async fn subscribed_socket(sim: &genesys_sim::Simulator) -> (String, Ws) {
    let channel = sim.create_channel("demo-client");
    let mut ws = connect(sim, &channel.connect_uri).await;
    subscribe_socket(&mut ws, &["a.b"]).await;
    (channel.id, ws)
}

/// `count` distinct frames of 1 MiB, numbered in their first 4 bytes.
fn numbered_big_frames(count: usize) -> Vec<genesys_sim::Frame> {
    (0..count)
        .map(|n| genesys_sim::Frame::text(format!("{n:04}{}", "x".repeat(1 << 20))))
        .collect()
}

fn number(message: &Message) -> usize {
    match message {
        Message::Text(text) => text.as_str()[..4].parse().unwrap(),
        other => panic!("expected a text frame, got {other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn back_pressured_publish_delivers_every_frame_to_a_slow_reader() {
    let sim = std::sync::Arc::new(
        start(SimConfig {
            socket_queue_capacity: 2,
            heartbeat_interval: 3600 * S,
            write_timeout: 3600 * S,
            ..SimConfig::default()
        })
        .await,
    );
    let (id, mut ws) = subscribed_socket(&sim).await;
    // 16 MiB: far more than the queue (2) and the loopback socket buffers hold.
    let frames = numbered_big_frames(16);
    let publisher = {
        let sim = std::sync::Arc::clone(&sim);
        tokio::spawn(async move { sim.publish_raw_batch_wait("a.b", &frames).await })
    };
    // The reader has read nothing for a (virtual) minute: the publisher waits, nothing is lost.
    tokio::time::sleep(60 * S).await;
    assert!(!publisher.is_finished());
    assert_eq!(sim.stats().channel(&id).unwrap().lost, 0);
    // Then it reads slowly: every frame arrives, in order.
    for n in 0..16 {
        assert_eq!(number(&recv(&mut ws).await), n);
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(publisher.await.unwrap(), 16);
    let stats = sim.stats();
    let ch = stats.channel(&id).unwrap();
    assert_eq!((ch.delivered, ch.lost), (16, 0));
    assert_eq!(stats.published, 16);
    assert_silent(&mut ws, S).await;
}

#[tokio::test(start_paused = true)]
async fn back_pressured_publish_accounts_like_publish_raw_and_keeps_fault_order() {
    let sim = start(SimConfig::default()).await;
    let (live, mut ws) = subscribed_socket(&sim).await;
    // A channel subscribed over REST that never opens its socket.
    let absent = sim.create_channel("demo-client");
    let token = sim.issue_token("demo-client");
    let (status, _) = subscribe(&sim, &token, Method::PUT, &absent.id, &["a.b"], "").await;
    assert_eq!(status, 200);

    let frame = sim.envelope("a.b", &json!({"n": 0}));
    assert_eq!(sim.publish_raw_wait("a.b", &frame).await, 1);
    assert_eq!(sim.publish_raw_wait("x.y", &frame).await, 0); // no subscriber
    sim.fault(&live, Fault::RawText("after".to_owned()))
        .unwrap();
    assert_eq!(recv_json(&mut ws).await["eventBody"]["n"], 0);
    assert_eq!(recv(&mut ws).await, Message::text("after"));

    // A stalled socket is not waited for: the frame is lost, as with publish_raw.
    sim.fault(&live, Fault::Stall { duration: 10 * S }).unwrap();
    tokio::time::sleep(Duration::from_millis(1)).await;
    assert_eq!(sim.publish_raw_wait("a.b", &frame).await, 0);

    let stats = sim.stats();
    assert_eq!(stats.published, 3);
    assert_eq!(stats.channel(&live).unwrap().lost, 1);
    assert_eq!(stats.channel(&absent.id).unwrap().lost, 2);
}

#[tokio::test(start_paused = true)]
async fn back_pressured_publish_ends_when_the_socket_drops_and_accounts_every_frame() {
    let sim = std::sync::Arc::new(
        start(SimConfig {
            socket_queue_capacity: 2,
            heartbeat_interval: 3600 * S,
            write_timeout: 3600 * S,
            ..SimConfig::default()
        })
        .await,
    );
    let (id, _ws) = subscribed_socket(&sim).await; // never read
    let frames = numbered_big_frames(16);
    let publisher = {
        let sim = std::sync::Arc::clone(&sim);
        tokio::spawn(async move { sim.publish_raw_batch_wait("a.b", &frames).await })
    };
    tokio::time::sleep(60 * S).await;
    assert!(!publisher.is_finished());
    sim.fault(&id, Fault::Drop).unwrap();
    let queued = publisher.await.unwrap();
    assert!(queued < 16, "{queued}");
    tokio::time::sleep(Duration::from_millis(1)).await;
    let ch = sim.stats().channel(&id).unwrap().clone();
    assert!(!ch.connected);
    // Written before the drop, or lost: never unaccounted for.
    assert_eq!(ch.delivered + ch.lost, 16);
    assert!(ch.lost >= (16 - queued) as u64, "{ch:?}");
}
