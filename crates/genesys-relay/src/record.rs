//! What the relay writes besides the frames: header names, de-duplication keys, and the JSON
//! records of gaps and of the relay's own life.

use std::time::SystemTime;

use serde::{Deserialize, Serialize};

/// Header: the JetStream de-duplication key (see [`message_id`]).
pub const MSG_ID: &str = "Nats-Msg-Id";
/// Header: the notification's topic, as received.
pub const TOPIC: &str = "Genesys-Topic";
/// Header: when the relay received the notification (RFC 3339, UTC, milliseconds).
pub const RECEIVED_AT: &str = "Genesys-Received-At";
/// Header: which relay and channel received it (`<relay id>/<channel tag>`).
pub const CHANNEL: &str = "Genesys-Channel";

/// The longest correlation id written into a key as it is; longer ones are hashed.
const MAX_PLAIN_ID: usize = 128;

/// The de-duplication key of a notification: the same for the same event whichever channel
/// or relay received it, so that JetStream keeps one copy within its duplicate window.
///
/// `<topic>|<correlation id>` when the frame carries `metadata.CorrelationId` (the service
/// gives each event its own), else `<topic>|#<hash>` with the first 128 bits of the SHA-256
/// of the event body, in hex. Bytes that cannot appear in a header value (control
/// characters, and anything outside printable ASCII) are never written as such: a topic
/// containing them is replaced by its hash (`#<hash>`), and so is such a correlation id or
/// one longer than 128 bytes.
///
/// ```
/// use genesys_relay::record::message_id;
///
/// assert_eq!(message_id("v2.users.1.presence", Some("c-42"), "{}"), "v2.users.1.presence|c-42");
/// let by_body = message_id("v2.users.1.presence", None, r#"{"a":1}"#);
/// assert!(by_body.starts_with("v2.users.1.presence|#"));
/// assert_eq!(by_body, message_id("v2.users.1.presence", None, r#"{"a":1}"#));
/// ```
pub fn message_id(topic: &str, correlation_id: Option<&str>, body: &str) -> String {
    let mut id = String::with_capacity(topic.len() + 40);
    if header_safe(topic) {
        id.push_str(topic);
    } else {
        id.push('#');
        id.push_str(&hash_hex(topic.as_bytes()));
    }
    id.push('|');
    match correlation_id {
        Some(c)
            if !c.is_empty()
                && c.len() <= MAX_PLAIN_ID
                && header_safe(c)
                && !c.starts_with('#') =>
        {
            id.push_str(c);
        }
        Some(c) if !c.is_empty() => {
            id.push_str("#c");
            id.push_str(&hash_hex(c.as_bytes()));
        }
        _ => {
            id.push('#');
            id.push_str(&hash_hex(body.as_bytes()));
        }
    }
    id
}

/// A header value that is the text itself when it is printable ASCII, else `%XX`-escaped
/// bytes (`%` itself then escaped too).
pub(crate) fn header_text(text: &str) -> String {
    if header_safe(text) && !text.contains('%') {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() * 3);
    for byte in text.bytes() {
        if (0x20..0x7f).contains(&byte) && byte != b'%' {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn header_safe(text: &str) -> bool {
    text.bytes().all(|b| (0x20..0x7f).contains(&b))
}

/// The first 128 bits of SHA-256, as 32 hex digits.
fn hash_hex(bytes: &[u8]) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes);
    let mut out = String::with_capacity(32);
    for byte in digest.as_ref().iter().take(16) {
        out.push_str(&format!("{byte:02x}"));
    }
    out
}

/// A short tag naming a channel without revealing its id (the id is the socket's
/// credential): the first 48 bits of the SHA-256 of the id, in hex.
///
/// ```
/// let tag = genesys_relay::record::channel_tag("streaming-0-1tvypwwdkuzrderyr21vwn7pbn");
/// assert_eq!(tag.len(), 12);
/// assert!(!tag.contains("streaming"));
/// ```
pub fn channel_tag(channel_id: &str) -> String {
    let mut tag = hash_hex(channel_id.as_bytes());
    tag.truncate(12);
    tag
}

/// RFC 3339 with milliseconds, UTC.
pub(crate) fn timestamp(at: SystemTime) -> String {
    humantime::format_rfc3339_millis(at).to_string()
}

/// Why a gap record was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum GapReason {
    /// The channel had no subscribed socket for a while (the client's own gap report).
    Disconnected,
    /// The channel dropped notifications because its buffer was full (`dropped` says how
    /// many).
    Lagged,
    /// A relay with this id stopped without its stop record (killed, crashed, host lost):
    /// what it had received but not yet written, and what arrived until it was back, may be
    /// missing.
    RelayRestarted,
    /// A frame the client could not read (`raw` holds it as received).
    Malformed,
    /// A notification larger than the NATS server accepts (`topic`, `correlation_id` say
    /// which); it is not in the stream.
    TooLarge,
}

/// A record on `<prefix>._gap`: notifications in this window of these topics may be missing
/// from the stream; back-fill them from the REST API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GapRecord {
    /// Start of the window (RFC 3339).
    pub from: String,
    /// End of the window (RFC 3339).
    pub to: String,
    /// Topics whose notifications may be missing (as subscribed: a combined topic
    /// `prefix?a&b` is one entry).
    pub topics: Vec<String>,
    /// The same topics as individual topic names (each combined topic expanded, without
    /// duplicates): the names notifications carry. Absent in records of earlier versions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expanded_topics: Vec<String>,
    /// The relay and channel that saw it (`<relay id>/<channel tag>`).
    pub channel: String,
    /// Why.
    pub reason: GapReason,
    /// Notifications known to be dropped (`lagged`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dropped: Option<u64>,
    /// The frame as received (`malformed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw: Option<String>,
    /// The topic of the one notification concerned (`too_large`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    /// Its correlation id (`too_large`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
}

