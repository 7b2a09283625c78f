//! Reading the stream back: notifications exactly as received, and the relay's records.

use std::pin::Pin;

use async_nats::jetstream::consumer::{AckPolicy, DeliverPolicy, pull};
use async_nats::jetstream::{self, Message};
use bytes::Bytes;
use futures_util::{Stream, StreamExt};

use crate::error::RelayError;
use crate::record::{GapRecord, RelayRecord};
use crate::subject::{gap_subject, overlaps, topic_of};

/// What to read.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ConsumeOptions {
    /// Stream name (default `GENESYS`).
    pub stream: String,
    /// Subject prefix the relay writes under (default `genesys`).
    pub prefix: String,
    /// A subject filter with wildcards, e.g. `genesys.v2.users.*.presence`; gap and relay
    /// records are delivered whatever the filter.
    pub filter: Option<String>,
    /// A durable consumer of this name: it remembers what was acknowledged and resumes
    /// there. Without it an ephemeral ordered consumer is used.
    pub durable: Option<String>,
    /// Start at the oldest message in the stream instead of new messages only (for a new
    /// durable consumer; an existing one resumes where it was).
    pub from_start: bool,
    /// Durable consumers: a message delivered but not acknowledged within this time is
    /// delivered again (default 30 s). Messages already fetched but not processed when a
    /// reader stops are therefore redelivered to the next reader after it.
    pub ack_wait: std::time::Duration,
}

impl Default for ConsumeOptions {
    fn default() -> Self {
        ConsumeOptions {
            stream: "GENESYS".into(),
            prefix: "genesys".into(),
            filter: None,
            durable: None,
            from_start: false,
            ack_wait: std::time::Duration::from_secs(30),
        }
    }
}

/// One message of the stream, classified.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Record {
    /// A notification: the frame exactly as the relay received it.
    Notification {
        /// The topic (from the subject).
        topic: String,
        /// The frame.
        frame: Bytes,
    },
    /// A gap record (`<prefix>._gap`).
    Gap(GapRecord),
    /// A relay start, checkpoint or stop record.
    Relay(RelayRecord),
    /// A message the relay did not write in a form this reader knows.
    Other {
        /// Its subject.
        subject: String,
        /// Its payload.
        payload: Bytes,
    },
}

/// A record and the means to acknowledge it (durable consumers).
#[derive(Debug)]
pub struct Delivery {
    /// The record.
    pub record: Record,
    /// The stream sequence, when known.
    pub sequence: Option<u64>,
    message: Option<Message>,
}

impl Delivery {
    /// Acknowledges the message (a no-op for ephemeral consumers).
    ///
    /// # Errors
    ///
    /// [`RelayError::JetStream`] when the acknowledgement could not be sent.
    pub async fn ack(self) -> Result<(), RelayError> {
        match self.message {
            Some(message) => message
                .ack()
                .await
                .map_err(|e| RelayError::JetStream(format!("ack: {e}"))),
            None => Ok(()),
        }
    }
}

type Messages = Pin<Box<dyn Stream<Item = Result<Message, String>> + Send>>;

/// Records of a stream, in stream order.
pub struct Deliveries {
    messages: Messages,
    prefix: String,
    explicit_ack: bool,
}

impl std::fmt::Debug for Deliveries {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Deliveries")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl Deliveries {
    /// The next record; `None` when the consumer ended.
    pub async fn next(&mut self) -> Option<Result<Delivery, RelayError>> {
        let message = match self.messages.next().await? {
            Ok(message) => message,
            Err(error) => return Some(Err(RelayError::JetStream(error))),
        };
        let sequence = message.info().ok().map(|info| info.stream_sequence);
        let record = classify(
            &self.prefix,
            message.message.subject.as_str(),
            &message.message.payload,
        );
        Some(Ok(Delivery {
            record,
            sequence,
            message: self.explicit_ack.then_some(message),
        }))
    }
}

