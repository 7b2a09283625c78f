//! The JSON the simulator writes: WebSocket frames (notification envelope, heartbeat, pong,
//! system messages, subscribe results) and REST error bodies.

use std::fmt;

use axum::extract::ws::Utf8Bytes;
use serde::Serialize;
use serde_json::{Value, json};

/// A pre-serialised WebSocket text frame, cheap to clone (reference-counted bytes).
///
/// Build it once and hand clones to [`Simulator::publish_raw`](crate::Simulator::publish_raw):
/// every subscribed socket then receives the same bytes without re-serialising.
///
/// ```
/// use genesys_sim::Frame;
///
/// let frame = Frame::envelope("v2.users.u1.presence", &serde_json::json!({"x": 1}), "c-1");
/// assert!(frame.as_str().starts_with(r#"{"topicName":"v2.users.u1.presence","version":"2""#));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Frame(pub(crate) Utf8Bytes);

impl Frame {
    /// Wraps any text as a frame (sent verbatim, JSON or not).
    pub fn text(text: impl Into<String>) -> Frame {
        Frame(Utf8Bytes::from(text.into()))
    }

    /// The Genesys notification envelope:
    /// `{"topicName":..,"version":"2","eventBody":..,"metadata":{"CorrelationId":..}}`.
    pub fn envelope(topic_name: &str, event_body: &Value, correlation_id: &str) -> Frame {
        #[derive(Serialize)]
        struct Metadata<'a> {
            #[serde(rename = "CorrelationId")]
            correlation_id: &'a str,
        }
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Envelope<'a> {
            topic_name: &'a str,
            version: &'static str,
            event_body: &'a Value,
            metadata: Metadata<'a>,
        }
        let envelope = Envelope {
            topic_name,
            version: "2",
            event_body,
            metadata: Metadata { correlation_id },
        };
        // Serialising borrowed strings and a `Value` into a `Vec` cannot fail.
        let text = serde_json::to_string(&envelope).unwrap_or_default();
        Frame::text(text)
    }

    /// The frame's text.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the frame is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Frame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Frame").field(&self.as_str()).finish()
    }
}

impl From<String> for Frame {
    fn from(text: String) -> Frame {
        Frame::text(text)
    }
}

/// `channel.metadata` frame with the given message (heartbeat or pong).
pub(crate) fn channel_metadata(message: &str, full_envelope: bool, correlation_id: &str) -> Frame {
    let body = json!({ "message": message });
    if full_envelope {
        Frame::envelope("channel.metadata", &body, correlation_id)
    } else {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Short<'a> {
            topic_name: &'static str,
            event_body: &'a Value,
        }
        let short = Short {
            topic_name: "channel.metadata",
            event_body: &body,
        };
        Frame::text(serde_json::to_string(&short).unwrap_or_default())
    }
}

/// The heartbeat's message.
pub(crate) const HEARTBEAT: &str = "WebSocket Heartbeat";

/// A `SystemMessageSystemMessage` body.
pub(crate) fn system_body(
    channel_id: &str,
    system_topic_type: &str,
    client_id: &str,
    reason: &str,
    message: &str,
    correlation_id: &str,
) -> Value {
    json!({
        "channelId": channel_id,
        "systemTopicType": system_topic_type,
        "correlationId": correlation_id,
        "organizationId": SIM_ORG_ID,
        "oauthClientId": client_id,
        "oauthClientOrgId": SIM_ORG_ID,
        "reason": reason,
        "message": message,
        "data": {},
    })
}

/// The organisation id the simulator reports.
pub(crate) const SIM_ORG_ID: &str = "5d1c3e8a-0000-4000-8000-00000000516d";

/// `{"result":"200","status":<status>}` (+ `correlationId`); status `subscribed` or
/// `unsubscribed`.
pub(crate) fn result_ok(status: &str, correlation_id: Option<&str>) -> Frame {
    let mut v = json!({"result": "200", "status": status});
    add_correlation(&mut v, correlation_id);
    Frame::text(v.to_string())
}

/// `{"result":"400","status":<status>,"message":..}` (+ `correlationId`).
pub(crate) fn result_failure(status: &str, message: &str, correlation_id: Option<&str>) -> Frame {
    let mut v = json!({"result": "400", "status": status, "message": message});
    add_correlation(&mut v, correlation_id);
    Frame::text(v.to_string())
}

/// `{"result":"404","message":..}`.
pub(crate) fn result_not_found(message: &str) -> Frame {
    Frame::text(json!({"result": "404", "message": message}).to_string())
}

fn add_correlation(v: &mut Value, correlation_id: Option<&str>) {
    if let (Some(id), Some(obj)) = (correlation_id, v.as_object_mut()) {
        obj.insert("correlationId".to_owned(), Value::String(id.to_owned()));
    }
}

/// A frame of exactly `bytes` bytes (at least the size of an empty envelope): a valid
/// notification envelope on `v2.sim.oversize` padded with `x`.
pub(crate) fn oversize(bytes: usize, correlation_id: &str) -> Frame {
    let empty = Frame::envelope("v2.sim.oversize", &json!({"padding": ""}), correlation_id);
    let pad = bytes.saturating_sub(empty.len());
    Frame::envelope(
        "v2.sim.oversize",
        &json!({"padding": "x".repeat(pad)}),
        correlation_id,
    )
}

/// The Genesys `ErrorBody`.
pub(crate) fn error_body(status: u16, code: &str, message: &str, context_id: &str) -> Value {
    json!({
        "message": message,
        "code": code,
        "status": status,
        "messageWithParams": message,
        "messageParams": {},
        "contextId": context_id,
        "details": [],
        "errors": [],
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn envelope_has_the_genesys_shape() {
        let f = Frame::envelope("v2.users.u.presence", &json!({"a": 1}), "cid");
        let v: Value = serde_json::from_str(f.as_str()).unwrap();
        assert_eq!(
            v,
            json!({"topicName": "v2.users.u.presence", "version": "2",
                   "eventBody": {"a": 1}, "metadata": {"CorrelationId": "cid"}})
        );
    }

    #[test]
    fn heartbeat_shapes() {
        let short = channel_metadata(HEARTBEAT, false, "c");
        let v: Value = serde_json::from_str(short.as_str()).unwrap();
        assert_eq!(
            v,
            json!({"topicName": "channel.metadata", "eventBody": {"message": "WebSocket Heartbeat"}})
        );
        let full = channel_metadata("pong", true, "c");
        let v: Value = serde_json::from_str(full.as_str()).unwrap();
        assert_eq!(v["version"], "2");
        assert_eq!(v["metadata"]["CorrelationId"], "c");
    }

    #[test]
    fn oversize_is_exact() {
        for n in [200, 1000, 70_000] {
            assert_eq!(oversize(n, "c").len(), n);
        }
    }

    #[test]
    fn result_frames() {
        assert_eq!(
            result_ok("subscribed", None).as_str(),
            r#"{"result":"200","status":"subscribed"}"#
        );
        let v: Value =
            serde_json::from_str(result_failure("failure", "m", Some("k")).as_str()).unwrap();
        assert_eq!(
            v,
            json!({"result": "400", "status": "failure", "message": "m", "correlationId": "k"})
        );
    }
}
