//! Pure bookkeeping of the driver, without I/O: continuity (gap) tracking, rollover
//! de-duplication, and lifetime-extension scheduling. Unit-tested without sockets.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use tokio::time::Instant;

use crate::error::Gap;
use crate::notification::Notification;

/// A point in time on both clocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stamp {
    pub(crate) instant: Instant,
    pub(crate) wall: SystemTime,
}

impl Stamp {
    pub(crate) fn now() -> Self {
        Stamp {
            instant: Instant::now(),
            wall: SystemTime::now(),
        }
    }
}

/// Tracks whether some subscribed socket has been open continuously.
///
/// Coverage is lost when the last covering socket goes away; the window starts at the last
/// frame received on that socket (the last moment continuity was proven). It ends when a
/// socket covers again. Losing coverage twice before resuming keeps the earliest start.
#[derive(Debug, Default)]
pub(crate) struct Continuity {
    uncovered_since: Option<Stamp>,
}

impl Continuity {
    /// No socket covers any more; `last_proof` is the last frame seen on the last one.
    pub(crate) fn lost(&mut self, last_proof: Stamp) {
        match self.uncovered_since {
            Some(s) if s.instant <= last_proof.instant => {}
            _ => self.uncovered_since = Some(last_proof),
        }
    }

    /// A socket covers again: the gap to report, if coverage had been lost.
    pub(crate) fn resumed(&mut self, now: Stamp, topics: &[String]) -> Option<Gap> {
        let since = self.uncovered_since.take()?;
        Some(gap(since, now, topics))
    }

    #[cfg(test)]
    pub(crate) fn is_uncovered(&self) -> bool {
        self.uncovered_since.is_some()
    }
}

/// The gap from `from` to `to` (never before `from`) of `topics` (as subscribed), with
/// their expansions.
pub(crate) fn gap(from: Stamp, to: Stamp, topics: &[String]) -> Gap {
    let mut expanded_topics: Vec<String> = Vec::with_capacity(topics.len());
    for topic in topics {
        for name in crate::topic::expand(topic) {
            if !expanded_topics.contains(&name) {
                expanded_topics.push(name);
            }
        }
    }
    Gap {
        from: from.wall,
        to: to.wall.max(from.wall),
        from_instant: from.instant,
        to_instant: to.instant.max(from.instant),
        topics: topics.to_vec(),
        expanded_topics,
    }
}

/// Remembers notifications delivered from an old channel while a new channel overlaps, so
/// the new channel's copies are recognised and skipped.
///
/// Keys: topic and correlation id, else topic and body. Bounded by the bytes of the frames
/// remembered ([`DEDUP_MAX_BYTES`]): past it nothing more is recorded (copies of what was not
/// recorded are delivered twice rather than anything dropped).
#[derive(Debug, Default)]
pub(crate) struct Dedup {
    /// By [`Notification::dedup_hash`]: each notification delivered, with the socket it
    /// came from and the sockets whose copy of it was skipped already.
    seen: HashMap<u64, Vec<(u64, Notification, Vec<u64>)>>,
    len: usize,
    bytes: usize,
    until: Option<Instant>,
}

/// Bound on the frame bytes remembered (an overlap lasts seconds to a minute).
pub(crate) const DEDUP_MAX_BYTES: usize = 32 << 20;

impl Dedup {
    /// `n` was delivered from socket `origin`.
    pub(crate) fn record(&mut self, origin: u64, n: &Notification) {
        let size = n.raw().len();
        if self.bytes + size > DEDUP_MAX_BYTES {
            return;
        }
        self.seen
            .entry(n.dedup_hash())
            .or_default()
            .push((origin, n.clone(), Vec::new()));
        self.len += 1;
        self.bytes += size;
    }

    /// Whether `n`, received on socket `from`, was already delivered from another socket.
    /// Each socket's copy is skipped once (more than two sockets may overlap: each carries its
    /// own copy); a repeat on the same socket is a new event. What is remembered stays until
    /// [`Dedup::clear`].
    pub(crate) fn take_match(&mut self, from: u64, n: &Notification) -> bool {
        let hash = n.dedup_hash();
        let Some(bucket) = self.seen.get_mut(&hash) else {
            return false;
        };
        let Some((_, _, skipped)) = bucket.iter_mut().find(|(origin, m, skipped)| {
            *origin != from && !skipped.contains(&from) && m.same_event(n)
        }) else {
            return false;
        };
        skipped.push(from);
        true
    }

    /// Keep what is remembered until `at`, then forget everything.
    pub(crate) fn expire_at(&mut self, at: Instant) {
        self.until = Some(at);
    }

    pub(crate) fn deadline(&self) -> Option<Instant> {
        self.until
    }

    pub(crate) fn clear(&mut self) {
        self.seen.clear();
        self.len = 0;
        self.bytes = 0;
        self.until = None;
    }

