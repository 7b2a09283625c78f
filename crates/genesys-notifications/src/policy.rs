//! When to retry: the reconnect policy.

use std::time::Duration;

use tokio::time::Instant;

/// How automatic reconnection retries: first retry immediate, then exponential backoff with
/// full jitter, capped, bounded by a number of attempts and/or a total time, and forgotten
/// after the connection has been healthy for a while.
///
/// The delay before attempt `n` (1-based) is `0` for the first attempt (unless
/// [`ReconnectPolicy::immediate_first`] is off), then drawn uniformly from
/// `0..=min(max_delay, initial_delay × 2^(k-1))` where `k` counts the delayed attempts
/// ("full jitter", in whole milliseconds). Without jitter the upper bound itself is used.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use genesys_notifications::ReconnectPolicy;
///
/// // The Python package's behaviour: one immediate attempt, then give up.
/// let seed_like = ReconnectPolicy::once();
/// assert_eq!(seed_like.delays().collect::<Vec<_>>(), vec![Duration::ZERO]);
///
/// // Deterministic schedule (seeded jitter), 5 attempts.
/// let p = ReconnectPolicy::default().max_attempts(Some(5)).jitter_seed(7);
/// let delays: Vec<Duration> = p.delays().collect();
/// assert_eq!(delays.len(), 5);
/// assert_eq!(delays[0], Duration::ZERO);
/// assert!(delays[1] <= Duration::from_secs(1) && delays[2] <= Duration::from_secs(2));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReconnectPolicy {
    initial_delay: Duration,
    max_delay: Duration,
    immediate_first: bool,
    jitter: bool,
    max_attempts: Option<u32>,
    max_elapsed: Option<Duration>,
    healthy_after: Duration,
    seed: Option<u64>,
}

impl Default for ReconnectPolicy {
    /// Immediate first retry, then 1 s, 2 s, 4 s … capped at 30 s with full jitter, for at most
    /// 5 minutes in total; the count resets after 60 s of healthy connection.
    fn default() -> Self {
        ReconnectPolicy {
            initial_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(30),
            immediate_first: true,
            jitter: true,
            max_attempts: None,
            max_elapsed: Some(Duration::from_secs(300)),
            healthy_after: Duration::from_secs(60),
            seed: None,
        }
    }
}

impl ReconnectPolicy {
    /// One immediate attempt, no more (what the Python package does).
    pub fn once() -> Self {
        ReconnectPolicy::default()
            .max_attempts(Some(1))
            .max_elapsed(None)
    }

    /// Never reconnect: any unexpected close ends the stream with a `ReconnectFailure`.
    pub fn never() -> Self {
        ReconnectPolicy::default().max_attempts(Some(0))
    }

    /// Base delay of the first delayed attempt (default 1 s).
    pub fn initial_delay(mut self, delay: Duration) -> Self {
        self.initial_delay = delay;
        self
    }

    /// Upper bound of any delay (default 30 s).
    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// Whether the first retry happens at once (default `true`).
    pub fn immediate_first(mut self, yes: bool) -> Self {
        self.immediate_first = yes;
        self
    }

    /// Full jitter on or off (default on). Off gives the plain exponential upper bounds.
    pub fn jitter(mut self, yes: bool) -> Self {
        self.jitter = yes;
        self
    }

    /// Seeds the jitter, for reproducible schedules (tests).
    pub fn jitter_seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Maximum number of attempts per outage (`None` = unbounded; default `None`).
    pub fn max_attempts(mut self, attempts: Option<u32>) -> Self {
        self.max_attempts = attempts;
        self
    }

    /// Maximum time spent retrying per outage (`None` = unbounded; default 5 minutes). An
    /// attempt that would start later than this is not made.
    pub fn max_elapsed(mut self, total: Option<Duration>) -> Self {
        self.max_elapsed = total;
        self
    }

