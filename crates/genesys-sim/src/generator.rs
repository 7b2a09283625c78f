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
use crate::topics::{TopicKind, classify};

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

    /// A realistic body for `topic`.
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
                json!({
                    "id": id,
                    "routingStatus": self.routing_status(now),
                    "presence": self.presence(now),
                    "outOfOffice": {"active": false, "modifiedDate": now},
                    "activeQueueIds": queues,
                    "dateActiveQueuesChanged": now,
                })
            }
            TopicKind::UserConversations => self.conversation(None, Some(id), now),
            TopicKind::QueueConversations => self.conversation(Some(id), None, now),
            TopicKind::QueueObservations => {
                let media = self.pick(MEDIA).unwrap_or("voice");
                json!({
                    "group": {"queueId": id, "mediaType": media},
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
            TopicKind::QueueUsers => {
                let user = self.uuid();
                let n = self.rng.u32(1..1000);
                json!({
                    "id": user,
                    "name": format!("Agent {n}"),
                    "user": {"id": user, "name": format!("Agent {n}")},
                    "joined": self.rng.bool(),
                    "memberBy": "user",
                    "routingStatus": self.routing_status(now),
                    "presence": self.presence(now),
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
        let leg = |id: String| json!([{ "id": id, "state": state }]);
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
                    "attributes": {},
                    media_key: leg(self.uuid()),
                },
            ],
            "recentTransfers": [],
            "recordingState": "none",
            "divisions": [],
        })
    }
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
        assert!(g.next_event(&[], now).is_none());
    }
}
