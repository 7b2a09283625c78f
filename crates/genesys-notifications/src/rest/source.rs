//! The managed channel source: subscribes and extends over REST, and creates replacement
//! channels, for the socket driver.
//!
//! # Serialisation
//!
//! Every subscription change of a managed channel (subscribe, extend, replace) runs under
//! one async lock, and the source remembers the newest channel it created. A change racing a
//! replacement is therefore never lost: if it runs first, the replacement subscribes the new
//! channel to the changed set; if the replacement runs first, the change is applied to the
//! old channel (still in use until the driver switches) *and* to the new one.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::sync::Mutex;
use tokio::time::Instant;

use super::client::RestClient;
use super::error::RestError;
use super::model::{ChannelInfo, ChannelScope, Subscriptions};
use crate::error::{Error, ErrorKind, Reason};
use crate::source::{ChannelSource, ChannelTarget, ReplaceReason, Subscribed};

/// Maps the service's wall-clock `expires` onto this process's clocks.
///
/// Remaining lifetimes are computed against a wall clock that advances with tokio's clock
/// (so they stay right when tokio time is paused and advanced in tests, as the simulator's
/// clock does), and handed to the driver as `SystemTime::now() + remaining`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct WallClock {
    instant: Instant,
    system: SystemTime,
}

impl WallClock {
    pub(crate) fn new() -> Self {
        WallClock {
            instant: Instant::now(),
            system: SystemTime::now(),
        }
    }

    /// The current wall-clock time, advancing with tokio's clock.
    pub(crate) fn now(&self) -> SystemTime {
        self.system + self.instant.elapsed()
    }

    /// The lifetime left until `expires`.
    pub(crate) fn remaining(&self, expires: SystemTime) -> Duration {
        expires.duration_since(self.now()).unwrap_or_default()
    }

    /// `expires` expressed for a reader that compares it with `SystemTime::now()`.
    pub(crate) fn localise(&self, expires: SystemTime) -> SystemTime {
        SystemTime::now() + self.remaining(expires)
    }
}

#[derive(Debug)]
struct Shared {
    /// The newest channel this source created or was given.
    latest: ChannelInfo,
}

/// Told of every replacement channel a managed source creates: why, the channel replaced and
/// the new one (a channel pool tracks its channels and recognises evictions with it).
#[derive(Clone)]
pub(crate) struct ReplaceObserver(pub(crate) Arc<ObserveReplacement>);

/// The callback of a [`ReplaceObserver`]: why, the channel replaced, the new one.
pub(crate) type ObserveReplacement =
    dyn Fn(ReplaceReason, &ChannelInfo, &ChannelInfo) + Send + Sync;

impl std::fmt::Debug for ReplaceObserver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ReplaceObserver")
    }
}

/// The managed [`ChannelSource`].
#[derive(Debug, Clone)]
pub(crate) struct ManagedSource {
    rest: RestClient,
    clock: WallClock,
    shared: Arc<Mutex<Shared>>,
    observer: Option<ReplaceObserver>,
    /// [`ConnectOptions::danger_allow_plain_ws`](crate::ConnectOptions::danger_allow_plain_ws).
    allow_plain_ws: bool,
}

fn rejected_pairs(result: &Subscriptions) -> Vec<(String, String)> {
    result
        .rejected()
        .map(|topic| {
            let mut reason = topic
                .rejection_reason
                .clone()
                .unwrap_or_else(|| "rejected".to_owned());
            if !topic.missing_permissions.is_empty() {
                reason = format!(
                    "{reason} (missing permissions: {})",
                    topic.missing_permissions.join(", ")
                );
            }
            (topic.id.clone(), reason)
        })
        .collect()
}

/// The socket target of a channel. Its `connectUri` passes the same check as a user's URI
/// (`wss://`, or `ws://` only to loopback unless allowed): the service's answer does not get
/// to send the socket's credential in clear.
fn target_of(
    channel: &ChannelInfo,
    clock: &WallClock,
    allow_plain_ws: bool,
) -> Result<ChannelTarget, Error> {
    let uri = crate::uri::parse_uri(&channel.connect_uri, allow_plain_ws).map_err(|error| {
        let message = format!(
            "the service returned an unusable connectUri {}: {}",
            crate::uri::redact_text(&channel.connect_uri),
            error.message().unwrap_or("refused")
        );
        error.with_message(message)
    })?;
    Ok(ChannelTarget {
        uri,
        id: Some(channel.id.clone()),
        expires: channel.expires_at().map(|at| clock.localise(at)),
    })
}

