//! Relay benchmark (see BENCHMARKS.md): for each payload shape, the throughput of raw
//! JetStream publishing of the frames (acks awaited in a window, as `nats bench js pub
//! --async`) next to the relay's (simulator socket → channel → relay → JetStream ack), on the
//! same nats-server in the same run; then the latency from publishing in the simulator to
//! receipt by a JetStream consumer.
//!
//! ```text
//! cargo run --release -p genesys-relay --example relay_bench [-- SCALE]
//! ```
//!
//! SCALE multiplies the counts (default 1: 50,000 presence, 20,000 conversation and 5,000
//! queue frames; 3,000 latency samples at 1,000 a second).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[path = "../../genesys-bench/src/shapes.rs"]
#[allow(dead_code, unreachable_pub)]
mod shapes;

#[path = "../tests/support/nats.rs"]
mod nats;

use std::collections::VecDeque;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use async_nats::jetstream;
use bytes::Bytes;
use genesys_notifications::ConnectOptions;
use genesys_relay::consume::{ConsumeOptions, Record, consume};
use genesys_relay::{NatsOptions, Relay, RelayOptions};
use genesys_sim::{Frame, SimConfig, Simulator};
use shapes::Shape;

const WINDOW: usize = 1024;

fn main() {
    let scale: f64 = std::env::args()
        .nth(1)
        .map(|s| s.parse().expect("SCALE is a number"))
        .unwrap_or(1.0);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run(scale));
}

fn count(shape: Shape, scale: f64) -> usize {
    let base = match shape {
        Shape::Presence => 50_000.0,
        Shape::Conversation => 20_000.0,
        Shape::Queue => 5_000.0,
    };
    ((base * scale) as usize).max(100)
}

async fn run(scale: f64) {
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!("load average at start: {}", load.trim());
    let nats = nats::NatsServer::start();
    println!("nats-server {}", nats.url());
    let sim = Simulator::start(SimConfig {
        socket_queue_capacity: 65_536,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    println!(
        "| shape | frame bytes | n | raw JetStream publish (msg/s) | relay socket→ack (msg/s) | relay / raw |"
    );
    println!("|---|---|---|---|---|---|");
    for (i, shape) in Shape::ALL.into_iter().enumerate() {
        let n = count(shape, scale);
        let topic = shape.topic();
        let frames: Vec<Frame> = (0..n)
            .map(|k| sim.envelope(&topic, &shape.body(k % shapes::POOL)))
            .collect();
        let bytes = frames[0].as_str().len();
        let raw = raw_publish(&nats, &format!("RAW{i}"), &format!("raw{i}"), &frames).await;
        let relayed = relay(
            &nats,
            &sim,
            &format!("RELAY{i}"),
            &format!("relay{i}"),
            &topic,
            &frames,
        )
        .await;
        println!(
            "| {shape} | {bytes} | {n} | {raw:.0} | {relayed:.0} | {:.2} |",
            relayed / raw
        );
    }
    latency(&nats, &sim, ((3000.0 * scale) as usize).max(200)).await;
}

/// JetStream publishing of the frames with a window of `WINDOW` acks in flight.
async fn raw_publish(nats: &nats::NatsServer, stream: &str, prefix: &str, frames: &[Frame]) -> f64 {
    let client = async_nats::connect(nats.url()).await.unwrap();
    let js = jetstream::new(client);
    js.create_stream(jetstream::stream::Config {
        name: stream.into(),
        subjects: vec![format!("{prefix}.>")],
        ..Default::default()
    })
    .await
    .unwrap();
    let payloads: Vec<Bytes> = frames
        .iter()
        .map(|f| Bytes::copy_from_slice(f.as_str().as_bytes()))
        .collect();
    let subject = format!("{prefix}.x");
    let started = Instant::now();
    let mut acks = VecDeque::with_capacity(WINDOW);
    for payload in payloads {
        if acks.len() == WINDOW {
            let ack: jetstream::context::PublishAckFuture = acks.pop_front().unwrap();
            ack.await.unwrap();
        }
        acks.push_back(js.publish(subject.clone(), payload).await.unwrap());
    }
    for ack in acks {
        ack.await.unwrap();
    }
    frames.len() as f64 / started.elapsed().as_secs_f64()
}

/// The relay: from the simulator's socket to JetStream's ack.
async fn relay(
    nats: &nats::NatsServer,
    sim: &Simulator,
    stream: &str,
    prefix: &str,
    topic: &str,
    frames: &[Frame],
) -> f64 {
    let mut options = RelayOptions::default();
    options.stream.name = stream.into();
    options.stream.prefix = prefix.into();
    options.relay_id = "bench".into();
    options.max_in_flight = WINDOW;
    let mut relay = Relay::connect(&NatsOptions::new(&nats.url()), options)
        .await
        .unwrap();
    let metrics = relay.metrics();
    let uri = sim.create_channel(&format!("bench-{stream}")).connect_uri;
    let mut channel = ConnectOptions::new()
        .buffer(frames.len() + 16)
        .connect(&uri, [topic])
        .await
        .unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        relay
            .run(&mut channel, "bench", async {
                let _ = stopped.await;
            })
            .await
    });
    let started = Instant::now();
    for chunk in frames.chunks(1000) {
        sim.publish_raw_batch_wait(topic, chunk).await;
    }
    let n = frames.len() as u64;
    while metrics.acked.load(Ordering::Relaxed) < n {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let rate = frames.len() as f64 / started.elapsed().as_secs_f64();
    let _ = stop.send(());
    let summary = task.await.unwrap().unwrap();
    assert_eq!(summary.acked, n);
    assert_eq!(summary.gaps, 0);
    rate
}

fn now_micros() -> u64 {
    u64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_micros(),
    )
    .unwrap()
}

