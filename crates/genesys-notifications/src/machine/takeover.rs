//! Telling a proxy's normal close from a take-over of the channel.
//!
//! The service closes a socket with 1000 when another connection takes the channel over (one
//! socket per channel), but a proxy or load balancer may close with 1000 too. So the first
//! such close (without maintenance notice) leads to one reconnection after [`PROBE_PAUSE`];
//! only a second one within [`TAKEOVER_WINDOW`] of the first means someone else holds the
//! channel, and taking it back would only start a tug of war.

use std::time::Duration;

use tokio::time::Instant;

use super::recovery::Cause;

/// Pause before the one reconnection that follows a normal close.
pub(crate) const PROBE_PAUSE: Duration = Duration::from_secs(1);

/// A second normal close within this time of the first is a take-over.
pub(crate) const TAKEOVER_WINDOW: Duration = Duration::from_secs(30);

/// Remembers the last normal close without notice.
#[derive(Debug, Default)]
pub(crate) struct Takeover {
    last: Option<Instant>,
}

impl Takeover {
    /// The service closed a socket with 1000 without notice at `now`: the cause to decide on.
    pub(crate) fn closed_normally(&mut self, now: Instant) -> Cause {
        match self.last {
            Some(t) if now.saturating_duration_since(t) <= TAKEOVER_WINDOW => {
                Cause::ClosedNormallyAgain
            }
            _ => {
                self.last = Some(now);
                Cause::ClosedNormally
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_normal_close_is_probed_a_second_within_the_window_is_a_take_over() {
        let t0 = Instant::now();
        let mut t = Takeover::default();
        assert_eq!(t.closed_normally(t0), Cause::ClosedNormally);
        let again = t0 + PROBE_PAUSE + Duration::from_secs(2);
        assert_eq!(t.closed_normally(again), Cause::ClosedNormallyAgain);
        assert_eq!(
            t.closed_normally(t0 + TAKEOVER_WINDOW),
            Cause::ClosedNormallyAgain,
            "the window's end is inside"
        );
    }

    #[test]
    fn normal_closes_far_apart_are_each_probed() {
        let t0 = Instant::now();
        let mut t = Takeover::default();
        assert_eq!(t.closed_normally(t0), Cause::ClosedNormally);
        let later = t0 + TAKEOVER_WINDOW + Duration::from_millis(1);
        assert_eq!(t.closed_normally(later), Cause::ClosedNormally);
        let after = later + TAKEOVER_WINDOW + Duration::from_secs(1);
        assert_eq!(t.closed_normally(after), Cause::ClosedNormally);
    }
}
