//! A faithful, scriptable simulator of the Genesys Cloud Notifications service.
//!
//! It speaks the service's REST API (OAuth client credentials, channels, subscriptions,
//! available topics) and its WebSocket protocol (notification envelopes, heartbeats,
//! ping/pong, `socket_closing`, the socket `subscribe` message) on one port, and it can
//! misbehave on demand ([`Fault`]). It runs on the caller's tokio runtime, so tests can
//! pause time and go through a 24-hour channel lifetime in milliseconds.
//!
//! ```
//! use futures_util::{SinkExt, StreamExt};
//! use genesys_sim::{SimConfig, Simulator};
//! use tokio_tungstenite::tungstenite::Message;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let sim = Simulator::start(SimConfig::default()).await?;
//! let channel = sim.create_channel("demo-client"); // or POST /api/v2/notifications/channels
//!
//! let tcp = tokio::net::TcpStream::connect(sim.addr()).await?;
//! let (mut ws, _) = tokio_tungstenite::client_async(channel.connect_uri.as_str(), tcp).await?;
//! ws.send(Message::text(r#"{"message":"subscribe","topics":["v2.users.u1?presence&routingStatus"]}"#))
//!     .await?;
//! let result = ws.next().await.ok_or("closed")??;
//! assert_eq!(result.to_text()?, r#"{"result":"200","status":"subscribed"}"#);
//!
//! let delivered = sim.publish("v2.users.u1.presence", serde_json::json!({"source": "PURECLOUD"}));
//! assert_eq!(delivered, 1);
//! let event: serde_json::Value = serde_json::from_str(ws.next().await.ok_or("closed")??.to_text()?)?;
//! assert_eq!(event["topicName"], "v2.users.u1.presence");
//! assert_eq!(event["eventBody"]["source"], "PURECLOUD");
//! # Ok(())
//! # }
//! ```
//!
//! The binary `genesys-sim` wraps the same library; see the README for every route, fault
//! and option.
//!
//! # Layout
//!
//! | Module | Role |
//! |---|---|
//! | `lib.rs` | [`Simulator`] handle, [`SimError`] |
//! | `config.rs` | [`SimConfig`] and the **\[U\]** options ([`ProtocolOptions`]) |
//! | `api.rs` | public data: [`SimChannel`], [`Fault`], [`RestFault`], [`Stats`] |
//! | `frames.rs` | the JSON written: envelope ([`Frame`]), heartbeat, pong, results, `ErrorBody` |
//! | `topics.rs` | combined-topic expansion, permission patterns, topic catalogue |
//! | `state/` | the model, synchronous and driven by `now` (pure, unit-tested), by concern: `auth.rs` (clients, tokens, rate limit), `channels.rs` (lifetimes, eviction, the channel's socket), `subscriptions.rs` (changes, topic limit, index, publishing), `faults.rs` (faults, outages), `stats.rs` (counters, snapshot), `link.rs` (a socket's queues) |
//! | `shared.rs` | `Shared`: config, the model behind its lock, shutdown; what handlers import |
//! | `server.rs` | wiring: router, listener, expiry sweeper |
//! | `rest.rs` | `/oauth/token` and `/api/v2/notifications/...` |
//! | `ws.rs` | `/channels/{id}`: handshake and the per-socket task |
//! | `control.rs` | `/sim/...` control routes |
//! | `generator.rs` | seeded event generator |
//! | `tls.rs` | rustls listener |
//! | `cli.rs` | [`cli::SimArgs`], the `genesys-sim` options, and [`cli::run`] |
//!
//! # Delivery model
//!
//! Each socket is owned by one task with a bounded queue of
//! [`SimConfig::socket_queue_capacity`] frames. Publishing serialises the envelope once
//! and queues a cheap clone ([`Frame`]) on every subscribed socket with a non-blocking
//! `try_send`; a frame that finds no socket, a stalled socket or a full queue is counted as
//! `lost` for that channel ([`ChannelStats::lost`]), as the real service does not queue
//! events for absent clients. Publishing therefore never waits for a slow client.
//!
//! Benchmarks that must stream "as fast as the client reads" use the back-pressured forms
//! instead, [`Simulator::publish_raw_wait`] and [`Simulator::publish_raw_batch_wait`]: they
//! wait for room in each socket's queue, so a slow but live reader receives every frame
//! and nothing counts as lost.

