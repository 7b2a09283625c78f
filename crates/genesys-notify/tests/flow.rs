//! `genesys-notify listen` with a slow stdout: back-pressure by default (every line arrives),
//! drops reported with `--overflow drop-newest`. Real time (the binary is its own process);
//! the stalls are the behaviour under test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use genesys_sim::{Frame, SimConfig, Simulator};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};

const TOPIC: &str = "v2.users.u1.presence";
/// Upper bound for anything a test awaits; far above what it takes.
const PATIENCE: Duration = Duration::from_secs(60);

fn frames(sim: &Simulator, n: u64) -> Vec<Frame> {
    (0..n)
        .map(|i| sim.envelope(TOPIC, &serde_json::json!({"i": i, "source": "PURECLOUD"})))
        .collect()
}

fn spawn(args: &[&str]) -> tokio::process::Child {
    support::command(args)
        .spawn()
        .expect("spawn genesys-notify")
}

async fn subscribed(sim: &Simulator) -> String {
    tokio::time::timeout(PATIENCE, async {
        loop {
            let stats = sim.stats();
            if let Some(c) = stats
                .channels
                .iter()
                .find(|c| c.connected && !c.topics.is_empty())
            {
                return c.id.clone();
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("listen subscribes")
}

/// A reader that stalls for 3 s, then reads slowly: every line arrives, in order, exit 0,
/// no drop reported.
async fn stalled_reader_gets_every_line(extra: &[&str]) {
    let n: u64 = 20_000;
    let sim = Arc::new(
        Simulator::start(SimConfig {
            socket_queue_capacity: 1024,
            ..SimConfig::default()
        })
        .await
        .unwrap(),
    );
    let channel = sim.create_channel("demo-client");
    let count = n.to_string();
    let mut args = vec![
        "listen",
        "--uri",
        &channel.connect_uri,
        "--topic",
        TOPIC,
        "--count",
        &count,
    ];
    args.extend_from_slice(extra);
    let mut child = spawn(&args);
    let id = subscribed(&sim).await;
    let frames = frames(&sim, n);
    let expected: Vec<String> = frames.iter().map(|f| f.as_str().to_owned()).collect();
    let publisher = {
        let sim = Arc::clone(&sim);
        tokio::spawn(async move { sim.publish_raw_batch_wait(TOPIC, &frames).await })
    };
    let mut stdout = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut stderr = child.stderr.take().unwrap();
    let log = tokio::spawn(async move {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text).await;
        text
    });
    // Nobody reads stdout for 3 s.
    tokio::time::sleep(Duration::from_secs(3)).await;
    for (i, want) in expected.iter().enumerate() {
        let line = tokio::time::timeout(PATIENCE, stdout.next_line())
            .await
            .unwrap_or_else(|_| panic!("line {i} did not arrive"))
            .unwrap()
            .unwrap_or_else(|| panic!("stdout ended before line {i}"));
        assert_eq!(&line, want, "line {i}");
        if i % 1000 == 999 {
            // Then slowly.
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    let status = tokio::time::timeout(PATIENCE, child.wait())
        .await
        .unwrap()
        .unwrap();
    let log = log.await.unwrap();
    assert_eq!(status.code(), Some(0), "{log}");
    assert!(stdout.next_line().await.unwrap().is_none(), "extra output");
    assert!(!log.contains("\"lagged\""), "{log}");
    assert_eq!(publisher.await.unwrap(), n as usize);
    let stats = sim.stats();
    let c = stats.channel(&id).unwrap();
    assert_eq!((c.lost, c.connections), (0, 1), "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_then_slow_reader_gets_every_line() {
    stalled_reader_gets_every_line(&[]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_then_slow_reader_gets_every_line_with_a_1_mib_buffer() {
    stalled_reader_gets_every_line(&["--max-buffer", "1MiB"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drop_newest_drops_for_a_stalled_reader_and_says_so() {
    // About 3 MB: more than the pipe, the lines gathered while stdout is full (1 MiB) and the
    // buffer together hold, so some must be dropped even though the channel's driver lets
    // the stream loop drain the buffer after every batch it reads.
    let n: u64 = 20_000;
    let sim = Simulator::start(SimConfig {
        socket_queue_capacity: 8192,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let channel = sim.create_channel("demo-client");
    let mut child = spawn(&[
        "listen",
        "--uri",
        &channel.connect_uri,
        "--topic",
        TOPIC,
        "--duration",
        "5s",
        "--overflow",
        "drop-newest",
        "--max-buffer",
        "64KiB",
    ]);
    subscribed(&sim).await;
    let frames = frames(&sim, n);
    assert_eq!(sim.publish_raw_batch_wait(TOPIC, &frames).await, n as usize);
    let mut stderr = child.stderr.take().unwrap();
    let log = tokio::spawn(async move {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text).await;
        text
    });
    // Nobody reads stdout for 2 s: the socket is still read, the buffer overflows.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut stdout = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut lines = 0u64;
    let mut last = None;
    while let Some(line) = tokio::time::timeout(PATIENCE, stdout.next_line())
        .await
        .unwrap()
        .unwrap()
    {
        let v: Value = serde_json::from_str(&line).unwrap();
        let i = v["eventBody"]["i"].as_u64().unwrap();
        assert!(last.is_none_or(|l| i > l), "in order");
        last = Some(i);
        lines += 1;
    }
    let status = tokio::time::timeout(PATIENCE, child.wait())
        .await
        .unwrap()
        .unwrap();
    let log = log.await.unwrap();
    assert_eq!(status.code(), Some(0), "{log}");
    let dropped: u64 = log
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["event"] == "lagged")
        .map(|v| v["dropped"].as_u64().unwrap())
        .sum();
    assert!(dropped > 0, "{log}");
    assert_eq!(lines + dropped, n, "{log}");
}
