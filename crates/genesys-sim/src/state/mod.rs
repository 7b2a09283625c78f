//! The simulator's model, split by concern:
//!
//! | Module | Concern |
//! |---|---|
//! | `auth.rs` | OAuth clients, access tokens (expiry, revocation), the per-client rate limit |
//! | `channels.rs` | channels: creation, the per-client limit and eviction, listing, lifetimes and the expiry sweep, the one socket a channel may have |
//! | `subscriptions.rs` | subscription changes (expansion, permissions, the topic limit), the topic index and publishing through it |
//! | `faults.rs` | injected faults and service-wide outages |
//! | `stats.rs` | delivery counters and the [`Stats`](crate::Stats) snapshot |
//! | `link.rs` | the publisher's side of an open socket: its queues and control commands |
//!
//! Everything here is synchronous and takes the current time as an argument, so it can be
//! unit-tested without sockets or a runtime. The only side effects are non-blocking sends
//! to per-socket queues ([`link::SocketLink`]); the socket tasks in [`crate::ws`] do the
//! I/O.

mod auth;
mod channels;
mod faults;
mod link;
mod stats;
mod subscriptions;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::time::Instant;

use crate::config::SimConfig;

pub(crate) use auth::AuthError;
pub(crate) use channels::ConnectError;
pub(crate) use link::{Attached, Control, Ordered};
pub(crate) use subscriptions::{Mode, SubscribeError, TopicResult, Via};

use auth::Tokens;
use channels::Channel;
use subscriptions::TopicIndex;

/// Maps tokio's (possibly paused) clock to wall-clock timestamps for `expires`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Clock {
    instant: Instant,
    system: SystemTime,
}

impl Clock {
    pub(crate) fn new() -> Clock {
        Clock {
            instant: Instant::now(),
            system: SystemTime::now(),
        }
    }

    /// ISO-8601 with milliseconds, `Z`.
    pub(crate) fn iso(&self, t: Instant) -> String {
        let system = match t.checked_duration_since(self.instant) {
            Some(after) => self.system + after,
            None => self.system - self.instant.duration_since(t),
        };
        humantime::format_rfc3339_millis(system).to_string()
    }
}

/// The whole model. Lives behind a `Mutex` in [`crate::shared::Shared`]; no method blocks.
///
/// Invariants: `index` holds exactly the (normalised) topics of every live channel, each
/// mapped to the channels subscribed to it; a channel's `socket` is its one current socket,
/// every replaced or removed socket having been told to close.
pub(crate) struct State {
    config: Arc<SimConfig>,
    clock: Clock,
    ws_base: String,
    rng: fastrand::Rng,
    auth: Tokens,
    channels: HashMap<String, Channel>,
    /// Normalised topic → channels subscribed to it.
    index: TopicIndex,
    next_conn_id: u64,
    published: u64,
    /// During a simulated outage: REST and handshakes answer 503 until then.
    outage_until: Option<Instant>,
    /// Pending REST faults and how many requests each still applies to (at least 1).
    rest_faults: HashMap<crate::api::RestRoute, (crate::api::RestFault, u32)>,
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Token values are credentials: show counts only.
        f.debug_struct("State")
            .field("tokens", &self.auth.len())
            .field("channels", &self.channels.len())
            .field("topics", &self.index.len())
            .field("published", &self.published)
            .finish_non_exhaustive()
    }
}

impl State {
    pub(crate) fn new(config: Arc<SimConfig>, clock: Clock, ws_base: String) -> State {
        let rng = fastrand::Rng::with_seed(config.seed);
        State {
            config,
            clock,
            ws_base,
            rng,
            auth: Tokens::default(),
            channels: HashMap::new(),
            index: TopicIndex::default(),
            next_conn_id: 0,
            published: 0,
            outage_until: None,
            rest_faults: HashMap::new(),
        }
    }

    /// ISO-8601 timestamp of `t`.
    pub(crate) fn iso(&self, t: Instant) -> String {
        self.clock.iso(t)
    }

    fn random_string(&mut self, len: usize) -> String {
        const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
        (0..len)
            .map(|_| char::from(ALPHABET[self.rng.usize(..ALPHABET.len())]))
            .collect()
    }

    /// A UUID-v4-shaped id from the seeded generator.
    pub(crate) fn uuid(&mut self) -> String {
        format_uuid(self.rng.u64(..), self.rng.u64(..))
    }
}

/// `t + d`, saturating at a century from `t` instead of overflowing: durations come from
/// configuration and control requests and must never panic.
pub(crate) fn later(t: Instant, d: Duration) -> Instant {
    const CENTURY: Duration = Duration::from_secs(100 * 365 * 24 * 3600);
    t + d.min(CENTURY)
}

/// Formats 128 random bits as a version-4 UUID.
pub(crate) fn format_uuid(hi: u64, lo: u64) -> String {
    let hi = (hi & 0xffff_ffff_ffff_0fff) | 0x0000_0000_0000_4000;
    let lo = (lo & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000;
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        hi >> 32,
        (hi >> 16) & 0xffff,
        hi & 0xffff,
        lo >> 48,
        lo & 0xffff_ffff_ffff
    )
}

/// Helpers for the unit tests of every concern.
#[cfg(test)]
mod test_support {
    use std::sync::Arc;

    use super::{Clock, State};
    use crate::config::SimConfig;

    pub(super) fn state(config: SimConfig) -> State {
        State::new(Arc::new(config), Clock::new(), "ws://sim".to_owned())
    }

    pub(super) fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::test_support::state;
    use super::*;

    #[test]
    fn huge_durations_saturate() {
        let t = Instant::now();
        assert!(later(t, Duration::MAX) > t + Duration::from_secs(3600 * 24 * 365));
        let mut s = state(SimConfig {
            channel_lifetime: Duration::MAX,
            token_lifetime: Duration::MAX,
            ..SimConfig::default()
        });
        s.create_channel("c", None, t);
        s.issue_token("c", t);
        assert_eq!(s.channels.len(), 1);
    }

    #[test]
    fn uuid_shape() {
        let u = format_uuid(u64::MAX, u64::MAX);
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"));
    }

    #[test]
    fn ids_are_seeded() {
        let mut a = state(SimConfig::default());
        let mut b = state(SimConfig::default());
        assert_eq!(a.uuid(), b.uuid());
        let mut c = state(SimConfig {
            seed: 1,
            ..SimConfig::default()
        });
        assert_ne!(a.uuid(), c.uuid());
    }

    #[test]
    fn debug_shows_no_token() {
        let mut s = state(SimConfig::default());
        let token = s.issue_token("c", Instant::now());
        let debug = format!("{s:?}");
        assert!(debug.contains("tokens: 1"), "{debug}");
        assert!(!debug.contains(&token));
    }
}
