//! Simulator configuration: [`SimConfig`] and the option types it is made of.
//!
//! Every choice the protocol reference leaves open (marked **\[U\]** there) is a field of
//! [`ProtocolOptions`], so a test can pin down the behaviour it relies on instead of
//! depending on the simulator's guess.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use std::time::Duration;

use crate::SimError;

/// Everything that shapes a [`Simulator`](crate::Simulator). Build it with
/// `SimConfig::default()` and struct-update syntax:
///
/// ```
/// use std::time::Duration;
/// use genesys_sim::SimConfig;
///
/// let config = SimConfig {
///     heartbeat_interval: Duration::from_secs(5),
///     ..SimConfig::default()
/// };
/// assert_eq!(config.channel_lifetime, Duration::from_secs(24 * 3600));
/// ```
///
/// `Debug` shows client ids but never their secrets.
#[derive(Clone)]
pub struct SimConfig {
    /// Address to bind (default `127.0.0.1`).
    pub host: IpAddr,
    /// Port to bind (default `0`: any free port).
    pub port: u16,
    /// Host name (optionally `host:port`) to advertise in `connectUri` and
    /// [`Simulator::base_url`](crate::Simulator::base_url) instead of the bound address,
    /// e.g. `localhost` so that a TLS certificate for `localhost` verifies.
    pub public_host: Option<String>,
    /// Interval between `WebSocket Heartbeat` frames (default 30 s).
    pub heartbeat_interval: Duration,
    /// Time between `v2.system.socket_closing` and the close of the socket (default 60 s).
    pub socket_closing_grace: Duration,
    /// Channel lifetime; `expires` is creation (or last extension) plus this (default 24 h).
    pub channel_lifetime: Duration,
    /// Access token lifetime (`expires_in`, default 24 h).
    pub token_lifetime: Duration,
    /// OAuth clients as `(client_id, client_secret)`; default one `demo-client:demo-secret`.
    pub clients: Vec<(String, String)>,
    /// Serve HTTPS/WSS with this certificate instead of plain HTTP/WS.
    pub tls: Option<TlsConfig>,
    /// Accept the socket `subscribe` message (default `true`). When `false` it is treated
    /// like any other unknown client frame.
    pub ws_subscribe: bool,
    /// Channels per OAuth client before the oldest is evicted (default 20).
    pub max_channels_per_client: usize,
    /// Topics per channel (default 1,000); more gives HTTP 400.
    pub max_topics: usize,
    /// Topic names of this many characters or more give HTTP 400 (default 200).
    pub max_topic_len: usize,
    /// Topic patterns the clients are not permitted to subscribe to.
    pub denied_topics: Vec<DeniedTopic>,
    /// Answer `429` with `Retry-After` when a client exceeds this request rate on `/api/v2`.
    pub rate_limit: Option<RateLimit>,
    /// Frames queued per socket before further frames for it count as `lost` (default 4,096).
    pub socket_queue_capacity: usize,
    /// A socket whose writes make no progress for this long (a client that stopped
    /// reading) is dropped, and its unwritten frames count as `lost` (default 30 s).
    pub write_timeout: Duration,
    /// Seed for channel ids, tokens, correlation ids and the event generator (default 0).
    pub seed: u64,
    /// Generate events for subscribed topics (`--generate`); `None` disables it.
    pub generator: Option<GeneratorConfig>,
    /// Behaviour the protocol reference leaves unconfirmed.
    pub protocol: ProtocolOptions,
}

impl fmt::Debug for SimConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let clients: Vec<String> = self
            .clients
            .iter()
            .map(|(id, _)| format!("{id}:<redacted>"))
            .collect();
        f.debug_struct("SimConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("public_host", &self.public_host)
            .field("heartbeat_interval", &self.heartbeat_interval)
            .field("socket_closing_grace", &self.socket_closing_grace)
            .field("channel_lifetime", &self.channel_lifetime)
            .field("token_lifetime", &self.token_lifetime)
            .field("clients", &clients)
            .field("tls", &self.tls)
            .field("ws_subscribe", &self.ws_subscribe)
            .field("max_channels_per_client", &self.max_channels_per_client)
            .field("max_topics", &self.max_topics)
            .field("max_topic_len", &self.max_topic_len)
            .field("denied_topics", &self.denied_topics)
            .field("rate_limit", &self.rate_limit)
            .field("socket_queue_capacity", &self.socket_queue_capacity)
            .field("write_timeout", &self.write_timeout)
            .field("seed", &self.seed)
            .field("generator", &self.generator)
            .field("protocol", &self.protocol)
            .finish()
    }
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            public_host: None,
            heartbeat_interval: Duration::from_secs(30),
            socket_closing_grace: Duration::from_secs(60),
            channel_lifetime: Duration::from_secs(24 * 3600),
            token_lifetime: Duration::from_secs(24 * 3600),
            clients: vec![("demo-client".to_owned(), "demo-secret".to_owned())],
            tls: None,
            ws_subscribe: true,
            max_channels_per_client: 20,
            max_topics: 1000,
            max_topic_len: 200,
            denied_topics: Vec::new(),
            rate_limit: None,
            socket_queue_capacity: 4096,
            write_timeout: Duration::from_secs(30),
            seed: 0,
            generator: None,
            protocol: ProtocolOptions::default(),
        }
    }
}