impl ManagedSource {
    pub(crate) fn new(rest: RestClient, channel: ChannelInfo, allow_plain_ws: bool) -> Self {
        ManagedSource {
            rest,
            clock: WallClock::new(),
            shared: Arc::new(Mutex::new(Shared { latest: channel })),
            observer: None,
            allow_plain_ws,
        }
    }

    pub(crate) fn with_observer(mut self, observer: Option<ReplaceObserver>) -> Self {
        self.observer = observer;
        self
    }

    pub(crate) fn target(&self, channel: &ChannelInfo) -> Result<ChannelTarget, Error> {
        target_of(channel, &self.clock, self.allow_plain_ws)
    }

    /// The channel's `expires`, from this token's channel listing (absent when the channel
    /// was created with an earlier token).
    async fn read_expires(&self, channel_id: &str) -> Result<Option<SystemTime>, RestError> {
        let channels = self.rest.raw_list_channels(ChannelScope::Token).await?;
        Ok(channels
            .iter()
            .find(|channel| channel.id == channel_id)
            .and_then(ChannelInfo::expires_at))
    }

    async fn put(&self, channel_id: &str, topics: &[String]) -> Result<Subscriptions, RestError> {
        self.rest
            .raw_replace_subscriptions(channel_id, topics, true)
            .await
    }
}

fn channel_id(target: &ChannelTarget, kind: ErrorKind) -> Result<&str, Error> {
    target.id.as_deref().ok_or_else(|| {
        Error::new(kind, Reason::Ambiguous).with_message("a managed channel target has no id")
    })
}

impl ChannelSource for ManagedSource {
    fn subscribes_over_socket(&self) -> bool {
        false
    }

    fn can_replace(&self) -> bool {
        true
    }

    async fn subscribe(
        &self,
        target: &ChannelTarget,
        topics: &[String],
    ) -> Result<Subscribed, Error> {
        let id = channel_id(target, ErrorKind::Subscription)?;
        let shared = self.shared.lock().await;
        let result = self
            .put(id, topics)
            .await
            .map_err(|error| error.into_error(ErrorKind::Subscription))?;
        // A replacement created meanwhile must carry the same set.
        if shared.latest.id != id {
            self.put(&shared.latest.id, topics)
                .await
                .map_err(|error| error.into_error(ErrorKind::Subscription))?;
        }
        Ok(Subscribed {
            expires: None,
            rejected: rejected_pairs(&result),
        })
    }

    async fn extend(&self, target: &ChannelTarget, topics: &[String]) -> Result<Subscribed, Error> {
        let id = channel_id(target, ErrorKind::LifetimeExtension)?;
        let shared = self.shared.lock().await;
        let kind = ErrorKind::LifetimeExtension;
        let before = self
            .read_expires(id)
            .await
            .map_err(|error| error.into_error(kind))?;
        let result = self
            .put(id, topics)
            .await
            .map_err(|error| error.into_error(kind))?;
        if shared.latest.id != id {
            self.put(&shared.latest.id, topics)
                .await
                .map_err(|error| error.into_error(kind))?;
        }
        let after = self
            .read_expires(id)
            .await
            .map_err(|error| error.into_error(kind))?;
        match (before, after) {
            (Some(before), Some(after)) if after <= before => {
                Err(
                    Error::new(kind, Reason::ChannelExpired).with_message(format!(
                        "re-subscribing did not move the channel's expiry (still {} s away); \
                     moving to a new channel",
                        self.clock.remaining(after).as_secs()
                    )),
                )
            }
            (_, Some(after)) => Ok(Subscribed {
                expires: Some(self.clock.localise(after)),
                rejected: rejected_pairs(&result),
            }),
            (_, None) => Err(Error::new(kind, Reason::ChannelExpired).with_message(
                "the channel was created with an earlier access token, so its new expiry \
                 cannot be verified; moving to a new channel",
            )),
        }
    }

    async fn replace(
        &self,
        why: ReplaceReason,
        topics: &[String],
    ) -> Result<(ChannelTarget, Subscribed), Error> {
        let mut shared = self.shared.lock().await;
        let kind = ErrorKind::Rollover;
        tracing::info!(?why, "creating a replacement channel");
        let channel = self
            .rest
            .raw_create_channel()
            .await
            .map_err(|error| error.into_error(kind))?;
        let result = self
            .put(&channel.id, topics)
            .await
            .map_err(|error| error.into_error(kind))?;
        let target = self.target(&channel)?;
        let old = std::mem::replace(&mut shared.latest, channel);
        if let Some(observer) = &self.observer {
            (observer.0)(why, &old, &shared.latest);
        }
        let subscribed = Subscribed {
            expires: None,
            rejected: rejected_pairs(&result),
        };
        Ok((target, subscribed))
    }
}
