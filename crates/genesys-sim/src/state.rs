//! The simulator's model: OAuth clients and tokens, channels, subscriptions, lifetimes,
//! eviction, rate limits and statistics.
//!
//! Everything here is synchronous and takes the current time as an argument, so it can be
//! unit-tested without sockets or a runtime. The only side effects are non-blocking sends
//! to per-socket queues ([`SocketLink`]); the socket tasks in [`crate::ws`] do the I/O.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::SimError;
use crate::api::{ChannelInfo, ChannelStats, Fault, Stats, SubscribeRequests};
use crate::config::{
    ExpiryBehaviour, ExtendOn, OtherTokenChannels, PostResponse, SimConfig, TopicCounting,
};
use crate::frames::{self, Frame};
use crate::topics::{self, TopicError};

/// Maps tokio's (possibly paused) clock to wall-clock timestamps for `expires`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Clock {
    instant: Instant,
    system: SystemTime,
}

impl Clock {
    pub(crate) fn new() -> Clock {
        Clock {
            instant: Instant::now(),
            system: SystemTime::now(),
        }
    }

    /// ISO-8601 with milliseconds, `Z`.
    pub(crate) fn iso(&self, t: Instant) -> String {
        let system = match t.checked_duration_since(self.instant) {
            Some(after) => self.system + after,
            None => self.system - self.instant.duration_since(t),
        };
        humantime::format_rfc3339_millis(system).to_string()
    }
}

/// Per-channel counters shared with the socket task (which counts what it writes).
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) delivered: AtomicU64,
    pub(crate) lost: AtomicU64,
}

/// Commands to a socket task. Sent on an unbounded queue: they are rare and must never be
/// dropped, unlike notification frames.
#[derive(Debug)]
pub(crate) enum Control {
    /// Send `frames`, then a close frame, then end.
    Close {
        frames: Vec<Frame>,
        code: u16,
        reason: &'static str,
    },
    /// End without a close frame.
    Drop,
    /// Send nothing until then.
    Stall(Instant),
    /// Send `socket_closing` now, close after the grace period.
    SocketClosing(Frame),
    /// Send a text frame now.
    Text(Frame),
    /// Send a binary frame now.
    Binary(Vec<u8>),
}

/// The publisher's side of an open socket.
#[derive(Debug)]
pub(crate) struct SocketLink {
    conn_id: u64,
    /// Cancelled by [`Fault::Drop`]: abandons even a write blocked on a client that does
    /// not read.
    abort: CancellationToken,
    data: mpsc::Sender<Frame>,
    control: mpsc::UnboundedSender<Ordered>,
    stalled_until: Option<Instant>,
    /// `socket_closing` was sent on it (it closes itself after the grace period).
    closing: bool,
    /// Frames queued on `data` so far; stamped on every control command. Shared with
    /// back-pressured publishers ([`Subscriber`]), which queue without the state's lock.
    queued: Arc<AtomicU64>,
}

/// A control command stamped with the number of frames queued before it, so the socket
/// task writes those first: a fault injected after a publish arrives after its event.
#[derive(Debug)]
pub(crate) struct Ordered {
    pub(crate) after: u64,
    pub(crate) control: Control,
}

impl SocketLink {
    fn send(&self, control: Control) {
        // The task may already be gone; then there is nothing left to tell it.
        let _ = self.control.send(Ordered {
            after: self.queued.load(Ordering::Relaxed),
            control,
        });
    }

    fn close(&self, frames: Vec<Frame>, code: u16, reason: &'static str) {
        self.send(Control::Close {
            frames,
            code,
            reason,
        });
    }
}

/// One subscribed channel as seen by a back-pressured publish, taken under the lock and
/// used without it.
#[derive(Debug)]
pub(crate) struct Subscriber {
    counters: Arc<Counters>,
    /// The socket's frame queue and its `queued` count; `None` once unusable.
    queue: Option<(mpsc::Sender<Frame>, Arc<AtomicU64>)>,
}

impl Subscriber {
    /// Queues `frame`, waiting for room; returns whether it was queued. A frame that finds
    /// no usable socket (none, stalled when the publish began, or closed since) counts as
    /// lost.
    pub(crate) async fn send(&mut self, frame: &Frame) -> bool {
        if let Some((data, queued)) = &self.queue {
            if data.send(frame.clone()).await.is_ok() {
                // After the send: a control stamped from now on is written after this frame.
                queued.fetch_add(1, Ordering::Relaxed);
                return true;
            }
            // The socket task is gone; later frames fail at once.
            self.queue = None;
        }
        self.counters.lost.fetch_add(1, Ordering::Relaxed);
        false
    }
}

#[derive(Debug)]
struct Channel {
    id: String,
    client_id: String,
    token: Option<String>,
    expires: Instant,
    last_used: Instant,
    /// Normalised key → topic name as subscribed.
    topics: BTreeMap<String, String>,
    socket: Option<SocketLink>,
    /// With [`ProtocolOptions::closing_socket_keeps_delivering`]: the announced-closing
    /// socket a newer one replaced, still delivering until its grace period ends.
    ///
    /// [`ProtocolOptions::closing_socket_keeps_delivering`]: crate::ProtocolOptions::closing_socket_keeps_delivering
    closing: Option<SocketLink>,
    connections: u64,
    requests: SubscribeRequests,
    counters: Arc<Counters>,
    reject_next_subscribe: bool,
    refuse_until: Option<Instant>,
}

#[derive(Debug)]
struct Token {
    client_id: String,
    expires: Instant,
    revoked: bool,
}

/// Who sent a subscription change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Via {
    Rest,
    Ws,
}

/// `PUT` replaces, `POST` and the socket `subscribe` message add, the optional socket
/// `unsubscribe` message removes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    Replace,
    Add,
    Remove,
}

/// One entry of a `ChannelTopicEntityListing`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TopicResult {
    pub(crate) id: String,
    pub(crate) rejected: Option<(String, Vec<String>)>,
}

