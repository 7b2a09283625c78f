//! Channels: creation under the per-client limit (evicting the least recently used),
//! listing, lifetimes and the expiry sweep, and the one socket a channel may have (attach,
//! kick, detach).

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Value, json};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::link::{Attached, SocketLink};
use super::stats::Counters;
use super::{State, later};
use crate::api::{SimChannel, SubscribeRequests};
use crate::config::{ExpiryBehaviour, OtherTokenChannels};
use crate::frames::{self, Frame};

/// One channel. Its `topics` are mirrored in the state's topic index.
#[derive(Debug)]
pub(super) struct Channel {
    pub(super) id: String,
    pub(super) client_id: String,
    /// The token that created it (`None` when created without OAuth).
    pub(super) token: Option<String>,
    pub(super) expires: Instant,
    pub(super) last_used: Instant,
    /// Normalised key → topic name as subscribed (expanded).
    pub(super) topics: BTreeMap<String, String>,
    /// Normalised request entry (a combined `prefix?a&b` as one) → the keys of its permitted
    /// expansions. An entry stays while any of them is in `topics`; counted by
    /// [`TopicCounting::Entries`](crate::TopicCounting::Entries).
    pub(super) entries: BTreeMap<String, Vec<String>>,
    pub(super) socket: Option<SocketLink>,
    pub(super) connections: u64,
    pub(super) requests: SubscribeRequests,
    pub(super) counters: Arc<Counters>,
    pub(super) reject_next_subscribe: bool,
    pub(super) refuse_until: Option<Instant>,
}

/// Why a WebSocket handshake is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ConnectError {
    NotFound,
    Refused,
}

/// Why a channel is removed; decides what its socket is told.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Removal {
    Expired,
    Evicted,
    TokenExpired,
}

impl State {
    fn info(&self, c: &Channel) -> SimChannel {
        SimChannel {
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
    ) -> SimChannel {
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
            entries: BTreeMap::new(),
            socket: None,
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
                    .and_then(|t| self.auth.expires(t));
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
            } else if coupled && c.token.as_ref().is_some_and(|t| self.auth.is_dead(t, now)) {
                due.push((c.id.clone(), Removal::TokenExpired));
            }
        }
        for (id, why) in due {
            self.remove_channel(&id, why);
        }
    }

    /// Removes channel `id` and its topics, and tells its socket (if any) why.
    pub(super) fn remove_channel(&mut self, id: &str, why: Removal) {
        let Some(c) = self.channels.remove(id) else {
            return;
        };
        self.index.remove(id, c.topics.keys());
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
        let (link, attached) = SocketLink::open(conn_id, capacity, abort, Arc::clone(&c.counters));
        if let Some(old) = c.socket.replace(link) {
            old.close(Vec::new(), kicked, "replaced by a new connection");
        }
        c.connections += 1;
        c.last_used = now;
        Ok(attached)
    }

    /// Forgets socket `conn_id` of channel `id` if it is still the current one.
    pub(crate) fn detach(&mut self, id: &str, conn_id: u64, now: Instant) {
        if let Some(c) = self.channels.get_mut(id)
            && c.socket.as_ref().is_some_and(|s| s.conn_id == conn_id)
        {
            c.socket = None;
            c.last_used = now;
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use std::time::Duration;

    use super::super::test_support::{state, strings};
    use super::super::{Control, Mode, Ordered, Via};
    use super::*;
    use crate::config::SimConfig;

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
    fn removal_drops_the_channel_from_the_topic_index() {
        let mut s = state(SimConfig::default());
        let t = Instant::now();
        let a = s.create_channel("c", None, t);
        s.subscribe(&a.id, &strings(&["x.y"]), Mode::Add, false, Via::Rest, t)
            .unwrap();
        assert_eq!(s.index.len(), 1);
        s.remove_channel(&a.id, Removal::Evicted);
        assert_eq!(s.index.len(), 0);
        assert!(s.subscribed_topics().is_empty());
    }

    #[test]
    fn listing_shows_other_tokens_channels_per_option() {
        let mut s = state(SimConfig::default());
        let t = Instant::now();
        let mine = s.create_channel("c", Some("t1"), t);
        let _theirs = s.create_channel("c", Some("t2"), t + Duration::from_secs(1));
        let _other_client = s.create_channel("d", Some("t1"), t);
        let own = s.list_channels("c", "t1", false);
        assert_eq!(own.len(), 1);
        assert_eq!(own[0]["id"], mine.id.as_str());
        assert_eq!(own[0]["connectUri"], mine.connect_uri.as_str());
        let all = s.list_channels("c", "t1", true);
        assert_eq!(all.len(), 2);
        assert!(all[1].get("id").is_none(), "expires only: {}", all[1]);
        assert!(all[1].get("expires").is_some());
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
    fn revoking_with_coupling_closes_the_tokens_channels() {
        let mut config = SimConfig::default();
        config.protocol.token_expiry_closes_channels = true;
        let mut s = state(config);
        let t = Instant::now();
        let token = s.issue_token("c", t);
        let a = s.create_channel("c", Some(&token), t);
        let mut sock = s.attach(&a.id, t, CancellationToken::new()).unwrap();
        assert_eq!(s.revoke_tokens("c"), 1);
        assert!(!s.owns("c", &a.id));
        assert!(matches!(
            sock.control.try_recv(),
            Ok(Ordered {
                control: Control::Close {
                    reason: "token expired",
                    ..
                },
                ..
            })
        ));
    }
}
