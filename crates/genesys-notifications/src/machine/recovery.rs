//! The one recovery decision: what a channel does when it loses (or is about to lose) its
//! socket, as a pure function of the cause, the mode and the policy.
//!
//! Every path of the driver that must choose between reconnecting, replacing the channel and
//! ending the stream asks [`decide`]; nothing else makes that choice. The table it implements
//! is the recovery model of the crate docs.

use crate::error::{Error, Reason};
pub(crate) use crate::event::Recovery;
use crate::options::Maintenance;

/// Why the driver asks for a replacement channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(dead_code)] // some variants are only produced in managed mode
pub(crate) enum ReplaceReason {
    /// `v2.system.socket_closing` and the maintenance policy asks for a new channel.
    Maintenance,
    /// The channel is gone: handshake 404, `{"result":"404"}`, eviction.
    NotFound,
    /// `v2.system.no_longer_subscribed`.
    NoLongerSubscribed,
    /// `v2.system.token_revoked`.
    TokenRevoked,
    /// The channel's lifetime is over and could not be extended.
    Expired,
    /// The service closed the socket normally (1000) without maintenance notice: another
    /// connection took the channel over, or it was evicted or expired.
    ClosedByService,
}

impl ReplaceReason {
    pub(crate) fn reason(self) -> Reason {
        match self {
            ReplaceReason::Maintenance => Reason::ChannelClosing,
            ReplaceReason::NotFound => Reason::ChannelNotFound,
            ReplaceReason::NoLongerSubscribed => Reason::NoLongerSubscribed,
            ReplaceReason::TokenRevoked => Reason::TokenRevoked,
            ReplaceReason::Expired => Reason::ChannelExpired,
            ReplaceReason::ClosedByService => Reason::ClosedByService,
        }
    }
}

impl ReplaceReason {
    /// The kind of the recovery a replacement for this reason completes.
    pub(crate) fn recovery(self) -> Recovery {
        match self {
            ReplaceReason::Maintenance => Recovery::Maintenance,
            ReplaceReason::Expired => Recovery::Expiry,
            ReplaceReason::NotFound
            | ReplaceReason::NoLongerSubscribed
            | ReplaceReason::TokenRevoked
            | ReplaceReason::ClosedByService => Recovery::NewChannel,
        }
    }
}

/// How channels are obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Only a connect URI is known: the channel cannot be replaced.
    Uri,
    /// A channel source that can create a new channel (REST, feature `rest`).
    Managed,
}

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cause {
    /// The socket went away abnormally: a close other than 1000 (or any close after a
    /// maintenance notice), an I/O error, an oversized or invalid frame, silence for the
    /// heartbeat timeout, a resubscription not confirmed in time, a refused or failed handshake
    /// other than 401/403/404.
    Dropped,
    /// The service closed the socket with 1000 without maintenance notice. A proxy or load
    /// balancer may do the same, so it is not yet proof of a take-over.
    ClosedNormally,
    /// Closed with 1000 again, within the take-over window after the one reconnect that
    /// followed [`Cause::ClosedNormally`]: someone else holds the channel.
    ClosedNormallyAgain,
    /// `v2.system.socket_closing`: the service will close this socket for maintenance.
    Maintenance,
    /// Channel not found: handshake 404, `{"result":"404"}`, a 404 on a resubscription.
    NotFound,
    /// `v2.system.no_longer_subscribed`.
    NoLongerSubscribed,
    /// `v2.system.token_revoked`.
    TokenRevoked,
    /// 401 or 403 on a reconnection handshake.
    Unauthorized,
    /// The service refused the topics when they were subscribed again.
    ResubscriptionRejected,
    /// The lifetime could not be extended: the channel will expire.
    WillExpire,
    /// A replacement channel could not be obtained (5xx, timeout, 429, token failure), for
    /// the given reason.
    ReplacementFailed(ReplaceReason),
    /// The new socket of a switch (maintenance, rollover) failed to open or subscribe.
    SwitchFailed,
    /// The reconnect policy gave up.
    Exhausted,
}

/// What the channel does about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Reconnect to the same channel under the reconnect policy (make before break while a
    /// socket is still open; otherwise after the policy's delay).
    Reconnect,
    /// One reconnection to the same channel after a short pause, to tell a proxy's close
    /// from a take-over.
    Probe,
    /// Obtain a new channel from the source and switch to it.
    Replace(ReplaceReason),
    /// Try to obtain a new channel again later, paced by the reconnect policy, while the
    /// current socket (if any) goes on.
    RetryReplace(ReplaceReason),
    /// Tell the consumer (non-fatal item) and do nothing else now.
    Surface,
    /// End the stream with a fatal error of this reason.
    Fatal(Reason),
}

/// The policy parts that take part in the decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Policy {
    /// What to do on a maintenance notice.
    pub(crate) maintenance: Maintenance,
}

