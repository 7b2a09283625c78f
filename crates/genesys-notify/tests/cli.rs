//! The `genesys-notify` binary, run as a user would, against an in-process simulator.
//!
//! The binary runs in its own process, so these tests use real time with short configured
//! timeouts; they never sleep to wait for something: they await stdout lines and stderr
//! lifecycle events (`--log-format json`), each with a deadline, and act only once what they
//! wait for has happened. Nothing depends on how fast a loaded machine runs: where the
//! binary's own clock matters (a duration, a grace period, the pace of the demo's events),
//! the test leaves seconds of margin or does not depend on it. Every test runs under a time
//! limit ([`within`]), so a failure fails instead of hanging.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::{PATIENCE, Run};

use std::time::Duration;

use genesys_sim::{DeniedTopic, Fault, Frame, SimConfig, Simulator};
use serde_json::Value;

/// Upper bound for a whole test.
const TEST_LIMIT: Duration = Duration::from_secs(120);

/// Runs a test body under [`TEST_LIMIT`]; the processes it started are killed when it is
/// dropped (`kill_on_drop`).
async fn within(test: impl Future<Output = ()>) {
    tokio::time::timeout(TEST_LIMIT, test)
        .await
        .expect("the test finished within its time limit");
}

/// Runs to completion.
async fn run(args: &[&str]) -> (i32, Vec<String>, Vec<String>) {
    Run::spawn(args).finish().await
}

async fn simulator(config: SimConfig) -> Simulator {
    Simulator::start(config).await.unwrap()
}

/// Publishes a fresh envelope on `topic` and returns it as sent.
fn publish(sim: &Simulator, topic: &str, n: u64) -> String {
    let frame: Frame = sim.envelope(topic, &serde_json::json!({"n": n, "source": "test"}));
    sim.publish_raw(topic, &frame);
    frame.as_str().to_owned()
}

fn channel_of(sim: &Simulator) -> String {
    let stats = sim.stats();
    let connected: Vec<_> = stats.channels.iter().filter(|c| c.connected).collect();
    assert_eq!(connected.len(), 1, "{stats:?}");
    connected[0].id.clone()
}

fn exit_code_of(log: &[String]) -> Option<i64> {
    log.iter()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find_map(|v| v["exit_code"].as_i64())
}

