//! OAuth: client credentials, access tokens (expiry, revocation) and the per-client
//! fixed-window rate limit.

use std::collections::HashMap;
use std::time::Duration;

use tokio::time::Instant;

use super::channels::Removal;
use super::{State, later};
use crate::config::RateLimit;

/// Why a bearer token is not accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AuthError {
    Unknown,
    Expired,
    Revoked,
}

struct Token {
    client_id: String,
    expires: Instant,
    revoked: bool,
}

struct Window {
    start: Instant,
    count: u32,
}

/// Issued tokens and each client's current rate-limit window.
///
/// A token stays known after it expires or is revoked (it then answers
/// [`AuthError::Expired`] or [`AuthError::Revoked`], not `Unknown`) until the table grows
/// past [`Tokens::PRUNE_AT`], when expired ones are forgotten.
#[derive(Default)]
pub(super) struct Tokens {
    tokens: HashMap<String, Token>,
    windows: HashMap<String, Window>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Token values are credentials: show counts only.
        f.debug_struct("Tokens")
            .field("tokens", &self.tokens.len())
            .field("windows", &self.windows.len())
            .finish()
    }
}

impl Tokens {
    /// Table size above which expired tokens are forgotten on the next insert.
    const PRUNE_AT: usize = 10_000;

    pub(super) fn len(&self) -> usize {
        self.tokens.len()
    }

    /// Records `token` for `client_id` until `expires`.
    fn insert(&mut self, token: String, client_id: &str, expires: Instant, now: Instant) {
        if self.tokens.len() > Self::PRUNE_AT {
            self.tokens.retain(|_, t| t.expires > now);
        }
        self.tokens.insert(
            token,
            Token {
                client_id: client_id.to_owned(),
                expires,
                revoked: false,
            },
        );
    }

    /// The client a token belongs to, if it is live at `now`.
    fn authenticate(&self, token: &str, now: Instant) -> Result<String, AuthError> {
        let t = self.tokens.get(token).ok_or(AuthError::Unknown)?;
        if t.revoked {
            Err(AuthError::Revoked)
        } else if now >= t.expires {
            Err(AuthError::Expired)
        } else {
            Ok(t.client_id.clone())
        }
    }

    /// Revokes every live-or-expired token of `client_id`; returns how many were not
    /// revoked before.
    fn revoke(&mut self, client_id: &str) -> usize {
        let mut revoked = 0;
        for t in self.tokens.values_mut() {
            if t.client_id == client_id && !t.revoked {
                t.revoked = true;
                revoked += 1;
            }
        }
        revoked
    }

    /// When `token` expires, if it is known.
    pub(super) fn expires(&self, token: &str) -> Option<Instant> {
        self.tokens.get(token).map(|t| t.expires)
    }

    /// Whether a known `token` is revoked or expired at `now` (an unknown one is not).
    pub(super) fn is_dead(&self, token: &str, now: Instant) -> bool {
        self.tokens
            .get(token)
            .is_some_and(|t| t.revoked || t.expires <= now)
    }

    /// Counts a request of `client_id` against `limit`: `Err(retry_after)` when over
    /// budget.
    fn check_rate(
        &mut self,
        limit: Option<RateLimit>,
        client_id: &str,
        now: Instant,
    ) -> Result<(), Duration> {
        let Some(limit) = limit else {
            return Ok(());
        };
        let w = self.windows.entry(client_id.to_owned()).or_insert(Window {
            start: now,
            count: 0,
        });
        if now >= later(w.start, limit.per) {
            w.start = now;
            w.count = 0;
        }
        if w.count >= limit.requests {
            return Err(later(w.start, limit.per) - now);
        }
        w.count += 1;
        Ok(())
    }
}

impl State {
    /// Checks client credentials; `true` when they match a configured client.
    pub(crate) fn check_client(&self, client_id: &str, secret: &str) -> bool {
        self.config
            .clients
            .iter()
            .any(|(id, s)| id == client_id && s == secret)
    }

    /// Mints an access token for `client_id`.
    pub(crate) fn issue_token(&mut self, client_id: &str, now: Instant) -> String {
        let token = format!("sim-{}", self.random_string(40));
        let expires = later(now, self.config.token_lifetime);
        self.auth.insert(token.clone(), client_id, expires, now);
        token
    }

    /// The client a bearer token belongs to.
    pub(crate) fn authenticate(&self, token: &str, now: Instant) -> Result<String, AuthError> {
        self.auth.authenticate(token, now)
    }