/// The recovery decision (see the recovery model in the crate docs).
pub(crate) fn decide(cause: Cause, mode: Mode, policy: Policy) -> Decision {
    use Cause as C;
    use Decision as D;
    match (cause, mode) {
        (C::Dropped | C::SwitchFailed, _) => D::Reconnect,
        (C::ClosedNormally, Mode::Uri) => D::Probe,
        (C::ClosedNormally | C::ClosedNormallyAgain, Mode::Managed) => {
            D::Replace(ReplaceReason::ClosedByService)
        }
        (C::ClosedNormallyAgain, Mode::Uri) => D::Fatal(Reason::ClosedByService),
        (C::Maintenance, _) => match (policy.maintenance, mode) {
            (Maintenance::Surface, _) => D::Surface,
            (Maintenance::NewChannel, Mode::Managed) => D::Replace(ReplaceReason::Maintenance),
            _ => D::Reconnect,
        },
        (C::NotFound, Mode::Uri) => D::Fatal(Reason::ChannelNotFound),
        (C::NoLongerSubscribed, Mode::Uri) => D::Fatal(Reason::NoLongerSubscribed),
        (C::TokenRevoked, Mode::Uri) => D::Fatal(Reason::TokenRevoked),
        (C::Unauthorized, Mode::Uri) => D::Fatal(Reason::HttpUnauthorized),
        (C::NotFound | C::Unauthorized, Mode::Managed) => D::Replace(ReplaceReason::NotFound),
        (C::NoLongerSubscribed, Mode::Managed) => D::Replace(ReplaceReason::NoLongerSubscribed),
        (C::TokenRevoked, Mode::Managed) => D::Replace(ReplaceReason::TokenRevoked),
        (C::ResubscriptionRejected, _) => D::Fatal(Reason::SubscriptionRejected),
        (C::WillExpire, Mode::Uri) => D::Surface,
        (C::WillExpire, Mode::Managed) => D::Replace(ReplaceReason::Expired),
        // Maintenance: the old channel still works; reconnect to it within the grace.
        (C::ReplacementFailed(ReplaceReason::Maintenance), Mode::Managed) => D::Reconnect,
        (C::ReplacementFailed(why), Mode::Managed) => D::RetryReplace(why),
        // Never asked: URI mode cannot replace.
        (C::ReplacementFailed(_), Mode::Uri) => D::Fatal(Reason::ReplacementUnavailable),
        (C::Exhausted, _) => D::Fatal(Reason::AttemptsExhausted),
    }
}