mod api;
pub mod cli;
mod config;
mod control;
mod frames;
mod generator;
mod rest;
mod server;
mod shared;
mod state;
mod tls;
mod topics;
mod ws;

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;

use serde_json::Value;
use tokio::task::JoinHandle;
use tokio::time::Instant;

pub use api::{ChannelStats, Fault, RestFault, RestRoute, SimChannel, Stats, SubscribeRequests};
pub use config::{
    CloseCodes, DeniedTopic, ExpiryBehaviour, ExtendOn, GeneratorConfig, OtherTokenChannels,
    PostResponse, ProtocolOptions, RateLimit, SimConfig, TlsConfig, TopicCounting,
};
pub use frames::Frame;

use shared::Shared;

/// The README's examples are compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

/// Errors of the simulator's API.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SimError {
    /// The listener could not be bound.
    #[error("cannot bind the listener: {0}")]
    Bind(#[source] std::io::Error),
    /// The TLS certificate or key is unusable.
    #[error("TLS configuration: {0}")]
    Tls(String),
    /// No channel has this id.
    #[error("unknown channel {0}")]
    UnknownChannel(String),
    /// The fault needs an open WebSocket and the channel has none.
    #[error("channel {0} has no open WebSocket")]
    NotConnected(String),
    /// The fault's parameters are out of range.
    #[error("invalid fault: {0}")]
    InvalidFault(String),
    /// The configuration is unusable.
    #[error("invalid configuration: {0}")]
    Config(String),
}

/// A running simulator. Dropping it shuts the server down (no runtime needed in `Drop`);
/// [`Simulator::shutdown`] does the same and waits for the tasks to finish.
pub struct Simulator {
    shared: Arc<Shared>,
    addr: SocketAddr,
    tasks: Vec<JoinHandle<()>>,
}

impl fmt::Debug for Simulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Simulator")
            .field("addr", &self.addr)
            .field("base_url", &self.shared.base_url)
            .finish_non_exhaustive()
    }
}

