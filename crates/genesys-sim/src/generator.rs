//! The event generator (`--generate`): Genesys-shaped event bodies for whatever topics are
//! subscribed, at a fixed rate, deterministic for a given seed.
//!
//! Determinism: the topic picked at each tick and every value in the body come from a
//! generator seeded with [`SimConfig::seed`](crate::SimConfig::seed). Timestamps are the
//! wall-clock time of the simulator's start plus tokio's elapsed time. The same seed and
//! the same sequence of subscriptions therefore give the same events, timestamps aside.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::time::{Instant, MissedTickBehavior};

use crate::Simulator;
use crate::config::GeneratorConfig;
use crate::shared::Shared;
use crate::state::format_uuid;
use crate::topics::{DetailEvent, Media, TopicKind, classify};

/// Shortest tick: tokio timers have millisecond resolution, so higher rates emit several
/// events per tick.
const MIN_TICK: Duration = Duration::from_millis(1);

/// Generates events at the configured rate until shutdown.
pub(crate) async fn run(shared: Arc<Shared>, config: GeneratorConfig) {
    let rate = if config.rate_per_sec.is_finite() && config.rate_per_sec > 0.0 {
        config.rate_per_sec
    } else {
        1.0
    };
    let period = Duration::from_secs_f64(1.0 / rate).max(MIN_TICK);
    let per_tick = rate * period.as_secs_f64();
    let mut ticks = tokio::time::interval_at(Instant::now() + period, period);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut generator = Generator::new(shared.config.seed);
    let mut due = 0.0f64;
    loop {
        tokio::select! {
            () = shared.shutdown.cancelled() => return,
            _ = ticks.tick() => {}
        }
        due += per_tick;
        let (topics, now) = {
            let state = shared.lock();
            (state.subscribed_topics(), state.iso(Instant::now()))
        };
        // Rounding guard: 0.999999 events due counts as one.
        while due >= 1.0 - 1e-9 {
            due -= 1.0;
            if let Some((topic, body)) = generator.next_event(&topics, &now) {
                Simulator::publish_on(&shared, &topic, &body);
            }
        }
    }
}

/// Seeded body factory.
#[derive(Debug)]
pub(crate) struct Generator {
    rng: fastrand::Rng,
    sequence: u64,
}

const PRESENCES: &[(&str, &str)] = &[
    ("6a3af858-942f-489d-9700-5f9bcdcdae9b", "AVAILABLE"),
    ("ccf3c10a-aa2c-4845-8e8d-f59fa48c58e5", "AWAY"),
    ("31fe3bac-dea6-44b7-bed7-47f91660a1a0", "BUSY"),
    ("e08eaf1b-ee47-4fa9-a231-1200e284798f", "ON_QUEUE"),
    ("227f0c53-e8b1-4b0c-8f13-7a4f8f4c2d2a", "BREAK"),
    ("3fd96123-badb-4f69-bc03-1b1ccc6d8014", "MEAL"),
    ("c2a0d4e1-5b7f-4b9e-9a51-1f0ad6e3b6c4", "MEETING"),
];

const ROUTING: &[&str] = &[
    "OFF_QUEUE",
    "IDLE",
    "INTERACTING",
    "NOT_RESPONDING",
    "COMMUNICATING",
];

const MEDIA: &[&str] = &["voice", "chat", "email", "message", "callback"];

impl Generator {
    pub(crate) fn new(seed: u64) -> Generator {
        Generator {
            rng: fastrand::Rng::with_seed(seed ^ 0x6e6e_7261_7465_0001),
            sequence: 0,
        }
    }

