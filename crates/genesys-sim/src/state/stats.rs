//! Statistics: per-channel delivery counters shared with the socket tasks, and the
//! [`Stats`] snapshot of `/sim/stats`.

use std::sync::atomic::{AtomicU64, Ordering};

use super::State;
use crate::api::{ChannelStats, Stats};

/// Per-channel counters shared with the socket task (which counts what it writes).
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) delivered: AtomicU64,
    pub(crate) lost: AtomicU64,
}

impl State {
    /// Counts `n` events published outside [`State::publish`].
    pub(crate) fn count_published(&mut self, n: u64) {
        self.published += n;
    }

    /// A snapshot of every live channel, sorted by id.
    pub(crate) fn stats(&self) -> Stats {
        let mut channels: Vec<ChannelStats> = self
            .channels
            .values()
            .map(|c| ChannelStats {
                id: c.id.clone(),
                client_id: c.client_id.clone(),
                connected: c.socket.is_some(),
                connections: c.connections,
                subscribe_requests: c.requests,
                topics: c.topics.values().cloned().collect(),
                topic_count: self.topic_count(c),
                delivered: c.counters.delivered.load(Ordering::Relaxed),
                lost: c.counters.lost.load(Ordering::Relaxed),
                expires: self.clock.iso(c.expires),
            })
            .collect();
        channels.sort_by(|a, b| a.id.cmp(&b.id));
        Stats {
            published: self.published,
            channels,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use tokio::time::Instant;
    use tokio_util::sync::CancellationToken;

    use super::super::test_support::{state, strings};
    use super::super::{Mode, Via};
    use crate::config::SimConfig;
    use crate::frames::Frame;

    #[test]
    fn publish_counts_delivered_and_lost() {
        let mut s = state(SimConfig {
            socket_queue_capacity: 1,
            ..SimConfig::default()
        });
        let t = Instant::now();
        let a = s.create_channel("c", None, t);
        let b = s.create_channel("c", None, t);
        for id in [&a.id, &b.id] {
            s.subscribe(id, &strings(&["x.y"]), Mode::Add, false, Via::Rest, t)
                .unwrap();
        }
        let mut sock = s.attach(&a.id, t, CancellationToken::new()).unwrap();
        let f = Frame::text("f");
        assert_eq!(s.publish("x.y", &f, t), 1); // b has no socket: lost
        assert_eq!(s.publish("x.y", &f, t), 0); // a's queue is full: lost
        assert_eq!(s.publish("nobody", &f, t), 0);
        assert_eq!(sock.data.try_recv().unwrap(), f);
        let stats = s.stats();
        assert_eq!(stats.channel(&a.id).unwrap().lost, 1);
        assert_eq!(stats.channel(&b.id).unwrap().lost, 2);
        assert_eq!(stats.published, 3);
        s.count_published(2);
        assert_eq!(s.stats().published, 5);
    }

    #[test]
    fn snapshot_is_sorted_and_shows_topics_and_connections() {
        let mut s = state(SimConfig::default());
        let t = Instant::now();
        let ids: Vec<String> = (0..5).map(|_| s.create_channel("c", None, t).id).collect();
        s.subscribe(
            &ids[0],
            &strings(&["v2.users.u?presence&routingStatus"]),
            Mode::Add,
            false,
            Via::Ws,
            t,
        )
        .unwrap();
        let _sock = s.attach(&ids[0], t, CancellationToken::new()).unwrap();
        let stats = s.stats();
        let got: Vec<&str> = stats.channels.iter().map(|c| c.id.as_str()).collect();
        let mut sorted = got.clone();
        sorted.sort_unstable();
        assert_eq!(got, sorted);
        let first = stats.channel(&ids[0]).unwrap();
        assert!(first.connected);
        assert_eq!(first.connections, 1);
        assert_eq!(
            first.topics,
            strings(&["v2.users.u.presence", "v2.users.u.routingStatus"])
        );
        assert_eq!(
            first.expires,
            s.iso(t + std::time::Duration::from_secs(24 * 3600))
        );
    }
}