/// PEM-encoded certificate chain and private key for the TLS listener.
#[derive(Clone)]
pub struct TlsConfig {
    /// Certificate chain, PEM.
    pub cert_pem: Vec<u8>,
    /// Private key (PKCS#8, PKCS#1 or SEC1), PEM.
    pub key_pem: Vec<u8>,
}

impl TlsConfig {
    /// Reads the certificate chain and key from PEM files.
    ///
    /// # Errors
    ///
    /// [`SimError::Tls`] when a file cannot be read.
    pub fn from_pem_files(cert: &Path, key: &Path) -> Result<TlsConfig, SimError> {
        let read = |p: &Path| {
            std::fs::read(p).map_err(|e| SimError::Tls(format!("cannot read {}: {e}", p.display())))
        };
        Ok(TlsConfig {
            cert_pem: read(cert)?,
            key_pem: read(key)?,
        })
    }
}

impl fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The key is a secret: never print it.
        f.debug_struct("TlsConfig")
            .field("cert_pem", &format_args!("<{} bytes>", self.cert_pem.len()))
            .field("key_pem", &"<redacted>")
            .finish()
    }
}

/// A topic pattern the clients lack permission for. `*` matches any run of characters
/// (dots included), e.g. `v2.analytics.*` or `v2.users.*.conversations`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeniedTopic {
    /// The pattern.
    pub pattern: String,
    /// Permissions reported in `missingPermissions` for a matching topic.
    pub missing_permissions: Vec<String>,
}

impl DeniedTopic {
    /// A pattern with the generic missing permission `notifications:topic:view`.
    pub fn new(pattern: impl Into<String>) -> DeniedTopic {
        DeniedTopic {
            pattern: pattern.into(),
            missing_permissions: vec!["notifications:topic:view".to_owned()],
        }
    }
}

/// A fixed-window request budget per OAuth client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests allowed per window.
    pub requests: u32,
    /// Window length.
    pub per: Duration,
}

/// Settings of the event generator.
#[derive(Clone, Debug, PartialEq)]
pub struct GeneratorConfig {
    /// Events per second over all subscribed topics (default 1.0).
    pub rate_per_sec: f64,
}

impl Default for GeneratorConfig {
    fn default() -> Self {
        GeneratorConfig { rate_per_sec: 1.0 }
    }
}

/// WebSocket close codes (and reasons) the simulator uses. No official source documents
/// the service's codes (reference §2.4), so every one is configurable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CloseCodes {
    /// After `socket_closing` and its grace period (default 1001, Going Away).
    pub maintenance: u16,
    /// When the channel expires (default 1000).
    pub expired: u16,
    /// When the channel is evicted by a 21st channel (default 1000).
    pub evicted: u16,
    /// When a second socket connects to the same channel (default 1000).
    pub kicked: u16,
    /// When the token that created the channel expires or is revoked, if
    /// [`ProtocolOptions::token_expiry_closes_channels`] (default 1000).
    pub token_expired: u16,
    /// When the simulator shuts down (default 1001).
    pub shutdown: u16,
}

impl Default for CloseCodes {
    fn default() -> Self {
        CloseCodes {
            maintenance: 1001,
            expired: 1000,
            evicted: 1000,
            kicked: 1000,
            token_expired: 1000,
            shutdown: 1001,
        }
    }
}

/// What happens on the socket when its channel expires.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExpiryBehaviour {
    /// Close the socket with [`CloseCodes::expired`] (default).
    #[default]
    Close,
    /// Send `v2.system.no_longer_subscribed.{channelId}` first, then close.
    NoticeThenClose,
    /// Leave the socket open (heartbeats continue) but deliver nothing more: the channel is
    /// gone, `HEAD` answers 404.
    Silent,
}

/// Which subscription changes move `expires` to now plus the lifetime.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExtendOn {
    /// REST subscription changes and the socket `subscribe` message (default).
    #[default]
    Any,
    /// Only REST `PUT`/`POST`/`DELETE` of subscriptions.
    Rest,
    /// Only the socket `subscribe` message.
    Ws,
    /// Nothing extends a channel.
    Never,
}

/// How combined topics (`prefix?a&b`) count toward [`SimConfig::max_topics`] (the
/// reference leaves it open, §"combined topics"). A request that would take a channel over
/// the limit fails with HTTP 400 (a `"400"` result on the socket) and changes nothing.
///
/// ```
/// use genesys_sim::{SimConfig, TopicCounting};
///
/// let mut config = SimConfig::default();
/// assert_eq!(config.max_topics, 1000);
/// assert_eq!(config.protocol.topic_counting, TopicCounting::Expanded);
/// config.protocol.topic_counting = TopicCounting::Entries; // `--topic-counting entries`
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum TopicCounting {
    /// Each expanded topic counts: `v2.users.u?presence&routingStatus` counts 2 (default).
    #[default]
    Expanded,
    /// Each request entry counts once, however many topics it expands to:
    /// `v2.users.u?presence&routingStatus` counts 1. An entry counts while any of its topics
    /// is subscribed; the same entry subscribed twice counts once.
    Entries,
}

