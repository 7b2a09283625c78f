//! The managed channel: from credentials, a region and topics to a self-healing stream.

use super::auth::Credentials;
use super::client::RestClient;
use super::error::RestError;
use super::model::{ChannelInfo, TopicResult};
use super::region::Environment;
use super::source::{ManagedSource, ReplaceObserver};
use crate::error::{Error, ErrorKind};
use crate::{Channel, ConnectOptions, Maintenance};

/// Connects a managed channel: creates a channel over REST, subscribes `topics` (refused
/// topics are logged and dropped, the rest kept), connects, and from then on keeps the stream
/// alive by itself (extensions before expiry, a new channel on maintenance, eviction, expiry,
/// `no_longer_subscribed` or a revoked token).
///
/// The service channel in use, which changes when it is replaced, is
/// [`Channel::current_channel`] (id, connect URI, expiry). Use [`ManagedOptions`] to reuse a
/// channel, tune the connection or learn which topics were refused.
///
/// ```no_run
/// use futures_util::StreamExt;
/// use genesys_notifications::rest::{connect_managed, Credentials, Region};
///
/// # async fn demo() -> Result<(), genesys_notifications::Error> {
/// let credentials = Credentials::client_credentials("client-id", "client-secret");
/// let topics = ["v2.users.8f6c1b3e-1111-2222-3333-444455556666.presence"];
/// let mut channel = connect_managed(Region::EuWest1, credentials, topics).await?;
/// while let Some(item) = channel.next().await {
///     match item {
///         Ok(notification) => println!("{}: {}", notification.topic(), notification.body_raw()),
///         Err(error) if !error.is_fatal() => eprintln!("warning: {error}"),
///         Err(error) => return Err(error),
///     }
/// }
/// # Ok(())
/// # }
/// ```
///
/// # Errors
///
/// An [`ErrorKind::Authorization`] error when the credentials are refused, an
/// [`ErrorKind::Connection`] error when the REST API or the channel cannot be reached, an
/// [`ErrorKind::Subscription`] error when the subscription fails as a whole.
pub async fn connect_managed<I, T>(
    env: impl Into<Environment>,
    credentials: Credentials,
    topics: I,
) -> Result<Channel, Error>
where
    I: IntoIterator<Item = T>,
    T: Into<String>,
{
    let rest = RestClient::new(env, credentials)?;
    ManagedOptions::new(rest).connect(topics).await
}

/// Options of a managed channel.
///
/// ```no_run
/// use std::time::Duration;
/// use genesys_notifications::ConnectOptions;
/// use genesys_notifications::rest::{Credentials, ManagedOptions, Region, RestClient};
///
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let rest = RestClient::new(Region::UsEast1, Credentials::client_credentials("id", "secret"))?;
/// let managed = ManagedOptions::new(rest)
///     .connect_options(ConnectOptions::new().heartbeat_timeout(Some(Duration::from_secs(90))))
///     .start(["v2.users.8f6c1b3e-1111-2222-3333-444455556666.presence"])
///     .await?;
/// for refused in &managed.rejected {
///     eprintln!("{} refused: {:?}", refused.id, refused.rejection_reason);
/// }
/// let channel = managed.channel;
/// # drop(channel);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
#[must_use = "options do nothing until `connect()` or `start()` is called"]
pub struct ManagedOptions {
    rest: RestClient,
    reuse: Option<ChannelInfo>,
    options: ConnectOptions,
    observer: Option<ReplaceObserver>,
}

/// A started managed channel, with what happened to the initial subscription.
#[derive(Debug)]
#[non_exhaustive]
pub struct Managed {
    /// The stream of notifications (the same type [`crate::connect`] returns).
    pub channel: Channel,
    /// The channel first used (created or reused). After a replacement the stream is on
    /// another one: [`Channel::current_channel`] is always the one in use.
    pub channel_info: ChannelInfo,
    /// Topics the service refused, with reasons and missing permissions; they are not part of
    /// the subscription.
    pub rejected: Vec<TopicResult>,
}

impl ManagedOptions {
    /// Managed-channel options using this REST client (and its credentials).
    pub fn new(rest: RestClient) -> Self {
        ManagedOptions {
            rest,
            reuse: None,
            options: ConnectOptions::new().maintenance(Maintenance::NewChannel),
            observer: None,
        }
    }

    /// Starts on this existing channel instead of creating one (when it still exists; a new
    /// one is created otherwise).
    pub fn reuse_channel(mut self, channel: ChannelInfo) -> Self {
        self.reuse = Some(channel);
        self
    }

    /// Socket, buffering and recovery options (see [`ConnectOptions`]). The managed default
    /// differs from [`ConnectOptions::new`] in one respect: maintenance moves to a brand-new
    /// channel ([`Maintenance::NewChannel`]); options given here are used as they are.
    pub fn connect_options(mut self, options: ConnectOptions) -> Self {
        self.options = options;
        self
    }

    /// Tells `observer` of every replacement channel (crate-internal: the channel pool).
    pub(crate) fn observe_replacements(mut self, observer: ReplaceObserver) -> Self {
        self.observer = Some(observer);
        self
    }

    /// Connects and returns the stream; refused topics are logged and dropped.
    ///
    /// # Errors
    ///
    /// See [`connect_managed`].
    pub async fn connect<I, T>(self, topics: I) -> Result<Channel, Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<String>,
    {
        self.start(topics).await.map(|managed| managed.channel)
    }

    /// Connects and returns the stream along with the initial subscription's refusals.
    ///
    /// # Errors
    ///
    /// See [`connect_managed`].
    pub async fn start<I, T>(self, topics: I) -> Result<Managed, Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<String>,
    {
        let mut wanted: Vec<String> = Vec::new();
        for topic in topics {
            let topic = topic.into();
            crate::topic::validate(&topic)?;
            if !wanted.contains(&topic) {
                wanted.push(topic);
            }
        }
        let rest = self.rest;
        let connection = |e: RestError| e.into_error(ErrorKind::Connection);
        let channel = match self.reuse {
            Some(channel)
                if rest
                    .raw_channel_exists(&channel.id)
                    .await
                    .map_err(connection)? =>
            {
                channel
            }
            Some(channel) => {
                tracing::info!(channel = %crate::uri::short_id(&channel.id), "the channel to reuse is gone; creating a new one");
                rest.raw_create_channel().await.map_err(connection)?
            }
            None => rest.raw_create_channel().await.map_err(connection)?,
        };
        let result = rest
            .raw_replace_subscriptions(&channel.id, &wanted, true)
            .await
            .map_err(|e| e.into_error(ErrorKind::Subscription))?;
        let rejected: Vec<TopicResult> = result.rejected().cloned().collect();
        for topic in &rejected {
            tracing::warn!(
                topic = %topic.id,
                reason = ?topic.rejection_reason,
                missing_permissions = ?topic.missing_permissions,
                "topic refused by the service"
            );
        }
        let kept: Vec<String> = wanted
            .into_iter()
            .filter(|topic| !rejected.iter().any(|r| &r.id == topic))
            .collect();
        let source = ManagedSource::new(rest, channel.clone(), self.options.allow_plain_ws)
            .with_observer(self.observer);
        let target = source.target(&channel)?;
        let stream = crate::driver::start(source, target, kept, self.options).await?;
        Ok(Managed {
            channel: stream,
            channel_info: channel,
            rejected,
        })
    }
}
