//! Cost of decoding typed event bodies (feature `models`), per topic family, next to parsing
//! the same body into a `serde_json::Value`.
//!
//! ```text
//! cargo bench -p genesys-notifications --bench models
//! ```
//!
//! `typed` is [`Notification::decode`] (topic-name parse, template dispatch, typed body);
//! `value` is `serde_json::from_str::<Value>` of the same body text. See `BENCHMARKS.md`.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use genesys_notifications::Notification;
use serde_json::{Value, json};

fn note(topic: &str, body: Value) -> Notification {
    let frame = json!({"topicName": topic, "version": "2", "eventBody": body,
                       "metadata": {"CorrelationId": "5e7f3b2a-1c4d-4e8f-9a0b-c1d2e3f4a5b6"}})
    .to_string();
    genesys_notifications::__private::classify(&frame)
        .unwrap()
        .unwrap()
}

fn participant(i: u32, media: &str) -> Value {
    json!({"id": format!("6f0e{i:04}-4b1d-4c4e-9a57-2d4c6a1e9b10"), "name": format!("Participant {i}"),
        "userId": "8b1a3c52-7d3e-4b4e-9a57-2d4c6a1e9b10", "queueId": "0f3c1a52-7d3e-4b4e-9a57-2d4c6a1e9b10",
        "purpose": if i == 0 { "customer" } else { "agent" }, "address": "tel:+13175551234",
        "connectedTime": "2024-03-01T09:00:05.120Z", "wrapupRequired": i > 0, "wrapupPrompt": "optional",
        "alertingTimeoutMs": 30000, "attributes": {"crm": "42", "lang": "en"},
        "conversationRoutingData": {"queue": {"id": "0f3c1a52-7d3e-4b4e-9a57-2d4c6a1e9b10"}, "priority": 0,
                                    "skills": [], "scoredAgents": []},
        media: [{"id": format!("9c2d{i:04}-4b1d-4c4e-9a57-2d4c6a1e9b10"), "state": "connected",
                 "initialState": "alerting", "direction": "inbound", "held": false, "muted": false,
                 "confined": false, "recording": false, "recordingState": "none", "provider": "Edge",
                 "connectedTime": "2024-03-01T09:00:05.120Z", "self": {"name": "Jo", "nameRaw": "Jo",
                 "addressNormalized": "tel:+13175551234"},
                 "afterCallWork": {"state": "pending", "startTime": "2024-03-01T09:10:00Z"}}]})
}