/// What `POST .../subscriptions` answers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum PostResponse {
    /// The whole resulting list (default).
    #[default]
    Full,
    /// Only the entries of the request.
    Added,
}

/// How `GET /channels?includechannels=oauthclient` lists channels of *other* tokens.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum OtherTokenChannels {
    /// Listed with `expires` only; `id` and `connectUri` omitted (default).
    #[default]
    ExpiresOnly,
    /// Listed in full.
    Full,
}

/// The choices the protocol reference marks **\[U\]** (unconfirmed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProtocolOptions {
    /// Close codes.
    pub close_codes: CloseCodes,
    /// Send `{"result":"404","message":..}` before closing a socket whose channel expired,
    /// was evicted or lost its token (default `false`).
    pub not_found_frame: bool,
    /// Echo the `correlationId` of a socket `subscribe` message in its result frame
    /// (default `false`).
    pub echo_correlation_id: bool,
    /// What happens on the socket at expiry.
    pub expiry: ExpiryBehaviour,
    /// Which subscription changes extend the channel.
    pub extend_on: ExtendOn,
    /// Give heartbeats and pongs the full envelope (`version` `"2"` and `metadata`) instead
    /// of just `topicName` and `eventBody` (default `false`).
    pub metadata_full_envelope: bool,
    /// `eventBody.message` of the pong (default `"pong"`).
    pub pong_message: String,
    /// How combined topics count toward the topic limit.
    pub topic_counting: TopicCounting,
    /// What `POST .../subscriptions` answers.
    pub post_response: PostResponse,
    /// Status of `DELETE .../subscriptions` (default 204).
    pub delete_status: u16,
    /// Close channels when the token that created them expires or is revoked
    /// (default `false`).
    pub token_expiry_closes_channels: bool,
    /// Match topic names case-insensitively (default `false`: exact match).
    pub case_insensitive_topics: bool,
    /// Answer unknown or non-JSON client frames with
    /// `{"result":"400","status":"error","message":..}` (default `false`: ignore them).
    pub reply_to_invalid_frames: bool,
    /// How other tokens' channels appear in `includechannels=oauthclient` listings.
    pub other_token_channels: OtherTokenChannels,
    /// Accept a socket `{"message":"unsubscribe","topics":[..]}` (no source documents one)
    /// and answer `{"result":"200","status":"unsubscribed"}` (default `false`: treated as
    /// an unknown frame).
    pub ws_unsubscribe: bool,
    /// Values of the `v2.system.socket_closing` body, merged over the default one (the
    /// reference knows its keys, not its values): each key replaces the default's, a `null`
    /// removes the key. Default: empty, giving
    /// `{"channelId", "systemTopicType": "socket_closing", "correlationId", "organizationId",
    /// "oauthClientId", "oauthClientOrgId", "reason": "maintenance", "message": .., "data": {}}`.
    ///
    /// ```
    /// use genesys_sim::ProtocolOptions;
    /// use serde_json::json;
    ///
    /// let mut protocol = ProtocolOptions::default();
    /// protocol.socket_closing_body = json!({"reason": "REBALANCE", "data": {"graceSeconds": "60"}, "message": null})
    ///     .as_object()
    ///     .cloned()
    ///     .unwrap_or_default();
    /// ```
    pub socket_closing_body: serde_json::Map<String, serde_json::Value>,
}

impl Default for ProtocolOptions {
    fn default() -> Self {
        ProtocolOptions {
            close_codes: CloseCodes::default(),
            not_found_frame: false,
            echo_correlation_id: false,
            expiry: ExpiryBehaviour::default(),
            extend_on: ExtendOn::default(),
            metadata_full_envelope: false,
            pong_message: "pong".to_owned(),
            topic_counting: TopicCounting::default(),
            post_response: PostResponse::default(),
            delete_status: 204,
            token_expiry_closes_channels: false,
            case_insensitive_topics: false,
            reply_to_invalid_frames: false,
            other_token_channels: OtherTokenChannels::default(),
            ws_unsubscribe: false,
            socket_closing_body: serde_json::Map::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_secrets() {
        let config = SimConfig {
            clients: vec![("id-1".to_owned(), "hunter2".to_owned())],
            tls: Some(TlsConfig {
                cert_pem: b"CERT".to_vec(),
                key_pem: b"PRIVATE KEY".to_vec(),
            }),
            ..SimConfig::default()
        };
        let debug = format!("{config:?}");
        assert!(debug.contains("id-1"));
        assert!(!debug.contains("hunter2"));
        assert!(!debug.contains("PRIVATE KEY"));
    }
}
