//! REST and OAuth: from client credentials to a self-healing stream in one call, and the
//! notification REST API. (Feature `rest`, on by default.)
//!
//! ```
//! use futures_util::StreamExt;
//! use genesys_notifications::rest::{Credentials, Environment, connect_managed};
//! use genesys_sim::{SimConfig, Simulator};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // An in-process simulator; against Genesys Cloud use a region, e.g. `Region::EuWest1`.
//! let sim = Simulator::start(SimConfig::default()).await?;
//! let env = Environment::local(&sim.base_url())?;
//! let credentials = Credentials::client_credentials("demo-client", "demo-secret");
//! let topic = "v2.users.8f6c1b3e-1111-2222-3333-444455556666.presence";
//!
//! let mut channel = connect_managed(env, credentials, [topic]).await?;
//!
//! sim.publish(topic, serde_json::json!({"presenceDefinition": {"systemPresence": "AVAILABLE"}}));
//! if let Some(item) = channel.next().await {
//!     let notification = item?;
//!     assert_eq!(notification.topic(), topic);
//!     println!("{}", notification.body_raw());
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # The managed channel
//!
//! [`connect_managed`] (or [`ManagedOptions`]) creates a channel with
//! `POST /api/v2/notifications/channels`, subscribes the topics with `PUT .../subscriptions`
//! and `ignoreErrors=true` (refused topics are reported, see [`Managed::rejected`], and the
//! others kept), connects to its `connectUri`, and returns the same [`Channel`](crate::Channel)
//! stream as [`crate::connect`]. From then on:
//!
//! | What happens | What the managed channel does |
//! |---|---|
//! | The lifetime nears its end (23 h after the last subscription, or an hour before `expires`) | Re-subscribes over REST and reads `expires` back from the channel listing. When it moved: [`Event::Extended`](crate::Event::Extended). When it did not move, or cannot be read because the channel belongs to an earlier access token: a new channel takes over before the old one expires (no gap). |
//! | Maintenance (`v2.system.socket_closing`) | A new channel is created, subscribed and connected, then the old socket is drained and let go (no gap). [`ConnectOptions::maintenance`](crate::ConnectOptions::maintenance) can choose the same-channel reconnect instead. |
//! | Channel gone: 404, eviction, expiry, `no_longer_subscribed`, a token revoked with its channels | A new channel is created, subscribed and connected. The time without a socket is reported as a [`Gap`](crate::Gap). |
//! | A dropped or kicked socket, silence | Reconnects to the same channel ([`ReconnectPolicy`](crate::ReconnectPolicy)), as in URI mode. |
//! | [`Channel::subscribe`](crate::Channel::subscribe) / [`Channel::unsubscribe`](crate::Channel::unsubscribe) | `PUT` of the new complete set; refused topics are dropped and reported ([`Event::TopicsRejected`](crate::Event::TopicsRejected)). |
//!
//! Subscription changes of one managed channel are serialised: a change racing the creation of
//! a replacement channel is applied to both, so it is never lost.
//!
//! # The channel pool
//!
//! A channel holds at most 1,000 topics and an OAuth client at most 20 channels.
//! [`connect_pool`] (or [`PoolOptions`]) carries any number of topics as one stream, with the
//! same items as [`Channel`](crate::Channel), over as many managed channels as they need:
//!
//! * **Packing**: leaves of one prefix are combined (`v2.users.42?presence&routingStatus`,
//!   each entry under 200 characters) and spread over the fewest channels, balanced, at most
//!   1,000 a channel by the counting rule ([`TopicCounting`]; the default counts a combined
//!   entry as its expansions, the safe assumption). [`Placement`] is that decision, pure.
//! * **Budget**: at most 15 channels by default (room for other tools of the same client),
//!   up to 20 ([`PoolOptions::max_channels`]). A set that cannot fit is refused before any
//!   channel is created ([`Reason::TooManyTopics`](crate::Reason::TooManyTopics), naming the
//!   count and the limit). [`PoolOptions::reuse_existing`] starts on the client's channels.
//! * **Independence**: each channel is an ordinary managed channel that extends, reconnects
//!   and replaces itself; a fault on one never touches another. Gaps and warnings carry the
//!   pool channel ([`Error::pool_channel`](crate::Error::pool_channel)) and name only its
//!   topics; events are [`PoolEvent`]s tagged the same way. Extensions are staggered
//!   ([`PoolOptions::extension_stagger`]).
//! * **Changes with minimum churn**: [`PoolHandle::subscribe`] puts new topics on the emptiest
//!   channels with room and opens a channel only when they do not fit;
//!   [`PoolHandle::unsubscribe`] sends a request only to the channels that carried the topics
//!   and closes a channel left empty. A channel whose topics did not change receives nothing,
//!   and a topic never moves from one channel to another, so its notifications keep their
//!   order. (An entry rewritten on its channel, when a leaf of a combined entry is removed, is
//!   subscribed in its new form before the old form is removed.)
//! * **Eviction by someone else**: when the service evicts a pool channel because the client
//!   holds as many channels as it allows, the channel moves to a new one (gap reported), and
//!   one non-fatal [`Reason::ChannelEvicted`](crate::Reason::ChannelEvicted) item and
//!   [`PoolEvent::Evicted`] say why, once.
//! * **Memory**: the buffer bound ([`ConnectOptions::buffer`](crate::ConnectOptions::buffer))
//!   is the pool's, shared by its channels; each channel keeps only a hand-off of at most
//!   [`HAND_OFF`] items, drained continuously.
//!
//! A channel that gives up (its recovery policy exhausted) ends the pool with its fatal
//! error, tagged.
//!
//! # Tokens
//!
//! [`Credentials::client_credentials`] uses the OAuth client-credentials grant
//! (`POST <login>/oauth/token` with HTTP Basic authentication). The token is cached, refreshed a
//! tenth of its lifetime (at most a minute) before it expires, and refreshed once more whenever
//! the API answers 401 (the call is then retried once). [`Credentials::access_token`] uses a
//! fixed token; [`Credentials::provider`] asks your [`TokenProvider`]. Client secrets and
//! tokens are [`Secret`]s: never in `Debug`, `Display`, errors or logs.
//!
//! # Errors and retries
//!
//! REST calls fail with the library's [`Error`](crate::Error) (kind `Connection`,
//! `Authorization` or `Subscription`; the HTTP status in the reason); [`RestError::of`] gives
//! the REST details: the Genesys error body (`message`, `code`, `status`, `contextId`), the
//! correlation id, `Retry-After`. 429, 5xx, timeouts and transport failures are retried on
//! the schedule of a [`ReconnectPolicy`](crate::ReconnectPolicy) (the type that drives
//! reconnects), token fetches included: one policy, one deadline for a call and the token it
//! needs. A 429 waits its `Retry-After`: up to [`RestClientBuilder::max_retry_after`], or
//! longer when that still ends within the policy's
//! [`max_elapsed`](crate::ReconnectPolicy::max_elapsed); otherwise it fails with the value in
//! [`RestError::retry_after`].
//!
//! Channel creation (`POST`, the one call that is not idempotent) is retried too. A timeout,
//! a connection lost after sending or a 5xx other than 503 may hide a channel that was
//! created anyway; before retrying, a client with client credentials lists its token's
//! channels and takes one it did not create instead of creating another. Otherwise (a
//! static or provided token, which other processes may share, or a listing that fails) such a
//! channel is never connected: it expires on its own, counting toward the 20 channels of the
//! OAuth client until then, and is the first one evicted by a 21st.
//!
//! # Layout
//!
//! | Item | What it is |
//! |---|---|
//! | [`Region`], [`Environment`] | The 18 regions, `api.`/`login.` hosts, custom base URLs. |
//! | [`Credentials`], [`TokenProvider`], [`Secret`] | Authentication and the redacting secret type. |
//! | [`RestClient`], [`RestClientBuilder`] | Channel and subscription calls, availabletopics. |
//! | [`ChannelInfo`], [`Subscriptions`], [`TopicResult`], [`AvailableTopic`], [`ErrorBody`] | Wire models. |
//! | [`RestError`] | REST details of a failure. |
//! | [`connect_managed`], [`ManagedOptions`], [`Managed`] | The managed channel. |
//! | [`Placement`], [`Limits`], [`TopicCounting`], [`Refusal`] | Where a pool places a topic: packing, budget, minimum churn (pure). |
//! | [`connect_pool`], [`PoolOptions`], [`Pool`], [`PoolHandle`], [`PoolEvent`] | The channel pool: any number of topics as one stream. |

mod auth;
mod client;
mod error;
mod managed;
mod model;
mod placement;
mod pool;
mod region;
mod secret;
mod source;

pub use auth::{Credentials, TokenFuture, TokenProvider};
pub use client::{RestClient, RestClientBuilder};
pub use error::{RestError, RestErrorKind};
pub use managed::{Managed, ManagedOptions, connect_managed};
pub use model::{
    AvailableTopic, ChannelInfo, ChannelScope, ErrorBody, Subscriptions, TopicResult, TopicState,
};
pub use placement::{
    Changes, DEFAULT_MAX_CHANNELS, Limits, Placement, Refusal, SERVICE_MAX_CHANNELS,
    SERVICE_TOPICS_PER_CHANNEL, TopicCounting,
};
pub use pool::{
    DEFAULT_EXTENSION_STAGGER, HAND_OFF, Pool, PoolChannel, PoolEvent, PoolEvents, PoolHandle,
    PoolOptions, connect_pool,
};
pub use region::{Environment, InvalidBaseUrl, Region, UnknownRegion};
pub use secret::Secret;

/// The retry policy of REST calls: the same type as the reconnect policy (see
/// [`RestClientBuilder::retry_policy`]).
pub type RetryPolicy = crate::ReconnectPolicy;