fn families() -> Vec<(&'static str, Notification)> {
    vec![
        (
            "presence",
            note(
                "v2.users.8b1a3c52.presence",
                json!({"source": "PURECLOUD",
            "presenceDefinition": {"id": "6a3af858-942f-489d-9700-5f9bcdcdae9b", "systemPresence": "AVAILABLE"},
            "primary": true, "message": "", "modifiedDate": "2024-03-01T09:00:00.000Z"}),
            ),
        ),
        (
            "routing_status",
            note(
                "v2.users.8b1a3c52.routingStatus",
                json!({"id": "8b1a3c52",
            "routingStatus": {"status": "INTERACTING", "startTime": "2024-03-01T09:00:00.000Z"}}),
            ),
        ),
        (
            "conversation",
            note(
                "v2.routing.queues.0f3c1a52.conversations",
                json!({
            "id": "c0ffee00-7d3e-4b4e-9a57-2d4c6a1e9b10", "maxParticipants": 4, "recordingState": "active",
            "participants": (0..4).map(|i| participant(i, "calls")).collect::<Vec<_>>(),
            "divisions": [{"division": {"id": "d1"}, "entities": [{"id": "e1"}]}]}),
            ),
        ),
        (
            "media_conversation",
            note(
                "v2.users.8b1a3c52.conversations.calls",
                json!({
            "id": "c0ffee00-7d3e-4b4e-9a57-2d4c6a1e9b10", "maxParticipants": 2, "recordingState": "none",
            "participants": (0..2).map(|i| json!({"id": format!("p{i}"), "name": "Customer",
                "purpose": "customer", "state": "connected", "initialState": "alerting", "direction": "inbound",
                "held": false, "startTime": "2024-03-01T09:00:00Z", "connectedTime": "2024-03-01T09:00:05Z",
                "queue": {"id": "q1"}, "attributes": {"crm": "42"}, "wrapupTimeoutMs": 60000,
                "muted": false, "confined": false, "address": "tel:+13175551234"})).collect::<Vec<_>>()}),
            ),
        ),
        (
            "observations",
            note(
                "v2.analytics.queues.0f3c1a52.observations",
                json!({
            "group": {"queueId": "0f3c1a52", "mediaType": "voice"},
            "data": [{"interval": "2024-03-01T09:00:00.000Z/2024-03-01T09:30:00.000Z", "metrics": [
                {"metric": "oWaiting", "stats": {"count": 3}}, {"metric": "oInteracting", "stats": {"count": 7}},
                {"metric": "oOnQueueUsers", "qualifier": "IDLE", "stats": {"count": 5}},
                {"metric": "oOnQueueUsers", "qualifier": "INTERACTING", "stats": {"count": 7}}]}]}),
            ),
        ),
        (
            "detail_event",
            note(
                "v2.detail.events.conversation.c0ffee00.acd.end",
                json!({
            "eventTime": 1_709_283_605_250i64, "conversationId": "c0ffee00", "participantId": "p1",
            "sessionId": "s1", "mediaType": "VOICE", "direction": "INBOUND", "provider": "Edge",
            "ani": "tel:+13175551234", "dnis": "tel:+13175550000", "queueId": "q1", "divisionId": "d1",
            "acdOutcome": "ANSWERED", "usedRouting": "STANDARD", "requestedRoutings": ["STANDARD"],
            "answeredUserId": "u1", "connectedDurationMs": 15000, "disconnectType": "TRANSFER"}),
            ),
        ),
        (
            "transcription",
            note(
                "v2.conversations.c0ffee00.transcription",
                json!({
            "eventTime": "2024-03-01T09:00:10.120Z", "organizationId": "o1", "conversationId": "c0ffee00",
            "communicationId": "m1", "sessionStartTimeMs": 1_709_283_600_000i64,
            "transcripts": [{"channel": "EXTERNAL", "utteranceId": "ut1", "isFinal": true,
                "alternatives": [{"confidence": 0.93, "offsetMs": 1200, "durationMs": 800,
                    "transcript": "hello there", "words": [
                        {"confidence": 0.95, "offsetMs": 1200, "durationMs": 300, "word": "hello"},
                        {"confidence": 0.91, "offsetMs": 1500, "durationMs": 500, "word": "there"}]}]}],
            "status": {"status": "SESSION_ONGOING", "offsetMs": 0}}),
            ),
        ),
        (
            "wfm_adherence",
            note(
                "v2.users.8b1a3c52.workforcemanagement.adherence",
                json!({
            "routingStatus": "INTERACTING", "adherenceState": "OutOfAdherence", "user": {"id": "u1"},
            "managementUnitId": "mu1", "businessUnitId": "bu1", "team": {"id": "t1", "name": "Blue"},
            "scheduledActivityCategory": "OnQueueWork", "systemPresence": "ON_QUEUE", "isOutOfOffice": false,
            "impact": "Negative", "adherenceChangeTime": "2024-03-01T09:02:00.250Z",
            "activeQueues": [{"id": "q1", "name": "Support"}]}),
            ),
        ),
    ]
}

fn decode(c: &mut Criterion) {
    let mut group = c.benchmark_group("decode");
    for (family, note) in families() {
        group.throughput(Throughput::Bytes(note.body_raw().len() as u64));
        group.bench_with_input(BenchmarkId::new("typed", family), &note, |b, n| {
            b.iter(|| black_box(n.decode().unwrap()))
        });
        group.bench_with_input(BenchmarkId::new("value", family), &note, |b, n| {
            b.iter(|| black_box(serde_json::from_str::<Value>(n.body_raw()).unwrap()))
        });
    }
    group.finish();
}

fn topics(c: &mut Criterion) {
    use genesys_notifications::models::Template;
    let mut group = c.benchmark_group("topic");
    for topic in [
        "v2.users.8b1a3c52-7d3e-4b4e-9a57-2d4c6a1e9b10.presence",
        "v2.detail.events.conversation.c0ffee00-7d3e-4b4e-9a57-2d4c6a1e9b10.voicemail.start",
        "v2.users.8b1a3c52-7d3e-4b4e-9a57-2d4c6a1e9b10.unknown",
    ] {
        group.bench_with_input(BenchmarkId::new("parse", topic.len()), topic, |b, t| {
            b.iter(|| black_box(Template::parse(t)))
        });
    }
    group.finish();
}

criterion_group!(benches, decode, topics);
criterion_main!(benches);