impl Simulator {
    /// Binds `config.host:config.port` and serves on the current tokio runtime.
    ///
    /// # Errors
    ///
    /// [`SimError::Bind`] when the address cannot be bound, [`SimError::Tls`] when the TLS
    /// certificate or key is unusable.
    pub async fn start(config: SimConfig) -> Result<Simulator, SimError> {
        let started = server::start(config).await?;
        Ok(Simulator {
            shared: started.shared,
            addr: started.addr,
            tasks: started.tasks,
        })
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://HOST:PORT` (`https://` with TLS); `HOST` is
    /// [`SimConfig::public_host`] when set.
    pub fn base_url(&self) -> String {
        self.shared.base_url.clone()
    }

    /// The configuration the simulator runs with.
    pub fn config(&self) -> &SimConfig {
        &self.shared.config
    }

    /// Creates a channel for `client_id` without OAuth (the 20-channel eviction applies).
    ///
    /// ```
    /// # use genesys_sim::{SimConfig, Simulator};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), genesys_sim::SimError> {
    /// let sim = Simulator::start(SimConfig::default()).await?;
    /// let channel = sim.create_channel("demo-client");
    /// assert_eq!(channel.connect_uri, format!("ws://{}/channels/{}", sim.addr(), channel.id));
    /// # Ok(())
    /// # }
    /// ```
    pub fn create_channel(&self, client_id: &str) -> SimChannel {
        Simulator::create_channel_on(&self.shared, client_id)
    }

    pub(crate) fn create_channel_on(shared: &Shared, client_id: &str) -> SimChannel {
        let info = shared
            .lock()
            .create_channel(client_id, None, Instant::now());
        shared.deadlines_changed();
        info
    }

    /// Mints an access token for `client_id` without going through `/oauth/token`.
    pub fn issue_token(&self, client_id: &str) -> String {
        Simulator::issue_token_on(&self.shared, client_id)
    }

    pub(crate) fn issue_token_on(shared: &Shared, client_id: &str) -> String {
        let token = shared.lock().issue_token(client_id, Instant::now());
        shared.deadlines_changed();
        token
    }

    /// Revokes every token of `client_id`: they answer 401 from now on. Returns how many
    /// were revoked.
    pub fn revoke_tokens(&self, client_id: &str) -> usize {
        Simulator::revoke_tokens_on(&self.shared, client_id)
    }

    pub(crate) fn revoke_tokens_on(shared: &Shared, client_id: &str) -> usize {
        let n = shared.lock().revoke_tokens(client_id);
        shared.deadlines_changed();
        n
    }

    /// Publishes an event: wraps `event_body` in the notification envelope (fresh
    /// `CorrelationId`), serialises it once and queues it on every open socket subscribed
    /// to `topic_name`.
    ///
    /// Returns the number of sockets it was queued on. `0` means the event is dropped: no
    /// channel is subscribed to the topic, or none of the subscribed channels has an open,
    /// unstalled socket with room in its queue (the service keeps nothing for a client that
    /// is not connected). Each subscribed channel that missed it counts it in
    /// [`ChannelStats::lost`]; the drop is also logged at debug level (target `genesys_sim`).
    ///
    /// ```
    /// # use genesys_sim::{SimConfig, Simulator};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), genesys_sim::SimError> {
    /// let sim = Simulator::start(SimConfig::default()).await?;
    /// // Nobody is connected yet: the event is dropped, not kept for later.
    /// assert_eq!(sim.publish("v2.users.u1.presence", serde_json::json!({})), 0);
    /// assert_eq!(sim.stats().published, 1);
    /// # Ok(())
    /// # }
    /// ```
    pub fn publish(&self, topic_name: &str, event_body: Value) -> usize {
        Simulator::publish_on(&self.shared, topic_name, &event_body)
    }

    pub(crate) fn publish_on(shared: &Shared, topic_name: &str, event_body: &Value) -> usize {
        let frame = Frame::envelope(topic_name, event_body, &shared.correlation_id());
        let queued = shared.lock().publish(topic_name, &frame, Instant::now());
        log_dropped(topic_name, queued);
        queued
    }

    /// The fast path: queues a pre-serialised `frame` (sent verbatim) on every open socket
    /// subscribed to `topic_name`, without parsing or copying it. Returns the number of
    /// sockets it was queued on; `0` means it is dropped, as with
    /// [`publish`](Simulator::publish).
    ///
    /// ```
    /// # use genesys_sim::{Frame, SimConfig, Simulator};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), genesys_sim::SimError> {
    /// let sim = Simulator::start(SimConfig::default()).await?;
    /// let frame = sim.envelope("v2.users.u1.presence", &serde_json::json!({"n": 1}));
    /// for _ in 0..1000 {
    ///     sim.publish_raw("v2.users.u1.presence", &frame); // nobody subscribed: 0
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn publish_raw(&self, topic_name: &str, frame: &Frame) -> usize {
        let queued = self
            .shared
            .lock()
            .publish(topic_name, frame, Instant::now());
        log_dropped(topic_name, queued);
        queued
    }

    /// Like [`publish_raw`](Simulator::publish_raw) for many frames of one topic, under a
    /// single lock. Returns the total number of frames queued.
    pub fn publish_raw_batch<'a>(
        &self,
        topic_name: &str,
        frames: impl IntoIterator<Item = &'a Frame>,
    ) -> usize {
        let now = Instant::now();
        let mut state = self.shared.lock();
        frames
            .into_iter()
            .map(|frame| state.publish(topic_name, frame, now))
            .sum()
    }