impl TopicResult {
    fn permitted(id: &str) -> TopicResult {
        TopicResult {
            id: id.to_owned(),
            rejected: None,
        }
    }

    pub(crate) fn to_json(&self) -> Value {
        match &self.rejected {
            None => json!({"id": self.id, "state": "Permitted"}),
            Some((reason, missing)) => json!({
                "id": self.id,
                "state": "Rejected",
                "rejectionReason": reason,
                "missingPermissions": missing,
            }),
        }
    }
}

/// Why a subscription request failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum SubscribeError {
    NotFound,
    /// Injected by [`Fault::RejectNextSubscribe`].
    Injected,
    Invalid(String),
    TooMany {
        count: usize,
        max: usize,
    },
    Forbidden(Vec<TopicResult>),
}

impl SubscribeError {
    pub(crate) fn message(&self) -> String {
        match self {
            SubscribeError::NotFound => "channel not found".to_owned(),
            SubscribeError::Injected => "subscription rejected (injected fault)".to_owned(),
            SubscribeError::Invalid(m) => m.clone(),
            SubscribeError::TooMany { count, max } => {
                format!("too many topics: {count} exceeds the limit of {max}")
            }
            SubscribeError::Forbidden(rejected) => {
                let ids: Vec<&str> = rejected.iter().map(|r| r.id.as_str()).collect();
                format!("missing permissions for topics: {}", ids.join(", "))
            }
        }
    }
}

/// Why a WebSocket handshake is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ConnectError {
    NotFound,
    Refused,
}

/// Why a bearer token is not accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AuthError {
    Unknown,
    Expired,
    Revoked,
}

/// What a new socket task needs.
#[derive(Debug)]
pub(crate) struct Attached {
    pub(crate) conn_id: u64,
    pub(crate) data: mpsc::Receiver<Frame>,
    pub(crate) control: mpsc::UnboundedReceiver<Ordered>,
    pub(crate) counters: Arc<Counters>,
    pub(crate) abort: CancellationToken,
}

#[derive(Debug)]
struct Window {
    start: Instant,
    count: u32,
}

/// The whole model. Lives behind a `Mutex` in [`crate::server::Shared`]; no method blocks.
pub(crate) struct State {
    config: Arc<SimConfig>,
    clock: Clock,
    ws_base: String,
    rng: fastrand::Rng,
    tokens: HashMap<String, Token>,
    channels: HashMap<String, Channel>,
    /// Normalised topic → channels subscribed to it.
    index: HashMap<String, HashSet<String>>,
    windows: HashMap<String, Window>,
    next_conn_id: u64,
    published: u64,
    /// During a simulated outage: REST and handshakes answer 503 until then.
    outage_until: Option<Instant>,
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Token values are credentials: show counts only.
        f.debug_struct("State")
            .field("tokens", &self.tokens.len())
            .field("channels", &self.channels.len())
            .field("topics", &self.index.len())
            .field("published", &self.published)
            .finish_non_exhaustive()
    }
}

impl State {
    pub(crate) fn new(config: Arc<SimConfig>, clock: Clock, ws_base: String) -> State {
        let rng = fastrand::Rng::with_seed(config.seed);
        State {
            config,
            clock,
            ws_base,
            rng,
            tokens: HashMap::new(),
            channels: HashMap::new(),
            index: HashMap::new(),
            windows: HashMap::new(),
            next_conn_id: 0,
            published: 0,
            outage_until: None,
        }
    }

    /// ISO-8601 timestamp of `t`.
    pub(crate) fn iso(&self, t: Instant) -> String {
        self.clock.iso(t)
    }

