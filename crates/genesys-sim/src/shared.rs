//! The state every task and handler sees: the configuration, the model behind its lock,
//! the sweeper's wake-up, the shutdown token and the correlation-id sequence.
//!
//! Handlers ([`crate::rest`], [`crate::ws`], [`crate::control`]) and background tasks
//! import this module, not the server that wires them.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::config::SimConfig;
use crate::state::{State, format_uuid};

/// State shared by the handle, the HTTP handlers and the socket tasks.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) config: Arc<SimConfig>,
    state: Mutex<State>,
    /// Signalled whenever a deadline may have moved (the sweeper recomputes).
    wake: Notify,
    pub(crate) shutdown: CancellationToken,
    pub(crate) base_url: String,
    correlation_seq: AtomicU64,
}

impl Shared {
    pub(crate) fn new(config: Arc<SimConfig>, state: State, base_url: String) -> Shared {
        Shared {
            config,
            state: Mutex::new(state),
            wake: Notify::new(),
            shutdown: CancellationToken::new(),
            base_url,
            correlation_seq: AtomicU64::new(0),
        }
    }

    /// Locks the model. Critical sections never await and never panic on input, so a
    /// poisoned lock only means a bug elsewhere; the model stays usable.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Tells the sweeper that a deadline may have changed.
    pub(crate) fn deadlines_changed(&self) {
        self.wake.notify_one();
    }

    /// Waits until [`deadlines_changed`](Shared::deadlines_changed) is called.
    pub(crate) async fn deadlines_moved(&self) {
        self.wake.notified().await;
    }

    /// A fresh UUID-shaped correlation id, without taking the model lock (splitmix64 over
    /// a counter, so it is deterministic for a given seed).
    pub(crate) fn correlation_id(&self) -> String {
        let n = self.correlation_seq.fetch_add(2, Ordering::Relaxed);
        let seed = self.config.seed ^ 0x005e_ed0f_c0ff_ee00;
        format_uuid(
            splitmix64(seed.wrapping_add(n)),
            splitmix64(seed.wrapping_add(n + 1)),
        )
    }
}

fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::Clock;

    fn shared(seed: u64) -> Shared {
        let config = Arc::new(SimConfig {
            seed,
            ..SimConfig::default()
        });
        let state = State::new(Arc::clone(&config), Clock::new(), "ws://sim".to_owned());
        Shared::new(config, state, "http://sim".to_owned())
    }

    #[test]
    fn correlation_ids_are_fresh_and_seeded() {
        let a = shared(0);
        let b = shared(0);
        let first = a.correlation_id();
        assert_ne!(first, a.correlation_id());
        assert_eq!(first, b.correlation_id());
        assert_ne!(first, shared(1).correlation_id());
        assert_eq!(first.len(), 36);
    }
}