    /// Revokes every token of `client_id`; with token coupling, closes their channels.
    /// Returns the number of tokens revoked.
    pub(crate) fn revoke_tokens(&mut self, client_id: &str) -> usize {
        let revoked = self.auth.revoke(client_id);
        if self.config.protocol.token_expiry_closes_channels {
            let doomed: Vec<String> = self
                .channels
                .values()
                .filter(|c| c.client_id == client_id && c.token.is_some())
                .map(|c| c.id.clone())
                .collect();
            for id in doomed {
                self.remove_channel(&id, Removal::TokenExpired);
            }
        }
        revoked
    }

    /// Fixed-window rate limit per client: `Err(retry_after)` when over budget.
    pub(crate) fn check_rate(&mut self, client_id: &str, now: Instant) -> Result<(), Duration> {
        let limit = self.config.rate_limit;
        self.auth.check_rate(limit, client_id, now)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::super::test_support::state;
    use super::*;
    use crate::config::SimConfig;

    #[test]
    fn tokens_expire_and_revoke() {
        let mut s = state(SimConfig::default());
        let now = Instant::now();
        let t = s.issue_token("demo-client", now);
        assert_eq!(s.authenticate(&t, now).as_deref(), Ok("demo-client"));
        let day = Duration::from_secs(24 * 3600);
        assert_eq!(
            s.authenticate(&t, now + day - Duration::from_millis(1))
                .as_deref(),
            Ok("demo-client")
        );
        assert_eq!(s.authenticate(&t, now + day), Err(AuthError::Expired));
        assert_eq!(s.authenticate("nope", now), Err(AuthError::Unknown));
        assert_eq!(s.revoke_tokens("demo-client"), 1);
        assert_eq!(s.authenticate(&t, now), Err(AuthError::Revoked));
        assert_eq!(s.revoke_tokens("demo-client"), 0, "already revoked");
    }

    #[test]
    fn revocation_is_per_client() {
        let mut s = state(SimConfig::default());
        let now = Instant::now();
        let mine = s.issue_token("a", now);
        let theirs = s.issue_token("b", now);
        assert_eq!(s.revoke_tokens("a"), 1);
        assert_eq!(s.authenticate(&mine, now), Err(AuthError::Revoked));
        assert_eq!(s.authenticate(&theirs, now).as_deref(), Ok("b"));
    }

    #[test]
    fn dead_and_expiry_of_tokens() {
        let mut tokens = Tokens::default();
        let now = Instant::now();
        let exp = now + Duration::from_secs(10);
        tokens.insert("t".to_owned(), "c", exp, now);
        assert_eq!(tokens.expires("t"), Some(exp));
        assert_eq!(tokens.expires("u"), None);
        assert!(!tokens.is_dead("t", exp - Duration::from_millis(1)));
        assert!(tokens.is_dead("t", exp));
        assert!(
            !tokens.is_dead("unknown", exp),
            "unknown tokens are not dead"
        );
        tokens.revoke("c");
        assert!(tokens.is_dead("t", now));
        assert!(!format!("{tokens:?}").contains("\"t\""));
    }

    #[test]
    fn client_credentials_are_checked() {
        let s = state(SimConfig::default());
        assert!(s.check_client("demo-client", "demo-secret"));
        assert!(!s.check_client("demo-client", "wrong"));
        assert!(!s.check_client("other", "demo-secret"));
    }

    #[test]
    fn rate_limit_windows() {
        let mut s = state(SimConfig {
            rate_limit: Some(crate::RateLimit {
                requests: 2,
                per: Duration::from_secs(10),
            }),
            ..SimConfig::default()
        });
        let t = Instant::now();
        assert!(s.check_rate("c", t).is_ok());
        assert!(s.check_rate("c", t + Duration::from_secs(1)).is_ok());
        assert_eq!(
            s.check_rate("c", t + Duration::from_secs(3)),
            Err(Duration::from_secs(7))
        );
        assert!(s.check_rate("other", t).is_ok());
        assert!(s.check_rate("c", t + Duration::from_secs(10)).is_ok());
    }

    #[test]
    fn no_rate_limit_by_default() {
        let mut s = state(SimConfig::default());
        let t = Instant::now();
        for _ in 0..1000 {
            assert!(s.check_rate("c", t).is_ok());
        }
    }
}
