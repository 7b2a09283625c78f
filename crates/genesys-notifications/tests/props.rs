//! Property tests (proptest) on the public API and through the real client over loopback:
//!
//! * envelope parsing on arbitrary JSON and arbitrary text and bytes: never a panic, the
//!   outcome agrees with an independent reading of the protocol (`fuzz/harness/oracle.rs`):
//!   notification, malformed item, control frame, and the frames that change the channel
//!   (`{"result":"404"}`, `v2.system.no_longer_subscribed`, `v2.system.token_revoked`: a fatal
//!   end carrying the frame; `v2.system.socket_closing`: a move to a new socket with nothing
//!   lost and no gap); valid envelopes round-trip exactly (topic, version, correlation id,
//!   body bytes, raw frame);
//! * topic handling: validation and combined-topic expansion, and combined topics of random
//!   shape subscribed through the simulator deliver every leaf;
//! * the reconnect policy: delays within `[0, cap]` and the exponential bound, first retry
//!   immediate, attempts bounded, seeded schedules reproducible, and the channel's real
//!   schedule equal to `delays()` until exhaustion.
//!
//! Each frame case runs over the same simulator and channel on a paused current-thread
//! runtime (a few hundred microseconds per case); a frame that ends the channel is followed
//! by a fresh one. `PROPTEST_CASES` raises the counts.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

#[path = "../../../fuzz/harness/oracle.rs"]
#[allow(dead_code, unreachable_pub)]
mod oracle;

use std::cell::RefCell;
use std::time::Duration;

use futures_util::StreamExt;
use genesys_notifications::{
    Channel, ConnectOptions, Error, ErrorKind, Event, Events, Notification, Reason,
    ReconnectPolicy, topic,
};
use genesys_sim::{Fault, SimChannel, Simulator};
use oracle::{Gone, Oracle, oracle};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Map, Value, json};
use support::*;
use tokio::runtime::Runtime;
use tokio::time::Instant;

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap()
}

fn config(cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// One simulator and one subscribed channel, shared by every case until a frame ends it.
struct Rig {
    sim: Simulator,
    info: SimChannel,
    ch: Channel,
    events: Events,
    seq: u64,
    /// Sockets the channel should have opened so far (one more per maintenance move).
    connections: u64,
    /// Channels used (one more after each frame that ended one).
    channels: u64,
}

/// What the client did with one frame, framed by two valid notifications.
struct Outcome {
    /// The items between the two notifications (or up to the end of the stream).
    items: Vec<Result<Notification, Error>>,
    /// Whether the stream ended instead of delivering the second notification.
    ended: bool,
}

impl Rig {
    async fn new() -> Rig {
        let sim = sim().await;
        let info = channel(&sim);
        let ch = ConnectOptions::new()
            .connect(&info.connect_uri, [TOPIC])
            .await
            .unwrap();
        let events = ch.events();
        Rig {
            sim,
            info,
            ch,
            events,
            seq: 0,
            connections: 1,
            channels: 1,
        }
    }

    /// After a frame that ended the channel: a new channel on the same simulator.
    async fn renew(&mut self) {
        self.info = channel(&self.sim);
        self.ch = ConnectOptions::new()
            .connect(&self.info.connect_uri, [TOPIC])
            .await
            .unwrap();
        self.events = self.ch.events();
        self.connections = 1;
        self.channels += 1;
    }

    fn marker(&mut self) -> u64 {
        self.seq += 1;
        assert_eq!(self.sim.publish(TOPIC, json!({ "seq": self.seq })), 1);
        self.seq
    }

    /// The items the client yields for `fault`, framed by two valid notifications.
    async fn between(&mut self, fault: Fault) -> Vec<Result<Notification, Error>> {
        let outcome = self.around(fault).await;
        assert!(!outcome.ended, "{:?}", outcome.items);
        outcome.items
    }

    /// As [`Rig::between`], for a frame that may end the stream.
    async fn around(&mut self, fault: Fault) -> Outcome {
        let before = self.marker();
        settle().await;
        self.sim.fault(&self.info.id, fault).unwrap();
        let after = self.marker();
        let first = next_note(&mut self.ch).await;
        assert_eq!(seq_of(&first), Some(before));
        let mut items = Vec::new();
        loop {
            let item = tokio::time::timeout(Duration::from_secs(3600), self.ch.next())
                .await
                .expect("an item or the end within an hour");
            match item {
                None => return Outcome { items, ended: true },
                Some(Ok(n)) if n.topic() == TOPIC && seq_of(&n) == Some(after) => {
                    return Outcome {
                        items,
                        ended: false,
                    };
                }
                Some(item) => items.push(item),
            }
        }
    }

    /// Waits for the maintenance move announced by a `socket_closing` frame to finish.
    async fn moved(&mut self) {
        wait_event(&mut self.events, |e| matches!(e, Event::RolloverCompleted)).await;
        self.connections += 1;
    }
}

fn seq_of(n: &Notification) -> Option<u64> {
    n.body::<Value>()
        .ok()
        .and_then(|v| v.get("seq").and_then(Value::as_u64))
}

fn leaf_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        Just(json!(404)),
        (-1e9f64..1e9).prop_map(|f| json!(f)),
        "\\PC{0,12}".prop_map(Value::String),
        prop_oneof![
            Just("200"),
            Just("400"),
            Just("404"),
            Just(" 404"),
            Just("201 "),
            Just("abc"),
            Just("")
        ]
        .prop_map(|s| Value::String(s.to_owned())),
    ]
}

