//! The measured clients that run inside this binary: (a) the minimal baseline and (b) the
//! library's stream consumed by a counting loop. (The third, `genesys-notify listen`, is the
//! CLI binary itself.)
//!
//! Each consumes notifications until it has received `count` of them, then reports an
//! [`Outcome`]. (Notifications the library reports as dropped are counted apart.)

use std::time::Instant;

use anyhow::{Context as _, bail};
use futures_util::{SinkExt as _, StreamExt as _};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use tokio_tungstenite::tungstenite::Message;

/// What a client saw.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// Notifications received.
    pub received: u64,
    /// Notifications the client reported as dropped (library `Lagged` markers).
    pub dropped: u64,
    /// Heartbeats and other control frames seen (baseline only; the library hides them).
    pub control: u64,
    /// Total bytes of the event bodies (keeps the parse from being optimised away and proves
    /// the bodies were located).
    pub body_bytes: u64,
    /// Seconds from the first notification to the last, measured by the client itself.
    pub first_to_last_secs: f64,
}

/// The envelope as the baseline parses it: borrowed strings, `eventBody` kept raw.
#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(rename = "topicName", borrow)]
    topic_name: &'a str,
    #[serde(borrow, default)]
    version: Option<&'a str>,
    #[serde(rename = "eventBody", borrow)]
    event_body: Option<&'a RawValue>,
    #[serde(borrow, default)]
    metadata: Option<Metadata<'a>>,
}

#[derive(Deserialize)]
struct Metadata<'a> {
    #[serde(rename = "CorrelationId", borrow, default)]
    correlation_id: Option<&'a str>,
}

/// (a) The minimal baseline: one WebSocket (tokio-tungstenite, the same stack as the
/// library), the socket `subscribe` message, then for each text frame one serde_json parse of
/// the envelope keeping `eventBody` as a borrowed `RawValue`, and a count. No reconnects, no
/// timers, no buffering beyond the socket's.
///
/// # Errors
///
/// Connection, protocol or parse failures (a benchmark must not silently count garbage).
pub async fn baseline(uri: &str, topic: &str, count: u64) -> anyhow::Result<Outcome> {
    let url = url_authority(uri)?;
    let tcp = tokio::net::TcpStream::connect(url.as_str())
        .await
        .with_context(|| format!("connect {url}"))?;
    tcp.set_nodelay(true)?;
    let (mut ws, _) = tokio_tungstenite::client_async(uri, tcp)
        .await
        .context("WebSocket handshake")?;
    let subscribe = serde_json::json!({"message": "subscribe", "topics": [topic]}).to_string();
    ws.send(Message::text(subscribe)).await?;

    let mut out = Outcome::default();
    let mut first = None;
    let mut last = Instant::now();
    while out.received < count {
        let Some(message) = ws.next().await else {
            bail!("socket closed after {} notifications", out.received);
        };
        let Message::Text(text) = message? else {
            continue;
        };
        if text.starts_with(r#"{"result""#) {
            out.control += 1;
            continue;
        }
        let envelope: Envelope<'_> = serde_json::from_str(text.as_str())
            .with_context(|| format!("bad frame {:.200}", text.as_str()))?;
        if envelope.topic_name == "channel.metadata" {
            out.control += 1;
            continue;
        }
        let now = Instant::now();
        first.get_or_insert(now);
        last = now;
        out.received += 1;
        out.body_bytes += envelope.event_body.map_or(0, |b| b.get().len()) as u64;
        let _ = (
            envelope.version,
            envelope.metadata.and_then(|m| m.correlation_id),
        );
    }
    out.first_to_last_secs = first.map_or(0.0, |f| (last - f).as_secs_f64());
    Ok(out)
}

/// (b) The library: `genesys_notifications::connect` and a loop counting the stream's items.
///
/// # Errors
///
/// The connect error, or a fatal stream error.
pub async fn library(uri: &str, topic: &str, count: u64) -> anyhow::Result<Outcome> {
    let mut channel = genesys_notifications::connect(uri, [topic]).await?;
    let mut out = Outcome::default();
    let mut first = None;
    let mut last = Instant::now();
    while out.received < count {
        let Some(item) = channel.next().await else {
            bail!("stream ended after {} notifications", out.received);
        };
        match item {
            Ok(n) => {
                let now = Instant::now();
                first.get_or_insert(now);
                last = now;
                out.received += 1;
                out.body_bytes += n.body_raw().len() as u64;
            }
            Err(e) if e.is_lagged() => out.dropped += e.dropped().unwrap_or(0),
            Err(e) if !e.is_fatal() => out.control += 1,
            Err(e) => return Err(e.into()),
        }
    }
    out.first_to_last_secs = first.map_or(0.0, |f| (last - f).as_secs_f64());
    Ok(out)
}

/// `host:port` of a `ws://` URI.
fn url_authority(uri: &str) -> anyhow::Result<String> {
    let rest = uri
        .strip_prefix("ws://")
        .context("the baseline only speaks ws:// (loopback)")?;
    let authority = rest.split('/').next().unwrap_or(rest);
    Ok(authority.to_owned())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn authority_of_a_channel_uri() {
        assert_eq!(
            url_authority("ws://127.0.0.1:4321/channels/abc").unwrap(),
            "127.0.0.1:4321"
        );
        assert!(url_authority("wss://x/channels/abc").is_err());
    }

    #[test]
    fn baseline_envelope_keeps_the_body_raw() {
        let frame = r#"{"topicName":"t","version":"2","eventBody":{"a":[1,2]},"metadata":{"CorrelationId":"c"}}"#;
        let e: Envelope<'_> = serde_json::from_str(frame).unwrap();
        assert_eq!(e.topic_name, "t");
        assert_eq!(e.event_body.unwrap().get(), r#"{"a":[1,2]}"#);
        assert_eq!(e.metadata.unwrap().correlation_id, Some("c"));
    }
}