    fn uuid(&mut self) -> String {
        format_uuid(self.rng.u64(..), self.rng.u64(..))
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> Option<T> {
        if items.is_empty() {
            None
        } else {
            Some(items[self.rng.usize(..items.len())])
        }
    }

    /// Picks one of `topics` (sorted) and builds its body; `None` when there are none.
    pub(crate) fn next_event(&mut self, topics: &[String], now: &str) -> Option<(String, Value)> {
        if topics.is_empty() {
            return None;
        }
        let topic = topics[self.rng.usize(..topics.len())].clone();
        let body = self.body(&topic, now);
        Some((topic, body))
    }

    /// A realistic body for `topic`, shaped like the service's event body of its topic
    /// template (the public SDK models of each topic).
    pub(crate) fn body(&mut self, topic: &str, now: &str) -> Value {
        self.sequence += 1;
        let (kind, id) = classify(topic);
        match kind {
            TopicKind::UserPresence => self.presence(now),
            TopicKind::UserRoutingStatus => json!({
                "id": id,
                "routingStatus": self.routing_status(now),
            }),
            TopicKind::UserActivity => {
                let queues: Vec<String> = (0..self.rng.usize(1..4)).map(|_| self.uuid()).collect();
                let (presence_id, system) = self.pick(PRESENCES).unwrap_or(("", "AVAILABLE"));
                json!({
                    "id": id,
                    "routingStatus": self.routing_status(now),
                    "presence": {
                        "presenceDefinition": {"id": presence_id, "systemPresence": system},
                        "presenceMessage": "",
                        "modifiedDate": now,
                    },
                    "outOfOffice": {"active": false, "modifiedDate": now},
                    "activeQueueIds": queues,
                    "dateActiveQueuesChanged": now,
                })
            }
            TopicKind::UserConversations => self.conversation(None, Some(id), now),
            TopicKind::QueueConversations => self.conversation(Some(id), None, now),
            TopicKind::UserMedia(media) => self.media_conversation(media, None, Some(id), now),
            TopicKind::QueueMedia(media) => self.media_conversation(media, Some(id), None, now),
            TopicKind::UserConversationSummary => {
                let mut counts = || {
                    json!({
                        "contactCenter": {"active": self.rng.u32(0..3), "acw": self.rng.u32(0..2)},
                        "enterprise": {"active": self.rng.u32(0..2), "acw": 0},
                    })
                };
                json!({
                    "userId": id,
                    "call": counts(),
                    "callback": counts(),
                    "email": counts(),
                    "message": counts(),
                    "chat": counts(),
                })
            }
            TopicKind::UserGeolocation => {
                let (country, region, city) = self
                    .pick(&[
                        ("US", "North Carolina", "Raleigh"),
                        ("DE", "Bavaria", "Munich"),
                        ("IE", "Galway", "Galway"),
                    ])
                    .unwrap_or(("US", "Indiana", "Indianapolis"));
                json!({"userId": id, "type": "GEOLOCATION", "country": country,
                       "region": region, "city": city})
            }
            TopicKind::UserStation => json!({
                "associatedStation": {
                    "id": self.uuid(),
                    "name": format!("Station {}", self.rng.u32(100..999)),
                    "associatedUser": {"id": id},
                },
            }),
            TopicKind::UserOutOfOffice => json!({
                "user": {"id": id},
                "active": self.rng.bool(),
                "indefinite": false,
                "startDate": now,
                "endDate": now,
            }),
            TopicKind::UserIntegrationPresence => {
                let (presence_id, system) = self.pick(PRESENCES).unwrap_or(("", "AVAILABLE"));
                json!({
                    "eventType": "UserPresenceStatusChanged",
                    "userId": id,
                    "source": "MICROSOFT_TEAMS",
                    "modifiedDate": now,
                    "presenceDefinition": {"id": presence_id, "systemPresence": system},
                    "message": "",
                })
            }
            TopicKind::UserCallForwarding => json!({
                "user": {"id": id},
                "enabled": self.rng.bool(),
                "calls": [{"targets": [
                    {"type": "PHONENUMBER", "value": format!("+1317555{:04}", self.rng.u32(0..10_000))},
                ]}],
                "voicemail": "PURECLOUD",
                "modifiedDate": now,
            }),
            TopicKind::UserVoicemailMessages => {
                let seconds = self.rng.u32(3..120);
                json!({
                    "id": self.uuid(),
                    "read": false,
                    "audioRecordingDurationSeconds": seconds,
                    "audioRecordingSizeBytes": seconds * 8000,
                    "createdDate": now,
                    "modifiedDate": now,
                    "callerAddress": format!("tel:+1317555{:04}", self.rng.u32(0..10_000)),
                    "callerName": format!("Customer {}", self.rng.u32(1000..9999)),
                    "action": "create",
                    "deleted": false,
                })
            }
            TopicKind::UserAdherence | TopicKind::ManagementUnitAdherence => {
                let (user, unit) = if kind == TopicKind::UserAdherence {
                    (id.to_owned(), self.uuid())
                } else {
                    (self.uuid(), id.to_owned())
                };
                self.adherence(&user, &unit, now)
            }
            TopicKind::UserSchedules => json!({
                "user": {"id": id},
                "startDate": now,
                "endDate": now,
                "updates": [{
                    "type": self.pick(&["Added", "Edited", "Deleted"]).unwrap_or("Edited"),
                    "shiftStartDates": [now],
                }],
            }),
            TopicKind::QueueObservations | TopicKind::UserAggregates => {
                let key = if kind == TopicKind::UserAggregates {
                    "userId"
                } else {
                    "queueId"
                };
                let media = self.pick(MEDIA).unwrap_or("voice");
                json!({
                    "group": {key: id, "mediaType": media},
                    "data": [{
                        "interval": format!("{now}/{now}"),
                        "metrics": [
                            {"metric": "oWaiting", "stats": {"count": self.rng.u32(0..20)}},
                            {"metric": "oInteracting", "stats": {"count": self.rng.u32(0..30)}},
                            {"metric": "oOnQueueUsers", "qualifier": "IDLE",
                             "stats": {"count": self.rng.u32(0..15)}},
                            {"metric": "oOnQueueUsers", "qualifier": "INTERACTING",
                             "stats": {"count": self.rng.u32(0..15)}},
                        ],
                    }],
                })
            }
            TopicKind::QueueActivity => json!({
                "results": [{
                    "mediaType": self.pick(MEDIA).unwrap_or("voice"),
                    "data": [
                        {"metric": "oWaiting", "count": self.rng.u32(0..20)},
                        {"metric": "oInteracting", "count": self.rng.u32(0..30)},
                        {"metric": "oLongestWaiting", "count": 1,
                         "calculatedMetricValue": self.rng.u32(0..600_000)},
                    ],
                }],
            }),
            TopicKind::QueueUsers => {
                let user = self.uuid();
                json!({
                    "id": user,
                    "user": {"id": user},
                    "queueId": id,
                    "joined": self.rng.bool(),
                    "additionalProperties": {},
                })
            }
            TopicKind::Transcription => {
                let offset = self.rng.u32(0..600_000);
                let word = self
                    .pick(&["hello", "thanks", "order", "refund"])
                    .unwrap_or("hello");
                json!({
                    "eventTime": now,
                    "organizationId": self.uuid(),
                    "conversationId": id,
                    "communicationId": self.uuid(),
                    "sessionStartTimeMs": epoch_millis(now),
                    "transcripts": [{
                        "channel": self.pick(&["INTERNAL", "EXTERNAL"]).unwrap_or("EXTERNAL"),
                        "utteranceId": self.uuid(),
                        "isFinal": true,
                        "alternatives": [{
                            "confidence": f64::from(self.rng.u32(50..100)) / 100.0,
                            "offsetMs": offset,
                            "durationMs": 400,
                            "transcript": word,
                            "words": [{"confidence": 0.9, "offsetMs": offset,
                                       "durationMs": 400, "word": word}],
                        }],
                    }],
                    "status": {"status": "SESSION_ONGOING", "offsetMs": offset},
                })
            }
            TopicKind::Detail(event) => self.detail(event, id, now),
            TopicKind::AgentState => {
                let at = epoch_millis(now);
                json!({
                    "currentState": self.pick(&["ALERT", "INTERACT", "WRAPUP", "HOLD"]).unwrap_or("INTERACT"),
                    "originatingDirection": "INBOUND",
                    "mediaType": "VOICE",
                    "conversationId": self.uuid(),
                    "sessionId": self.uuid(),
                    "sessionStart": at - i64::from(self.rng.u32(0..60_000)),
                    "currentStateStart": at,
                    "userId": id,
                    "queueId": self.uuid(),
                    "requestedSkillIds": [self.uuid()],
                })
            }
            TopicKind::Other => json!({
                "id": self.uuid(),
                "sequence": self.sequence,
                "timestamp": now,
            }),
        }
    }

    fn presence(&mut self, now: &str) -> Value {
        let (id, system) = self.pick(PRESENCES).unwrap_or(("", "AVAILABLE"));
        json!({
            "source": "PURECLOUD",
            "presenceDefinition": {"id": id, "systemPresence": system},
            "primary": true,
            "message": "",
            "modifiedDate": now,
        })
    }

    fn routing_status(&mut self, now: &str) -> Value {
        json!({
            "status": self.pick(ROUTING).unwrap_or("IDLE"),
            "startTime": now,
        })
    }

    fn conversation(&mut self, queue: Option<&str>, user: Option<&str>, now: &str) -> Value {
        let queue = queue.map_or_else(|| self.uuid(), str::to_owned);
        let agent = user.map_or_else(|| self.uuid(), str::to_owned);
        let media = self.pick(MEDIA).unwrap_or("voice");
        let state = self
            .pick(&["alerting", "connected", "disconnected"])
            .unwrap_or("connected");
        let customer = self.rng.u32(1000..9999);
        let media_key = match media {
            "voice" => "calls",
            "chat" => "chats",
            "email" => "emails",
            "callback" => "callbacks",
            _ => "messages",
        };
        let leg = |id: String| json!([{ "id": id, "state": state, "held": false }]);
        json!({
            "id": self.uuid(),
            "maxParticipants": 2,
            "participants": [
                {
                    "id": self.uuid(),
                    "connectedTime": now,
                    "name": format!("Customer {customer}"),
                    "purpose": "customer",
                    "queueId": queue,
                    "wrapupRequired": false,
                    "attributes": {},
                    media_key: leg(self.uuid()),
                },
                {
                    "id": self.uuid(),
                    "connectedTime": now,
                    "userId": agent,
                    "name": format!("Agent {}", self.rng.u32(1..1000)),
                    "purpose": "agent",
                    "queueId": queue,
                    "wrapupRequired": true,
                    "alertingTimeoutMs": 30000,
                    "attributes": {},
                    media_key: leg(self.uuid()),
                },
            ],
            "recentTransfers": [],
            "recordingState": "none",
            "divisions": [],
        })
    }

    /// A per-media conversation (`...conversations.calls` and the like): its participants
    /// carry the media fields directly instead of lists of communications.
    fn media_conversation(
        &mut self,
        media: Media,
        queue: Option<&str>,
        user: Option<&str>,
        now: &str,
    ) -> Value {
        let queue = queue.map_or_else(|| self.uuid(), str::to_owned);
        let agent = user.map_or_else(|| self.uuid(), str::to_owned);
        let state = self
            .pick(&["alerting", "connected", "disconnected"])
            .unwrap_or("connected");
        let mut participants = Vec::new();
        for (purpose, name) in [
            ("customer", format!("Customer {}", self.rng.u32(1000..9999))),
            ("agent", format!("Agent {}", self.rng.u32(1..1000))),
        ] {
            let mut p = json!({
                "id": self.uuid(),
                "name": name,
                "purpose": purpose,
                "state": state,
                "initialState": "alerting",
                "direction": "inbound",
                "held": false,
                "startTime": now,
                "connectedTime": now,
                "queue": {"id": queue},
                "attributes": {},
                "wrapupRequired": purpose == "agent",
                "alertingTimeoutMs": 30000,
            });
            if purpose == "agent" {
                p["user"] = json!({"id": agent});
            }
            if state == "disconnected" {
                p["disconnectType"] = json!("client");
                p["endTime"] = json!(now);
            }
            match media {
                Media::Calls => {
                    p["address"] = json!(format!("tel:+1317555{:04}", self.rng.u32(0..10_000)));
                    p["muted"] = json!(false);
                    p["confined"] = json!(false);
                    p["recording"] = json!(false);
                    p["recordingState"] = json!("none");
                }
                Media::Callbacks => {
                    p["callbackNumbers"] =
                        json!([format!("+1317555{:04}", self.rng.u32(0..10_000))]);
                    p["callbackScheduledTime"] = json!(now);
                    p["skipEnabled"] = json!(true);
                    p["timeoutSeconds"] = json!(0);
                }
                Media::Chats => {
                    p["roomId"] = json!(self.uuid());
                }
                Media::Emails => {
                    p["subject"] = json!(format!("Order {}", self.rng.u32(1000..9999)));
                    p["messagesSent"] = json!(self.rng.u32(0..5));
                }
                Media::Messages => {
                    p["type"] = json!(self.pick(&["sms", "webmessaging", "open"]).unwrap_or("sms"));
                }
            }
            participants.push(p);
        }
        let mut body = json!({
            "id": self.uuid(),
            "participants": participants,
            "divisions": [],
        });
        if media == Media::Calls {
            body["recordingState"] = json!("none");
            body["maxParticipants"] = json!(2);
        }
        body
    }

    fn adherence(&mut self, user: &str, unit: &str, now: &str) -> Value {
        json!({
            "routingStatus": self.pick(ROUTING).unwrap_or("IDLE"),
            "adherenceState": self
                .pick(&["InAdherence", "OutOfAdherence", "Unscheduled"])
                .unwrap_or("InAdherence"),
            "user": {"id": user},
            "managementUnitId": unit,
            "businessUnitId": self.uuid(),
            "scheduledActivityCategory": "OnQueueWork",
            "systemPresence": "ON_QUEUE",
            "isOutOfOffice": false,
            "impact": "Neutral",
            "adherenceChangeTime": now,
            "presenceUpdateTime": now,
            "activeQueues": [{"id": self.uuid(), "name": "Support"}],
            "activeQueuesModifiedTime": now,
            "removedFromManagementUnit": false,
        })
    }

    /// A conversation detail event: instants as epoch milliseconds, enums in upper case.
    fn detail(&mut self, event: DetailEvent, conversation: &str, now: &str) -> Value {
        let at = epoch_millis(now);
        let mut body = json!({
            "eventTime": at,
            "conversationId": conversation,
            "participantId": self.uuid(),
            "sessionId": self.uuid(),
            "mediaType": "VOICE",
            "direction": "INBOUND",
            "provider": "Edge",
            "ani": format!("tel:+1317555{:04}", self.rng.u32(0..10_000)),
            "dnis": "tel:+13175550000",
            "divisionId": self.uuid(),
            "conversationExternalContactIds": [],
        });
        let extra = match event {
            DetailEvent::AcdStart => json!({"queueId": self.uuid(), "routingPriority": 0}),
            DetailEvent::AcdEnd => json!({
                "queueId": self.uuid(),
                "acdOutcome": self.pick(&["ANSWERED", "ABANDON", "FLOW_OUT"]).unwrap_or("ANSWERED"),
                "usedRouting": "STANDARD",
                "requestedRoutings": ["STANDARD"],
                "connectedDurationMs": self.rng.u32(0..600_000),
            }),
            DetailEvent::Acw | DetailEvent::Wrapup => json!({
                "userId": self.uuid(),
                "queueId": self.uuid(),
                "wrapupCode": self.uuid(),
                "wrapupNotes": "",
                "wrapupDurationMs": self.rng.u32(0..120_000),
            }),
            DetailEvent::Attributes => json!({
                "attributes": {"orderId": format!("{}", self.rng.u32(1000..9999))},
                "communications": [{"mediaType": "VOICE", "id": self.uuid()}],
            }),
            DetailEvent::Contact => json!({"externalContactId": self.uuid()}),
            DetailEvent::CustomerStart => json!({}),
            DetailEvent::CustomerEnd => json!({
                "disconnectType": self.pick(&["PEER", "CLIENT", "ENDPOINT"]).unwrap_or("PEER"),
                "interactingDurationMs": self.rng.u32(0..600_000),
            }),
            DetailEvent::FlowStart => json!({
                "flowType": "INBOUNDCALL", "flowId": self.uuid(), "flowVersion": "1.0",
            }),
            DetailEvent::FlowEnd => json!({
                "flowType": "INBOUNDCALL", "flowId": self.uuid(), "flowVersion": "1.0",
                "exitReason": "TRANSFER", "transferType": "ACD", "disconnectType": "TRANSFER",
            }),
            DetailEvent::FlowOutcome => json!({
                "flowType": "INBOUNDCALL", "flowId": self.uuid(),
                "flowOutcomeId": self.uuid(),
                "flowOutcomeValue": self.pick(&["SUCCESS", "FAILURE"]).unwrap_or("SUCCESS"),
                "flowOutcomeStartTime": at - 1000,
                "flowOutcomeEndTime": at,
                "flowMilestones": [{"milestoneId": self.uuid(), "milestoneTime": at - 500}],
            }),
            DetailEvent::Outbound => json!({
                "direction": "OUTBOUND",
                "outboundCampaignId": self.uuid(),
                "outboundContactListId": self.uuid(),
                "outboundContactId": self.uuid(),
            }),
            DetailEvent::UserStart => json!({"userId": self.uuid(), "queueId": self.uuid()}),
            DetailEvent::UserEnd => json!({
                "userId": self.uuid(),
                "disconnectType": "CLIENT",
                "interactingDurationMs": self.rng.u32(0..600_000),
            }),
            DetailEvent::VoicemailStart => json!({"userId": self.uuid()}),
            DetailEvent::VoicemailEnd => json!({
                "userId": self.uuid(),
                "disconnectType": "ENDPOINT",
                "voicemailDurationMs": self.rng.u32(0..120_000),
            }),
        };
        if let (Value::Object(body), Value::Object(extra)) = (&mut body, extra) {
            body.extend(extra);
        }
        body
    }
}

/// Milliseconds since the Unix epoch of an RFC 3339 instant (0 if it is not one).
fn epoch_millis(iso: &str) -> i64 {
    humantime::parse_rfc3339(iso)
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .and_then(|d| i64::try_from(d.as_millis()).ok())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn same_seed_same_events() {
        let topics = vec![
            "v2.analytics.queues.q1.observations".to_owned(),
            "v2.users.u1.presence".to_owned(),
            "v2.users.u1.routingStatus".to_owned(),
        ];
        let run = |seed| {
            let mut g = Generator::new(seed);
            (0..20)
                .map(|_| g.next_event(&topics, "2026-01-01T00:00:00.000Z").unwrap())
                .collect::<Vec<_>>()
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
    }

    #[test]
    fn bodies_have_genesys_shapes() {
        let mut g = Generator::new(1);
        let now = "2026-01-01T00:00:00.000Z";
        let p = g.body("v2.users.u1.presence", now);
        assert!(p["presenceDefinition"]["systemPresence"].is_string());
        let r = g.body("v2.users.u1.routingStatus", now);
        assert_eq!(r["id"], "u1");
        assert!(r["routingStatus"]["status"].is_string());
        let a = g.body("v2.users.u1.activity", now);
        assert!(a["activeQueueIds"].is_array());
        let o = g.body("v2.analytics.queues.q1.observations", now);
        assert_eq!(o["group"]["queueId"], "q1");
        assert!(o["data"][0]["metrics"].is_array());
        let c = g.body("v2.routing.queues.q1.conversations", now);
        assert_eq!(c["participants"][0]["queueId"], "q1");
        assert_eq!(c["participants"][0]["purpose"], "customer");
        let u = g.body("v2.users.u1.conversations", now);
        assert_eq!(u["participants"][1]["userId"], "u1");
        let m = g.body("v2.routing.queues.q1.users", now);
        assert!(m["joined"].is_boolean());
        assert_eq!(m["queueId"], "q1");
        let d = g.body("v2.detail.events.conversation.c1.acd.end", now);
        assert_eq!(d["eventTime"], 1_767_225_600_000i64);
        assert_eq!(d["conversationId"], "c1");
        let s = g.body("v2.detail.events.agent.u1.state", now);
        assert_eq!(s["currentStateStart"], 1_767_225_600_000i64);
        let calls = g.body("v2.users.u1.conversations.calls", now);
        assert_eq!(calls["participants"][1]["user"]["id"], "u1");
        assert!(calls["participants"][0]["state"].is_string());
        let a = g.body("v2.workforcemanagement.managementunits.mu1.adherence", now);
        assert_eq!(a["managementUnitId"], "mu1");
        assert!(g.next_event(&[], now).is_none());
    }
}