fn any_json() -> impl Strategy<Value = Value> {
    leaf_value().prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[a-zA-Z]{0,6}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Topics for hostile frames: never the rig's own topic (its markers must stay unambiguous).
fn frame_topic() -> impl Strategy<Value = Value> {
    prop_oneof![
        6 => Just(json!("v2.users.u2.presence")),
        6 => Just(json!("channel.metadata")),
        6 => Just(json!("")),
        6 => "[a-z][a-z0-9._-]{0,30}".prop_map(Value::String),
        6 => "\\PC{0,20}".prop_map(Value::String),
        6 => leaf_value(),
        4 => system_topic(),
    ]
}

/// `v2.system.*` topics: the three the protocol reference names (with and without an id)
/// and others.
fn system_topic() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just("v2.system.socket_closing".to_owned()),
        Just("v2.system.no_longer_subscribed".to_owned()),
        "v2\\.system\\.no_longer_subscribed\\.[a-z0-9-]{1,12}",
        Just("v2.system.token_revoked".to_owned()),
        "v2\\.system\\.token_revoked\\.[a-z0-9-]{1,12}",
        "v2\\.system\\.[a-z_]{1,12}(\\.[a-z0-9]{1,8})?",
    ]
    .prop_map(Value::String)
}

/// Objects built from the envelope's field names, with well- and ill-typed values.
fn envelope_like() -> impl Strategy<Value = Value> {
    let field = |name: &'static str, good: BoxedStrategy<Value>| {
        prop::option::weighted(0.8, prop_oneof![8 => good, 1 => any_json()])
            .prop_map(move |v| v.map(|v| (name, v)))
    };
    (
        field("topicName", frame_topic().boxed()),
        field(
            "version",
            prop_oneof![Just(json!("2")), Just(json!(2))].boxed(),
        ),
        field("eventBody", any_json().boxed()),
        field(
            "metadata",
            prop_oneof![
                "[ -~]{0,16}".prop_map(|c| json!({ "CorrelationId": c })),
                "[ -~]{0,16}".prop_map(|c| json!({ "correlationId": c })),
                Just(json!({})),
            ]
            .boxed(),
        ),
        field("result", leaf_value().boxed()),
        field("status", "[a-z]{0,8}".prop_map(Value::String).boxed()),
        field("message", "\\PC{0,12}".prop_map(Value::String).boxed()),
        field(
            "correlationId",
            "[a-f0-9]{0,8}".prop_map(Value::String).boxed(),
        ),
        prop::option::of(("[a-z]{1,6}", any_json())),
    )
        .prop_map(|(a, b, c, d, e, f, g, h, extra)| {
            let mut m = Map::new();
            for (k, v) in [a, b, c, d, e, f, g, h].into_iter().flatten() {
                m.insert(k.to_owned(), v);
            }
            if let Some((k, v)) = extra
                && !m.contains_key(&k)
            {
                m.insert(k, v);
            }
            Value::Object(m)
        })
}