const PRESENCE: &str = "v2.users.u1.presence";
const ROUTING: &str = "v2.users.u1.routingStatus";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stdout_is_exactly_what_was_published_and_sigint_exits_0() {
    within(async move {
        let sim = simulator(SimConfig::default()).await;
        let channel = sim.create_channel("demo-client");
        let topics =
            std::env::temp_dir().join(format!("genesys-notify-topics-{}", std::process::id()));
        std::fs::write(
            &topics,
            "# the agent\nv2.users.u1?presence&routingStatus  # both\n\n",
        )
        .unwrap();
        let mut listen = Run::spawn(&[
            "listen",
            "--uri",
            &channel.connect_uri,
            "--topics-file",
            topics.to_str().unwrap(),
        ]);
        listen.event("listening").await;
        std::fs::remove_file(&topics).unwrap();

        let mut sent = Vec::new();
        for n in 0..6 {
            let topic = if n % 2 == 0 { PRESENCE } else { ROUTING };
            sent.push(publish(&sim, topic, n));
            // Not subscribed: must never appear.
            publish(&sim, "v2.users.u2.presence", n);
        }
        for expected in &sent {
            assert_eq!(&listen.line().await, expected);
        }

        listen.signal("INT");
        let (code, rest, log) = listen.finish().await;
        assert_eq!(code, 0, "{log:?}");
        assert!(rest.is_empty(), "unexpected stdout: {rest:?}");
        assert!(
            log.iter().any(|l| l.contains(r#""why":"SIGINT""#)),
            "{log:?}"
        );
        // The socket was closed, not abandoned.
        assert!(!sim.stats().channel(&channel.id).unwrap().connected);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heartbeats_only_with_the_flag_and_count_stops() {
    within(async move {
        let mut config = SimConfig {
            heartbeat_interval: Duration::from_millis(100),
            ..SimConfig::default()
        };
        // Heartbeats with `version` and `metadata`: proves they are printed as received.
        config.protocol.metadata_full_envelope = true;
        let sim = simulator(config).await;
        let (a, b) = (
            sim.create_channel("demo-client"),
            sim.create_channel("demo-client"),
        );
        let mut with = Run::spawn(&[
            "listen",
            "--uri",
            &a.connect_uri,
            "-t",
            PRESENCE,
            "--include-heartbeats",
            "--count",
            "1",
        ]);
        let mut without = Run::spawn(&[
            "listen",
            "--uri",
            &b.connect_uri,
            "-t",
            PRESENCE,
            "--count",
            "1",
        ]);
        with.event("listening").await;
        without.event("listening").await;

        // Heartbeats flow to stdout with the flag ...
        for _ in 0..3 {
            let heartbeat: Value = serde_json::from_str(&with.line().await).unwrap();
            assert_eq!(heartbeat["topicName"], "channel.metadata");
            assert_eq!(heartbeat["eventBody"]["message"], "WebSocket Heartbeat");
            assert_eq!(heartbeat["version"], "2");
        }
        // ... and never without it: its first line is the notification, after heartbeats
        // went by (the simulator has sent several to both sockets by now).
        let frame = publish(&sim, PRESENCE, 1);
        // --count 1 means exactly one line, even with more already received.
        publish(&sim, PRESENCE, 2);
        publish(&sim, PRESENCE, 3);
        assert_eq!(without.line().await, frame);
        // --count counts notifications, not heartbeats.
        let mut lines = vec![];
        loop {
            let line = with.line().await;
            if line == frame {
                break;
            }
            lines.push(line);
        }
        assert!(lines.iter().all(|l| l.contains("channel.metadata")));
        let (code, rest, log) = without.finish().await;
        assert_eq!((code, rest.len()), (0, 0), "{log:?}");
        let (code, _, log) = with.finish().await;
        assert_eq!(code, 0, "{log:?}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filter_prints_only_the_chosen_templates() {
    let sim = simulator(SimConfig::default()).await;
    let channel = sim.create_channel("demo-client");
    let mut listen = Run::spawn(&[
        "listen",
        "--uri",
        &channel.connect_uri,
        "-t",
        "v2.users.u1?presence&routingStatus&activity",
        "--filter",
        "v2.users.{id}.presence",
        "--filter",
        "UserActivity",
        "--count",
        "2",
    ]);
    listen.event("listening").await;
    publish(&sim, ROUTING, 1);
    let presence = publish(&sim, PRESENCE, 2);
    publish(&sim, ROUTING, 3);
    let activity = publish(&sim, "v2.users.u1.activity", 4);
    assert_eq!(listen.line().await, presence);
    assert_eq!(listen.line().await, activity);
    let (code, rest, log) = listen.finish().await;
    assert_eq!((code, rest.len()), (0, 0), "{log:?}");
    // An unknown template is a usage error.
    let (code, _, _) = run(&[
        "listen",
        "--uri",
        &channel.connect_uri,
        "-t",
        PRESENCE,
        "--filter",
        "v2.users.{id}.nothing",
    ])
    .await;
    assert_eq!(code, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duration_ends_listen_with_0_and_pretty_spans_lines() {
    within(async move {
        let sim = simulator(SimConfig::default()).await;
        let channel = sim.create_channel("demo-client");
        // --pretty: stop after the notification (no clock involved).
        let mut listen = Run::spawn(&[
            "listen",
            "--uri",
            &channel.connect_uri,
            "-t",
            PRESENCE,
            "--pretty",
            "--count",
            "1",
        ]);
        listen.event("listening").await;
        let frame = publish(&sim, PRESENCE, 7);
        let (code, out, log) = listen.finish().await;
        assert_eq!(code, 0, "{log:?}");
        assert!(out.len() > 1, "{out:?}");
        let pretty: Value = serde_json::from_str(&out.join("\n")).unwrap();
        assert_eq!(pretty, serde_json::from_str::<Value>(&frame).unwrap());
        // --duration: ends the run with 0 however long the start took (if it took longer,
        // the run ends as soon as it is subscribed).
        let mut listen = Run::spawn(&[
            "listen",
            "--uri",
            &channel.connect_uri,
            "-t",
            PRESENCE,
            "--duration",
            "1s",
        ]);
        listen.event("listening").await;
        let (code, out, log) = listen.finish().await;
        assert_eq!((code, out.len()), (0, 0), "{log:?}");
        assert!(
            log.iter()
                .any(|l| l.contains(r#""why":"duration elapsed""#)),
            "{log:?}"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_errors_exit_2() {
    within(async move {
        let (code, out, _) = run(&["listen", "--no-such-flag"]).await;
        assert_eq!((code, out.len()), (2, 0));
        let (code, _, log) = run(&["listen", "--uri", "ws://127.0.0.1:1/channels/x"]).await;
        assert_eq!(code, 2, "no topics: {log:?}");
        let (code, _, log) = run(&["listen", "-t", PRESENCE]).await;
        assert_eq!(code, 2, "nothing to listen to: {log:?}");
        let (code, out, log) = run(&["listen", "--uri", "not a uri", "-t", PRESENCE]).await;
        assert_eq!((code, out.len()), (2, 0), "invalid URI: {log:?}");
        assert_eq!(exit_code_of(&log), Some(2));
        // The simulator's own validation (every `genesys-sim` option is accepted).
        let (code, _, log) =
            run(&["sim", "--not-found-frame", "--close-code-expired", "1006"]).await;
        assert_eq!(code, 2, "{log:?}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn durations_too_long_to_schedule_exit_2() {
    let sim = simulator(SimConfig::default()).await;
    let channel = sim.create_channel("demo-client");
    for flag in ["--heartbeat-timeout", "--lifetime", "--subscribe-timeout"] {
        let args = [
            "listen",
            "--uri",
            &channel.connect_uri,
            "-t",
            PRESENCE,
            flag,
            "100000y",
        ];
        let (code, out, log) = run(&args).await;
        assert_eq!((code, out.len()), (2, 0), "{flag}: {log:?}");
        assert!(log.iter().any(|l| l.contains("invalid option")), "{log:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_connection_exits_10() {
    within(async move {
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let uri = format!("ws://127.0.0.1:{port}/channels/streaming-0-x");
        let (code, out, log) = run(&["listen", "-q", "--uri", &uri, "-t", PRESENCE]).await;
        assert_eq!((code, out.len()), (10, 0), "{log:?}");
        // -q: the error line only, no lifecycle lines.
        assert_eq!(log.len(), 1, "{log:?}");
        assert_eq!(exit_code_of(&log), Some(10));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_credentials_exit_11_without_echoing_the_secret() {
    within(async move {
        let sim = simulator(SimConfig::default()).await;
        let base = sim.base_url();
        let mut run = Run::spawn_env(
            &["listen", "--api-base", &base, "-t", PRESENCE],
            &[
                ("GENESYSCLOUD_OAUTHCLIENT_ID", "demo-client"),
                ("GENESYSCLOUD_OAUTHCLIENT_SECRET", "not-the-s3cret"),
            ],
        );
        let code = tokio::time::timeout(PATIENCE, run.child.wait())
            .await
            .unwrap()
            .unwrap();
        let (_, out, log) = run.finish().await;
        assert_eq!((code.code(), out.len()), (Some(11), 0), "{log:?}");
        assert!(log.iter().all(|l| !l.contains("not-the-s3cret")), "{log:?}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejected_subscription_exits_12() {
    within(async move {
        let sim = simulator(SimConfig::default()).await;
        let channel = sim.create_channel("demo-client");
        sim.fault(&channel.id, Fault::RejectNextSubscribe).unwrap();
        let (code, out, log) =
            run(&["listen", "--uri", &channel.connect_uri, "-t", PRESENCE]).await;
        assert_eq!((code, out.len()), (12, 0), "{log:?}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn managed_topics_refused_are_reported_and_all_refused_exits_12() {
    within(async move {
        let sim = simulator(SimConfig {
            denied_topics: vec![DeniedTopic::new("v2.users.*.routingStatus")],
            ..SimConfig::default()
        })
        .await;
        let base = sim.base_url();
        let managed = |topics: &[&str]| {
            let mut args = vec![
                "listen",
                "--api-base",
                &base,
                "--client-id",
                "demo-client",
                "--client-secret",
                "demo-secret",
                "--count",
                "1",
            ];
            for topic in topics {
                args.extend(["-t", topic]);
            }
            args.into_iter().map(str::to_owned).collect::<Vec<_>>()
        };
        // One of two refused: reported, the other one streams.
        let args = managed(&[PRESENCE, ROUTING]);
        let mut listen = Run::spawn(&args.iter().map(String::as_str).collect::<Vec<_>>());
        let refused = listen.event("topic_rejected").await;
        assert_eq!(refused["topic"], ROUTING);
        listen.event("listening").await;
        let frame = publish(&sim, PRESENCE, 1);
        assert_eq!(listen.line().await, frame);
        let (code, _, log) = listen.finish().await;
        assert_eq!(code, 0, "{log:?}");
        // All refused: nothing to listen to.
        let args = managed(&[ROUTING]);
        let (code, out, log) = run(&args.iter().map(String::as_str).collect::<Vec<_>>()).await;
        assert_eq!((code, out.len()), (12, 0), "{log:?}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn channel_gone_exits_13() {
    within(async move {
        let sim = simulator(SimConfig::default()).await;
        let channel = sim.create_channel("demo-client");
        let mut listen = Run::spawn(&[
            "listen",
            "-v",
            "--uri",
            &channel.connect_uri,
            "-t",
            PRESENCE,
        ]);
        listen.event("listening").await;
        let frame = publish(&sim, PRESENCE, 1);
        assert_eq!(listen.line().await, frame);
        // The channel expires: the socket closes and the channel no longer exists.
        sim.fault(&channel.id, Fault::Expire).unwrap();
        let (code, out, log) = listen.finish().await;
        assert_eq!((code, out.len()), (13, 0), "{log:?}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exhausted_reconnects_exit_14() {
    within(async move {
        let sim = simulator(SimConfig::default()).await;
        let channel = sim.create_channel("demo-client");
        let mut listen = Run::spawn(&[
            "listen",
            "--uri",
            &channel.connect_uri,
            "-t",
            PRESENCE,
            "--max-reconnect-attempts",
            "2",
        ]);
        listen.event("listening").await;
        sim.fault(
            &channel.id,
            Fault::RefuseConnections {
                duration: Duration::from_secs(60),
            },
        )
        .unwrap();
        sim.fault(&channel.id, Fault::Drop).unwrap();
        let (code, out, log) = listen.finish().await;
        assert_eq!((code, out.len()), (14, 0), "{log:?}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn managed_listen_survives_a_drop_and_maintenance_without_loss() {
    within(async move {
        let sim = simulator(SimConfig {
            // The client moves before the grace ends; seconds of margin for a loaded machine
            // (the test waits for the move, not for the grace).
            socket_closing_grace: Duration::from_secs(10),
            ..SimConfig::default()
        })
        .await;
        let base = sim.base_url();
        let mut listen = Run::spawn(&[
            "listen",
            "-v",
            "--api-base",
            &base,
            "--client-id",
            "demo-client",
            "--client-secret",
            "demo-secret",
            "-t",
            PRESENCE,
        ]);
        listen.event("listening").await;
        let mut n = 0;
        let mut check = async |listen: &mut Run, sim: &Simulator, phase: &str| {
            let sent: Vec<String> = (0..5)
                .map(|_| {
                    n += 1;
                    publish(sim, PRESENCE, n)
                })
                .collect();
            for frame in sent {
                assert_eq!(listen.line().await, frame, "{phase}");
            }
        };
        check(&mut listen, &sim, "before").await;

        sim.fault(&channel_of(&sim), Fault::Drop).unwrap();
        listen.event("reconnected").await;
        check(&mut listen, &sim, "after the drop").await;

        // Maintenance: events published right after the announcement reach the old socket
        // while the client moves to a new channel; none may be lost or duplicated.
        sim.fault(&channel_of(&sim), Fault::SocketClosing).unwrap();
        check(&mut listen, &sim, "during maintenance").await;
        listen.event("rollover_completed").await;
        check(&mut listen, &sim, "after maintenance").await;

        listen.signal("TERM");
        let (code, rest, log) = listen.finish().await;
        assert_eq!(code, 0, "{log:?}");
        assert!(rest.is_empty(), "duplicates or strays: {rest:?}");
        let done = log
            .iter()
            .find(|l| l.contains(r#""event":"done""#))
            .unwrap();
        let done: Value = serde_json::from_str(done).unwrap();
        assert_eq!(done["notifications"], 20);
        assert_eq!(done["reconnects"], 1);
        assert_eq!(done["rollovers"], 1);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_summary_reports_zero_losses() {
    within(async move {
        // The demo acts right after an event; at one event a second, the next one comes a
        // second later, and the reconnect after the drop and the move to a new channel take
        // milliseconds (tens on a loaded machine): no event falls into either unless the
        // machine stalls for a second, so the counts below are exact.
        let (code, out, log) = run(&["demo", "--duration", "6s", "--rate", "1"]).await;
        assert_eq!(code, 0, "{log:?}");
        let summary: Value = log
            .iter()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .find_map(|v| v.get("summary").cloned())
            .unwrap_or_else(|| panic!("no summary: {log:?}"));
        let received = summary["received"].as_u64().unwrap();
        assert!(received >= 3, "{summary}");
        assert_eq!(summary["published"], received, "{summary}");
        assert_eq!(summary["lost"], 0, "{summary}");
        assert_eq!(summary["duplicates"], 0, "{summary}");
        assert_eq!(summary["reconnects"], 1, "{summary}");
        assert_eq!(summary["rollovers"], 1, "{summary}");
        assert!(summary["channels"].as_u64().unwrap() >= 2, "{summary}");
        assert_eq!(out.len() as u64, received);
        let per_topic: u64 = summary["per_topic"]
            .as_object()
            .unwrap()
            .values()
            .map(|n| n.as_u64().unwrap())
            .sum();
        assert_eq!(per_topic, received);
        for line in &out {
            let n: Value = serde_json::from_str(line).unwrap();
            assert!(n["topicName"].as_str().unwrap().starts_with("v2."));
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn channels_over_rest() {
    within(async move {
        let sim = simulator(SimConfig::default()).await;
        let base = sim.base_url();
        let creds = [
            "--api-base",
            base.as_str(),
            "--client-id",
            "demo-client",
            "--client-secret",
            "demo-secret",
        ];
        let cmd = |args: &[&str]| {
            let mut all = vec!["channels"];
            all.extend_from_slice(&creds);
            all.extend_from_slice(args);
            all.into_iter().map(str::to_owned).collect::<Vec<_>>()
        };
        let json = |out: &[String]| -> Value {
            assert_eq!(out.len(), 1, "{out:?}");
            serde_json::from_str(&out[0]).unwrap()
        };
        let args = cmd(&["create"]);
        let (code, out, log) = run(&args.iter().map(String::as_str).collect::<Vec<_>>()).await;
        assert_eq!(code, 0, "{log:?}");
        let created = json(&out);
        let id = created["id"].as_str().unwrap().to_owned();
        assert!(created["connectUri"].as_str().unwrap().ends_with(&id));

        let steps: Vec<(Vec<&str>, i32)> = vec![
            (vec!["check", &id], 0),
            (vec!["check", "streaming-0-nope"], 13),
            (vec!["subscriptions", "add", &id, PRESENCE, ROUTING], 0),
            (vec!["subscriptions", "remove", &id, ROUTING], 0),
            (vec!["subscriptions", "get", &id], 0),
            (vec!["list", "--scope", "oauthclient"], 0),
            (vec!["subscriptions", "replace", &id, ROUTING], 0),
            (vec!["subscriptions", "remove", &id, "--all"], 0),
            (vec!["subscriptions", "get", &id], 0),
        ];
        let mut answers = Vec::new();
        for (args, expected) in steps {
            let full = cmd(&args);
            let (code, out, log) = run(&full.iter().map(String::as_str).collect::<Vec<_>>()).await;
            assert_eq!(code, expected, "{args:?}: {log:?}");
            answers.push(json(&out));
        }
        assert_eq!(answers[0]["exists"], true);
        assert_eq!(answers[1]["exists"], false);
        let ids = |v: &Value| -> Vec<String> {
            v["entities"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["id"].as_str().unwrap().to_owned())
                .collect()
        };
        assert_eq!(ids(&answers[2]), [PRESENCE, ROUTING]);
        assert_eq!(ids(&answers[4]), [PRESENCE]);
        // Each run gets its own token; the channel made by another token is listed, its id hidden.
        assert!(
            !answers[5]["entities"].as_array().unwrap().is_empty(),
            "{}",
            answers[5]
        );
        assert_eq!(ids(&answers[6]), [ROUTING]);
        assert!(ids(&answers[7]).is_empty());
        assert!(ids(&answers[8]).is_empty());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn help_explains_exit_codes_and_never_shows_the_secret() {
    within(async move {
        let secret = [("GENESYSCLOUD_OAUTHCLIENT_SECRET", "hunter2-s3cret")];
        for args in [
            &["--help"][..],
            &["listen", "--help"],
            &["channels", "--help"],
            &["demo", "--help"],
        ] {
            let (code, out, _) = Run::spawn_env(args, &secret).finish().await;
            let text = out.join("\n");
            assert_eq!(code, 0);
            assert!(text.contains("14  recovery failure"), "{args:?}:\n{text}");
            assert!(!text.contains("hunter2"), "{args:?}:\n{text}");
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sim_subcommand_serves_the_simulator() {
    within(async move {
        let mut sim = Run::spawn(&["sim", "--generate", "--generate-rate", "20"]);
        let first = sim.line().await;
        let base = first
            .strip_prefix("listening on ")
            .expect(&first)
            .to_owned();
        let mut listen = Run::spawn(&[
            "listen",
            "--api-base",
            &base,
            "--client-id",
            "demo-client",
            "--client-secret",
            "demo-secret",
            "-t",
            PRESENCE,
            "--count",
            "3",
        ]);
        for _ in 0..3 {
            let n: Value = serde_json::from_str(&listen.line().await).unwrap();
            assert_eq!(n["topicName"], PRESENCE);
        }
        let (code, _, log) = listen.finish().await;
        assert_eq!(code, 0, "{log:?}");
        sim.signal("TERM");
        let (code, _, log) = sim.finish().await;
        assert_eq!(code, 0, "{log:?}");
    })
    .await;
}

/// Writes `topics` to a fresh topic file.
fn topic_file(name: &str, topics: &[String]) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("genesys-notify-{name}-{}", std::process::id()));
    std::fs::write(&path, topics.join("\n")).unwrap();
    path
}

fn many_topics(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("v2.users.u{i}.presence")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn managed_listen_spreads_many_topics_over_a_pool_and_shows_the_plan() {
    within(async move {
        let sim = simulator(SimConfig::default()).await;
        let base = sim.base_url();
        let topics = many_topics(1500);
        let file = topic_file("pool", &topics);
        let mut listen = Run::spawn(&[
            "listen",
            "--api-base",
            &base,
            "--client-id",
            "demo-client",
            "--client-secret",
            "demo-secret",
            "--topics-file",
            file.to_str().unwrap(),
            "--count",
            "2",
        ]);
        let plan = listen.event("plan").await;
        assert_eq!(plan["topics"], 1500);
        assert_eq!(plan["entries"], 1500);
        assert_eq!(plan["channels"], 2);
        listen.event("listening").await;
        let stats = sim.stats();
        assert_eq!(stats.channels.len(), 2);
        assert!(
            stats
                .channels
                .iter()
                .all(|c| c.connected && c.topics.len() == 750)
        );
        // One topic of each channel.
        let first = &stats.channels[0].topics[0];
        let second = &stats.channels[1].topics[0];
        let a = publish(&sim, first, 1);
        let b = publish(&sim, second, 2);
        let mut got = vec![listen.line().await, listen.line().await];
        got.sort();
        let mut sent = vec![a, b];
        sent.sort();
        assert_eq!(got, sent);
        let (code, _, log) = listen.finish().await;
        assert_eq!(code, 0, "{log:?}");
        let _ = std::fs::remove_file(file);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_topic_set_that_cannot_fit_exits_12_before_any_channel_is_created() {
    within(async move {
        let sim = simulator(SimConfig::default()).await;
        let base = sim.base_url();
        let file = topic_file("too-many", &many_topics(2001));
        let (code, out, log) = run(&[
            "listen",
            "--api-base",
            &base,
            "--client-id",
            "demo-client",
            "--client-secret",
            "demo-secret",
            "--topics-file",
            file.to_str().unwrap(),
            "--max-channels",
            "2",
        ])
        .await;
        assert_eq!((code, out.len()), (12, 0), "{log:?}");
        let text = log.join("\n");
        assert!(text.contains("2001 topics"), "{text}");
        assert!(
            text.contains("the limit is 2 channels, 2000 topics"),
            "{text}"
        );
        assert!(sim.stats().channels.is_empty(), "a channel was created");
        // More than the service's 20 is a usage error.
        let (code, _, log) = run(&[
            "listen",
            "--api-base",
            &base,
            "-t",
            "a.b",
            "--max-channels",
            "21",
        ])
        .await;
        assert_eq!(code, 2, "{log:?}");
        let _ = std::fs::remove_file(file);
    })
    .await;
}

/// A TCP proxy to `to`; once the returned switch is set, what the simulator sends waits in
/// the proxy (never reaches the client), as if stuck behind a long queue.
async fn holding_proxy(
    to: std::net::SocketAddr,
) -> (std::net::SocketAddr, tokio::sync::watch::Sender<bool>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (hold, held) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let Ok(server) = tokio::net::TcpStream::connect(to).await else {
                continue;
            };
            let mut held = held.clone();
            let (mut client_rx, mut client_tx) = client.into_split();
            let (mut server_rx, mut server_tx) = server.into_split();
            tokio::spawn(async move {
                let _ = tokio::io::copy(&mut client_rx, &mut server_tx).await;
                let _ = server_tx.shutdown().await;
            });
            tokio::spawn(async move {
                let mut buf = vec![0u8; 16 * 1024];
                while let Ok(n) = server_rx.read(&mut buf).await {
                    if n == 0 || held.wait_for(|h| !*h).await.is_err() {
                        break;
                    }
                    if client_tx.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    (addr, hold)
}

/// At exit the close frame is sent and the service's answer awaited at most
/// `--close-timeout`: by default not at all, so a service whose answer is held up does not
/// keep the process; with `--close-timeout 1500ms` the process waits that long.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_waits_for_the_close_answer_at_most_the_close_timeout() {
    within(async move {
        let sim = simulator(SimConfig::default()).await;
        for (flag, wait) in [
            (None, Duration::ZERO),
            (Some("1500ms"), Duration::from_millis(1500)),
        ] {
            let channel = sim.create_channel("demo-client");
            let (proxy, hold) = holding_proxy(sim.addr()).await;
            let uri = format!("ws://{proxy}/channels/{}", channel.id);
            let mut args = vec!["listen", "--uri", &uri, "-t", PRESENCE];
            if let Some(flag) = flag {
                args.extend(["--close-timeout", flag]);
            }
            let mut listen = Run::spawn(&args);
            listen.event("listening").await;
            let sent = publish(&sim, PRESENCE, 1);
            assert_eq!(listen.line().await, sent);
            hold.send_replace(true);
            let signalled = tokio::time::Instant::now();
            listen.signal("INT");
            let (code, rest, log) = listen.finish().await;
            let took = signalled.elapsed();
            assert_eq!(code, 0, "{log:?}");
            assert!(rest.is_empty(), "unexpected stdout: {rest:?}");
            // A lower bound holds on any machine; the upper one leaves seconds of margin.
            assert!(took >= wait, "exited after {took:?}, before {wait:?}");
            assert!(
                took < wait + Duration::from_secs(3),
                "exited after {took:?}"
            );
        }
    })
    .await;
}

/// With stdout a regular file the lines are written without a writer thread: every
/// notification is there, exactly as published, one a line.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listen_into_a_regular_file_writes_every_line() {
    use tokio::io::AsyncBufReadExt as _;
    within(async move {
        let sim = simulator(SimConfig::default()).await;
        let channel = sim.create_channel("demo-client");
        let path =
            std::env::temp_dir().join(format!("genesys-notify-stdout-{}", std::process::id()));
        let file = std::fs::File::create(&path).unwrap();
        let mut child = support::command(&[
            "listen",
            "--uri",
            &channel.connect_uri,
            "-t",
            PRESENCE,
            "--count",
            "500",
        ])
        .stdout(file)
        .spawn()
        .unwrap();
        let mut stderr = tokio::io::BufReader::new(child.stderr.take().unwrap()).lines();
        let mut log = Vec::new();
        while let Some(line) = tokio::time::timeout(PATIENCE, stderr.next_line())
            .await
            .unwrap()
            .unwrap()
        {
            log.push(line);
            if log.last().unwrap().contains(r#""event":"listening""#) {
                break;
            }
        }
        let sent: Vec<String> = (0..500).map(|n| publish(&sim, PRESENCE, n)).collect();
        let status = tokio::time::timeout(PATIENCE, child.wait())
            .await
            .unwrap()
            .unwrap();
        while let Ok(Some(line)) = stderr.next_line().await {
            log.push(line);
        }
        assert_eq!(status.code(), Some(0), "{log:?}");
        let written = std::fs::read_to_string(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        let lines: Vec<&str> = written.lines().collect();
        assert_eq!(lines, sent, "{log:?}");
        assert!(written.ends_with('\n'));
    })
    .await;
}