    /// The frame bytes remembered.
    #[cfg(test)]
    pub(crate) fn bytes(&self) -> usize {
        self.bytes
    }

    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// When to extend the lifetime next: `after` the last subscription, or `margin` before the
/// service's `expires` if that is earlier.
pub(crate) fn extension_due(
    subscribed_at: Stamp,
    after: Duration,
    expires: Option<SystemTime>,
    margin: Duration,
) -> Instant {
    let by_age = subscribed_at.instant + after;
    match expires.and_then(|e| e.duration_since(subscribed_at.wall).ok()) {
        Some(left) => by_age.min(subscribed_at.instant + left.saturating_sub(margin)),
        None => by_age,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::protocol::{Frame, classify};
    use tokio_tungstenite::tungstenite::Utf8Bytes;

    fn n(text: &str) -> Notification {
        let f = Utf8Bytes::from(text);
        match classify(&f) {
            Frame::Notification(p) => Notification::new(f, p),
            _ => unreachable!(),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn continuity_reports_exact_windows_once() {
        let mut c = Continuity::default();
        let topics = vec!["a".to_owned()];
        let t0 = Stamp::now();
        assert_eq!(c.resumed(t0, &topics), None, "no gap without loss");
        tokio::time::advance(Duration::from_secs(5)).await;
        let t1 = Stamp::now();
        c.lost(t0);
        c.lost(t1); // a later loss keeps the earliest start
        assert!(c.is_uncovered());
        tokio::time::advance(Duration::from_secs(2)).await;
        let t2 = Stamp::now();
        let gap = c.resumed(t2, &topics).unwrap();
        assert_eq!(gap.from_instant, t0.instant);
        assert_eq!(gap.to_instant, t2.instant);
        assert_eq!(gap.duration(), Duration::from_secs(7));
        assert_eq!(gap.topics, topics);
        assert_eq!(gap.expanded_topics, topics);
        assert!(gap.contains(t1.instant));
        assert_eq!(c.resumed(t2, &topics), None, "reported once");
    }

    #[tokio::test(start_paused = true)]
    async fn a_gap_names_combined_topics_expanded_once_each() {
        let t0 = Stamp::now();
        let topics = [
            "v2.users.42?presence&routingStatus",
            "v2.users.42.presence",
            "v2.routing.queues.q1.conversations",
        ]
        .map(str::to_owned);
        let gap = gap(t0, t0, &topics);
        assert_eq!(gap.topics, topics);
        assert_eq!(
            gap.expanded_topics,
            [
                "v2.users.42.presence",
                "v2.users.42.routingStatus",
                "v2.routing.queues.q1.conversations"
            ]
        );
    }

    #[test]
    fn dedup_by_correlation_id_then_content() {
        let mut d = Dedup::default();
        let a = n(r#"{"topicName":"t","eventBody":1,"metadata":{"CorrelationId":"x"}}"#);
        let b = n(r#"{"topicName":"t","eventBody":1}"#);
        d.record(0, &a);
        d.record(0, &b);
        assert!(
            !d.take_match(0, &a),
            "a repeat on the same socket is a new event"
        );
        assert!(d.take_match(1, &a.clone()));
        assert!(!d.take_match(1, &a), "each copy skipped once");
        assert!(!d.take_match(1, &n(r#"{"topicName":"t","eventBody":2}"#)));
        assert!(d.take_match(1, &n(r#"{"topicName":"t","version":"2","eventBody":1}"#)));
        assert!(d.take_match(2, &a), "a third socket's copy is skipped too");
        assert!(!d.take_match(2, &a), "once");
        d.clear();
        assert!(d.is_empty());
        assert_eq!(d.bytes(), 0);
    }

    #[test]
    fn dedup_is_bounded_by_bytes() {
        let mut d = Dedup::default();
        let body = "x".repeat(1 << 20);
        let frame = |i: usize| format!(r#"{{"topicName":"t","eventBody":"{body}{i}"}}"#);
        for i in 0..40 {
            d.record(0, &n(&frame(i)));
        }
        assert!(d.bytes() <= DEDUP_MAX_BYTES);
        assert!(d.take_match(1, &n(&frame(0))), "the first ones are kept");
        assert!(
            !d.take_match(1, &n(&frame(39))),
            "past the bound nothing is recorded"
        );
        d.clear();
        assert_eq!(d.bytes(), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn extension_schedule() {
        let s = Stamp::now();
        let h = Duration::from_secs(3600);
        assert_eq!(extension_due(s, 23 * h, None, h), s.instant + 23 * h);
        let soon = s.wall + 10 * h;
        assert_eq!(extension_due(s, 23 * h, Some(soon), h), s.instant + 9 * h);
        let late = s.wall + 48 * h;
        assert_eq!(extension_due(s, 23 * h, Some(late), h), s.instant + 23 * h);
    }
}