/// Injects the text frame `text` between two valid notifications and checks what the client
/// did against the oracle; with the value the frame was serialised from, a delivered body
/// must be its `eventBody` serialised, byte for byte. Returns the oracle's verdict.
async fn check_frame(
    rig: &mut Rig,
    text: &str,
    sent: Option<&Value>,
) -> Result<Oracle, TestCaseError> {
    let expected = oracle(text);
    let Outcome { items, ended } = rig.around(Fault::RawText(text.to_owned())).await;
    prop_assert_eq!(
        ended,
        matches!(expected, Oracle::Gone(_)),
        "{:?} ({:?}): {:?}",
        text,
        expected,
        items
    );
    if let (Some(v), [Ok(n)]) = (sent, &items[..])
        && let Some(body) = v.get("eventBody")
    {
        prop_assert_eq!(n.body_raw(), body.to_string());
    }
    match &expected {
        Oracle::Control(_) => prop_assert!(items.is_empty(), "{text:?}: {items:?}"),
        Oracle::SocketClosing => {
            // Nothing delivered; the channel moves to a new socket, without a gap.
            prop_assert!(items.is_empty(), "{text:?}: {items:?}");
            rig.moved().await;
            let stats = rig.ch.stats();
            prop_assert_eq!(stats.connections, rig.connections, "{:?}", text);
            prop_assert_eq!(stats.gaps, 0, "{:?}", text);
        }
        Oracle::Gone(why) => {
            // The last item: fatal, with the reason and the frame.
            prop_assert_eq!(items.len(), 1, "{:?}: {:?}", text, items);
            let Err(e) = &items[0] else {
                return Err(TestCaseError::fail(format!(
                    "{text:?} ends the channel: {items:?}"
                )));
            };
            let reason = match why {
                Gone::NotFound => Reason::ChannelNotFound,
                Gone::NoLongerSubscribed => Reason::NoLongerSubscribed,
                Gone::TokenRevoked => Reason::TokenRevoked,
            };
            prop_assert_eq!(
                (e.kind(), e.reason(), e.is_fatal()),
                (ErrorKind::Receive, reason, true)
            );
            prop_assert!(e.is_channel_failure() && e.is_permanent());
            prop_assert_eq!(e.raw_text(), Some(text));
            rig.renew().await;
        }
        Oracle::Malformed => {
            prop_assert_eq!(items.len(), 1, "{:?}: {:?}", text, items);
            let Err(e) = &items[0] else {
                return Err(TestCaseError::fail(format!(
                    "{text:?} is malformed: {items:?}"
                )));
            };
            prop_assert_eq!(
                (e.kind(), e.reason(), e.is_fatal()),
                (ErrorKind::Receive, Reason::InvalidMessage, false)
            );
            prop_assert_eq!(e.raw_text(), Some(text));
            prop_assert!(e.message().is_some_and(|m| !m.is_empty()));
        }
        Oracle::Notification {
            topic,
            version,
            correlation_id,
            body,
        } => {
            prop_assert_eq!(items.len(), 1, "{:?}: {:?}", text, items);
            let Ok(n) = &items[0] else {
                return Err(TestCaseError::fail(format!(
                    "{text:?} is a notification: {items:?}"
                )));
            };
            prop_assert_eq!(n.raw(), text);
            prop_assert_eq!(n.topic(), topic.as_str());
            prop_assert_eq!(n.version(), version.as_deref());
            prop_assert_eq!(n.correlation_id(), correlation_id.as_deref());
            // The body is exactly the bytes of the frame's `eventBody` value.
            match body {
                None => prop_assert_eq!(n.body_raw(), "null"),
                Some(b) => prop_assert_eq!(n.body_raw(), b.as_str()),
            }
            // The body decodes to the value that was sent.
            let decoded: Value = n.body().unwrap();
            let sent: Value = serde_json::from_str(text).unwrap();
            prop_assert_eq!(&decoded, sent.get("eventBody").unwrap_or(&Value::Null));
        }
    }
    Ok(expected)
}