    /// The back-pressured fast path: queues a pre-serialised `frame` on every open socket
    /// subscribed to `topic_name`, *waiting for room* in each socket's queue instead of
    /// counting the frame as lost. Returns the number of sockets it was queued on.
    ///
    /// The subscribers are taken under the lock when the call starts; the lock is not held
    /// while waiting. A subscribed channel without a socket, or whose socket is stalled
    /// ([`Fault::Stall`]), counts the frame as lost at once, as with
    /// [`publish_raw`](Simulator::publish_raw); so does a socket that closes while the call
    /// waits (a client that stops reading altogether is dropped after
    /// [`SimConfig::write_timeout`], so the wait always ends). The frames reach each socket
    /// in call order, and a fault injected after the call returns arrives after them.
    ///
    /// One slow socket holds back the others: the call returns once every subscriber has
    /// room. Cancelling the call (dropping the future) keeps what was already queued.
    ///
    /// ```
    /// # use genesys_sim::{SimConfig, Simulator};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), genesys_sim::SimError> {
    /// let sim = Simulator::start(SimConfig::default()).await?;
    /// let frame = sim.envelope("v2.users.u1.presence", &serde_json::json!({"n": 1}));
    /// assert_eq!(sim.publish_raw_wait("v2.users.u1.presence", &frame).await, 0); // nobody subscribed
    /// # Ok(())
    /// # }
    /// ```
    pub async fn publish_raw_wait(&self, topic_name: &str, frame: &Frame) -> usize {
        self.publish_raw_batch_wait(topic_name, std::iter::once(frame))
            .await
    }

