//! Which ping a pong answers, per socket.
//!
//! The service answers each `{"message":"ping"}` with one `channel.metadata` message that is
//! not a heartbeat, in order, on the socket that carried the ping. So the n-th pong of a
//! socket answers the n-th ping sent on it, whoever sent it: a user's [`crate::ChannelHandle::ping`],
//! the drain ping of a switch, or the probe of an unconfirmed subscription.
//!
//! Invariant: every ping sent on the socket and not yet answered has exactly one entry, in
//! the order sent. A user ping that timed out keeps its entry (without its reply), so its
//! late pong is consumed by it and never taken for the answer to a later ping, in particular
//! never as the drain proof. A pong with no entry (an unsolicited `channel.metadata` message)
//! answers nothing.

use std::collections::VecDeque;
use std::time::Duration;

use tokio::time::Instant;

use crate::state::Stamp;

/// When a ping was sent: the time, and the machine's event order then. Its pong comes after
/// everything the service sent on the socket before it read the ping, so it proves delivery
/// up to this mark (and no later).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Mark {
    pub(crate) at: Stamp,
    pub(crate) seq: u64,
}

/// At most this many unanswered pings per socket; more are refused.
pub(crate) const MAX_OUTSTANDING: usize = 256;

/// Why a ping was sent.
#[derive(Debug)]
enum Kind<R> {
    /// A user's ping; `None` once it has been answered with a timeout.
    User(Option<R>),
    /// Proves that an old socket delivered all it had before a switch.
    Drain,
    /// Proves that a socket is alive when its subscription reply did not come.
    Probe,
}

/// What a pong answered.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Answered<R> {
    /// A user's ping, with its round-trip time.
    User(R, Duration),
    /// The drain ping of a switch: everything sent on the socket before it has arrived.
    Drain,
    /// The liveness probe of an unconfirmed subscription.
    Probe,
    /// A user ping that already timed out, or no ping at all.
    Nothing,
}

/// The unanswered pings of one socket, oldest first. `R` is the reply to a user's ping.
#[derive(Debug)]
pub(crate) struct Pings<R> {
    sent: VecDeque<(Mark, Kind<R>)>,
}

impl<R> Default for Pings<R> {
    fn default() -> Self {
        Pings {
            sent: VecDeque::new(),
        }
    }
}

impl<R> Pings<R> {
    /// Whether another ping may be sent (see [`MAX_OUTSTANDING`]).
    pub(crate) fn has_room(&self) -> bool {
        self.sent.len() < MAX_OUTSTANDING
    }

    /// A user's ping was sent at `at`.
    pub(crate) fn user(&mut self, at: Mark, reply: R) {
        self.sent.push_back((at, Kind::User(Some(reply))));
    }

    /// The drain ping of a switch was sent at `at`.
    pub(crate) fn drain(&mut self, at: Mark) {
        self.sent.push_back((at, Kind::Drain));
    }

    /// A liveness probe was sent at `at`.
    pub(crate) fn probe(&mut self, at: Mark) {
        self.sent.push_back((at, Kind::Probe));
    }

    /// Whether a drain ping awaits its pong.
    #[cfg(test)]
    pub(crate) fn draining(&self) -> bool {
        self.sent.iter().any(|(_, k)| matches!(k, Kind::Drain))
    }

    /// Whether a probe awaits its pong.
    #[cfg(test)]
    pub(crate) fn probing(&self) -> bool {
        self.sent.iter().any(|(_, k)| matches!(k, Kind::Probe))
    }

    /// A pong arrived at `now`: the ping it answers, and when that ping was sent (whatever
    /// its kind, even a timed-out user ping's).
    pub(crate) fn pong(&mut self, now: Instant) -> (Answered<R>, Option<Mark>) {
        let Some((sent, kind)) = self.sent.pop_front() else {
            return (Answered::Nothing, None);
        };
        let answered = match kind {
            Kind::User(Some(r)) => {
                Answered::User(r, now.saturating_duration_since(sent.at.instant))
            }
            Kind::Drain => Answered::Drain,
            Kind::Probe => Answered::Probe,
            Kind::User(None) => Answered::Nothing,
        };
        (answered, Some(sent))
    }

