//! The three payload shapes of the benchmarks: Genesys-shaped event bodies of about 0.4 KB
//! (user presence), 2 KB (a conversation seen by a user) and 8 KB (a queue observation),
//! and the heartbeat frame sent every 1,000 notifications.
//!
//! The bodies follow the shapes of the real topics (`v2.users.{id}.presence`,
//! `v2.users.{id}.conversations`, `v2.analytics.queues.{id}.observations`); the values are
//! synthetic and deterministic. Each shape comes as a small pool of distinct bodies (the
//! sequence number and identifiers vary) so that no client sees the very same bytes twice in
//! a row.
//!
//! This file depends on `serde_json` only: the criterion benches of `genesys-notifications`
//! include it with `#[path]`, so that both measure the very same bodies.

use std::fmt;

use serde_json::{Value, json};

/// Notifications between two heartbeats.
pub const HEARTBEAT_EVERY: usize = 1_000;

/// The heartbeat exactly as the simulator writes it by default (short envelope).
pub const HEARTBEAT_FRAME: &str =
    r#"{"topicName":"channel.metadata","eventBody":{"message":"WebSocket Heartbeat"}}"#;

/// Distinct bodies per shape.
pub const POOL: usize = 16;

/// A payload shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Shape {
    /// `v2.users.{id}.presence`, about 0.4 KB a frame.
    Presence,
    /// `v2.users.{id}.conversations`, about 2 KB a frame.
    Conversation,
    /// `v2.analytics.queues.{id}.observations`, about 8 KB a frame.
    Queue,
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Shape {
    type Err = String;
    fn from_str(s: &str) -> Result<Shape, String> {
        Shape::ALL
            .into_iter()
            .find(|shape| shape.name() == s)
            .ok_or_else(|| format!("unknown shape {s:?} (presence, conversation, queue)"))
    }
}

const USER: &str = "8f4b5c4e-3b1d-4c55-a7a2-0f6d2a9e1c37";
const QUEUE: &str = "5d3f9b1e-7c2a-4e8b-9f01-2a6c4d8e0b13";

impl Shape {
    /// All shapes, smallest first.
    pub const ALL: [Shape; 3] = [Shape::Presence, Shape::Conversation, Shape::Queue];

    /// Short name.
    pub fn name(self) -> &'static str {
        match self {
            Shape::Presence => "presence",
            Shape::Conversation => "conversation",
            Shape::Queue => "queue",
        }
    }

    /// The topic the frames are published on (and the client subscribes to).
    pub fn topic(self) -> String {
        match self {
            Shape::Presence => format!("v2.users.{USER}.presence"),
            Shape::Conversation => format!("v2.users.{USER}.conversations"),
            Shape::Queue => format!("v2.analytics.queues.{QUEUE}.observations"),
        }
    }

    /// The `i`-th body of the pool.
    pub fn body(self, i: usize) -> Value {
        match self {
            Shape::Presence => presence(i),
            Shape::Conversation => conversation(i),
            Shape::Queue => queue_observation(i),
        }
    }

    /// Default number of notifications per end-to-end case: a few seconds at the baseline's
    /// rate on a small machine.
    pub fn default_count(self) -> u64 {
        match self {
            Shape::Presence => 1_000_000,
            Shape::Conversation => 300_000,
            Shape::Queue => 80_000,
        }
    }
}