    /// Like [`publish_raw_wait`](Simulator::publish_raw_wait) for many frames of one
    /// topic: the subscribers' queues are taken once, under a single lock, for the whole
    /// batch, and each frame is queued on every subscriber (waiting for room) before the
    /// next. A subscriber that closes mid-batch counts the rest of the batch as lost; a
    /// socket opened mid-batch receives the frames of the next call. Returns the total
    /// number of frames queued (frames × sockets).
    ///
    /// ```
    /// # use genesys_sim::{SimConfig, Simulator};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), genesys_sim::SimError> {
    /// let sim = Simulator::start(SimConfig::default()).await?;
    /// let topic = "v2.users.u1.presence";
    /// let frame = sim.envelope(topic, &serde_json::json!({"n": 1}));
    /// let queued = sim.publish_raw_batch_wait(topic, std::iter::repeat_n(&frame, 1000)).await;
    /// assert_eq!(queued, 0); // nobody subscribed
    /// assert_eq!(sim.stats().published, 1000);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn publish_raw_batch_wait<'a>(
        &self,
        topic_name: &str,
        frames: impl IntoIterator<Item = &'a Frame>,
    ) -> usize {
        let mut subscribers = self.shared.lock().subscribers(topic_name, Instant::now());
        let mut published = Published {
            shared: &self.shared,
            count: 0,
        };
        let mut queued = 0;
        for frame in frames {
            published.count += 1;
            for subscriber in &mut subscribers {
                queued += usize::from(subscriber.send(frame).await);
            }
        }
        queued
    }

    /// Builds the notification envelope for `topic_name` with a fresh `CorrelationId`,
    /// for [`publish_raw`](Simulator::publish_raw).
    pub fn envelope(&self, topic_name: &str, event_body: &Value) -> Frame {
        Frame::envelope(topic_name, event_body, &self.shared.correlation_id())
    }

    /// Injects a fault into a channel.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use genesys_sim::{Fault, SimConfig, SimError, Simulator};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), SimError> {
    /// let sim = Simulator::start(SimConfig::default()).await?;
    /// let channel = sim.create_channel("demo-client");
    /// sim.fault(&channel.id, Fault::RefuseConnections { duration: Duration::from_secs(5) })?;
    /// // Socket faults need a connected socket.
    /// assert!(matches!(sim.fault(&channel.id, Fault::Kick), Err(SimError::NotConnected(_))));
    /// sim.fault(&channel.id, Fault::Expire)?;
    /// assert!(sim.stats().channels.is_empty());
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`SimError::UnknownChannel`], or [`SimError::NotConnected`] for faults that need an
    /// open socket (see [`Fault`]).
    pub fn fault(&self, channel_id: &str, fault: Fault) -> Result<(), SimError> {
        Simulator::fault_on(&self.shared, channel_id, fault)
    }

    pub(crate) fn fault_on(
        shared: &Shared,
        channel_id: &str,
        fault: Fault,
    ) -> Result<(), SimError> {
        let result = shared.lock().fault(channel_id, fault, Instant::now());
        shared.deadlines_changed();
        result
    }

    /// Makes the next `count` requests of `route` misbehave ([`RestFault`]): answer an error
    /// status, lose the response of a served request, or answer late. A `count` of 0 clears
    /// the route's pending fault. Outages ([`Simulator::outage`]) and the rate limit apply
    /// first.
    ///
    /// ```
    /// # use genesys_sim::{RestFault, RestRoute, SimConfig, Simulator};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let sim = Simulator::start(SimConfig::default()).await?;
    /// // The next channel creation is served, but its answer is a 504.
    /// sim.rest_fault(RestRoute::CreateChannel, RestFault::StatusAfterProcessing(504), 1);
    /// # Ok(())
    /// # }
    /// ```
    pub fn rest_fault(&self, route: RestRoute, fault: RestFault, count: u32) {
        self.shared.lock().rest_fault(route, fault, count);
    }

    /// Simulates a service-wide outage: every socket is dropped without a close frame,
    /// and REST routes and WebSocket handshakes answer 503 for `duration`. Channels,
    /// subscriptions and tokens survive (lifetimes keep running). Control routes keep
    /// working.
    pub fn outage(&self, duration: std::time::Duration) {
        Simulator::outage_on(&self.shared, duration);
    }

    pub(crate) fn outage_on(shared: &Shared, duration: std::time::Duration) {
        shared.lock().outage(duration, Instant::now());
    }

    /// A snapshot of every channel's statistics.
    ///
    /// ```
    /// # use genesys_sim::{SimConfig, Simulator};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), genesys_sim::SimError> {
    /// let sim = Simulator::start(SimConfig::default()).await?;
    /// let channel = sim.create_channel("demo-client");
    /// let stats = sim.stats();
    /// let ch = stats.channel(&channel.id).ok_or(genesys_sim::SimError::UnknownChannel(channel.id.clone()))?;
    /// assert!(!ch.connected);
    /// assert_eq!((ch.delivered, ch.lost), (0, 0));
    /// # Ok(())
    /// # }
    /// ```
    pub fn stats(&self) -> Stats {
        self.shared.lock().stats()
    }

    /// Stops accepting, closes every socket with [`CloseCodes::shutdown`] and waits for the
    /// server and background tasks to end.
    pub async fn shutdown(mut self) {
        self.shared.shutdown.cancel();
        for task in std::mem::take(&mut self.tasks) {
            let _ = task.await;
        }
    }
}

/// Logs at debug level that a publish reached no socket.
fn log_dropped(topic_name: &str, queued: usize) {
    if queued == 0 {
        tracing::debug!(
            topic = topic_name,
            "event dropped: no open socket is subscribed to its topic"
        );
    }
}

/// Adds a back-pressured publish's frames to [`Stats::published`] when it ends, even when
/// it is cancelled half-way.
struct Published<'a> {
    shared: &'a Shared,
    count: u64,
}

impl Drop for Published<'_> {
    fn drop(&mut self) {
        if self.count > 0 {
            self.shared.lock().count_published(self.count);
        }
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        self.shared.shutdown.cancel();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_types_are_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Simulator>();
        check::<SimError>();
        check::<Frame>();
        check::<Stats>();
        check::<Fault>();
        check::<SimConfig>();
    }
}