    /// The user pings unanswered after `timeout` at `now`: their replies, to be answered with
    /// a timeout. Their entries stay (see the module docs).
    pub(crate) fn expire_users(&mut self, now: Instant, timeout: Duration) -> Vec<R> {
        let mut out = Vec::new();
        for (sent, kind) in &mut self.sent {
            if sent.at.instant + timeout <= now
                && let Kind::User(reply) = kind
                && let Some(r) = reply.take()
            {
                out.push(r);
            }
        }
        out
    }

    /// When the oldest user ping still awaiting its answer times out.
    pub(crate) fn user_deadline(&self, timeout: Duration) -> Option<Instant> {
        self.sent
            .iter()
            .find(|(_, k)| matches!(k, Kind::User(Some(_))))
            .map(|(sent, _)| sent.at.instant + timeout)
    }

    /// Every reply still waiting (the socket is gone).
    pub(crate) fn take_replies(&mut self) -> Vec<R> {
        self.sent
            .drain(..)
            .filter_map(|(_, k)| match k {
                Kind::User(r) => r,
                _ => None,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TIMEOUT: Duration = Duration::from_secs(10);

    fn mark(instant: Instant) -> Mark {
        Mark {
            at: Stamp {
                instant,
                wall: std::time::SystemTime::UNIX_EPOCH,
            },
            seq: 0,
        }
    }

    #[test]
    fn the_late_pong_of_a_timed_out_user_ping_is_not_the_drain_proof() {
        let t0 = Instant::now();
        let mut p = Pings::default();
        p.user(mark(t0), "user");
        let t1 = t0 + TIMEOUT;
        assert_eq!(p.expire_users(t1, TIMEOUT), vec!["user"]);
        assert_eq!(p.user_deadline(TIMEOUT), None, "answered");
        p.drain(mark(t1));
        // The first pong answers the user's ping (late), not the drain ping.
        assert_eq!(p.pong(t1 + Duration::from_secs(1)).0, Answered::Nothing);
        assert!(p.draining());
        assert_eq!(p.pong(t1 + Duration::from_secs(2)).0, Answered::Drain);
        assert!(!p.draining());
    }

    #[test]
    fn an_unsolicited_metadata_message_answers_nothing() {
        let t0 = Instant::now();
        let mut p: Pings<()> = Pings::default();
        assert_eq!(p.pong(t0).0, Answered::Nothing);
        p.drain(mark(t0));
        assert_eq!(p.pong(t0).0, Answered::Drain);
        assert_eq!(p.pong(t0).0, Answered::Nothing);
    }

    #[test]
    fn pongs_answer_pings_in_order_with_round_trip_times() {
        let t0 = Instant::now();
        let mut p = Pings::default();
        p.user(mark(t0), 1);
        p.probe(mark(t0 + Duration::from_secs(1)));
        p.user(mark(t0 + Duration::from_secs(2)), 2);
        assert!(p.probing());
        assert_eq!(
            p.user_deadline(TIMEOUT),
            Some(t0 + TIMEOUT),
            "the oldest waiting user ping"
        );
        let t = t0 + Duration::from_secs(3);
        assert_eq!(p.pong(t).0, Answered::User(1, Duration::from_secs(3)));
        assert_eq!(p.pong(t).0, Answered::Probe);
        assert_eq!(p.pong(t).0, Answered::User(2, Duration::from_secs(1)));
    }

    #[test]
    fn replies_are_handed_back_when_the_socket_goes() {
        let t0 = Instant::now();
        let mut p = Pings::default();
        p.user(mark(t0), 1);
        p.drain(mark(t0));
        p.user(mark(t0), 2);
        assert_eq!(p.expire_users(t0 + TIMEOUT, TIMEOUT), vec![1, 2]);
        p.user(mark(t0 + TIMEOUT), 3);
        assert_eq!(p.take_replies(), vec![3]);
        assert!(p.has_room());
    }
}
