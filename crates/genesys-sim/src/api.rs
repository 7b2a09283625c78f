//! Public data types of the control surface: channels, faults and statistics.

use std::time::Duration;

use serde::Serialize;

/// A channel of the simulator, as its `POST /api/v2/notifications/channels` returns it
/// (from [`Simulator::create_channel`](crate::Simulator::create_channel) or
/// `POST /sim/channels`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SimChannel {
    /// Channel id, e.g. `streaming-0-k3v9...`.
    pub id: String,
    /// `ws://HOST:PORT/channels/{id}` (`wss://` with TLS).
    pub connect_uri: String,
    /// Expiry, ISO-8601 with milliseconds, e.g. `2026-11-28T07:00:00.000Z`.
    pub expires: String,
}

/// Misbehaviour injected into one channel with [`Simulator::fault`](crate::Simulator::fault)
/// or `POST /sim/channels/{id}/fault`.
///
/// Faults marked *needs a socket* fail with [`SimError::NotConnected`](crate::SimError)
/// when the channel has no open WebSocket.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Close the TCP connection without a close frame. *Needs a socket.*
    Drop,
    /// Send nothing (heartbeats and pongs included) for `duration`; events published
    /// meanwhile count as `lost`. *Needs a socket.*
    Stall {
        /// How long to stay silent.
        duration: Duration,
    },
    /// Send `v2.system.socket_closing`, then close after
    /// [`SimConfig::socket_closing_grace`](crate::SimConfig::socket_closing_grace) with
    /// [`CloseCodes::maintenance`](crate::CloseCodes::maintenance). *Needs a socket.*
    SocketClosing,
    /// Expire the channel now (as at `expires`).
    Expire,
    /// Evict the channel now (as a 21st channel would).
    Evict,
    /// Close the socket with [`CloseCodes::kicked`](crate::CloseCodes::kicked), as a second
    /// connection would. The channel stays. *Needs a socket.*
    Kick,
    /// Send this text frame verbatim. *Needs a socket.*
    RawText(String),
    /// Send this binary frame (the service sends none, so a client must cope with one). Over
    /// HTTP without `base64` or `text`: [`Fault::DEFAULT_BINARY`]. *Needs a socket.*
    RawBinary(Vec<u8>),
    /// Send a valid notification envelope (topic `v2.sim.oversize`) padded to exactly
    /// `bytes` bytes. *Needs a socket.*
    Oversize {
        /// Frame size in bytes.
        bytes: usize,
    },
    /// Fail the next subscription request (REST: 400; socket: a `"400"` result frame).
    RejectNextSubscribe,
    /// Refuse WebSocket handshakes to this channel with 503 for `duration`.
    RefuseConnections {
        /// How long to refuse.
        duration: Duration,
    },
    /// Drop every subscription of the channel and send
    /// `v2.system.no_longer_subscribed.{channelId}` if a socket is open.
    NoLongerSubscribed,
}

/// The REST requests a [`RestFault`] applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RestRoute {
    /// `POST /oauth/token`.
    Token,
    /// `POST /api/v2/notifications/channels`.
    CreateChannel,
}

/// Misbehaviour of the next REST requests of one [`RestRoute`], injected with
/// [`Simulator::rest_fault`](crate::Simulator::rest_fault) or `POST /sim/rest_fault`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RestFault {
    /// Answer with this status (and a Genesys error body) instead of serving the request.
    Status(u16),
    /// Serve the request (a channel is created, a token issued), then answer with this
    /// status anyway: the response is lost, the change is not.
    StatusAfterProcessing(u16),
    /// Wait this long before serving the request (a client with a shorter timeout gives
    /// up; the change is still made when the wait ends).
    Delay(Duration),
}

impl Fault {
    /// The frame `{"kind": "raw_binary"}` sends when it names no bytes: a short frame that is
    /// not UTF-8 (it starts with a zero byte and ends with `0xff`), so it cannot pass for text.
    pub const DEFAULT_BINARY: &'static [u8] = b"\x00genesys-sim binary frame\xff";
}

/// A snapshot of the simulator's channels, from [`Simulator::stats`](crate::Simulator::stats)
/// or `GET /sim/stats`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Stats {
    /// Events published so far (`publish`, `publish_raw`, each frame of
    /// `publish_raw_batch`, `/sim/publish`, the generator), whether delivered or not.
    pub published: u64,
    /// Live channels, sorted by id.
    pub channels: Vec<ChannelStats>,
}

impl Stats {
    /// The statistics of one channel.
    pub fn channel(&self, id: &str) -> Option<&ChannelStats> {
        self.channels.iter().find(|c| c.id == id)
    }
}

/// Statistics of one channel.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ChannelStats {
    /// Channel id.
    pub id: String,
    /// OAuth client that owns it.
    pub client_id: String,
    /// Whether a WebSocket is open.
    pub connected: bool,
    /// WebSocket connections accepted so far.
    pub connections: u64,
    /// Well-formed subscription requests received (successful or not), by route.
    pub subscribe_requests: SubscribeRequests,
    /// Subscribed topics (expanded), sorted.
    pub topics: Vec<String>,
    /// How many topics count toward [`SimConfig::max_topics`](crate::SimConfig::max_topics)
    /// under [`ProtocolOptions::topic_counting`](crate::ProtocolOptions::topic_counting):
    /// `topics.len()` by default, the number of request entries held (a combined
    /// `prefix?a&b` as one) with [`TopicCounting::Entries`](crate::TopicCounting::Entries).
    pub topic_count: usize,
    /// Notifications written to a socket.
    pub delivered: u64,
    /// Notifications for subscribed topics that no socket received: no socket open,
    /// socket stalled, per-socket queue full, or still queued when the socket closed.
    pub lost: u64,
    /// Current expiry, ISO-8601.
    pub expires: String,
}

/// Subscription requests of one channel, by route.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SubscribeRequests {
    /// `PUT`/`POST`/`DELETE .../subscriptions`.
    pub rest: u64,
    /// Socket `subscribe` messages.
    pub ws: u64,
}