/// Publish in the simulator (a presence body carrying the send time) → relay → JetStream →
/// an ordered consumer; `samples` events at 1,000 a second.
async fn latency(nats: &nats::NatsServer, sim: &Simulator, samples: usize) {
    let mut options = RelayOptions::default();
    options.stream.name = "LATENCY".into();
    options.stream.prefix = "latency".into();
    options.relay_id = "bench".into();
    let mut relay = Relay::connect(&NatsOptions::new(&nats.url()), options)
        .await
        .unwrap();
    let topic = Shape::Presence.topic();
    let uri = sim.create_channel("bench-latency").connect_uri;
    let mut channel = ConnectOptions::new()
        .connect(&uri, [topic.as_str()])
        .await
        .unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        relay
            .run(&mut channel, "bench", async {
                let _ = stopped.await;
            })
            .await
    });
    let client = async_nats::connect(nats.url()).await.unwrap();
    let mut consume_options = ConsumeOptions::default();
    consume_options.stream = "LATENCY".into();
    consume_options.prefix = "latency".into();
    let mut deliveries = consume(client, &consume_options).await.unwrap();
    let reader = tokio::spawn(async move {
        let mut latencies = Vec::with_capacity(samples);
        while latencies.len() < samples {
            let delivery = deliveries.next().await.unwrap().unwrap();
            if let Record::Notification { frame, .. } = delivery.record {
                let value: serde_json::Value = serde_json::from_slice(&frame).unwrap();
                let sent = value["eventBody"]["sentAtMicros"].as_u64().unwrap();
                latencies.push(now_micros().saturating_sub(sent));
            }
        }
        latencies
    });
    let mut body = Shape::Presence.body(0);
    let mut tick = tokio::time::interval(Duration::from_millis(1));
    for _ in 0..samples {
        tick.tick().await;
        body["sentAtMicros"] = serde_json::json!(now_micros());
        sim.publish(&topic, body.clone());
    }
    let mut latencies = reader.await.unwrap();
    let _ = stop.send(());
    let _ = task.await;
    latencies.sort_unstable();
    let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q) as usize] as f64 / 1000.0;
    println!(
        "\nlatency publish-in-simulator → consumer, {samples} presence events at 1,000/s: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        at(0.5),
        at(0.99),
        at(1.0)
    );
}