    /// How long a connection must stay healthy before the attempt count starts again from
    /// zero (default 60 s).
    pub fn healthy_after(mut self, period: Duration) -> Self {
        self.healthy_after = period;
        self
    }

    /// The healthy period after which the attempt count resets.
    pub fn healthy_period(&self) -> Duration {
        self.healthy_after
    }

    /// The successive delays this policy would wait, attempt by attempt, for one outage
    /// (ignoring the total-time bound). With a seed the sequence is the one the channel uses.
    pub fn delays(&self) -> impl Iterator<Item = Duration> + '_ {
        let mut backoff = Backoff::new(self.clone());
        std::iter::from_fn(move || backoff.next_delay_unbounded())
    }

    fn upper_bound(&self, delayed_index: u32) -> Duration {
        // delayed_index starts at 1.
        let shift = delayed_index.saturating_sub(1).min(31);
        let factor = 1u32 << shift;
        self.initial_delay
            .checked_mul(factor)
            .map_or(self.max_delay, |d| d.min(self.max_delay))
    }
}

/// The per-outage retry state: pure, driven by the caller's clock.
#[derive(Debug)]
pub(crate) struct Backoff {
    policy: ReconnectPolicy,
    attempts: u32,
    started: Option<Instant>,
    rng: fastrand::Rng,
}

impl Backoff {
    pub(crate) fn new(policy: ReconnectPolicy) -> Self {
        let rng = policy
            .seed
            .map_or_else(fastrand::Rng::new, fastrand::Rng::with_seed);
        Backoff {
            policy,
            attempts: 0,
            started: None,
            rng,
        }
    }

    /// Attempts made in the current outage.
    pub(crate) fn attempts(&self) -> u32 {
        self.attempts
    }

    pub(crate) fn healthy_after(&self) -> std::time::Duration {
        self.policy.healthy_after
    }

    /// Forgets the current outage (after a healthy period).
    pub(crate) fn reset(&mut self) {
        self.attempts = 0;
        self.started = None;
    }

    fn next_delay_unbounded(&mut self) -> Option<Duration> {
        if let Some(max) = self.policy.max_attempts
            && self.attempts >= max
        {
            return None;
        }
        self.attempts += 1;
        let delayed_index = if self.policy.immediate_first {
            self.attempts - 1
        } else {
            self.attempts
        };
        if delayed_index == 0 {
            return Some(Duration::ZERO);
        }
        let bound = self.policy.upper_bound(delayed_index);
        if !self.policy.jitter {
            return Some(bound);
        }
        // Whole milliseconds: timers have millisecond resolution, so the schedule is exact.
        let millis = u64::try_from(bound.as_millis()).unwrap_or(u64::MAX);
        Some(Duration::from_millis(self.rng.u64(0..=millis)))
    }

    /// Whether a wait of `delay` from `now` ends within the policy's
    /// [`max_elapsed`](ReconnectPolicy::max_elapsed) of the current outage (counted from its
    /// first [`next_delay`](Backoff::next_delay)); `false` when the policy sets no such
    /// deadline, since then there is none to wait within.
    #[cfg_attr(not(feature = "rest"), allow(dead_code))]
    pub(crate) fn deadline_allows(&self, now: Instant, delay: Duration) -> bool {
        match self.policy.max_elapsed {
            Some(max) => {
                let started = self.started.unwrap_or(now);
                (now + delay).saturating_duration_since(started) <= max
            }
            None => false,
        }
    }

