//! Issue 8, item 1: hostile input through the real client, over real sockets, against the
//! simulator's raw-frame faults (`RawText`, `RawBinary`, `Oversize`) and, for what the
//! simulator cannot send (a text frame that is not UTF-8), a hand-rolled WebSocket server.
//!
//! For every case: no panic, a clear error with its reason (or, for control shapes, nothing
//! delivered and nothing broken), the raw frame reachable where it is kept, and every valid
//! notification after it delivered, in order. Run with `--nocapture` to print the table that
//! TESTING.md reproduces.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use genesys_notifications::{
    Channel, ConnectOptions, Error, ErrorKind, Event, Notification, Reason, State,
};
use genesys_sim::{Fault, ProtocolOptions, SimChannel, SimConfig, Simulator};
use serde_json::json;
use support::*;
use tokio::io::AsyncWriteExt;
use tokio_tungstenite::tungstenite::Message;

/// What a hostile frame must produce, between two valid notifications.
#[derive(Debug, Clone)]
enum Expect {
    /// One non-fatal `Receive`/`InvalidMessage` item carrying exactly the frame's bytes,
    /// whose message contains this text.
    Malformed(&'static str),
    /// Nothing: a control shape that is not for the user (counted or logged only).
    Nothing,
    /// One notification on this topic.
    Notification(String),
}

struct Case {
    name: &'static str,
    fault: Fault,
    expect: Expect,
}

fn text(name: &'static str, frame: impl Into<String>, expect: Expect) -> Case {
    Case {
        name,
        fault: Fault::RawText(frame.into()),
        expect,
    }
}

fn binary(name: &'static str, bytes: Vec<u8>) -> Case {
    Case {
        name,
        fault: Fault::RawBinary(bytes),
        expect: Expect::Malformed("unexpected binary frame"),
    }
}

fn deep_array(depth: usize) -> String {
    let mut s = String::with_capacity(depth * 2);
    s.extend(std::iter::repeat_n('[', depth));
    s.extend(std::iter::repeat_n(']', depth));
    s
}

fn deep_object(depth: usize) -> String {
    let mut s = String::with_capacity(depth * 6);
    s.extend(std::iter::repeat_n("{\"a\":", depth));
    s.push('1');
    s.extend(std::iter::repeat_n('}', depth));
    s
}

const ENVELOPE: &str = "not a notification envelope";
const NEITHER: &str = "neither topicName nor result present";
const DEPTH: usize = 100_000;

fn cases() -> Vec<Case> {
    use Expect::*;
    let deep = deep_array(DEPTH);
    vec![
        text("invalid JSON: garbage", "not json {", Malformed(ENVELOPE)),
        text(
            "invalid JSON: truncated envelope",
            r#"{"topicName":"v2.users.u1.presence","eventBody":{"i":"#,
            Malformed(ENVELOPE),
        ),
        text(
            "invalid JSON: trailing bytes after the envelope",
            r#"{"topicName":"v2.users.u1.presence","eventBody":{}} x"#,
            Malformed(ENVELOPE),
        ),
        text("empty text frame", "", Malformed(ENVELOPE)),
        text(
            "invalid JSON: lone surrogate escape in topicName",
            r#"{"topicName":"v2.users.u1\ud800","eventBody":{}}"#,
            Malformed(ENVELOPE),
        ),
        text(
            "invalid JSON: duplicate topicName key",
            r#"{"topicName":"v2.users.u1.presence","topicName":"x","eventBody":{}}"#,
            Malformed(ENVELOPE),
        ),
        text("not an object: array", "[1,2,3]", Malformed(ENVELOPE)),
        text(
            "not an object: string",
            r#""v2.users.u1.presence""#,
            Malformed(ENVELOPE),
        ),
        text("not an object: number", "42", Malformed(ENVELOPE)),
        text("not an object: null", "null", Malformed(ENVELOPE)),
        text("not an object: true", "true", Malformed(ENVELOPE)),
        text("empty object", "{}", Malformed(NEITHER)),
        text(
            "missing topicName",
            r#"{"version":"2","eventBody":{"i":1}}"#,
            Malformed(NEITHER),
        ),
        text(
            "topicName null",
            r#"{"topicName":null,"eventBody":{"i":1}}"#,
            Malformed(NEITHER),
        ),
        text(
            "topicName number",
            r#"{"topicName":5,"eventBody":{"i":1}}"#,
            Malformed(ENVELOPE),
        ),
        text(
            "topicName array",
            r#"{"topicName":["v2.users.u1.presence"],"eventBody":{}}"#,
            Malformed(ENVELOPE),
        ),
        text(
            "topicName object",
            r#"{"topicName":{"a":1},"eventBody":{}}"#,
            Malformed(ENVELOPE),
        ),
        text(
            "topicName empty",
            r#"{"topicName":"","eventBody":{}}"#,
            Malformed("empty topicName"),
        ),
        text(
            "wrong type: version object",
            r#"{"topicName":"v2.users.u1.presence","version":{},"eventBody":{}}"#,
            Malformed(ENVELOPE),
        ),
        text(
            "wrong type: metadata string",
            r#"{"topicName":"v2.users.u1.presence","metadata":"x","eventBody":{}}"#,
            Malformed(ENVELOPE),
        ),
        text(
            "wrong type: CorrelationId number",
            r#"{"topicName":"v2.users.u1.presence","metadata":{"CorrelationId":7},"eventBody":{}}"#,
            Malformed(ENVELOPE),
        ),
        text(
            "wrong type: result boolean",
            r#"{"result":true}"#,
            Malformed(ENVELOPE),
        ),
        text(
            "wrong type: result not a status code",
            r#"{"result":"abc"}"#,
            Malformed("is not a status code"),
        ),
        text(
            "unknown control shape: {\"message\":\"pong\"}",
            r#"{"message":"pong"}"#,
            Malformed(NEITHER),
        ),
        text(
            "unknown control shape: {\"status\":\"ok\"}",
            r#"{"status":"ok","message":"hello"}"#,
            Malformed(NEITHER),
        ),
        // Nesting: serde_json skips unknown values and `RawValue`s without recursion, so a
        // deep value where the client does not look is harmless, and decoding it on demand
        // hits serde_json's recursion limit (128) with an error, never a stack overflow.
        text(
            "100,000-deep array",
            deep.clone(),
            Malformed("invalid type"),
        ),
        text(
            "100,000-deep object",
            deep_object(DEPTH),
            Malformed(NEITHER),
        ),
        text(
            "100,000-deep eventBody of a valid envelope",
            format!(r#"{{"topicName":"v2.users.u1.presence","eventBody":{deep}}}"#),
            Notification(TOPIC.into()),
        ),
        text(
            "100,000-deep unknown field of a valid envelope",
            format!(r#"{{"topicName":"v2.users.u1.presence","extra":{deep},"eventBody":{{}}}}"#),
            Notification(TOPIC.into()),
        ),
        text(
            "100,000-deep metadata of a valid envelope",
            format!(r#"{{"topicName":"v2.users.u1.presence","metadata":{{"x":{deep}}}}}"#),
            Notification(TOPIC.into()),
        ),
        text(
            "unknown system message",
            r#"{"topicName":"v2.system.something_new","eventBody":{"x":1}}"#,
            Nothing,
        ),
        text(
            "unknown channel.metadata message (pong-like, no ping pending)",
            r#"{"topicName":"channel.metadata","eventBody":{"message":"what is this"}}"#,
            Nothing,
        ),
        text(
            "unsolicited subscription result 200",
            r#"{"result":"200","status":"subscribed"}"#,
            Nothing,
        ),
        text(
            "unsolicited subscription result 400",
            r#"{"result":"400","status":"failure","message":"nope"}"#,
            Nothing,
        ),
        text(
            "unsolicited subscription result with a foreign correlationId",
            r#"{"result":"200","status":"subscribed","correlationId":"not-ours"}"#,
            Nothing,
        ),
        text("unsolicited numeric result", r#"{"result":201}"#, Nothing),
        text(
            "notification on a topic never subscribed",
            r#"{"topicName":"v2.users.u2.presence","eventBody":{"i":-1}}"#,
            Notification("v2.users.u2.presence".into()),
        ),
        text(
            "notification with a 10,000-character topicName",
            format!(
                r#"{{"topicName":"v2.{}","eventBody":{{}}}}"#,
                "x".repeat(10_000)
            ),
            Notification(format!("v2.{}", "x".repeat(10_000))),
        ),
        binary("binary frame: random bytes", vec![0, 159, 146, 150, 7]),
        binary(
            "binary frame: invalid UTF-8",
            vec![0xff, 0xfe, 0xfd, 0xc3, 0x28],
        ),
        binary(
            "binary frame: a valid envelope",
            br#"{"topicName":"v2.users.u1.presence","eventBody":{"i":-2}}"#.to_vec(),
        ),
        binary("binary frame: empty", Vec::new()),
    ]
}

/// A channel to the simulator plus a sequence counter for the valid notifications that
/// frame every hostile case.
struct Rig {
    sim: Simulator,
    info: SimChannel,
    ch: Channel,
    seq: u64,
}

impl Rig {
    async fn new(config: SimConfig, options: ConnectOptions) -> Rig {
        let sim = sim_with(config).await;
        let info = channel(&sim);
        let ch = options.connect(&info.connect_uri, [TOPIC]).await.unwrap();
        Rig {
            sim,
            info,
            ch,
            seq: 0,
        }
    }

    fn publish(&mut self) -> u64 {
        self.seq += 1;
        assert_eq!(self.sim.publish(TOPIC, json!({ "i": self.seq })), 1);
        self.seq
    }

    /// Publishes a valid notification, injects `fault`, publishes another; returns the items
    /// the client yielded between the two (both must arrive, in order).
    async fn between(&mut self, fault: Fault) -> Vec<Result<Notification, Error>> {
        let before = self.publish();
        // The simulator writes faults ahead of queued notifications: let `before` go first.
        settle().await;
        self.sim.fault(&self.info.id, fault).unwrap();
        let after = self.publish();
        let first = next_note(&mut self.ch).await;
        assert_eq!(body_i(&first), before);
        let mut items = Vec::new();
        loop {
            match next(&mut self.ch).await {
                Ok(n) if n.topic() == TOPIC && marker(&n) == Some(after) => return items,
                other => items.push(other),
            }
        }
    }
}

/// The sequence number of one of the rig's valid notifications.
fn marker(n: &Notification) -> Option<u64> {
    n.body::<serde_json::Value>()
        .ok()
        .and_then(|v| v.get("i").and_then(serde_json::Value::as_u64))
}

fn describe(item: &Result<Notification, Error>) -> String {
    match item {
        Ok(n) => format!("notification `{}`", abbreviate(n.topic(), 40)),
        Err(e) => format!(
            "non-fatal {:?}/{:?}: \"{}\"; raw {} bytes",
            e.kind(),
            e.reason(),
            abbreviate(e.message().unwrap_or(""), 60),
            e.raw_frame().map_or(0, <[u8]>::len)
        ),
    }
}

fn abbreviate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        format!("{}…", s.chars().take(max).collect::<String>())
    }
}

#[tokio::test(start_paused = true)]
async fn hostile_frames_never_break_the_stream() {
    let mut rig = Rig::new(SimConfig::default(), ConnectOptions::new()).await;
    let mut events = rig.ch.events();
    let cases = cases();
    let mut malformed = 0u64;
    let mut table = Vec::new();
    let mut seen = Vec::new();
    for case in cases {
        let raw: Vec<u8> = match &case.fault {
            Fault::RawText(t) => t.clone().into_bytes(),
            Fault::RawBinary(b) => b.clone(),
            _ => unreachable!(),
        };
        let items = rig.between(case.fault.clone()).await;
        let outcome = if items.is_empty() {
            "nothing delivered (control frame)".to_owned()
        } else {
            items.iter().map(describe).collect::<Vec<_>>().join("; ")
        };
        table.push(format!("| {} | {} |", case.name, outcome));
        seen.push((case, raw, items));
    }
    println!("| Frame | Outcome |\n|---|---|");
    for row in &table {
        println!("{row}");
    }
    for (case, raw, items) in seen {
        match &case.expect {
            Expect::Malformed(needle) => {
                malformed += 1;
                assert_eq!(items.len(), 1, "{}: {items:?}", case.name);
                let e = items[0].as_ref().expect_err(case.name);
                assert_eq!(
                    (e.kind(), e.reason(), e.is_fatal()),
                    (ErrorKind::Receive, Reason::InvalidMessage, false),
                    "{}",
                    case.name
                );
                assert!(e.is_receive_failure() && e.is_channel_failure());
                assert_eq!(e.raw_frame(), Some(raw.as_slice()), "{}", case.name);
                let message = e.message().unwrap_or_default();
                assert!(
                    message.contains(needle),
                    "{}: message {message:?} lacks {needle:?}",
                    case.name
                );
                // Display says what happened, in one line, without the (possibly huge) frame.
                let shown = e.to_string();
                assert!(shown.contains("receive failure"), "{shown}");
                assert!(shown.len() < 400, "{}: {} bytes", case.name, shown.len());
                assert!(format!("{e:?}").len() < 600, "{}", case.name);
            }
            Expect::Nothing => assert!(items.is_empty(), "{}: {items:?}", case.name),
            Expect::Notification(topic) => {
                assert_eq!(items.len(), 1, "{}: {items:?}", case.name);
                let n = items[0].as_ref().expect(case.name);
                assert_eq!(n.topic(), topic);
                assert_eq!(n.raw().as_bytes(), raw.as_slice());
                if n.body_raw().len() > DEPTH {
                    assert_eq!(n.body_raw().len(), 2 * DEPTH);
                    let e = n.body::<serde_json::Value>().unwrap_err();
                    assert_eq!(
                        (e.kind(), e.reason(), e.is_fatal()),
                        (ErrorKind::Receive, Reason::InvalidMessage, false)
                    );
                    assert_eq!(e.raw_frame(), Some(raw.as_slice()));
                    let cause = std::error::Error::source(&e).unwrap().to_string();
                    assert!(cause.contains("recursion limit"), "{cause}");
                }
            }
        }
    }
    // Nothing above cost a socket, a gap or a state change.
    assert_eq!(rig.ch.state(), State::Open);
    let stats = rig.ch.stats();
    assert_eq!(stats.malformed, malformed);
    assert_eq!(stats.gaps, 0);
    assert_eq!(stats.connections, 1);
    assert_eq!(
        rig.sim.stats().channel(&rig.info.id).unwrap().connections,
        1
    );
    while let Ok(Some(e)) = tokio::time::timeout(Duration::ZERO, events.next()).await {
        assert!(
            !matches!(e, Event::Disconnected { .. } | Event::Gap(_)),
            "{e:?}"
        );
    }
    // And the socket still answers.
    let rtt = rig.ch.ping().await;
    assert!(rtt.is_ok(), "{rtt:?}");
}

#[tokio::test(start_paused = true)]
async fn a_json_array_is_never_read_as_an_envelope() {
    // serde's derived Deserialize accepts a sequence for a struct: `[topicName, version,
    // eventBody, ...]`. An array is not an envelope; it must be a malformed frame, and above
    // all it must not act as a control frame (a positional `"404"` would end the stream).
    let mut rig = Rig::new(SimConfig::default(), ConnectOptions::new()).await;
    for frame in [
        r#"["v2.users.u2.presence","2",{"i":-3}]"#,
        r#"[null,null,null,null,"200"]"#,
        r#"[null,null,null,null,"404","gone"]"#,
    ] {
        let items = rig.between(Fault::RawText(frame.into())).await;
        assert_eq!(items.len(), 1, "{frame}: {items:?}");
        let e = items[0].as_ref().expect_err(frame);
        assert_eq!(
            (e.kind(), e.reason(), e.is_fatal()),
            (ErrorKind::Receive, Reason::InvalidMessage, false),
            "{frame}"
        );
        assert_eq!(e.raw_text(), Some(frame));
    }
    assert_eq!(rig.ch.state(), State::Open);
}

#[tokio::test(start_paused = true)]
async fn a_deep_body_inside_the_size_limit_never_overflows_the_stack_on_decode() {
    // 120 levels fit serde_json's recursion limit (128): the frame is a notification, and
    // decoding its body is the user's call; 100,000 levels are refused at classification
    // (case above). Between the two, decoding into a Value must fail cleanly, not crash.
    let mut rig = Rig::new(SimConfig::default(), ConnectOptions::new()).await;
    let frame = format!(
        r#"{{"topicName":"v2.users.u1.presence","eventBody":{}}}"#,
        deep_array(120)
    );
    let items = rig.between(Fault::RawText(frame.clone())).await;
    assert_eq!(items.len(), 1, "{items:?}");
    let n = items[0].as_ref().unwrap();
    assert_eq!(n.raw(), frame);
    assert_eq!(n.body_raw(), deep_array(120));
    let v: serde_json::Value = n.body().unwrap();
    assert!(v.is_array());
}

#[tokio::test(start_paused = true)]
async fn frames_at_and_over_the_size_limit() {
    const LIMIT: usize = 64 * 1024;
    let mut rig = Rig::new(
        SimConfig::default(),
        ConnectOptions::new().max_message_size(LIMIT),
    )
    .await;
    let mut events = rig.ch.events();
    // Exactly at the limit: a notification like any other.
    let items = rig.between(Fault::Oversize { bytes: LIMIT }).await;
    assert_eq!(items.len(), 1, "{items:?}");
    let n = items[0].as_ref().unwrap();
    assert_eq!(n.topic(), "v2.sim.oversize");
    assert_eq!(n.raw().len(), LIMIT);

    // One byte over: a non-fatal MessageTooLarge item where the frame was, then the socket
    // (which cannot be read past the frame) is replaced, a gap is reported, and the stream
    // goes on. The frame itself is not kept: it was never read into memory.
    let before = rig.publish();
    settle().await;
    rig.sim
        .fault(&rig.info.id, Fault::Oversize { bytes: LIMIT + 1 })
        .unwrap();
    assert_eq!(body_i(&next_note(&mut rig.ch).await), before);
    let e = next_err(&mut rig.ch).await;
    assert_eq!(
        (e.kind(), e.reason(), e.is_fatal()),
        (ErrorKind::Receive, Reason::MessageTooLarge, false)
    );
    assert_eq!(e.raw_frame(), None);
    assert!(e.message().is_some_and(|m| !m.is_empty()));
    wait_event(&mut events, |e| matches!(e, Event::Reconnected { .. })).await;
    let after = rig.publish();
    let gap = next_err(&mut rig.ch).await;
    assert!(gap.is_gap() && !gap.is_fatal(), "{gap:?}");
    assert_eq!(body_i(&next_note(&mut rig.ch).await), after);
    assert_eq!(rig.ch.stats().malformed, 1);
    assert_eq!(rig.ch.state(), State::Open);
}

#[tokio::test(start_paused = true)]
async fn a_duplicate_subscription_result_after_a_runtime_subscribe_is_ignored() {
    let mut rig = Rig::new(SimConfig::default(), ConnectOptions::new()).await;
    rig.ch.subscribe(["v2.users.u9.presence"]).await.unwrap();
    // The same result again, as a confused or hostile peer might send it.
    let items = rig
        .between(Fault::RawText(
            r#"{"result":"200","status":"subscribed"}"#.into(),
        ))
        .await;
    assert!(items.is_empty(), "{items:?}");
    assert_eq!(rig.ch.topics(), vec![TOPIC, "v2.users.u9.presence"]);
    assert_eq!(rig.sim.publish("v2.users.u9.presence", json!({"i": 99})), 1);
    assert_eq!(body_i(&next_note(&mut rig.ch).await), 99);
}

#[tokio::test(start_paused = true)]
async fn a_result_with_a_foreign_correlation_id_does_not_answer_a_pending_subscription() {
    // The simulator echoes correlation ids here, so the client can tell its own result from
    // a stray one. A stray `400` arriving while a subscription is pending must not reject it.
    let config = SimConfig {
        protocol: ProtocolOptions {
            echo_correlation_id: true,
            ..ProtocolOptions::default()
        },
        ..SimConfig::default()
    };
    let mut rig = Rig::new(config, ConnectOptions::new()).await;
    let handle = rig.ch.handle();
    let pending = tokio::spawn(async move { handle.subscribe(["v2.users.u9.presence"]).await });
    rig.sim
        .fault(
            &rig.info.id,
            Fault::RawText(
                r#"{"result":"400","status":"failure","message":"stray","correlationId":"not-ours"}"#
                    .into(),
            ),
        )
        .unwrap();
    let outcome = pending.await.unwrap();
    assert!(
        outcome.is_ok(),
        "a stray result answered our subscription: {outcome:?}"
    );
    assert_eq!(rig.ch.topics(), vec![TOPIC, "v2.users.u9.presence"]);
    assert_eq!(rig.sim.publish("v2.users.u9.presence", json!({"i": 5})), 1);
    assert_eq!(body_i(&next_note(&mut rig.ch).await), 5);
}

#[tokio::test(start_paused = true)]
async fn a_flood_of_malformed_frames_to_a_slow_consumer_stays_bounded() {
    // Error items carry their raw frame (up to the size limit each). A peer that floods
    // malformed frames while the consumer is busy must not grow memory without bound.
    const CAPACITY: usize = 16;
    const FLOOD: usize = 1_000;
    // A drop policy: the socket is read whatever the consumer does (back-pressure, the
    // default, would simply stop reading).
    let options = ConnectOptions::new()
        .buffer(CAPACITY)
        .overflow(genesys_notifications::Overflow::DropNewest);
    let mut rig = Rig::new(SimConfig::default(), options).await;
    let junk = "x".repeat(1024);
    for _ in 0..FLOOD {
        rig.sim
            .fault(&rig.info.id, Fault::RawText(junk.clone()))
            .unwrap();
    }
    // Nobody reads for a minute; the socket is read (heartbeats too).
    tokio::time::sleep(Duration::from_secs(61)).await;
    assert_eq!(rig.ch.stats().malformed, FLOOD as u64);
    let mut buffered = 0usize;
    let mut raw_bytes = 0usize;
    while let Ok(Some(item)) = tokio::time::timeout(Duration::ZERO, rig.ch.next()).await {
        buffered += 1;
        if let Err(e) = &item {
            raw_bytes += e.raw_frame().map_or(0, <[u8]>::len);
        }
    }
    assert!(
        buffered <= 2 * CAPACITY + 1,
        "{buffered} items ({raw_bytes} bytes of raw frames) buffered for a consumer with \
         a buffer of {CAPACITY}: error items are not bounded"
    );
}

/// A minimal WebSocket server that accepts the subscription and then writes a *text* frame
/// whose payload is not UTF-8 (the simulator cannot: its text frames are Rust strings). The
/// next connection gets a valid notification.
async fn invalid_utf8_server() -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut connection = 0;
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            connection += 1;
            let Ok(mut ws) = tokio_tungstenite::accept_async(tcp).await else {
                continue;
            };
            let Some(Ok(Message::Text(_subscribe))) = ws.next().await else {
                continue;
            };
            ws.send(Message::text(r#"{"result":"200","status":"subscribed"}"#))
                .await
                .unwrap();
            if connection == 1 {
                // FIN + text opcode, unmasked (server to client), 5-byte payload: not UTF-8.
                ws.get_mut()
                    .write_all(&[0x81, 5, 0xff, 0xfe, 0xfd, 0xc3, 0x28])
                    .await
                    .unwrap();
                ws.get_mut().flush().await.unwrap();
                // Keep the socket open: the client has to decide.
                tokio::spawn(async move { while let Some(Ok(_)) = ws.next().await {} });
            } else {
                ws.send(Message::text(
                    r#"{"topicName":"v2.users.u1.presence","eventBody":{"i":2}}"#,
                ))
                .await
                .unwrap();
                tokio::spawn(async move { while let Some(Ok(_)) = ws.next().await {} });
            }
        }
    });
    addr
}

// Real time: this server's raw writes race tokio's paused-clock auto-advance (the watchdog
// deadline can be reached before the readiness of the socket is seen). Nothing here is
// timed; the whole exchange takes milliseconds, bounded by the timeout below.
#[tokio::test]
async fn a_text_frame_that_is_not_utf8_fails_the_socket_with_a_reported_reason() {
    tokio::time::timeout(Duration::from_secs(20), not_utf8())
        .await
        .expect("done within 20 s");
}

async fn not_utf8() {
    // RFC 6455 §8.1: a text frame with invalid UTF-8 MUST fail the WebSocket connection, so
    // the client cannot keep the socket; it must say why (as for an oversized frame), then
    // reconnect and report the gap honestly.
    let addr = invalid_utf8_server().await;
    let mut ch = ConnectOptions::new()
        .connect(&format!("ws://{addr}/channels/x"), [TOPIC])
        .await
        .unwrap();
    // (The frame follows the subscription result at once: the socket is already being
    // replaced when `connect` returns, so the items tell the story, not the events.)
    let first = next(&mut ch).await;
    let e = first.expect_err("an error item says why the socket was dropped");
    assert!(
        !e.is_gap(),
        "the gap came without the reason the socket was dropped: {e:?}"
    );
    assert_eq!(
        (e.kind(), e.reason(), e.is_fatal()),
        (ErrorKind::Receive, Reason::InvalidMessage, false)
    );
    let gap = next_err(&mut ch).await;
    assert!(gap.is_gap(), "{gap:?}");
    assert_eq!(body_i(&next_note(&mut ch).await), 2);
    assert_eq!(ch.stats().connections, 2);
}
