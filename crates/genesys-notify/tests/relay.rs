//! `genesys-notify relay` and `consume`, run as processes against an in-process simulator and
//! a real nats-server with JetStream.
//!
//! The binaries run in their own processes, so these tests use real time with short
//! configured timeouts; they await stderr events (`--log-format json`) and stream contents,
//! each with a deadline.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../genesys-relay/tests/support/nats.rs"]
mod nats;
mod support;

use support::{PATIENCE, Run};

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use genesys_relay::consume::{ConsumeOptions, Record, consume};
use genesys_relay::{GapReason, GapRecord, RelayEvent};
use genesys_sim::{Fault, SimConfig, Simulator};
use nats::NatsServer;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::time::timeout;

const TOPICS: [&str; 2] = ["v2.users.u1.presence", "v2.users.u2.presence"];

fn relay_args<'a>(uri: &'a str, nats: &'a str, id: &'a str) -> Vec<&'a str> {
    vec![
        "relay",
        "--uri",
        uri,
        "-t",
        TOPICS[0],
        "-t",
        TOPICS[1],
        "--nats-url",
        nats,
        "--relay-id",
        id,
        "--checkpoint-interval",
        "100ms",
        "--ack-timeout",
        "1s",
        "--drain-timeout",
        "5s",
        "--metrics-addr",
        "127.0.0.1:0",
    ]
}

/// One published event: its number (per topic), when it was published, and its frame.
struct Sent {
    topic: &'static str,
    n: u64,
    at: SystemTime,
    frame: String,
}

/// What the stream holds.
#[derive(Default)]
struct Stored {
    /// Frames per topic, in stream order.
    frames: BTreeMap<String, Vec<String>>,
    gaps: Vec<GapRecord>,
    /// Relay stop records.
    stops: usize,
}

/// Reads the stream from the start until `done` says it has seen enough.
async fn read_stream(nats: &NatsServer, done: impl Fn(&Stored) -> bool) -> Stored {
    let client = genesys_relay::async_nats::connect(nats.url())
        .await
        .unwrap();
    let mut options = ConsumeOptions::default();
    options.from_start = true;
    let mut deliveries = consume(client, &options).await.unwrap();
    let mut stored = Stored::default();
    timeout(PATIENCE, async {
        while !done(&stored) {
            let delivery = deliveries.next().await.unwrap().unwrap();
            match delivery.record {
                Record::Notification { topic, frame } => stored
                    .frames
                    .entry(topic)
                    .or_default()
                    .push(String::from_utf8(frame.to_vec()).unwrap()),
                Record::Gap(gap) => stored.gaps.push(gap),
                Record::Relay(record) if record.event == RelayEvent::Stop => stored.stops += 1,
                _ => {}
            }
        }
    })
    .await
    .expect("the stream holds what was expected");
    stored
}

fn n_of(frame: &str) -> u64 {
    let value: Value = serde_json::from_str(frame).unwrap();
    value["eventBody"]["n"].as_u64().unwrap()
}

fn parse_time(text: &str) -> SystemTime {
    humantime::parse_rfc3339(text).unwrap()
}

