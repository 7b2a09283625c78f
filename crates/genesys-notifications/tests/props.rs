//! Issue 8, item 2: property tests (proptest) on the public API and through the real
//! client over loopback:
//!
//! * envelope parsing on arbitrary JSON and arbitrary text and bytes: never a panic, never a
//!   fatal error, the outcome (notification / malformed item / control frame) agrees with an
//!   independent reading of the protocol, and valid envelopes round-trip exactly (topic,
//!   version, correlation id, body bytes, raw frame);
//! * topic handling: validation and combined-topic expansion, and combined topics of random
//!   shape subscribed through the simulator deliver every leaf;
//! * the reconnect policy: delays within `[0, cap]` and the exponential bound, first retry
//!   immediate, attempts bounded, seeded schedules reproducible, and the channel's real
//!   schedule equal to `delays()` until exhaustion.
//!
//! Each frame case runs over the same simulator and channel on a paused current-thread
//! runtime (a few hundred microseconds per case). `PROPTEST_CASES` raises the counts.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::cell::RefCell;
use std::time::Duration;

use genesys_notifications::{
    Channel, ConnectOptions, Error, ErrorKind, Notification, Reason, ReconnectPolicy, topic,
};
use genesys_sim::{Fault, SimChannel, Simulator};
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

/// One simulator and one subscribed channel, shared by every case.
struct Rig {
    sim: Simulator,
    info: SimChannel,
    ch: Channel,
    seq: u64,
}

impl Rig {
    async fn new() -> Rig {
        let sim = sim().await;
        let info = channel(&sim);
        let ch = ConnectOptions::new()
            .connect(&info.connect_uri, [TOPIC])
            .await
            .unwrap();
        Rig {
            sim,
            info,
            ch,
            seq: 0,
        }
    }

    fn marker(&mut self) -> u64 {
        self.seq += 1;
        assert_eq!(self.sim.publish(TOPIC, json!({ "seq": self.seq })), 1);
        self.seq
    }

    /// The items the client yields for `fault`, framed by two valid notifications.
    async fn between(&mut self, fault: Fault) -> Vec<Result<Notification, Error>> {
        let before = self.marker();
        settle().await;
        self.sim.fault(&self.info.id, fault).unwrap();
        let after = self.marker();
        let first = next_note(&mut self.ch).await;
        assert_eq!(seq_of(&first), Some(before));
        let mut items = Vec::new();
        loop {
            let item = next(&mut self.ch).await;
            if let Ok(n) = &item
                && n.topic() == TOPIC
                && seq_of(n) == Some(after)
            {
                return items;
            }
            items.push(item);
        }
    }
}

fn seq_of(n: &Notification) -> Option<u64> {
    n.body::<Value>()
        .ok()
        .and_then(|v| v.get("seq").and_then(Value::as_u64))
}

/// What the protocol reference says a text frame is (read independently of the library).
#[derive(Debug, PartialEq)]
enum Oracle {
    Malformed,
    Control,
    Notification {
        topic: String,
        version: Option<String>,
        correlation_id: Option<String>,
        body: Option<String>,
    },
    /// Changes the channel (404, `v2.system.*`): not generated.
    Excluded,
}

fn str_or_null(v: Option<&Value>) -> Result<Option<String>, ()> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        _ => Err(()),
    }
}

fn str_number_or_null(v: Option<&Value>) -> Result<Option<String>, ()> {
    match v {
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        other => str_or_null(other),
    }
}

fn oracle(text: &str) -> Oracle {
    let Ok(Value::Object(m)) = serde_json::from_str::<Value>(text) else {
        return Oracle::Malformed;
    };
    let typed = (|| -> Result<_, ()> {
        let topic = str_or_null(m.get("topicName"))?;
        let version = str_number_or_null(m.get("version"))?;
        let result = str_number_or_null(m.get("result"))?;
        str_or_null(m.get("status"))?;
        str_or_null(m.get("message"))?;
        str_or_null(m.get("correlationId"))?;
        let correlation_id = match m.get("metadata") {
            None | Some(Value::Null) => None,
            Some(Value::Object(md)) => {
                if md.contains_key("CorrelationId") && md.contains_key("correlationId") {
                    return Err(()); // the same field twice
                }
                str_or_null(md.get("CorrelationId").or_else(|| md.get("correlationId")))?
            }
            Some(_) => return Err(()),
        };
        Ok((topic, version, result, correlation_id))
    })();
    let Ok((topic, version, result, correlation_id)) = typed else {
        return Oracle::Malformed;
    };
    match topic {
        Some(t) if t == "channel.metadata" => Oracle::Control,
        Some(t) if t.starts_with("v2.system.") => Oracle::Excluded,
        Some(t) if t.is_empty() => Oracle::Malformed,
        Some(t) => Oracle::Notification {
            topic: t,
            version,
            correlation_id,
            body: m.get("eventBody").map(Value::to_string),
        },
        None => match result.map(|r| r.trim().parse::<u16>()) {
            None | Some(Err(_)) => Oracle::Malformed,
            Some(Ok(404)) => Oracle::Excluded,
            Some(Ok(_)) => Oracle::Control,
        },
    }
}