    /// The delay before the next attempt, or `None` when the policy is exhausted.
    pub(crate) fn next_delay(&mut self, now: Instant) -> Option<Duration> {
        let started = *self.started.get_or_insert(now);
        let delay = self.next_delay_unbounded()?;
        if let Some(max) = self.policy.max_elapsed
            && (now + delay).saturating_duration_since(started) > max
        {
            return None;
        }
        Some(delay)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_without_jitter_is_exponential_and_capped() {
        let p = ReconnectPolicy::default()
            .jitter(false)
            .max_attempts(Some(8))
            .max_delay(Duration::from_secs(10));
        let d: Vec<u64> = p.delays().map(|d| d.as_secs()).collect();
        assert_eq!(d, vec![0, 1, 2, 4, 8, 10, 10, 10]);
    }

    #[test]
    fn deadline_allows_waits_that_end_within_max_elapsed() {
        let t = Instant::now();
        let mut b = Backoff::new(
            ReconnectPolicy::default()
                .jitter(false)
                .max_elapsed(Some(Duration::from_secs(60))),
        );
        assert!(b.deadline_allows(t, Duration::from_secs(60)));
        assert!(!b.deadline_allows(t, Duration::from_secs(61)));
        b.next_delay(t);
        let later = t + Duration::from_secs(30);
        assert!(b.deadline_allows(later, Duration::from_secs(30)));
        assert!(!b.deadline_allows(later, Duration::from_secs(31)));
        let unbounded = Backoff::new(ReconnectPolicy::default().max_elapsed(None));
        assert!(!unbounded.deadline_allows(t, Duration::from_secs(1)));
    }

    #[test]
    fn not_immediate_first() {
        let p = ReconnectPolicy::default()
            .jitter(false)
            .immediate_first(false)
            .max_attempts(Some(3));
        let d: Vec<u64> = p.delays().map(|d| d.as_secs()).collect();
        assert_eq!(d, vec![1, 2, 4]);
    }

    #[test]
    fn full_jitter_stays_within_bounds_and_is_seeded() {
        let p = ReconnectPolicy::default()
            .max_attempts(Some(50))
            .jitter_seed(42);
        let a: Vec<Duration> = p.delays().collect();
        let b: Vec<Duration> = p.delays().collect();
        assert_eq!(a, b, "same seed, same schedule");
        assert_eq!(a[0], Duration::ZERO);
        for (i, d) in a.iter().enumerate().skip(1) {
            let bound = Duration::from_secs(1u64 << (i - 1).min(20)).min(Duration::from_secs(30));
            assert!(*d <= bound, "attempt {i}: {d:?} > {bound:?}");
        }
        assert!(a.iter().skip(1).any(|d| *d > Duration::ZERO));
    }

    #[test]
    fn once_and_never() {
        assert_eq!(ReconnectPolicy::once().delays().count(), 1);
        assert_eq!(ReconnectPolicy::never().delays().count(), 0);
    }

    #[test]
    fn total_time_bound_and_reset() {
        let p = ReconnectPolicy::default()
            .jitter(false)
            .max_elapsed(Some(Duration::from_secs(5)));
        let mut b = Backoff::new(p);
        let t0 = Instant::now();
        assert_eq!(b.next_delay(t0), Some(Duration::ZERO));
        assert_eq!(b.next_delay(t0), Some(Duration::from_secs(1)));
        assert_eq!(
            b.next_delay(t0 + Duration::from_secs(1)),
            Some(Duration::from_secs(2))
        );
        // 3 s elapsed + 4 s delay > 5 s budget.
        assert_eq!(b.next_delay(t0 + Duration::from_secs(3)), None);
        b.reset();
        assert_eq!(b.attempts(), 0);
        assert_eq!(
            b.next_delay(t0 + Duration::from_secs(100)),
            Some(Duration::ZERO)
        );
    }

    proptest::proptest! {
        #[test]
        fn delays_never_exceed_cap(seed in 0u64..u64::MAX, cap in 0u64..100, base in 0u64..10) {
            let p = ReconnectPolicy::default()
                .initial_delay(Duration::from_millis(base * 100))
                .max_delay(Duration::from_secs(cap))
                .max_attempts(Some(40))
                .jitter_seed(seed);
            for d in p.delays() {
                proptest::prop_assert!(d <= Duration::from_secs(cap));
            }
        }
    }
}
