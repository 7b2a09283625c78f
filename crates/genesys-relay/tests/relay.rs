//! The relay against the simulator and a real nats-server with JetStream.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/nats.rs"]
mod nats;

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use async_nats::jetstream;
use genesys_notifications::{Channel, ConnectOptions};
use genesys_relay::consume::{ConsumeOptions, Record, consume};
use genesys_relay::metrics::Metrics;
use genesys_relay::{GapReason, NatsOptions, Relay, RelayError, RelayOptions, Summary};
use genesys_sim::{Frame, SimConfig, Simulator};
use nats::NatsServer;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio::time::timeout;

const TOPICS: [&str; 4] = [
    "v2.users.u1.presence",
    "v2.users.u2.presence",
    "v2.users.u3.routingStatus",
    "v2.routing.queues.q1.conversations",
];

fn relay_options(id: &str) -> RelayOptions {
    let mut options = RelayOptions::default();
    options.relay_id = id.to_owned();
    options.ack_timeout = Duration::from_millis(800);
    options.retry_min = Duration::from_millis(50);
    options.retry_max = Duration::from_millis(400);
    options.checkpoint_interval = Duration::from_millis(200);
    options.drain_timeout = Duration::from_secs(5);
    options.max_in_flight = 256;
    options
}

async fn channel(sim: &Simulator, client: &str) -> Channel {
    let uri = sim.create_channel(client).connect_uri;
    ConnectOptions::new()
        .buffer(50_000)
        .connect(&uri, TOPICS)
        .await
        .expect("channel")
}

/// A relay running in a task; stopped (drained) by `stop`, or killed by dropping the task.
struct Running {
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<(Result<Summary, RelayError>, Channel)>,
    metrics: Arc<Metrics>,
}

impl Running {
    async fn start(nats: &NatsServer, sim: &Simulator, id: &str, options: RelayOptions) -> Running {
        let mut relay = Relay::connect(&NatsOptions::new(&nats.url()), options)
            .await
            .expect("relay");
        let metrics = relay.metrics();
        let mut channel = channel(sim, &format!("client-{id}")).await;
        let (stop, stopped) = oneshot::channel::<()>();
        let tag = id.to_owned();
        let task = tokio::spawn(async move {
            let result = relay
                .run(&mut channel, &tag, async {
                    let _ = stopped.await;
                })
                .await;
            (result, channel)
        });
        Running {
            stop: Some(stop),
            task,
            metrics,
        }
    }

    async fn stop(mut self) -> Summary {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let (result, _channel) = timeout(Duration::from_secs(20), self.task)
            .await
            .expect("relay stops")
            .expect("relay task");
        result.expect("relay result")
    }

    /// Ends the relay without its drain and stop record, as a crash would.
    fn kill(self) {
        self.task.abort();
    }
}

/// Publishes `count` events per topic, round-robin in batches, each body `{"n": i}`.
async fn publish(sim: &Simulator, from: usize, count: usize) {
    for start in (from..from + count).step_by(100) {
        for topic in TOPICS {
            let frames: Vec<Frame> = (start..(start + 100).min(from + count))
                .map(|n| sim.envelope(topic, &serde_json::json!({ "n": n })))
                .collect();
            sim.publish_raw_batch_wait(topic, &frames).await;
        }
    }
}

#[derive(Debug, Default)]
struct Contents {
    /// `n` values per topic, in stream order.
    per_topic: BTreeMap<String, Vec<u64>>,
    correlation_ids: Vec<String>,
    gaps: Vec<genesys_relay::GapRecord>,
    relay_records: usize,
}

impl Contents {
    fn notifications(&self) -> usize {
        self.correlation_ids.len()
    }
    fn assert_each_once_in_order(&self, expected_per_topic: usize) {
        let unique: HashSet<&String> = self.correlation_ids.iter().collect();
        assert_eq!(
            unique.len(),
            self.correlation_ids.len(),
            "a duplicate in the stream"
        );
        assert_eq!(self.per_topic.len(), TOPICS.len());
        for (topic, ns) in &self.per_topic {
            let expected: Vec<u64> = (0..expected_per_topic as u64).collect();
            assert_eq!(
                ns, &expected,
                "{topic}: missing, duplicated or out of order"
            );
        }
    }
}