    /// The index key of a topic: itself, or lower-cased with case-insensitive matching.
    /// Borrows in the default (exact) case so publishing allocates nothing.
    fn key<'a>(&self, topic: &'a str) -> Cow<'a, str> {
        if self.config.protocol.case_insensitive_topics {
            Cow::Owned(topic.to_ascii_lowercase())
        } else {
            Cow::Borrowed(topic)
        }
    }

    fn random_string(&mut self, len: usize) -> String {
        const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
        (0..len)
            .map(|_| char::from(ALPHABET[self.rng.usize(..ALPHABET.len())]))
            .collect()
    }

    /// A UUID-v4-shaped id from the seeded generator.
    pub(crate) fn uuid(&mut self) -> String {
        format_uuid(self.rng.u64(..), self.rng.u64(..))
    }

    // ---------------------------------------------------------------- OAuth

    /// Checks client credentials; `true` when they match a configured client.
    pub(crate) fn check_client(&self, client_id: &str, secret: &str) -> bool {
        self.config
            .clients
            .iter()
            .any(|(id, s)| id == client_id && s == secret)
    }

    /// Mints an access token for `client_id`.
    pub(crate) fn issue_token(&mut self, client_id: &str, now: Instant) -> String {
        if self.tokens.len() > 10_000 {
            self.tokens.retain(|_, t| t.expires > now);
        }
        let token = format!("sim-{}", self.random_string(40));
        self.tokens.insert(
            token.clone(),
            Token {
                client_id: client_id.to_owned(),
                expires: later(now, self.config.token_lifetime),
                revoked: false,
            },
        );
        token
    }

    /// The client a bearer token belongs to.
    pub(crate) fn authenticate(&self, token: &str, now: Instant) -> Result<String, AuthError> {
        let t = self.tokens.get(token).ok_or(AuthError::Unknown)?;
        if t.revoked {
            Err(AuthError::Revoked)
        } else if now >= t.expires {
            Err(AuthError::Expired)
        } else {
            Ok(t.client_id.clone())
        }
    }

    /// Revokes every token of `client_id`; with token coupling, closes their channels.
    /// Returns the number of tokens revoked.
    pub(crate) fn revoke_tokens(&mut self, client_id: &str) -> usize {
        let mut revoked = 0;
        for t in self.tokens.values_mut() {
            if t.client_id == client_id && !t.revoked {
                t.revoked = true;
                revoked += 1;
            }
        }
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
        let Some(limit) = self.config.rate_limit else {
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

    // ---------------------------------------------------------------- channels

    fn info(&self, c: &Channel) -> ChannelInfo {
        ChannelInfo {
            id: c.id.clone(),
            connect_uri: format!("{}/channels/{}", self.ws_base, c.id),
            expires: self.clock.iso(c.expires),
        }
    }

    /// Creates a channel for `client_id`, evicting the least recently used one (unconnected
    /// first) when the client is at its limit.
    pub(crate) fn create_channel(
        &mut self,
        client_id: &str,
        token: Option<&str>,
        now: Instant,
    ) -> ChannelInfo {
        let owned: Vec<&Channel> = self
            .channels
            .values()
            .filter(|c| c.client_id == client_id)
            .collect();
        if owned.len() >= self.config.max_channels_per_client.max(1) {
            let victim = owned
                .iter()
                .min_by_key(|c| (c.socket.is_some(), c.last_used, c.id.clone()))
                .map(|c| c.id.clone());
            if let Some(victim) = victim {
                self.remove_channel(&victim, Removal::Evicted);
            }
        }
        let id = format!("streaming-0-{}", self.random_string(26));
        let channel = Channel {
            id: id.clone(),
            client_id: client_id.to_owned(),
            token: token.map(str::to_owned),
            expires: later(now, self.config.channel_lifetime),
            last_used: now,
            topics: BTreeMap::new(),
            socket: None,
            closing: None,
            connections: 0,
            requests: SubscribeRequests::default(),
            counters: Arc::new(Counters::default()),
            reject_next_subscribe: false,
            refuse_until: None,
        };
        let info = self.info(&channel);
        self.channels.insert(id, channel);
        info
    }

    /// Channels of `client_id` for `GET /channels`: this token's only, or all
    /// (`oauthclient`), shaped per [`OtherTokenChannels`].
    pub(crate) fn list_channels(&self, client_id: &str, token: &str, all: bool) -> Vec<Value> {
        let mut own: Vec<&Channel> = self
            .channels
            .values()
            .filter(|c| c.client_id == client_id)
            .collect();
        own.sort_by_key(|c| (c.expires, c.id.clone()));
        own.into_iter()
            .filter_map(|c| {
                let mine = c.token.as_deref() == Some(token);
                let info = self.info(c);
                if mine
                    || (all
                        && self.config.protocol.other_token_channels == OtherTokenChannels::Full)
                {
                    serde_json::to_value(info).ok()
                } else if all {
                    Some(json!({"expires": info.expires}))
                } else {
                    None
                }
            })
            .collect()
    }

    /// `HEAD /channels/{id}`: whether it exists for this client.
    pub(crate) fn touch_channel(&mut self, client_id: &str, id: &str, now: Instant) -> bool {
        match self.channels.get_mut(id) {
            Some(c) if c.client_id == client_id => {
                c.last_used = now;
                true
            }
            _ => false,
        }
    }

    /// Whether channel `id` belongs to `client_id`.
    pub(crate) fn owns(&self, client_id: &str, id: &str) -> bool {
        self.channels
            .get(id)
            .is_some_and(|c| c.client_id == client_id)
    }

    /// The earliest instant at which [`State::sweep`] has work.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        let coupled = self.config.protocol.token_expiry_closes_channels;
        self.channels
            .values()
            .map(|c| {
                let token = c
                    .token
                    .as_ref()
                    .filter(|_| coupled)
                    .and_then(|t| self.tokens.get(t))
                    .map(|t| t.expires);
                token.map_or(c.expires, |t| t.min(c.expires))
            })
            .min()
    }

    /// Removes channels that expired (or whose token expired, with coupling) by `now`.
    pub(crate) fn sweep(&mut self, now: Instant) {
        let coupled = self.config.protocol.token_expiry_closes_channels;
        let mut due = Vec::new();
        for c in self.channels.values() {
            if c.expires <= now {
                due.push((c.id.clone(), Removal::Expired));
            } else if coupled {
                let token_dead = c
                    .token
                    .as_ref()
                    .and_then(|t| self.tokens.get(t))
                    .is_some_and(|t| t.revoked || t.expires <= now);
                if token_dead {
                    due.push((c.id.clone(), Removal::TokenExpired));
                }
            }
        }
        for (id, why) in due {
            self.remove_channel(&id, why);
        }
    }

    fn remove_channel(&mut self, id: &str, why: Removal) {
        let Some(c) = self.channels.remove(id) else {
            return;
        };
        self.unindex(id, c.topics.keys());
        if let Some(old) = c.closing {
            let kicked = self.config.protocol.close_codes.kicked;
            old.close(Vec::new(), kicked, "replaced by a new connection");
        }
        let Some(link) = c.socket else {
            return;
        };
        let config = Arc::clone(&self.config);
        let p = &config.protocol;
        let mut frames = Vec::new();
        let (code, reason, message) = match why {
            Removal::Expired => (p.close_codes.expired, "channel expired", "channel expired"),
            Removal::Evicted => (
                p.close_codes.evicted,
                "channel evicted",
                "channel replaced: too many channels",
            ),
            Removal::TokenExpired => (
                p.close_codes.token_expired,
                "token expired",
                "the channel's token expired",
            ),
        };
        if why == Removal::Expired {
            match p.expiry {
                ExpiryBehaviour::Silent => return,
                ExpiryBehaviour::NoticeThenClose => {
                    let corr = self.uuid();
                    let body = frames::system_body(
                        id,
                        "no_longer_subscribed",
                        &c.client_id,
                        "expired",
                        "The channel has expired",
                        &corr,
                    );
                    let topic = format!("v2.system.no_longer_subscribed.{id}");
                    frames.push(Frame::envelope(&topic, &body, &corr));
                }
                ExpiryBehaviour::Close => {}
            }
        }
        if p.not_found_frame {
            frames.push(frames::result_not_found(message));
        }
        link.close(frames, code, reason);
    }

    // ---------------------------------------------------------------- subscriptions

    /// Topics of a channel (`GET .../subscriptions`).
    pub(crate) fn topics(&self, id: &str) -> Option<Vec<String>> {
        self.channels
            .get(id)
            .map(|c| c.topics.values().cloned().collect())
    }

    /// `PUT`/`POST .../subscriptions` and the socket `subscribe` message.
    pub(crate) fn subscribe(
        &mut self,
        id: &str,
        entries: &[String],
        mode: Mode,
        ignore_errors: bool,
        via: Via,
        now: Instant,
    ) -> Result<Vec<TopicResult>, SubscribeError> {
        let config = Arc::clone(&self.config);
        let max_len = config.max_topic_len;
        let max_topics = config.max_topics;
        let counting = config.protocol.topic_counting;
        let extend = matches!(
            (config.protocol.extend_on, via),
            (ExtendOn::Any, _) | (ExtendOn::Rest, Via::Rest) | (ExtendOn::Ws, Via::Ws)
        );
        let lifetime = config.channel_lifetime;
        let denied = &config.denied_topics;

        let c = self.channels.get_mut(id).ok_or(SubscribeError::NotFound)?;
        match via {
            Via::Rest => c.requests.rest += 1,
            Via::Ws => c.requests.ws += 1,
        }
        c.last_used = now;
        if std::mem::take(&mut c.reject_next_subscribe) {
            return Err(SubscribeError::Injected);
        }

        // Validate and expand every entry before changing anything.
        let mut expanded: Vec<(String, Vec<String>)> = Vec::with_capacity(entries.len());
        for entry in entries {
            let topics = topics::expand(entry, max_len)
                .map_err(|e: TopicError| SubscribeError::Invalid(e.message()))?;
            expanded.push((entry.clone(), topics));
        }

        // Permission checks.
        let mut rejected: Vec<TopicResult> = Vec::new();
        let mut permitted: Vec<String> = Vec::new();
        let mut response: Vec<TopicResult> = Vec::new();
        for (entry, topics) in &expanded {
            let mut any_permitted = false;
            for t in topics {
                let denial = if mode == Mode::Remove {
                    None
                } else {
                    denied.iter().find(|d| topics::glob_match(&d.pattern, t))
                };
                match denial {
                    Some(d) => rejected.push(TopicResult {
                        id: t.clone(),
                        rejected: Some((
                            format!("Missing permissions for topic {t}"),
                            d.missing_permissions.clone(),
                        )),
                    }),
                    None => {
                        any_permitted = true;
                        permitted.push(t.clone());
                    }
                }
            }
            if any_permitted {
                response.push(TopicResult::permitted(entry));
            }
        }
        if !rejected.is_empty() && !ignore_errors {
            return Err(SubscribeError::Forbidden(rejected));
        }

        // The resulting set, then the limit.
        let case_insensitive = config.protocol.case_insensitive_topics;
        let key = |t: &str| {
            if case_insensitive {
                t.to_ascii_lowercase()
            } else {
                t.to_owned()
            }
        };
        let mut next: BTreeMap<String, String> = match mode {
            Mode::Replace => BTreeMap::new(),
            Mode::Add | Mode::Remove => c.topics.clone(),
        };
        for t in &permitted {
            if mode == Mode::Remove {
                next.remove(&key(t));
            } else {
                next.entry(key(t)).or_insert_with(|| t.clone());
            }
        }
        let count = match counting {
            TopicCounting::Expanded => next.len(),
            TopicCounting::Entries => match mode {
                Mode::Add => c.topics.len() + entries.len(),
                Mode::Replace => entries.len(),
                Mode::Remove => next.len(),
            },
        };
        if count > max_topics {
            return Err(SubscribeError::TooMany {
                count,
                max: max_topics,
            });
        }

        // Apply.
        let old = std::mem::replace(&mut c.topics, next);
        if extend {
            c.expires = later(now, lifetime);
        }
        let full: Vec<TopicResult> = c
            .topics
            .values()
            .map(|t| TopicResult::permitted(t))
            .collect();
        let new_keys: Vec<String> = c.topics.keys().cloned().collect();
        let dropped: Vec<String> = old
            .into_keys()
            .filter(|k| !c.topics.contains_key(k))
            .collect();
        self.unindex(id, dropped.iter());
        for k in new_keys {
            self.index.entry(k).or_default().insert(id.to_owned());
        }

        let mut result = match (mode, config.protocol.post_response) {
            (Mode::Add, PostResponse::Added) => response,
            _ => full,
        };
        result.extend(rejected);
        Ok(result)
    }

    // ---------------------------------------------------------------- sockets

    /// Whether a handshake to channel `id` may proceed.
    pub(crate) fn check_connect(&self, id: &str, now: Instant) -> Result<(), ConnectError> {
        let c = self.channels.get(id).ok_or(ConnectError::NotFound)?;
        if self.in_outage(now) || c.refuse_until.is_some_and(|t| now < t) {
            return Err(ConnectError::Refused);
        }
        Ok(())
    }

    /// Registers a new socket on channel `id`, closing the previous one ("kicked").
    pub(crate) fn attach(
        &mut self,
        id: &str,
        now: Instant,
        abort: CancellationToken,
    ) -> Result<Attached, ConnectError> {
        let capacity = self.config.socket_queue_capacity.max(1);
        let kicked = self.config.protocol.close_codes.kicked;
        self.next_conn_id += 1;
        let conn_id = self.next_conn_id;
        let c = self.channels.get_mut(id).ok_or(ConnectError::NotFound)?;
        let (data_tx, data_rx) = mpsc::channel(capacity);
        let (control_tx, control_rx) = mpsc::unbounded_channel();
        let link = SocketLink {
            conn_id,
            abort: abort.clone(),
            data: data_tx,
            control: control_tx,
            stalled_until: None,
            closing: false,
            queued: Arc::new(AtomicU64::new(0)),
        };
        let keep_closing = self.config.protocol.closing_socket_keeps_delivering;
        if let Some(old) = c.socket.replace(link) {
            if keep_closing && old.closing {
                if let Some(older) = c.closing.replace(old) {
                    older.close(Vec::new(), kicked, "replaced by a new connection");
                }
            } else {
                old.close(Vec::new(), kicked, "replaced by a new connection");
            }
        }
        c.connections += 1;
        c.last_used = now;
        Ok(Attached {
            conn_id,
            data: data_rx,
            control: control_rx,
            counters: Arc::clone(&c.counters),
            abort,
        })
    }

    /// Forgets socket `conn_id` of channel `id` if it is still the current one.
    pub(crate) fn detach(&mut self, id: &str, conn_id: u64, now: Instant) {
        if let Some(c) = self.channels.get_mut(id)
            && c.socket.as_ref().is_some_and(|s| s.conn_id == conn_id)
        {
            c.socket = None;
            c.last_used = now;
        }
        if let Some(c) = self.channels.get_mut(id)
            && c.closing.as_ref().is_some_and(|s| s.conn_id == conn_id)
        {
            c.closing = None;
        }
    }

    // ---------------------------------------------------------------- publishing

    /// Queues `frame` on every open socket subscribed to `topic`; returns how many.
    /// Subscribed channels without a usable socket count the frame as lost.
    pub(crate) fn publish(&mut self, topic: &str, frame: &Frame, now: Instant) -> usize {
        self.published += 1;
        let key = self.key(topic);
        let Some(ids) = self.index.get(key.as_ref()) else {
            return 0;
        };
        let mut delivered = 0;
        for id in ids {
            let Some(c) = self.channels.get_mut(id) else {
                continue;
            };
            let queued = match &mut c.socket {
                Some(link) if link.stalled_until.is_none_or(|t| now >= t) => {
                    let ok = link.data.try_send(frame.clone()).is_ok();
                    link.queued.fetch_add(u64::from(ok), Ordering::Relaxed);
                    ok
                }
                _ => false,
            };
            // A closing socket kept by `closing_socket_keeps_delivering` gets a copy too.
            let copied = match &mut c.closing {
                Some(link) if link.stalled_until.is_none_or(|t| now >= t) => {
                    let ok = link.data.try_send(frame.clone()).is_ok();
                    link.queued.fetch_add(u64::from(ok), Ordering::Relaxed);
                    ok
                }
                _ => false,
            };
            if queued || copied {
                delivered += 1;
            } else {
                c.counters.lost.fetch_add(1, Ordering::Relaxed);
            }
        }
        delivered
    }

    /// The channels subscribed to `topic`, for a publish that waits for room in the socket
    /// queues instead of counting frames as lost ([`Subscriber::send`]). A channel without a
    /// socket, or whose socket is stalled, gets no queue: its frames count as lost, as with
    /// [`State::publish`].
    pub(crate) fn subscribers(&self, topic: &str, now: Instant) -> Vec<Subscriber> {
        let key = self.key(topic);
        let Some(ids) = self.index.get(key.as_ref()) else {
            return Vec::new();
        };
        ids.iter()
            .filter_map(|id| self.channels.get(id))
            .map(|c| Subscriber {
                counters: Arc::clone(&c.counters),
                queue: c
                    .socket
                    .as_ref()
                    .filter(|link| link.stalled_until.is_none_or(|t| now >= t))
                    .map(|link| (link.data.clone(), Arc::clone(&link.queued))),
            })
            .collect()
    }

    /// Counts `n` events published outside [`State::publish`].
    pub(crate) fn count_published(&mut self, n: u64) {
        self.published += n;
    }

    /// Every subscribed topic, sorted (for the generator).
    pub(crate) fn subscribed_topics(&self) -> Vec<String> {
        let mut all: Vec<String> = self
            .channels
            .values()
            .flat_map(|c| c.topics.values().cloned())
            .collect();
        all.sort();
        all.dedup();
        all
    }

    // ---------------------------------------------------------------- faults

    /// Applies a fault to channel `id`.
    pub(crate) fn fault(&mut self, id: &str, fault: Fault, now: Instant) -> Result<(), SimError> {
        if !self.channels.contains_key(id) {
            return Err(SimError::UnknownChannel(id.to_owned()));
        }
        let corr = self.uuid();
        let kicked = self.config.protocol.close_codes.kicked;
        let not_connected = || SimError::NotConnected(id.to_owned());
        match fault {
            Fault::Expire => self.remove_channel(id, Removal::Expired),
            Fault::Evict => self.remove_channel(id, Removal::Evicted),
            Fault::NoLongerSubscribed => {
                let Some(c) = self.channels.get_mut(id) else {
                    return Err(SimError::UnknownChannel(id.to_owned()));
                };
                if let Some(link) = &c.socket {
                    let body = frames::system_body(
                        id,
                        "no_longer_subscribed",
                        &c.client_id,
                        "no_longer_subscribed",
                        "The channel is no longer subscribed to its topics",
                        &corr,
                    );
                    let topic = format!("v2.system.no_longer_subscribed.{id}");
                    link.send(Control::Text(Frame::envelope(&topic, &body, &corr)));
                }
                let old = std::mem::take(&mut c.topics);
                self.unindex(id, old.keys());
            }
            other => {
                let Some(c) = self.channels.get_mut(id) else {
                    return Err(SimError::UnknownChannel(id.to_owned()));
                };
                match other {
                    Fault::RejectNextSubscribe => c.reject_next_subscribe = true,
                    Fault::RefuseConnections { duration } => {
                        c.refuse_until = Some(later(now, duration));
                    }
                    Fault::Kick => {
                        let link = c.socket.take().ok_or_else(not_connected)?;
                        link.close(Vec::new(), kicked, "replaced by a new connection");
                    }
                    Fault::Drop => {
                        let link = c.socket.take().ok_or_else(not_connected)?;
                        link.abort.cancel();
                        link.send(Control::Drop);
                    }
                    Fault::Stall { duration } => {
                        let link = c.socket.as_mut().ok_or_else(not_connected)?;
                        let until = later(now, duration);
                        link.stalled_until = Some(until);
                        link.send(Control::Stall(until));
                    }
                    Fault::SocketClosing => {
                        let link = c.socket.as_mut().ok_or_else(not_connected)?;
                        link.closing = true;
                        let body = frames::system_body(
                            id,
                            "socket_closing",
                            &c.client_id,
                            "maintenance",
                            "The WebSocket is closing for maintenance; reconnect to the channel",
                            &corr,
                        );
                        let frame = Frame::envelope("v2.system.socket_closing", &body, &corr);
                        link.send(Control::SocketClosing(frame));
                    }
                    Fault::RawText(text) => {
                        let link = c.socket.as_ref().ok_or_else(not_connected)?;
                        link.send(Control::Text(Frame::text(text)));
                    }
                    Fault::RawBinary(bytes) => {
                        let link = c.socket.as_ref().ok_or_else(not_connected)?;
                        link.send(Control::Binary(bytes));
                    }
                    Fault::Oversize { bytes } => {
                        if bytes > MAX_OVERSIZE {
                            return Err(SimError::InvalidFault(format!(
                                "oversize frames are limited to {MAX_OVERSIZE} bytes"
                            )));
                        }
                        let link = c.socket.as_ref().ok_or_else(not_connected)?;
                        link.send(Control::Text(frames::oversize(bytes, &corr)));
                    }
                    Fault::Expire | Fault::Evict | Fault::NoLongerSubscribed => {}
                }
            }
        }
        Ok(())
    }

    fn unindex<'a>(&mut self, id: &str, keys: impl Iterator<Item = &'a String>) {
        for key in keys {
            if let Some(set) = self.index.get_mut(key) {
                set.remove(id);
                if set.is_empty() {
                    self.index.remove(key);
                }
            }
        }
    }

    /// Starts a service-wide outage: every socket is dropped without a close frame, and
    /// REST and handshakes answer 503 for `duration`. Channels and subscriptions survive.
    pub(crate) fn outage(&mut self, duration: Duration, now: Instant) {
        self.outage_until = Some(later(now, duration));
        for c in self.channels.values_mut() {
            for link in [c.socket.take(), c.closing.take()].into_iter().flatten() {
                link.abort.cancel();
                link.send(Control::Drop);
            }
        }
    }

    /// Whether a simulated outage is in progress.
    pub(crate) fn in_outage(&self, now: Instant) -> bool {
        self.outage_until.is_some_and(|t| now < t)
    }

    // ---------------------------------------------------------------- stats

    pub(crate) fn stats(&self) -> Stats {
        let mut channels: Vec<ChannelStats> = self
            .channels
            .values()
            .map(|c| ChannelStats {
                id: c.id.clone(),
                client_id: c.client_id.clone(),
                connected: c.socket.is_some(),
                connections: c.connections,
                subscribe_requests: c.requests,
                topics: c.topics.values().cloned().collect(),
                delivered: c.counters.delivered.load(Ordering::Relaxed),
                lost: c.counters.lost.load(Ordering::Relaxed),
                expires: self.clock.iso(c.expires),
            })
            .collect();
        channels.sort_by(|a, b| a.id.cmp(&b.id));
        Stats {
            published: self.published,
            channels,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Removal {
    Expired,
    Evicted,
    TokenExpired,
}

/// `t + d`, saturating at a century from `t` instead of overflowing: durations come from
/// configuration and control requests and must never panic.
pub(crate) fn later(t: Instant, d: Duration) -> Instant {
    const CENTURY: Duration = Duration::from_secs(100 * 365 * 24 * 3600);
    t + d.min(CENTURY)
}

/// Largest [`Fault::Oversize`] frame (256 MiB).
pub(crate) const MAX_OVERSIZE: usize = 256 << 20;

/// Formats 128 random bits as a version-4 UUID.
pub(crate) fn format_uuid(hi: u64, lo: u64) -> String {
    let hi = (hi & 0xffff_ffff_ffff_0fff) | 0x0000_0000_0000_4000;
    let lo = (lo & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000;
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        hi >> 32,
        (hi >> 16) & 0xffff,
        hi & 0xffff,
        lo >> 48,
        lo & 0xffff_ffff_ffff
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::config::DeniedTopic;

    fn state(config: SimConfig) -> State {
        State::new(Arc::new(config), Clock::new(), "ws://sim".to_owned())
    }

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn huge_durations_saturate() {
        let t = Instant::now();
        assert!(later(t, Duration::MAX) > t + Duration::from_secs(3600 * 24 * 365));
        let mut s = state(SimConfig {
            channel_lifetime: Duration::MAX,
            token_lifetime: Duration::MAX,
            ..SimConfig::default()
        });
        let ch = s.create_channel("c", None, t);
        s.issue_token("c", t);
        s.fault(
            &ch.id,
            Fault::RefuseConnections {
                duration: Duration::MAX,
            },
            t,
        )
        .unwrap();
        let err = s
            .fault(&ch.id, Fault::Oversize { bytes: usize::MAX }, t)
            .unwrap_err();
        assert!(matches!(err, SimError::InvalidFault(_)));
    }

    #[test]
    fn uuid_shape() {
        let u = format_uuid(u64::MAX, u64::MAX);
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"));
    }

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
    }

    #[test]
    fn subscriptions_expand_extend_and_limit() {
        let mut s = state(SimConfig {
            max_topics: 3,
            ..SimConfig::default()
        });
        let t0 = Instant::now();
        let ch = s.create_channel("c", None, t0);
        let t1 = t0 + Duration::from_secs(100);
        let r = s
            .subscribe(
                &ch.id,
                &strings(&["v2.users.u?presence&routingStatus"]),
                Mode::Add,
                false,
                Via::Rest,
                t1,
            )
            .unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(
            s.topics(&ch.id).unwrap(),
            strings(&["v2.users.u.presence", "v2.users.u.routingStatus"])
        );
        assert_eq!(s.next_deadline(), Some(t1 + Duration::from_secs(24 * 3600)));
        let err = s
            .subscribe(
                &ch.id,
                &strings(&["a.b", "a.c"]),
                Mode::Add,
                false,
                Via::Ws,
                t1,
            )
            .unwrap_err();
        assert_eq!(err, SubscribeError::TooMany { count: 4, max: 3 });
        // A failed request changes nothing.
        assert_eq!(s.topics(&ch.id).unwrap().len(), 2);
        s.subscribe(
            &ch.id,
            &strings(&["a.b"]),
            Mode::Replace,
            false,
            Via::Ws,
            t1,
        )
        .unwrap();
        assert_eq!(s.topics(&ch.id).unwrap(), strings(&["a.b"]));
        assert_eq!(
            s.stats().channels[0].subscribe_requests,
            SubscribeRequests { rest: 1, ws: 2 }
        );
    }

    #[test]
    fn remove_mode_drops_expanded_topics() {
        let mut s = state(SimConfig::default());
        let t = Instant::now();
        let ch = s.create_channel("c", None, t);
        let add = strings(&["v2.users.u?presence&routingStatus&activity"]);
        s.subscribe(&ch.id, &add, Mode::Add, false, Via::Ws, t)
            .unwrap();
        let remove = strings(&["v2.users.u?presence&activity", "not.subscribed"]);
        s.subscribe(&ch.id, &remove, Mode::Remove, false, Via::Ws, t)
            .unwrap();
        assert_eq!(
            s.topics(&ch.id).unwrap(),
            strings(&["v2.users.u.routingStatus"])
        );
        let _sock = s.attach(&ch.id, t, CancellationToken::new()).unwrap();
        assert_eq!(s.publish("v2.users.u.presence", &Frame::text("x"), t), 0);
        assert_eq!(
            s.publish("v2.users.u.routingStatus", &Frame::text("x"), t),
            1
        );
    }

    #[test]
    fn denied_topics_fail_the_batch_or_are_reported() {
        let mut s = state(SimConfig {
            denied_topics: vec![DeniedTopic::new("v2.users.*.routingStatus")],
            ..SimConfig::default()
        });
        let now = Instant::now();
        let ch = s.create_channel("c", None, now);
        let entries = strings(&["v2.users.u?presence&routingStatus"]);
        let err = s
            .subscribe(&ch.id, &entries, Mode::Add, false, Via::Rest, now)
            .unwrap_err();
        assert!(matches!(err, SubscribeError::Forbidden(ref r) if r.len() == 1));
        assert!(s.topics(&ch.id).unwrap().is_empty());
        let r = s
            .subscribe(&ch.id, &entries, Mode::Add, true, Via::Rest, now)
            .unwrap();
        let json: Vec<Value> = r.iter().map(TopicResult::to_json).collect();
        assert_eq!(
            json[0],
            json!({"id": "v2.users.u.presence", "state": "Permitted"})
        );
        assert_eq!(json[1]["id"], "v2.users.u.routingStatus");
        assert_eq!(json[1]["state"], "Rejected");
        assert_eq!(
            json[1]["missingPermissions"],
            json!(["notifications:topic:view"])
        );
    }

    #[test]
    fn post_added_response_echoes_combined_entry() {
        let mut config = SimConfig {
            denied_topics: vec![DeniedTopic::new("v2.users.*.routingStatus")],
            ..SimConfig::default()
        };
        config.protocol.post_response = PostResponse::Added;
        let mut s = state(config);
        let now = Instant::now();
        let ch = s.create_channel("c", None, now);
        let entries = strings(&["v2.users.u?presence&routingStatus"]);
        let r = s
            .subscribe(&ch.id, &entries, Mode::Add, true, Via::Rest, now)
            .unwrap();
        assert_eq!(
            r[0],
            TopicResult::permitted("v2.users.u?presence&routingStatus")
        );
        assert_eq!(r[1].id, "v2.users.u.routingStatus");
        assert!(r[1].rejected.is_some());
    }

    #[test]
    fn eviction_prefers_unconnected_then_oldest() {
        let mut s = state(SimConfig {
            max_channels_per_client: 3,
            ..SimConfig::default()
        });
        let t = Instant::now();
        let a = s.create_channel("c", None, t);
        let b = s.create_channel("c", None, t + Duration::from_secs(1));
        let c = s.create_channel("c", None, t + Duration::from_secs(2));
        let _other = s.create_channel("other", None, t);
        // `a` is the oldest but connected; `b` is the oldest unconnected.
        let mut sock_a = s
            .attach(&a.id, t + Duration::from_secs(3), CancellationToken::new())
            .unwrap();
        let _d = s.create_channel("c", None, t + Duration::from_secs(4));
        assert!(s.owns("c", &a.id));
        assert!(!s.owns("c", &b.id));
        assert!(s.owns("c", &c.id));
        // Now all unconnected except `a`: `c` (t+2) goes before `d` (t+4).
        let _e = s.create_channel("c", None, t + Duration::from_secs(5));
        assert!(!s.owns("c", &c.id));
        // With only connected channels left, the least recently used connected one goes.
        assert!(sock_a.control.try_recv().is_err());
        s.detach(&a.id, sock_a.conn_id, t + Duration::from_secs(6));
        assert_eq!(
            s.stats()
                .channels
                .iter()
                .filter(|c| c.client_id == "c")
                .count(),
            3
        );
    }

    #[test]
    fn evicting_a_connected_channel_closes_its_socket() {
        let mut s = state(SimConfig {
            max_channels_per_client: 1,
            ..SimConfig::default()
        });
        let t = Instant::now();
        let a = s.create_channel("c", None, t);
        let mut sock = s.attach(&a.id, t, CancellationToken::new()).unwrap();
        s.create_channel("c", None, t);
        assert!(matches!(
            sock.control.try_recv(),
            Ok(Ordered {
                after: 0,
                control: Control::Close { code: 1000, .. }
            })
        ));
        assert_eq!(s.check_connect(&a.id, t), Err(ConnectError::NotFound));
    }

    #[test]
    fn publish_counts_delivered_and_lost() {
        let mut s = state(SimConfig {
            socket_queue_capacity: 1,
            ..SimConfig::default()
        });
        let t = Instant::now();
        let a = s.create_channel("c", None, t);
        let b = s.create_channel("c", None, t);
        for id in [&a.id, &b.id] {
            s.subscribe(id, &strings(&["x.y"]), Mode::Add, false, Via::Rest, t)
                .unwrap();
        }
        let mut sock = s.attach(&a.id, t, CancellationToken::new()).unwrap();
        let f = Frame::text("f");
        assert_eq!(s.publish("x.y", &f, t), 1); // b has no socket: lost
        assert_eq!(s.publish("x.y", &f, t), 0); // a's queue is full: lost
        assert_eq!(s.publish("nobody", &f, t), 0);
        assert_eq!(sock.data.try_recv().unwrap(), f);
        let stats = s.stats();
        assert_eq!(stats.channel(&a.id).unwrap().lost, 1);
        assert_eq!(stats.channel(&b.id).unwrap().lost, 2);
        assert_eq!(stats.published, 3);
        // Stalled sockets lose events too.
        s.fault(
            &a.id,
            Fault::Stall {
                duration: Duration::from_secs(5),
            },
            t,
        )
        .unwrap();
        assert_eq!(s.publish("x.y", &f, t + Duration::from_secs(4)), 0);
        assert_eq!(s.publish("x.y", &f, t + Duration::from_secs(5)), 1);
    }

    #[test]
    fn a_closing_socket_keeps_delivering_when_configured() {
        for keeps in [false, true] {
            let mut config = SimConfig::default();
            config.protocol.closing_socket_keeps_delivering = keeps;
            let mut s = state(config);
            let t = Instant::now();
            let a = s.create_channel("demo-client", None, t);
            s.subscribe(&a.id, &["x.y".to_owned()], Mode::Replace, false, Via::Ws, t)
                .unwrap();
            let mut first = s.attach(&a.id, t, CancellationToken::new()).unwrap();
            s.fault(&a.id, Fault::SocketClosing, t).unwrap();
            let mut second = s.attach(&a.id, t, CancellationToken::new()).unwrap();
            let f = Frame::text("n".to_owned());
            assert_eq!(s.publish("x.y", &f, t), 1, "counted once");
            assert!(second.data.try_recv().is_ok());
            assert_eq!(first.data.try_recv().is_ok(), keeps, "keeps: {keeps}");
            // The first socket ends (its grace is over): only the second receives.
            s.detach(&a.id, first.conn_id, t);
            assert_eq!(s.publish("x.y", &f, t), 1);
            assert!(first.data.try_recv().is_err());
            assert!(second.data.try_recv().is_ok());
        }
    }

    #[test]
    fn second_socket_kicks_the_first() {
        let mut s = state(SimConfig::default());
        let t = Instant::now();
        let a = s.create_channel("c", None, t);
        let mut first = s.attach(&a.id, t, CancellationToken::new()).unwrap();
        let second = s.attach(&a.id, t, CancellationToken::new()).unwrap();
        assert!(matches!(
            first.control.try_recv(),
            Ok(Ordered {
                control: Control::Close { .. },
                ..
            })
        ));
        s.detach(&a.id, first.conn_id, t);
        assert!(s.stats().channels[0].connected, "the second socket stays");
        s.detach(&a.id, second.conn_id, t);
        assert!(!s.stats().channels[0].connected);
        assert_eq!(s.stats().channels[0].connections, 2);
    }

    #[test]
    fn sweep_expires_and_token_coupling() {
        let mut config = SimConfig {
            token_lifetime: Duration::from_secs(10),
            ..SimConfig::default()
        };
        config.protocol.token_expiry_closes_channels = true;
        let mut s = state(config);
        let t = Instant::now();
        let token = s.issue_token("c", t);
        let a = s.create_channel("c", Some(&token), t);
        let b = s.create_channel("c", None, t);
        assert_eq!(s.next_deadline(), Some(t + Duration::from_secs(10)));
        s.sweep(t + Duration::from_secs(9));
        assert!(s.owns("c", &a.id));
        s.sweep(t + Duration::from_secs(10));
        assert!(!s.owns("c", &a.id));
        assert!(s.owns("c", &b.id));
        assert_eq!(s.next_deadline(), Some(t + Duration::from_secs(24 * 3600)));
        s.sweep(t + Duration::from_secs(24 * 3600));
        assert!(!s.owns("c", &b.id));
        assert_eq!(s.next_deadline(), None);
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
    fn case_insensitive_matching_is_optional() {
        let mut config = SimConfig::default();
        config.protocol.case_insensitive_topics = true;
        let mut s = state(config);
        let t = Instant::now();
        let a = s.create_channel("c", None, t);
        s.subscribe(
            &a.id,
            &strings(&["v2.Users.U.presence"]),
            Mode::Add,
            false,
            Via::Rest,
            t,
        )
        .unwrap();
        let _sock = s.attach(&a.id, t, CancellationToken::new()).unwrap();
        assert_eq!(s.publish("v2.users.u.presence", &Frame::text("x"), t), 1);
        let mut exact = state(SimConfig::default());
        let b = exact.create_channel("c", None, t);
        exact
            .subscribe(
                &b.id,
                &strings(&["v2.Users.U.presence"]),
                Mode::Add,
                false,
                Via::Rest,
                t,
            )
            .unwrap();
        let _sock = exact.attach(&b.id, t, CancellationToken::new()).unwrap();
        assert_eq!(
            exact.publish("v2.users.u.presence", &Frame::text("x"), t),
            0
        );
    }
}