/// Counts of each outcome, for the report and to prove the generator reaches every one.
#[derive(Debug, Default)]
struct Tally {
    notifications: u32,
    malformed: u32,
    control: u32,
    socket_closing: u32,
    gone: u32,
}

impl Tally {
    fn add(&mut self, o: &Oracle) {
        match o {
            Oracle::Notification { .. } => self.notifications += 1,
            Oracle::Malformed => self.malformed += 1,
            Oracle::Control(_) => self.control += 1,
            Oracle::SocketClosing => self.socket_closing += 1,
            Oracle::Gone(_) => self.gone += 1,
        }
    }
}

/// Frames that change the channel, each at least once whatever the generator draws.
const CHANNEL_CHANGING: &[&str] = &[
    r#"{"result":"404"}"#,
    r#"{"result":404,"message":"channel not found"}"#,
    r#"{"topicName":"v2.system.socket_closing","eventBody":{"message":"maintenance"}}"#,
    r#"{"topicName":"v2.system.no_longer_subscribed"}"#,
    r#"{"topicName":"v2.system.no_longer_subscribed.abc","eventBody":{}}"#,
    r#"{"topicName":"v2.system.token_revoked.abc","eventBody":{"reason":"x"}}"#,
    r#"{"topicName":"v2.system.something_else","eventBody":{}}"#,
];

#[test]
fn arbitrary_json_frames_match_the_oracle() {
    let rt = runtime();
    let rig = RefCell::new(rt.block_on(Rig::new()));
    let tally = RefCell::new(Tally::default());
    for text in CHANNEL_CHANGING {
        let o = rt
            .block_on(check_frame(&mut rig.borrow_mut(), text, None))
            .unwrap();
        tally.borrow_mut().add(&o);
    }
    let mut runner = TestRunner::new(config(cases(160)));
    let strategy = prop_oneof![3 => envelope_like(), 1 => any_json()];
    runner
        .run(&strategy, |value| {
            let text = value.to_string();
            let o = rt.block_on(check_frame(&mut rig.borrow_mut(), &text, Some(&value)))?;
            tally.borrow_mut().add(&o);
            Ok(())
        })
        .unwrap();
    let tally = tally.into_inner();
    let rig = rig.into_inner();
    println!("arbitrary JSON: {tally:?}");
    // The generator reaches every outcome (else the property says little).
    assert!(
        tally.notifications > 0 && tally.malformed > 0 && tally.control > 0,
        "{tally:?}"
    );
    assert!(tally.socket_closing > 0 && tally.gone > 0, "{tally:?}");
    assert_eq!(rig.ch.stats().connections, rig.connections);
    assert_eq!(rig.ch.stats().gaps, 0);
    assert_eq!(rig.channels, 1 + u64::from(tally.gone));
}

#[test]
fn arbitrary_text_and_bytes_never_break_the_stream() {
    let rt = runtime();
    let rig = RefCell::new(rt.block_on(Rig::new()));
    let mut runner = TestRunner::new(config(cases(96)));
    let text = prop_oneof![
        "\\PC{0,64}",
        "[{}\\[\\]\":,0-9a-zA-Z .\\\\]{0,64}",
        // Mutated valid envelopes: a valid frame with one byte range cut out.
        (0usize..80, 0usize..8).prop_map(|(at, len)| {
            let valid = r#"{"topicName":"v2.users.u2.presence","version":"2","eventBody":{"a":[1,"x"]},"metadata":{"CorrelationId":"c"}}"#;
            let at = at.min(valid.len());
            let end = (at + len).min(valid.len());
            format!("{}{}", &valid[..at], &valid[end..])
        }),
    ];
    runner
        .run(&text, |text| {
            rt.block_on(check_frame(&mut rig.borrow_mut(), &text, None))
                .map(drop)
        })
        .unwrap();
    let mut runner = TestRunner::new(config(cases(48)));
    runner
        .run(&prop::collection::vec(any::<u8>(), 0..256), |bytes| {
            let items = rt.block_on(rig.borrow_mut().between(Fault::RawBinary(bytes.clone())));
            prop_assert_eq!(items.len(), 1);
            let e = items[0].as_ref().err().unwrap();
            prop_assert_eq!(
                (e.kind(), e.reason(), e.is_fatal()),
                (ErrorKind::Receive, Reason::InvalidMessage, false)
            );
            prop_assert_eq!(e.raw_frame(), Some(bytes.as_slice()));
            Ok(())
        })
        .unwrap();
    let rig = rig.into_inner();
    assert_eq!(rig.ch.stats().connections, rig.connections);
}

