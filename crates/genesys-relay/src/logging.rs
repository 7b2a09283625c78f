//! One log line (a `tracing` event) per channel or pool lifecycle event, the same for every
//! program that runs channels: the relay and the command line. The `event` field names what
//! happened; the message says it in words.

use std::time::Duration;

use genesys_notifications::Event;
use genesys_notifications::rest::PoolEvent;

/// Logs a channel's lifecycle event. Gaps are not logged here: they are reported where they
/// fall in the stream.
pub fn channel_event(event: &Event) {
    match event {
        Event::Heartbeat => tracing::debug!(event = "heartbeat", "heartbeat"),
        Event::Connected => tracing::info!(event = "connected", "connected"),
        Event::Subscribed { topics } => {
            tracing::info!(event = "subscribed", topics, "subscribed {topics} topic(s)");
        }
        Event::HeartbeatMissed { silent_for } => tracing::warn!(
            event = "heartbeat_missed",
            silent_ms = millis(*silent_for),
            "nothing received for {silent_for:?}; abandoning the socket"
        ),
        Event::Disconnected { reason } => {
            tracing::warn!(event = "disconnected", reason = %reason, "disconnected: {reason}");
        }
        Event::ReconnectAttempt { attempt, delay } => tracing::info!(
            event = "reconnecting",
            attempt,
            delay_ms = millis(*delay),
            "reconnecting (attempt {attempt}) in {delay:?}"
        ),
        Event::Reconnected { attempts } => tracing::info!(
            event = "reconnected",
            attempts,
            "reconnected and resubscribed after {attempts} attempt(s)"
        ),
        Event::Extended => tracing::info!(event = "extended", "channel lifetime extended"),
        Event::SocketClosing => tracing::info!(
            event = "maintenance",
            "the service announced maintenance (socket_closing): switching before it closes"
        ),
        Event::RolloverStarted => {
            tracing::info!(event = "rollover_started", "switching to a new socket");
        }
        Event::RolloverCompleted => tracing::info!(
            event = "rollover_completed",
            "switch complete: old socket drained and closed"
        ),
        Event::Recovered { kind } => tracing::info!(
            event = "recovered",
            kind = ?kind,
            "recovered ({kind:?}): subscribed again and delivering"
        ),
        Event::TopicsRejected { topics } => {
            for (topic, reason) in topics {
                tracing::warn!(
                    event = "topic_rejected",
                    topic,
                    reason,
                    "topic refused: {reason}"
                );
            }
        }
        Event::Gap(_) => {}
        Event::Closed { reason } => match reason {
            Some(reason) => {
                tracing::debug!(event = "closed", reason = %reason, "channel closed: {reason}");
            }
            None => tracing::debug!(event = "closed", "channel closed"),
        },
        other => tracing::debug!(event = "other", "{other:?}"),
    }
}

/// Logs a pool event. A pool channel's own event goes to `on_channel` (which may count it,
/// then log it with [`channel_event`]), inside a `pool` span naming the channel when
/// `pooled` (a run of one channel has no pool to name).
pub fn pool_event(event: PoolEvent, pooled: bool, on_channel: impl FnOnce(Event)) {
    match event {
        PoolEvent::Channel { channel, event } => {
            let _span = pooled.then(|| tracing::info_span!("pool", channel).entered());
            on_channel(event);
        }
        PoolEvent::Opened { channel, topics } => tracing::info!(
            event = "channel_opened",
            channel,
            topics,
            "pool channel {channel} opened with {topics} topic(s)"
        ),
        PoolEvent::Closed { channel } => tracing::info!(
            event = "channel_closed",
            channel,
            "pool channel {channel} closed: its last topic was removed"
        ),
        PoolEvent::Evicted {
            channel,
            client_channels,
        } => tracing::debug!(
            event = "evicted",
            channel,
            client_channels,
            "pool channel {channel} evicted (reported in the stream)"
        ),
        other => tracing::debug!(event = "other", "{other:?}"),
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}