fn leaf_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        (-1e9f64..1e9).prop_map(|f| json!(f)),
        "\\PC{0,12}".prop_map(Value::String),
        prop_oneof![
            Just("200"),
            Just("400"),
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
        Just(json!("v2.users.u2.presence")),
        Just(json!("channel.metadata")),
        Just(json!("")),
        "[a-z][a-z0-9._-]{0,30}".prop_map(Value::String),
        "\\PC{0,20}".prop_map(Value::String),
        leaf_value(),
    ]
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

/// Checks what the client yielded for the text frame `text` against the oracle.
fn check_text(text: &str, items: &[Result<Notification, Error>]) -> Result<(), TestCaseError> {
    check_frame(text, None, items)
}

/// As [`check_text`]; with the value the frame was serialised from, the body must be its
/// `eventBody` serialised, byte for byte.
fn check_frame(
    text: &str,
    sent: Option<&Value>,
    items: &[Result<Notification, Error>],
) -> Result<(), TestCaseError> {
    if let (Some(v), [Ok(n)]) = (sent, items)
        && let Some(body) = v.get("eventBody")
    {
        prop_assert_eq!(n.body_raw(), body.to_string());
    }
    match oracle(text) {
        Oracle::Excluded => unreachable!("filtered"),
        Oracle::Control => prop_assert!(items.is_empty(), "{text:?}: {items:?}"),
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
            // The body is the exact bytes of the frame (a float may not survive a parse and
            // re-serialisation, so compare values, and the bytes by position).
            match body {
                None => prop_assert_eq!(n.body_raw(), "null"),
                Some(b) => {
                    let got: Value = serde_json::from_str(n.body_raw()).unwrap();
                    let want: Value = serde_json::from_str(&b).unwrap();
                    prop_assert_eq!(got, want);
                    prop_assert!(text.contains(n.body_raw()));
                }
            }
            // The body decodes to the value that was sent.
            let decoded: Value = n.body().unwrap();
            let sent: Value = serde_json::from_str(text).unwrap();
            prop_assert_eq!(&decoded, sent.get("eventBody").unwrap_or(&Value::Null));
        }
    }
    Ok(())
}

#[test]
fn arbitrary_json_frames_match_the_oracle() {
    let rt = runtime();
    let rig = RefCell::new(rt.block_on(Rig::new()));
    let mut runner = TestRunner::new(config(cases(160)));
    let strategy = prop_oneof![3 => envelope_like(), 1 => any_json()]
        .prop_filter("frames that change the channel", |v| {
            oracle(&v.to_string()) != Oracle::Excluded
        });
    let tally = RefCell::new([0u32; 3]);
    runner
        .run(&strategy, |value| {
            let text = value.to_string();
            let items = rt.block_on(rig.borrow_mut().between(Fault::RawText(text.clone())));
            tally.borrow_mut()[match oracle(&text) {
                Oracle::Notification { .. } => 0,
                Oracle::Malformed => 1,
                _ => 2,
            }] += 1;
            check_frame(&text, Some(&value), &items)
        })
        .unwrap();
    let tally = tally.into_inner();
    let rig = rig.into_inner();
    println!(
        "arbitrary JSON: {} notifications, {} malformed, {} control frames",
        tally[0], tally[1], tally[2]
    );
    // The generator reaches every outcome (else the property says little).
    assert!(tally.iter().all(|n| *n > 0), "{tally:?}");
    assert_eq!(rig.ch.stats().connections, 1);
    assert_eq!(rig.ch.stats().gaps, 0);
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
    ]
    .prop_filter("frames that change the channel", |t| {
        oracle(t) != Oracle::Excluded
    });
    runner
        .run(&text, |text| {
            let items = rt.block_on(rig.borrow_mut().between(Fault::RawText(text.clone())));
            check_text(&text, &items)
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
    assert_eq!(rig.borrow().ch.stats().connections, 1);
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