proptest! {
    #![proptest_config(config(cases(512)))]

    #[test]
    fn topic_validation_is_exactly_the_documented_rule(t in prop_oneof![
        "\\PC{0,40}",
        "[a-z.]{0,8}\\?[a-z&]{0,12}",
        (190usize..210).prop_map(|n| "é".repeat(n)),
        (190usize..210).prop_map(|n| "x".repeat(n)),
        "[a-z]{1,5}[ \t\n][a-z]{1,5}",
    ]) {
        let leaves_ok = !t.contains('?') || !topic::expand(&t).is_empty();
        let expected = !t.is_empty()
            && t.chars().count() < topic::MAX_TOPIC_LEN
            && !t.chars().any(char::is_whitespace)
            && leaves_ok;
        match topic::validate(&t) {
            Ok(()) => prop_assert!(expected, "{t:?} accepted"),
            Err(e) => {
                prop_assert!(!expected, "{t:?} refused: {e}");
                prop_assert_eq!(e.reason(), Reason::InvalidTopic);
                prop_assert!(e.message().is_some_and(|m| !m.is_empty()));
            }
        }
    }

    #[test]
    fn combined_topics_expand_to_prefix_dot_leaf_in_order(
        prefix in "[a-z0-9.]{1,30}",
        leaves in prop::collection::vec("[a-zA-Z]{0,10}", 0..8),
    ) {
        let combined = format!("{prefix}?{}", leaves.join("&"));
        let expected: Vec<String> = leaves
            .iter()
            .filter(|l| !l.is_empty())
            .map(|l| format!("{prefix}.{l}"))
            .collect();
        prop_assert_eq!(topic::expand(&combined), expected);
        prop_assert_eq!(topic::expand(&prefix), vec![prefix.clone()]);
    }

    #[test]
    fn reconnect_delays_stay_within_bounds(
        initial_ms in 0u64..20_000,
        cap_ms in 0u64..200_000,
        attempts in prop::option::of(0u32..60),
        immediate in any::<bool>(),
        jitter in any::<bool>(),
        seed in any::<u64>(),
    ) {
        let policy = ReconnectPolicy::default()
            .initial_delay(Duration::from_millis(initial_ms))
            .max_delay(Duration::from_millis(cap_ms))
            .max_attempts(attempts)
            .immediate_first(immediate)
            .jitter(jitter)
            .jitter_seed(seed);
        let delays: Vec<Duration> = policy.delays().take(1000).collect();
        // Attempts bounded (the iterator is unbounded only without a maximum).
        match attempts {
            Some(n) => prop_assert_eq!(delays.len(), n as usize),
            None => prop_assert_eq!(delays.len(), 1000),
        }
        let cap = Duration::from_millis(cap_ms);
        for (i, d) in delays.iter().enumerate() {
            let delayed_index = if immediate { i } else { i + 1 };
            if delayed_index == 0 {
                prop_assert_eq!(*d, Duration::ZERO, "first retry immediate");
                continue;
            }
            let exp = 1u64 << (delayed_index - 1).min(40);
            let bound = Duration::from_millis(initial_ms.saturating_mul(exp)).min(cap);
            prop_assert!(*d <= bound, "attempt {}: {:?} > {:?}", i + 1, d, bound);
            prop_assert!(*d <= cap);
            if !jitter {
                prop_assert_eq!(*d, bound, "without jitter the bound itself");
            }
        }
        // Seeded: the same schedule every time.
        let again: Vec<Duration> = policy.delays().take(1000).collect();
        prop_assert_eq!(delays, again);
    }
}

