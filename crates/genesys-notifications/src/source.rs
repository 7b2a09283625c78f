//! Where a channel comes from: the seam between the socket driver and channel management.
//!
//! The driver ([`crate::driver`]) owns sockets, timers and reconnects; a [`ChannelSource`]
//! decides how topics are subscribed, how the lifetime is extended and whether a brand-new
//! channel can be obtained when the current one is gone.
//!
//! * [`UriSource`] — "URI mode", the Python package's way: only a connect URI is known;
//!   topics are subscribed with the socket `subscribe` message (which also extends the
//!   lifetime); no replacement is possible, so a channel that is gone ends the stream with a
//!   fatal `ChannelFailure`.
//! * The managed source (`crate::rest`, feature `rest`) — subscribes and extends over REST
//!   and creates a replacement channel (already subscribed) on maintenance, eviction, expiry,
//!   `404`, `no_longer_subscribed`, a revoked token, or a normal close by the service (another
//!   connection took the channel over). It starts a channel with
//!   [`crate::driver::start`].
//!
//! Contract for implementors:
//! * The futures must be `Send`; they are polled by the driver task while it keeps reading the
//!   current socket, and dropped (cancelled) if the channel is closed meanwhile.
//! * Errors returned are reported as they are (kind and reason are the implementor's choice;
//!   use [`ErrorKind::Subscription`] / [`ErrorKind::LifetimeExtension`] /
//!   [`ErrorKind::Rollover`] as appropriate). [`Error::is_permanent`] errors from `subscribe`
//!   stop recovery at once.
//! * `topics` is always the complete desired set (as the user gave it, combined topics
//!   unexpanded); `subscribe` must make the channel's subscriptions equal to it (REST `PUT`).

use std::future::Future;

use crate::error::{Error, ErrorKind, Reason};

pub(crate) use crate::machine::recovery::ReplaceReason;
pub(crate) use crate::machine::target::{ChannelTarget, Subscribed};

/// How the driver obtains, subscribes, extends and replaces channels. See the module docs.
pub(crate) trait ChannelSource: Send + Sync + 'static {
    /// `true`: topics are subscribed and the lifetime extended with the socket `subscribe`
    /// message, and `subscribe`/`extend` are never called. `false`: the driver calls
    /// `subscribe`/`extend` instead.
    fn subscribes_over_socket(&self) -> bool;

    /// Whether [`ChannelSource::replace`] can succeed at all (false in URI mode). When false
    /// the driver reports a channel that is gone as a fatal error without calling `replace`.
    fn can_replace(&self) -> bool;

    /// Makes `target`'s subscriptions equal to `topics`, out of band (REST `PUT`).
    fn subscribe(
        &self,
        target: &ChannelTarget,
        topics: &[String],
    ) -> impl Future<Output = Result<Subscribed, Error>> + Send;

    /// Extends `target`'s lifetime (typically the same `PUT`; managed mode checks that
    /// `expires` moved).
    fn extend(
        &self,
        target: &ChannelTarget,
        topics: &[String],
    ) -> impl Future<Output = Result<Subscribed, Error>> + Send;

    /// A brand-new channel with `topics` already subscribed, and the outcome of that
    /// subscription (the topics the service refused reach the user as those of a
    /// `subscribe()` do). The driver connects it, then lets the old one go.
    fn replace(
        &self,
        why: ReplaceReason,
        topics: &[String],
    ) -> impl Future<Output = Result<(ChannelTarget, Subscribed), Error>> + Send;
}

/// URI mode: only a connect URI is known.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct UriSource;

impl ChannelSource for UriSource {
    fn subscribes_over_socket(&self) -> bool {
        true
    }

    fn can_replace(&self) -> bool {
        false
    }

    async fn subscribe(&self, _: &ChannelTarget, _: &[String]) -> Result<Subscribed, Error> {
        Err(Error::new(ErrorKind::Subscription, Reason::Ambiguous)
            .with_message("URI mode subscribes over the socket"))
    }

    async fn extend(&self, _: &ChannelTarget, _: &[String]) -> Result<Subscribed, Error> {
        Err(Error::new(ErrorKind::LifetimeExtension, Reason::Ambiguous)
            .with_message("URI mode extends over the socket"))
    }

    async fn replace(
        &self,
        why: ReplaceReason,
        _: &[String],
    ) -> Result<(ChannelTarget, Subscribed), Error> {
        Err(Error::new(ErrorKind::Receive, why.reason()).with_message(
            "only a channel URI is known, so no replacement channel can be created \
             (use the managed channel of the `rest` feature for automatic replacement)",
        ))
    }
}