/// Reads the whole stream until `notifications` notifications were seen.
async fn read_stream(nats: &NatsServer, notifications: usize) -> Contents {
    let client = async_nats::connect(nats.url()).await.unwrap();
    let mut options = ConsumeOptions::default();
    options.from_start = true;
    let mut deliveries = consume(client, &options).await.unwrap();
    let mut contents = Contents::default();
    let read = async {
        while contents.notifications() < notifications {
            let delivery = deliveries.next().await.unwrap().unwrap();
            match delivery.record {
                Record::Notification { topic, frame } => {
                    let value: serde_json::Value = serde_json::from_slice(&frame).unwrap();
                    assert_eq!(value["topicName"], topic.as_str());
                    contents
                        .per_topic
                        .entry(topic)
                        .or_default()
                        .push(value["eventBody"]["n"].as_u64().unwrap());
                    contents.correlation_ids.push(
                        value["metadata"]["CorrelationId"]
                            .as_str()
                            .unwrap()
                            .to_owned(),
                    );
                }
                Record::Gap(gap) => contents.gaps.push(gap),
                Record::Relay(_) => contents.relay_records += 1,
                other => panic!("unexpected {other:?}"),
            }
        }
    };
    timeout(Duration::from_secs(30), read)
        .await
        .unwrap_or_else(|_| panic!("the stream holds fewer than {notifications} notifications"));
    contents
}

/// The number of messages on notification subjects (everything but `_gap` and `_relay`).
async fn stored_notifications(nats: &NatsServer) -> u64 {
    let client = async_nats::connect(nats.url()).await.unwrap();
    let js = jetstream::new(client);
    let stream = js.get_stream("GENESYS").await.unwrap();
    let mut subjects = stream.info_with_subjects("genesys.v2.>").await.unwrap();
    let mut total = 0;
    while let Some(entry) = futures_util::StreamExt::next(&mut subjects).await {
        total += entry.unwrap().1 as u64;
    }
    total
}