#[test]
fn the_channel_follows_its_policy_schedule_exactly_until_exhaustion() {
    let rt = runtime();
    let mut runner = TestRunner::new(config(cases(12)));
    let strategy = (
        1u32..7,
        0u64..3000,
        0u64..20_000,
        any::<u64>(),
        any::<bool>(),
    );
    runner
        .run(
            &strategy,
            |(attempts, initial_ms, cap_ms, seed, immediate)| {
                rt.block_on(async {
                    let policy = ReconnectPolicy::default()
                        .initial_delay(Duration::from_millis(initial_ms))
                        .max_delay(Duration::from_millis(cap_ms))
                        .max_attempts(Some(attempts))
                        .max_elapsed(None)
                        .immediate_first(immediate)
                        .jitter_seed(seed);
                    let expected: Vec<Duration> = policy.delays().collect();
                    let sim = sim().await;
                    let info = channel(&sim);
                    let mut ch = ConnectOptions::new()
                        .reconnect(policy)
                        .connect(&info.connect_uri, [TOPIC])
                        .await
                        .unwrap();
                    let mut events = ch.events();
                    sim.fault(
                        &info.id,
                        Fault::RefuseConnections {
                            duration: Duration::from_secs(86_400),
                        },
                    )
                    .unwrap();
                    let t0 = Instant::now();
                    sim.fault(&info.id, Fault::Drop).unwrap();
                    let mut seen = Vec::new();
                    let last = loop {
                        match next(&mut ch).await {
                            Err(e) if e.is_fatal() => break e,
                            _ => {}
                        }
                    };
                    while let Ok(Some(e)) = tokio::time::timeout(
                        Duration::ZERO,
                        futures_util::StreamExt::next(&mut events),
                    )
                    .await
                    {
                        if let genesys_notifications::Event::ReconnectAttempt { attempt, delay } = e
                        {
                            seen.push((attempt, delay));
                        }
                    }
                    let want: Vec<(u32, Duration)> = (1..).zip(expected.iter().copied()).collect();
                    prop_assert_eq!(seen, want);
                    prop_assert_eq!(
                        (last.kind(), last.reason()),
                        (ErrorKind::Reconnect, Reason::AttemptsExhausted)
                    );
                    prop_assert_eq!(last.attempts(), Some(attempts));
                    prop_assert_eq!(Instant::now() - t0, expected.iter().sum::<Duration>());
                    prop_assert!(futures_util::StreamExt::next(&mut ch).await.is_none());
                    Ok(())
                })
            },
        )
        .unwrap();
}

#[test]
fn combined_topics_of_any_shape_deliver_every_leaf_through_the_simulator() {
    // The simulator expands combined topics on its own (it does not use the library), so this
    // checks the client's validation and subscription against an independent reading.
    let rt = runtime();
    let mut runner = TestRunner::new(config(cases(16)));
    let strategy = (
        "v2\\.users\\.[a-z0-9]{1,12}",
        prop::collection::btree_set("[a-zA-Z]{1,12}", 1..6),
    );
    runner
        .run(&strategy, |(prefix, leaves)| {
            rt.block_on(async {
                // No empty leaves: the client skips them, the simulator refuses them, and the
                // protocol reference says nothing (see TESTING.md).
                let parts: Vec<String> = leaves.iter().cloned().collect();
                let combined = format!("{prefix}?{}", parts.join("&"));
                prop_assume!(combined.chars().count() < topic::MAX_TOPIC_LEN);
                let sim = sim().await;
                let info = channel(&sim);
                let mut ch = ConnectOptions::new()
                    .connect(&info.connect_uri, [combined.as_str()])
                    .await
                    .unwrap();
                let expanded = topic::expand(&combined);
                prop_assert_eq!(expanded.len(), leaves.len());
                for (i, t) in expanded.iter().enumerate() {
                    prop_assert_eq!(sim.publish(t, json!({ "seq": i })), 1, "{}", t);
                }
                prop_assert_eq!(sim.publish(&format!("{prefix}.unsubscribed"), json!({})), 0);
                for (i, t) in expanded.iter().enumerate() {
                    let n = next_note(&mut ch).await;
                    prop_assert_eq!(n.topic(), t.as_str());
                    prop_assert_eq!(seq_of(&n), Some(i as u64));
                }
                let mut subscribed = sim.stats().channel(&info.id).unwrap().topics.clone();
                subscribed.sort();
                let mut want = expanded.clone();
                want.sort();
                prop_assert_eq!(subscribed, want);
                Ok(())
            })
        })
        .unwrap();
}