/// The cause of a failed reconnection, resubscription or extension, from its error.
pub(crate) fn cause_of(error: &Error) -> Cause {
    match error.reason() {
        Reason::HttpUnauthorized | Reason::HttpForbidden => Cause::Unauthorized,
        Reason::ChannelNotFound => Cause::NotFound,
        Reason::NoLongerSubscribed => Cause::NoLongerSubscribed,
        Reason::TokenRevoked => Cause::TokenRevoked,
        Reason::ChannelExpired => Cause::WillExpire,
        Reason::ClosedByService => Cause::ClosedNormallyAgain,
        Reason::SubscriptionRejected => Cause::ResubscriptionRejected,
        // A URI that does not parse never gets better.
        Reason::InvalidUri => Cause::ResubscriptionRejected,
        _ => Cause::Dropped,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    const MODES: [Mode; 2] = [Mode::Uri, Mode::Managed];

    fn all_causes() -> Vec<Cause> {
        let mut v = vec![
            Cause::Dropped,
            Cause::ClosedNormally,
            Cause::ClosedNormallyAgain,
            Cause::Maintenance,
            Cause::NotFound,
            Cause::NoLongerSubscribed,
            Cause::TokenRevoked,
            Cause::Unauthorized,
            Cause::ResubscriptionRejected,
            Cause::WillExpire,
            Cause::SwitchFailed,
            Cause::Exhausted,
        ];
        for why in [
            ReplaceReason::Maintenance,
            ReplaceReason::NotFound,
            ReplaceReason::NoLongerSubscribed,
            ReplaceReason::TokenRevoked,
            ReplaceReason::Expired,
            ReplaceReason::ClosedByService,
        ] {
            v.push(Cause::ReplacementFailed(why));
        }
        v
    }

    fn policy(maintenance: Maintenance) -> Policy {
        Policy { maintenance }
    }

    /// The table of the crate docs, row by row: (cause, URI mode, managed mode), with the
    /// default maintenance policy.
    #[test]
    fn every_cause_in_every_mode_matches_the_documented_table() {
        use Decision as D;
        use ReplaceReason as R;
        let table: Vec<(Cause, Decision, Decision)> = vec![
            (Cause::Dropped, D::Reconnect, D::Reconnect),
            (
                Cause::ClosedNormally,
                D::Probe,
                D::Replace(R::ClosedByService),
            ),
            (
                Cause::ClosedNormallyAgain,
                D::Fatal(Reason::ClosedByService),
                D::Replace(R::ClosedByService),
            ),
            (Cause::Maintenance, D::Reconnect, D::Reconnect),
            (
                Cause::NotFound,
                D::Fatal(Reason::ChannelNotFound),
                D::Replace(R::NotFound),
            ),
            (
                Cause::NoLongerSubscribed,
                D::Fatal(Reason::NoLongerSubscribed),
                D::Replace(R::NoLongerSubscribed),
            ),
            (
                Cause::TokenRevoked,
                D::Fatal(Reason::TokenRevoked),
                D::Replace(R::TokenRevoked),
            ),
            (
                Cause::Unauthorized,
                D::Fatal(Reason::HttpUnauthorized),
                D::Replace(R::NotFound),
            ),
            (
                Cause::ResubscriptionRejected,
                D::Fatal(Reason::SubscriptionRejected),
                D::Fatal(Reason::SubscriptionRejected),
            ),
            (Cause::WillExpire, D::Surface, D::Replace(R::Expired)),
            (Cause::SwitchFailed, D::Reconnect, D::Reconnect),
            (
                Cause::Exhausted,
                D::Fatal(Reason::AttemptsExhausted),
                D::Fatal(Reason::AttemptsExhausted),
            ),
            (
                Cause::ReplacementFailed(R::Maintenance),
                D::Fatal(Reason::ReplacementUnavailable),
                D::Reconnect,
            ),
        ];
        let mut rows = table.clone();
        for why in [
            R::NotFound,
            R::NoLongerSubscribed,
            R::TokenRevoked,
            R::Expired,
            R::ClosedByService,
        ] {
            rows.push((
                Cause::ReplacementFailed(why),
                D::Fatal(Reason::ReplacementUnavailable),
                D::RetryReplace(why),
            ));
        }
        let causes = all_causes();
        assert_eq!(rows.len(), causes.len(), "one row per cause");
        for cause in causes {
            let (_, uri, managed) = rows
                .iter()
                .find(|(c, _, _)| *c == cause)
                .copied()
                .unwrap_or_else(|| panic!("no row for {cause:?}"));
            let p = policy(Maintenance::Reconnect);
            assert_eq!(decide(cause, Mode::Uri, p), uri, "{cause:?} in URI mode");
            assert_eq!(
                decide(cause, Mode::Managed, p),
                managed,
                "{cause:?} in managed mode"
            );
        }
    }

    #[test]
    fn maintenance_follows_the_policy_and_the_mode() {
        use Decision as D;
        let m = |policy_m, mode| decide(Cause::Maintenance, mode, policy(policy_m));
        assert_eq!(m(Maintenance::Surface, Mode::Uri), D::Surface);
        assert_eq!(m(Maintenance::Surface, Mode::Managed), D::Surface);
        assert_eq!(m(Maintenance::NewChannel, Mode::Uri), D::Reconnect);
        assert_eq!(
            m(Maintenance::NewChannel, Mode::Managed),
            D::Replace(ReplaceReason::Maintenance)
        );
    }

    /// A failed replacement never ends a healthy managed stream: maintenance falls back to the
    /// same channel, everything else tries again.
    #[test]
    fn a_failed_replacement_is_never_fatal_in_managed_mode() {
        for why in [
            ReplaceReason::Maintenance,
            ReplaceReason::NotFound,
            ReplaceReason::NoLongerSubscribed,
            ReplaceReason::TokenRevoked,
            ReplaceReason::Expired,
            ReplaceReason::ClosedByService,
        ] {
            for m in [
                Maintenance::Reconnect,
                Maintenance::NewChannel,
                Maintenance::Surface,
            ] {
                let d = decide(Cause::ReplacementFailed(why), Mode::Managed, policy(m));
                assert!(!matches!(d, Decision::Fatal(_)), "{why:?}: {d:?}");
            }
        }
    }

    /// A close 1000 without notice is probed once in URI mode; only a second one is final.
    #[test]
    fn a_normal_close_is_probed_before_it_counts_as_a_take_over() {
        for m in MODES {
            let first = decide(Cause::ClosedNormally, m, policy(Maintenance::Reconnect));
            assert!(!matches!(first, Decision::Fatal(_)), "{m:?}");
        }
        assert_eq!(
            decide(
                Cause::ClosedNormallyAgain,
                Mode::Uri,
                policy(Maintenance::Reconnect)
            ),
            Decision::Fatal(Reason::ClosedByService)
        );
    }

    #[test]
    fn errors_map_to_their_causes() {
        let e = |r| Error::new(ErrorKind::Reconnect, r);
        assert_eq!(cause_of(&e(Reason::HttpForbidden)), Cause::Unauthorized);
        assert_eq!(cause_of(&e(Reason::ChannelNotFound)), Cause::NotFound);
        assert_eq!(cause_of(&e(Reason::Timeout)), Cause::Dropped);
        assert_eq!(cause_of(&e(Reason::Io)), Cause::Dropped);
        assert_eq!(
            cause_of(&e(Reason::SubscriptionRejected)),
            Cause::ResubscriptionRejected
        );
        // Every permanent error maps to a cause that is not retried as a drop.
        for r in [
            Reason::HttpUnauthorized,
            Reason::HttpForbidden,
            Reason::ChannelNotFound,
            Reason::NoLongerSubscribed,
            Reason::TokenRevoked,
            Reason::ChannelExpired,
            Reason::ClosedByService,
            Reason::InvalidUri,
        ] {
            assert!(e(r).is_permanent());
            assert_ne!(cause_of(&e(r)), Cause::Dropped, "{r:?}");
        }
    }
}
