//! Retrying REST calls: 429 after `Retry-After`, 5xx and transport failures after a backoff.

use std::time::Duration;

/// How REST calls are retried on 429, 5xx and transport failures.
///
/// Delays follow exponential backoff with full jitter: the n-th retry waits a random time in
/// `0..=min(max_delay, initial_delay * 2^(n-1))`, except that a `Retry-After` header sent with
/// a 429 or 503 is honoured exactly (up to [`RetryPolicy::max_retry_after`], beyond which the
/// error is returned to the caller).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    max_retries: u32,
    initial_delay: Duration,
    max_delay: Duration,
    max_retry_after: Duration,
    jitter: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 4,
            initial_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(15),
            max_retry_after: Duration::from_secs(60),
            jitter: true,
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn never() -> Self {
        RetryPolicy {
            max_retries: 0,
            ..RetryPolicy::default()
        }
    }

    /// How many times a call is retried (default 4).
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// The backoff before the first retry (default 500 ms).
    pub fn initial_delay(mut self, delay: Duration) -> Self {
        self.initial_delay = delay;
        self
    }

    /// The largest backoff (default 15 s).
    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// The longest `Retry-After` the client waits for (default 60 s).
    pub fn max_retry_after(mut self, delay: Duration) -> Self {
        self.max_retry_after = delay;
        self
    }

    /// Whether delays are randomised (default true); without jitter the n-th retry waits
    /// exactly `min(max_delay, initial_delay * 2^(n-1))`.
    pub fn jitter(mut self, jitter: bool) -> Self {
        self.jitter = jitter;
        self
    }

    pub(crate) fn retries(&self) -> u32 {
        self.max_retries
    }

    pub(crate) fn honours_retry_after(&self, delay: Duration) -> bool {
        delay <= self.max_retry_after
    }

    /// The backoff before retry number `retry` (1-based).
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        let exponent = retry.saturating_sub(1).min(31);
        let ceiling = self
            .initial_delay
            .saturating_mul(1u32 << exponent)
            .min(self.max_delay);
        if self.jitter {
            let millis = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
            Duration::from_millis(fastrand::u64(0..=millis))
        } else {
            ceiling
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exponential_capped_and_jittered() {
        let policy = RetryPolicy::default().jitter(false);
        let delays: Vec<_> = (1..=7).map(|n| policy.backoff(n).as_millis()).collect();
        assert_eq!(delays, [500, 1000, 2000, 4000, 8000, 15000, 15000]);
        assert_eq!(policy.backoff(u32::MAX), Duration::from_secs(15));
        let jittered = RetryPolicy::default();
        for n in 1..=10 {
            assert!(jittered.backoff(n) <= policy.backoff(n));
        }
        assert!(policy.honours_retry_after(Duration::from_secs(60)));
        assert!(!policy.honours_retry_after(Duration::from_secs(61)));
        assert_eq!(RetryPolicy::never().retries(), 0);
    }
}