async fn http_get(addr: &str, path: &str) -> String {
    let mut socket = tokio::net::TcpStream::connect(addr).await.unwrap();
    socket
        .write_all(
            format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .await
        .unwrap();
    let mut response = String::new();
    socket.read_to_string(&mut response).await.unwrap();
    response
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relay_killed_and_restarted_loses_nothing_outside_the_reported_gap() {
    timeout(Duration::from_secs(120), async {
        let nats = NatsServer::start();
        let url = nats.url();
        let sim = Simulator::start(SimConfig::default()).await.unwrap();
        let channel = sim.create_channel("relay-client");
        let mut first = Run::spawn(&relay_args(&channel.connect_uri, &url, "r1"));
        let metrics = first.event("metrics").await;
        first.event("relaying").await;
        let metrics_addr = metrics["addr"].as_str().unwrap().to_owned();
        assert!(
            http_get(&metrics_addr, "/healthz")
                .await
                .starts_with("HTTP/1.1 200")
        );

        let mut sent: Vec<Sent> = Vec::new();
        let mut n = 0u64;
        let mut publish = |sim: &Simulator, count: u64, sent: &mut Vec<Sent>| {
            for _ in 0..count {
                for topic in TOPICS {
                    let frame = sim.envelope(topic, &serde_json::json!({ "n": n }));
                    let at = SystemTime::now();
                    sim.publish_raw(topic, &frame);
                    sent.push(Sent {
                        topic,
                        n,
                        at,
                        frame: frame.as_str().to_owned(),
                    });
                }
                n += 1;
            }
        };
        publish(&sim, 200, &mut sent);
        read_stream(&nats, |s| {
            s.frames.values().map(Vec::len).sum::<usize>() >= 400
        })
        .await;
        // The stream can show a message before the relay has taken its acknowledgement:
        // the counter is polled (over HTTP, as a scraper would) until it catches up.
        let text = timeout(PATIENCE, async {
            loop {
                let text = http_get(&metrics_addr, "/metrics").await;
                if text.contains("genesys_relay_acked_total 400") {
                    break text;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await
        .expect("the relay counts 400 acknowledgements");
        assert!(text.contains("genesys_relay_nats_connected 1"), "{text}");

        // Killed while events keep coming.
        publish(&sim, 50, &mut sent);
        let killed_at = SystemTime::now();
        first.child.start_kill().unwrap();
        let _ = first.child.wait().await;
        publish(&sim, 50, &mut sent);

        let mut second = Run::spawn(&relay_args(&channel.connect_uri, &url, "r1"));
        let gap_line = second.event("gap").await;
        assert_eq!(gap_line["reason"], "relay_restarted", "{gap_line}");
        second.event("relaying").await;
        publish(&sim, 100, &mut sent);
        let last = n - 1;
        let stored = read_stream(&nats, |s| {
            TOPICS.iter().all(|t| {
                s.frames
                    .get(*t)
                    .and_then(|f| f.last())
                    .is_some_and(|f| n_of(f) == last)
            })
        })
        .await;
        second.signal("TERM");
        let (code, _, log) = second.finish().await;
        assert_eq!(code, 0, "{log:?}");
        assert!(
            log.iter().any(|l| l.contains("\"event\":\"done\"")),
            "{log:?}"
        );

        let [gap] = stored.gaps.as_slice() else {
            panic!("one gap record expected: {:?}", stored.gaps)
        };
        assert_eq!(gap.reason, GapReason::RelayRestarted);
        let (from, to) = (parse_time(&gap.from), parse_time(&gap.to));
        assert!(from <= killed_at && killed_at <= to, "{gap:?}");
        for topic in TOPICS {
            let frames = &stored.frames[topic];
            // Each once, in order.
            let ns: Vec<u64> = frames.iter().map(|f| n_of(f)).collect();
            assert!(ns.windows(2).all(|w| w[0] < w[1]), "{topic}: {ns:?}");
            // Exactly as published.
            for frame in frames {
                let original = sent
                    .iter()
                    .find(|s| s.topic == topic && s.n == n_of(frame))
                    .unwrap();
                assert_eq!(frame, &original.frame);
            }
            // Whatever is missing was published inside the reported gap (plus the
            // delivery latency from the simulator's publish to the relay's receipt, 1 s
            // here, far above what it takes).
            let lost: Vec<&Sent> = sent
                .iter()
                .filter(|s| s.topic == topic && !ns.contains(&s.n))
                .collect();
            // At least the events published while no relay ran.
            assert!(lost.len() >= 50, "{topic}: only {} lost", lost.len());
            for lost in lost {
                assert!(
                    lost.at + Duration::from_secs(1) >= from && lost.at <= to,
                    "{topic} #{} lost outside the gap {gap:?}",
                    lost.n
                );
            }
        }

        // `consume` prints the stored frames exactly, and the gap on stderr.
        let u1 = stored.frames[TOPICS[0]].len().to_string();
        let consumer = Run::spawn(&[
            "consume",
            "--nats-url",
            &url,
            "--from-start",
            "--count",
            &u1,
            "--filter",
            "genesys.v2.users.u1.>",
        ]);
        let (code, lines, log) = consumer.finish().await;
        assert_eq!(code, 0, "{log:?}");
        assert_eq!(lines, stored.frames[TOPICS[0]], "{log:?}");
        assert!(
            log.iter()
                .any(|l| l.contains("\"event\":\"gap\"") && l.contains("relay_restarted")),
            "{log:?}"
        );
    })
    .await
    .expect("test timed out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conflicting_stream_exits_2_and_is_left_unchanged() {
    timeout(Duration::from_secs(60), async {
        let nats = NatsServer::start();
        let url = nats.url();
        let client = genesys_relay::async_nats::connect(&url).await.unwrap();
        let js = genesys_relay::async_nats::jetstream::new(client);
        js.create_stream(genesys_relay::async_nats::jetstream::stream::Config {
            name: "GENESYS".into(),
            subjects: vec!["orders.>".into()],
            ..Default::default()
        })
        .await
        .unwrap();
        let sim = Simulator::start(SimConfig::default()).await.unwrap();
        let channel = sim.create_channel("relay-client");
        let run = Run::spawn(&relay_args(&channel.connect_uri, &url, "r1"));
        let (code, _, log) = run.finish().await;
        assert_eq!(code, 2, "{log:?}");
        let error = log
            .iter()
            .find(|l| l.contains("stream conflict"))
            .expect("the reason");
        assert!(error.contains("orders.>"), "{error}");
        // No channel was opened.
        assert!(sim.stats().channels.iter().all(|c| !c.connected));
        let info = js
            .get_stream("GENESYS")
            .await
            .unwrap()
            .get_info()
            .await
            .unwrap();
        assert_eq!(info.config.subjects, vec!["orders.>".to_owned()]);

        // Unreachable NATS: exit 10.
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let dead = format!("nats://{}", closed.local_addr().unwrap());
        drop(closed);
        let mut args = relay_args(&channel.connect_uri, &dead, "r1");
        args.extend(["--nats-connect-timeout", "1s"]);
        let (code, _, log) = Run::spawn(&args).finish().await;
        assert_eq!(code, 10, "{log:?}");
    })
    .await
    .expect("test timed out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn managed_relay_spreads_many_topics_over_a_pool_and_stores_each_notification_once() {
    timeout(Duration::from_secs(120), async {
        let nats = NatsServer::start();
        let url = nats.url();
        let sim = Simulator::start(SimConfig::default()).await.unwrap();
        let base = sim.base_url();
        let topics: Vec<String> = (0..1500)
            .map(|i| format!("v2.users.u{i}.presence"))
            .collect();
        let file =
            std::env::temp_dir().join(format!("genesys-notify-relay-pool-{}", std::process::id()));
        std::fs::write(&file, topics.join("\n")).unwrap();
        let mut relay = Run::spawn(&[
            "relay",
            "--api-base",
            &base,
            "--client-id",
            "demo-client",
            "--client-secret",
            "demo-secret",
            "--topics-file",
            file.to_str().unwrap(),
            "--nats-url",
            &url,
            "--relay-id",
            "pooled",
            "--checkpoint-interval",
            "100ms",
            "--drain-timeout",
            "5s",
        ]);
        let plan = relay.event("plan").await;
        assert_eq!(plan["topics"], 1500);
        assert_eq!(plan["channels"], 2);
        relay.event("relaying").await;
        let stats = sim.stats();
        assert_eq!(stats.channels.len(), 2, "{stats:?}");
        assert!(stats.channels.iter().all(|c| c.connected));

        // Ten topics of each pool channel, three events each.
        let mut sent: Vec<(String, String)> = Vec::new();
        for n in 0..3u64 {
            for channel in &stats.channels {
                for topic in channel.topics.iter().take(10) {
                    let frame = sim.envelope(topic, &serde_json::json!({ "n": n }));
                    sim.publish_raw(topic, &frame);
                    sent.push((topic.clone(), frame.as_str().to_owned()));
                }
            }
        }
        let expected = sent.len();
        read_stream(&nats, |s| {
            s.frames.values().map(Vec::len).sum::<usize>() >= expected
        })
        .await;
        // One pool channel's socket dropped: its gap record names that pool channel.
        let dropped = &stats.channels[1];
        sim.fault(&dropped.id, Fault::Drop).unwrap();
        relay.event("reconnected").await;
        relay.signal("TERM");
        let (code, _, log) = relay.finish().await;
        assert_eq!(code, 0, "{log:?}");
        let done: Value = log
            .iter()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .find(|v| v["event"] == "done")
            .unwrap();
        assert_eq!(done["received"], expected as u64, "{done}");
        assert_eq!(done["acked"], expected as u64, "{done}");
        assert_eq!(done["unacked"], 0, "{done}");

        // Everything up to the stop record: each notification exactly once.
        let stored = read_stream(&nats, |s| s.stops == 1).await;
        let mut got: Vec<(String, String)> = stored
            .frames
            .into_iter()
            .flat_map(|(topic, frames)| frames.into_iter().map(move |f| (topic.clone(), f)))
            .collect();
        got.sort();
        sent.sort();
        assert_eq!(got, sent);
        assert_eq!(stored.gaps.len(), 1, "{:?}", stored.gaps);
        let gap = &stored.gaps[0];
        assert_eq!(gap.reason, GapReason::Disconnected);
        let mut gap_topics = gap.topics.clone();
        gap_topics.sort();
        let mut dropped_topics = dropped.topics.clone();
        dropped_topics.sort();
        assert_eq!(gap_topics, dropped_topics);
        // `<relay id>/<tag>/<pool channel index>`: the tag is the pool's, the index the
        // dropped channel's.
        let parts: Vec<&str> = gap.channel.split('/').collect();
        assert_eq!(parts.len(), 3, "{}", gap.channel);
        assert_eq!(parts[0], "pooled");
        assert_eq!(parts[1].len(), 12, "{}", gap.channel);
        let short: String = dropped.id.chars().take(16).collect();
        let index = log
            .iter()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .find(|v| v["event"] == "channel" && v["id"] == format!("{short}…"))
            .map(|v| v["channel"].to_string())
            .expect("the plan names each pool channel");
        assert_eq!(parts[2], index, "{}", gap.channel);
        let _ = std::fs::remove_file(file);
    })
    .await
    .expect("within the test's time");
}