fn uuid(seed: usize, salt: u32) -> String {
    // Deterministic UUID-looking identifiers.
    let a = (seed as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ u64::from(salt);
    let b = a.rotate_left(17).wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
    format!(
        "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
        (a >> 32) as u32,
        (a >> 16) as u16,
        (a & 0xfff) as u16,
        (b >> 52) as u16,
        b & 0xffff_ffff_ffff
    )
}

fn timestamp(i: usize) -> String {
    format!(
        "2026-11-28T07:{:02}:{:02}.{:03}Z",
        (i / 60) % 60,
        i % 60,
        (i * 37) % 1000
    )
}

fn presence(i: usize) -> Value {
    const SYSTEM: [&str; 4] = ["Available", "Away", "Busy", "On Queue"];
    json!({
        "source": "PURECLOUD",
        "presenceDefinition": {
            "id": uuid(i, 1),
            "systemPresence": SYSTEM[i % SYSTEM.len()],
        },
        "message": "",
        "modifiedDate": timestamp(i),
        "primary": true,
    })
}

fn participant(i: usize, p: usize, purpose: &str) -> Value {
    json!({
        "id": uuid(i * 8 + p, 2),
        "name": format!("Participant {p} of conversation {i}"),
        "address": format!("tel:+1317555{:04}", (i * 7 + p) % 10_000),
        "startTime": timestamp(i),
        "connectedTime": timestamp(i + 1),
        "purpose": purpose,
        "state": "connected",
        "direction": "inbound",
        "held": false,
        "wrapupRequired": purpose == "agent",
        "queue": { "id": QUEUE, "selfUri": format!("/api/v2/routing/queues/{QUEUE}") },
        "calls": [{
            "id": uuid(i * 8 + p, 3),
            "state": "connected",
            "recording": false,
            "recordingState": "none",
            "muted": false,
            "confined": false,
            "held": false,
            "segmentStartMs": 1_795_000_000_000_u64 + i as u64,
            "disconnectType": null,
            "provider": "Edge",
            "peerId": uuid(i * 8 + p, 4),
        }],
    })
}

fn conversation(i: usize) -> Value {
    json!({
        "id": uuid(i, 5),
        "name": null,
        "maxParticipants": 3,
        "recordingState": "none",
        "participants": [
            participant(i, 0, "customer"),
            participant(i, 1, "ivr"),
            participant(i, 2, "agent"),
        ],
    })
}

fn queue_observation(i: usize) -> Value {
    const METRICS: [&str; 8] = [
        "oWaiting",
        "oInteracting",
        "oAlerting",
        "oOnQueueUsers",
        "oOffQueueUsers",
        "oActiveUsers",
        "oMemberUsers",
        "oUserPresences",
    ];
    const MEDIA: [&str; 9] = [
        "voice",
        "chat",
        "email",
        "callback",
        "message",
        "video",
        "cobrowse",
        "screenshare",
        "unknown",
    ];
    let mut data = Vec::new();
    for (m, media) in MEDIA.iter().enumerate() {
        for (k, metric) in METRICS.iter().enumerate() {
            data.push(json!({
                "metric": metric,
                "qualifier": if k == 7 { Value::from(uuid(k, 6)) } else { Value::Null },
                "mediaType": media,
                "stats": { "count": (i + m * 8 + k) % 97, "max": 42, "min": 0, "sum": (i * 3 + k) % 1000 },
            }));
        }
    }
    json!({
        "group": { "queueId": QUEUE, "mediaType": null },
        "data": data,
        "observationTime": timestamp(i),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn frame_len(shape: Shape) -> usize {
        // The simulator's envelope adds topic, version and a correlation id (a UUID).
        let body = serde_json::to_string(&shape.body(3)).unwrap();
        body.len() + shape.topic().len() + 100
    }

    #[test]
    fn shapes_have_their_documented_sizes() {
        let sizes: Vec<usize> = Shape::ALL.iter().map(|s| frame_len(*s)).collect();
        eprintln!("frame sizes: {sizes:?}");
        assert!((300..=500).contains(&sizes[0]), "presence {}", sizes[0]);
        assert!(
            (1_800..=2_600).contains(&sizes[1]),
            "conversation {}",
            sizes[1]
        );
        assert!((7_000..=9_000).contains(&sizes[2]), "queue {}", sizes[2]);
    }

    #[test]
    fn shapes_parse_from_their_names() {
        for shape in Shape::ALL {
            assert_eq!(shape.name().parse::<Shape>(), Ok(shape));
        }
        assert!("huge".parse::<Shape>().is_err());
    }

    #[test]
    fn pool_bodies_differ() {
        for shape in Shape::ALL {
            assert_ne!(shape.body(0), shape.body(1), "{shape}");
        }
    }
}
