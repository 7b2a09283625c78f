//! One notification, kept as the frame that carried it.

use std::fmt;

use serde::Deserialize;
use tokio_tungstenite::tungstenite::Utf8Bytes;

use crate::error::{Error, ErrorKind, Reason};
use crate::protocol::{Field, Parts};

/// A topic notification, exactly as received.
///
/// The frame is kept whole (shared, not copied) and its parts are located once, when it is
/// received; the event body stays unparsed until you ask for it with [`Notification::body`].
/// Cloning is cheap (a reference count).
///
/// # Examples
///
/// ```
/// # async fn demo(n: genesys_notifications::Notification) -> Result<(), genesys_notifications::Error> {
/// #[derive(serde::Deserialize)]
/// struct Presence<'a> {
///     #[serde(borrow)]
///     source: Option<&'a str>,
/// }
/// println!("{} v{:?}", n.topic(), n.version());
/// let presence: Presence<'_> = n.body()?;
/// # let _ = presence.source; Ok(()) }
/// ```
#[derive(Clone)]
pub struct Notification {
    frame: Utf8Bytes,
    parts: Parts,
}

impl Notification {
    pub(crate) fn new(frame: Utf8Bytes, parts: Parts) -> Self {
        Notification { frame, parts }
    }

    /// The topic name (`topicName`), always an individual topic (never a combined one).
    pub fn topic(&self) -> &str {
        self.parts.topic.get(&self.frame).unwrap_or_default()
    }

    /// The `version` field, when present.
    pub fn version(&self) -> Option<&str> {
        self.parts.version.get(&self.frame)
    }

    /// `metadata.CorrelationId`, when present.
    pub fn correlation_id(&self) -> Option<&str> {
        self.parts.correlation_id.get(&self.frame)
    }

    /// The whole frame text, exactly as received.
    pub fn raw(&self) -> &str {
        &self.frame
    }

    /// The `eventBody` JSON text, unparsed (`null` when the frame had no body).
    pub fn body_raw(&self) -> &str {
        match &self.parts.body {
            Field::Absent => "null",
            f => f.get(&self.frame).unwrap_or("null"),
        }
    }

    /// Decodes the event body into `T` (which may borrow from the notification).
    ///
    /// # Errors
    ///
    /// A non-fatal [`ErrorKind::Receive`] / [`Reason::InvalidMessage`] error carrying the
    /// frame, when the body does not match `T`. Its message says why, in serde's words:
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # use futures_util::StreamExt;
    /// # let sim = genesys_sim::Simulator::start(genesys_sim::SimConfig::default()).await?;
    /// # let uri = sim.create_channel("demo-client").connect_uri;
    /// # let mut channel = genesys_notifications::connect(&uri, ["v2.users.42.presence"]).await?;
    /// # sim.publish("v2.users.42.presence", serde_json::json!({"source": "PURECLOUD"}));
    /// # let n = channel.next().await.ok_or("ended")??;
    /// #[derive(Debug, serde::Deserialize)]
    /// #[serde(rename_all = "camelCase")]
    /// struct Presence {
    ///     presence_definition: serde_json::Value,
    /// }
    /// let e = n.body::<Presence>().unwrap_err();
    /// assert!(e.to_string().contains("missing field `presenceDefinition`"), "{e}");
    /// # Ok(()) }
    /// ```
    pub fn body<'a, T: Deserialize<'a>>(&'a self) -> Result<T, Error> {
        serde_json::from_str(self.body_raw()).map_err(|e| self.body_error(e))
    }

    /// The error for a body that does not decode: non-fatal, with the frame.
    pub(crate) fn body_error(&self, e: serde_json::Error) -> Error {
        Error::new(ErrorKind::Receive, Reason::InvalidMessage)
            .non_fatal()
            .with_message(format!(
                "event body of {} does not match: {e}",
                self.topic()
            ))
            .with_raw(self.frame.clone().into())
            .with_shown_source(e)
    }

    /// Key used to recognise the same event delivered twice (during a rollover): the
    /// correlation id when present, else the topic and body.
    pub(crate) fn same_event(&self, other: &Notification) -> bool {
        match (self.correlation_id(), other.correlation_id()) {
            (Some(a), Some(b)) => a == b && self.topic() == other.topic(),
            (None, None) => self.topic() == other.topic() && self.body_raw() == other.body_raw(),
            _ => false,
        }
    }

    pub(crate) fn dedup_hash(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        match self.correlation_id() {
            Some(c) => {
                0u8.hash(&mut h);
                self.topic().hash(&mut h);
                c.hash(&mut h);
            }
            None => {
                1u8.hash(&mut h);
                self.topic().hash(&mut h);
                self.body_raw().hash(&mut h);
            }
        }
        h.finish()
    }
}

impl fmt::Debug for Notification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notification")
            .field("topic", &self.topic())
            .field("version", &self.version())
            .field("correlation_id", &self.correlation_id())
            .field("body_len", &self.body_raw().len())
            .finish()
    }
}

impl fmt::Display for Notification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.raw())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::protocol::{Frame, classify};

    pub(crate) fn note(text: &str) -> Notification {
        let frame = Utf8Bytes::from(text);
        match classify(&frame) {
            Frame::Notification(p) => Notification::new(frame, p),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn accessors_and_typed_body() {
        let n = note(
            r#"{"topicName":"v2.users.1.presence","version":"2","eventBody":{"source":"PURECLOUD","n":3},"metadata":{"CorrelationId":"c"}}"#,
        );
        assert_eq!(n.topic(), "v2.users.1.presence");
        assert_eq!(n.version(), Some("2"));
        assert_eq!(n.correlation_id(), Some("c"));
        #[derive(Deserialize)]
        struct B<'a> {
            source: &'a str,
            n: u32,
        }
        let b: B<'_> = n.body().unwrap();
        assert_eq!((b.source, b.n), ("PURECLOUD", 3));
        let err = n.body::<Vec<u8>>().unwrap_err();
        assert!(!err.is_fatal());
        assert_eq!(err.reason(), Reason::InvalidMessage);
        assert_eq!(err.raw_text(), Some(n.raw()));
        assert!(format!("{n:?}").contains("presence"));
    }

    #[test]
    fn absent_body_is_null() {
        let n = note(r#"{"topicName":"a.b"}"#);
        assert_eq!(n.body_raw(), "null");
        assert_eq!(n.body::<Option<u8>>().unwrap(), None);
    }

    #[test]
    fn same_event_by_correlation_id_or_content() {
        let a = note(r#"{"topicName":"t","eventBody":{"x":1},"metadata":{"CorrelationId":"1"}}"#);
        let b = note(r#"{"topicName":"t","eventBody":{"x":2},"metadata":{"CorrelationId":"1"}}"#);
        let c = note(r#"{"topicName":"t","eventBody":{"x":1}}"#);
        let d = note(r#"{"topicName":"t","version":"2","eventBody":{"x":1}}"#);
        assert!(a.same_event(&b));
        assert_eq!(a.dedup_hash(), b.dedup_hash());
        // The same correlation id on another topic is another event.
        let e = note(r#"{"topicName":"u","eventBody":{"x":1},"metadata":{"CorrelationId":"1"}}"#);
        assert!(!a.same_event(&e));
        assert!(!a.same_event(&c));
        assert!(c.same_event(&d));
        assert_eq!(c.dedup_hash(), d.dedup_hash());
    }
}