async fn wait_acked(metrics: &Metrics, at_least: u64) {
    timeout(Duration::from_secs(30), async {
        while metrics.acked.load(Ordering::Relaxed) < at_least {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("fewer than {at_least} acknowledged"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_notifications_are_relayed_once_in_order_per_topic() {
    timeout(Duration::from_secs(90), async {
        let nats = NatsServer::start();
        let sim = Simulator::start(SimConfig::default()).await.unwrap();
        // No periodic timer to wake the relay's loop: a lost wake-up stalls and fails.
        let mut options = relay_options("r1");
        options.checkpoint_interval = Duration::from_secs(3600);
        let relay = Running::start(&nats, &sim, "r1", options).await;
        publish(&sim, 0, 2500).await;
        wait_acked(&relay.metrics, 10_000).await;
        let summary = relay.stop().await;
        assert_eq!(summary.received, 10_000);
        assert_eq!(summary.acked, 10_000);
        assert_eq!(summary.duplicates, 0);
        assert_eq!(summary.gaps, 0);
        assert_eq!(summary.unacked, 0);
        let contents = read_stream(&nats, 10_000).await;
        contents.assert_each_once_in_order(2500);
        assert!(contents.gaps.is_empty(), "{:?}", contents.gaps);
        assert_eq!(stored_notifications(&nats).await, 10_000);
    })
    .await
    .expect("test timed out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_relays_store_each_event_once_and_one_survives_the_other() {
    timeout(Duration::from_secs(90), async {
        let nats = NatsServer::start();
        let sim = Simulator::start(SimConfig::default()).await.unwrap();
        let a = Running::start(&nats, &sim, "a", relay_options("a")).await;
        let b = Running::start(&nats, &sim, "b", relay_options("b")).await;
        publish(&sim, 0, 500).await;
        wait_acked(&a.metrics, 2000).await;
        wait_acked(&b.metrics, 2000).await;
        let duplicates = a.metrics.duplicates.load(Ordering::Relaxed)
            + b.metrics.duplicates.load(Ordering::Relaxed);
        assert_eq!(duplicates, 2000, "JetStream kept one copy of each event");
        a.kill();
        publish(&sim, 500, 500).await;
        wait_acked(&b.metrics, 4000).await;
        b.stop().await;
        let contents = read_stream(&nats, 4000).await;
        contents.assert_each_once_in_order(1000);
        assert_eq!(stored_notifications(&nats).await, 4000);
    })
    .await
    .expect("test timed out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nats_restarted_mid_stream_loses_nothing_and_duplicates_nothing() {
    timeout(Duration::from_secs(120), async {
        let mut nats = NatsServer::start();
        let sim = Simulator::start(SimConfig::default()).await.unwrap();
        let mut options = relay_options("r1");
        options.max_in_flight = 64;
        let relay = Running::start(&nats, &sim, "r1", options).await;
        publish(&sim, 0, 250).await;
        wait_acked(&relay.metrics, 1000).await;
        nats.kill();
        // Relayed while NATS is away: received, not acknowledged; the window stays bounded.
        publish(&sim, 250, 250).await;
        timeout(Duration::from_secs(10), async {
            while relay.metrics.in_flight.load(Ordering::Relaxed) < 64 {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await
        .expect("the window fills while NATS is away");
        assert!(relay.metrics.in_flight.load(Ordering::Relaxed) <= 64 + 2);
        assert!(
            relay.metrics.received.load(Ordering::Relaxed) < 2000,
            "reading stopped"
        );
        // An acknowledgement times out: the window is published again (and again).
        timeout(Duration::from_secs(10), async {
            while relay.metrics.retried.load(Ordering::Relaxed) == 0 {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await
        .expect("publications retried while NATS is away");
        assert!(!relay.metrics.healthy(), "unhealthy while NATS is away");
        assert!(relay.metrics.in_flight.load(Ordering::Relaxed) <= 64 + 2);
        nats.restart();
        publish(&sim, 500, 250).await;
        wait_acked(&relay.metrics, 3000).await;
        assert!(relay.metrics.healthy());
        assert!(relay.metrics.nats_reconnects.load(Ordering::Relaxed) >= 1);
        let summary = relay.stop().await;
        assert_eq!(summary.received, 3000);
        let contents = read_stream(&nats, 3000).await;
        contents.assert_each_once_in_order(750);
        assert!(contents.gaps.is_empty(), "{:?}", contents.gaps);
        assert_eq!(stored_notifications(&nats).await, 3000);
    })
    .await
    .expect("test timed out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_relay_reports_the_gap_at_restart() {
    timeout(Duration::from_secs(90), async {
        let nats = NatsServer::start();
        let sim = Simulator::start(SimConfig::default()).await.unwrap();
        let first = Running::start(&nats, &sim, "r1", relay_options("r1")).await;
        publish(&sim, 0, 100).await;
        wait_acked(&first.metrics, 400).await;
        first.kill();
        let second = Running::start(&nats, &sim, "r1", relay_options("r1")).await;
        publish(&sim, 100, 100).await;
        wait_acked(&second.metrics, 400).await;
        let summary = second.stop().await;
        assert_eq!(summary.gaps, 1);
        let contents = read_stream(&nats, 800).await;
        contents.assert_each_once_in_order(200);
        let [gap] = contents.gaps.as_slice() else {
            panic!("one gap record expected: {:?}", contents.gaps)
        };
        assert_eq!(gap.reason, GapReason::RelayRestarted);
        assert!(gap.from <= gap.to, "{gap:?}");
        assert_eq!(gap.topics.len(), TOPICS.len());
    })
    .await
    .expect("test timed out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conflicting_stream_is_refused_and_left_unchanged() {
    timeout(Duration::from_secs(60), async {
        let nats = NatsServer::start();
        let client = async_nats::connect(nats.url()).await.unwrap();
        let js = jetstream::new(client);
        js.create_stream(jetstream::stream::Config {
            name: "GENESYS".into(),
            subjects: vec!["other.>".into()],
            ..Default::default()
        })
        .await
        .unwrap();
        let error = Relay::connect(&NatsOptions::new(&nats.url()), relay_options("r1"))
            .await
            .expect_err("conflict");
        assert!(matches!(error, RelayError::StreamConflict(_)), "{error}");
        assert!(error.is_usage());
        assert!(error.to_string().contains("other.>"), "{error}");
        let info = js
            .get_stream("GENESYS")
            .await
            .unwrap()
            .get_info()
            .await
            .unwrap();
        assert_eq!(info.config.subjects, vec!["other.>".to_owned()]);

        // Another stream already captures some of the subjects: creation is refused.
        js.create_stream(jetstream::stream::Config {
            name: "PRESENCE".into(),
            subjects: vec!["genesys.v2.users.>".into()],
            ..Default::default()
        })
        .await
        .unwrap();
        let mut options = relay_options("r1");
        options.stream.name = "NEW".into();
        let error = Relay::connect(&NatsOptions::new(&nats.url()), options)
            .await
            .expect_err("overlap");
        assert!(matches!(error, RelayError::StreamConflict(_)), "{error}");
        assert!(error.to_string().contains("PRESENCE"), "{error}");

        // A stream that captures the subjects is used as it is.
        let mut options = relay_options("r1");
        options.stream.name = "WIDE".into();
        options.stream.prefix = "wide".into();
        js.create_stream(jetstream::stream::Config {
            name: "WIDE".into(),
            subjects: vec!["wide.>".into()],
            duplicate_window: Duration::from_secs(30),
            ..Default::default()
        })
        .await
        .unwrap();
        let relay = Relay::connect(&NatsOptions::new(&nats.url()), options)
            .await
            .unwrap();
        assert_eq!(relay.ensured(), genesys_relay::stream::Ensured::Existing);
        let info = js
            .get_stream("WIDE")
            .await
            .unwrap()
            .get_info()
            .await
            .unwrap();
        assert_eq!(info.config.duplicate_window, Duration::from_secs(30));
    })
    .await
    .expect("test timed out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_durable_consumer_resumes_and_filters_keep_gap_records() {
    timeout(Duration::from_secs(60), async {
        let nats = NatsServer::start();
        // The relay creates the stream.
        Relay::connect(&NatsOptions::new(&nats.url()), relay_options("r1"))
            .await
            .unwrap();
        let client = async_nats::connect(nats.url()).await.unwrap();
        let js = jetstream::new(client.clone());
        for n in 0..10 {
            let topic = TOPICS[n % 2];
            let frame = format!(r#"{{"topicName":"{topic}","eventBody":{{"n":{n}}}}}"#);
            js.publish(genesys_relay::subject::subject_of("genesys", topic), frame.into())
                .await
                .unwrap()
                .await
                .unwrap();
            if n == 4 {
                let gap = r#"{"from":"2026-01-01T00:00:00.000Z","to":"2026-01-01T00:00:01.000Z","topics":[],"channel":"r1/x","reason":"disconnected"}"#;
                js.publish("genesys._gap", gap.into()).await.unwrap().await.unwrap();
            }
        }
        let read = |durable: Option<&str>, filter: Option<&str>, count: usize| {
            let client = client.clone();
            let mut options = ConsumeOptions::default();
            options.from_start = true;
            options.durable = durable.map(str::to_owned);
            options.filter = filter.map(str::to_owned);
            options.ack_wait = Duration::from_millis(500);
            async move {
                let mut deliveries = consume(client, &options).await.unwrap();
                let mut seen = Vec::new();
                while seen.len() < count {
                    let delivery = timeout(Duration::from_secs(10), deliveries.next())
                        .await
                        .expect("a delivery")
                        .unwrap()
                        .unwrap();
                    match &delivery.record {
                        Record::Notification { frame, .. } => {
                            let value: serde_json::Value = serde_json::from_slice(frame).unwrap();
                            seen.push(value["eventBody"]["n"].to_string());
                        }
                        Record::Gap(_) => seen.push("gap".to_owned()),
                        other => panic!("{other:?}"),
                    }
                    delivery.ack().await.unwrap();
                }
                seen
            }
        };
        assert_eq!(read(Some("d1"), None, 4).await, ["0", "1", "2", "3"]);
        // Resumes after what it acknowledged: everything after it, once each, and nothing it
        // acknowledged. What the first reader fetched beyond that is delivered again once the
        // ack wait has passed, so it may come after what that reader never fetched (the
        // order across the two depends on timing).
        let mut rest = read(Some("d1"), None, 7).await;
        rest.sort();
        assert_eq!(rest, ["4", "5", "6", "7", "8", "9", "gap"]);
        // A filter on one topic still delivers the gap record.
        let filter = format!("genesys.{}", TOPICS[1]);
        assert_eq!(
            read(None, Some(&filter), 4).await,
            ["1", "3", "gap", "5"]
        );
    })
    .await
    .expect("test timed out");
}