impl GapRecord {
    /// A record for the window `from..to`.
    pub fn new(
        from: SystemTime,
        to: SystemTime,
        topics: Vec<String>,
        channel: String,
        reason: GapReason,
    ) -> Self {
        let mut expanded_topics: Vec<String> = Vec::new();
        for name in topics
            .iter()
            .flat_map(|t| genesys_notifications::topic::expand(t))
        {
            if !expanded_topics.contains(&name) {
                expanded_topics.push(name);
            }
        }
        GapRecord {
            from: timestamp(from),
            to: timestamp(to),
            topics,
            expanded_topics,
            channel,
            reason,
            dropped: None,
            raw: None,
            topic: None,
            correlation_id: None,
        }
    }
}

/// What a relay record says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RelayEvent {
    /// The relay started writing.
    Start,
    /// Still alive; everything it received before `watermark` is in the stream.
    Checkpoint,
    /// The relay stopped cleanly (`unacked` says what it could not confirm, normally 0).
    Stop,
}

/// A record on `<prefix>._relay.<relay id>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RelayRecord {
    /// What happened.
    pub event: RelayEvent,
    /// The relay's id (`--relay-id`).
    pub relay: String,
    /// When (RFC 3339).
    pub at: String,
    /// Everything this relay received before this instant is in the stream.
    pub watermark: String,
    /// The channel (`<relay id>/<channel tag>`).
    pub channel: String,
    /// The topics relayed.
    pub topics: Vec<String>,
    /// Host and process.
    pub host: String,
    /// Process id.
    pub pid: u32,
    /// Publishes not acknowledged when stopping (`stop` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unacked: Option<u64>,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn keys_are_stable_and_distinct() {
        let a = message_id("t", None, "{\"x\":1}");
        let b = message_id("t", None, "{\"x\":2}");
        let c = message_id("u", None, "{\"x\":1}");
        assert_ne!(a, b);
        assert_ne!(a, c);
        assert_eq!(a, message_id("t", None, "{\"x\":1}"));
        // Known vector: SHA-256("") starts with e3b0c442...
        assert_eq!(
            message_id("t", None, ""),
            "t|#e3b0c44298fc1c149afbf4c8996fb924"
        );
        assert_eq!(message_id("t", Some("c1"), "whatever"), "t|c1");
        assert_eq!(message_id("t", Some("c1"), "other body"), "t|c1");
    }

    #[test]
    fn a_gap_record_carries_expanded_topics_and_reads_older_records() {
        let record = GapRecord::new(
            SystemTime::UNIX_EPOCH,
            SystemTime::UNIX_EPOCH,
            vec![
                "v2.users.42?presence&routingStatus".to_owned(),
                "v2.users.42.presence".to_owned(),
            ],
            "r1/x".to_owned(),
            GapReason::Disconnected,
        );
        assert_eq!(
            record.expanded_topics,
            ["v2.users.42.presence", "v2.users.42.routingStatus"]
        );
        let json = serde_json::to_value(&record).unwrap();
        assert_eq!(json["topics"][0], "v2.users.42?presence&routingStatus");
        assert_eq!(json["expanded_topics"][1], "v2.users.42.routingStatus");
        let older = r#"{"from":"2026-01-01T00:00:00.000Z","to":"2026-01-01T00:00:01.000Z","topics":["a.b"],"channel":"r1/x","reason":"disconnected"}"#;
        let older: GapRecord = serde_json::from_str(older).unwrap();
        assert_eq!(older.topics, ["a.b"]);
        assert!(older.expanded_topics.is_empty());
        let none = GapRecord::new(
            SystemTime::UNIX_EPOCH,
            SystemTime::UNIX_EPOCH,
            Vec::new(),
            "r1/x".to_owned(),
            GapReason::Lagged,
        );
        assert!(
            serde_json::to_value(&none)
                .unwrap()
                .get("expanded_topics")
                .is_none()
        );
    }

    #[test]
    fn keys_are_header_safe() {
        for id in [
            message_id("a\r\nb", Some("c"), ""),
            message_id("t", Some("c\nd"), ""),
            message_id("t", Some(&"x".repeat(500)), ""),
            message_id("t", Some("#e3b0"), ""),
        ] {
            assert!(header_safe(&id), "{id:?}");
            assert!(id.len() < 200, "{id}");
        }
        // A correlation id that looks like a hash cannot collide with a body hash.
        assert_ne!(
            message_id("t", Some("#e3b0c44298fc1c149afbf4c8996fb924"), "x"),
            message_id("t", None, "")
        );
        assert_eq!(header_text("a b"), "a b");
        assert_eq!(header_text("a\nb%"), "a%0Ab%25");
    }

    #[test]
    fn records_round_trip() {
        let mut gap = GapRecord::new(
            SystemTime::UNIX_EPOCH,
            SystemTime::UNIX_EPOCH + std::time::Duration::from_millis(1500),
            vec!["v2.x".into()],
            "r1/abc".into(),
            GapReason::Lagged,
        );
        gap.dropped = Some(3);
        let json = serde_json::to_string(&gap).unwrap();
        assert_eq!(
            json,
            r#"{"from":"1970-01-01T00:00:00.000Z","to":"1970-01-01T00:00:01.500Z","topics":["v2.x"],"expanded_topics":["v2.x"],"channel":"r1/abc","reason":"lagged","dropped":3}"#
        );
        assert_eq!(serde_json::from_str::<GapRecord>(&json).unwrap(), gap);
    }
}
