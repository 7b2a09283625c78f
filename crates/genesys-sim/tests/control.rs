//! The `/sim/` control routes and the event generator.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use genesys_sim::{GeneratorConfig, SimConfig};
use serde_json::{Value, json};
use support::*;
use tokio::time::Instant;

const S: Duration = Duration::from_secs(1);

async fn post(sim: &genesys_sim::Simulator, path: &str, body: Value) -> (u16, Value) {
    let r = http()
        .post(format!("{}{path}", sim.base_url()))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

#[tokio::test(start_paused = true)]
async fn publish_route_delivers_and_counts() {
    let sim = start(SimConfig::default()).await;
    let (status, channel) = post(&sim, "/sim/channels", json!({"client_id": "demo-client"})).await;
    assert_eq!(status, 200);
    let mut ws = connect(&sim, &uri(&channel)).await;
    subscribe_socket(&mut ws, &["v2.users.u1?presence&activity"]).await;
    let (status, body) = post(
        &sim,
        "/sim/publish",
        json!({"topicName": "v2.users.u1.activity", "eventBody": {"id": "u1"}}),
    )
    .await;
    assert_eq!((status, body), (200, json!({"delivered": 1})));
    let event = recv_json(&mut ws).await;
    assert_eq!(event["topicName"], "v2.users.u1.activity");
    assert_eq!(event["eventBody"], json!({"id": "u1"}));
    let (status, body) = post(&sim, "/sim/publish", json!({"topicName": "v2.nobody"})).await;
    assert_eq!(status, 400);
    assert!(body["message"].as_str().unwrap().contains("eventBody"));

    let stats: Value = http()
        .get(format!("{}/sim/stats", sim.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["published"], 1);
    let ch = &stats["channels"][0];
    assert_eq!(ch["id"], channel["id"]);
    assert_eq!(ch["client_id"], "demo-client");
    assert_eq!(ch["connected"], true);
    assert_eq!(ch["connections"], 1);
    assert_eq!(ch["subscribe_requests"], json!({"rest": 0, "ws": 1}));
    assert_eq!(
        ch["topics"],
        json!(["v2.users.u1.activity", "v2.users.u1.presence"])
    );
    assert_eq!(ch["delivered"], 1);
    assert_eq!(ch["lost"], 0);
    assert_eq!(ch["expires"], channel["expires"]);
}

#[tokio::test(start_paused = true)]
async fn fault_route_accepts_every_kind() {
    let sim = start(SimConfig {
        socket_closing_grace: 5 * S,
        ..SimConfig::default()
    })
    .await;
    let channel = sim.create_channel("demo-client");
    let path = format!("/sim/channels/{}/fault", channel.id);
    // Socket faults without a socket: 409.
    let (status, body) = post(&sim, &path, json!({"kind": "kick"})).await;
    assert_eq!(status, 409);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("no open WebSocket")
    );
    let (status, _) = post(
        &sim,
        "/sim/channels/streaming-0-nope/fault",
        json!({"kind": "expire"}),
    )
    .await;
    assert_eq!(status, 404);
    let (status, body) = post(&sim, &path, json!({"kind": "explode"})).await;
    assert_eq!(status, 400);
    assert!(body["message"].as_str().unwrap().contains("explode"));

    let mut ws = connect(&sim, &channel.connect_uri).await;
    for (fault, check) in [
        (json!({"kind": "raw_text", "text": "hello"}), "hello"),
        (json!({"kind": "raw_binary", "text": "bin"}), "bin"),
    ] {
        assert_eq!(post(&sim, &path, fault).await.0, 204);
        assert_eq!(recv(&mut ws).await.into_data(), check.as_bytes());
    }
    assert_eq!(
        post(&sim, &path, json!({"kind": "oversize", "bytes": 5000}))
            .await
            .0,
        204
    );
    assert_eq!(recv(&mut ws).await.into_data().len(), 5000);
    assert_eq!(
        post(&sim, &path, json!({"kind": "reject_next_subscribe"}))
            .await
            .0,
        204
    );
    send_json(&mut ws, json!({"message": "subscribe", "topics": ["a.b"]})).await;
    assert_eq!(recv_json(&mut ws).await["result"], "400");
    assert_eq!(
        post(&sim, &path, json!({"kind": "no_longer_subscribed"}))
            .await
            .0,
        204
    );
    assert!(
        recv_json(&mut ws).await["topicName"]
            .as_str()
            .unwrap()
            .starts_with("v2.system.no_longer_subscribed.")
    );
    assert_eq!(
        post(&sim, &path, json!({"kind": "stall", "duration": "2s"}))
            .await
            .0,
        204
    );
    assert_eq!(
        post(&sim, &path, json!({"kind": "socket_closing"})).await.0,
        204
    );
    assert_eq!(
        recv_json(&mut ws).await["topicName"],
        "v2.system.socket_closing"
    );
    let t0 = Instant::now();
    assert_eq!(u16::from(recv_close(&mut ws).await.code), 1001);
    assert_eq!(t0.elapsed(), 5 * S);

    let mut ws = connect(&sim, &channel.connect_uri).await;
    assert_eq!(post(&sim, &path, json!({"kind": "kick"})).await.0, 204);
    recv_close(&mut ws).await;
    let mut ws = connect(&sim, &channel.connect_uri).await;
    assert_eq!(post(&sim, &path, json!({"kind": "drop"})).await.0, 204);
    assert!(matches!(
        futures_util::StreamExt::next(&mut ws).await,
        Some(Err(_))
    ));
    assert_eq!(
        post(
            &sim,
            &path,
            json!({"kind": "refuse_connections", "duration": 1000})
        )
        .await
        .0,
        204
    );
    assert_eq!(refused_status(&sim, &channel.connect_uri).await, 503);
    assert_eq!(post(&sim, &path, json!({"kind": "evict"})).await.0, 204);
    assert_eq!(refused_status(&sim, &channel.connect_uri).await, 404);
    let other = sim.create_channel("demo-client");
    let path = format!("/sim/channels/{}/fault", other.id);
    assert_eq!(post(&sim, &path, json!({"kind": "expire"})).await.0, 204);
    assert!(sim.stats().channels.is_empty());
}

#[tokio::test(start_paused = true)]
async fn token_routes_issue_and_revoke() {
    let sim = start(SimConfig::default()).await;
    let (status, body) = post(&sim, "/sim/tokens", json!({"client_id": "demo-client"})).await;
    assert_eq!(status, 200);
    let issued = body["access_token"].as_str().unwrap().to_owned();
    let oauth = token(&sim).await;
    for t in [&issued, &oauth] {
        assert_eq!(
            api(&sim, t, reqwest::Method::GET, CHANNELS)
                .send()
                .await
                .unwrap()
                .status(),
            200
        );
    }
    let (status, body) = post(
        &sim,
        "/sim/tokens/revoke",
        json!({"client_id": "demo-client"}),
    )
    .await;
    assert_eq!((status, body), (200, json!({"revoked": 2})));
    for t in [&issued, &oauth] {
        assert_eq!(
            api(&sim, t, reqwest::Method::GET, CHANNELS)
                .send()
                .await
                .unwrap()
                .status(),
            401
        );
    }
    let (status, _) = post(&sim, "/sim/tokens/revoke", json!({})).await;
    assert_eq!(status, 400);
}

#[tokio::test(start_paused = true)]
async fn generator_emits_realistic_events_at_the_configured_rate() {
    let config = SimConfig {
        generator: Some(GeneratorConfig { rate_per_sec: 2.0 }),
        heartbeat_interval: 3600 * S,
        seed: 42,
        ..SimConfig::default()
    };
    let run = |config: SimConfig| async move {
        let sim = start(config).await;
        let channel = sim.create_channel("demo-client");
        let mut ws = connect(&sim, &channel.connect_uri).await;
        subscribe_socket(
            &mut ws,
            &[
                "v2.users.u1?presence&routingStatus&activity",
                "v2.routing.queues.q1?conversations&users",
                "v2.analytics.queues.q1.observations",
            ],
        )
        .await;
        let t0 = Instant::now();
        let mut events = Vec::new();
        for n in 1..=10u32 {
            let event = recv_event(&mut ws).await;
            assert_eq!(t0.elapsed(), Duration::from_millis(500) * n);
            events.push((event["topicName"].clone(), event["eventBody"].clone()));
        }
        events
    };
    let first = run(config.clone()).await;
    let second = run(config.clone()).await;
    assert_eq!(
        without_timestamps(&first),
        without_timestamps(&second),
        "same seed, same events"
    );
    let topics: std::collections::BTreeSet<&str> =
        first.iter().map(|(t, _)| t.as_str().unwrap()).collect();
    assert!(topics.len() >= 3, "{topics:?}");
    for (topic, body) in &first {
        match topic.as_str().unwrap() {
            "v2.users.u1.presence" => {
                assert!(body["presenceDefinition"]["systemPresence"].is_string())
            }
            "v2.users.u1.routingStatus" => assert!(body["routingStatus"]["status"].is_string()),
            "v2.users.u1.activity" => assert!(body["activeQueueIds"].is_array()),
            "v2.routing.queues.q1.conversations" => assert!(body["participants"].is_array()),
            "v2.routing.queues.q1.users" => assert!(body["joined"].is_boolean()),
            "v2.analytics.queues.q1.observations" => assert_eq!(body["group"]["queueId"], "q1"),
            other => panic!("unexpected topic {other}"),
        }
    }
    let other_seed = run(SimConfig { seed: 43, ..config }).await;
    assert_ne!(without_timestamps(&first), without_timestamps(&other_seed));
}

/// Timestamps follow the wall clock at simulator start; everything else is seeded.
fn without_timestamps(events: &[(Value, Value)]) -> Vec<(Value, Value)> {
    fn strip(v: &Value) -> Value {
        match v {
            Value::String(s) if humantime::parse_rfc3339(s).is_ok() || s.contains("Z/") => {
                json!("<time>")
            }
            Value::Array(a) => Value::Array(a.iter().map(strip).collect()),
            Value::Object(o) => {
                Value::Object(o.iter().map(|(k, v)| (k.clone(), strip(v))).collect())
            }
            other => other.clone(),
        }
    }
    events.iter().map(|(t, b)| (t.clone(), strip(b))).collect()
}

#[tokio::test(start_paused = true)]
async fn generator_rates_above_the_timer_resolution() {
    let sim = start(SimConfig {
        generator: Some(GeneratorConfig {
            rate_per_sec: 5000.0,
        }),
        heartbeat_interval: 3600 * S,
        ..SimConfig::default()
    })
    .await;
    let channel = sim.create_channel("demo-client");
    let mut ws = connect(&sim, &channel.connect_uri).await;
    subscribe_socket(&mut ws, &["v2.users.u1.presence"]).await;
    let t0 = Instant::now();
    for _ in 0..5 {
        assert_eq!(
            recv_event(&mut ws).await["topicName"],
            "v2.users.u1.presence"
        );
    }
    // Five events per 1 ms tick.
    assert_eq!(t0.elapsed(), Duration::from_millis(1));
}

#[tokio::test(start_paused = true)]
async fn outage_drops_sockets_and_refuses_everything_for_a_while() {
    let sim = start(SimConfig::default()).await;
    let token = token(&sim).await;
    let channel = create_channel(&sim, &token).await;
    let mut ws = connect(&sim, &uri(&channel)).await;
    subscribe_socket(&mut ws, &["a.b"]).await;
    let t0 = Instant::now();
    let r = http()
        .post(format!("{}/sim/outage", sim.base_url()))
        .json(&json!({"duration": "30s"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert!(
        matches!(futures_util::StreamExt::next(&mut ws).await, Some(Err(_))),
        "dropped without a close frame"
    );
    let r = api(&sim, &token, reqwest::Method::GET, CHANNELS)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503);
    let r = http()
        .post(format!("{}/oauth/token", sim.base_url()))
        .basic_auth("demo-client", Some("demo-secret"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503);
    assert_eq!(refused_status(&sim, &uri(&channel)).await, 503);
    tokio::time::sleep_until(t0 + 30 * S).await;
    let mut ws = connect(&sim, &uri(&channel)).await;
    assert_eq!(
        sim.publish("a.b", json!({"n": 1})),
        1,
        "subscriptions survived"
    );
    assert_eq!(recv_event(&mut ws).await["eventBody"]["n"], 1);
    assert_eq!(
        api(&sim, &token, reqwest::Method::GET, CHANNELS)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

#[tokio::test(start_paused = true)]
async fn raw_binary_without_bytes_sends_the_default_binary_frame() {
    let sim = start(SimConfig::default()).await;
    let channel = sim.create_channel("demo-client");
    let mut ws = connect(&sim, &channel.connect_uri).await;
    let path = format!("/sim/channels/{}/fault", channel.id);
    assert_eq!(
        post(&sim, &path, json!({"kind": "raw_binary"})).await.0,
        204
    );
    let frame = recv(&mut ws).await;
    assert!(frame.is_binary(), "{frame:?}");
    assert_eq!(&frame.into_data()[..], genesys_sim::Fault::DEFAULT_BINARY);
    assert!(std::str::from_utf8(genesys_sim::Fault::DEFAULT_BINARY).is_err());
    // Bytes that are given are sent as they are; a mistyped parameter is still refused.
    assert_eq!(
        post(&sim, &path, json!({"kind": "raw_binary", "text": "hi"}))
            .await
            .0,
        204
    );
    assert_eq!(&recv(&mut ws).await.into_data()[..], b"hi");
    let (status, body) = post(&sim, &path, json!({"kind": "raw_binary", "base64": 7})).await;
    assert_eq!(status, 400);
    assert!(body["message"].as_str().unwrap().contains("base64"));
}

#[tokio::test(start_paused = true)]
async fn stats_route_shows_the_topic_count_of_each_channel() {
    let sim = start(SimConfig::default()).await;
    let (_, channel) = post(&sim, "/sim/channels", json!({})).await;
    let mut ws = connect(&sim, &uri(&channel)).await;
    subscribe_socket(
        &mut ws,
        &["v2.users.u1?presence&activity&routingStatus", "a.b"],
    )
    .await;
    let stats: Value = http()
        .get(format!("{}/sim/stats", sim.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["channels"][0]["topic_count"], 4);
    assert_eq!(stats["channels"][0]["topics"].as_array().unwrap().len(), 4);
}

#[tokio::test(start_paused = true)]
async fn rest_faults_fail_lose_or_delay_the_next_requests() {
    let sim = start(SimConfig::default()).await;
    let oauth = || {
        http()
            .post(format!("{}/oauth/token", sim.base_url()))
            .basic_auth("demo-client", Some("demo-secret"))
            .form(&[("grant_type", "client_credentials")])
            .send()
    };
    let fault = |body: Value| post(&sim, "/sim/rest_fault", body);
    assert_eq!(
        fault(json!({"route": "token", "status": 503, "count": 2}))
            .await
            .0,
        204
    );
    assert_eq!(oauth().await.unwrap().status(), 503);
    assert_eq!(oauth().await.unwrap().status(), 503);
    assert_eq!(oauth().await.unwrap().status(), 200);

    let token = token(&sim).await;
    assert_eq!(
        fault(json!({"route": "create_channel", "status": 504, "after_processing": true}))
            .await
            .0,
        204
    );
    let lost = api(&sim, &token, reqwest::Method::POST, CHANNELS)
        .send()
        .await
        .unwrap();
    assert_eq!(lost.status(), 504);
    assert_eq!(
        sim.stats().channels.len(),
        1,
        "served although the answer is an error"
    );

    sim.rest_fault(
        genesys_sim::RestRoute::CreateChannel,
        genesys_sim::RestFault::Delay(40 * S),
        1,
    );
    let t0 = Instant::now();
    let late = api(&sim, &token, reqwest::Method::POST, CHANNELS)
        .send()
        .await
        .unwrap();
    assert_eq!(late.status(), 200);
    assert_eq!(t0.elapsed(), 40 * S);
    assert_eq!(sim.stats().channels.len(), 2);
    let (status, body) = fault(json!({"route": "token", "status": 200})).await;
    assert_eq!(status, 400);
    assert!(body["message"].as_str().unwrap().contains("status"));
}

/// Collects what is logged.
#[derive(Clone, Default)]
struct LogBuffer(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(start_paused = true)]
async fn a_publish_that_reaches_no_socket_is_logged_at_debug() {
    let logs = LogBuffer::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let text = || String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();

    let sim = start(SimConfig::default()).await;
    let channel = sim.create_channel("demo-client");
    let mut ws = connect(&sim, &channel.connect_uri).await;
    subscribe_socket(&mut ws, &["v2.users.u1.presence"]).await;
    let (_, body) = post(
        &sim,
        "/sim/publish",
        json!({"topicName": "v2.users.u1.presence", "eventBody": {}}),
    )
    .await;
    assert_eq!(body, json!({"delivered": 1}));
    assert!(!text().contains("event dropped"), "{}", text());
    let (_, body) = post(
        &sim,
        "/sim/publish",
        json!({"topicName": "v2.users.u2.presence", "eventBody": {}}),
    )
    .await;
    assert_eq!(body, json!({"delivered": 0}));
    let logged = text();
    assert!(
        logged.contains("DEBUG") && logged.contains("event dropped"),
        "{logged}"
    );
    assert!(logged.contains("v2.users.u2.presence"), "{logged}");
}