/// Classifies a message by its subject.
pub fn classify(prefix: &str, subject: &str, payload: &Bytes) -> Record {
    if subject == gap_subject(prefix) {
        if let Ok(gap) = serde_json::from_slice(payload) {
            return Record::Gap(gap);
        }
    } else if subject
        .strip_prefix(prefix)
        .is_some_and(|rest| rest.starts_with("._relay."))
    {
        if let Ok(record) = serde_json::from_slice(payload) {
            return Record::Relay(record);
        }
    } else if let Some(topic) = topic_of(prefix, subject) {
        return Record::Notification {
            topic,
            frame: payload.clone(),
        };
    }
    Record::Other {
        subject: subject.to_owned(),
        payload: payload.clone(),
    }
}

/// Starts reading `options.stream`.
///
/// # Errors
///
/// [`RelayError::JetStream`] when the stream or the consumer cannot be used.
pub async fn consume(
    client: async_nats::Client,
    options: &ConsumeOptions,
) -> Result<Deliveries, RelayError> {
    let js = jetstream::new(client);
    let stream = js
        .get_stream(&options.stream)
        .await
        .map_err(|e| RelayError::JetStream(format!("stream {}: {e}", options.stream)))?;
    let mut filters = Vec::new();
    if let Some(filter) = &options.filter {
        filters.push(filter.clone());
        for own in [
            gap_subject(&options.prefix),
            format!("{}._relay.>", options.prefix),
        ] {
            if !overlaps(filter, &own) {
                filters.push(own);
            }
        }
    }
    let deliver_policy = if options.from_start {
        DeliverPolicy::All
    } else {
        DeliverPolicy::New
    };
    let (messages, explicit_ack): (Messages, bool) = match &options.durable {
        Some(name) => {
            let consumer = stream
                .get_or_create_consumer(
                    name,
                    pull::Config {
                        durable_name: Some(name.clone()),
                        deliver_policy,
                        ack_policy: AckPolicy::Explicit,
                        ack_wait: options.ack_wait,
                        filter_subjects: filters,
                        ..pull::Config::default()
                    },
                )
                .await
                .map_err(|e| RelayError::JetStream(format!("consumer {name}: {e}")))?;
            let messages = consumer
                .messages()
                .await
                .map_err(|e| RelayError::JetStream(format!("consumer {name}: {e}")))?;
            (
                Box::pin(messages.map(|m| m.map_err(|e| e.to_string()))),
                true,
            )
        }
        None => {
            let consumer = stream
                .create_consumer(pull::OrderedConfig {
                    deliver_policy,
                    filter_subjects: filters,
                    ..pull::OrderedConfig::default()
                })
                .await
                .map_err(|e| RelayError::JetStream(format!("ordered consumer: {e}")))?;
            let messages = consumer
                .messages()
                .await
                .map_err(|e| RelayError::JetStream(format!("ordered consumer: {e}")))?;
            (
                Box::pin(messages.map(|m| m.map_err(|e| e.to_string()))),
                false,
            )
        }
    };
    Ok(Deliveries {
        messages,
        prefix: options.prefix.clone(),
        explicit_ack,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::subject::{relay_subject, subject_of};

    #[test]
    fn subjects_classify() {
        let frame = Bytes::from_static(br#"{"topicName":"a.b"}"#);
        match classify("g", &subject_of("g", "a.b"), &frame) {
            Record::Notification { topic, frame: f } => {
                assert_eq!(topic, "a.b");
                assert_eq!(f, frame);
            }
            other => panic!("{other:?}"),
        }
        let gap = Bytes::from_static(
            br#"{"from":"x","to":"y","topics":[],"channel":"c","reason":"lagged"}"#,
        );
        assert!(matches!(classify("g", "g._gap", &gap), Record::Gap(_)));
        assert!(matches!(
            classify("g", "g._gap", &frame),
            Record::Other { .. }
        ));
        assert!(matches!(
            classify("g", &relay_subject("g", "r"), &frame),
            Record::Other { .. }
        ));
        assert!(matches!(classify("g", "h.a", &frame), Record::Other { .. }));
    }
}
